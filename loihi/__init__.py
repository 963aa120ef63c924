"""nengo-fashion on Loihi: the same 784-128-10 network on nengo-loihi's emulator.

``python -m loihi`` (or ``python -m loihi.run``) evaluates a trained run on the
emulator (or a Loihi board with NxSDK); ``python -m loihi.finetune`` trains a run
further with the Loihi neuron types' rate approximations. The network always
comes from `nengo_fashion.network.build_network`; this package only adds the
mapping choices (see ``loihi/mapping.py`` and the README's "On Loihi").
"""

from nengo_fashion.errors import ConfigError, MissingDependencyError
from nengo_fashion.network import register_training_neuron
from nengo_fashion.quiet import import_nengo_dl

INSTALL_HINT = (
    "pip install nengo-loihi==1.1.0 nengo-extras==0.5.0 (or bash scripts/setup.sh, "
    "which installs the whole pinned stack)"
)


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


def loihi_simulator(net, **kwargs):
    """``nengo_loihi.Simulator(net, **kwargs)``, without one harmless warning.

    nengo-loihi 1.1.0's emulator fills its integer ``decay_u`` array with NaN as a
    placeholder (``np.full(n, np.nan, dtype=int32)`` in
    ``emulator/interface.py:CompartmentState``) before it writes every entry from
    the blocks' parameters; numpy warns "invalid value encountered in cast" on
    that placeholder. No value of it is ever used, so that warning (and only
    that one, only while the simulator is built) is silenced here.
    """
    import warnings

    nl = require_nengo_loihi()
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="invalid value encountered in cast", category=RuntimeWarning
        )
        return nl.Simulator(net, **kwargs)


def nxsdk_available():
    """Whether Intel's NxSDK (needed for a real Loihi board) can be imported."""
    try:
        import nxsdk  # noqa: F401
    except ImportError:
        return False
    return True


def loihi_training_type(family, scale=1.0):
    """The nengo-loihi neuron type of a family, with NengoDL's builders installed.

    Registered as the training neuron ``"loihi"`` (`TrainConfig.train_neuron`), so
    that ``nengo_fashion.train`` can fine-tune with it without importing this package.
    """
    nl = require_nengo_loihi()
    nl.neurons.install_dl_builders()
    cls = {"relu": nl.neurons.LoihiSpikingRectifiedLinear, "lif": nl.neurons.LoihiLIF}
    if family.name not in cls:
        raise ConfigError(f"no Loihi neuron type for the {family.name!r} family")
    return cls[family.name](amplitude=family.amplitude / scale)


register_training_neuron("loihi", loihi_training_type)
