"""Mapping the 784-128-10 network onto nengo-loihi: the choices, in one place.

The network is `nengo_fashion.network.build_network`; this module only decides

* **the neuron type** on the chip (`NEURONS`): Loihi's own
  ``LoihiSpikingRectifiedLinear`` / ``LoihiLIF`` (what the chip computes, with
  its discretised rates) or the plain Nengo ones, each for the neuron family the
  run was trained with;
* **the input** (``input_code``): ``"ttfs"`` sends one spike per pixel into
  step currents (`loihi.ttfs`); ``"rate"``: pixels become spikes off-chip, in an Ensemble of 784
  ``SpikingRectifiedLinear`` neurons firing ``input_rate`` Hz for a white pixel
  (``on_chip = False``), as nengo-loihi's examples do. Only their spikes go to
  the chip, one input axon per pixel. (nengo-loihi's default for a Node input
  is a pair of on/off neurons per pixel, both firing at 500 Hz for a black
  pixel: 1,568 axons and about 27 times more input spikes.)
* **the output**: the hidden neurons' spikes come off the chip and the 10x128
  output weights are applied on the host, the prediction being the argmax of
  the output averaged over the presentation after its first ``skip`` steps;
* **block shape**: the hidden layer fits one core (128 of 1,024 compartments,
  784 of 4,096 input axons); ``block_size`` splits it into smaller blocks.
"""

import dataclasses
import math

import nengo
import numpy as np

from nengo_fashion.config import DT_RANGE, MAX_STEPS, SCALE_RANGE, check_range
from nengo_fashion.errors import ConfigError
from nengo_fashion.families import get_family
from nengo_fashion.knobs import knob
from nengo_fashion.network import NetworkSpec, spiking_network

from . import require_nengo_loihi


@dataclasses.dataclass(frozen=True)
class LoihiNeuron:
    """A neuron type for the chip and the family whose weights it can run."""

    name: str
    family: str
    loihi: bool  # one of nengo-loihi's own types (else a plain Nengo type)

    def make(self, amplitude):
        if self.loihi:
            nl = require_nengo_loihi()
            cls = {"relu": nl.neurons.LoihiSpikingRectifiedLinear, "lif": nl.neurons.LoihiLIF}
        else:
            cls = {"relu": nengo.SpikingRectifiedLinear, "lif": nengo.LIF}
        return cls[self.family](amplitude=amplitude)


NEURONS = {
    n.name: n
    for n in (
        LoihiNeuron("LoihiSpikingRectifiedLinear", "relu", True),
        LoihiNeuron("LoihiLIF", "lif", True),
        LoihiNeuron("SpikingRectifiedLinear", "relu", False),
        LoihiNeuron("LIF", "lif", False),
    )
}
"""Neuron types the mapping offers, by class name."""

DEFAULT_NEURON = {"relu": "LoihiSpikingRectifiedLinear", "lif": "LoihiLIF"}

INPUT_CODES = ("rate", "ttfs")
"""How pixels enter the chip (`MappingSettings.input_code`)."""

PRESENTATION_HELP = (
    f"seconds each image is shown (default 0.03): at least --dt, at most {MAX_STEPS} steps "
    f"of --dt ({MAX_STEPS * 0.001:g} s at 1 ms)"
)
"""``--presentation-time``'s help, shared with ``loihi.tune`` (`MappingSettings` checks it)."""


