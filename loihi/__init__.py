"""nengo-fashion on Loihi: the same 784-128-10 network on nengo-loihi's emulator.

``python -m loihi`` (or ``python -m loihi.run``) evaluates a trained run on the
emulator (or a Loihi board with NxSDK); ``python -m loihi.finetune`` trains a run
further with the Loihi neuron types' rate approximations. The network always
comes from `nengo_fashion.network.build_network`; this package only adds the
mapping choices (see ``loihi/mapping.py`` and the README's "On Loihi").
"""

import os

from nengo_fashion.errors import MissingDependencyError

# nengo-loihi imports TensorFlow (through nengo-dl): keep its C++ start-up quiet
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

INSTALL_HINT = (
    "pip install nengo-loihi==1.1.0 nengo-extras==0.5.0 (or bash scripts/setup.sh, "
    "which installs the whole pinned stack)"
)


def require_nengo_loihi():
    """Import and return ``nengo_loihi``, with an install hint if it (or nengo-extras,
    whose NengoDL builders it uses) is missing."""
    try:
        import nengo_extras  # noqa: F401
        import nengo_loihi
    except ImportError as e:
        raise MissingDependencyError(f"{e.name or e} is not installed: {INSTALL_HINT}") from None
    return nengo_loihi


def nxsdk_available():
    """Whether Intel's NxSDK (needed for a real Loihi board) can be imported."""
    try:
        import nxsdk  # noqa: F401
    except ImportError:
        return False
    return True
