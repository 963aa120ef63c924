import numpy as np
import pytest

from nengo_fashion.errors import ConfigError, RunError
from nengo_fashion.families import FAMILIES, get_family
from nengo_fashion.network import N_HIDDEN, NetworkSpec, Weights, build_network


@pytest.mark.parametrize("family", ["relu", "lif"])
@pytest.mark.parametrize("spiking", [False, True])
def test_shapes_and_types(family, spiking):
    net = build_network(None, family, NetworkSpec(spiking=spiking, probe_hidden=True))
    fam = FAMILIES[family]
    assert type(net.hidden.neuron_type) is (fam.spiking if spiking else fam.rate)
    assert net.inp.size_out == 784
    assert net.hidden.n_neurons == N_HIDDEN
    assert net.out.size_in == 10
    assert net.conn_hidden.transform.init.shape == (128, 784)
    assert net.conn_out.transform.init.shape == (10, 128)
    assert net.conn_bias.transform.init.shape == (10, 1)
    assert net.p_hidden is not None


@pytest.mark.parametrize("family", ["relu", "lif"])
def test_nengo_rate_net_matches_numpy(family, Simulator, rng, allclose):
    weights = Weights.glorot(seed=1)
    weights = Weights(
        weights.hidden_w * 3, rng.uniform(-1, 2, 128), weights.output_w, rng.uniform(-1, 1, 10)
    )
    image = rng.uniform(0, 1, 784)
    net = build_network(weights, family, NetworkSpec(input_output=image))
    with Simulator(net, progress_bar=False) as sim:
        sim.step()
    assert allclose(sim.data[net.p_out][0], weights.forward(image[None], family)[0], atol=1e-4)


def test_scale_preserves_relu_rate_function(Simulator, rng, allclose):
    weights = Weights.glorot(seed=2)
    image = rng.uniform(0, 1, 784)
    outs = []
    for scale in (1.0, 37.0):
        net = build_network(weights, "relu", NetworkSpec(scale=scale, input_output=image))
        with Simulator(net, progress_bar=False) as sim:
            sim.step()
        outs.append(sim.data[net.p_out][0])
    assert allclose(outs[0], outs[1], atol=1e-6)


def test_spiking_relu_approaches_rate(Simulator, rng, allclose, plt):
    """Averaged over 1 s at scale 100, spiking ReLU output is within 2 % of the rate's."""
    weights = Weights.glorot(seed=3)
    image = rng.uniform(0, 1, 784)
    rate = weights.forward(image[None], "relu")[0]
    spec = NetworkSpec(spiking=True, scale=100, input_output=image)
    net = build_network(weights, "relu", spec)
    with Simulator(net, progress_bar=False) as sim:
        sim.run(1.0)
    spiking = sim.data[net.p_out].mean(axis=0)
    plt.plot(rate, "o", label="rate")
    plt.plot(spiking, "x", label="spiking, mean over 1 s")
    plt.legend()
    assert allclose(spiking, rate, atol=0.02 * np.abs(rate).max())


def test_weights_shape_check():
    w = Weights.glorot()
    with pytest.raises(RunError, match="hidden_w.*shape"):
        Weights(w.hidden_w.T, w.hidden_b, w.output_w, w.output_b)


def test_weights_save_load(tmp_path):
    w = Weights.glorot(seed=4)
    w.save(tmp_path / "w.npz")
    w2 = Weights.load(tmp_path / "w.npz")
    assert all(np.array_equal(getattr(w, k), getattr(w2, k)) for k in Weights.SHAPES)
    with pytest.raises(RunError, match="not found"):
        Weights.load(tmp_path / "missing.npz")
    np.savez(tmp_path / "bad.npz", hidden_w=w.hidden_w)
    with pytest.raises(RunError, match="lacks"):
        Weights.load(tmp_path / "bad.npz")


def test_forward_checks_shape():
    with pytest.raises(ConfigError, match="784"):
        Weights.glorot().forward(np.zeros((2, 28, 28)))


def test_unknown_family():
    with pytest.raises(ConfigError, match="relu, lif"):
        get_family("izhikevich")
    with pytest.raises(ConfigError):
        build_network(family="tanh")
