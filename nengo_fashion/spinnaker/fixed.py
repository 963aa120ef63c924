"""SpiNNaker's fixed-point numbers, as sPyNNaker 7.4.1 writes them.

Read off sPyNNaker's source (``spynnaker/pyNN/models/neuron/population_vertex.py``,
``synapse_io.py``, ``synapse_dynamics_static.py``) and checked on a virtual board, where
``Projection.get("weight")`` gives the weights decoded from the synaptic rows it generated
(`nengo_fashion.spinnaker.board` does that check for every model it maps):

* **neuron parameters** (offset current, threshold, time constants) are ``S16.15``
  numbers: rounded to the nearest multiple of ``2**-15``, ties to even (`real`);
* **weights** are 16-bit magnitudes with one left shift ``s`` per population and
  receptor (`ring_buffer_shift`): the neuron sees ``rint(|w| * 2**(15 - s)) * 2**(s - 15)``
  (`weights`). ``s`` is the smallest ``s >= 0`` with ``max_summed < 2**s``, where
  ``max_summed`` is the most that one time step's arrivals can add up to on one neuron
  (sPyNNaker's ``max_expected_summed_weight``, which the mapping gives it: the exact
  worst case, so that the 16-bit sums of a step never saturate).
"""

import numpy as np

REAL_BITS = 15
"""Fraction bits of SpiNNaker's ``S16.15`` ("REAL") numbers."""

REAL_MAX = 2.0**16 - 2.0**-REAL_BITS
"""The largest ``S16.15`` number."""

RECEPTORS = {"excitatory": 1, "inhibitory": -1}
"""Each receptor and the sign of the weights it carries (a synapse holds a magnitude)."""


def real(x):
    """``x`` on SpiNNaker's ``S16.15`` grid (nearest, ties to even); ``abs(x)`` must fit."""
    x = np.asarray(x, np.float64)
    if np.any(np.abs(x) > REAL_MAX):
        raise ValueError(f"{np.abs(x).max():g} does not fit SpiNNaker's S16.15 numbers")
    return np.rint(x * 2.0**REAL_BITS) / 2.0**REAL_BITS


def max_summed(weights, sign):
    """The most that one step's arrivals of one sign add up to on one neuron (each source
    spikes at most once a step, every delay is 1 step): ``max_j sum_i |w_ji|`` over the
    ``(post, pre)`` weights of that sign."""
    part = np.where(np.sign(weights) == sign, np.abs(weights), 0.0)
    return float(part.sum(axis=1).max()) if part.size else 0.0


def ring_buffer_shift(max_summed_weight):
    """sPyNNaker's ring-buffer left shift for a receptor whose step sums reach at most
    ``max_summed_weight``: the smallest ``s >= 0`` with ``max_summed_weight < 2**s``."""
    if max_summed_weight <= 0:
        return 0
    shift = int(np.ceil(max(0.0, np.log2(max_summed_weight))))
    return shift + 1 if 2.0**shift <= max_summed_weight else shift


def weights(w):
    """``(post, pre)`` weights as SpiNNaker holds them, and the shifts used.

    Returns
    -------
    quantised : numpy.ndarray
        The weights on their receptor's grid (a weight that rounds to 0 is no synapse).
    shifts : dict
        ``{receptor: {"max_summed_weight": float, "shift": int, "step": float}}``.
    """
    w = np.asarray(w, np.float64)
    out = np.zeros_like(w)
    shifts = {}
    for receptor, sign in RECEPTORS.items():
        summed = max_summed(w, sign)
        shift = ring_buffer_shift(summed)
        scale = 2.0 ** (REAL_BITS - shift)
        mask = np.sign(w) == sign
        out[mask] = sign * np.rint(np.abs(w[mask]) * scale) / scale
        shifts[receptor] = {"max_summed_weight": summed, "shift": shift, "step": 1.0 / scale}
    return out, shifts
