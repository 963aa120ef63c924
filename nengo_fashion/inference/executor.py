"""A fast, faithful executor of the spiking network's inference, in numpy.

NengoDL is the reference: `nengo_fashion.inference.engine.run_spiking` with ``engine="nengo_dl"``
simulates `nengo_fashion.network.build_network` as a TensorFlow graph, step by
step, computing the 784x128 input product at every step. But the input is
constant over a presentation, so that product is the same at every step: this
module computes it once per image and then runs only the neurons' updates and
the small output product. What it runs is the same network:

- the network is still built by `build_network`, and Nengo's own builder gives
  the neurons' gain, bias and initial state (the very values NengoDL starts
  from);
- the neurons are updated by Nengo's own ``step`` functions (vectorised over
  images), or, for `nengo.SpikingRectifiedLinear`, by the same three float32
  operations in place;
- everything is float32, as in NengoDL.

What differs is the summation order of the input product (numpy's BLAS against
TensorFlow's kernels): a current can differ in its last bit, which moves a
voltage across a spike threshold only rarely. ``tests/test_executor.py`` checks
the spike counts and predictions against NengoDL on real images and states the
tolerance. `KERNELS` lists the neuron types this executor runs; any other type
runs in NengoDL.
"""

import collections
import dataclasses
import functools
import os
from concurrent.futures import ThreadPoolExecutor

import nengo
import numpy as np

from ..families import get_family
from ..network import NetworkSpec, check_images, spiking_network
from ..neurons.qcfs import SpikingQuantizedReLU
from .options import RunOptions
from .result import SpikingResult, readout

DTYPE = np.float32


def _relu_counts(drive, voltage, checkpoints, counts):
    """Compiled (numba, on first use): the spiking ReLU's steps on ``(images, neurons)``
    float32 arrays; see `_relu_counts_loop`."""
    return _compiled_relu_counts()(drive, voltage, checkpoints, counts)


@functools.lru_cache(maxsize=None)
def _compiled_relu_counts():
    import numba  # imported here: only spiking inference pays for it

    return numba.njit(nogil=True, cache=True)(_relu_counts_loop)


def _relu_counts_loop(drive, voltage, checkpoints, counts):
    """The spiking ReLU's steps on ``(images, neurons)`` float32 arrays.

    Each step is Nengo's update, in float32 and in the same order as NengoDL's
    (``v += d``, ``n = floor(v)``, ``v -= n``), so every voltage and count is the same
    to the bit as with numpy's array operations (a test checks it). ``counts[c]``
    receives the spikes of the first ``checkpoints[c]`` steps.
    """
    m, n = voltage.shape
    total = np.zeros(n, np.float32)
    for i in range(m):
        v, d = voltage[i], drive[i]
        total[:] = 0
        c = 0
        for t in range(checkpoints[-1]):
            for j in range(n):
                x = v[j] + d[j]
                spikes = np.floor(x)
                v[j] = x - spikes
                total[j] += spikes
            if t + 1 == checkpoints[c]:
                counts[c, i] = total
                c += 1


def _relu_kernel(neuron, dt, J, state, steps, rec):
    """`nengo.SpikingRectifiedLinear`, Nengo's update in place: ``v += max(J, 0) dt``,
    ``n = floor(v)``, ``v -= n`` (several spikes per step possible).

    With outputs at every step the steps run as numpy array operations; when only
    the spike totals are needed, in the compiled loop `_relu_counts` (the same
    float32 operations, so the same numbers, without a pass over memory per
    operation).
    """
    voltage = state["voltage"]
    drive = np.maximum(J, DTYPE(0)) * DTYPE(dt)  # the same every step: the input is constant
    if rec.per_step:
        n_spikes = np.empty_like(voltage)
        for t in range(steps):
            voltage += drive
            np.floor(voltage, out=n_spikes)
            voltage -= n_spikes
            rec(t, n_spikes)
        return
    checkpoints = np.array(sorted(rec.ks), dtype=np.int64)
    counts = np.empty((len(checkpoints),) + voltage.shape, dtype=DTYPE)
    _relu_counts(drive, voltage, checkpoints, counts)
    for k, c in zip(checkpoints, counts):
        rec.checkpoint(int(k), c)


def _nengo_step_kernel(neuron, dt, J, state, steps, rec):
    """Any neuron type whose Nengo ``step`` is elementwise (e.g. `nengo.LIF`), run by
    Nengo's own ``step`` on ``(images, neurons)`` arrays."""
    output = np.zeros_like(J)
    to_count = DTYPE(dt / neuron.amplitude)
    for t in range(steps):
        neuron.step(dt, J, output, **state)
        rec(t, np.rint(output * to_count))


