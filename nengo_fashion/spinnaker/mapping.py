"""The 784-128-10 network as a SpiNNaker model: the choices, in one place.

The network comes from the run's NIR graph (``model.nir``, written by ``python -m
nengo_fashion.export`` from the one network definition, `nengo_fashion.network`): this
module reads its ``fc1`` (Affine, gain and bias folded in), ``hidden`` (IF) and ``fc2``
(Affine, amplitude folded in) nodes and decides only how SpiNNaker holds them:

* **time**: SpiNNaker's machine time step, 1 ms; an image is shown for ``steps`` steps
  (`MappingSettings`), the network's state is reset at the start of each image;
* **input**: each pixel is a spike source with a regular spike train (a pixel of 1 fires
  ``input_rate`` Hz, at most one spike a step), for the first ``steps - 1`` steps, so
  that every input spike lands in its own image (synapses delay a spike one step);
* **hidden**: 128 ``IF_curr_delta`` neurons (a current-based integrate-and-fire cell whose
  synapses add their weight to the membrane voltage: a spike is a delta, as in the
  trained ReLU network, with no synaptic filter to undo), reset to 0 after a spike, with
  no leak to speak of (``TAU_M``); the ReLU unit's current ``J`` (1/s) becomes a voltage
  step per spike and an offset current (the bias), times ``threshold_scale``;
* **output**: 10 ``IF_curr_delta`` neurons that never reach their threshold: their
  voltage sums the hidden spikes through ``fc2`` and ``fc2``'s bias as an offset current;
  the prediction is the argmax of the voltages at the end of each image.

Weights, offsets and thresholds are then put on SpiNNaker's fixed-point grid
(`nengo_fashion.spinnaker.fixed`), and both simulators run those quantised values.
"""

import dataclasses
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from ..knobs import check_field_types, is_finite, is_int, knob
from . import fixed

DT_MS = 1.0
"""SpiNNaker's machine time step (ms): its default, and the time step of every run here."""

TAU_M = 4096.0
"""Membrane time constant (ms) of every cell. PyNN's IF cells all leak: this one keeps
``1 - 2**-12`` of its voltage a step (0.7 % lost over 30 steps; both simulators and the
executor compute it). A power of two, because SpiNNaker's cells compute ``exp(-dt/tau_m)``
and ``tau_m / cm`` in fixed point, which is exact only then (else the input's gain is off,
by 8.5 % at 10 s)."""

MAX_STEP_INPUT = 2.0**16 / TAU_M
"""The most input (mV) a SpiNNaker cell may get in one step: it computes ``I * tau_m / cm``
as an S16.15 number (below 2**16)."""

V_THRESH = 1.0
"""The hidden cells' threshold (mV); weights and offsets are in its units."""

V_OUT_SCALE = 32.0
"""Output voltage per unit of ``fc2`` (mV): the output cells' scale."""

V_OUT_THRESH = 30000.0
"""The output cells' threshold (mV): never reached (`check_ranges`), and an S16.15 number."""

CM = 1.0
"""Membrane capacitance (nF): an offset current of 1 nA moves the voltage 1 mV a step."""

MAX_STEPS = 1000
THRESHOLD_SCALE_RANGE = (1e-3, 1e3)


