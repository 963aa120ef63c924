"""``python -m nengo_fashion.spinnaker.tune``: the command of `nengo_fashion.spinnaker.tune`."""

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
from ..spinnaker.tune import FILE_NAME, TuneConfig, tune


def make_parser():
    p = ArgumentParser(
        prog="python -m nengo_fashion.spinnaker.tune",
        description="Choose the SpiNNaker mapping (steps, threshold scale, input rate) on "
        "the validation split.",
    )
    add_knobs(p, TuneConfig)
    add_split_arg(p, "choose", choices=("val", "test"))
    add_output_args(p, "the NIR file's folder", FILE_NAME)
    add_data_args(p, n_val=False)
    return p


def main(argv=None):
    args = make_parser().parse_args(argv)

    def run():
        config = config_from_args(args, TuneConfig)
        result = tune(config, log=make_log(args.quiet), quiet=args.quiet)
        best = result["best"]
        print(
            f"best on {result['n_images']} {result['split']} images: {best['accuracy']:.2%} "
            f"with {result['recommendation']}",
            flush=True,
        )

    return run_cli(run)
