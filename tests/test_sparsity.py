"""Pruned first layers: the training option, exact zeros in every engine, and the counts.

What a broken implementation would get past each test is named in its docstring.
"""

import json

import nengo
import numpy as np
import pytest

from nengo_fashion.config import SpikeSettings, make_config
from nengo_fashion.errors import ConfigError
from nengo_fashion.families import get_family
from nengo_fashion.inference import energy
from nengo_fashion.inference.synops import DENSE_MACS, ann_macs, count, fan_outs
from nengo_fashion.network import NetworkSpec, Weights, build_network
from nengo_fashion.sparsity import pruning


def sparse_weights(seed=0, keep=0.25):
    """Glorot weights with all but ``keep`` of the first layer zeroed at random places."""
    w = Weights.glorot(seed)
    rng = np.random.RandomState(seed)
    hidden_w = w.hidden_w * (rng.rand(*w.hidden_w.shape) < keep)
    return Weights(hidden_w=hidden_w, hidden_b=w.hidden_b, output_w=w.output_w, output_b=w.output_b)


# --- the schedule and the mask -------------------------------------------------------


@pytest.mark.parametrize("keep, epochs", [(0.2, 40), (0.1, 5), (0.5, 1), (0.3, 2)])
def test_schedule_ramps_down_to_keep_in_the_first_half(keep, epochs):
    """A schedule that pruned all at once, never reached ``keep`` or went on pruning after
    the first half would fail."""
    s = pruning.schedule(keep, epochs)
    ramp = int(np.ceil(epochs / 2))
    assert len(s) == epochs
    assert np.all(np.diff(s) <= 0)
    assert s[ramp - 1] == pytest.approx(keep) and np.allclose(s[ramp - 1 :], keep)
    if ramp > 1:
        assert s[0] > keep  # gradual: the first step does not prune all
        # Zhu & Gupta's cubic: sparsity(1) = s_f (1 - (1 - 1/ramp)^3)
        assert 1 - s[0] == pytest.approx((1 - keep) * (1 - (1 - 1 / ramp) ** 3))


def test_schedule_without_pruning_and_bad_fractions():
    assert np.all(pruning.schedule(1.0, 7) == 1.0)
    for bad in (0, -0.1, 1.5, float("nan")):
        with pytest.raises(ConfigError, match="kept fraction"):
            pruning.schedule(bad, 4)
    with pytest.raises(ConfigError, match="prune_keep must be in"):
        make_config("thesis", prune_keep=1.5)


def test_magnitude_mask_keeps_exactly_the_largest():
    """Keeping the wrong weights (smallest, signed) or a count off by ties would fail."""
    w = np.array([[0.5, -3.0, 0.1], [2.0, -0.2, 0.0]])
    mask = pruning.magnitude_mask(w, 0.5)
    assert mask.tolist() == [[True, True, False], [True, False, False]]
    ties = np.ones((10, 10))
    assert pruning.magnitude_mask(ties, 0.37).sum() == 37
    assert pruning.n_kept(0.2, 100352) == 20070


# --- training -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pruned_run(fashion, tmp_path_factory):
    from nengo_fashion.train import train

    config = make_config("thesis", epochs=3, n_train=1280, prune_keep=0.25, seed=0)
    out = tmp_path_factory.mktemp("pruned")
    return train(config, fashion, out=out, name="pruned", log=lambda line: None)


def test_training_keeps_the_asked_fraction_as_exact_zeros(pruned_run):
    """The kept fraction is what was asked, to the weight; pruned weights are exact +0.0;
    the output layer is not pruned; the run records it (a run that pruned nothing, pruned
    the wrong layer or left -0.0 or tiny values would fail)."""
    w = Weights.load(pruned_run / "weights.npz")
    assert np.count_nonzero(w.hidden_w) == pruning.n_kept(0.25, 128 * 784) == 25088
    zeros = w.hidden_w[w.hidden_w == 0]
    assert not np.signbit(zeros).any()
    assert np.count_nonzero(w.output_w) == w.output_w.size
    config = json.loads((pruned_run / "config.json").read_text())
    assert config["prune_keep"] == 0.25
    results = json.loads((pruned_run / "results.json").read_text())
    kept = results["history"]["kept"]
    assert kept[-1] == pytest.approx(25088 / 100352) and kept[0] > kept[-1]


