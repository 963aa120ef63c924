"""Few-step spiking: the quantisation-clip-floor-shift (QCFS) activation and its IF neuron.

Bu et al. (ICLR 2022, "Optimal ANN-SNN conversion for high-accuracy and
ultra-low-latency spiking neural networks") train the ANN with

    a(x) = theta / L * clip(floor(x * L / theta + 1/2), 0, L)

(L levels, threshold theta) and run the SNN for T = L steps with integrate-and-fire
neurons whose voltage starts at theta / 2. For a neuron driven by a constant input
``x`` per step, the spike count over those T steps is then exactly
``clip(floor(T x / theta + 1/2), 0, T)``: the SNN computes the ANN's activation
with no conversion error.

Here, in Nengo's units (threshold 1, ``J`` the neuron's input current):

- `QuantizedReLU` (rate, trained in NengoDL): rate ``max_rate * q(J)`` with
  ``q(J) = clip(floor(J * levels + 1/2), 0, levels) / levels``, in Hz; its NengoDL
  builder passes the gradient of ``clip(J, 0, 1)`` straight through the floor;
- `SpikingQuantizedReLU` (inference): integrate-and-fire, ``v += max(J, 0) * max_rate
  * dt``, one spike when ``v >= 1`` (``v -= 1``), at most one spike per step, the
  voltage starting at 1/2 for every image.

With ``max_rate * dt = 1`` (1000 Hz at dt = 1 ms) and ``levels`` steps the spike
count of every neuron is ``levels * q(J)``: the identity tested in
``tests/test_qcfs.py`` on real images. The threshold theta is 1: a trainable
threshold is a per-layer scale that the input weights and biases (divided by
theta) and the output weights (times theta) absorb exactly, so it adds nothing
the trained weights cannot already express.

The families ``qcfs4``, ``qcfs8`` and ``qcfs16`` (levels 4, 8, 16) are in
`nengo_fashion.families.FAMILIES`; their default spiking setting is ``levels`` steps
of 1 ms. NengoDL runs them with the builders in
`nengo_fashion.inference.dl_builders`, the numpy executor with its kernel in
`nengo_fashion.inference.executor.KERNELS`.
"""

import nengo
import numpy as np
from nengo.params import IntParam, NumberParam

MAX_RATE = 1000.0
"""Hz: one spike per step at dt = 1 ms."""


class QuantizedReLU(nengo.RectifiedLinear):
    """The QCFS activation as a Nengo rate neuron: ``max_rate * q(J)`` Hz.

    Parameters
    ----------
    levels : int
        Quantisation levels L (and the steps of the spiking version).
    max_rate : float
        Rate at ``J >= 1``, in Hz.
    amplitude : float
        Scale of the output (``amplitude * rate``).
    """

    levels = IntParam("levels", low=1)
    max_rate = NumberParam("max_rate", low=0, low_open=True)

    def __init__(self, levels=8, max_rate=MAX_RATE, amplitude=1.0, initial_state=None):
        super().__init__(amplitude=amplitude, initial_state=initial_state)
        self.levels = levels
        self.max_rate = max_rate

    def quantized(self, J):
        """``q(J) = clip(floor(J * levels + 1/2), 0, levels) / levels``."""
        return np.clip(np.floor(J * self.levels + 0.5), 0, self.levels) / self.levels

    def step(self, dt, J, output):
        output[...] = self.amplitude * self.max_rate * self.quantized(J)


class SpikingQuantizedReLU(QuantizedReLU):
    """Integrate-and-fire with at most one spike per step, started at half threshold.

    ``v += max(J, 0) * max_rate * dt``; a spike when ``v >= 1``, then ``v -= 1``.
    Over ``levels`` steps of ``1 / max_rate`` seconds it emits ``levels * q(J)``
    spikes (`QuantizedReLU`).
    """

    spiking = True
    state = {"voltage": nengo.dists.Choice([0.5])}

    def step(self, dt, J, output, voltage):
        voltage += np.maximum(J, 0) * (self.max_rate * dt)
        spiked = voltage >= 1
        output[...] = spiked * (self.amplitude / dt)
        voltage -= spiked
