"""Synaptic operations, counted on a tiny hand-made network whose count is known."""

import nengo
import numpy as np
import pytest

from nengo_fashion.inference import synops


def test_tiny_network_count_by_hand():
    """2 input neurons fan out to 3 hidden neurons, which fan out to 2 outputs.

    Spiking ReLUs starting at v = 0 with constant currents of 250 and 125 Hz emit
    floor(20 steps x 1 ms x rate) = 5 and 2 spikes in 20 steps; the hidden neurons
    get a constant 375 Hz current each and emit 7 spikes (rates whose per-step
    increments are exact binary fractions). Synops: (5 + 2) x 3 + 3 x 7 x 2 = 21 + 42 = 63.
    """
    zero = {"voltage": nengo.dists.Choice([0.0])}
    with nengo.Network(seed=0) as net:
        inp = nengo.Ensemble(
            2,
            1,
            neuron_type=nengo.SpikingRectifiedLinear(initial_state=zero),
            gain=nengo.dists.Choice([1.0]),
            bias=[250.0, 125.0],
        )
        hidden = nengo.Ensemble(
            3,
            1,
            neuron_type=nengo.SpikingRectifiedLinear(initial_state=zero),
            gain=nengo.dists.Choice([1.0]),
            bias=nengo.dists.Choice([375.0]),
        )
        out = nengo.Node(size_in=2)
        # the weights carry no current (zero), so the hidden rates stay known; the
        # fan-out is what the count is about
        nengo.Connection(inp.neurons, hidden.neurons, transform=np.zeros((3, 2)))
        nengo.Connection(hidden.neurons, out, transform=np.zeros((2, 3)))
        p_in = nengo.Probe(inp.neurons)
        p_hid = nengo.Probe(hidden.neurons)
    with nengo.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(20)
    in_spikes = np.rint(sim.data[p_in] * sim.dt).sum(axis=0)
    hid_spikes = np.rint(sim.data[p_hid] * sim.dt).sum(axis=0)
    assert in_spikes.tolist() == [5, 2] and hid_spikes.tolist() == [7, 7, 7]
    n = synops.synops(
        {"input": in_spikes.sum(), "hidden": hid_spikes.sum()}, {"input": 3, "hidden": 2}
    )
    assert n == 63


def test_count_for_the_network():
    c = synops.count(input_spikes=392, hidden_spikes=100, steps=16)
    assert c["dense_macs_per_image"] == 784 * 128 + 128 * 10 == 101632
    assert c["synops_per_image"] == 392 * 128 + 100 * 10
    assert c["synops_ratio"] == pytest.approx((392 * 128 + 1000) / 101632)
    assert c["steps"] == 16


def test_unknown_layer():
    with pytest.raises(ValueError, match="fan-out"):
        synops.synops({"output": 3}, synops.FAN_OUT)
