"""The thesis' spiking semantics: per-image initial voltages, in NengoDL and in numpy.

The thesis ran its hidden layer with PyTorchSpiking's ``SpikingActivation`` (ReLU)
on a ``(batch, steps, 128)`` input. Per image, each neuron's voltage starts at an
independent draw from U(0, 1) (``torch.rand(batch, neurons)`` on every call), and
each step does::

    voltage += relu(x_t) * dt;  n = floor(voltage);  voltage -= n;  output = n / dt

The output is averaged over the steps and fed to the output layer. Nengo's
`nengo.SpikingRectifiedLinear` (and NengoDL's builder of it) performs exactly this
update, in the same order, but draws the initial voltages once per neuron at build
time: every image of a minibatch, and every minibatch of a NengoDL simulator made
with ``stateful=False``, starts from the same voltages ("shared").

"per-image" runs the NengoDL simulation from per-image voltages instead, by
writing them into the simulator's saved state before each minibatch
(`set_initial_voltages`). `spiking_activation` and `thesis_logits` are a plain
numpy version of the thesis' rule, to check the NengoDL runs against.
"""

import numpy as np

from ..errors import ConfigError

INITIAL_VOLTAGES = ("shared", "per-image")
"""``initial_voltage`` modes of `nengo_fashion.inference.engine.run_spiking`."""


def draw_initial_voltages(n_images, n_neurons, seed=0):
    """Per-image initial voltages, independent draws from U(0, 1).

    Parameters
    ----------
    n_images : int
        Images (rows).
    n_neurons : int
        Neurons (columns).
    seed : int
        Seed of the numpy generator; row ``i`` depends only on ``seed`` and the
        shape, not on batching.

    Returns
    -------
    numpy.ndarray
        ``(n_images, n_neurons)`` float32 in [0, 1), in units of the firing
        threshold (a neuron spikes when its voltage reaches 1).
    """
    return np.random.default_rng(seed).random((n_images, n_neurons), dtype=np.float32)


def resolve_initial_voltages(initial_voltage, n_images, n_neurons, seed=0):
    """The per-image voltages an ``initial_voltage`` option asks for.

    Parameters
    ----------
    initial_voltage : {"shared", "per-image"} or array_like
        ``"shared"``: None (keep the simulator's own, build-time voltages);
        ``"per-image"``: `draw_initial_voltages` with ``seed``; an array of shape
        ``(n_images, n_neurons)`` is used as it is.
    n_images, n_neurons : int
        Expected shape.
    seed : int
        Seed for ``"per-image"``.

    Returns
    -------
    numpy.ndarray or None
        ``(n_images, n_neurons)`` float32 voltages, or None for ``"shared"``.
    """
    if isinstance(initial_voltage, str):
        if initial_voltage == "shared":
            return None
        if initial_voltage == "per-image":
            return draw_initial_voltages(n_images, n_neurons, seed)
        raise ConfigError(
            f"initial_voltage must be one of {INITIAL_VOLTAGES} or an array, "
            f"got {initial_voltage!r}"
        )
    voltages = np.asarray(initial_voltage, dtype=np.float32)
    if voltages.shape != (n_images, n_neurons):
        raise ConfigError(
            f"initial voltages must have shape {(n_images, n_neurons)}, got {voltages.shape}"
        )
    return voltages


def _voltage_state(sim, neurons):
    """The saved-state variable holding ``neurons``' voltage, and its column indices.

    NengoDL keeps every state signal in a ``tf.Variable`` of shape ``(minibatch,
    size)`` (``sim.tensor_graph.saved_state``, keyed by base array); the signal's
    `TensorSignal` (``signals.sig_map``) names the base and the slices it occupies.
    """
    try:
        sig = sim.model.sig[neurons]["voltage"]
    except KeyError:
        raise ConfigError(
            f"{neurons.ensemble.neuron_type} has no voltage state to initialise"
        ) from None
    tensor_sig = sim.tensor_graph.signals.sig_map[sig]
    if not tensor_sig.minibatched:
        raise RuntimeError(f"{sig} is not minibatched in NengoDL; cannot set it per image")
    variable = sim.tensor_graph.saved_state[tensor_sig.key]
    columns = np.concatenate([np.arange(start, stop) for start, stop in tensor_sig.slices])
    return variable, columns


