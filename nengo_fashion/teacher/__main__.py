"""Train the CNN teacher for distillation and write its run folder.

Usage::

    python -m nengo_fashion.teacher                    # results/teacher/, about 13 min
    python -m nengo_fashion.teacher --epochs 1 --n-train 2000 --out runs --name quick-teacher

See `nengo_fashion.teacher` for what the run folder holds.
"""

import sys

from .. import data as data_mod
from ..atomic import prepare_out_dir
from ..augment import AUGMENTERS
from ..cli import (
    ArgumentParser,
    add_data_args,
    add_quiet_arg,
    positive_float,
    positive_int,
    run_cli,
)
from ..progress import make_log
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
    p.add_argument("--seed", type=int, default=_DEFAULTS.seed)
    p.add_argument(
        "--n-train", type=positive_int, default=None, help="use only the first N training images"
    )
    add_data_args(p)
    p.add_argument(
        "--out",
        default="results",
        metavar="DIR",
        help="folder that holds run folders, created if missing (default results); the "
        "teacher is written to DIR/NAME/",
    )
    p.add_argument("--name", default="teacher", help="run name (default teacher)")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing run folder of the same name (once the new one is complete)",
    )
    add_quiet_arg(p)
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
        prepare_out_dir(args.out)
        dataset = data_mod.load(args.data_dir, n_val=config.n_val)
        train_teacher(
            config,
            dataset,
            out=args.out,
            name=args.name,
            overwrite=args.overwrite,
            log=make_log(args.quiet),
        )

    return run_cli(run)


if __name__ == "__main__":
    sys.exit(main())
