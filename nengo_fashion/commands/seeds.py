"""``python -m nengo_fashion.studies.seeds``: the command of `nengo_fashion.studies.seeds`."""

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
from ..studies import seeds
from ..tasks import DataRef, add_scheduler_args, runner_from_args


def make_parser():
    p = ArgumentParser(
        prog="python -m nengo_fashion.studies.seeds", description=seeds.__doc__.splitlines()[0]
    )
    add_knobs(p, seeds.SeedsConfig)
    add_train_knobs(
        p,
        TrainConfig,
        title="training (every seed; the recipe is best unless --recipe says another)",
        exclude=seeds.FIXED,
    )
    add_output_args(
        p,
        "results/seeds/<recipe>-<neuron>[-keep<percent>]",
        f"{seeds.FILE_NAME} and seed-<s>/ run folders",
    )
    add_data_args(p)
    add_scheduler_args(p)
    return p


def config_from_args(args):
    """The `SeedsConfig` of the parsed options (the training knobs given: its ``train``)."""
    train = knob_values(args, TrainConfig, given=True)
    return cli.config_from_args(args, seeds.SeedsConfig, train=train)


def main(argv=None):
    args = make_parser().parse_args(argv)

    def run():
        config = config_from_args(args)
        out = seeds.prepare(config, args.n_val)  # errors first
        dataset = data.load(args.data_dir, n_val=args.n_val)
        log = make_log(args.quiet)
        with runner_from_args(args, log) as runner:
            summary = seeds.run_seeds(
                config, DataRef(dataset, args.data_dir), runner=runner, log=log, quiet=args.quiet
            )
        print(seeds.format_table(summary))
        print(f"wrote {out / seeds.FILE_NAME}")

    return run_cli(run)
