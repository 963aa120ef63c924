"""Tasks on a local Dask cluster against one after another: a small search and the emulator.

Usage::

    python -m benchmarks.distributed                        # 2 workers, prints the table
    python -m benchmarks.distributed --json results/distributed.json

Side by side, in one run, each command as a user runs it (a fresh ``python -m``
process, timed from start to exit, so Python's start and loading the data are
counted), three ways: serial (1 worker, no Dask); ``--scheduler local --workers N``
(the command starts its cluster: each worker process imports TensorFlow, NengoDL
and nengo-loihi and reads the data before its first task); and ``--scheduler
tcp://...`` on an already running, warmed-up cluster of N ``dask worker``
processes on 127.0.0.1 (what a cluster that served one earlier command is):

1. **search**: 4 candidates (``cosine-40``, ``cosine-40-wd``, ``cosine-40-flip``,
   ``cosine-40-flip-wd``) x 2 epochs each (``--epochs-scale 0.05``) on the full
   training split; the candidates' validation accuracies must be identical all
   three ways. Target: >= 1.7x on 2 cores.
2. **emulator**: ``python -m loihi --run results/best-relu`` (default mapping) on
   the 10,000 test images: one sequence in one process (1 worker) against N
   chunks on N workers. Target: <= 60 s on 2 workers.

From the measured times it also computes (labelled as estimates) the wall time at
1, 2, 8 and 32 workers of the small search, of the full recipe search (its 11
candidates' measured seconds in ``results/recipe_search.json``), of a 3-seed
``seeds`` run of ``best`` and of the emulator's 10,000 images: the longest-first
schedule of the tasks on N workers plus the measured start-ups (see `estimates`).
``docs/distributed.md`` quotes them.
"""

import argparse
import contextlib
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nengo_fashion.atomic import write_json

ROOT = Path(__file__).resolve().parents[1]

SEARCH_CANDIDATES = ["cosine-40", "cosine-40-wd", "cosine-40-flip", "cosine-40-flip-wd"]
EPOCHS_SCALE = 0.05  # 40 epochs -> 2
ESTIMATE_WORKERS = (1, 2, 8, 32)


