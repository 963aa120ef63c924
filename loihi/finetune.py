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
)
from nengo_fashion.progress import make_log
from nengo_fashion.runs import load_run
from nengo_fashion.train import train


def finetune(
    run_dir, *, epochs=3, lr=1e-4, out=None, name=None, overwrite=False, data_dir=None, log=print
):
    """Fine-tune a run with Loihi neurons; return the new run folder."""
    run = load_run(run_dir)
    out = prepare_out_dir(out or run.path.parent)
    config = dataclasses.replace(
        run.config,
        epochs=epochs,
        lr=lr,
        lr_schedule="constant",
        train_neuron="loihi",
        init_run=str(run.path),
        spike_aware=False,
        train_steps=1,
        variant="none",
    )
    dataset = data_mod.load(data_dir, n_val=config.n_val)
    return train(
        config,
        dataset,
        out=out,
        name=name or f"{run.path.name}-loihi",
        overwrite=overwrite,
        log=log,
    )


def main(argv=None):
    p = ArgumentParser(prog="python -m loihi.finetune", description=__doc__.splitlines()[0])
    p.add_argument("--run", required=True, help="the run to start from")
    p.add_argument("--epochs", type=positive_int, default=3)
    p.add_argument("--lr", type=positive_float, default=1e-4)
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="folder that holds the new run folder (default: the folder of --run)",
    )
    p.add_argument("--name", default=None, help="default: <run name>-loihi")
    p.add_argument("--overwrite", action="store_true")
    add_quiet_arg(p)
    add_data_args(p, n_val=False)
    args = p.parse_args(argv)
    return run_cli(
        lambda: finetune(
            args.run,
            epochs=args.epochs,
            lr=args.lr,
            out=args.out,
            name=args.name,
            overwrite=args.overwrite,
            data_dir=args.data_dir,
            log=make_log(args.quiet),
        )
    )


if __name__ == "__main__":
    sys.exit(main())
