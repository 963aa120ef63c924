"""``python -m loihi.finetune``: the command of `loihi.finetune` (train with Loihi neurons)."""

from loihi.finetune import FinetuneConfig, finetune

from ..cli import (
    ArgumentParser,
    add_data_args,
    add_knobs,
    add_quiet_arg,
    config_from_args,
    run_cli,
    run_name,
)
from ..progress import make_log


def make_parser():
    p = ArgumentParser(
        prog="python -m loihi.finetune",
        description="Loihi-aware fine-tuning: train a run further with Loihi's neuron models.",
    )
    add_knobs(p, FinetuneConfig)
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="folder that holds the new run folder (default: the folder of --run)",
    )
    p.add_argument("--name", default=None, type=run_name, help="default: <run name>-loihi (-ttfs)")
    p.add_argument("--overwrite", action="store_true")
    add_quiet_arg(p)
    add_data_args(p, n_val=False)
    return p


def main(argv=None):
    args = make_parser().parse_args(argv)

    def run():
        finetune(config_from_args(args, FinetuneConfig), log=make_log(args.quiet))

    return run_cli(run)