def _if_kernel(neuron, dt, J, state, steps, rec):
    """`SpikingQuantizedReLU` (QCFS): its integrate-and-fire update, in place."""
    voltage = state["voltage"]
    drive = np.maximum(J, np.float32(0)) * np.float32(neuron.max_rate * dt)
    spikes = np.empty_like(voltage)
    for t in range(steps):
        voltage += drive
        np.greater_equal(voltage, np.float32(1), out=spikes, casting="unsafe")
        voltage -= spikes
        rec(t, spikes)


KERNELS = {
    nengo.SpikingRectifiedLinear: _relu_kernel,
    nengo.LIF: _nengo_step_kernel,
    SpikingQuantizedReLU: _if_kernel,
}
"""Neuron types this executor runs, by exact type, with their update kernel."""


def supports(neuron_type):
    """Whether `run_spiking` can run this neuron type (instance or class)."""
    cls = neuron_type if isinstance(neuron_type, type) else type(neuron_type)
    return cls in KERNELS


@dataclasses.dataclass(frozen=True)
class BuiltLayer:
    """The hidden layer's parameters and initial state, as Nengo's builder made them."""

    neuron: nengo.neurons.NeuronType
    gain: np.ndarray
    bias: np.ndarray
    state: dict


def build_hidden(net, dt):
    """Build ``net`` with Nengo's builder; return the hidden layer's `BuiltLayer`.

    The initial state (e.g. the voltages drawn from the network seed) is the one
    NengoDL starts every minibatch from, since NengoDL builds with Nengo's builder.
    """
    model = nengo.builder.Model(dt=dt)
    # the ensemble alone, with the seed the whole network's build would give it
    nengo.builder.network.seed_network(net, model.seeds, model.seeded)
    model.build(net.hidden)
    built = model.params[net.hidden]
    signals = model.sig[net.hidden.neurons]
    names = net.hidden.neuron_type.state
    return BuiltLayer(
        neuron=net.hidden.neuron_type,
        gain=np.asarray(built.gain, dtype=DTYPE),
        bias=np.asarray(built.bias, dtype=DTYPE),
        state={k: np.asarray(signals[k].initial_value, dtype=DTYPE) for k in names},
    )


_LAYERS = collections.OrderedDict()
_LAYERS_KEPT = 16


def hidden_layer(weights, family, settings, neuron_type=None):
    """`build_hidden` of the spiking network (`nengo_fashion.network.spiking_network`), cached.

    The hidden layer's gain, bias and initial state depend only on the neuron type,
    the rate scale, dt and the hidden biases (and the network's structure and seed,
    which `build_network` fixes), so a sweep builds each of its settings once. The
    cache keeps the last few layers; their arrays are only ever read.
    """
    key = (
        family.name,
        repr(neuron_type),
        settings.scale,
        settings.dt,
        np.asarray(weights.hidden_b, dtype=np.float32).tobytes(),
    )
    if key not in _LAYERS:
        net = spiking_network(weights, family, settings, NetworkSpec(neuron_type=neuron_type))
        _LAYERS[key] = build_hidden(net, settings.dt)
        while len(_LAYERS) > _LAYERS_KEPT:
            _LAYERS.popitem(last=False)
    _LAYERS.move_to_end(key)
    return _LAYERS[key]


def _lowpass_stepper(tau, shape, dt):
    """Nengo's own discrete `nengo.Lowpass` filter (tau in seconds) over arrays of ``shape``.

    The network filters the hidden-to-output and the bias connections with the same
    lowpass; the filter is linear, so filtering their sum is the same.
    """
    synapse = nengo.Lowpass(tau)
    state = synapse.make_state(shape, shape, dt, dtype=DTYPE)
    return synapse.make_step(shape, shape, dt, rng=None, state=state)


class _Recorder:
    """Called by a kernel after every step with the spike counts of that step."""

    def __init__(self, m, steps, ks, w_out, b_out, spike_out, settings, per_step, keep):
        n_hidden, n_out = w_out.shape
        self.w_out, self.b_out, self.spike_out = w_out, b_out, spike_out
        self.ks = set(ks)
        self.counts = np.zeros((m, n_hidden), dtype=DTYPE)  # spikes so far
        self.sums = {}  # k -> spike counts over the first k steps
        self.per_step = per_step
        self.out = np.empty((m, steps, n_out), dtype=DTYPE) if per_step else None
        self.spikes = np.empty((m, steps, n_hidden), dtype=DTYPE) if keep else None
        self.filter = None
        if settings.synapse is not None:
            self.filter = _lowpass_stepper(settings.synapse, (m, n_out), settings.dt)
            self.filtered = np.zeros((m, n_out), dtype=DTYPE)
        self.dt = settings.dt

    def checkpoint(self, k, counts):
        """The spike counts of the first ``k`` steps, ``(images, neurons)``."""
        self.sums[k] = counts

    def __call__(self, t, n_spikes):
        """The spike counts of step ``t`` (0-based)."""
        self.counts += n_spikes
        if t + 1 in self.ks:
            self.checkpoint(t + 1, self.counts.copy())
        if self.per_step:
            y = (n_spikes * self.spike_out) @ self.w_out + self.b_out
            if self.filter is None:
                self.out[:, t] = y
            else:  # Nengo updates a synapse after the step has read it: one step late
                self.out[:, t] = self.filtered
                self.filtered[:] = self.filter(t * self.dt, y)
        if self.spikes is not None:
            self.spikes[:, t] = n_spikes


