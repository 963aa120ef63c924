"""``python -m nengo_fashion.train``: the command of `nengo_fashion.train`."""

import dataclasses

from ..cli import (
    ArgumentParser,
    add_data_args,
    add_run_folder_args,
    add_spike_args,
    add_train_knobs,
    knob_values,
    run_cli,
    spike_settings,
    train_run_folder,
)
from ..config import TrainConfig, make_config
from ..train import check_sources, train

SPIKE_OPTIONS = ("dt", "steps", "synapse", "scale")


def make_parser():
    p = ArgumentParser(
        prog="python -m nengo_fashion.train",
        description="Train the 784-128-10 network in NengoDL (rate neurons), then report "
        "its validation/test accuracy and a spiking swap on the test split.",
    )
    add_train_knobs(p, TrainConfig)
    add_data_args(p)
    add_spike_args(p, defaults_help="the family's default (dt 0.001, 30 steps)")
    add_run_folder_args(p, "runs", None, "<recipe>-<neuron>[-<variant>]")
    return p


def config_from_args(args):
    """The `TrainConfig` of the parsed options: the recipe and variant, the knobs given,
    ``--n-val`` and the spiking setting reported (``--dt --steps --synapse --scale``)."""
    config = make_config(**knob_values(args, TrainConfig, given=True), n_val=args.n_val)
    if any(getattr(args, k) is not None for k in SPIKE_OPTIONS):
        config = dataclasses.replace(config, spiking=spike_settings(args, config.spiking))
    return config


def main(argv=None):
    args = make_parser().parse_args(argv)

    def run():
        config = config_from_args(args)
        check_sources(config)  # a clear error now, not after loading the data
        train_run_folder(train, config, args)

    return run_cli(run)
