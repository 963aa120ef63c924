"""Spike-aware training in NengoDL: spikes in the forward pass, rate gradient backward.

NengoDL normally trains a spiking neuron with its rate approximation and only
spikes at inference. The thesis' "spiking-aware training" (PyTorchSpiking's
``spiking_aware_training=True``) instead uses the spikes in the forward pass and
the rate's gradient in the backward pass::

    out = rate(J) + stop_gradient(spikes(J) - rate(J))

`spike_aware_type` returns a Nengo neuron type that behaves exactly like the
family's spiking type in Nengo (and so in nengo-loihi or the GUI); NengoDL runs it
with the builder in `nengo_fashion.inference.dl_builders`, which computes ``out``
above both in training and in inference, keeping the neurons' state (voltages)
over the steps of a presentation.
"""

import nengo


class SpikeAwareSpikingRectifiedLinear(nengo.SpikingRectifiedLinear):
    """`nengo.SpikingRectifiedLinear`, trained spike-aware in NengoDL."""


class SpikeAwareLIF(nengo.LIF):
    """`nengo.LIF`, trained spike-aware in NengoDL."""


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
    return cls(amplitude=family.amplitude / scale)
