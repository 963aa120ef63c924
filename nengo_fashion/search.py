"""Choose the ``best`` training recipe on the validation split (never the test split).

Usage::

    python -m nengo_fashion.search                       # writes results/recipe_search.json
    python -m nengo_fashion.search --epochs-scale 0.1 --out runs/quick   # a quick look

Each candidate is the thesis recipe with a few changes (epochs, batch size,
learning-rate schedule, shuffling, weight decay, flip augmentation). Every one is
trained on the 55,000 training images and scored by its validation accuracy
after the last epoch. The winner is what ``config.RECIPES["best"]`` holds; a test
checks that the two agree.
"""

import sys
import time

from . import data as data_mod
from .atomic import prepare_out_dir, read_json, write_json
from .cli import ArgumentParser, add_data_args, add_output_args, positive_float, run_cli
from .config import make_config
from .progress import Progress, make_log

FILE_NAME = "recipe_search.json"

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


def search(dataset, candidates=CANDIDATES, epochs_scale=1.0, seed=0, log=print, quiet=False):
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
    bar = Progress(len(candidates), "search", quiet=quiet)
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
        bar.update(f"{name}: val acc {out[name]['val_acc']:.2%}")
    bar.close()
    best = max(out, key=lambda k: out[k]["val_acc"])  # the first of equals
    return {"candidates": out, "best": best, "seed": seed, "epochs_scale": epochs_scale}


def main(argv=None):
    p = ArgumentParser(prog="python -m nengo_fashion.search", description=__doc__.splitlines()[0])
    add_output_args(p, "results", FILE_NAME)
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
        path = prepare_out_dir(args.out or "results") / FILE_NAME
        dataset = data_mod.load(args.data_dir, n_val=args.n_val)
        cands = {k: v for k, v in CANDIDATES.items() if not args.only or k in args.only}
        log = make_log(args.quiet)
        result = search(dataset, cands, args.epochs_scale, log=log, quiet=args.quiet)
        result["n_val"] = len(dataset.val)
        if args.only and path.exists():  # add to the earlier candidates
            earlier = read_json(path)
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
        write_json(path, result)
        print(f"wrote {path}")

    return run_cli(run)


if __name__ == "__main__":
    sys.exit(main())
