"""The peers' side of ``benchmarks/peers.py``: Norse, sinabs and a plain PyTorch loop.

Runs with the NIR cross-check's venv (``.venv-nir/bin/python``: torch, nir, Norse,
sinabs; no nengo, no TensorFlow), on the exported ``model.nir`` and the images of
``reference.npz`` (both written by ``python -m nengo_fashion.export --reference``).
Prints one JSON object: per simulator, the best of ``--repeats`` wall times (s) for
all the images, and the accuracy.

    .venv-nir/bin/python benchmarks/peers_consumer.py build/peers/best-relu --threads 2
"""

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts"))

import nir_check  # noqa: E402  (the cross-check's Norse and sinabs adapters)


def torch_loop(graph, images, batch_size=10000):
    """The network's semantics in plain PyTorch: the input current once, then the steps.

    nengo's spiking ReLU: ``v += max(J, 0) dt; n = floor(v); v -= n``, from the
    exported initial voltages; the output is ``fc2`` applied to the mean spike rate.
    """
    import torch

    s = nir_check.settings_of(graph)
    dt, steps = s["dt"], s["steps"]
    fc1, fc2 = graph.nodes["fc1"], graph.nodes["fc2"]
    w1 = torch.from_numpy(np.asarray(fc1.weight, dtype=np.float32)).T.contiguous()
    b1 = torch.from_numpy(np.asarray(fc1.bias, dtype=np.float32))
    w2 = torch.from_numpy(np.asarray(fc2.weight, dtype=np.float32)).T.contiguous()
    b2 = torch.from_numpy(np.asarray(fc2.bias, dtype=np.float32))
    v0 = torch.from_numpy(np.asarray(graph.nodes["hidden"].metadata["v_initial"], np.float32))
    preds = []
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            x = torch.from_numpy(images[start : start + batch_size])
            drive = torch.clamp_min(torch.addmm(b1, x, w1), 0) * dt
            v = v0.expand_as(drive).clone()
            count = torch.zeros_like(drive)
            n = torch.empty_like(drive)
            for _ in range(steps):
                v += drive
                torch.floor(v, out=n)
                v -= n
                count += n
            logits = torch.addmm(b2, count, w2, alpha=1.0 / (dt * steps))
            preds.append(logits.argmax(dim=1).numpy())
    return np.concatenate(preds)


def timed(fn, repeats):
    best, out = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder", help="folder with model.nir and reference.npz")
    p.add_argument("--threads", type=int, default=2, help="torch threads")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    graph, ref = nir_check.load(args.folder)
    images = np.ascontiguousarray(ref["images"], dtype=np.float32)
    labels = ref["labels"]
    runs = {
        "torch_loop": lambda: torch_loop(graph, images),
        "norse": lambda: nir_check.run_norse(graph, images)[0],
        "sinabs": lambda: nir_check.run_sinabs(graph, images)[0],
    }
    out = {"seconds": {}, "accuracy": {}, "agreement_with_nengo_dl": {}}
    for name, fn in runs.items():
        seconds, preds = timed(fn, args.repeats)
        out["seconds"][name] = seconds
        out["accuracy"][name] = float(np.mean(preds == labels))
        out["agreement_with_nengo_dl"][name] = float(np.mean(preds == ref["predictions"]))
    out["torch"] = {"version": torch.__version__, "threads": torch.get_num_threads()}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