@dataclasses.dataclass(frozen=True)
class MappingSettings:
    """How the network is put on the chip and read out.

    Parameters
    ----------
    neuron : str
        A key of `NEURONS`.
    presentation_time : float
        Seconds each image is shown (``presentation_time / dt`` steps).
    dt : float
        Time step, in seconds (Loihi's usual 1 ms).
    scale : float
        Firing-rate scale of the hidden layer (see `build_network`).
    synapse : float or None
        Lowpass tau (s) on the hidden spikes before the output weights.
    input_rate : float
        Firing rate (Hz) of the input neuron of a white pixel.
    skip : int
        Steps at the start of each presentation left out of the readout.
    block_size : int or None
        Hidden neurons per block (core); None keeps the layer in one block.
    input_code : {"rate", "ttfs"}
        ``"rate"``: each pixel fires ``x * input_rate`` Hz for the whole
        presentation. ``"ttfs"``: each pixel spikes at most once, at step
        ``round((1 - x) * steps)``, into step currents (`loihi.ttfs`).
    ttfs_threshold : float
        ``"ttfs"`` only: pixels below it send no spike.
    input_tau : float
        ``"ttfs"`` only: lowpass time constant (s) of the input synapse, far longer
        than the presentation so that each input spike is a step current.
    """

    neuron: str = knob(
        "LoihiSpikingRectifiedLinear",
        "default: LoihiSpikingRectifiedLinear for relu runs, LoihiLIF for lif",
        parse=tuple(sorted(NEURONS)),
    )
    presentation_time: float = knob(0.03, PRESENTATION_HELP, parse="positive_float")
    dt: float = knob(0.001, "time step, in seconds (default 0.001)", parse="positive_float")
    scale: float = knob(
        100.0, "firing-rate scale (default: the run's spiking scale)", parse="positive_float"
    )
    synapse: float = knob(
        None,
        "lowpass tau on the hidden spikes, in seconds, or 'none' (the default)",
        parse="synapse",
    )
    input_rate: float = knob(
        250.0, "input neuron rate for a white pixel (Hz; default 250)", parse="positive_float"
    )
    skip: int = knob(
        0, "steps left out of each readout (0..steps - 1; default 0)", parse="non_negative_int"
    )
    block_size: int = knob(
        None, "hidden neurons per core (default: all 128 on one core)", parse="positive_int"
    )
    input_code: str = knob(
        "rate",
        "'rate' (the default): pixels fire --input-rate Hz for the whole presentation; 'ttfs': "
        "one spike per pixel, timed by its value, into step currents (see loihi/ttfs.py)",
        parse=INPUT_CODES,
        aliases=("--input",),
    )
    ttfs_threshold: float = knob(
        0.0, "--input ttfs: pixels below this send no spike (default 0)", parse="float"
    )
    input_tau: float = knob(
        2.0,
        "--input ttfs: lowpass tau (s) of the input synapse, the step current (default 2)",
        parse="positive_float",
    )

    def __post_init__(self):
        if self.neuron not in NEURONS:
            raise ConfigError(f"unknown neuron {self.neuron!r}; choose one of {', '.join(NEURONS)}")
        check_range(self.dt, *DT_RANGE, "dt", " seconds")
        check_range(self.scale, *SCALE_RANGE, "scale")
        if not self.presentation_time >= self.dt:
            raise ConfigError(
                f"presentation time ({self.presentation_time} s) must be at least one dt "
                f"({self.dt} s)"
            )
        if not math.isfinite(self.presentation_time) or self.steps > MAX_STEPS:
            steps = self.presentation_time / self.dt
            raise ConfigError(
                f"presentation time {self.presentation_time:g} s is {steps:g} steps of dt "
                f"{self.dt:g} s; at most {MAX_STEPS} steps per image ({MAX_STEPS * self.dt:g} s "
                "at this dt)"
            )
        if not 0 <= self.skip < self.steps:
            raise ConfigError(f"skip must be in 0..{self.steps - 1} steps, got {self.skip}")
        if self.block_size is not None and not 1 <= self.block_size:
            raise ConfigError(f"block size must be >= 1, got {self.block_size}")
        if self.input_code not in INPUT_CODES:
            raise ConfigError(
                f"unknown input code {self.input_code!r}; choose one of {', '.join(INPUT_CODES)}"
            )
        if not 0 <= self.ttfs_threshold < 1:
            raise ConfigError(f"TTFS threshold must be in [0, 1), got {self.ttfs_threshold}")
        if self.input_code == "ttfs":
            if self.skip:
                raise ConfigError("the ttfs input reads out the whole window: use skip 0")
            if not self.presentation_time < self.input_tau <= 8.0:
                raise ConfigError(
                    f"input tau ({self.input_tau} s) must exceed the presentation "
                    f"({self.presentation_time} s) for step currents, and be at most 8 s "
                    "(nengo-loihi cannot scale longer current decays)"
                )

    @property
    def steps(self):
        return int(round(self.presentation_time / self.dt))

    def asdict(self):
        return dict(dataclasses.asdict(self), steps=self.steps)


