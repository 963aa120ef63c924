"""``python -m nengo_fashion.studies.sweep``: the command of `nengo_fashion.studies.sweep`."""

from ..cli import (
    ArgumentParser,
    add_data_args,
    add_knobs,
    add_output_args,
    add_split_arg,
    config_from_args,
    run_cli,
)
from ..progress import make_log
from ..studies import sweep
from ..tasks import add_scheduler_args, runner_from_args


def make_parser():
    p = ArgumentParser(
        prog="python -m nengo_fashion.studies.sweep", description=sweep.__doc__.splitlines()[0]
    )
    add_knobs(p, sweep.SweepConfig)
    add_split_arg(p, "choose")
    add_output_args(
        p, "the run folder", "sweep.json, sweep.csv, sweep_timing.json and sweep_<axis>.png"
    )
    add_data_args(p, n_val=False)
    add_scheduler_args(p)
    return p


def main(argv=None):
    args = make_parser().parse_args(argv)

    def run():
        config = config_from_args(args, sweep.SweepConfig)
        outputs = sweep.claim_outputs(config)  # before a cluster starts
        log = make_log(args.quiet)
        with runner_from_args(args, log) as runner:
            sweep.run_sweep(config, outputs=outputs, runner=runner, log=log, quiet=args.quiet)

    return run_cli(run)
