"""Spike-aware training in NengoDL: spikes in the forward pass, rate gradient backward.

NengoDL normally trains a spiking neuron with its rate approximation and only
spikes at inference. The thesis' "spiking-aware training" (PyTorchSpiking's
``spiking_aware_training=True``) instead uses the spikes in the forward pass and
the rate's gradient in the backward pass::

    out = rate(J) + stop_gradient(spikes(J) - rate(J))

`spike_aware_type` returns a Nengo neuron type that behaves exactly like the
family's spiking type in Nengo (and so in nengo-loihi or the GUI), and for which
this module registers a NengoDL builder that computes ``out`` above both in
training and in inference, keeping the neurons' state (voltages) over the steps
of a presentation. Import this module before building a NengoDL simulator.
"""

import nengo

_TYPES = {}


class SpikeAwareSpikingRectifiedLinear(nengo.SpikingRectifiedLinear):
    """`nengo.SpikingRectifiedLinear`, trained spike-aware in NengoDL."""


class SpikeAwareLIF(nengo.LIF):
    """`nengo.LIF`, trained spike-aware in NengoDL."""


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


def register_builders():
    """Register the NengoDL builders (idempotent)."""
    from nengo_dl import neuron_builders as nb

    impl = nb.SimNeuronsBuilder.TF_NEURON_IMPL
    pairs = {
        SpikeAwareSpikingRectifiedLinear: nb.SpikingRectifiedLinearBuilder,
        SpikeAwareLIF: nb.LIFBuilder,
    }
    for neuron_cls, base in pairs.items():
        if neuron_cls not in impl:
            impl[neuron_cls] = _spike_aware_builder(base)


_BY_SPIKING = {
    nengo.SpikingRectifiedLinear: SpikeAwareSpikingRectifiedLinear,
    nengo.LIF: SpikeAwareLIF,
}


def spike_aware_type(family, scale=1.0):
    """The spike-aware neuron type of a `NeuronFamily` (amplitude / scale)."""
    try:
        cls = _BY_SPIKING[family.spiking]
    except KeyError:
        raise NotImplementedError(
            f"no spike-aware training for the {family.name!r} family"
        ) from None
    register_builders()
    return cls(amplitude=family.amplitude / scale)
