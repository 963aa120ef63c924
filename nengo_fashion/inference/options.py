"""How a spiking run is carried out: `RunOptions`, beside what is simulated (`SpikeSettings`).

`nengo_fashion.config.SpikeSettings` says what the spiking network computes (dt, steps,
synapse, rate scale, readout); `RunOptions` says how an engine runs it and what it keeps:
minibatch size, kept outputs, extra step counts to score, initial voltages, neuron type
and engine. Every engine (`nengo_fashion.inference.engine.run_spiking`, the numpy
`executor` and NengoDL's `dl`) takes the same options object.
"""

import dataclasses
import numbers

from ..errors import ConfigError
from ..neurons.thesis_spiking import INITIAL_VOLTAGES, resolve_initial_voltages
from ..weights import N_HIDDEN

ENGINES = ("auto", "nengo_dl")
"""``engine`` values of `RunOptions`."""


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """How an engine runs the spiking network (what it computes is `SpikeSettings`).

    Parameters
    ----------
    batch_size : int
        Images simulated side by side (memory grows with it and the steps).
    keep_outputs : bool
        Keep the whole output and the spike counts over time (for figures; memory
        grows as ``n * steps * 138`` floats).
    prefixes : tuple of int, optional
        Also score the first ``k`` steps of the same simulation for each ``k`` (each
        at most the settings' ``steps``). Images are held constant and state is reset
        for every image, so this equals separate runs of ``k`` steps; the engines
        then return ``{k: SpikingResult}``.
    initial_voltage : {"shared", "per-image"} or array_like
        Where the hidden neurons' voltages (in units of the firing threshold) start
        for each image. ``"shared"``: Nengo's build-time draw from U(0, 1), one per
        neuron (seeded by the network seed), the same for every image and batch.
        ``"per-image"``: an independent U(0, 1) draw per image and neuron, as
        PyTorchSpiking (the thesis) does, from
        `nengo_fashion.neurons.thesis_spiking.draw_initial_voltages` with
        ``voltage_seed``, so image ``i`` gets the same voltages whatever the batch
        size. An ``(n, 128)`` array gives the voltages explicitly.
    voltage_seed : int
        Seed of the ``"per-image"`` voltages.
    neuron_type : nengo.neurons.NeuronType, optional
        Overrides the family's spiking type.
    engine : {"auto", "nengo_dl"}
        ``"nengo_dl"`` always simulates in NengoDL (the reference); ``"auto"`` uses
        the numpy executor when it supports the neuron type.
    threads : int, optional
        The numpy executor's blocks of images simulated at once (default: the number
        of CPUs).
    """

    batch_size: int = 500
    keep_outputs: bool = False
    prefixes: tuple = None
    initial_voltage: object = "shared"
    voltage_seed: int = 0
    neuron_type: object = None
    engine: str = "auto"
    threads: int = None

    def __post_init__(self):
        if not _is_int(self.batch_size) or self.batch_size < 1:
            raise ConfigError(f"batch_size must be an integer >= 1, got {self.batch_size!r}")
        if self.engine not in ENGINES:
            raise ConfigError(f"engine must be one of {ENGINES}, got {self.engine!r}")
        if self.threads is not None and (not _is_int(self.threads) or self.threads < 1):
            raise ConfigError(f"threads must be None or an integer >= 1, got {self.threads!r}")
        if isinstance(self.initial_voltage, str) and self.initial_voltage not in INITIAL_VOLTAGES:
            raise ConfigError(
                f"initial_voltage must be one of {INITIAL_VOLTAGES} or an array, "
                f"got {self.initial_voltage!r}"
            )
        if self.prefixes is not None:
            prefixes = tuple(self.prefixes)
            if not all(
                isinstance(k, numbers.Integral) and not isinstance(k, bool) for k in prefixes
            ):
                raise ConfigError(f"prefixes must be step counts, got {self.prefixes!r}")
            prefixes = tuple(int(k) for k in prefixes)
            object.__setattr__(self, "prefixes", prefixes or None)

    def steps_scored(self, steps):
        """The sorted step counts to score (the ``prefixes``, or just ``steps``), checked."""
        ks = sorted(set(self.prefixes)) if self.prefixes else [steps]
        if ks[-1] > steps or ks[0] < 1:
            raise ValueError(f"prefixes must lie in 1..{steps}, got {ks}")
        return ks

    def voltages(self, n_images):
        """The ``(n_images, 128)`` initial voltages asked for, or None for ``"shared"``."""
        return resolve_initial_voltages(
            self.initial_voltage, n_images, N_HIDDEN, seed=self.voltage_seed
        )

    def results(self, by_steps, steps):
        """What a run returns: ``{k: SpikingResult}`` with prefixes, else the one result."""
        return by_steps if self.prefixes else by_steps[steps]
