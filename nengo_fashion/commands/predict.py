"""``python -m nengo_fashion.predict``: the command of `nengo_fashion.classify`."""

import argparse

from ..classify import FilesConfig, classify_files, escaping_output
from ..cli import ArgumentParser, add_knobs, add_quiet_arg, config_from_args, run_cli
from ..data import N_CLASSES


def _top_k(text):
    """argparse type: how many classes a line shows, 1..10."""
    try:
        k = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if not 1 <= k <= N_CLASSES:
        raise argparse.ArgumentTypeError(f"must be in 1..{N_CLASSES}, got {k}")
    return k


def make_parser():
    p = ArgumentParser(
        prog="python -m nengo_fashion.predict",
        description="Classify pictures of clothes (any size, RGB or grey, light or dark "
        "background) with a trained run. Prints one line per picture: file, class, score "
        "(a softmax of the network's output), and in the spiking modes the hidden spikes used.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="image files and folders of them")
    add_knobs(p, FilesConfig)
    p.add_argument(
        "--top", type=_top_k, default=1, metavar="K", help="print the K best classes (default 1)"
    )
    add_quiet_arg(p)
    return p


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.mode in (None, "rate") and any(
        v is not None for v in (args.steps, args.dt, args.scale)
    ):
        parser.error("--steps, --dt and --scale apply to --mode spiking and loihi, not rate")
    answered = []

    def run():
        answered.append(classify_files(config_from_args(args, FilesConfig), quiet=args.quiet))

    with escaping_output():
        code = run_cli(run)
    return 1 if code == 0 and answered[0].failed else code
