"""nengo-fashion on Loihi: the same 784-128-10 network on nengo-loihi's emulator.

A backend: it imports only the library (``nengo_fashion``'s lower layers), and the
front-ends reach it through the table of backends (`nengo_fashion.classify.backends`, whose entry
is `loihi.backend`). Its commands live in the command layer (`nengo_fashion.commands`):
``python -m loihi`` evaluates a trained run on the emulator (or a Loihi board with NxSDK;
`loihi.run`), ``python -m loihi.tune`` chooses a mapping on the validation split
(`loihi.tune`), ``python -m loihi.finetune`` trains a run further with the Loihi neuron
types' rate approximations (`loihi.finetune`). The network always comes from
`nengo_fashion.network`; this package only adds the mapping choices (`loihi.mapping`, and
the README's "On Loihi"), the emulator over images (`loihi.simulation`, `loihi.emulator`),
the time-to-first-spike input (`loihi.ttfs`) and the chip's resources (`loihi.resources`).
"""

from nengo_fashion.neurons.loihi_types import (  # noqa: F401 (this package's API)
    INSTALL_HINT,
    loihi_training_type,
    require_nengo_loihi,
)


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
