"""``python -m nengo_fashion.teacher``: the command of `nengo_fashion.teacher`."""

from ..cli import (
    ArgumentParser,
    add_data_args,
    add_knobs,
    add_run_folder_args,
    knob_values,
    run_cli,
    train_run_folder,
)
from ..teacher import TeacherConfig, train_teacher


def make_parser():
    p = ArgumentParser(
        prog="python -m nengo_fashion.teacher",
        description="Train a small CNN teacher on the training split (validation held "
        "out) for distilling the 784-128-10 network (train --recipe distill).",
    )
    add_knobs(p, TeacherConfig)
    add_data_args(p)
    add_run_folder_args(p, "results", "teacher", "teacher")
    return p


def config_from_args(args):
    """The `TeacherConfig` of the parsed options (the knobs given, and ``--n-val``)."""
    return TeacherConfig(**knob_values(args, TeacherConfig, given=True), n_val=args.n_val)


def main(argv=None):
    args = make_parser().parse_args(argv)
    return run_cli(lambda: train_run_folder(train_teacher, config_from_args(args), args))
