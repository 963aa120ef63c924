"""Loihi-aware fine-tuning: train a run further with Loihi's neuron models.

Usage::

    python -m loihi.finetune --run results/thesis-relu   # writes results/thesis-relu-loihi

The run's weights start a short NengoDL training in which the hidden neurons are
nengo-loihi's ``LoihiSpikingRectifiedLinear`` / ``LoihiLIF``. NengoDL trains them
through their rate approximations of Loihi's discretised neurons (the NengoDL
builders come from nengo-extras and are installed by nengo-loihi), at the
firing-rate scale used on the chip, so the weights learn to compensate for
Loihi's rate quantisation. Everything else is ``nengo_fashion.train``: the same
loop, network and run folder. Evaluate the result with ``python -m loihi``.
"""

import dataclasses
import sys

from nengo_fashion import data as data_mod
from nengo_fashion.atomic import prepare_out_dir
from nengo_fashion.cli import (
    ArgumentParser,
    add_data_args,
    add_quiet_arg,
    positive_float,
    positive_int,
    run_cli,
    run_name,
)
from nengo_fashion.config import SpikeSettings
from nengo_fashion.errors import ConfigError
from nengo_fashion.families import get_family, get_training_neuron
from nengo_fashion.progress import make_log
from nengo_fashion.runs import load_run
from nengo_fashion.train import train


def finetune(
    run_dir,
    *,
    epochs=3,
    lr=1e-4,
    ttfs=False,
    scale=None,
    steps=None,
    n_train=None,
    out=None,
    name=None,
    overwrite=False,
    data_dir=None,
    log=print,
):
    """Fine-tune a run with Loihi neurons; return the new run folder.

    With ``ttfs``, for the time-to-first-spike mapping at ``scale`` and ``steps`` (the
    window): the hidden neurons are Loihi's spiking ReLU (`nengo_fashion.neurons.chip_relu`,
    spikes forward, the rate's gradient backward) and each step's input is the pixels'
    TTFS arrivals so far, the step currents that the mapping gives the chip. A pruned
    run keeps its zeros (its ``prune_keep``).
    """
    run = load_run(run_dir)
    out = prepare_out_dir(out or run.path.parent)
    if ttfs:
        if scale is None or steps is None:
            raise ConfigError(
                "--ttfs needs the mapping's --scale and --steps (e.g. what python -m "
                "loihi.tune --input ttfs chose: scale and presentation time / dt)"
            )
        # the chip's ReLU is for relu runs: a clear error now, before any work
        get_training_neuron("chip-relu")(get_family(run.config.neuron), scale)
        spiking = SpikeSettings(dt=0.001, steps=steps, synapse=None, scale=scale)
        mode = dict(train_neuron="chip-relu", train_input="ttfs", train_steps=steps)
        mode.update(train_dt=0.001, spiking=spiking)
    else:
        mode = dict(train_neuron="loihi", train_steps=1)
    config = dataclasses.replace(
        run.config,
        epochs=epochs,
        lr=lr,
        lr_schedule="constant",
        init_run=str(run.path),
        spike_aware=False,
        variant="none",
        n_train=n_train,
        **mode,
    )
    dataset = data_mod.load(data_dir, n_val=config.n_val)
    return train(
        config,
        dataset,
        out=out,
        name=name or f"{run.path.name}-{'ttfs' if ttfs else 'loihi'}",
        overwrite=overwrite,
        log=log,
    )


def main(argv=None):
    p = ArgumentParser(prog="python -m loihi.finetune", description=__doc__.splitlines()[0])
    p.add_argument("--run", required=True, help="the run to start from")
    p.add_argument("--epochs", type=positive_int, default=3)
    p.add_argument("--lr", type=positive_float, default=1e-4)
    p.add_argument(
        "--ttfs",
        action="store_true",
        help="fine-tune for the time-to-first-spike mapping: Loihi's spiking ReLU on the "
        "pixels' arrival sequence (give the mapping's --scale and --steps)",
    )
    p.add_argument("--scale", type=positive_float, default=None, help="with --ttfs")
    p.add_argument(
        "--steps", type=positive_int, default=None, help="with --ttfs: the window, in steps"
    )
    p.add_argument(
        "--n-train", type=positive_int, default=None, help="only the first N training images"
    )
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
    args = p.parse_args(argv)
    return run_cli(
        lambda: finetune(
            args.run,
            epochs=args.epochs,
            lr=args.lr,
            ttfs=args.ttfs,
            scale=args.scale,
            steps=args.steps,
            n_train=args.n_train,
            out=args.out,
            name=args.name,
            overwrite=args.overwrite,
            data_dir=args.data_dir,
            log=make_log(args.quiet),
        )
    )


if __name__ == "__main__":
    sys.exit(main())
