"""The SpiNNaker model (`nengo_fashion.spinnaker.mapping.Plan`) in numpy: the reference.

It computes, image by image (vectorised over images), what the PyNN model of
`nengo_fashion.spinnaker.pynn` computes in a PyNN simulator, with the same cells, the same
quantised weights and the same order of operations within a time step. PyNN's software
simulator (Brian 2) does, in each 1 ms step ``t`` of an image (``ORDER = "pynn"``):

1. at ``t = 0`` the hidden voltages are reset to 0;
2. every voltage decays and integrates its offset current (the exact solution of
   ``dv/dt = -v / tau_m + i_offset / cm`` over a step);
3. a hidden cell whose voltage is at its threshold or above spikes;
4. the spikes sent one step before arrive: each adds its weight to its target's voltage;
5. a cell that spiked is reset to 0 (what arrived in its spiking step is lost);
6. at ``t = 0``, after the arrivals, the output voltages are reset to 0 (the hidden spikes
   of the previous image's last step arrive then, and are dropped).

The readout of an image is the output voltages at the end of its last step.

SpiNNaker's own cells (sPyNNaker's C code, ``neuron_model_lif_impl.h``) compute the same
step differently (``semantics="spinnaker"``): the arrivals are added *before* the threshold
test (an input counts one step earlier), and the decay is the chip's fixed-point one, which
for a ``tau_m`` that is a power of two keeps ``1 - dt / tau_m`` and gives the input a gain
of exactly 1. `SEMANTICS` holds both; the PyNN simulation is compared with the first, the
second is what the chip computes (up to its rounding of each voltage to ``2**-15`` mV).
"""

import math

import numpy as np

from .mapping import CM, DT_MS, TAU_M

SEMANTICS = {
    # name: (arrivals before the threshold test, voltage kept a step, gain of a current)
    "pynn": (False, math.exp(-DT_MS / TAU_M), (TAU_M / CM) * -math.expm1(-DT_MS / TAU_M)),
    "spinnaker": (True, 1.0 - DT_MS / TAU_M, 1.0),
}
"""How a time step is computed: by PyNN's Brian 2 (exact exponential integration), or by
SpiNNaker's cells (`TAU_M` is a power of two: the chip's decay is exact)."""


def run(plan, spikes, *, semantics="pynn"):
    """Run images through ``plan``.

    Parameters
    ----------
    plan : nengo_fashion.spinnaker.mapping.Plan
    spikes : numpy.ndarray
        ``(steps, n, 784)`` booleans, `nengo_fashion.spinnaker.mapping.input_spikes`.
    semantics : {"pynn", "spinnaker"}
        How a step is computed (`SEMANTICS`).

    Returns
    -------
    dict
        ``readout`` (n, 10) output voltages (mV) at the end of each image,
        ``hidden_counts`` (n, 128) and ``input_counts`` (n, 784) spikes per cell.
    """
    if semantics not in SEMANTICS:
        raise ValueError(f"semantics must be one of {tuple(SEMANTICS)}, got {semantics!r}")
    early, kept, per_na = SEMANTICS[semantics]
    steps, n, _ = spikes.shape
    h_offset = plan.hidden_i * per_na
    o_offset = plan.output_i * per_na
    v_h = np.zeros((n, plan.hidden_w.shape[0]))
    v_o = np.zeros((n, plan.output_w.shape[0]))
    counts = np.zeros(v_h.shape, dtype=np.int32)
    previous = np.zeros(v_h.shape)  # the hidden spikes of the step before
    for t in range(steps):
        v_h = v_h * kept + h_offset
        arriving = spikes[t - 1] @ plan.hidden_w.T if t >= 1 else 0.0
        if early:
            v_h += arriving
            fired = v_h >= plan.v_thresh
        else:
            fired = v_h >= plan.v_thresh
            v_h += arriving
        v_h[fired] = 0.0
        counts += fired
        if t >= 1:
            v_o = v_o * kept + o_offset + previous @ plan.output_w.T
        previous = fired.astype(np.float64)
    return {
        "readout": v_o,
        "hidden_counts": counts,
        "input_counts": spikes.sum(axis=0, dtype=np.int32),
    }


def synaptic_events(plan, hidden_counts, input_counts):
    """Synaptic events per image: each spike times its cell's non-zero fan-out (the synapses
    the PyNN model holds; a weight quantised to 0 is not one)."""
    fan_in = np.count_nonzero(plan.hidden_w, axis=0)  # (784,) hidden targets per pixel
    fan_out = np.count_nonzero(plan.output_w, axis=0)  # (128,) output targets per hidden cell
    return input_counts @ fan_in + hidden_counts @ fan_out
