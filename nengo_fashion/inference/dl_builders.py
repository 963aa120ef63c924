"""The neuron types NengoDL runs beyond its own, and the builders that run them.

As NengoDL's ``SimNeuronsBuilder.TF_NEURON_IMPL`` maps a Nengo neuron type to the
builder that simulates it, `builders` is this project's one table of the types it
adds: the QCFS pair (`nengo_fashion.neurons.qcfs`), the spike-aware types
(`nengo_fashion.neurons.spike_aware`) and the chip's spiking ReLU
(`nengo_fashion.neurons.chip_relu`). `install` puts them into NengoDL's table;
`nengo_fashion.inference.dl.make_simulator` calls it before every simulator, so no
import has a side effect. TensorFlow is imported only when the table is made.
"""

import functools

from ..neurons.chip_relu import SpikeAwareChipReLU
from ..neurons.qcfs import QuantizedReLU, SpikingQuantizedReLU
from ..neurons.spike_aware import SpikeAwareLIF, SpikeAwareSpikingRectifiedLinear


def _qcfs_builders():
    import tensorflow as tf
    from nengo_dl import neuron_builders as nb

    class QuantizedReLUBuilder(nb.TFNeuronBuilder):
        """NengoDL: ``q(J)`` forward, the gradient of ``clip(J, 0, 1)`` backward."""

        def build_pre(self, signals, config):
            super().build_pre(signals, config)
            neurons = [op.neurons for op in self.ops]
            sizes = [op.J.shape[0] for op in self.ops]
            self.levels = signals.op_constant(neurons, sizes, "levels", signals.dtype)
            self.max_rate = signals.op_constant(neurons, sizes, "max_rate", signals.dtype)

        def rate(self, J):
            clipped = tf.clip_by_value(J, 0.0, 1.0)
            q = tf.clip_by_value(tf.floor(J * self.levels + 0.5), 0.0, self.levels) / self.levels
            out = (clipped + tf.stop_gradient(q - clipped)) * self.max_rate
            return out if self.amplitude is None else out * self.amplitude

        def step(self, J, dt):
            return self.rate(J)

    class SpikingQuantizedReLUBuilder(QuantizedReLUBuilder):
        """NengoDL: the IF neuron in inference, the QCFS rate in training."""

        spiking = True

        def step(self, J, dt, voltage):
            voltage += tf.nn.relu(J) * (self.max_rate * dt)
            spikes = tf.cast(voltage >= 1, voltage.dtype)
            voltage -= spikes
            return spikes * self.alpha, voltage

        def training_step(self, J, dt, **state):
            return self.rate(J)

    return QuantizedReLUBuilder, SpikingQuantizedReLUBuilder


def _spike_aware_builder(base):
    import tensorflow as tf

    class Builder(base):
        # not "spiking" for NengoDL: the same step runs in training and inference
        spiking = False

        def step(self, J, dt, **state):
            spikes, *new_state = base.step(self, J, dt, **state)
            rate = base.training_step(self, J, dt, **state)
            return (rate + tf.stop_gradient(spikes - rate), *new_state)

    Builder.__name__ = f"SpikeAware{base.__name__}"
    return Builder


def _chip_relu_builder():
    import tensorflow as tf
    from nengo_dl import neuron_builders as nb

    class SpikeAwareChipReLUBuilder(nb.RectifiedLinearBuilder):
        """NengoDL: Loihi's spiking ReLU forward (`ChipReLU`), the rate ReLU's gradient
        backward, in training and in inference."""

        spiking = False

        def step(self, J, dt, voltage):
            voltage = tf.nn.relu(voltage + J * dt)
            spiked = tf.cast(voltage > 1, voltage.dtype)
            voltage = voltage * (1 - spiked)
            rate = super().step(J, dt)
            return rate + tf.stop_gradient(spiked * self.alpha - rate), voltage

    return SpikeAwareChipReLUBuilder


@functools.lru_cache(maxsize=None)
def builders():
    """``{neuron type: NengoDL builder class}`` of every type this project adds."""
    from nengo_dl import neuron_builders as nb

    qcfs, spiking_qcfs = _qcfs_builders()
    return {
        QuantizedReLU: qcfs,
        SpikingQuantizedReLU: spiking_qcfs,
        SpikeAwareSpikingRectifiedLinear: _spike_aware_builder(nb.SpikingRectifiedLinearBuilder),
        SpikeAwareLIF: _spike_aware_builder(nb.LIFBuilder),
        SpikeAwareChipReLU: _chip_relu_builder(),
    }


def install():
    """Add `builders` to NengoDL's ``TF_NEURON_IMPL`` (idempotent)."""
    from nengo_dl import neuron_builders as nb

    impl = nb.SimNeuronsBuilder.TF_NEURON_IMPL
    for cls, builder in builders().items():
        impl.setdefault(cls, builder)
