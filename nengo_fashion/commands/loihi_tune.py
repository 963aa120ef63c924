"""``python -m loihi.tune``: the command of `loihi.tune` (choose a mapping on validation)."""

from loihi.tune import FILE_NAME, TTFS_FILE_NAME, TuneConfig, recommendation, run_tune

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
from ..tasks import add_scheduler_args, runner_from_args


def make_parser():
    p = ArgumentParser(
        prog="python -m loihi.tune",
        description="Choose the Loihi mapping's knobs on the validation split.",
    )
    add_knobs(p, TuneConfig)
    add_split_arg(p, "choose", choices=("val", "test"))
    add_output_args(p, "the run folder", f"{FILE_NAME} (--input ttfs: {TTFS_FILE_NAME})")
    add_data_args(p, n_val=False)
    add_scheduler_args(p)
    return p


def main(argv=None):
    args = make_parser().parse_args(argv)

    def run():
        config = config_from_args(args, TuneConfig)
        with runner_from_args(args, make_log(args.quiet)) as runner:
            result, path = run_tune(config, runner=runner)
        print(recommendation(result, args.run))
        print(f"wrote {path}")

    return run_cli(run)
