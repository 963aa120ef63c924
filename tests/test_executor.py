"""The numpy executor computes what NengoDL computes (`nengo_fashion.inference.executor`)."""

import dataclasses

import numpy as np
import pytest

from nengo_fashion.config import SpikeSettings
from nengo_fashion.inference import executor
from nengo_fashion.inference.engine import RunOptions, run_spiking
from nengo_fashion.network import Weights
from nengo_fashion.runs import load_run


def _compare(weights, family, images, settings, prefixes=None, **kw):
    options = RunOptions(prefixes=prefixes, **kw)
    ref = run_spiking(
        weights, family, images, settings, dataclasses.replace(options, engine="nengo_dl")
    )
    fast = executor.run_spiking(weights, family, images, settings, options)
    if prefixes is None:
        ref, fast = {settings.steps: ref}, {settings.steps: fast}
    for k in ref:
        # Both compute in float32; only the input product's summation order differs
        # (numpy's BLAS against TensorFlow's kernels). A current that differs in its last
        # bit moves a voltage across a spike threshold only rarely: on these images every
        # spike count is identical (measured on Intel and AMD runs of this test). The
        # tolerance allows one count in 10,000 neuron-images to differ, which would move
        # no prediction here.
        per_image = np.abs(ref[k].spikes_per_image - fast[k].spikes_per_image)
        assert per_image.sum() <= 1e-4 * len(images) * 128, per_image.sum()
        assert np.mean(ref[k].predictions == fast[k].predictions) >= 0.995
        assert np.allclose(ref[k].hidden_spikes, fast[k].hidden_spikes, rtol=1e-4, atol=2)
    return ref, fast


@pytest.mark.parametrize("synapse", [None, 0.005])
def test_relu_matches_nengo_dl(tiny_run, fashion, synapse):
    run = load_run(tiny_run)
    s = SpikeSettings(dt=0.001, steps=20, scale=100.0, synapse=synapse)
    _compare(run.weights, "relu", fashion.val.images[:300], s, prefixes=[3, 20])


def test_thesis_dt_matches_nengo_dl(tiny_run, fashion):
    """Large dt: several spikes per step."""
    run = load_run(tiny_run)
    _compare(run.weights, "relu", fashion.val.images[:200], SpikeSettings(dt=1.0, steps=10))


def _with_biases(weights, seed=4):
    """``weights`` with non-zero hidden and output biases (Glorot's are zero), about the
    size of the hidden currents W x (std 0.3 on these images) so that they matter."""
    rng = np.random.RandomState(seed)
    return Weights(
        weights.hidden_w,
        rng.uniform(-0.3, 0.3, size=weights.hidden_b.shape),
        weights.output_w,
        rng.uniform(-0.3, 0.3, size=weights.output_b.shape),
    )


@pytest.mark.parametrize("synapse", [None, 0.005])
def test_lif_matches_nengo_dl(fashion, synapse):
    # an untrained LIF net still spikes and predicts; its biases are non-zero, so that the
    # executor's bias path is the one compared
    weights = _with_biases(Weights.glorot(seed=3))
    s = SpikeSettings(dt=0.001, steps=25, scale=30.0, synapse=synapse)
    ref, _ = _compare(weights, "lif", fashion.val.images[:200], s)
    # the biases change what the net does (the control: the same net without them; measured
    # on these 200 images, both synapses: each neuron's spikes move by 29 % of the mean
    # count, and 3-6 % of the predictions stay the same)
    unbiased = executor.run_spiking(Weights.glorot(seed=3), "lif", fashion.val.images[:200], s)
    moved = np.abs(ref[25].hidden_spikes - unbiased.hidden_spikes)
    assert moved.mean() > 0.1 * unbiased.hidden_spikes.mean()
    assert np.mean(ref[25].predictions == unbiased.predictions) < 0.5


def test_kept_outputs_match(tiny_run, fashion, allclose):
    run = load_run(tiny_run)
    s = SpikeSettings(dt=0.001, steps=10, scale=100.0, synapse=0.005)
    ref, fast = _compare(run.weights, "relu", fashion.val.images[:50], s, keep_outputs=True)
    assert allclose(ref[10].outputs, fast[10].outputs, atol=1e-3, rtol=1e-4)
    assert np.array_equal(ref[10].spikes, fast[10].spikes)


def test_per_image_voltages_match(tiny_run, fashion):
    """The thesis' per-image initial voltages, given to both engines."""
    run = load_run(tiny_run)
    images = fashion.val.images[:100]
    v0 = np.random.default_rng(5).random((100, 128), dtype=np.float32)
    s = SpikeSettings(dt=0.01, steps=10)
    ref = run_spiking(
        run.weights, "relu", images, s, RunOptions(initial_voltage=v0, engine="nengo_dl")
    )
    fast = executor.run_spiking(run.weights, "relu", images, s, RunOptions(initial_voltage=v0))
    assert np.array_equal(ref.spikes_per_image, fast.spikes_per_image)
    assert np.array_equal(ref.predictions, fast.predictions)


def test_unsupported_neuron_type_goes_to_nengo_dl(tiny_run, fashion):
    import nengo

    run = load_run(tiny_run)
    neuron = nengo.RegularSpiking(nengo.RectifiedLinear(amplitude=0.01))
    assert not executor.supports(neuron)
    with pytest.raises(NotImplementedError):
        executor.run_spiking(
            run.weights,
            "relu",
            fashion.val.images[:5],
            SpikeSettings(),
            RunOptions(neuron_type=neuron),
        )
    # the default engine picks NengoDL for it
    r = run_spiking(
        run.weights, "relu", fashion.val.images[:5], SpikeSettings(), RunOptions(neuron_type=neuron)
    )
    assert len(r.predictions) == 5


def test_compiled_loop_is_numpys_update_to_the_bit(rng):
    """The compiled spiking-ReLU loop does numpy's float32 operations, in the same order."""
    drive = (rng.rand(300, 128) * 0.7).astype(np.float32)
    v0 = rng.rand(300, 128).astype(np.float32)
    checkpoints = np.array([3, 17, 40])
    counts = np.empty((3, 300, 128), dtype=np.float32)
    v = v0.copy()
    executor._relu_counts(drive, v, checkpoints, counts)
    ref, n, total = v0.copy(), np.empty_like(v0), np.zeros_like(v0)
    for t in range(40):
        ref += drive
        np.floor(ref, out=n)
        ref -= n
        total += n
        if t + 1 in checkpoints:
            assert np.array_equal(counts[list(checkpoints).index(t + 1)], total)
    assert np.array_equal(v, ref)
