"""The thesis' spiking semantics (PyTorchSpiking, per-image initial voltages) in NengoDL.

`run_spiking(..., initial_voltage="per-image")` must compute exactly the thesis'
rule (`nengo_fashion.neurons.thesis_spiking.thesis_logits`, plain numpy) from the same
initial voltages; the default (``"shared"``) must stay Nengo's build-time voltages,
the same for every image.

NengoDL (TensorFlow) and numpy may round the hidden currents differently in the
last bit, which can move a spike by one step where a voltage lands within a
rounding error of an integer. Spike counts are therefore compared exactly on every
(image, neuron) whose voltages never come within ``MARGIN`` of an integer (all but
about 0.1 % of them), and outputs on every image with no such neuron.
"""

import numpy as np
import pytest

from nengo_fashion.config import SpikeSettings
from nengo_fashion.errors import ConfigError
from nengo_fashion.inference.dl import make_simulator
from nengo_fashion.inference.engine import RunOptions, run_spiking
from nengo_fashion.network import N_HIDDEN, NetworkSpec, Weights, build_network
from nengo_fashion.neurons.thesis_spiking import (
    draw_initial_voltages,
    get_initial_voltages,
    set_initial_voltages,
    spiking_activation,
    thesis_logits,
)

N_IMAGES = 200
STEPS = 10
SEED = 5
MARGIN = 1e-4
"""Voltages closer than this to an integer may floor differently in float32."""


@pytest.fixture(scope="module")
def images(fashion):
    return fashion.test.images[:N_IMAGES]


@pytest.fixture(scope="module")
def weights():
    """Fixed random weights with non-zero biases (about 2 to 300 spikes per image)."""
    rng = np.random.RandomState(0)
    w = Weights.glorot(seed=0)
    return Weights(w.hidden_w, rng.uniform(-0.2, 0.2, 128), w.output_w, rng.uniform(-1, 1, 10))


def run(weights, images, dt, engine="nengo_dl", **kwargs):
    """NengoDL (the reference) unless another ``engine`` is asked for."""
    settings = SpikeSettings(dt=dt, steps=STEPS, scale=1.0)
    return run_spiking(
        weights, "relu", images, settings, RunOptions(keep_outputs=True, engine=engine, **kwargs)
    )


def assert_matches_rule(result, weights, images, dt, voltages):
    """NengoDL's spikes and outputs equal the numpy rule's (see the module docstring)."""
    logits, spikes, margin = thesis_logits(
        weights, images, dt=dt, steps=STEPS, initial_voltage=voltages
    )
    safe = margin >= MARGIN  # (n, 128)
    assert safe.mean() > 0.99
    assert spikes.sum() >= 20  # not vacuous (about 50 spikes in all at dt 1 ms)
    nengo_spikes = np.moveaxis(result.spikes, 1, 2)[safe]  # (pairs, steps)
    np.testing.assert_array_equal(nengo_spikes, np.moveaxis(spikes, 1, 2)[safe])
    images_ok = safe.all(axis=1)
    assert images_ok.mean() > 0.75
    nengo_logits = result.outputs.mean(axis=1)  # temporal average pooling
    np.testing.assert_allclose(
        nengo_logits[images_ok], logits[images_ok], rtol=1e-5, atol=1e-5 * np.abs(logits).max()
    )
    np.testing.assert_array_equal(result.predictions[images_ok], logits[images_ok].argmax(axis=1))


@pytest.mark.parametrize("engine", ["nengo_dl", "auto"])
@pytest.mark.parametrize("dt", [0.001, 0.01, 0.1, 1.0])
def test_per_image_is_the_thesis_rule(weights, images, dt, engine):
    """Batches of 64 (the last one padded) from seeded per-image voltages, in NengoDL and
    in the numpy executor that ``run_spiking`` uses by default."""
    result = run(
        weights,
        images,
        dt,
        engine,
        batch_size=64,
        initial_voltage="per-image",
        voltage_seed=SEED,
    )
    voltages = draw_initial_voltages(N_IMAGES, N_HIDDEN, SEED)
    assert_matches_rule(result, weights, images, dt, voltages)