def default_neuron(family):
    """The Loihi neuron type of a run's family, or a `ConfigError` if it has none."""
    try:
        return DEFAULT_NEURON[family]
    except KeyError:
        raise ConfigError(
            f"no Loihi neuron type maps the {family!r} family (mapped: "
            f"{', '.join(DEFAULT_NEURON)})"
        ) from None


def mapping_for(run_config, **given):
    """The `MappingSettings` of a run: the ``given`` values over the run's defaults.

    Parameters
    ----------
    run_config : nengo_fashion.config.TrainConfig
        The run's configuration: the neuron defaults to its family's Loihi type
        (`default_neuron`), the scale to its spiking scale; the rest to `MappingSettings`'.
    **given
        `MappingSettings` fields; None is not given, and a ``synapse`` of ``"none"`` (the
        option's spelling) is no synapse.
    """
    values = {k: v for k, v in given.items() if v is not None}
    if values.get("synapse") == "none":
        values["synapse"] = None
    if "neuron" not in values:
        values["neuron"] = default_neuron(run_config.neuron)
    values.setdefault("scale", run_config.spiking.scale)
    return MappingSettings(**values)


def check_family(settings, family):
    """A run's weights belong to one neuron family; refuse another family's neuron."""
    neuron = NEURONS[settings.neuron]
    if neuron.family != family:
        raise ConfigError(
            f"{settings.neuron} is a {neuron.family!r} neuron but the run was trained with the "
            f"{family!r} family; use --neuron {default_neuron(family)}"
        )


def has_pruned_weights(weights):
    """Whether the first layer holds exact zeros (a pruned run: a ``nengo.Sparse`` transform)."""
    return bool(np.count_nonzero(weights.hidden_w) < weights.hidden_w.size)


def build_loihi_network(weights, family, settings, images):
    """The network for nengo-loihi, presenting ``images`` one after another.

    Returns the `build_network` network, with nengo-loihi's config added.
    """
    nl = require_nengo_loihi()
    family = get_family(family)
    check_family(settings, family.name)
    neuron_type = NEURONS[settings.neuron].make(amplitude=family.amplitude / settings.scale)
    if settings.input_code == "ttfs":
        from .ttfs import TTFSNeuron, step_amplitude

        if family.name != "relu":
            raise ConfigError(
                f"the ttfs input is mapped for relu runs only (its reference model is Loihi's "
                f"ReLU compartment), not {family.name!r}"
            )

        input_neurons = TTFSNeuron(
            settings.steps,
            settings.ttfs_threshold,
            amplitude=step_amplitude(settings.dt, settings.input_tau),
        )
        input_synapse = nengo.Lowpass(settings.input_tau)
    else:
        input_neurons, input_synapse = nengo.SpikingRectifiedLinear, None
    spec = NetworkSpec(
        neuron_type=neuron_type,
        input_output=nengo.processes.PresentInput(images, settings.presentation_time),
        input_neurons=input_neurons,
        input_rate=settings.input_rate,
        input_synapse=input_synapse,
        probe_hidden=True,
        # pruned weights: only the non-zero synapses are stored on the chip
        sparse_transform=has_pruned_weights(weights),
    )
    net = spiking_network(weights, family, settings, spec)
    with net:
        nl.add_params(net)
        net.config[net.inp_neurons].on_chip = False
        if settings.block_size is not None:
            n = net.hidden.n_neurons
            if settings.block_size > n:
                raise ConfigError(
                    f"block size {settings.block_size} is larger than the hidden layer ({n})"
                )
            net.config[net.hidden].block_shape = nl.BlockShape((settings.block_size,), (n,))
    return net