@dataclasses.dataclass(frozen=True)
class MappingSettings:
    """How the network is put on SpiNNaker (chosen on validation: ``spinnaker.tune``).

    Parameters
    ----------
    steps : int
        Machine time steps (1 ms each) per image, its whole latency: ``steps - 1`` of
        input spikes, then one for the last spikes to reach the output.
    threshold_scale : float
        Multiplies the hidden cells' input (weights and offset currents) against their
        threshold: 1 gives the rates of the NIR graph (capped at one spike a step).
    input_rate : float
        Firing rate (Hz) of a white pixel's spike source, at most 1000 (a spike a step).
    """

    steps: int = knob(
        30,
        f"machine time steps (1 ms) per image, 2..{MAX_STEPS} (default 30)",
        parse="positive_int",
    )
    threshold_scale: float = knob(
        1.0,
        "hidden input times this against the threshold "
        f"({THRESHOLD_SCALE_RANGE[0]:g}..{THRESHOLD_SCALE_RANGE[1]:g}, default 1)",
        parse="positive_float",
    )
    input_rate: float = knob(
        1000.0, "firing rate (Hz) of a white pixel, 1..1000 (default 1000)", parse="positive_float"
    )

    def __post_init__(self):
        check_field_types(self)
        if not (is_int(self.steps) and 2 <= self.steps <= MAX_STEPS):
            raise ConfigError(f"--steps must be an integer in 2..{MAX_STEPS}, got {self.steps!r}")
        low, high = THRESHOLD_SCALE_RANGE
        if not (is_finite(self.threshold_scale) and low <= self.threshold_scale <= high):
            raise ConfigError(
                f"--threshold-scale must be in {low:g}..{high:g}, got {self.threshold_scale!r}"
            )
        if not (is_finite(self.input_rate) and 1.0 <= self.input_rate <= 1000.0 / DT_MS):
            raise ConfigError(
                f"--input-rate must be in 1..{1000.0 / DT_MS:g} Hz (one spike a step), "
                f"got {self.input_rate!r}"
            )

    def asdict(self):
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Plan:
    """The SpiNNaker model of a network, in PyNN's units, on SpiNNaker's fixed-point grid.

    Attributes
    ----------
    hidden_w : numpy.ndarray
        (128, 784) voltage step (mV) of a hidden cell per input spike.
    hidden_i : numpy.ndarray
        (128,) offset current (nA) of the hidden cells (the bias).
    output_w : numpy.ndarray
        (10, 128) voltage step (mV) of an output cell per hidden spike.
    output_i : numpy.ndarray
        (10,) offset current (nA) of the output cells (the bias).
    v_thresh : float
        The hidden cells' threshold (mV).
    shifts : dict
        ``{"hidden" | "output": {receptor: {"max_summed_weight", "shift", "step"}}}``:
        the fixed-point weights of each population (`nengo_fashion.spinnaker.fixed`).
    settings : MappingSettings
    source : dict
        Where the graph came from: its file and metadata (run, family, dt...).
    """

    hidden_w: np.ndarray
    hidden_i: np.ndarray
    output_w: np.ndarray
    output_i: np.ndarray
    v_thresh: float
    shifts: dict
    settings: MappingSettings
    source: dict

    def hidden_cell(self):
        """The hidden ``IF_curr_delta`` parameters (PyNN units; ``i_offset`` per cell)."""
        return dict(_cell(self.v_thresh), i_offset=self.hidden_i)

    def output_cell(self):
        """The output ``IF_curr_delta`` parameters (a threshold never reached)."""
        return dict(_cell(V_OUT_THRESH), i_offset=self.output_i)


def _cell(v_thresh):
    return dict(tau_m=TAU_M, cm=CM, v_rest=0.0, v_reset=0.0, v_thresh=v_thresh, tau_refrac=0.0)


def nir_knob():
    """The ``--nir FILE`` knob of every SpiNNaker command's config (a new field each call)."""
    return knob(
        dataclasses.MISSING,
        "the network's NIR graph, model.nir (python -m nengo_fashion.export; committed for the "
        "thesis runs in results/nir/RUN/)",
        required=True,
        metavar="FILE",
    )


NODES = {"fc1": "Affine", "hidden": "IF", "fc2": "Affine"}
"""The NIR nodes the mapping reads, by name and type (``python -m nengo_fashion.export``)."""


def read_graph(path):
    """The NIR graph in ``path`` (a ``model.nir``), checked: the nodes of `NODES`, shapes
    784-128-10, finite values; else a one-line `ConfigError`."""
    import nir  # the NIR reader (h5py arrays only; no pickles)

    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: no such NIR file (write one: python -m nengo_fashion.export)")
    if not path.is_file():
        raise ConfigError(
            f"{path} is not a NIR file (a model.nir of python -m nengo_fashion.export)"
        )
    try:
        graph = nir.read(str(path))
    except Exception as e:  # any file: whatever nir's reader trips on is one line
        reason = (str(e).splitlines() or [type(e).__name__])[0][:200]
        raise ConfigError(f"{path} is not a NIR graph that nir 1.0 can read ({reason})") from None
    for name, kind in NODES.items():
        node = graph.nodes.get(name)
        if type(node).__name__ != kind:
            found = type(node).__name__ if node is not None else "none"
            raise ConfigError(
                f"{path}: node {name!r} must be a NIR {kind} (found {found}); the SpiNNaker "
                "mapping covers the IF (ReLU-family) graphs of python -m nengo_fashion.export"
            )
    fc1, hidden, fc2 = (graph.nodes[n] for n in NODES)
    shapes = {
        "fc1.weight": (fc1.weight, (128, 784)),
        "fc1.bias": (fc1.bias, (128,)),
        "fc2.weight": (fc2.weight, (10, 128)),
        "fc2.bias": (fc2.bias, (10,)),
        "hidden.r": (hidden.r, (128,)),
        "hidden.v_threshold": (hidden.v_threshold, (128,)),
    }
    for name, (value, shape) in shapes.items():
        value = np.asarray(value)
        if value.shape != shape or not np.all(np.isfinite(value)):
            raise ConfigError(f"{path}: {name} must be {shape} finite values, got {value.shape}")
    if not np.all(np.asarray(hidden.v_threshold) > 0):
        raise ConfigError(f"{path}: hidden.v_threshold must be > 0")
    return graph


