"""Tasks on a real Dask cluster (no mocks): the serial run's numbers, a killed worker, resuming.

Every server here (the local cluster, ``dask scheduler``, ``dask worker``) listens on
127.0.0.1 only, on free ports, and is stopped at the end, also when a test fails.
"""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from nengo_fashion import tasks
from nengo_fashion.errors import ConfigError, MissingDependencyError, OutputError, RunError
from nengo_fashion.runs import load_run
from nengo_fashion.studies.search import SearchConfig, search
from nengo_fashion.studies.seeds import METRICS, SeedsConfig, run_seeds
from nengo_fashion.studies.sweep import grid, sweep

from . import hostile
from .hostile import one_line_error

distributed = pytest.importorskip("distributed")

TINY = dict(recipe="thesis", neuron="relu", epochs=1, n_train=1280)
"""Seeds runs of the tests: the thesis recipe, 1 epoch on 1,280 training images."""
SEEDS = [0, 1]
CANDIDATES = {
    "tiny-a": dict(n_train=1280, epochs=1),
    "tiny-b": dict(n_train=1280, epochs=1, lr=2e-3, shuffle=True),
}


def _seeds(out, **kwargs):
    """The `SeedsConfig` of the tests' seeds runs (`TINY`, `SEEDS`) into ``out``."""
    return SeedsConfig(seeds=SEEDS, train=TINY, out=out, **kwargs)


def _search(candidates=CANDIDATES):
    return SearchConfig(candidates=candidates)


class Interrupt(Exception):
    """Stands for Ctrl-C or a crash after the first finished task."""


def _numbers(summary):
    return [{k: r[k] for k in ("seed", *METRICS)} for r in summary["per_seed"]]


def _same_weights(out_a, out_b, seeds=SEEDS):
    for seed in seeds:
        a = np.load(out_a / f"seed-{seed}" / "weights.npz")
        b = np.load(out_b / f"seed-{seed}" / "weights.npz")
        assert sorted(a) == sorted(b)
        for key in a:
            assert np.array_equal(a[key], b[key]), (seed, key)


@pytest.fixture(scope="module")
def serial_seeds(fashion, tmp_path_factory):
    """A serial ``seeds`` run interrupted after its first task, then started again.

    Returns the finished summary, the second start's log lines, the run folder and
    ``(inode, mtime)`` of seed 0's ``results.json`` after the first start.
    """
    out = tmp_path_factory.mktemp("seeds-serial")

    def interrupt(seed, results):
        raise Interrupt(f"stopped after seed {seed}")

    with pytest.raises(Interrupt):
        run_seeds(_seeds(out), fashion, log=lambda s: None, quiet=True, on_result=interrupt)
    assert (out / "seed-0" / "results.json").exists() and not (out / "seed-1").exists()
    assert not (out / "seeds.json").exists()
    stat = (out / "seed-0" / "results.json").stat()
    first = (stat.st_ino, stat.st_mtime_ns)
    lines = []
    summary = run_seeds(_seeds(out), fashion, log=lines.append, quiet=True)
    return summary, lines, out, first


def test_seeds_resume_after_interruption(serial_seeds):
    summary, lines, out, first = serial_seeds
    assert "resuming: 1 of 2 tasks already done" in lines
    assert summary["resumed"] == ["seed-0"]
    stat = (out / "seed-0" / "results.json").stat()
    assert (stat.st_ino, stat.st_mtime_ns) == first  # seed 0 was not trained again
    saved = json.loads((out / "seeds.json").read_text())
    assert [r["seed"] for r in saved["per_seed"]] == SEEDS
    for key in METRICS:
        values = [r[key] for r in saved["per_seed"]]
        assert saved["mean"][key] == pytest.approx(np.mean(values))
        assert saved["std"][key] == pytest.approx(np.std(values, ddof=1))


