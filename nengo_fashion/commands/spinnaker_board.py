"""``python -m nengo_fashion.spinnaker.board``: the command of `nengo_fashion.spinnaker.board`."""

from ..cli import (
    ArgumentParser,
    add_data_args,
    add_knobs,
    add_output_args,
    config_from_args,
    run_cli,
)
from ..progress import make_log
from ..spinnaker.board import FILE_NAME, BoardConfig, map_model
from ..spinnaker.mapping import MappingSettings
from .spinnaker import add_tuned_arg, mapping_from_args


def make_parser():
    p = ArgumentParser(
        prog="python -m nengo_fashion.spinnaker.board",
        description="Map a network's SpiNNaker model with sPyNNaker (a virtual SpiNN-5 board "
        "by default) and write its resources.",
    )
    add_knobs(p, BoardConfig)
    add_knobs(p, MappingSettings)
    add_tuned_arg(p)
    add_output_args(p, "the NIR file's folder", FILE_NAME)
    add_data_args(p, n_val=False)
    return p


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    mapping, chosen = mapping_from_args(parser, args)

    def run():
        config = config_from_args(args, BoardConfig, mapping=mapping(), chosen=chosen)
        result = map_model(config, log=make_log(args.quiet))
        pops = result["populations"]
        print(
            f"mapped on {result['target']}: {result['cores_used']} application cores on "
            f"{result['machine']['chips_used']} chip(s), "
            f"{sum(p['sdram_bytes'] for p in pops.values()) / 1024:.0f} kB SDRAM, "
            f"{result['routing']['entries']} routing entries",
            flush=True,
        )

    return run_cli(run)
