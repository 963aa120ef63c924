"""The PyTorch column of ``benchmarks/train_speed.py``: the thesis recipe in PyTorch eager.

Runs with the NIR cross-check's venv (``.venv-nir/bin/python``, which has torch; it
cannot share a venv with TensorFlow 2.12). Trains 784-128-10 (ReLU) with Adam(1e-3),
cross-entropy on the logits, batch 32, no shuffling, on the images of ``DATA.npz``
(``x`` uint8 pixels, ``y`` labels, written by train_speed.py), and prints one JSON
object with the best seconds per epoch.

    .venv-nir/bin/python benchmarks/train_speed_torch.py build/train_speed/data.npz
"""

import argparse
import json
import sys
import time

import numpy as np


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("data")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    with np.load(args.data) as f:
        x = torch.from_numpy(f["x"].astype(np.float32) / 255.0)
        y = torch.from_numpy(f["y"].astype(np.int64))
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    per_epoch = []
    for _ in range(args.epochs):
        start = time.perf_counter()
        for i in range(0, len(x), args.batch_size):
            opt.zero_grad()
            loss = loss_fn(model(x[i : i + args.batch_size]), y[i : i + args.batch_size])
            loss.backward()
            opt.step()
        per_epoch.append(time.perf_counter() - start)
    print(json.dumps({"seconds_per_epoch": min(per_epoch), "torch": torch.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