def test_seeds_resume_recomputes_a_changed_task(fashion, serial_seeds, tmp_path):
    """A stored run whose configuration differs from the task's is refused, and trained
    again only when told (``overwrite``)."""
    import shutil

    _, _, out, _ = serial_seeds
    copy = tmp_path / "seeds"
    shutil.copytree(out, copy)
    config = json.loads((copy / "seed-1" / "config.json").read_text())
    config["lr"] = 0.5  # as if trained with other arguments
    (copy / "seed-1" / "config.json").write_text(json.dumps(config))
    with pytest.raises(OutputError, match="seed-1 holds a run of another configuration"):
        run_seeds(_seeds(copy), fashion, log=lambda s: None, quiet=True)
    assert json.loads((copy / "seed-1" / "config.json").read_text())["lr"] == 0.5
    lines = []
    summary = run_seeds(_seeds(copy, overwrite=True), fashion, log=lines.append, quiet=True)
    assert "resuming: 1 of 2 tasks already done" in lines
    assert summary["resumed"] == ["seed-0"]
    assert json.loads((copy / "seed-1" / "config.json").read_text())["lr"] == 0.001
    assert _numbers(summary) == _numbers(serial_seeds[0])


def _sweep_settings():
    return grid([0.001, 0.01], [5, 10], [None, 0.005], [30.0, 100.0])


def test_local_cluster_gives_the_serial_numbers(fashion, tiny_run, serial_seeds, tmp_path):
    """One LocalCluster of 2 workers: a sweep, a seeds run, a search and emulator chunks."""
    run = load_run(tiny_run)
    data = tasks.DataRef(fashion).subset("val", 300)
    settings = _sweep_settings()
    serial_points, _ = sweep(run.weights, "relu", data, settings)
    serial_search = search(_search(), fashion, log=lambda s: None, quiet=True)

    loihi_serial = None
    if _have("nengo_loihi"):
        from loihi.mapping import MappingSettings
        from loihi.run import LoihiRunConfig, run_loihi
        from loihi.simulation import EmulatorOptions

        few = MappingSettings(presentation_time=0.02, scale=100.0)
        loihi_args = dict(mapping=few, emulator=EmulatorOptions(processes=2), n_images=20)
        serial_config = LoihiRunConfig(tiny_run, out=tmp_path / "loihi-serial", **loihi_args)
        loihi_serial = run_loihi(serial_config, log=lambda s: None)

    with tasks.TaskRunner("local", 2, quiet=True) as runner:
        assert runner.n_workers == 2
        points, _ = sweep(run.weights, "relu", data, settings, runner=runner)
        assert points == serial_points
        # a Split (not a DataRef) is broadcast to the workers instead
        points, _ = sweep(run.weights, "relu", fashion.val.subset(300), settings, runner=runner)
        assert points == serial_points

        out = tmp_path / "seeds-local"
        summary = run_seeds(_seeds(out), fashion, runner=runner, log=lambda s: None)
        assert summary["scheduler"] == "local"
        assert _numbers(summary) == _numbers(serial_seeds[0])
        _same_weights(out, serial_seeds[2])

        result = search(_search(), fashion, log=lambda s: None, runner=runner)
        for name in CANDIDATES:
            assert result["candidates"][name]["val_acc_per_epoch"] == (
                serial_search["candidates"][name]["val_acc_per_epoch"]
            )
        assert result["best"] == serial_search["best"]

        if loihi_serial is not None:
            local_config = LoihiRunConfig(tiny_run, out=tmp_path / "loihi-local", **loihi_args)
            local = run_loihi(local_config, runner=runner, log=lambda s: None)
            assert local["predictions_sha1"] == loihi_serial["predictions_sha1"]
            assert local["spikes_per_image"] == loihi_serial["spikes_per_image"]
            assert local["settings"]["processes"] == 2


