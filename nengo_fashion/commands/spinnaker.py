"""``python -m nengo_fashion.spinnaker``: the command of `nengo_fashion.spinnaker.run`."""

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
from ..spinnaker.mapping import MappingSettings
from ..spinnaker.run import (
    FILE_NAME,
    SPLITS,
    SpinnakerRunConfig,
    result_line,
    run_spinnaker,
    tuned_settings,
)
from ..tasks import add_scheduler_args, runner_from_args


def make_parser():
    p = ArgumentParser(
        prog="python -m nengo_fashion.spinnaker",
        description="Run a network's SpiNNaker model (PyNN) on images: PyNN's Brian 2 "
        "simulator against the executor with the same semantics.",
    )
    add_knobs(p, SpinnakerRunConfig)
    add_knobs(p, MappingSettings)
    add_tuned_arg(p)
    add_split_arg(p, "report", choices=SPLITS)
    add_output_args(p, "the NIR file's folder", FILE_NAME)
    add_data_args(p, n_val=False)
    add_scheduler_args(p)
    return p


def add_tuned_arg(parser):
    """``--tuned FILE``: the mapping from a ``spinnaker_tune.json``."""
    parser.add_argument(
        "--tuned",
        metavar="FILE",
        default=None,
        help="take the mapping from a spinnaker_tune.json (python -m "
        "nengo_fashion.spinnaker.tune); not with --steps, --threshold-scale, --input-rate",
    )


def mapping_from_args(parser, args):
    """A function that makes the `MappingSettings` of ``args`` (from ``--tuned`` or the
    options), and how it was chosen; ``--tuned`` with a mapping option is a usage error."""
    given = [f for f in ("steps", "threshold_scale", "input_rate") if getattr(args, f) is not None]
    if args.tuned and given:
        parser.error(f"--tuned chooses the mapping: leave out --{given[0].replace('_', '-')}")
    if args.tuned:
        chosen = f"python -m nengo_fashion.spinnaker.tune ({args.tuned})"
        return (lambda: tuned_settings(args.tuned)[0]), chosen
    return (lambda: config_from_args(args, MappingSettings)), None


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    mapping, chosen = mapping_from_args(parser, args)

    def run():
        config = config_from_args(args, SpinnakerRunConfig, mapping=mapping(), chosen=chosen)
        log = make_log(args.quiet)
        with runner_from_args(args, log) as runner:
            result = run_spinnaker(config, runner=runner, log=log)
        print(result_line(result), flush=True)

    return run_cli(run)
