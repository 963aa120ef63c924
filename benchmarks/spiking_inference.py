"""Spiking inference speed against its arithmetic floor, measured side by side.

Usage::

    python benchmarks/spiking_inference.py --run results/thesis-relu
    python benchmarks/spiking_inference.py --json results/spiking_inference.json

For 10 and 30 steps it times `nengo_fashion.dl.run_spiking` on the full test set
(10,000 images; the simulator's build is estimated from a one-batch run and left
out) and compares it with the
arithmetic floor: the multiply-accumulates of the two dense layers per image per
step (784*128 + 128*10), at this machine's dense matmul throughput, measured in
the same run with TensorFlow on the same shapes (batch x 784 @ 784 x 128). The
ratio measured / floor says how much the simulation costs beyond the matmuls.
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from nengo_fashion import data  # noqa: E402
from nengo_fashion.atomic import write_json  # noqa: E402
from nengo_fashion.config import SpikeSettings  # noqa: E402
from nengo_fashion.dl import import_nengo_dl, run_spiking  # noqa: E402
from nengo_fashion.evaluate import load_run  # noqa: E402

MACS_PER_STEP = 784 * 128 + 128 * 10


def matmul_throughput(batch, tf, repeats=50):
    """Dense matmul MAC/s for the network's layer shapes at ``batch`` rows."""
    rng = np.random.RandomState(0)
    x = tf.constant(rng.rand(batch, 784).astype(np.float32))
    w1 = tf.constant(rng.rand(784, 128).astype(np.float32))
    h = tf.constant(rng.rand(batch, 128).astype(np.float32))
    w2 = tf.constant(rng.rand(128, 10).astype(np.float32))

    @tf.function
    def both():
        return tf.matmul(x, w1), tf.matmul(h, w2)

    both()
    best = np.inf
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeats):
            a, b = both()
        _ = a.numpy(), b.numpy()
        best = min(best, (time.perf_counter() - start) / repeats)
    return batch * MACS_PER_STEP / best


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", default="results/thesis-relu")
    p.add_argument("--steps", type=int, nargs="+", default=[10, 30])
    p.add_argument("--batch-size", type=int, default=500)
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)

    import_nengo_dl()
    import tensorflow as tf

    run = load_run(args.run)
    test = data.load(n_val=run.config.n_val).test
    n = len(test)
    macs = matmul_throughput(args.batch_size, tf)
    print(f"dense matmul throughput: {macs / 1e9:.1f} GMAC/s ({os.cpu_count()} CPUs)")
    rows = []
    for steps in args.steps:
        s = SpikeSettings(dt=0.001, steps=steps, scale=run.config.spiking.scale)
        # a warm-up run on one batch gives the build cost; the timed run includes
        # one build too, which is subtracted
        start = time.perf_counter()
        run_spiking(
            run.weights, run.config.neuron, test.images[: args.batch_size], s, args.batch_size
        )
        one_batch = time.perf_counter() - start
        start = time.perf_counter()
        r = run_spiking(run.weights, run.config.neuron, test.images, s, args.batch_size)
        total = time.perf_counter() - start
        # one_batch = build + per_batch, total = build + k * per_batch: solve for build
        k = -(-n // args.batch_size)
        build = max(0.0, (one_batch * k - total) / (k - 1)) if k > 1 else 0.0
        total -= build
        floor = n * steps * MACS_PER_STEP / macs
        rows.append(
            {
                "steps": steps,
                "seconds": total,
                "images_per_s": n / total,
                "first_batch_seconds": one_batch,
                "build_seconds": build,
                "floor_seconds": floor,
                "ratio": total / floor,
                "accuracy": r.accuracy(test.labels),
            }
        )
        print(
            f"{steps:3d} steps: {total:6.2f} s for {n} images ({n / total:7.0f} images/s); "
            f"floor {floor:.3f} s; ratio {total / floor:5.1f}x (simulator build {build:.2f} s "
            f"not counted)"
        )
    if args.json:
        write_json(
            args.json,
            {
                "run": args.run,
                "n_images": n,
                "batch_size": args.batch_size,
                "macs_per_image_step": MACS_PER_STEP,
                "matmul_macs_per_s": macs,
                "cpus": os.cpu_count(),
                "rows": rows,
            },
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
