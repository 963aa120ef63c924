"""Neuron families: which rate neuron a network trains with and which spiking neuron runs it.

`FAMILIES` is the one literal table of the families the project knows, and
`TRAINING_NEURONS` the one table of the neuron types a run may be fine-tuned with:
registration happens here, in one declared place (as nengo-dl's ``TF_NEURON_IMPL``),
never as a side effect of importing a module. A backend keeps its own table of the
neuron types it runs (`nengo_fashion.inference.executor.KERNELS`,
`nengo_fashion.inference.dl_builders.builders`).
"""

import dataclasses

import nengo

from .errors import ConfigError
from .neurons.chip_relu import chip_relu_training_type
from .neurons.loihi_types import loihi_training_type
from .neurons.qcfs import MAX_RATE, QuantizedReLU, SpikingQuantizedReLU


@dataclasses.dataclass(frozen=True)
class NeuronFamily:
    """A rate neuron type for training and its spiking counterpart for inference.

    Parameters
    ----------
    name : str
        Short name used on the command line.
    rate : type
        Nengo rate neuron class (trained in NengoDL).
    spiking : type
        Nengo spiking neuron class with the same rate response.
    amplitude : float
        Output scale of one neuron (the rate in Hz times ``amplitude`` is what the
        output layer sees). LIF rates reach hundreds of Hz, so their amplitude
        is 0.01 to keep activations near 1, as in NengoDL's examples.
    default_scale : float
        Firing-rate scale of the spiking swap reported by ``train`` (at dt = 1 ms,
        ReLU activations near 1 "Hz" need a scale of about 100 to spike usefully).
    params : tuple of (str, value)
        Other parameters of both neuron types, e.g. ``(("tau_ref", 0.0),)``.
    default_steps : int
        Timesteps of the spiking swap reported by ``train`` (30; the few-step QCFS
        families use their number of levels).
    """

    name: str
    rate: type
    spiking: type
    amplitude: float = 1.0
    default_scale: float = 1.0
    params: tuple = ()
    default_steps: int = 30

    def neuron_type(self, spiking=False, scale=1.0):
        """An instance for rate (``spiking=False``) or spiking use at a rate ``scale``."""
        cls = self.spiking if spiking else self.rate
        return cls(amplitude=self.amplitude / scale, **dict(self.params))


def _qcfs(levels):
    return NeuronFamily(
        f"qcfs{levels}",
        QuantizedReLU,
        SpikingQuantizedReLU,
        amplitude=1.0 / MAX_RATE,
        params=(("levels", levels), ("max_rate", MAX_RATE)),
        default_steps=levels,
    )


FAMILIES = {
    "relu": NeuronFamily(
        "relu", nengo.RectifiedLinear, nengo.SpikingRectifiedLinear, default_scale=100.0
    ),
    "lif": NeuronFamily("lif", nengo.LIFRate, nengo.LIF, amplitude=0.01),
    # LIF without a refractory period (tau_ref = 0): the LIF that NIR's LIF node can hold
    # exactly (python -m nengo_fashion.export), trained for that
    "lif-noref": NeuronFamily(
        "lif-noref", nengo.LIFRate, nengo.LIF, amplitude=0.01, params=(("tau_ref", 0.0),)
    ),
    # few-step QCFS (Bu et al. 2022): levels 4, 8, 16, run for `levels` steps of 1 ms
    "qcfs4": _qcfs(4),
    "qcfs8": _qcfs(8),
    "qcfs16": _qcfs(16),
}
"""Every neuron family, by name (``--neuron``)."""

TRAINING_NEURONS = {
    "loihi": loihi_training_type,
    "chip-relu": chip_relu_training_type,
}
"""Neuron types to train with, by name (``TrainConfig.train_neuron``).

A factory ``f(family, scale) -> nengo.neurons.NeuronType`` gives the type that
replaces the family's rate type in training. ``"nengo"`` (the family's own rate
type) needs no entry; ``"loihi"`` is nengo-loihi's neuron models (imported when used);
``"chip-relu"`` is Loihi's spiking ReLU as the TTFS mapping drives it, trained
spike-aware (`nengo_fashion.neurons.chip_relu`).
"""


def get_training_neuron(name):
    """The factory registered as ``name``, with a clear error if none is."""
    try:
        return TRAINING_NEURONS[name]
    except KeyError:
        raise ConfigError(
            f"no training neuron type {name!r}; choose nengo or one of "
            f"{', '.join(TRAINING_NEURONS)}"
        ) from None


def get_family(name):
    """Look up a neuron family by name (a `NeuronFamily` is returned as it is)."""
    if isinstance(name, NeuronFamily):
        return name
    try:
        return FAMILIES[name]
    except KeyError:
        raise ConfigError(
            f"unknown neuron type {name!r}; choose one of {', '.join(FAMILIES)}"
        ) from None
