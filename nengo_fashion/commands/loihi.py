"""``python -m loihi``: the command of `loihi.run` (a run on nengo-loihi's emulator)."""

from loihi.mapping import MappingSettings, mapping_for
from loihi.run import FILE_NAME, LoihiRunConfig, result_line, run_loihi
from loihi.simulation import EmulatorOptions

from ..cli import (
    ArgumentParser,
    add_data_args,
    add_knobs,
    add_output_args,
    add_split_arg,
    config_from_args,
    knob_values,
    run_cli,
)
from ..progress import make_log
from ..runs import load_run
from ..tasks import add_scheduler_args, runner_from_args


def make_parser():
    p = ArgumentParser(
        prog="python -m loihi",
        description="Evaluate a trained run on nengo-loihi's emulator (or a Loihi board).",
    )
    add_knobs(p, LoihiRunConfig)
    add_knobs(p, MappingSettings)
    add_split_arg(p, "report", choices=("val", "test"))
    add_knobs(p, EmulatorOptions)
    add_output_args(p, "the run folder", FILE_NAME)
    add_data_args(p, n_val=False)
    add_scheduler_args(p)
    return p


def main(argv=None):
    args = make_parser().parse_args(argv)

    def run():
        config = config_from_args(
            args,
            LoihiRunConfig,
            mapping=mapping_for(load_run(args.run).config, **knob_values(args, MappingSettings)),
            emulator=config_from_args(args, EmulatorOptions),
        )
        log = make_log(args.quiet)
        with runner_from_args(args, log) as runner:  # --processes N alone: N local workers
            result = run_loihi(config, runner=runner, log=log)
        print(result_line(result), flush=True)

    return run_cli(run)
