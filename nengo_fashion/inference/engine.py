"""How the network runs: the engine choice, accuracy and spike statistics on a split.

`run_spiking` is the one entry point of spiking inference: it runs the compiled
numpy executor (`nengo_fashion.inference.executor`) for the neuron types in its
kernel table and NengoDL (`nengo_fashion.inference.dl`, the reference) for any
other, with the same settings, readout and result type
(`nengo_fashion.inference.result.SpikingResult`). `evaluate_rate` and
`evaluate_spiking` are what ``train``, ``evaluate`` and the studies report.
"""

import os

import numpy as np

from ..config import SpikeSettings
from ..errors import ConfigError
from ..families import get_family
from ..network import N_HIDDEN, check_images
from ..neurons.thesis_spiking import resolve_initial_voltages
from ..progress import Progress
from . import dl, executor
from .result import SpikingResult

ENGINES = ("auto", "nengo_dl")
"""``engine`` values of `run_spiking`."""


def run_spiking(
    weights,
    family,
    images,
    settings,
    *,
    batch_size=500,
    keep_outputs=False,
    neuron_type=None,
    prefixes=None,
    initial_voltage="shared",
    voltage_seed=0,
    engine="auto",
):
    """Run the spiking network on ``images``: NengoDL's results, fast.

    NengoDL is the reference. With ``engine="auto"`` (the default) the network
    runs on `nengo_fashion.executor`, which computes the constant input current
    once per image and then only the neuron updates, with Nengo's own builder
    and update rules (the same spike counts and predictions as NengoDL, tested),
    for the neuron types it supports; any other type runs in NengoDL.

    Parameters
    ----------
    weights : Weights
        Trained parameters.
    family : str or NeuronFamily
        Neuron family; its spiking type is used unless ``neuron_type`` is given.
    images : numpy.ndarray
        ``(n, 784)`` pixels in [0, 1].
    settings : SpikeSettings
        dt, steps, synapse, scale and readout.
    batch_size : int
        Images simulated side by side (memory grows with it and ``steps``).
    keep_outputs : bool
        Keep the whole output and the spike counts over time (for figures; memory
        grows as ``n * steps * 138`` floats).
    prefixes : list of int, optional
        Also score the first ``k`` steps of the same simulation for each ``k``
        (each <= ``settings.steps``). Images are held constant and state is reset
        for every batch, so this equals separate runs of ``k`` steps.
    initial_voltage : {"shared", "per-image"} or array_like
        Where the hidden neurons' voltages (in units of the firing threshold) start
        for each image. ``"shared"``: Nengo's build-time draw from U(0, 1), one per
        neuron (seeded by the network seed), the same for every image and batch.
        ``"per-image"``: an independent U(0, 1) draw per image and neuron, as
        PyTorchSpiking (the thesis) does, from
        `nengo_fashion.neurons.thesis_spiking.draw_initial_voltages` with ``voltage_seed``,
        so image ``i`` gets the same voltages whatever the batch size. An
        ``(n, 128)`` array gives the voltages explicitly.
    voltage_seed : int
        Seed of the ``"per-image"`` voltages.
    engine : {"auto", "nengo_dl"}
        ``"nengo_dl"`` always simulates in NengoDL (the reference); ``"auto"`` uses
        the numpy executor when it supports the neuron type.

    Returns
    -------
    SpikingResult, or dict of int -> SpikingResult when ``prefixes`` is given
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    images = check_images(images, allow_empty=False)
    if not isinstance(settings, SpikeSettings):
        raise ConfigError(f"settings must be a SpikeSettings, got {type(settings).__name__}")
    family = get_family(family)
    ks = executor.prefix_steps(prefixes, settings.steps)
    if engine == "auto" and executor.supports(
        neuron_type or family.neuron_type(spiking=True, scale=settings.scale)
    ):
        voltages = resolve_initial_voltages(
            initial_voltage, len(images), N_HIDDEN, seed=voltage_seed
        )
        return executor.run_spiking(
            weights,
            family,
            images,
            settings,
            keep_outputs=keep_outputs,
            neuron_type=neuron_type,
            prefixes=prefixes,
            initial_voltages=voltages,
        )
    voltages = resolve_initial_voltages(initial_voltage, len(images), N_HIDDEN, seed=voltage_seed)
    return dl.run_spiking_nengo_dl(
        weights,
        family,
        images,
        settings,
        batch_size=batch_size,
        keep_outputs=keep_outputs,
        neuron_type=neuron_type,
        steps_scored=ks,
        initial_voltages=voltages,
        prefixes=prefixes,
    )


def evaluate_rate(weights, family, split):
    """Accuracy of the rate network (NengoDL) on a `Split`: ``{"accuracy", "n"}``."""
    logits = dl.rate_logits(weights, family, split.images)
    return {"accuracy": float(np.mean(logits.argmax(axis=1) == split.labels)), "n": len(split)}


PROGRESS_WORK = 2_000_000
"""Image-steps (images x steps) per piece of a spiking evaluation that shows progress: the
test split at 30 steps is one piece; at 10,000 steps, pieces of 1,000 images or so."""


def evaluate_spiking(
    weights, family, split, settings, *, batch_size=500, initial_voltage="shared", quiet=True
):
    """Accuracy and spike statistics of the spiking network on a `Split`.

    ``initial_voltage`` is `run_spiking`'s: ``"shared"`` (Nengo's
    build-time voltages for every image) or ``"per-image"`` (the thesis' draws).
    Unless ``quiet``, the images run in pieces of about `PROGRESS_WORK` image-steps with
    a progress line on stderr after each (`nengo_fashion.progress.Progress`); every image
    starts from the state it would start from in one piece, so the numbers are the same.

    Returns
    -------
    dict
        ``accuracy`` (fraction), ``n``, ``hidden_rate_hz`` (``min``/``mean``/``max``
        over hidden neurons, in Hz), ``spikes_per_image`` (hidden-layer spikes per
        image) and ``settings``.
    """
    if quiet:
        result = run_spiking(
            weights,
            family,
            split.images,
            settings,
            batch_size=batch_size,
            initial_voltage=initial_voltage,
        )
    else:
        result = _spiking_in_pieces(
            weights, family, split.images, settings, batch_size, initial_voltage
        )
    return {
        "accuracy": result.accuracy(split.labels),
        "n": len(split),
        "hidden_rate_hz": result.rate_stats(),
        "spikes_per_image": float(result.spikes_per_image.mean()),
        "settings": settings.asdict(),
    }


def _spiking_in_pieces(weights, family, images, settings, batch_size, initial_voltage):
    """`run_spiking` over ``images`` in pieces, with progress on stderr; one `SpikingResult`."""
    n = len(images)
    # the voltages of all images at once: image i gets the same ones in any piece
    voltages = resolve_initial_voltages(initial_voltage, n, N_HIDDEN)
    piece = max(batch_size * (os.cpu_count() or 1), PROGRESS_WORK // settings.steps, 1)
    preds, per_image, hidden = [], [], 0.0
    with Progress(n, f"spiking inference ({settings.steps} steps)") as bar:
        for start in range(0, n, piece):
            stop = min(start + piece, n)
            v0 = "shared" if voltages is None else voltages[start:stop]
            r = run_spiking(
                weights,
                family,
                images[start:stop],
                settings,
                batch_size=batch_size,
                initial_voltage=v0,
            )
            preds.append(r.predictions)
            per_image.append(r.spikes_per_image)
            hidden = hidden + r.hidden_spikes
            bar.update(f"images {start}-{stop - 1}", n=stop - start)
    return SpikingResult(
        predictions=np.concatenate(preds),
        outputs=None,
        hidden_spikes=hidden,
        spikes_per_image=np.concatenate(per_image),
        settings=settings,
    )