def run_spiking(weights, family, images, settings, options=None):
    """Run the spiking network on ``images``; the same results as NengoDL's path.

    Parameters
    ----------
    weights : Weights
        Trained parameters.
    family : str or NeuronFamily
        Neuron family; its spiking type is used unless ``options.neuron_type`` is given
        (which must be in `KERNELS`).
    images : numpy.ndarray
        ``(n, 784)`` pixels in [0, 1], held constant over each presentation.
    settings : SpikeSettings
        dt (seconds), steps, synapse (lowpass tau in seconds, or None), scale, readout.
    options : RunOptions, optional
        ``batch_size`` (images updated together: memory grows as ``batch_size * 128``;
        with ``keep_outputs``, as ``n * steps * 138``), ``keep_outputs`` (the output
        over time and the spike counts, for figures), ``prefixes`` (also score the
        first ``k`` steps: every image starts from the same state, so this equals
        separate runs of ``k`` steps), ``initial_voltage`` (e.g. the thesis' per-image
        draws; ``"shared"`` starts every image from the build's initial state),
        ``neuron_type`` and ``threads`` (blocks of images simulated at once, default
        the number of CPUs). Its ``engine`` is not read: this is the numpy engine.

    Returns
    -------
    nengo_fashion.inference.result.SpikingResult, or dict of int -> SpikingResult with
    ``options.prefixes``
    """
    options = RunOptions() if options is None else options
    images = check_images(images, allow_empty=False)
    family = get_family(family)
    ks = options.steps_scored(settings.steps)
    initial_voltages = options.voltages(len(images))
    keep_outputs, batch_size = options.keep_outputs, options.batch_size
    layer = hidden_layer(weights, family, settings, options.neuron_type)
    kernel = KERNELS.get(type(layer.neuron))
    if kernel is None:
        raise NotImplementedError(f"no fast kernel for {type(layer.neuron).__name__}")
    w_in = np.ascontiguousarray(weights.hidden_w.T, dtype=DTYPE)  # (784, 128)
    w_out = np.ascontiguousarray(weights.output_w.T, dtype=DTYPE)  # (128, 10)
    b_out = weights.output_b.astype(DTYPE)
    spike_out = DTYPE(layer.neuron.amplitude / settings.dt)  # output of one spike
    per_step = keep_outputs or settings.synapse is not None or settings.readout == "last"
    steps, n = settings.steps, len(images)

    # the input currents of all images in one matrix product (BLAS uses every core)
    currents = images @ w_in
    currents *= layer.gain
    currents += layer.bias

    def block(start):
        """Simulate images ``start:start + batch_size``; return their recorder."""
        x = images[start : start + batch_size]
        J = currents[start : start + batch_size]
        state = {k: np.repeat(v[None, :], len(x), axis=0) for k, v in layer.state.items()}
        if initial_voltages is not None:
            state["voltage"][:] = initial_voltages[start : start + len(x)]
        rec = _Recorder(
            len(x), steps, ks, w_out, b_out, spike_out, settings, per_step, keep_outputs
        )
        kernel(layer.neuron, settings.dt, J, state, steps, rec)
        return rec

    # numpy releases the GIL in its array operations: blocks run on all cores
    starts = range(0, n, batch_size)
    with ThreadPoolExecutor(
        max_workers=min(options.threads or os.cpu_count() or 1, len(starts))
    ) as pool:
        recs = list(pool.map(block, starts))

    results = {}
    for k in ks:
        if per_step:
            logits = [readout(rec.out[:, :k], settings.readout) for rec in recs]
        else:  # mean readout without a synapse: the mean output, from the counts
            logits = [(rec.sums[k] * (spike_out / DTYPE(k))) @ w_out + b_out for rec in recs]
        counts = np.concatenate([rec.sums[k] for rec in recs])
        results[k] = SpikingResult(
            predictions=np.argmax(np.concatenate(logits), axis=1),
            outputs=np.concatenate([rec.out for rec in recs])[:, :k] if keep_outputs else None,
            hidden_spikes=counts.sum(axis=0, dtype=np.float64),
            spikes_per_image=counts.sum(axis=1, dtype=np.float64),
            settings=dataclasses.replace(settings, steps=k),
            spikes=np.concatenate([rec.spikes for rec in recs])[:, :k] if keep_outputs else None,
        )
    return options.results(results, settings.steps)
