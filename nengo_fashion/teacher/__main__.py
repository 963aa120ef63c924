"""Train the CNN teacher for distillation and write its run folder.

Usage::

    python -m nengo_fashion.teacher                    # results/teacher/, about 13 min
    python -m nengo_fashion.teacher --epochs 1 --n-train 2000 --out runs --name quick-teacher

See `nengo_fashion.teacher` for what the run folder holds.
"""

import sys

from ..cli import (
    ArgumentParser,
    add_data_args,
    add_run_folder_args,
    positive_float,
    positive_int,
    run_cli,
    seed_value,
    train_run_folder,
)
from ..images.augment import AUGMENTERS
from .model import TeacherConfig, train_teacher

_DEFAULTS = TeacherConfig()


def make_parser():
    p = ArgumentParser(
        prog="python -m nengo_fashion.teacher",
        description="Train a small CNN teacher on the training split (validation held "
        "out) for distilling the 784-128-10 network (train --recipe distill).",
    )
    p.add_argument("--epochs", type=positive_int, default=_DEFAULTS.epochs)
    p.add_argument("--batch-size", type=positive_int, default=_DEFAULTS.batch_size)
    p.add_argument("--lr", type=positive_float, default=_DEFAULTS.lr, help="initial learning rate")
    p.add_argument(
        "--width", type=positive_int, default=_DEFAULTS.width, help="first conv's channels"
    )
    p.add_argument(
        "--augment",
        choices=sorted(AUGMENTERS),
        default=_DEFAULTS.augment,
        help="training augmentation (default shift-flip: shifts of up to 2 pixels and "
        "left-right flips)",
    )
    p.add_argument("--seed", type=seed_value, default=_DEFAULTS.seed, help="0..2**32 - 1")
    p.add_argument(
        "--n-train", type=positive_int, default=None, help="use only the first N training images"
    )
    add_data_args(p)
    add_run_folder_args(p, "results", "teacher", "teacher")
    return p


def main(argv=None):
    args = make_parser().parse_args(argv)

    def run():
        config = TeacherConfig(
            epochs=args.epochs,
            batch_size=args.batch_size,
            lr=args.lr,
            width=args.width,
            augment=args.augment,
            seed=args.seed,
            n_val=args.n_val,
            n_train=args.n_train,
        )
        train_run_folder(train_teacher, config, args)

    return run_cli(run)


if __name__ == "__main__":
    sys.exit(main())
