"""The engines behind `Classifier.predict`'s modes: rate, spiking and loihi.

- ``"rate"``: `rate_logits`, the numpy forward pass of the rate network
  (`nengo_fashion.weights.Weights.forward`; for the ReLU family `relu_logits`, the same float
  operations without importing Nengo, bit-identical);
- ``"spiking"``: `spiking_answers`, `nengo_fashion.inference.engine.run_spiking` in chunks of
  `CHUNK` images, read out as `nengo_fashion.evaluate` reads it;
- ``"loihi"``: `loihi_answers`, `loihi.backend.classify` on nengo-loihi's emulator (reached
  through the table of backends, `nengo_fashion.backends`), with the mapping `loihi_mapping`
  reads from the run's ``loihi.json``.

Only the rate path runs at import: the spiking engine and the ``loihi`` backend are imported
inside the functions that use them, so that the rate mode imports neither Nengo nor numba.
"""

import dataclasses

import numpy as np

from ..data import N_CLASSES
from ..errors import ConfigError, RunError

CHUNK = 1000
"""Images per call of the spiking engine (its memory grows with ``images x steps``)."""

LOIHI_FIX = "write it again with python -m loihi --run RUN --overwrite, or delete it"
"""How to mend a run's ``loihi.json`` that is not a mapping record."""


def relu_logits(weights, images):
    """`Weights.forward` of a ReLU run without importing Nengo: the same float operations.

    ``Weights.forward`` computes the input current in float32, then Nengo's
    ``RectifiedLinear.rates`` (``amplitude * max(0, gain * x + bias)`` in float64, gain 1,
    amplitude 1), then the output product; this repeats those steps, so the logits are
    identical to the bit (``tests/test_predict.py``).

    Parameters
    ----------
    weights : nengo_fashion.weights.Weights
        The run's weights (float32).
    images : numpy.ndarray
        ``(n, 784)`` float32 pixels in [0, 1].
    """
    current = np.asarray(images, dtype=np.float32) @ weights.hidden_w.T
    j = np.ones(current.shape[1]) * current.astype(np.float64) + weights.hidden_b.astype(np.float64)
    hidden = 1.0 * np.maximum(0.0, j)
    return hidden @ weights.output_w.T + weights.output_b


def rate_logits(weights, family, images):
    """Logits ``(n, 10)`` of the rate network of ``family`` for ``(n, 784)`` pixels in [0, 1]
    (`relu_logits` for the ReLU family: no Nengo import)."""
    if family == "relu":
        return relu_logits(weights, images)
    return weights.forward(images, family)


def spiking_answers(weights, family, images, settings):
    """Predictions, readout logits and hidden spikes per image of `engine.run_spiking`.

    Parameters
    ----------
    weights : nengo_fashion.weights.Weights
        The run's weights.
    family : str
        Its neuron family.
    images : numpy.ndarray
        ``(n, 784)`` float32 pixels in [0, 1].
    settings : nengo_fashion.config.SpikeSettings
        The spiking setting (dt in seconds, steps, synapse, scale, readout).
    """
    if not len(images):
        return np.zeros(0, np.int64), np.zeros((0, N_CLASSES)), np.zeros(0)
    from ..inference.engine import RunOptions, run_spiking
    from ..inference.result import readout

    labels, logits, spikes = [], [], []
    for start in range(0, len(images), CHUNK):
        r = run_spiking(
            weights,
            family,
            images[start : start + CHUNK],
            settings,
            RunOptions(keep_outputs=True),
        )
        labels.append(r.predictions)
        logits.append(readout(r.outputs, settings.readout))
        spikes.append(r.spikes_per_image)
    return np.concatenate(labels), np.concatenate(logits), np.concatenate(spikes)


def loihi_answers(weights, family, images, mapping, quiet=True):
    """Predictions, readout, hidden and input spikes per image on the emulator.

    `loihi.backend.classify`: one sequence of images (each starts from the state the previous
    one left, as in ``python -m loihi``), read out after the mapping's ``skip`` steps;
    ``mapping`` is a `loihi.mapping.MappingSettings` (`loihi_mapping`), checked against
    ``family``.
    """
    if not len(images):
        return np.zeros(0, np.int64), np.zeros((0, N_CLASSES)), np.zeros(0), np.zeros(0)
    from .backends import load_backend

    loihi = load_backend("loihi")
    return loihi.classify(mapping, weights, family, images, quiet=quiet)


def loihi_mapping(classifier, steps=None, dt=None, scale=None):
    """The Loihi mapping of a run: its ``loihi.json`` settings, else the default.

    Parameters
    ----------
    classifier : Classifier
        The run (its ``path``, ``family`` and spiking ``scale``, the default's).
    steps : int, optional
        Sets the presentation to ``steps * dt`` seconds.
    dt : float, optional
        Replaces the mapping's time step, in seconds (the number of steps is kept).
    scale : float, optional
        Replaces the mapping's firing-rate scale.

    Returns
    -------
    loihi.mapping.MappingSettings
    """
    from ..atomic import read_json
    from .backends import load_backend

    try:
        loihi = load_backend("loihi")
    except ImportError as e:
        raise ConfigError(f"the loihi package cannot be imported ({e})") from None
    MappingSettings, default_neuron = loihi.MappingSettings, loihi.default_neuron
    fields = {f.name for f in dataclasses.fields(MappingSettings)}
    record = classifier.path / "loihi.json"
    saved = read_loihi_settings(record, read_json) if record.is_file() else {}
    values = {k: v for k, v in saved.items() if k in fields}
    if not values:
        values = dict(neuron=default_neuron(classifier.family), scale=classifier.spiking.scale)
    if dt is not None:
        steps_now = MappingSettings(**values).steps
        values["dt"] = dt
        values["presentation_time"] = steps_now * dt
    if steps is not None:
        values["presentation_time"] = steps * values.get("dt", MappingSettings.dt)
    if scale is not None:
        values["scale"] = scale
    return MappingSettings(**values)


def read_loihi_settings(record, read_json):
    """The ``settings`` object of a run's ``loihi.json`` (written by ``python -m loihi``), or
    a one-line `RunError` when the file is not such a record."""
    try:
        saved = read_json(record)
    except (OSError, ValueError) as e:  # unreadable, not UTF-8
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise RunError(f"{record} cannot be read ({reason}); {LOIHI_FIX}") from None
    except RunError as e:  # not JSON
        raise RunError(f"{e}; {LOIHI_FIX}") from None
    if not isinstance(saved, dict):
        raise RunError(
            f"{record} is not a Loihi mapping record: it holds a JSON {_json_kind(saved)}, "
            f"not an object ({{...}}); {LOIHI_FIX}"
        )
    settings = saved.get("settings")
    if not isinstance(settings, dict):
        what = "no" if "settings" not in saved else f"a JSON {_json_kind(settings)} as its"
        raise RunError(
            f"{record} is not a Loihi mapping record: it has {what} 'settings', not an "
            f"object ({{...}}); {LOIHI_FIX}"
        )
    return settings


def _json_kind(value):
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {list: "array", str: "string", type(None): "null"}.get(type(value), "value")