def test_per_image_does_not_depend_on_batching(weights, images):
    """Explicit voltages in one batch of 200 equal the seeded draw in batches of 64."""
    voltages = draw_initial_voltages(N_IMAGES, N_HIDDEN, SEED)
    one = run(weights, images, 0.1, batch_size=N_IMAGES, initial_voltage=voltages)
    assert_matches_rule(one, weights, images, 0.1, voltages)
    other_seed = run(weights, images, 0.1, initial_voltage="per-image", voltage_seed=SEED + 1)
    assert not np.array_equal(one.spikes, other_seed.spikes)


def test_shared_is_the_default_and_unchanged(weights, images):
    """By default every image starts from Nengo's build-time voltages."""
    net = build_network(weights, "relu", NetworkSpec(spiking=True, probe_hidden=True))
    with make_simulator(net, minibatch_size=2) as sim:
        built = get_initial_voltages(sim, net.hidden.neurons)
    np.testing.assert_array_equal(built[0], built[1])  # NengoDL tiles them over the batch

    # the same image at several places in a batch and in two batches (of 64)
    same = images.copy()
    same[[3, 40, 64, 150]] = images[3]
    dt = 0.01
    result = run(weights, same, dt, batch_size=64)
    shared = np.tile(built[0], (N_IMAGES, 1))
    assert_matches_rule(result, weights, same, dt, shared)
    # so the copies spike alike (where no float32 rounding can move a spike)
    safe = (
        thesis_logits(weights, same[[3]], dt=dt, steps=STEPS, initial_voltage=built[:1])[2][0]
        >= MARGIN
    )
    for i in (40, 64, 150):
        np.testing.assert_array_equal(result.spikes[i][:, safe], result.spikes[3][:, safe])

    per_image = run(weights, same, dt, batch_size=64, initial_voltage="per-image")
    assert not np.array_equal(per_image.spikes[40], per_image.spikes[3])


def test_voltages_hold_across_runs(weights, images):
    """The NengoDL internals relied on: set voltages are read by, and survive, a run."""
    net = build_network(weights, "relu", NetworkSpec(spiking=True))
    voltages = draw_initial_voltages(4, N_HIDDEN, SEED)
    with make_simulator(net, minibatch_size=4, dt=0.1) as sim:
        set_initial_voltages(sim, net.hidden.neurons, voltages)
        x = np.repeat(images[:4, None], 2, axis=1)
        first = sim.predict_on_batch({net.inp: x}, n_steps=2)[net.p_out]
        np.testing.assert_array_equal(get_initial_voltages(sim, net.hidden.neurons), voltages)
        again = sim.predict_on_batch({net.inp: x}, n_steps=2)[net.p_out]
    np.testing.assert_array_equal(first, again)


def test_spiking_activation_rule():
    """The numpy rule by hand: add the input, floor, keep the remainder."""
    x = np.array([[[3.0], [3.0], [-5.0], [12.0]]])  # (1 image, 4 steps, 1 neuron)
    spikes, margin = spiking_activation(x, 0.1, np.array([[0.75]]))
    # voltages 1.05 -> 0.05, 0.35, 0.35, 1.55 -> 0.55
    np.testing.assert_array_equal(spikes[0, :, 0], [1, 0, 0, 1])
    assert margin[0, 0] == pytest.approx(0.05, abs=1e-6)


def test_bad_initial_voltage(weights, images):
    settings = SpikeSettings(dt=0.1, steps=2)
    with pytest.raises(ConfigError, match="initial_voltage"):
        run_spiking(weights, "relu", images[:4], settings, RunOptions(initial_voltage="thesis"))
    with pytest.raises(ConfigError, match="shape"):
        options = RunOptions(initial_voltage=np.zeros((3, 128)))
        run_spiking(weights, "relu", images[:4], settings, options)
