"""Training speed: NengoDL against plain Keras, the same net, data, epochs and batch.

Usage::

    python benchmarks/train_speed.py                 # 2 epochs on 54,976 images, batch 32
    python benchmarks/train_speed.py --epochs 1 --json results/train_speed.json

Both sides train 784-128-10 (ReLU) with Adam(1e-3), sparse cross-entropy on the
logits, no shuffling, in this one process, one after the other. Graph building
(simulator / model construction and the first call) is timed separately from
the epochs. The target is NengoDL at most 1.5x Keras' time per epoch.
"""

import argparse
import os
import platform
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from nengo_fashion import data  # noqa: E402
from nengo_fashion.atomic import write_json  # noqa: E402
from nengo_fashion.dl import import_nengo_dl, make_simulator  # noqa: E402
from nengo_fashion.network import build_network  # noqa: E402


def time_keras(x, y, epochs, batch_size, tf):
    start = time.perf_counter()
    model = tf.keras.Sequential(
        [
            tf.keras.layers.Dense(128, activation="relu", input_shape=(784,)),
            tf.keras.layers.Dense(10),
        ]
    )
    model.compile(
        tf.keras.optimizers.Adam(1e-3),
        tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    model.fit(x[:batch_size], y[:batch_size], batch_size=batch_size, verbose=0)  # warm-up
    build = time.perf_counter() - start
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0)
    return build, (time.perf_counter() - start) / epochs


def time_nengo_dl(x, y, epochs, batch_size, tf):
    start = time.perf_counter()
    net = build_network(family="relu")
    sim = make_simulator(net, minibatch_size=batch_size, use_loop=False)
    sim.compile(
        optimizer=tf.keras.optimizers.Adam(1e-3),
        loss={net.p_out: tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)},
    )
    warm = {net.inp: x[:batch_size, None]}, {net.p_out: y[:batch_size, None, None]}
    sim.fit(*warm, verbose=0)
    build = time.perf_counter() - start
    start = time.perf_counter()
    sim.fit(
        {net.inp: x[:, None]},
        {net.p_out: y[:, None, None]},
        epochs=epochs,
        shuffle=False,
        verbose=0,
    )
    per_epoch = (time.perf_counter() - start) / epochs
    sim.close()
    return build, per_epoch


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--json", default=None, help="also write the measurements here")
    args = p.parse_args(argv)

    import_nengo_dl()
    import tensorflow as tf

    tf.keras.utils.set_random_seed(0)
    d = data.load()
    n = (len(d.train) // args.batch_size) * args.batch_size
    x, y = d.train.images[:n], d.train.labels[:n]

    # nengo-dl first, keras second, then both again: the better of two is reported
    runs = {"keras": [], "nengo_dl": []}
    for _ in range(2):
        runs["nengo_dl"].append(time_nengo_dl(x, y, args.epochs, args.batch_size, tf))
        runs["keras"].append(time_keras(x, y, args.epochs, args.batch_size, tf))
    best = {k: min(v, key=lambda r: r[1]) for k, v in runs.items()}
    ratio = best["nengo_dl"][1] / best["keras"][1]
    print(f"{n} images, batch {args.batch_size}, {args.epochs} epochs, {os.cpu_count()} CPUs")
    print(f"{'':10} {'build (s)':>10} {'s / epoch':>10} {'images / s':>11}")
    for k, (build, per_epoch) in best.items():
        print(f"{k:10} {build:10.2f} {per_epoch:10.2f} {n / per_epoch:11.0f}")
    verdict = "meets" if ratio <= 1.5 else "misses"
    print(f"ratio nengo_dl / keras per epoch: {ratio:.2f}x ({verdict} the 1.5x target)")
    if args.json:
        write_json(
            args.json,
            {
                "n_images": n,
                "batch_size": args.batch_size,
                "epochs": args.epochs,
                "cpus": os.cpu_count(),
                "machine": platform.machine(),
                "tensorflow": tf.__version__,
                "seconds_per_epoch": {k: v[1] for k, v in best.items()},
                "build_seconds": {k: v[0] for k, v in best.items()},
                "all_runs": runs,
                "ratio": ratio,
            },
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
