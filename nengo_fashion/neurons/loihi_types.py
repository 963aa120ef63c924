"""nengo-loihi's neuron models as training neurons (``TrainConfig.train_neuron="loihi"``).

Fine-tuning with the chip's own neuron types (``python -m loihi.finetune``) trains the
network with the rate approximations that nengo-loihi gives its spiking ReLU and LIF,
so that the weights fit the chip's discretised dynamics. nengo-loihi is imported only
when this factory is called.
"""

from ..errors import ConfigError, MissingDependencyError
from ..quiet import import_nengo_dl

INSTALL_HINT = (
    "pip install nengo-loihi==1.1.0 nengo-extras==0.5.0 (or bash scripts/setup.sh, "
    "which installs the whole pinned stack)"
)
"""How to install nengo-loihi and nengo-extras (whose NengoDL builders it uses)."""


def require_nengo_loihi():
    """Import and return ``nengo_loihi``, with an install hint if it (or nengo-extras,
    whose NengoDL builders it uses) is missing."""
    try:
        # nengo-loihi imports TensorFlow through nengo-dl: import that quietly first
        import_nengo_dl()
        import nengo_extras  # noqa: F401
        import nengo_loihi
    except ImportError as e:
        raise MissingDependencyError(f"{e.name or e} is not installed: {INSTALL_HINT}") from None
    return nengo_loihi


def loihi_training_type(family, scale=1.0):
    """The nengo-loihi neuron type of a family, with NengoDL's builders installed.

    Parameters
    ----------
    family : nengo_fashion.families.NeuronFamily
        ``relu`` or ``lif``.
    scale : float
        Firing-rate scale (the type's amplitude is the family's divided by it).
    """
    nl = require_nengo_loihi()
    nl.neurons.install_dl_builders()
    cls = {"relu": nl.neurons.LoihiSpikingRectifiedLinear, "lif": nl.neurons.LoihiLIF}
    if family.name not in cls:
        raise ConfigError(f"no Loihi neuron type for the {family.name!r} family")
    return cls[family.name](amplitude=family.amplitude / scale)
