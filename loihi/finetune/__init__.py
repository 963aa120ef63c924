"""Loihi-aware fine-tuning: train a run further with Loihi's neuron models.

What ``python -m loihi.finetune`` does (its command is
`nengo_fashion.commands.loihi_finetune`)::

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
from pathlib import Path
from typing import Optional

from nengo_fashion import data as data_mod
from nengo_fashion.atomic import prepare_out_dir
from nengo_fashion.config import SCALE_RANGE, SpikeSettings, check_range
from nengo_fashion.errors import ConfigError
from nengo_fashion.families import get_family, get_training_neuron
from nengo_fashion.knobs import check_field_types, knob
from nengo_fashion.runs import load_run
from nengo_fashion.train import train


@dataclasses.dataclass(frozen=True)
class FinetuneConfig:
    """How `finetune` trains a run further with Loihi's neuron models.

    Parameters
    ----------
    run : str or Path
        The run to start from.
    epochs : int
        Passes over the training split.
    lr : float
        Learning rate (constant).
    ttfs : bool
        For the time-to-first-spike mapping at ``scale`` and ``steps`` (both needed):
        Loihi's spiking ReLU on the pixels' arrival sequence.
    scale : float or None
        With ``ttfs``: the mapping's firing-rate scale.
    steps : int or None
        With ``ttfs``: the mapping's window, in steps.
    n_train : int or None
        Only the first ``n_train`` training images.
    out : str or Path or None
        The folder that holds the new run folder (default: the folder of ``run``).
    name : str or None
        The new run's name (default ``<run name>-loihi``, with ``ttfs`` ``-ttfs``).
    overwrite : bool
        Replace an existing run folder of that name.
    data_dir : str or Path or None
        Where Fashion-MNIST is (default: the usual search order).
    """

    run: Path = knob(dataclasses.MISSING, "the run to start from")

    epochs: int = knob(3, "passes over the training split (default 3)", parse="positive_int")
    lr: float = knob(1e-4, "learning rate (default 1e-4)", parse="positive_float")
    ttfs: bool = knob(
        False,
        "fine-tune for the time-to-first-spike mapping: Loihi's spiking ReLU on the "
        "pixels' arrival sequence (give the mapping's --scale and --steps)",
        parse="flag",
    )
    scale: Optional[float] = knob(None, "with --ttfs", parse="positive_float")
    steps: Optional[int] = knob(None, "with --ttfs: the window, in steps", parse="positive_int")
    n_train: Optional[int] = knob(None, "only the first N training images", parse="positive_int")
    out: Optional[Path] = None
    name: Optional[str] = None
    overwrite: bool = False
    data_dir: Optional[Path] = None

    def __post_init__(self):
        check_field_types(self)
        for name in ("epochs", "steps", "n_train"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ConfigError(f"--{name.replace('_', '-')} must be >= 1, got {value!r}")
        if not self.lr > 0:
            raise ConfigError(f"--lr must be > 0, got {self.lr!r}")
        if self.scale is not None:
            check_range(self.scale, *SCALE_RANGE, "scale")
        if self.ttfs and (self.scale is None or self.steps is None):
            raise ConfigError(
                "--ttfs needs the mapping's --scale and --steps (e.g. what python -m "
                "loihi.tune --input ttfs chose: scale and presentation time / dt)"
            )


def finetune(config, *, log=print):
    """Fine-tune a run with Loihi neurons; return the new run folder.

    With ``config.ttfs``, for the time-to-first-spike mapping at its ``scale`` and ``steps``
    (the window): the hidden neurons are Loihi's spiking ReLU
    (`nengo_fashion.neurons.chip_relu`, spikes forward, the rate's gradient backward) and
    each step's input is the pixels' TTFS arrivals so far, the step currents that the
    mapping gives the chip. A pruned run keeps its zeros (its ``prune_keep``).

    Parameters
    ----------
    config : FinetuneConfig
    log : callable
        Gets the training's progress lines.
    """
    run = load_run(config.run)
    out = prepare_out_dir(config.out or run.path.parent)
    if config.ttfs:
        # the chip's ReLU is for relu runs: a clear error now, before any work
        get_training_neuron("chip-relu")(get_family(run.config.neuron), config.scale)
        spiking = SpikeSettings(dt=0.001, steps=config.steps, synapse=None, scale=config.scale)
        mode = dict(train_neuron="chip-relu", train_input="ttfs", train_steps=config.steps)
        mode.update(train_dt=0.001, spiking=spiking)
    else:
        mode = dict(train_neuron="loihi", train_steps=1)
    train_config = dataclasses.replace(
        run.config,
        epochs=config.epochs,
        lr=config.lr,
        lr_schedule="constant",
        init_run=str(run.path),
        spike_aware=False,
        variant="none",
        n_train=config.n_train,
        **mode,
    )
    dataset = data_mod.load(config.data_dir, n_val=train_config.n_val)
    return train(
        train_config,
        dataset,
        out=out,
        name=config.name or f"{run.path.name}-{'ttfs' if config.ttfs else 'loihi'}",
        overwrite=config.overwrite,
        log=log,
    )
