"""Spiking inference speed against its arithmetic floor, measured side by side.

Usage::

    python -m benchmarks.spiking_inference --run results/best-relu
    python -m benchmarks.spiking_inference --json results/spiking_inference.json

For 10 and 30 steps it times `nengo_fashion.inference.engine.run_spiking` on the full test set
(10,000 images) with both engines: the default numpy executor
(`nengo_fashion.inference.executor`) and NengoDL (``engine="nengo_dl"``; its simulator build
is estimated from a one-batch run and left out). It compares them with the
arithmetic floor of the work. The input is constant over a presentation, so the
784x128 input product is needed once per image; then every step needs the neuron
update (a few elementwise operations on 128 values) and the 128x10 output product::

    MACs per image = 784 * 128 + steps * 128 * 10

at this machine's dense matmul throughput, measured in the same run with numpy on
the same shapes. (The floor left out the elementwise updates, so no engine reaches
it.) It also measures the peak memory that one full-test-set sweep point allocates
(`tracemalloc`, numpy's arrays included), against the 2 GB budget.
"""

import argparse
import os
import sys
import time
import tracemalloc

import numpy as np

from nengo_fashion import data
from nengo_fashion.atomic import write_json
from nengo_fashion.config import SpikeSettings
from nengo_fashion.inference.engine import RunOptions, run_spiking
from nengo_fashion.runs import load_run

INPUT_MACS = 784 * 128
OUTPUT_MACS_PER_STEP = 128 * 10


def matmul_throughput(n, repeats=5):
    """Dense float32 matmul MAC/s of numpy on the input layer's shape (n x 784 @ 784 x 128)."""
    rng = np.random.RandomState(0)
    x = rng.rand(n, 784).astype(np.float32)
    w = rng.rand(784, 128).astype(np.float32)
    x @ w
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        x @ w
        best = min(best, time.perf_counter() - start)
    return n * INPUT_MACS / best


def time_engine(run, images, settings, engine, batch_size, repeats):
    """Best wall time of ``repeats`` calls, with NengoDL's graph build left out."""
    family = run.config.neuron
    if engine == "auto":
        best = np.inf
        for _ in range(repeats):
            start = time.perf_counter()
            r = run_spiking(run.weights, family, images, settings)
            best = min(best, time.perf_counter() - start)
        return best, 0.0, r
    # NengoDL: TensorFlow's one-time start-up first (not part of a call's cost), then a
    # one-batch run gives the simulator's build cost, subtracted from the timed run
    run_spiking(
        run.weights, family, images[:10], settings, RunOptions(batch_size=10, engine=engine)
    )
    options = RunOptions(batch_size=batch_size, engine=engine)
    start = time.perf_counter()
    run_spiking(run.weights, family, images[:batch_size], settings, options)
    one_batch = time.perf_counter() - start
    start = time.perf_counter()
    r = run_spiking(run.weights, family, images, settings, options)
    total = time.perf_counter() - start
    k = -(-len(images) // batch_size)
    build = max(0.0, (one_batch * k - total) / (k - 1)) if k > 1 else 0.0
    return total - build, build, r


def sweep_point_memory(run, images, settings):
    """Peak bytes allocated while one sweep point runs (all steps scored, no outputs kept)."""
    tracemalloc.start()
    every_step = RunOptions(prefixes=range(1, settings.steps + 1))
    run_spiking(run.weights, run.config.neuron, images, settings, every_step)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", default="results/best-relu")
    p.add_argument("--steps", type=int, nargs="+", default=[10, 30])
    p.add_argument("--batch-size", type=int, default=500, help="NengoDL's minibatch")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)

    run = load_run(args.run)
    test = data.load(n_val=run.config.n_val).test
    n = len(test)
    macs = matmul_throughput(n)
    print(f"numpy dense matmul throughput: {macs / 1e9:.1f} GMAC/s ({os.cpu_count()} CPUs)")
    rows = []
    for steps in args.steps:
        s = SpikeSettings(dt=0.001, steps=steps, scale=run.config.spiking.scale)
        floor = n * (INPUT_MACS + steps * OUTPUT_MACS_PER_STEP) / macs
        for engine in ("auto", "nengo_dl"):
            t, build, r = time_engine(run, test.images, s, engine, args.batch_size, args.repeats)
            name = "nengo_fashion (numpy executor)" if engine == "auto" else "NengoDL"
            rows.append(
                {
                    "engine": name,
                    "steps": steps,
                    "seconds": t,
                    "images_per_s": n / t,
                    "build_seconds": build,
                    "floor_seconds": floor,
                    "ratio": t / floor,
                    "accuracy": r.accuracy(test.labels),
                }
            )
            print(
                f"{name:31s} {steps:3d} steps: {t:6.3f} s for {n} images ({n / t:8.0f} "
                f"images/s); floor {floor:.4f} s; {t / floor:5.1f}x the floor"
            )
    s = SpikeSettings(dt=0.001, steps=max(args.steps), scale=run.config.spiking.scale)
    peak = sweep_point_memory(run, test.images, s)
    print(f"peak memory of a {s.steps}-step sweep point on {n} images: {peak / 2**20:.0f} MiB")
    if args.json:
        write_json(
            args.json,
            {
                "run": args.run,
                "n_images": n,
                "nengo_dl_batch_size": args.batch_size,
                "input_macs_per_image": INPUT_MACS,
                "output_macs_per_image_step": OUTPUT_MACS_PER_STEP,
                "matmul_macs_per_s": macs,
                "cpus": os.cpu_count(),
                "rows": rows,
                "sweep_point_peak_bytes": peak,
                "sweep_point_steps": s.steps,
            },
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