def _have(module):
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def test_search_resumes_from_its_task_store(fashion, tmp_path):
    store = tmp_path / "store"
    first = search(_search(), fashion, log=lambda s: None, quiet=True, store=store)
    assert sorted(p.name for p in store.iterdir()) == ["tiny-a.json", "tiny-b.json"]
    lines = []
    again = search(_search(), fashion, log=lines.append, quiet=True, store=store)
    assert "resuming: 2 of 2 tasks already done" in lines
    assert again == first
    # a candidate whose configuration changed is trained again
    changed = dict(CANDIDATES, **{"tiny-b": dict(CANDIDATES["tiny-b"], lr=1e-3)})
    lines = []
    search(_search(changed), fashion, log=lines.append, quiet=True, store=store)
    assert "resuming: 1 of 2 tasks already done" in lines


# --- a cluster of real 'dask scheduler' and 'dask worker' processes ----------------------


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(args, log):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.Popen(
        [sys.executable, "-m", *args],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,  # its own process group: a worker's nanny and child die together
    )


def _kill(proc):
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


@contextlib.contextmanager
def dask_cluster(tmp_path, n_workers=2):
    """``dask scheduler`` and ``n_workers`` ``dask worker`` processes on 127.0.0.1.

    Yields ``(address, {name: Popen})``; all are killed at the end, also on failure.
    """
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    log = open(tmp_path / "dask.log", "w")
    procs = {}
    try:
        procs["scheduler"] = _start(
            [
                "distributed.cli.dask_scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-dashboard",
                "--dashboard-address",  # its HTTP server (health, metrics) too
                "127.0.0.1:0",
            ],
            log,
        )
        for i in range(n_workers):
            procs[f"w{i}"] = _start(
                [
                    "distributed.cli.dask_worker",
                    address,
                    "--host",
                    "127.0.0.1",
                    "--nthreads",
                    "1",
                    "--nworkers",
                    "1",
                    "--name",
                    f"w{i}",
                    "--no-dashboard",
                    "--dashboard-address",
                    "127.0.0.1:0",
                ],
                log,
            )
        with distributed.Client(address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(n_workers, timeout=120)
        yield address, procs
    finally:
        for proc in procs.values():
            _kill(proc)
        log.close()


def _busy_worker(client, procs, timeout=120):
    """Wait until a task runs on a worker; return that worker's name."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = client.scheduler_info(n_workers=-1)["workers"]
        for addr, keys in client.processing().items():
            name = info.get(addr, {}).get("name")
            if keys and name in procs:
                return name
        time.sleep(0.1)
    raise AssertionError("no task started on the cluster")


def test_tcp_cluster_survives_a_killed_worker(fashion, serial_seeds, tmp_path):
    with dask_cluster(tmp_path) as (address, procs):
        out = tmp_path / "seeds-tcp"
        outcome = {}

        def work():
            try:
                with tasks.TaskRunner(address, quiet=True) as runner:
                    outcome["summary"] = run_seeds(
                        _seeds(out), fashion, runner=runner, log=lambda s: None
                    )
            except BaseException as e:  # reported by the test below
                outcome["error"] = e

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        with distributed.Client(address, timeout=60, set_as_default=False) as client:
            victim = _busy_worker(client, procs)
            time.sleep(1.0)  # the task is importing TensorFlow or training by now
            still_busy = any(
                client.scheduler_info(n_workers=-1)["workers"].get(addr, {}).get("name") == victim
                and keys
                for addr, keys in client.processing().items()
            )
            _kill(procs[victim])
        thread.join(timeout=300)
        assert not thread.is_alive(), "the run did not finish after a worker died"
        if "error" in outcome:
            raise outcome["error"]
        assert still_busy, "the worker had finished its task before it was killed"
        assert procs[victim].returncode is not None
        summary = outcome["summary"]
        assert summary["scheduler"] == address
        assert _numbers(summary) == _numbers(serial_seeds[0])
        _same_weights(out, serial_seeds[2])


def test_probe_accepts_a_real_scheduler_and_lost_workers_say_one_line(tmp_path, monkeypatch):
    """A ``dask scheduler`` subprocess passes the probe; tasks run; a task that kills its
    worker, or a scheduler that dies mid-run, ends the run with one line (no hang).

    Cheap tasks only: builtins and ``subprocess.call`` (no training).
    """
    # the scheduler gives up on a task after the first worker it killed
    monkeypatch.setenv("DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES", "0")
    with dask_cluster(tmp_path, n_workers=1) as (address, procs):
        t0 = time.monotonic()
        tasks.probe_scheduler(address)
        assert time.monotonic() - t0 < 1.0
        with tasks.TaskRunner(address, quiet=True) as runner:
            assert runner.n_workers == 1
            jobs = [tasks.Task(f"t{i}", dict, {"i": i}) for i in range(3)]
            assert runner.run(jobs, "cheap") == {f"t{i}": {"i": i} for i in range(3)}

            # a worker's address passes the probe (a Dask server) but is no scheduler
            worker = next(iter(runner.client.scheduler_info(n_workers=-1)["workers"]))
            run = hostile.ROOT / "results" / "best-relu"
            if (run / "weights.npz").exists():
                argv = ["-m", "loihi", "--run", run, "--n-images", "10", "--quiet"]
                argv += ["--scheduler", worker, "--out", tmp_path / "out"]
                result = hostile.run(argv, timeout=60)
                print(f"worker address: {result.seconds:.2f} s: {result.stderr.strip()}")
                hostile.assert_one_line_error(
                    result, contains=(worker, "not a worker"), max_seconds=15
                )

            kill = tasks.Task("kill", subprocess.call, {"args": "kill -9 $PPID", "shell": True})
            with pytest.raises(RunError, match="task kill killed the Dask worker") as info:
                runner.run([kill], "killer")
            assert "\n" not in str(info.value)

            runner.client.wait_for_workers(1, timeout=60)  # the nanny's new worker
            sleep = tasks.Task("sleep", subprocess.call, {"args": ["sleep", "60"]})
            timer = threading.Timer(2.0, _kill, (procs["scheduler"],))
            timer.start()
            t0 = time.monotonic()
            try:
                with pytest.raises(RunError, match="Dask cancelled task sleep") as info:
                    runner.run([sleep], "orphan")
            finally:
                timer.cancel()
            assert "\n" not in str(info.value)
            assert time.monotonic() - t0 < 30


# --- options and errors ----------------------------------------------------------------


def test_scheduler_options_are_checked(capsys):
    from nengo_fashion.commands import seeds

    err = one_line_error(capsys, ["--workers", "0"], seeds.main)
    assert "--workers" in err and ">= 1" in err
    err = one_line_error(capsys, ["--scheduler", "somewhere"], seeds.main)
    assert "local" in err and "tcp://HOST:PORT" in err
    err = one_line_error(capsys, ["--scheduler", "tcp://127.0.0.1:70000"], seeds.main)
    assert "port" in err
    assert tasks.scheduler_address("tcp://10.0.0.5:8786") == "tcp://10.0.0.5:8786"  # parsed only
    with pytest.raises(ConfigError, match="--workers applies to --scheduler local"):
        tasks.TaskRunner("tcp://127.0.0.1:8786", workers=2)


def test_without_dask_scheduler_names_the_install(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if Dask were not installed
    assert not tasks.have_dask()
    with pytest.raises(MissingDependencyError, match=r'pip install -e "\.\[distributed\]"'):
        tasks.TaskRunner("local")
    assert tasks.TaskRunner().serial  # no --scheduler: serial, no Dask needed
    from nengo_fashion.commands import seeds

    err = one_line_error(
        capsys, ["--scheduler", "local", "--out", str(tmp_path / "out")], seeds.main
    )
    assert "--scheduler needs Dask" in err and 'pip install -e ".[distributed]"' in err
