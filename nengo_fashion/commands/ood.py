"""``python -m nengo_fashion.studies.ood``: the command of `nengo_fashion.studies.ood`."""

import sys

from ..cli import (
    ArgumentParser,
    add_data_args,
    add_knobs,
    add_output_args,
    config_from_args,
    run_cli,
)
from ..progress import make_log
from ..studies import ood

PROG = "python -m nengo_fashion.studies.ood"


def make_parser():
    p = ArgumentParser(
        prog=PROG,
        description="Fit and choose the 'not clothing' check of a ReLU run on pictures that "
        "are not clothes (made here from a seed) and validation images, write it next to the "
        "run, and report on the held-out pictures, the test images and photos of them.",
    )
    add_knobs(p, ood.OodConfig)
    add_output_args(p, str(ood.OUT), " and ".join(ood.FILES))
    add_data_args(p, n_val=False)
    return p


def main(argv=None):
    args = make_parser().parse_args(argv)

    def run():
        config = config_from_args(args, ood.OodConfig)
        command = " ".join([PROG, *(argv or sys.argv[1:])])
        result = ood.run_ood(config, command=command, log=make_log(args.quiet))
        for line in ood.summary_lines(result, config.out):
            print(line)

    return run_cli(run)
