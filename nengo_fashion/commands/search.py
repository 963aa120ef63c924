"""``python -m nengo_fashion.studies.search``: the command of `nengo_fashion.studies.search`."""

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
from ..studies import search
from ..tasks import DataRef, add_scheduler_args, runner_from_args


def make_parser():
    p = ArgumentParser(
        prog="python -m nengo_fashion.studies.search", description=search.__doc__.splitlines()[0]
    )
    add_output_args(p, "results", search.FILE_NAME)
    add_knobs(p, search.SearchConfig)
    add_train_knobs(p, TrainConfig, title="training (every candidate, over its own values)")
    add_data_args(p)
    add_scheduler_args(p)
    return p


def config_from_args(args):
    """The `SearchConfig` of the parsed options (the training knobs given: its ``train``)."""
    train = knob_values(args, TrainConfig, given=True)
    return cli.config_from_args(args, search.SearchConfig, train=train)


def main(argv=None):
    args = make_parser().parse_args(argv)

    def run():
        config = config_from_args(args)
        search.prepare(config, args.n_val)  # errors first
        dataset = data.load(args.data_dir, n_val=args.n_val)
        log = make_log(args.quiet)
        with runner_from_args(args, log) as runner:
            result = search.run_search(
                config, DataRef(dataset, args.data_dir), runner=runner, log=log, quiet=args.quiet
            )
        print(search.format_table(result))
        print(f"wrote {config.path}")

    return run_cli(run)
