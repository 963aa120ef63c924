"""``python -m nengo_fashion.evaluate``: the command of `nengo_fashion.inference.evaluation`.

Usage::

    python -m nengo_fashion.evaluate --run runs/thesis-relu                 # test split
    python -m nengo_fashion.evaluate --run runs/thesis-relu --split val --steps 10 --dt 1
"""

from ..cli import (
    ArgumentParser,
    add_data_args,
    add_knobs,
    add_quiet_arg,
    add_spike_args,
    add_split_arg,
    config_from_args,
    run_cli,
)
from ..inference.evaluation import EvaluateConfig, evaluate_run


def make_parser():
    p = ArgumentParser(
        prog="python -m nengo_fashion.evaluate",
        description="Evaluate a trained run with rate and/or spiking neurons.",
    )
    add_knobs(p, EvaluateConfig)
    add_split_arg(p, "report")
    p.add_argument("--overwrite", action="store_true", help="replace the --json file if it exists")
    add_data_args(p, n_val=False)
    add_spike_args(p, defaults_help="the run's own spiking settings (config.json)")
    add_quiet_arg(p)
    return p


def main(argv=None):
    args = make_parser().parse_args(argv)

    def run():
        evaluate_run(config_from_args(args, EvaluateConfig), quiet=args.quiet)

    return run_cli(run)
