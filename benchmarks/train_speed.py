"""Training speed: NengoDL, Keras, PyTorch and ``train`` itself, the same net, data and batch.

Usage::

    python -m benchmarks.train_speed                 # 2 epochs on 54,976 images, batch 32
    python -m benchmarks.train_speed --epochs 2 --json results/train_speed.json

Every column trains 784-128-10 (ReLU) with Adam(1e-3), sparse cross-entropy on the
logits, batch 32, no shuffling, on the same images:

- ``nengo_dl``: ``Simulator.fit`` with one Keras call per minibatch (how this
  project trained before);
- ``keras``: ``Model.fit`` of the same layers;
- ``train``: `nengo_fashion.train.fit` as ``python -m nengo_fashion.train`` runs it
  (thesis recipe): several minibatches per Keras call (``STEPS_PER_EXECUTION``),
  the validation split scored after every epoch, TensorFlow's op determinism on.
  Its validation scoring is also timed alone;
- ``pytorch``: PyTorch eager (``benchmarks/train_speed_torch.py``, in the NIR
  cross-check's venv ``.venv-nir``, since torch cannot share one with TensorFlow
  2.12); left out when that venv is absent.

Graph building (simulator / model construction and the first call) is timed
separately from the epochs.
"""

import argparse
import os
import platform
import sys
import time

import numpy as np

from nengo_fashion import data
from nengo_fashion.atomic import write_json
from nengo_fashion.inference.dl import import_nengo_dl, make_simulator
from nengo_fashion.network import build_network


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


def time_train(d, epochs, batch_size):
    """``nengo_fashion.train.fit`` (the thesis recipe): seconds per epoch (best epoch),
    in all, and of one validation scoring, numpy (what ``fit`` does) and NengoDL's
    minibatch-by-minibatch prediction (what it did before, on a simulator of the
    same minibatch size)."""
    from nengo_fashion.config import make_config
    from nengo_fashion.inference.dl import make_simulator, predict_logits
    from nengo_fashion.network import build_network
    from nengo_fashion.train import fit, validation_logits

    config = make_config("thesis", epochs=epochs, batch_size=batch_size)
    start = time.perf_counter()
    weights, history, sim = fit(config, d, log=lambda s: None)
    total = time.perf_counter() - start
    net = sim.model.toplevel  # build_network's network, with its attributes
    with sim:
        t = time.perf_counter()
        validation_logits(sim, net, config, d.val.images, steps=1, how="mean")
        numpy_scoring = time.perf_counter() - t
    net = build_network(weights, family="relu")
    with make_simulator(net, minibatch_size=batch_size, use_loop=False) as sim:
        predict_logits(sim, net, d.val.images[:batch_size], n_steps=1)  # graph build
        t = time.perf_counter()
        predict_logits(sim, net, d.val.images, n_steps=1)
        nengo_dl_scoring = time.perf_counter() - t
    return min(history["seconds"]), total, {"numpy": numpy_scoring, "nengo_dl": nengo_dl_scoring}


def time_pytorch(x, y, epochs, batch_size, venv):
    """PyTorch eager in the NIR cross-check's venv; None without it."""
    import json
    import subprocess
    from pathlib import Path

    python = Path(venv) / "bin" / "python"
    if not python.exists():
        return None
    folder = Path(__file__).resolve().parents[1] / "build" / "train_speed"
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "data.npz", x=np.rint(x * 255).astype(np.uint8), y=y)
    script = Path(__file__).with_name("train_speed_torch.py")
    cmd = [str(python), str(script), str(folder / "data.npz"), "--epochs", str(epochs)]
    cmd += ["--batch-size", str(batch_size), "--threads", str(os.cpu_count())]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--json", default=None, help="also write the measurements here")
    p.add_argument("--nir-venv", default=os.path.join(os.path.dirname(__file__), "..", ".venv-nir"))
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
    train_epoch, train_total, scoring = time_train(d, args.epochs, args.batch_size)
    best["train"] = (train_total - args.epochs * train_epoch, train_epoch)
    torch_run = time_pytorch(x, y, args.epochs, args.batch_size, args.nir_venv)
    if torch_run is not None:
        best["pytorch"] = (0.0, torch_run["seconds_per_epoch"])
    print(f"{n} images, batch {args.batch_size}, {args.epochs} epochs, {os.cpu_count()} CPUs")
    print(f"{'':10} {'build (s)':>10} {'s / epoch':>10} {'images / s':>11}")
    for k, (build, per_epoch) in best.items():
        print(f"{k:10} {build:10.2f} {per_epoch:10.2f} {n / per_epoch:11.0f}")
    print(f"ratio nengo_dl / keras per epoch: {ratio:.2f}x")
    if "pytorch" in best:
        print(f"ratio train / pytorch per epoch: {best['train'][1] / best['pytorch'][1]:.2f}x")
    print(
        f"validation scoring per epoch: {scoring['numpy']:.3f} s (numpy, what train does), "
        f"{scoring['nengo_dl']:.3f} s (NengoDL prediction)"
    )
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
                "train_validation_scoring_seconds": scoring,
                "train_setting": "thesis recipe through nengo_fashion.train.fit: "
                "steps_per_execution, validation scored every epoch, op determinism on",
                "torch": None if torch_run is None else torch_run["torch"],
            },
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
