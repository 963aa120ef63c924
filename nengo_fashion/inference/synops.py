"""Synaptic operations: the one counter of what a spiking inference costs.

A synaptic operation (synop) is one spike reaching one synapse. In the 784-128-10
network every input spike reaches the 128 hidden neurons and every hidden spike
the 10 outputs, so per image::

    synops = input spikes x 128 + hidden spikes x 10

The output layer counts wherever it runs (on the chip or on the host). The dense
network does ``784 x 128 + 128 x 10 = 101,632`` multiply-accumulates per image
(`DENSE_MACS`), whatever its input: spiking is cheaper only where ``synops`` is
below that (``synops_ratio < 1``). Every command that reports synops
(``python -m loihi``, the energy estimate, the efficiency study) calls `count`.
"""

from ..data import N_CLASSES, N_PIXELS
from ..network import N_HIDDEN

FAN_OUT = {"input": N_HIDDEN, "hidden": N_CLASSES}
"""Synapses each spike of a layer reaches."""

DENSE_MACS = N_PIXELS * N_HIDDEN + N_HIDDEN * N_CLASSES
"""Multiply-accumulates of the dense 784-128-10 network per image (101,632)."""


def synops(spikes, fan_out):
    """Synaptic operations of spikes: ``sum over layers of spikes x fan-out``.

    Parameters
    ----------
    spikes : dict
        Layer name -> spikes (per image, or in all).
    fan_out : dict
        Layer name -> synapses each of its spikes reaches.
    """
    missing = set(spikes) - set(fan_out)
    if missing:
        raise ValueError(f"no fan-out given for layer(s) {sorted(missing)}")
    return sum(float(n) * fan_out[layer] for layer, n in spikes.items())


def count(input_spikes_per_image, hidden_spikes_per_image, steps):
    """The synop keys that ``loihi.json`` (and every efficiency report) carries.

    Parameters
    ----------
    input_spikes_per_image, hidden_spikes_per_image : float
        Mean spikes per image of the input and the hidden layer.
    steps : int
        Timesteps per image.

    Returns
    -------
    dict
        ``synops_per_image``, ``input_synops_per_image``, ``hidden_synops_per_image``,
        ``dense_macs_per_image`` (101,632), ``synops_ratio`` (synops / dense MACs)
        and ``steps``.
    """
    inp = synops({"input": input_spikes_per_image}, FAN_OUT)
    hid = synops({"hidden": hidden_spikes_per_image}, FAN_OUT)
    return {
        "synops_per_image": inp + hid,
        "input_synops_per_image": inp,
        "hidden_synops_per_image": hid,
        "dense_macs_per_image": DENSE_MACS,
        "synops_ratio": (inp + hid) / DENSE_MACS,
        "steps": int(steps),
    }
