"""``python -m nengo_fashion.export``: the command of `nengo_fashion.export`."""

from .. import export
from ..cli import (
    ArgumentParser,
    add_data_args,
    add_knobs,
    add_output_args,
    config_from_args,
    run_cli,
)


def make_parser():
    p = ArgumentParser(
        prog="python -m nengo_fashion.export",
        description="Export a trained run's spiking network to NIR "
        f"(writes OUT/{export.NIR_FILE}).",
    )
    add_knobs(p, export.ExportConfig)
    add_output_args(
        p,
        "results/nir/<run name>",
        f"{export.NIR_FILE} (and {export.REFERENCE_FILE} with --reference)",
    )
    add_data_args(p, n_val=False)
    return p


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.n_images is not None and not args.reference:
        parser.error("--n-images only applies with --reference")

    def run():
        export.export_to_folder(config_from_args(args, export.ExportConfig))

    return run_cli(run)
