"""Choose the ``best`` training recipe on the validation split (never the test split).

Usage::

    python -m nengo_fashion.search                       # writes results/recipe_search.json
    python -m nengo_fashion.search --epochs-scale 0.1    # a quick look

Each candidate is the thesis recipe with a few changes (epochs, batch size,
learning-rate schedule, shuffling, weight decay, flip augmentation). Every one is
trained on the 55,000 training images and scored by its validation accuracy
after the last epoch. The winner is what ``config.RECIPES["best"]`` holds; a test
checks that the two agree.
"""

import sys
import time
from pathlib import Path

from .atomic import read_json, write_json
from .cli import ArgumentParser, add_data_args, positive_float, run_cli
from .config import make_config
from .data import load

_COSINE = dict(batch_size=128, lr=2e-3, lr_schedule="cosine", shuffle=True)
CANDIDATES = {
    "thesis": {},
    "cosine-40": dict(_COSINE, epochs=40),
    "cosine-40-wd": dict(_COSINE, epochs=40, weight_decay=0.05),
    "cosine-40-flip": dict(_COSINE, epochs=40, augment="flip"),
    "cosine-60-flip": dict(_COSINE, epochs=60, augment="flip"),
    "cosine-60-flip-wd": dict(_COSINE, epochs=60, augment="flip", weight_decay=0.05),
    "cosine-40-flip-wd": dict(_COSINE, epochs=40, augment="flip", weight_decay=0.05),
    "cosine-40-wd0.2": dict(_COSINE, epochs=40, weight_decay=0.2),
    "cosine-30-wd": dict(_COSINE, epochs=30, weight_decay=0.05),
    "cosine-40-wd-b64": dict(_COSINE, epochs=40, weight_decay=0.05, batch_size=64, lr=1e-3),
    "cosine-80-flip-wd0.2": dict(_COSINE, epochs=80, augment="flip", weight_decay=0.2),
}
"""Candidate recipes: overrides of the thesis recipe."""


def search(dataset, candidates=CANDIDATES, epochs_scale=1.0, seed=0, log=print):
    """Train every candidate and score it on the validation split.

    Returns
    -------
    dict
        ``candidates`` (name -> overrides, final and per-epoch validation
        accuracy, seconds) and ``best`` (the name with the highest final
        validation accuracy).
    """
    from .train import fit

    out = {}
    for name, overrides in candidates.items():
        overrides = dict(overrides)
        overrides["epochs"] = max(1, round(overrides.get("epochs", 10) * epochs_scale))
        config = make_config("thesis", seed=seed, **overrides)
        start = time.time()
        log(f"--- {name}: {overrides}")
        _, history, sim = fit(config, dataset, log=log)
        sim.close()
        out[name] = {
            "overrides": overrides,
            "val_acc": history["val_acc"][-1],
            "val_acc_per_epoch": history["val_acc"],
            "seconds": time.time() - start,
        }
    best = max(out, key=lambda k: out[k]["val_acc"])  # the first of equals
    return {"candidates": out, "best": best, "seed": seed, "epochs_scale": epochs_scale}


def main(argv=None):
    p = ArgumentParser(prog="python -m nengo_fashion.search", description=__doc__.splitlines()[0])
    p.add_argument("--out", default="results/recipe_search.json")
    p.add_argument(
        "--epochs-scale",
        type=positive_float,
        default=1.0,
        help="multiply every candidate's epochs (quick looks)",
    )
    p.add_argument(
        "--only",
        nargs="+",
        choices=sorted(CANDIDATES),
        default=None,
        help="train only these candidates",
    )
    add_data_args(p)
    args = p.parse_args(argv)

    def run():
        dataset = load(args.data_dir, n_val=args.n_val)
        cands = {k: v for k, v in CANDIDATES.items() if not args.only or k in args.only}
        result = search(dataset, cands, epochs_scale=args.epochs_scale)
        result["n_val"] = len(dataset.val)
        if args.only and Path(args.out).exists():  # add to the earlier candidates
            earlier = read_json(args.out)
            if earlier.get("epochs_scale") == result["epochs_scale"]:
                merged = dict(earlier["candidates"], **result["candidates"])
                result["candidates"] = {k: merged[k] for k in CANDIDATES if k in merged}
                result["best"] = max(merged, key=lambda k: merged[k]["val_acc"])
        width = max(map(len, result["candidates"]))
        for name, c in result["candidates"].items():
            mark = "  <- best" if name == result["best"] else ""
            print(
                f"{name:{width}}  val acc {c['val_acc'] * 100:6.2f} %  ({c['seconds']:.0f} s){mark}"
            )
        write_json(args.out, result)
        print(f"wrote {args.out}")

    return run_cli(run)


if __name__ == "__main__":
    sys.exit(main())
