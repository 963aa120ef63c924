"""``python -m nengo_fashion.studies.efficiency``: the command of
`nengo_fashion.studies.efficiency`."""

from ..cli import (
    ArgumentParser,
    add_data_args,
    add_knobs,
    add_output_args,
    config_from_args,
    run_cli,
)
from ..progress import make_log
from ..studies import efficiency


def make_parser():
    p = ArgumentParser(
        prog="python -m nengo_fashion.studies.efficiency",
        description="Accuracy against synaptic operations and steps, from the result files.",
    )
    add_knobs(p, efficiency.EfficiencyConfig)
    add_output_args(p, "RESULTS/efficiency", f"{efficiency.FILE_NAME} and {efficiency.FIGURE}")
    add_data_args(p, n_val=False)
    return p


def main(argv=None):
    args = make_parser().parse_args(argv)

    def run():
        config = config_from_args(args, efficiency.EfficiencyConfig)
        efficiency.run_efficiency(config, log=make_log(args.quiet))

    return run_cli(run)
