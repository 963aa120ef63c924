"""``python -m nengo_fashion.studies.reproduce``: the command of
`nengo_fashion.studies.reproduce`."""

from .. import cli, data
from ..cli import (
    ArgumentParser,
    add_data_args,
    add_knobs,
    add_output_args,
    add_train_knobs,
    knob_values,
    run_cli,
)
from ..config import TrainConfig
from ..progress import make_log
from ..studies import reproduce
from ..tasks import DataRef, add_scheduler_args, runner_from_args


def make_parser():
    p = ArgumentParser(
        prog="python -m nengo_fashion.studies.reproduce",
        description=reproduce.__doc__.splitlines()[0],
    )
    add_knobs(p, reproduce.ReproduceConfig)
    add_output_args(p, "results/reproduce, or results/reproduce-train", reproduce.FILE_NAME)
    add_train_knobs(
        p,
        TrainConfig,
        title="training (both nets; the thesis recipe unless --recipe says another)",
        exclude=reproduce.FIXED,
    )
    add_data_args(p)
    add_scheduler_args(p)
    return p


def config_from_args(args):
    """The `ReproduceConfig` of the parsed options (the training knobs given: its ``train``)."""
    train = knob_values(args, TrainConfig, given=True)
    return cli.config_from_args(args, reproduce.ReproduceConfig, train=train)


def main(argv=None):
    args = make_parser().parse_args(argv)

    def run():
        config = config_from_args(args)
        reproduce.prepare(config, args.n_val)  # errors first
        dataset = data.load(args.data_dir, n_val=args.n_val)
        log = make_log(args.quiet)
        with runner_from_args(args, log) as runner:
            reproduce.reproduce(config, DataRef(dataset, args.data_dir), runner=runner, log=log)

    return run_cli(run)
