"""The few-step QCFS family: the SNN's spike counts are the ANN's quantised activations."""

import nengo
import numpy as np
import pytest

from nengo_fashion.config import SpikeSettings, make_config
from nengo_fashion.data import FashionMNIST
from nengo_fashion.families import get_family
from nengo_fashion.inference.engine import RunOptions, run_spiking
from nengo_fashion.neurons.qcfs import QuantizedReLU, SpikingQuantizedReLU


@pytest.fixture(scope="module")
def qcfs_weights(fashion):
    """A qcfs8 net trained for 2 epochs on 5,000 real images (about 83 % on validation)."""
    from nengo_fashion.train import fit

    small = FashionMNIST(fashion.train, fashion.val.subset(500), fashion.test, fashion.source)
    config = make_config("thesis", neuron="qcfs8", epochs=2, n_train=5000)
    weights, _, sim = fit(config, small, log=lambda s: None)
    sim.close()
    return weights


def test_activation_by_hand():
    neuron = QuantizedReLU(levels=4, max_rate=1000.0, amplitude=0.001)
    J = np.array([-1.0, 0.0, 0.12, 0.13, 0.5, 0.99, 1.0, 3.0])
    # clip(floor(4 J + 1/2), 0, 4) / 4, times amplitude x max_rate = 1
    expected = np.array([0, 0, 0, 0.25, 0.5, 1.0, 1.0, 1.0])
    assert np.allclose(neuron.rates(J, gain=np.ones(1), bias=np.zeros(1)).ravel(), expected)


@pytest.mark.parametrize("engine", ["nengo_dl", "auto"])
@pytest.mark.parametrize("levels", [4, 8])
def test_spike_count_is_the_quantised_activation(qcfs_weights, fashion, engine, levels):
    """Over T = L steps of 1 ms from v = 1/2, each neuron emits L * q(J) spikes, on real
    images, so the spiking net predicts exactly what the rate net does."""
    family = get_family(f"qcfs{levels}")
    images = fashion.test.images[:300]
    s = SpikeSettings(dt=0.001, steps=levels, scale=1.0)
    r = run_spiking(qcfs_weights, family, images, s, RunOptions(keep_outputs=True, engine=engine))
    J = images @ qcfs_weights.hidden_w.T + qcfs_weights.hidden_b
    counts = r.spikes.sum(axis=1)
    expected = np.clip(np.floor(J * levels + 0.5), 0, levels)
    # float32 currents within 1e-5 of a level boundary may round either way
    safe = np.abs(J * levels + 0.5 - np.round(J * levels + 0.5)) > 1e-4
    assert safe.mean() > 0.99
    assert np.array_equal(counts[safe], expected[safe])
    rate = qcfs_weights.forward(images, family)
    assert np.allclose(r.outputs.mean(axis=1), rate, atol=1e-4)
    assert np.mean(r.predictions == rate.argmax(axis=1)) >= 0.99


def test_at_most_one_spike_per_step(qcfs_weights, fashion):
    family = get_family("qcfs8")
    s = SpikeSettings(dt=0.001, steps=20, scale=1.0)
    kept = RunOptions(keep_outputs=True)
    r = run_spiking(qcfs_weights, family, fashion.test.images[:50], s, kept)
    assert r.spikes.max() == 1 and r.spikes.min() == 0


def _nengo_dl_rate_and_gradient(neuron_type, J):
    """A layer of ``neuron_type`` (gain 1, bias 0) fed ``J`` in NengoDL, in training mode:
    its output and the gradient of the output's sum with respect to ``J``."""
    import nengo
    import tensorflow as tf

    from nengo_fashion.inference.dl import make_simulator

    with nengo.Network(seed=0) as net:
        inp = nengo.Node(np.zeros(len(J)))
        ens = nengo.Ensemble(
            len(J),
            1,
            neuron_type=neuron_type,
            gain=nengo.dists.Choice([1.0]),
            bias=nengo.dists.Choice([0.0]),
        )
        nengo.Connection(inp, ens.neurons, synapse=None)
        nengo.Probe(ens.neurons, synapse=None)
    with make_simulator(net, minibatch_size=1) as sim:
        x = tf.constant(np.asarray(J, np.float32)[None, None, :])
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = sim.keras_model([x, tf.constant([[1]])], training=True)[0]
            total = tf.reduce_sum(out)
        grad = tape.gradient(total, x)  # None where nothing passes a gradient
    grad = np.zeros(len(J)) if grad is None else grad.numpy().ravel()
    return out.numpy().ravel(), grad


def test_training_gradient_is_straight_through():
    """NengoDL's QCFS builder: q(J) forward, the gradient of clip(J, 0, 1) backward."""
    J = np.array([-0.5, 0.1, 0.37, 0.5, 0.9, 1.5, 3.0])
    out, grad = _nengo_dl_rate_and_gradient(QuantizedReLU(levels=4, amplitude=0.001), J)
    # forward: clip(floor(4 J + 1/2), 0, 4) / 4, times amplitude x max_rate = 1
    assert np.allclose(out, [0, 0, 0.25, 0.5, 1, 1, 1])
    # backward: straight through the floor (whose own gradient is 0 everywhere), as the
    # gradient of clip(J, 0, 1): 1 inside (0, 1) even where q(J) = 0 (J 0.1), 0 outside
    assert np.allclose(grad, [0, 1, 1, 1, 1, 0, 0])
    # a stand-in that would train too, ReLU's gradient, is 1 above J = 1 as well
    _, relu = _nengo_dl_rate_and_gradient(nengo.RectifiedLinear(), J)
    assert np.allclose(relu, [0, 1, 1, 1, 1, 1, 1])
    assert not np.allclose(grad, relu)


def test_spiking_type_default_state():
    neuron = SpikingQuantizedReLU(levels=8)
    assert neuron.state["voltage"].sample(3).tolist() == [0.5, 0.5, 0.5]
    assert get_family("qcfs8").neuron_type(spiking=True).levels == 8
    assert make_config("best", neuron="qcfs8").spiking.steps == 8
