"""``python -m nengo_fashion.studies.photos``: the command of `nengo_fashion.studies.photos`."""

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
from ..studies import photos

PROG = "python -m nengo_fashion.studies.photos"


def make_parser():
    p = ArgumentParser(
        prog=PROG,
        description="Measure how well preprocessing turns product photos made from test "
        "images back into Fashion-MNIST's form: the agreement of the network's answers.",
    )
    add_knobs(p, photos.PhotosConfig)
    add_output_args(p, str(photos.OUT), " and ".join(photos.FILES))
    add_data_args(p, n_val=False)
    return p


def main(argv=None):
    args = make_parser().parse_args(argv)

    def run():
        config = config_from_args(args, photos.PhotosConfig)
        command = " ".join([PROG, *(argv or sys.argv[1:])])
        result = photos.run_photos(config, command=command, log=make_log(args.quiet))
        for line in photos.summary_lines(result, config.out):
            print(line)

    return run_cli(run)
