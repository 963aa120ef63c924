"""``python -m nengo_fashion.studies.figures``: the command of `nengo_fashion.studies.figures`."""

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
from ..studies import figures


def make_parser():
    p = ArgumentParser(
        prog="python -m nengo_fashion.studies.figures",
        description=figures.__doc__.splitlines()[0],
    )
    add_knobs(p, figures.FiguresConfig)
    add_split_arg(p, "choose")
    add_output_args(p, "the run folder", "per_image_<run>_dt<dt>_steps<k>_scale<s>.png")
    add_data_args(p, n_val=False)
    return p


def main(argv=None):
    args = make_parser().parse_args(argv)

    def run():
        config = config_from_args(args, figures.FiguresConfig)
        figures.make_figures(config, log=make_log(args.quiet))

    return run_cli(run)
