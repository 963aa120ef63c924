"""``python -m nengo_fashion.studies.pareto``: the command of `nengo_fashion.studies.pareto`."""

from ..cli import (
    ArgumentParser,
    add_data_args,
    add_knobs,
    add_output_args,
    config_from_args,
    run_cli,
)
from ..progress import make_log
from ..studies import pareto
from ..tasks import add_scheduler_args, runner_from_args


def make_parser():
    p = ArgumentParser(
        prog="python -m nengo_fashion.studies.pareto", description=pareto.__doc__.splitlines()[0]
    )
    add_knobs(p, pareto.ParetoConfig)
    add_output_args(p, "results/pareto/<run name>", "pareto.json and pareto.png")
    add_data_args(p, n_val=False)
    add_scheduler_args(p)
    return p


def main(argv=None):
    args = make_parser().parse_args(argv)

    def run():
        config = config_from_args(args, pareto.ParetoConfig)
        log = make_log(args.quiet)
        with runner_from_args(args, log) as runner:
            pareto.run_pareto(config, runner=runner, log=log, quiet=args.quiet)

    return run_cli(run)