def run_command(args, log):
    """Run ``python -m ...`` in a fresh process; return its wall time in seconds."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    log.write(f"$ python -m {' '.join(args)}  ({seconds:.1f} s, exit {proc.returncode})\n")
    log.write(proc.stdout + proc.stderr + "\n")
    log.flush()
    if proc.returncode != 0:
        raise SystemExit(f"failed: python -m {' '.join(args)}\n{proc.stderr[-2000:]}")
    return seconds


def makespan(task_seconds, workers):
    """Wall time of independent tasks on ``workers`` workers, longest first (LPT)."""
    loads = [0.0] * workers
    for t in sorted(task_seconds, reverse=True):
        i = loads.index(min(loads))
        loads[i] += t
    return max(loads)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _warm():
    """On a worker: what a running cluster has done once (TensorFlow, nengo-loihi, the data)."""
    from nengo_fashion.tasks import load_dataset
    from nengo_fashion.tasks.worker import setup_worker

    setup_worker()
    import loihi

    loihi.require_nengo_loihi()
    load_dataset(None, 5000)
    return os.getpid()


@contextlib.contextmanager
def running_cluster(workers, log):
    """``dask scheduler`` and ``workers`` ``dask worker`` processes on 127.0.0.1, warmed up.

    Yields ``(address, seconds to start and warm)``; all are killed at the end.
    """
    import distributed

    from nengo_fashion.tasks import WORKER_ENV

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", **WORKER_ENV)
    common = ["--no-dashboard", "--dashboard-address", "127.0.0.1:0"]
    commands = [["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port)]]
    commands += [
        ["distributed.cli.dask_worker", address, "--host", "127.0.0.1", "--nthreads", "1"]
        for _ in range(workers)
    ]
    procs = []
    start = time.perf_counter()
    try:
        for command in commands:
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", *command, *common],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        with distributed.Client(address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=120)
            client.run(_warm)
        yield address, time.perf_counter() - start
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


SEARCH_ARGS = ["nengo_fashion.studies.search", "--only", *SEARCH_CANDIDATES]
SEARCH_ARGS += ["--epochs-scale", str(EPOCHS_SCALE), "--quiet", "--fresh"]


def search_result(out):
    return json.loads((out / "recipe_search.json").read_text())["candidates"]


def emulator_args(run, n_images):
    args = ["loihi", "--run", str(run), "--quiet"]
    return args + (["--n-images", str(n_images)] if n_images else [])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--run", default="results/best-relu", help="the emulator's run")
    p.add_argument("--n-images", type=int, default=None, help="emulator images (default all)")
    p.add_argument("--skip-search", action="store_true")
    p.add_argument("--skip-emulator", action="store_true")
    p.add_argument("--json", default=None, help="also write the measurements here")
    p.add_argument("--log", default=None, help="the commands' output (default: a temp file)")
    args = p.parse_args(argv)

    from nengo_fashion.tasks import TaskRunner

    n = args.workers
    local = ["--scheduler", "local", "--workers", str(n)]
    load_start = os.getloadavg()
    wall = {}
    with tempfile.TemporaryDirectory(prefix="bench-distributed-") as tmp:
        tmp = Path(tmp)
        log_path = Path(args.log) if args.log else tmp / "commands.log"
        with open(log_path, "w") as log:
            start = time.perf_counter()  # a local cluster's start alone
            with TaskRunner("local", n) as runner:
                runner.start()
                cluster_start_s = time.perf_counter() - start
            if not args.skip_search:
                wall["search_serial"] = run_command([*SEARCH_ARGS, "--out", str(tmp / "s1")], log)
                wall["search_local"] = run_command(
                    [*SEARCH_ARGS, "--out", str(tmp / "s2"), *local], log
                )
            if not args.skip_emulator:
                emu = emulator_args(args.run, args.n_images)
                wall["emulator_serial"] = run_command([*emu, "--out", str(tmp / "e1")], log)
                wall["emulator_local"] = run_command([*emu, "--out", str(tmp / "e2"), *local], log)
            with running_cluster(n, log) as (address, warm_s):
                running = ["--scheduler", address]
                if not args.skip_search:
                    wall["search_running"] = run_command(
                        [*SEARCH_ARGS, "--out", str(tmp / "s3"), *running], log
                    )
                if not args.skip_emulator:
                    wall["emulator_running"] = run_command(
                        [*emu, "--out", str(tmp / "e3"), *running], log
                    )
        result = {
            "workers": n,
            "cpus": os.cpu_count(),
            "local_cluster_start_s": cluster_start_s,
            "running_cluster_start_and_warm_s": warm_s,
            "load_average_before": load_start,
        }
        if not args.skip_search:
            a, b, c = (search_result(tmp / k) for k in ("s1", "s2", "s3"))
            tasks_serial = {k: a[k]["seconds"] for k in SEARCH_CANDIDATES}
            result["search"] = {
                "candidates": SEARCH_CANDIDATES,
                "epochs": {k: a[k]["overrides"]["epochs"] for k in SEARCH_CANDIDATES},
                "serial_s": wall["search_serial"],
                "local_cluster_s": wall["search_local"],
                "running_cluster_s": wall["search_running"],
                "speedup_local_cluster": wall["search_serial"] / wall["search_local"],
                "speedup_running_cluster": wall["search_serial"] / wall["search_running"],
                "target_speedup": 1.7,
                "task_seconds_serial": tasks_serial,
                "task_seconds_local_cluster": {k: b[k]["seconds"] for k in SEARCH_CANDIDATES},
                "task_seconds_running_cluster": {k: c[k]["seconds"] for k in SEARCH_CANDIDATES},
                "identical_val_acc": all(
                    a[k]["val_acc_per_epoch"]
                    == b[k]["val_acc_per_epoch"]
                    == c[k]["val_acc_per_epoch"]
                    for k in SEARCH_CANDIDATES
                ),
            }
        if not args.skip_emulator:
            r1, r2, r3 = (
                json.loads((tmp / k / "loihi.json").read_text()) for k in ("e1", "e2", "e3")
            )
            result["emulator"] = {
                "run": args.run,
                "n_images": r1["n_images"],
                "steps": r1["settings"]["steps"],
                "one_worker_s": wall["emulator_serial"],
                "local_cluster_s": wall["emulator_local"],
                "running_cluster_s": wall["emulator_running"],
                "emulation_s": {
                    "one_worker": r1["wall_seconds"],
                    "local_cluster": r2["wall_seconds"],
                    "running_cluster": r3["wall_seconds"],
                },
                "target_s": 60.0,
                "seconds_per_image_one_worker": r1["wall_seconds"] / r1["n_images"],
                "accuracy": {
                    "one_sequence": r1["accuracy"],
                    "chunks": r2["accuracy"],
                    "chunks_running_cluster": r3["accuracy"],
                },
                "chunk_results_identical": r2["predictions_sha1"] == r3["predictions_sha1"],
            }
    result["estimates"] = estimates(result)
    result["load_average_after"] = os.getloadavg()
    result["python"] = platform.python_version()
    report(result)
    if args.json:
        write_json(args.json, result)
        print(f"wrote {args.json}")
    return 0


def estimates(result):
    """Wall-time estimates at `ESTIMATE_WORKERS` workers from the measured times.

    Model: N = 1 is the serial command; N > 1 is the command's own start (measured,
    serial wall minus its tasks), the cluster's start, one worker's start (measured:
    its first task minus a later one's time) and the longest-first schedule of the
    measured task times on N workers.
    """
    out = {
        "note": "estimates, not measurements: measured per-task times scheduled "
        "longest-first on N workers, plus the measured start-up",
    }
    start = result["local_cluster_start_s"]
    s, e = result.get("search"), result.get("emulator")
    if s:
        tasks_s = list(s["task_seconds_serial"].values())
        steady = sorted(tasks_s)[len(tasks_s) // 2]  # a task without TensorFlow's import
        own = max(s["serial_s"] - sum(tasks_s), 0)  # Python, data, before the first task
        worker = max(s["task_seconds_local_cluster"].values()) - steady  # a cold worker
        out["training_worker_start_s"] = worker
        sources = {"small_search_4x2_epochs_s": tasks_s}
        full = ROOT / "results" / "recipe_search.json"
        if full.exists():
            cands = json.loads(full.read_text())["candidates"].values()
            sources["full_search_11_candidates_s"] = [c["seconds"] for c in cands]
        best = ROOT / "results" / "best-relu" / "results.json"
        if best.exists():
            sources["seeds_best_relu_3_seeds_s"] = [json.loads(best.read_text())["seconds"]] * 3
        for name, secs in sources.items():
            out[name] = {
                k: own + sum(secs) if k == 1 else own + start + worker + makespan(secs, k)
                for k in ESTIMATE_WORKERS
            }
    if e:
        per_image = e["seconds_per_image_one_worker"]
        own = max(e["one_worker_s"] - e["emulation_s"]["one_worker"], 0)
        half = e["n_images"] / result["workers"]
        worker = max(e["emulation_s"]["local_cluster"] - half * per_image, 0)
        out["emulator_worker_start_s"] = worker
        out["emulator_10000_images_s"] = {
            k: own + 10000 * per_image if k == 1 else own + start + worker + 10000 * per_image / k
            for k in ESTIMATE_WORKERS
        }
    return out


def report(result):
    n = result["workers"]
    s, e = result.get("search"), result.get("emulator")
    if s:
        print(
            f"search, {len(s['candidates'])} candidates x 2 epochs: serial {s['serial_s']:.1f} s; "
            f"{n} workers: local cluster {s['local_cluster_s']:.1f} s "
            f"({s['speedup_local_cluster']:.2f}x), running cluster {s['running_cluster_s']:.1f} s "
            f"({s['speedup_running_cluster']:.2f}x); target >= 1.7x; identical accuracies: "
            f"{s['identical_val_acc']}"
        )
    if e:
        print(
            f"emulator, {e['n_images']} images: 1 worker {e['one_worker_s']:.1f} s; {n} workers: "
            f"local cluster {e['local_cluster_s']:.1f} s, running cluster "
            f"{e['running_cluster_s']:.1f} s; target <= 60 s; accuracy "
            f"{e['accuracy']['one_sequence']:.2%} (one sequence) / {e['accuracy']['chunks']:.2%} "
            f"({n} chunks)"
        )
    print(
        f"local cluster start {result['local_cluster_start_s']:.1f} s; load average before "
        f"{tuple(round(x, 2) for x in result['load_average_before'])}"
    )
    for name, values in result["estimates"].items():
        if isinstance(values, dict):
            print(f"estimate {name}: " + ", ".join(f"{k}: {v:.0f} s" for k, v in values.items()))


if __name__ == "__main__":
    sys.exit(main())
