"""Wall time of ``sweep``, ``pareto`` and ``reproduce`` with NengoDL and with the executor.

Usage::

    python -m benchmarks.commands_speed --json results/commands_speed.json

Each command runs twice in this one process on the same work: once with
`nengo_fashion.inference.engine.run_spiking` as the commands call it (the numpy executor), once
with every call forced to ``engine="nengo_dl"`` (how the commands ran before the
executor). The work:

- ``sweep``: best-relu on the validation split, dt 1 ms, 5/10/20/30 steps, no
  synapse and 5 ms, scales 30/100/300 (the README's example grid);
- ``pareto``: best-relu, its default grid on validation and test;
- ``reproduce``: the thesis flow with its two trained runs reused (dt search on
  validation, the dt table on test) and 2 draws per voltage mode instead of 20.

The outputs go to a temporary folder.
"""

import argparse
import contextlib
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

from nengo_fashion import data
from nengo_fashion.atomic import write_json
from nengo_fashion.inference import engine as inference_engine
from nengo_fashion.studies.sweep import SweepConfig, run_sweep

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def engine(name):
    """Make every `run_spiking` call in the commands use ``engine=name``."""
    original = inference_engine.run_spiking

    def forced(weights, family, images, settings, options=None):
        options = dataclasses.replace(options or inference_engine.RunOptions(), engine=name)
        return original(weights, family, images, settings, options)

    inference_engine.run_spiking = forced
    try:
        yield
    finally:
        inference_engine.run_spiking = original


def commands(out):
    """name -> a function that runs the command's work into ``out``."""
    from nengo_fashion.studies.pareto import ParetoConfig, run_pareto
    from nengo_fashion.studies.reproduce import ReproduceConfig, reproduce

    best = ROOT / "results" / "best-relu"
    grid = dict(steps=(5, 10, 20, 30), synapse=(None, 0.005), scale=(30.0, 100.0, 300.0))
    sweep = SweepConfig(best, dt=(0.001,), split="val", out=out / "sweep", **grid)
    pareto = ParetoConfig(
        best,
        dt=0.001,
        steps=(5, 10, 15, 20, 25, 30),
        synapse=(None, 0.005),
        scale=(30.0, 100.0, 300.0),
        out=out / "pareto",
    )
    dataset = data.load()
    return {
        "sweep": lambda: run_sweep(sweep, log=lambda s: None, quiet=True),
        "pareto": lambda: run_pareto(pareto, log=lambda s: None, quiet=True),
        "reproduce": lambda: reproduce(
            ReproduceConfig(
                out=out / "reproduce", runs=ROOT / "results" / "reproduce" / "runs", n_draws=2
            ),
            dataset,
            log=lambda s: None,
        ),
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="+", default=None, help="commands to time")
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    # TensorFlow's one-time start-up (the rate nets are scored in NengoDL) before any timing
    from nengo_fashion.inference.engine import evaluate_rate
    from nengo_fashion.runs import load_run

    evaluate_rate(
        load_run(ROOT / "results" / "best-relu").weights, "relu", data.load().val.subset(10)
    )
    seconds = {}
    with tempfile.TemporaryDirectory() as tmp:
        cmds = commands(Path(tmp))
        for name, fn in cmds.items():
            if args.only and name not in args.only:
                continue
            seconds[name] = {}
            for eng in ("auto", "nengo_dl"):
                with engine(eng):
                    start = time.perf_counter()
                    fn()
                    seconds[name][eng] = time.perf_counter() - start
            t = seconds[name]
            print(
                f"{name:10s} NengoDL {t['nengo_dl']:7.1f} s   executor {t['auto']:6.1f} s   "
                f"{t['nengo_dl'] / t['auto']:5.1f}x faster",
                flush=True,
            )
    if args.json:
        write_json(args.json, {"seconds": seconds, "cpus": os.cpu_count()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