def test_masked_weights_stay_zero_inside_every_step(fashion):
    """The mask holds through an epoch of AdamW steps with weight decay, not only at the
    epoch's end: the control (the same training without the masking optimiser) moves the
    same weights away from zero, so a mask that is only applied between epochs fails."""
    import tensorflow as tf

    from nengo_fashion.inference.dl import make_simulator
    from nengo_fashion.sparsity.pruning import LayerMask, masked_optimizer
    from nengo_fashion.train import readout_loss

    x = fashion.train.images[:256]
    y = fashion.train.labels[:256]

    def one_epoch(masking):
        tf.keras.utils.set_random_seed(0)
        net = build_network(None, "relu", NetworkSpec(seed=0))
        with make_simulator(net, minibatch_size=32, dt=0.001) as sim:
            mask = LayerMask(sim, net.conn_hidden)
            keep = pruning.magnitude_mask(mask.values(), 0.3)
            mask.set(keep)
            assert np.all(mask.values()[~keep] == 0)
            masks = [mask] if masking else []
            cls = tf.keras.optimizers.AdamW
            opt = masked_optimizer(cls, masks, 1e-3, weight_decay=0.05) if masks else cls(1e-3)
            sim.compile(optimizer=opt, loss={net.p_out: readout_loss("mean")})
            sim.fit({net.inp: x[:, None, :]}, {net.p_out: y[:, None, None]}, epochs=1, verbose=0)
            return mask.values(), keep

    values, keep = one_epoch(masking=True)
    assert np.all(values[~keep] == 0) and not np.signbit(values[~keep]).any()
    control, keep = one_epoch(masking=False)
    assert np.count_nonzero(control[~keep]) > 0.9 * (~keep).sum()


# --- every engine sees the zeros ------------------------------------------------------


def test_pruned_zeros_in_nengo_dl_and_the_nengo_build():
    """NengoDL's and nengo's built connection weights hold the same exact zeros."""
    from nengo_fashion.inference.dl import make_simulator

    w = sparse_weights()
    net = build_network(w, "relu", NetworkSpec(spiking=True))
    with make_simulator(net, minibatch_size=1, dt=0.001) as sim:
        built = sim.data[net.conn_hidden].weights
    assert np.array_equal(built == 0, w.hidden_w == 0)
    model = nengo.builder.Model(dt=0.001)
    model.build(net)
    assert np.array_equal(model.params[net.conn_hidden].weights == 0, w.hidden_w == 0)


def test_sparse_transform_is_the_same_connection():
    """The ``nengo.Sparse`` transform of the Loihi mapping computes what the dense one does
    (nengo's reference simulator, 5 steps on random pixels) and holds only the non-zeros."""
    w = sparse_weights()
    x = np.random.RandomState(1).rand(784)
    out = {}
    for sparse in (False, True):
        spec = NetworkSpec(spiking=True, input_output=x, scale=100, sparse_transform=sparse)
        net = build_network(w, "relu", spec)
        with nengo.Simulator(net, progress_bar=False) as sim:
            sim.run_steps(5)
            out[sparse] = sim.data[net.p_out]
        if sparse:
            t = net.conn_hidden.transform
            assert isinstance(t, nengo.Sparse) and t.init.size == np.count_nonzero(w.hidden_w)
    assert np.allclose(out[True], out[False], atol=1e-5)


def test_pruned_zeros_in_the_executor():
    """The fast executor reads the same weights: its spike counts on a sparse net equal
    nengo's reference simulator's (a dense copy of the weights would not)."""
    from nengo_fashion.inference.executor import run_spiking
    from nengo_fashion.inference.options import RunOptions

    w = sparse_weights()
    x = np.random.RandomState(2).rand(3, 784).astype(np.float32)
    settings = SpikeSettings(dt=0.001, steps=10, scale=100.0)
    fast = run_spiking(w, get_family("relu"), x, settings, RunOptions(keep_outputs=True))
    ref = []
    for img in x:
        net = build_network(w, "relu", NetworkSpec(spiking=True, input_output=img, scale=100))
        with nengo.Simulator(net, progress_bar=False) as sim:
            sim.run_steps(10)
            ref.append(sim.data[net.p_out])
    assert np.allclose(fast.outputs, np.stack(ref), atol=1e-4)


def test_pruned_zeros_in_the_nir_file(tmp_path):
    """The NIR graph's fc1 has its zeros exactly where the weights do."""
    pytest.importorskip("nir")
    from nengo_fashion.export import export_network

    w = sparse_weights()
    graph = export_network(w, "relu", SpikeSettings(dt=0.001, steps=10, scale=100.0))
    assert np.array_equal(graph.nodes["fc1"].weight == 0, w.hidden_w == 0)


def test_pruned_zeros_on_nengo_loihi_and_fewer_synapse_bits():
    """nengo-loihi's built synapses hold only the non-zero weights (a Sparse transform),
    so the synapse memory shrinks; the dense run's does not."""
    pytest.importorskip("nengo_loihi")
    from loihi.mapping import MappingSettings
    from loihi.simulation import model_resources

    settings = MappingSettings(input_code="ttfs", presentation_time=0.016, scale=100.0)
    dense = model_resources(settings, Weights.glorot(0))
    sparse = model_resources(settings, sparse_weights(keep=0.2))
    bits = dense["totals"]["synapse_bits"], sparse["totals"]["synapse_bits"]
    assert bits[1] < 0.5 * bits[0], bits


# --- counting on a hand-made sparse net -----------------------------------------------


