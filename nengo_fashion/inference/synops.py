"""Synaptic operations: the one counter of what a spiking inference costs, and of
what the ANNs it is compared with cost.

A synaptic operation (synop) is one spike reaching one non-zero synapse. In the
784-128-10 network an input spike of pixel i reaches the non-zero weights of
column i of the first layer (128 of them in a dense network) and a hidden
spike of neuron j the non-zero weights of column j of the output layer (10), so
per image::

    synops = sum_i input spikes_i x nnz(W1[:, i]) + sum_j hidden spikes_j x nnz(W2[:, j])

which for dense weights is ``input spikes x 128 + hidden spikes x 10``. The
output layer counts wherever it runs (on the chip or on the host).

The baselines, counted the same way on the same weights (`ann_macs`):

* the **dense** network does ``784 x 128 + 128 x 10 = 101,632``
  multiply-accumulates per image (`DENSE_MACS`), whatever its input and weights;
* a **zero-skipping** network does a multiply-accumulate only for a non-zero
  input and a non-zero weight: ``sum_{i: x_i != 0} nnz(W1[:, i]) + sum_{j: h_j != 0}
  nnz(W2[:, j])``, with ``h`` the rate network's hidden activations. This is the
  baseline a spiking network must beat to claim that its sparsity pays: an ANN
  accelerator can skip zeros too.

Every command that reports synops (``python -m loihi``, ``loihi.tune``, the energy
estimate, the efficiency study) calls `count`.
"""

import numpy as np

from ..data import N_CLASSES, N_PIXELS
from ..weights import N_HIDDEN

FAN_OUT = {"input": N_HIDDEN, "hidden": N_CLASSES}
"""Synapses each spike of a layer reaches in the dense network."""

DENSE_MACS = N_PIXELS * N_HIDDEN + N_HIDDEN * N_CLASSES
"""Multiply-accumulates of the dense 784-128-10 network per image (101,632)."""


def synops(spikes, fan_out):
    """Synaptic operations of spikes: ``sum over layers of spikes x fan-out``.

    Parameters
    ----------
    spikes : dict
        Layer name -> spikes (per image, or in all), or per neuron (the last axis).
    fan_out : dict
        Layer name -> synapses each of its spikes reaches: a number, or one per
        neuron of the layer.
    """
    missing = set(spikes) - set(fan_out)
    if missing:
        raise ValueError(f"no fan-out given for layer(s) {sorted(missing)}")
    total = 0.0
    for layer, n in spikes.items():
        total += float(np.sum(np.asarray(n, dtype=np.float64) * fan_out[layer]))
    return total


def fan_outs(weights):
    """Non-zero synapses each neuron's spike reaches: ``{"input": (784,), "hidden": (128,)}``.

    Parameters
    ----------
    weights : nengo_fashion.network.Weights
    """
    return {
        "input": np.count_nonzero(weights.hidden_w, axis=0),
        "hidden": np.count_nonzero(weights.output_w, axis=0),
    }


def count(input_spikes, hidden_spikes, steps, *, weights=None):
    """The synop keys that ``loihi.json`` (and every efficiency report) carries.

    Parameters
    ----------
    input_spikes, hidden_spikes : float or array_like
        Spikes of the input and the hidden layer: the mean per image (dense fan-out
        only), or per image and neuron, ``(n, 784)`` and ``(n, 128)``.
    steps : int
        Timesteps per image.
    weights : nengo_fashion.network.Weights, optional
        Count each spike at its neuron's non-zero fan-out (`fan_outs`); needs
        per-neuron spikes. None: the dense fan-out (`FAN_OUT`).

    Returns
    -------
    dict
        ``synops_per_image``, ``input_synops_per_image``, ``hidden_synops_per_image``,
        ``dense_macs_per_image`` (101,632), ``synops_ratio`` (synops / dense MACs)
        and ``steps``.
    """
    input_spikes = np.asarray(input_spikes, dtype=np.float64)
    hidden_spikes = np.asarray(hidden_spikes, dtype=np.float64)
    per_neuron = input_spikes.ndim == 2 and hidden_spikes.ndim == 2
    if per_neuron and (
        input_spikes.shape[1] != N_PIXELS
        or hidden_spikes.shape[1] != N_HIDDEN
        or len(input_spikes) != len(hidden_spikes)
    ):
        raise ValueError(
            "spikes per neuron must be (n, 784) and (n, 128), got "
            f"{input_spikes.shape} and {hidden_spikes.shape}"
        )
    if weights is not None and not per_neuron:
        raise ValueError("counting at each neuron's fan-out needs spikes per image and neuron")
    if not per_neuron and (input_spikes.ndim or hidden_spikes.ndim):
        raise ValueError("give the mean spikes per image (numbers) or spikes per neuron")
    fan = FAN_OUT if weights is None else fan_outs(weights)
    per_image = len(input_spikes) if per_neuron else 1
    inp = synops({"input": input_spikes}, fan) / per_image
    hid = synops({"hidden": hidden_spikes}, fan) / per_image
    return {
        "synops_per_image": inp + hid,
        "input_synops_per_image": inp,
        "hidden_synops_per_image": hid,
        "dense_macs_per_image": DENSE_MACS,
        "synops_ratio": (inp + hid) / DENSE_MACS,
        "steps": int(steps),
    }


def ann_macs(images, hidden, weights):
    """Multiply-accumulates per image of the ANN baselines on ``weights``.

    Parameters
    ----------
    images : array_like
        ``(n, 784)`` inputs.
    hidden : array_like
        ``(n, 128)`` hidden activations of the rate network on them.
    weights : nengo_fashion.network.Weights

    Returns
    -------
    dict
        ``dense_macs_per_image`` (101,632), ``zero_skip_macs_per_image`` (the mean of
        non-zero inputs x the non-zero weights they reach, plus non-zero hidden
        activations x the non-zero output weights they reach),
        ``nonzero_inputs_per_image`` and ``nonzero_hidden_per_image``.
    """
    x_on = np.asarray(images) != 0
    h_on = np.asarray(hidden) != 0
    fan = fan_outs(weights)
    per_image = x_on @ fan["input"] + h_on @ fan["hidden"]
    return {
        "dense_macs_per_image": DENSE_MACS,
        "zero_skip_macs_per_image": float(per_image.mean()),
        "nonzero_inputs_per_image": float(x_on.sum(axis=1).mean()),
        "nonzero_hidden_per_image": float(h_on.sum(axis=1).mean()),
    }
