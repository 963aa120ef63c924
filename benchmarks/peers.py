"""Spiking inference against its peers, on the same work, in one run.

Usage::

    python -m benchmarks.peers                          # best-relu, 10,000 test images
    python -m benchmarks.peers --json results/peers.json

The work: the run's network (default ``results/best-relu``: 784-128-10, IF /
`nengo.SpikingRectifiedLinear` hidden layer), all 10,000 test images, its spiking
setting (30 steps of 1 ms), the prediction being the argmax of the output summed
over the steps. Timed, best of ``--repeats``, on this machine's cores:

- ``nengo_fashion``: `nengo_fashion.inference.engine.run_spiking`, the path that ``evaluate``,
  ``sweep`` and ``pareto`` use (the numpy executor);
- ``nengo_dl``: the same call with ``engine="nengo_dl"`` (the reference it must equal);
- ``norse`` and ``sinabs``: the same network exported to NIR
  (``python -m nengo_fashion.export``) and imported by each, with the cross-check's
  adapter (``scripts/nir_check.py``);
- ``torch_loop``: a plain PyTorch loop, the input current computed once, then the
  IF updates.

The last three run in the cross-check's venv (``.venv-nir``; ``bash scripts/setup.sh
--with-nir-check``), in a subprocess (``benchmarks/peers_consumer.py``); without it
only the first two are timed. Writes ``{"work", "seconds", "accuracy",
"agreement_with_nengo_dl"}`` to ``--json``.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from nengo_fashion import data
from nengo_fashion.atomic import write_json
from nengo_fashion.inference.engine import RunOptions, run_spiking
from nengo_fashion.runs import load_run

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, repeats):
    best, out = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", default=str(ROOT / "results" / "best-relu"))
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--nir-venv", default=str(ROOT / ".venv-nir"))
    p.add_argument("--work-dir", default=str(ROOT / "build" / "peers"))
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)

    from nengo_fashion import export

    run = load_run(args.run)
    test = data.load(n_val=run.config.n_val).test
    s, family = run.config.spiking, run.config.neuron
    # this project's path first, before TensorFlow runs in this process (its idle
    # thread pools would otherwise compete for the cores)
    seconds, accuracy, agreement, predictions = {}, {}, {}, {}
    engines = {"nengo_fashion": "auto", "nengo_dl": "nengo_dl"}
    for name, engine in engines.items():
        repeats = args.repeats if engine == "auto" else 1
        t, r = timed(
            lambda e=engine: run_spiking(run.weights, family, test.images, s, RunOptions(engine=e)),
            repeats,
        )
        seconds[name], accuracy[name] = t, r.accuracy(test.labels)
        predictions[name] = r.predictions
        print(f"{name:14s} {t:7.3f} s  accuracy {accuracy[name]:.2%}", flush=True)

    folder = Path(args.work_dir) / run.path.name
    folder.mkdir(parents=True, exist_ok=True)
    export.export_run(run, folder)
    ref = export.write_reference(run, folder, test.images, test.labels)  # NengoDL's predictions
    reference = np.load(folder / export.REFERENCE_FILE)["predictions"]
    for name, preds in predictions.items():
        agreement[name] = float(np.mean(preds == reference))

    python = Path(args.nir_venv) / "bin" / "python"
    consumer = {}
    if python.exists():
        cmd = [str(python), str(ROOT / "benchmarks" / "peers_consumer.py"), str(folder)]
        cmd += ["--threads", str(os.cpu_count()), "--repeats", str(args.repeats)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
        consumer = json.loads(proc.stdout.strip().splitlines()[-1])
        for name, t in consumer["seconds"].items():
            seconds[name] = t
            accuracy[name] = consumer["accuracy"][name]
            agreement[name] = consumer["agreement_with_nengo_dl"][name]
            print(f"{name:14s} {t:7.3f} s  accuracy {accuracy[name]:.2%}", flush=True)
    else:
        print(f"no {python}: Norse, sinabs and the PyTorch loop were not timed", flush=True)

    peers = {k: v for k, v in seconds.items() if k not in engines}
    fastest = min(peers, key=peers.get) if peers else None
    result = {
        "work": {
            "run": run.path.name,
            "n_images": len(test),
            "dt": s.dt,
            "steps": s.steps,
            "scale": s.scale,
            "neuron": family,
            "readout": "argmax of the output summed over the steps",
            "cpus": os.cpu_count(),
            "repeats": args.repeats,
            "nengo_dl_reference_seconds": ref["seconds"],
        },
        "seconds": seconds,
        "accuracy": accuracy,
        "agreement_with_nengo_dl": agreement,
        "fastest_peer": fastest,
        "ratio_to_fastest_peer": seconds["nengo_fashion"] / peers[fastest] if peers else None,
        "torch": consumer.get("torch"),
    }
    if fastest:
        print(
            f"nengo_fashion / fastest peer ({fastest}): " f"{result['ratio_to_fastest_peer']:.2f}x"
        )
    if args.json:
        write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