def hand_net():
    """A 784-128-10 net with a few non-zero weights, placed by hand."""
    hidden_w = np.zeros((128, 784))
    hidden_w[[0, 1, 2], 0] = 1.0  # pixel 0 reaches 3 hidden neurons
    hidden_w[5, 1] = -1.0  # pixel 1 reaches 1
    output_w = np.zeros((10, 128))
    output_w[:, 0] = 1.0  # hidden 0 reaches 10 outputs
    output_w[[3, 4], 5] = 1.0  # hidden 5 reaches 2
    return Weights(
        hidden_w=hidden_w, hidden_b=np.zeros(128), output_w=output_w, output_b=np.zeros(10)
    )


def test_synops_at_each_neurons_nonzero_fan_out():
    """2 images: image 0 has 2 spikes of pixel 0 and 1 of pixel 1 (2x3 + 1x1 = 7 input
    synops), 1 spike of hidden 0 (10) and 3 of hidden 5 (3x2 = 6); image 1 has 1 spike of
    pixel 2 (no synapse: 0) and 1 of hidden 7 (0). A dense counter (x128, x10) would fail."""
    w = hand_net()
    inp = np.zeros((2, 784))
    inp[0, 0], inp[0, 1], inp[1, 2] = 2, 1, 1
    hid = np.zeros((2, 128))
    hid[0, 0], hid[0, 5], hid[1, 7] = 1, 3, 1
    c = count(inp, hid, steps=4, weights=w)
    assert c["input_synops_per_image"] == 7 / 2
    assert c["hidden_synops_per_image"] == 16 / 2
    assert c["synops_per_image"] == 23 / 2
    assert c["synops_ratio"] == (23 / 2) / DENSE_MACS
    dense = count(inp.sum() / 2, hid.sum() / 2, steps=4)
    assert dense["synops_per_image"] == (4 * 128 + 5 * 10) / 2
    fan = fan_outs(w)
    assert fan["input"][:3].tolist() == [3, 1, 0] and fan["hidden"][[0, 5, 7]].tolist() == [
        10,
        2,
        0,
    ]


def test_counts_refuse_totals_with_weights():
    with pytest.raises(ValueError, match="per image and neuron"):
        count(10.0, 5.0, steps=3, weights=hand_net())
    with pytest.raises(ValueError, match=r"\(n, 784\) and \(n, 128\)"):
        count(np.zeros((2, 10)), np.zeros((2, 128)), steps=3)


def test_zero_skipping_ann_by_hand():
    """Non-zero inputs x the non-zero weights they reach, plus non-zero hidden activations
    x the non-zero output weights they reach; the dense count stays 101,632."""
    w = hand_net()
    images = np.zeros((2, 784))
    images[0, [0, 1, 300]] = 0.5  # 3 + 1 + 0
    images[1, 1] = 1.0  # 1
    hidden = np.zeros((2, 128))
    hidden[0, [0, 5]] = 2.0  # 10 + 2
    hidden[1, 9] = 1.0  # 0
    a = ann_macs(images, hidden, w)
    assert a["zero_skip_macs_per_image"] == ((4 + 12) + (1 + 0)) / 2
    assert a["dense_macs_per_image"] == DENSE_MACS == 101632
    assert a["nonzero_inputs_per_image"] == 2 and a["nonzero_hidden_per_image"] == 1.5


def test_zero_skipping_equals_dense_count_on_dense_weights_and_full_inputs():
    w = Weights.glorot(0)
    a = ann_macs(np.ones((1, 784)), np.ones((1, 128)), w)
    assert a["zero_skip_macs_per_image"] == DENSE_MACS


def test_energy_arithmetic_by_hand():
    synops = count(10, 5, steps=3)
    ann = {"dense_macs_per_image": DENSE_MACS, "zero_skip_macs_per_image": 1000.0}
    est = energy.estimate(synops=synops, n_compartments=2, steps=3, ann=ann)
    # (10 input spikes x 128 targets + 5 hidden spikes x 10 outputs) x 23.6 pJ
    # + 2 compartments x 3 steps x 81 pJ
    assert est["loihi"]["synaptic_ops"] == 1280 + 50
    assert est["loihi"]["neuron_updates"] == 6
    assert est["loihi"]["energy_j"] == pytest.approx(1330 * 23.6e-12 + 6 * 81e-12)
    # (784 x 128 + 128 x 10) MACs x (4.6 + 5.0) pJ, fp32; x (0.23 + 1.25) pJ, int8
    assert est["rate_cpu_gpu"]["energy_j"] == pytest.approx(101632 * 9.6e-12)
    b = est["baselines"]
    assert b["dense_fp32"]["energy_j"] == pytest.approx(101632 * 9.6e-12)
    assert b["dense_int8"]["energy_j"] == pytest.approx(101632 * 1.48e-12)
    assert b["zero_skip_fp32"]["energy_j"] == pytest.approx(1000 * 9.6e-12)
    assert b["zero_skip_int8"] == {"macs": 1000.0, "energy_j": pytest.approx(1000 * 1.48e-12)}
    assert (
        "zero_skip_fp32"
        not in energy.estimate(synops=synops, n_compartments=2, steps=3)["baselines"]
    )