def plan(graph, settings, *, path=""):
    """The SpiNNaker model (`Plan`) of a NIR graph (`read_graph`) at ``settings``.

    A hidden unit of the graph integrates ``dv/dt = r * J`` (``J = fc1(x)``, in 1/s) to a
    threshold ``v_threshold``; on SpiNNaker, with the voltage in units of `V_THRESH` and
    ``threshold_scale`` ``k``, one step of ``dt`` adds ``k * r * J * dt / v_threshold``
    thresholds. A pixel ``x`` held for a step is ``x`` input spikes at ``1 / dt`` Hz, so an
    input spike at ``input_rate`` Hz carries ``1 / (input_rate * dt)`` steps of the pixel.
    The output voltage sums ``fc2`` over the hidden spikes (a NIR spike is a delta of area
    1, whose mean over the image NIR's readout takes) plus ``fc2.bias`` every step.
    """
    fc1, hidden, fc2 = (graph.nodes[n] for n in NODES)
    dt = DT_MS * 1e-3
    unit = (settings.threshold_scale * V_THRESH * dt) * (
        np.asarray(hidden.r, np.float64) / np.asarray(hidden.v_threshold, np.float64)
    )
    per_spike = 1.0 / (settings.input_rate * dt)  # steps of the pixel an input spike carries
    hidden_w = unit[:, None] * np.asarray(fc1.weight, np.float64) * per_spike
    hidden_i = unit * np.asarray(fc1.bias, np.float64) / (DT_MS / CM)
    output_w = V_OUT_SCALE * np.asarray(fc2.weight, np.float64)
    output_i = V_OUT_SCALE * np.asarray(fc2.bias, np.float64) * dt / (DT_MS / CM)
    meta = dict(graph.metadata or {})
    source = {
        "nir_file": str(path),
        **{k: _plain(meta.get(k)) for k in ("run", "neuron_family", "nengo_neuron_type", "dt")},
    }
    hidden_w, hidden_shifts = fixed.weights(hidden_w)
    output_w, output_shifts = fixed.weights(output_w)
    result = Plan(
        hidden_w=hidden_w,
        hidden_i=fixed.real(hidden_i),
        output_w=output_w,
        output_i=fixed.real(output_i),
        v_thresh=float(fixed.real(V_THRESH)),
        shifts={"hidden": hidden_shifts, "output": output_shifts},
        settings=settings,
        source=source,
    )
    check_ranges(result)
    return result


def check_ranges(model):
    """That ``model`` (a `Plan`) fits SpiNNaker's numbers: one step's input below
    `MAX_STEP_INPUT` on every cell, the output voltages below their threshold; else a
    one-line `ConfigError` naming the knob."""
    for name, w, i in (
        ("hidden", model.hidden_w, model.hidden_i),
        ("output", model.output_w, model.output_i),
    ):
        worst = max(fixed.max_summed(w, s) for s in (1, -1)) + float(np.abs(i).max())
        if worst >= MAX_STEP_INPUT:
            raise ConfigError(
                f"one step's input to the {name} cells can reach {worst:.3g} mV, more than "
                f"SpiNNaker's cells hold ({MAX_STEP_INPUT:g} mV at tau_m = {TAU_M:g} ms): "
                "lower --threshold-scale or --input-rate"
            )
    steps = model.settings.steps
    reach = steps * (fixed.max_summed(model.output_w, 1) + float(np.abs(model.output_i).max()))
    if reach >= V_OUT_THRESH:
        raise ConfigError(
            f"the output voltages can reach {reach:.3g} mV in {steps} steps, beyond "
            f"{V_OUT_THRESH:g} mV: use fewer --steps"
        )


def _plain(value):
    """A JSON-friendly copy of a metadata value."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.generic,)):
        return value.item()
    return value


def input_spikes(images, settings):
    """The input spike trains of ``images``: a boolean ``(steps, n, 784)`` array.

    A regular rate code, the same for both simulators: each pixel's source integrates
    ``x * input_rate * dt`` a step from 0.5 and fires when it reaches 1 (subtracting 1),
    for the first ``steps - 1`` steps of each image (the last step is silent, so that no
    spike lands in the next image).
    """
    images = np.asarray(images, np.float64)
    if images.ndim != 2 or images.shape[1] != 784:
        raise ConfigError(f"images must be (n, 784), got {images.shape}")
    drive = np.clip(images, 0.0, 1.0) * (settings.input_rate * DT_MS * 1e-3)
    phase = np.full(images.shape, 0.5)
    spikes = np.zeros((settings.steps,) + images.shape, dtype=bool)
    for t in range(settings.steps - 1):
        phase += drive
        spikes[t] = phase >= 1.0
        phase -= spikes[t]
    return spikes


def spike_times(spikes, offset=0):
    """PyNN's ``spike_times`` (ms) per source from `input_spikes` of images shown one after
    another from step ``offset``: a list of 784 arrays."""
    steps, n, n_in = spikes.shape
    flat = spikes.transpose(2, 1, 0).reshape(n_in, n * steps)  # [source, image * steps + t]
    return [(np.flatnonzero(row) + offset) * DT_MS for row in flat]


def check_settings_type(settings):
    if not isinstance(settings, MappingSettings):
        raise ConfigError(f"settings must be a MappingSettings, got {settings!r}")
    return settings
