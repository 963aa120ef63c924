"""The Loihi backend as the front-ends see it: what `nengo_fashion.classify.backends` loads for
``"loihi"``.

`predict` (``mode="loihi"``), the GUI (``--backend nengo_loihi``) and the notebooks' helpers
reach this package only through that table, and use only the names here: the mapping
(`MappingSettings`, `default_neuron`, `check_family`, `build_loihi_network`), one emulator
over pictures (`classify`), a whole evaluation that writes ``loihi.json`` (`run_loihi`,
`LoihiRunConfig`), and the check that nengo-loihi is installed.
"""

from nengo_fashion.tasks import TaskRunner

from . import require_nengo_loihi
from .mapping import MappingSettings, build_loihi_network, check_family, default_neuron
from .run import LoihiRunConfig, run_loihi
from .simulation import EmulatorOptions, evaluate

__all__ = [
    "EmulatorOptions",
    "LoihiRunConfig",
    "MappingSettings",
    "build_loihi_network",
    "check_family",
    "classify",
    "default_neuron",
    "require_nengo_loihi",
    "run_loihi",
]


def classify(mapping, weights, family, images, *, quiet=True):
    """Readouts of one emulator over ``images`` in sequence, here (no task runner).

    Parameters
    ----------
    mapping : MappingSettings
        The mapping; its neuron must be of ``family`` (`check_family`).
    weights : nengo_fashion.weights.Weights
    family : str
        The neuron family the weights were trained with.
    images : numpy.ndarray
        ``(n, 784)`` pixels in [0, 1], n >= 1.
    quiet : bool
        Show no progress (on stderr).

    Returns
    -------
    tuple
        ``(labels, logits, hidden_spikes, input_spikes)``: ``(n,)`` predictions, ``(n, 10)``
        output averaged over each presentation after ``mapping.skip`` steps, and ``(n,)``
        hidden and input spikes per image.
    """
    check_family(mapping, family)
    out = evaluate(mapping, weights, images, skips=(mapping.skip,), runner=TaskRunner(quiet=quiet))
    logits = out["readouts"][mapping.skip]
    return logits.argmax(axis=1), logits, out["hidden_spikes"], out["input_spikes"]