def set_initial_voltages(sim, neurons, voltages):
    """Make the next NengoDL run start ``neurons`` from the given per-image voltages.

    Writes into the simulator's saved state (``sim.tensor_graph.saved_state``),
    from which every ``predict_on_batch`` starts. With ``stateful=False`` (as
    `nengo_fashion.inference.dl.make_simulator` configures) a run does not write its final
    state back, so the voltages hold for every later run until set again.

    Parameters
    ----------
    sim : nengo_dl.Simulator
        An open simulator of a network containing ``neurons``.
    neurons : nengo.ensemble.Neurons
        E.g. ``net.hidden.neurons``.
    voltages : array_like
        ``(sim.minibatch_size, n_neurons)`` initial voltages, row ``i`` for the
        ``i``-th image of the minibatch (in units of the firing threshold).
    """
    variable, columns = _voltage_state(sim, neurons)
    voltages = np.asarray(voltages, dtype=variable.dtype.as_numpy_dtype)
    if voltages.shape != (variable.shape[0], len(columns)):
        raise ValueError(
            f"voltages must have shape {(variable.shape[0], len(columns))}, got {voltages.shape}"
        )
    state = variable.numpy()
    state[:, columns] = voltages
    variable.assign(state)


def get_initial_voltages(sim, neurons):
    """The per-image voltages the next run of ``sim`` starts ``neurons`` from.

    Returns
    -------
    numpy.ndarray
        ``(sim.minibatch_size, n_neurons)``; for a fresh simulator every row holds
        the build-time ("shared") voltages.
    """
    variable, columns = _voltage_state(sim, neurons)
    return variable.numpy()[:, columns]


def spiking_activation(x, dt, initial_voltage, dtype=np.float32):
    """PyTorchSpiking's ``SpikingActivation`` with a ReLU, in numpy.

    Parameters
    ----------
    x : array_like
        ``(n, steps, neurons)`` input currents (before the ReLU).
    dt : float
        Time step, in seconds.
    initial_voltage : array_like
        ``(n, neurons)`` starting voltages in [0, 1).
    dtype : numpy dtype
        Arithmetic precision (PyTorchSpiking and NengoDL use float32).

    Returns
    -------
    spikes : numpy.ndarray
        ``(n, steps, neurons)`` spike counts per step (the output is ``spikes / dt``).
    margin : numpy.ndarray
        ``(n, neurons)``: over all steps, the smallest distance of a voltage (after
        adding the input, before flooring) of at least 0.5 to the nearest integer.
        Where it is tiny, rounding differences between implementations may move a
        spike by one step.
    """
    x = np.asarray(x, dtype=dtype)
    voltage = np.array(initial_voltage, dtype=dtype)
    rates = np.maximum(x, 0) * dtype(dt)
    spikes = np.empty_like(rates)
    margin = np.full(voltage.shape, np.inf)
    for t in range(x.shape[1]):
        voltage += rates[:, t]
        n_spikes = np.floor(voltage)
        near = np.abs(voltage - np.round(voltage))
        margin = np.minimum(margin, np.where(voltage >= 0.5, near, np.inf))
        voltage -= n_spikes
        spikes[:, t] = n_spikes
    return spikes, margin


def thesis_logits(weights, images, *, dt, steps, initial_voltage, dtype=np.float32):
    """The thesis' spiking forward pass in numpy (images held for ``steps`` steps).

    ``logits = W2 @ mean_t(spikes_t / dt) + b2`` (temporal average pooling, then
    the output layer), with the hidden layer run by `spiking_activation` on
    ``W1 @ x + b1``.

    Parameters
    ----------
    weights : nengo_fashion.network.Weights
        Trained parameters.
    images : array_like
        ``(n, 784)`` pixels in [0, 1].
    dt : float
        Time step, in seconds.
    steps : int
        Time steps per image.
    initial_voltage : array_like
        ``(n, 128)`` starting voltages.
    dtype : numpy dtype
        Arithmetic precision.

    Returns
    -------
    logits : numpy.ndarray
        ``(n, 10)``.
    spikes : numpy.ndarray
        ``(n, steps, 128)`` hidden spike counts.
    margin : numpy.ndarray
        ``(n, 128)``, see `spiking_activation`.
    """
    images = np.asarray(images, dtype=dtype)
    current = images @ weights.hidden_w.T.astype(dtype) + weights.hidden_b.astype(dtype)
    x = np.repeat(current[:, None, :], steps, axis=1)
    spikes, margin = spiking_activation(x, dt, initial_voltage, dtype=dtype)
    pooled = (spikes / dtype(dt)).mean(axis=1)
    logits = pooled @ weights.output_w.T.astype(dtype) + weights.output_b.astype(dtype)
    return logits, spikes, margin
