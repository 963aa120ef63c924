"""Time-to-first-spike input into step currents: the few-operation Loihi mapping.

Each pixel sends at most one spike per image (`nengo_fashion.inference.encoding.TTFSCode`:
at step ``round((1 - x) T)`` of a ``T``-step window, none below a threshold).
The spikes come from 784 off-chip `TTFSNeuron` s and reach the 128 hidden
compartments through a ``nengo.Lowpass(input_tau)`` synapse whose time constant
(2 s) is far longer than the window: nengo-loihi maps it onto the compartments'
current decay (2/4096 per step, 0.8 % over 16 steps), so each spike adds a step
current ``W[:, i]`` for the rest of the window and the hidden neurons integrate
``T (W x_eff + b)`` (`TTFSCode.effective_input`). One image costs
``input spikes x 128 + hidden spikes x 10`` synaptic operations: fewer than the
dense net's 101,632 multiply-accumulates whenever fewer than ~780 pixels spike.

**State between images.** A current that never decays must not leak into the
next image. `window_reset` zeroes the hidden compartments' current, voltage and
refractory state at each image boundary of the emulator (what a per-sample
reset does on a chip). Host spikes reach the chip one step after they are sent,
so image ``n`` occupies emulator steps ``n T + 2 .. n T + T + 1``: the reset runs
before step ``n T + 2`` and the run is one step longer than the images
(`EMULATOR_DELAY`). The board target has no such reset here and is refused.

`reference_counts` is the numpy model of what the chip computes (Loihi's ReLU:
voltage floored at 0, reset to zero after a spike, at most one spike per step);
the emulator's hidden spike counts agree with it up to Loihi's weight rounding
(tested).
"""

import contextlib

import nengo
import numpy as np

from nengo_fashion.inference.encoding import spike_steps

EMULATOR_DELAY = 1
"""Steps between a host spike and its effect on the chip's compartments."""


def step_amplitude(dt=0.001, tau=2.0):
    """Input spike amplitude whose ``Lowpass(tau)`` current step is exactly 1 on Loihi.

    nengo-loihi discretises the synapse's decay to 12 bits and scales the input so
    that the current's integral is preserved (``decay_magnitude``); this amplitude
    undoes that, so that one spike adds ``W[:, i]`` to the hidden current (2.0405
    for tau = 2 s at dt = 1 ms; nengo's float value, ``dt / (1 - exp(-dt / tau))``,
    would fall 2 % short).
    """
    from nengo_loihi.builder.discretize import decay_magnitude

    d = -np.expm1(-dt / tau)
    d_int = np.clip(np.round(d * (2**12 - 1) - 1), 0, 2**12 - 1)
    return dt * float(decay_magnitude(d_int, x0=2**21, offset=1))


class TTFSNeuron(nengo.neurons.NeuronType):
    """Fires once per window, at the step `TTFSCode` gives its input current (the pixel).

    Parameters
    ----------
    window : int
        Steps per image (T).
    threshold : float
        Inputs below it do not fire.
    amplitude : float
        Scaling factor on the spike output (a spike is ``amplitude / dt``).
    """

    state = {"phase": nengo.dists.Choice([0])}
    spiking = True
    negative = False

    window = nengo.params.IntParam("window", low=1)
    amplitude = nengo.params.NumberParam("amplitude", low=0, low_open=True)
    threshold = nengo.params.NumberParam("threshold", low=0, high=1, high_open=True)

    def __init__(self, window, threshold=0.0, amplitude=1.0, initial_state=None):
        super().__init__(initial_state=initial_state)
        self.amplitude = amplitude
        self.window = window
        self.threshold = threshold

    def gain_bias(self, max_rates, intercepts):
        return np.ones_like(max_rates), np.zeros_like(intercepts)

    def max_rates_intercepts(self, gain, bias):
        return np.full_like(gain, 1.0 / self.window), np.zeros_like(gain)

    def step(self, dt, J, output, phase):
        fire = spike_steps(J, self.window, self.threshold) == phase
        output[...] = fire * (self.amplitude / dt)
        phase[...] = (phase + 1) % self.window


@contextlib.contextmanager
def window_reset(window, delay=EMULATOR_DELAY):
    """Zero the emulator's compartment state before each image's first step.

    While the block runs, every nengo-loihi emulator (``target="sim"``) resets its
    compartments' current, voltage, pending input, spike flags and refractory
    counters at the start of emulator step ``t`` whenever
    ``t > 1 + delay`` and ``(t - 1 - delay) % window == 0``.
    """
    from nengo_loihi.emulator.interface import EmulatorInterface

    original = EmulatorInterface.step

    def step(self):
        t = self.t + 1  # the step about to run
        if t > 1 + delay and (t - 1 - delay) % window == 0:
            c = self.compartment
            c.current[:] = 0
            c.voltage[:] = 0
            c.input[:] = 0
            c.spiked[:] = False
            c.ref_count[:] = 0
        original(self)

    EmulatorInterface.step = step
    try:
        yield
    finally:
        EmulatorInterface.step = original


def reference_counts(weights, images, code, *, scale, dt=0.001):
    """Hidden spike counts ``(n, 128)`` of the TTFS mapping, modelled in numpy.

    Loihi's ReLU compartment with a step-current input: ``J += scale W @ arrivals``
    each step (plus the constant ``scale b``), ``v = max(v + J dt, 0)``, a spike
    when ``v > 1`` (then ``v = 0``). No weight rounding.
    """
    n = len(images)
    current = np.tile(scale * weights.hidden_b, (n, 1)).astype(np.float64)
    v = np.zeros_like(current)
    counts = np.zeros_like(current)
    steps = code.spike_steps(images)
    for s in range(code.window):
        current += scale * (steps == s).astype(np.float64) @ weights.hidden_w.T
        v = np.maximum(v + current * dt, 0)
        spiked = v > 1
        counts += spiked
        v[spiked] = 0
    return counts


def readout(weights, counts, window, *, scale, dt=0.001):
    """The output layer (on the host) of hidden spike counts: ``(n, 10)``, averaged over the
    window as the rate mapping's readout is."""
    return counts @ weights.output_w.T / (window * dt * scale) + weights.output_b
