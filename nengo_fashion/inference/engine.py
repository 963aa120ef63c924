"""How the network runs: the engine choice, accuracy and spike statistics on a split.

`run_spiking` is the one entry point of spiking inference: it runs the compiled
numpy executor (`nengo_fashion.inference.executor`) for the neuron types in its
kernel table and NengoDL (`nengo_fashion.inference.dl`, the reference) for any
other, with the same settings, readout and result type
(`nengo_fashion.inference.result.SpikingResult`). `evaluate_rate` and
`evaluate_spiking` are what ``train``, ``evaluate`` and the studies report.
"""

import dataclasses
import os

import numpy as np

from ..config import SpikeSettings
from ..errors import ConfigError
from ..families import get_family
from ..network import check_images
from ..progress import Progress
from . import dl, executor
from .options import ENGINES, RunOptions
from .result import SpikingResult

__all__ = ["ENGINES", "RunOptions", "run_spiking", "evaluate_rate", "evaluate_spiking"]


def run_spiking(weights, family, images, settings, options=None):
    """Run the spiking network on ``images``: NengoDL's results, fast.

    NengoDL is the reference. With ``options.engine="auto"`` (the default) the network
    runs on `nengo_fashion.inference.executor`, which computes the constant input
    current once per image and then only the neuron updates, with Nengo's own builder
    and update rules (the same spike counts and predictions as NengoDL, tested), for
    the neuron types it supports; any other type runs in NengoDL.

    Parameters
    ----------
    weights : Weights
        Trained parameters.
    family : str or NeuronFamily
        Neuron family; its spiking type is used unless ``options.neuron_type`` is given.
    images : numpy.ndarray
        ``(n, 784)`` pixels in [0, 1].
    settings : SpikeSettings
        dt (s), steps, synapse, scale and readout: what is simulated.
    options : RunOptions, optional
        How: minibatch size, kept outputs, extra step counts to score (``prefixes``),
        initial voltages, neuron type and engine (default ``RunOptions()``).

    Returns
    -------
    SpikingResult, or dict of int -> SpikingResult when ``options.prefixes`` is given
    """
    options = _checked_options(options)
    images = check_images(images, allow_empty=False)
    if not isinstance(settings, SpikeSettings):
        raise ConfigError(f"settings must be a SpikeSettings, got {type(settings).__name__}")
    family = get_family(family)
    options.steps_scored(settings.steps)  # prefixes out of range: refused before any work
    options.voltages(len(images))  # a bad voltage mode or shape: the same
    neuron_type = options.neuron_type or family.neuron_type(spiking=True, scale=settings.scale)
    if options.engine == "auto" and executor.supports(neuron_type):
        return executor.run_spiking(weights, family, images, settings, options)
    return dl.run_spiking_nengo_dl(weights, family, images, settings, options)


def _checked_options(options):
    if options is None:
        return RunOptions()
    if not isinstance(options, RunOptions):
        raise ConfigError(f"options must be a RunOptions, got {type(options).__name__}")
    return options


def evaluate_rate(weights, family, split):
    """Accuracy of the rate network (NengoDL) on a `Split`: ``{"accuracy", "n"}``."""
    logits = dl.rate_logits(weights, family, split.images)
    return {"accuracy": float(np.mean(logits.argmax(axis=1) == split.labels)), "n": len(split)}


PROGRESS_WORK = 2_000_000
"""Image-steps (images x steps) per piece of a spiking evaluation that shows progress: the
test split at 30 steps is one piece; at 10,000 steps, pieces of 1,000 images or so."""


def evaluate_spiking(weights, family, split, settings, options=None, *, quiet=True):
    """Accuracy and spike statistics of the spiking network on a `Split`.

    ``options`` (a `RunOptions`) are `run_spiking`'s: e.g. ``initial_voltage``
    ``"shared"`` (Nengo's build-time voltages for every image) or ``"per-image"``
    (the thesis' draws), and the minibatch size; their ``prefixes`` and
    ``keep_outputs`` are ignored (one score, no outputs kept).
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
    options = dataclasses.replace(_checked_options(options), prefixes=None, keep_outputs=False)
    if quiet:
        result = run_spiking(weights, family, split.images, settings, options)
    else:
        result = _spiking_in_pieces(weights, family, split.images, settings, options)
    return {
        "accuracy": result.accuracy(split.labels),
        "n": len(split),
        "hidden_rate_hz": result.rate_stats(),
        "spikes_per_image": float(result.spikes_per_image.mean()),
        "settings": settings.asdict(),
    }


def _spiking_in_pieces(weights, family, images, settings, options):
    """`run_spiking` over ``images`` in pieces, with progress on stderr; one `SpikingResult`."""
    n = len(images)
    # the voltages of all images at once: image i gets the same ones in any piece
    voltages = options.voltages(n)
    piece = max(options.batch_size * (os.cpu_count() or 1), PROGRESS_WORK // settings.steps, 1)
    preds, per_image, hidden = [], [], 0.0
    with Progress(n, f"spiking inference ({settings.steps} steps)") as bar:
        for start in range(0, n, piece):
            stop = min(start + piece, n)
            v0 = "shared" if voltages is None else voltages[start:stop]
            piece_options = dataclasses.replace(options, initial_voltage=v0)
            r = run_spiking(weights, family, images[start:stop], settings, piece_options)
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
