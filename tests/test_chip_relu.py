"""Loihi's spiking ReLU as a Nengo type and in NengoDL: what the TTFS fine-tune trains with.

The reference is ``loihi.ttfs.reference_counts``, the numpy model of the chip's
compartments that the emulator is tested against; nengo's own
`nengo.SpikingRectifiedLinear` is the control that differs from it.
"""

import nengo
import numpy as np
import pytest

from nengo_fashion.inference.encoding import TTFSCode
from nengo_fashion.network import NetworkSpec, Weights, build_network
from nengo_fashion.neurons.chip_relu import ChipReLU, SpikeAwareChipReLU

SCALE, WINDOW = 200.0, 12


def counts_in(neuron_type, weights, images, code):
    """Hidden spike counts ``(n, 128)`` of nengo's reference simulator, each image from
    voltage 0, fed the TTFS arrivals so far at each step."""
    out = []
    for seq in code.cumulative(images):
        spec = NetworkSpec(
            spiking=True,
            scale=SCALE,
            neuron_type=neuron_type,
            input_output=nengo.processes.PresentInput(seq, 0.001),
            probe_hidden=True,
        )
        net = build_network(weights, "relu", spec)
        with nengo.Simulator(net, progress_bar=False) as sim:
            sim.run_steps(code.window)
            spikes = sim.data[net.p_hidden] * 0.001 / neuron_type.amplitude
        out.append(np.rint(spikes).sum(axis=0))
    return np.array(out)


@pytest.fixture(scope="module")
def images(fashion):
    return fashion.val.images[:4]


def test_chip_relu_is_the_chips_compartment(fashion, images):
    """In nengo, `ChipReLU` on the arrival sequence gives the spike counts of the numpy
    model of the chip; nengo's SpikingRectifiedLinear (no floor below zero, subtractive
    reset, several spikes a step) does not."""
    from loihi.ttfs import reference_counts

    w = Weights.glorot(3)
    w = Weights(
        hidden_w=w.hidden_w, hidden_b=w.hidden_b - 0.05, output_w=w.output_w, output_b=w.output_b
    )
    code = TTFSCode(WINDOW)
    ref = reference_counts(w, images, code, scale=SCALE)
    ours = counts_in(ChipReLU(amplitude=1 / SCALE), w, images, code)
    assert ref.sum() > 100  # the test has spikes to compare
    assert np.array_equal(ours, ref), np.abs(ours - ref).max()
    control = counts_in(nengo.SpikingRectifiedLinear(amplitude=1 / SCALE), w, images, code)
    assert not np.array_equal(control, ref)


def test_nengo_dl_runs_the_same_spikes_with_the_rate_gradient(fashion, images):
    """NengoDL's builder of `SpikeAwareChipReLU` spikes as `ChipReLU` does in nengo
    (forward), and its gradient is the rate ReLU's (backward): non-zero for the weights of
    neurons with positive input, where a spike count's true gradient is zero."""
    import tensorflow as tf

    from nengo_fashion.inference.dl import make_simulator
    from nengo_fashion.train import readout_loss

    w = Weights.glorot(3)
    code = TTFSCode(WINDOW)
    neuron = SpikeAwareChipReLU(amplitude=1 / SCALE)
    want = counts_in(ChipReLU(amplitude=1 / SCALE), w, images, code)
    spec = NetworkSpec(spiking=True, scale=SCALE, neuron_type=neuron, probe_hidden=True)
    net = build_network(w, "relu", spec)
    with make_simulator(net, minibatch_size=len(images), dt=0.001) as sim:
        data = sim.predict_on_batch({net.inp: code.cumulative(images)}, n_steps=WINDOW)
        got = np.rint(data[net.p_hidden] * 0.001 / neuron.amplitude).sum(axis=1)
        assert np.array_equal(got, want), np.abs(got - want).max()
        sim.compile(optimizer=tf.keras.optimizers.SGD(1.0), loss={net.p_out: readout_loss("mean")})
        before = sim.data[net.conn_hidden].weights.copy()
        labels = np.zeros((len(images), WINDOW, 1))
        sim.fit({net.inp: code.cumulative(images)}, {net.p_out: labels}, epochs=1, verbose=0)
        moved = np.abs(sim.data[net.conn_hidden].weights - before).sum(axis=1)
    assert (moved > 0).sum() > 10
