"""Frozen configurations: one for training, one for spiking inference.

Every run folder stores the resolved `TrainConfig` as ``config.json``, so a run can
be re-created and re-evaluated exactly.

A training knob is one declaration: a field of `TrainConfig` with its type annotation and
a `knob` (its default and ``--help``; `nengo_fashion.knobs`), and its entry in the class'
docstring. The commands that train (``train``, ``seeds``, ``search``, ``reproduce``) build
their options from the fields (`nengo_fashion.cli.add_knobs`) and the studies take
`TrainConfig` overrides (`check_overrides`), so a new knob reaches all of them. Its type is
checked from the annotation, its choices from the knob; a range, where one is needed, is
one row of `TRAIN_RANGES`.
"""

import dataclasses
from pathlib import Path
from typing import Optional

from .errors import ConfigError
from .images.augment import AUGMENTERS
from .knobs import check_choices, check_field_types, check_ranges, is_finite, is_int, knob

READOUTS = ("mean", "last")
LR_SCHEDULES = ("constant", "cosine")
AUGMENTS = tuple(AUGMENTERS)
TRAIN_INPUTS = ("pixels", "ttfs")

MAX_STEPS = 10_000
"""The most timesteps a spiking setting (or a Loihi presentation) may show one image for.

The committed results use at most 200 (``results/``: 50; README and tests: 200); this is
50 times that, and it keeps a mistyped ``--steps 1000000000`` from running for days with
no output."""

MAX_SEED = 2**32 - 1
"""The largest seed: numpy's `~numpy.random.RandomState` takes seeds in 0..2**32 - 1."""

N_TRAIN_IMAGES = 60_000
"""Images of Fashion-MNIST's training split (training images + ``n_val`` validation)."""


DT_RANGE = (1e-6, 10.0)
"""Allowed simulation time steps, in seconds. The engines compute in float32: a spike's
amplitude is ``1 / (dt * scale)``, and a ``dt`` of 1e-50 makes it infinite (NaN
accuracies, NaN rates). The committed results use 0.001 to 1 s."""

SCALE_RANGE = (1e-3, 1e6)
"""Allowed firing-rate scales. ``scale`` multiplies the hidden neurons' input and divides
their output in float32: 1e39 overflows it. The committed results use 1 to 300."""


def check_range(value, low, high, what, unit=""):
    """Return ``value`` if it is a real number in ``[low, high]``, else raise `ConfigError`."""
    if not (is_finite(value) and low <= value <= high):
        raise ConfigError(
            f"{what} must be a number in {low:g}..{high:g}{unit}, got {value!r} (the engines "
            "compute in float32)"
        )
    return value


def check_seed(seed, what="seed"):
    """Refuse a seed numpy cannot take (a `ConfigError`): an integer in 0..2**32 - 1."""
    if not is_int(seed) or not 0 <= seed <= MAX_SEED:
        raise ConfigError(f"{what} must be an integer in 0..{MAX_SEED} (2**32 - 1), got {seed!r}")
    return seed


@dataclasses.dataclass(frozen=True)
class SpikeSettings:
    """How a trained network is run with spiking neurons.

    Parameters
    ----------
    dt : float
        Simulation time step, in seconds.
    steps : int
        Timesteps each image is presented for (latency = ``steps * dt`` seconds).
    synapse : float or None
        Time constant (tau, in seconds) of a lowpass filter on the hidden layer's
        spikes before the output layer; None for no filter.
    scale : float
        Firing-rate scale. Inputs to the hidden neurons are multiplied by ``scale``
        and their output amplitude divided by it, so the rate network computes the
        same function while spiking neurons fire ``scale`` times faster.
    readout : {"mean", "last"} or None
        How a prediction is read from the output over time: ``"mean"`` averages it
        over all steps (the thesis' temporal average pooling), ``"last"`` takes the
        final step. None picks ``"mean"`` without a synapse and ``"last"`` with one.
    """

    dt: float = 0.001
    steps: int = 30
    synapse: float = None
    scale: float = 1.0
    readout: str = None

    def __post_init__(self):
        check_range(self.dt, *DT_RANGE, "dt", " seconds")
        if not is_int(self.steps) or not 1 <= self.steps <= MAX_STEPS:
            raise ConfigError(f"steps must be an integer in 1..{MAX_STEPS}, got {self.steps!r}")
        if self.synapse is not None and not (is_finite(self.synapse) and self.synapse >= 0):
            raise ConfigError(f"synapse must be None or a tau >= 0 seconds, got {self.synapse!r}")
        check_range(self.scale, *SCALE_RANGE, "scale")
        readout = self.readout
        if readout is None:
            readout = "mean" if not self.synapse else "last"
            object.__setattr__(self, "readout", readout)
        if not isinstance(readout, str) or readout not in READOUTS:
            raise ConfigError(f"readout must be one of {READOUTS}, got {readout!r}")

    def asdict(self):
        return dataclasses.asdict(self)


_BEST = dict(
    batch_size=64, lr=1e-3, lr_schedule="cosine", shuffle=True, epochs=40, weight_decay=0.05
)
RECIPES = {
    # the thesis: Adam(1e-3), minibatch 32, 10 epochs, no shuffling, seed 0
    "thesis": {},
    # the winner of `python -m nengo_fashion.studies.search` on the validation split
    # (results/recipe_search.json; a test keeps the two in step)
    "best": _BEST,
    # `best` distilled from a CNN teacher (needs --teacher), with left-right flips;
    # the distilled winner of `python -m nengo_fashion.studies.search --space distill`
    # (results/distill_search.json; a test keeps the two in step)
    "distill": dict(_BEST, augment="flip", kd_alpha=0.5, kd_temperature=2.0),
}
"""Named sets of defaults; options given explicitly override them."""


VARIANTS = {
    "none": {},
    # PyTorchSpiking's spiking_aware_training=True at the thesis' dt = 0.01, 10 steps
    "spike-aware": dict(spike_aware=True, train_steps=10, train_dt=0.01),
    # spike-aware, plus loss += 1e-3 * sum((rate - 20 Hz)^2), the thesis' activity regulariser
    "rate-reg": dict(
        spike_aware=True, train_steps=10, train_dt=0.01, rate_reg=1e-3, rate_target_hz=20.0
    ),
    # spike-aware, with a lowpass (tau 0.1 s) on the spiking layer instead of temporal
    # averaging; the prediction is the filtered output at the last step
    "lowpass": dict(spike_aware=True, train_steps=10, train_dt=0.01, train_synapse=0.1),
}
"""The thesis' three improvement variants as training knobs (README, "Variants")."""


TRAIN_RANGES = {
    "epochs": (lambda v: v >= 1, "epochs must be an integer >= 1"),
    "batch_size": (lambda v: v >= 1, "batch size must be an integer >= 1"),
    "n_val": (
        lambda v: 1 <= v < N_TRAIN_IMAGES,
        f"n_val must leave training images: 1..{N_TRAIN_IMAGES - 1}",
    ),
    "lr": (lambda v: v > 0, "learning rate must be > 0"),
    "weight_decay": (lambda v: v >= 0, "weight decay must be >= 0"),
    "train_steps": (
        lambda v: 1 <= v <= MAX_STEPS,
        f"train_steps must be an integer in 1..{MAX_STEPS}",
    ),
    "train_synapse": (lambda v: v is None or v > 0, "train_synapse must be None or > 0 s"),
    "train_neuron": (bool, "train_neuron must be a name"),
    "rate_reg": (lambda v: v >= 0, "rate_reg must be >= 0"),
    "kd_alpha": (lambda v: 0 <= v <= 1, "kd_alpha must be in [0, 1]"),
    "kd_temperature": (lambda v: v > 0, "kd_temperature must be > 0"),
    "kd_copies": (lambda v: v >= 1, "kd_copies must be an integer >= 1"),
    "label_smoothing": (lambda v: 0 <= v < 1, "label_smoothing must be in [0, 1)"),
    "prune_keep": (lambda v: 0 < v <= 1, "prune_keep must be in (0, 1]"),
}
"""The ranges of `TrainConfig`'s fields (`check_ranges`), checked after their types; the
seed, ``train_dt`` and the limits between fields are `TrainConfig`'s own checks."""


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a training run.

    Parameters
    ----------
    recipe : str
        Name of the recipe the defaults came from (see `RECIPES`).
    neuron : str
        Neuron family: ``"relu"``, ``"lif"``, ``"lif-noref"`` or another name in
        `nengo_fashion.families.FAMILIES`.
    epochs : int
        Passes over the training split.
    batch_size : int
        Minibatch size. NengoDL needs whole minibatches, so each epoch uses the
        largest multiple of it (55,000 -> 54,976 images at 32).
    lr : float
        Adam's (initial) learning rate.
    lr_schedule : {"constant", "cosine"}
        Constant, or cosine decay to zero over all training steps.
    weight_decay : float
        Decoupled weight decay (AdamW) coefficient; 0 for plain Adam.
    shuffle : bool
        Whether to reshuffle the training images every epoch (seeded).
    augment : {"none", "flip", "shift-flip"}
        ``"flip"`` mirrors a random half of the training images left-right each
        epoch (seeded); ``"shift-flip"`` also shifts each image by up to 2 pixels
        (`nengo_fashion.images.augment`). Clothes are left-right symmetric classes; the
        network is unchanged.
    seed : int
        Seed of weight initialisation, shuffling and TensorFlow.
    n_val : int
        Number of last training images held out for validation.
    n_train : int or None
        Use only the first ``n_train`` training images (quick runs and tests).
    variant : str
        Name of the thesis variant the training knobs below came from (see
        `VARIANTS`), for the record.
    train_steps : int
        Timesteps each training image is presented for (1 for plain rate
        training). With more, the loss is the cross-entropy of the readout over
        time (mean, or last step with a ``train_synapse``), as the thesis' temporal
        average pooling.
    train_dt : float
        Time step in training, in seconds (matters for spike-aware training).
    spike_aware : bool
        Spikes in the forward pass, the rate gradient backward
        (`nengo_fashion.neurons.spike_aware`).
    train_synapse : float or None
        Lowpass tau (s) on the hidden-to-output connection during training.
    rate_reg : float
        Weight of the firing-rate regulariser ``rate_reg * sum_i (r_i - target)^2``
        (``r_i``: hidden neuron i's rate in Hz, averaged over the presentation),
        averaged over the minibatch; 0 for none.
    rate_target_hz : float
        The regulariser's target rate, in Hz.
    train_neuron : str
        ``"nengo"`` trains with the family's rate type; another name is looked up
        in `nengo_fashion.families.TRAINING_NEURONS` (e.g. ``"loihi"``, registered by
        the ``loihi`` package: nengo-loihi's neuron types, trained through their rate
        approximations of Loihi's discretised neurons, at the ``spiking.scale``
        firing-rate scale).
    init_run : str, Path or None
        A run folder whose ``weights.npz`` starts the training (fine-tuning).
    teacher : str, Path or None
        A teacher run folder (`nengo_fashion.teacher`): distil it into this network
        (`nengo_fashion.teacher.distill`); None trains on the labels alone.
    kd_alpha : float
        Weight of the teacher's softened outputs in the loss (0..1); the labels
        get ``1 - kd_alpha``.
    kd_temperature : float
        Temperature T of the softened outputs.
    kd_copies : int
        Augmented copies of the training split whose teacher logits are computed
        before training; epoch e trains on copy ``e % kd_copies``.
    label_smoothing : float
        Label smoothing of the cross-entropy with the labels (0 for none).
    train_input : str
        What the network is given in training at each step: ``"pixels"`` (the pixels,
        the same every step) or ``"ttfs"`` (the time-to-first-spike arrivals so far,
        `nengo_fashion.inference.encoding.TTFSCode.cumulative`, with a window of
        ``train_steps``: the step currents of the TTFS chip mapping).
    prune_keep : float
        Fraction of the first layer's 100,352 weights kept, in (0, 1]; the others are
        pruned to exact zeros during training by gradual magnitude pruning
        (`nengo_fashion.sparsity.pruning`). 1 (the default) prunes nothing.
    spiking : SpikeSettings or None
        The setting of the spiking swap reported in ``results.json``; None takes
        dt = 1 ms, 30 steps and the neuron family's ``default_scale``.
    """

    recipe: str = knob(
        "thesis",
        "named defaults: 'thesis' (Adam 1e-3, batch 32, 10 epochs, no shuffling), 'best' "
        "(chosen on validation) or 'distill' (best, distilled from --teacher); other options "
        "override",
        parse=tuple(sorted(RECIPES)),
    )
    neuron: str = knob(
        "relu",
        "neuron family: relu (RectifiedLinear -> SpikingRectifiedLinear), lif (LIFRate -> "
        "LIF), lif-noref, qcfs4/8/16 (few-step QCFS); default relu",
        parse="family",
    )
    epochs: int = knob(10, "passes over the training split", parse="positive_int")
    batch_size: int = knob(32, "minibatch size", parse="positive_int")
    lr: float = knob(1e-3, "learning rate", parse="positive_float")
    lr_schedule: str = knob("constant", "learning-rate schedule", parse=LR_SCHEDULES)
    weight_decay: float = knob(0.0, "decoupled weight decay (AdamW); 0: plain Adam", parse="float")
    shuffle: bool = knob(False, "reshuffle training images each epoch", parse="flag")
    augment: str = knob(
        "none",
        "'flip': mirror a random half of the training images each epoch; 'shift-flip': "
        "also shift each by up to 2 pixels",
        parse=AUGMENTS,
    )
    seed: int = knob(0, f"seed, 0..{MAX_SEED}", parse="seed")
    n_val: int = 5000
    n_train: Optional[int] = knob(
        None, "use only the first N training images (quick runs)", parse="positive_int"
    )
    variant: str = knob(
        "none",
        "spike-aware: spikes forward, rate gradient back (dt 0.01, 10 steps); rate-reg: loss "
        "+= 1e-3 * sum((rate - 20 Hz)^2); lowpass: tau 0.1 s lowpass instead of temporal "
        "averaging",
        parse=tuple(sorted(VARIANTS)),
        group="variants",
    )
    train_steps: int = knob(
        1, "timesteps per image in training (default 1)", parse="steps", group="variants"
    )
    train_dt: float = knob(0.001, "dt in training (s)", parse="positive_float", group="variants")
    spike_aware: bool = knob(
        False, "spikes forward, the rate's gradient backward", parse="flag", group="variants"
    )
    train_synapse: Optional[float] = knob(
        None,
        "lowpass tau (s) on the hidden layer in training",
        parse="positive_float",
        group="variants",
    )
    rate_reg: float = knob(0.0, "firing-rate regulariser weight", parse="float", group="variants")
    rate_target_hz: float = knob(
        20.0,
        "firing-rate regulariser target (Hz)",
        parse="positive_float",
        group="variants",
        aliases=("--rate-target",),
    )
    train_neuron: str = "nengo"
    init_run: Optional[Path] = knob(
        None,
        "start from this run's weights.npz (e.g. a relu run for a qcfs family)",
        metavar="RUN",
    )
    teacher: Optional[Path] = knob(
        None,
        "teacher run folder (python -m nengo_fashion.teacher); needed by --recipe distill",
        metavar="RUN",
        group="distillation",
    )
    kd_alpha: float = knob(0.5, "weight of the teacher (0..1)", parse="float", group="distillation")
    kd_temperature: float = knob(4.0, "temperature T", parse="positive_float", group="distillation")
    kd_copies: int = knob(
        10,
        "augmented copies of the training split with precomputed teacher logits",
        parse="positive_int",
        group="distillation",
    )
    label_smoothing: float = knob(
        0.0, "label smoothing (0 for none)", parse="float", group="distillation"
    )
    train_input: str = knob(
        "pixels",
        "what the network gets each step in training: the pixels, or the TTFS arrivals so "
        "far over --train-steps steps (the chip mapping's step currents)",
        parse=TRAIN_INPUTS,
        group="variants",
    )
    prune_keep: float = knob(
        1.0,
        "fraction of the first layer's weights kept (0..1]: gradual magnitude pruning over "
        "the first half of the epochs, then the mask fixed; default 1, no pruning",
        parse="positive_float",
        group="pruning",
    )
    spiking: Optional[SpikeSettings] = None

    def __post_init__(self):
        from .families import get_family  # here: the family table imports Nengo

        check_field_types(self)
        get_family(self.neuron)  # a clear error for an unknown family
        object.__setattr__(self, "spiking", self._spike_settings())
        check_choices(self)
        check_seed(self.seed)
        check_ranges(self, TRAIN_RANGES)
        check_range(self.train_dt, *DT_RANGE, "train_dt", " seconds")
        self._check_limits()

    def _spike_settings(self):
        """``spiking`` as a `SpikeSettings` (a dict of one, or None: `default_spiking`)."""
        if isinstance(self.spiking, dict):
            fields = {f.name for f in dataclasses.fields(SpikeSettings)}
            unknown = sorted(set(self.spiking) - fields)
            if unknown:
                raise ConfigError(
                    f"unknown spiking setting(s) {', '.join(map(repr, unknown))}; the settings "
                    f"are {', '.join(sorted(fields))}"
                )
            return SpikeSettings(**self.spiking)
        if self.spiking is None:
            return self.default_spiking()
        if not isinstance(self.spiking, SpikeSettings):
            raise ConfigError(
                f"spiking must be a SpikeSettings, a dict of one or None, got {self.spiking!r}"
            )
        return self.spiking

    def _check_limits(self):
        """The limits between fields: the batch and the training images, the training
        neurons and spike-aware training, the distill recipe and its teacher."""
        available = N_TRAIN_IMAGES - self.n_val
        if self.n_train is None and self.batch_size > available:
            raise ConfigError(
                f"batch size {self.batch_size} is larger than the {available} training "
                f"images ({N_TRAIN_IMAGES} - n_val {self.n_val}); use a batch size of at "
                f"most {available}"
            )
        if self.n_train is not None and self.n_train < self.batch_size:
            raise ConfigError(
                f"n_train must be at least the batch size ({self.batch_size}), got {self.n_train!r}"
            )
        if self.train_neuron != "nengo" and self.spike_aware:
            raise ConfigError(
                f"spike-aware training with {self.train_neuron!r} neurons is not supported"
            )
        if self.recipe == "distill" and self.teacher is None:
            raise ConfigError(
                "the distill recipe needs a teacher: --teacher results/teacher (train one "
                "with `python -m nengo_fashion.teacher`)"
            )

    def default_spiking(self):
        """The spiking setting reported for this run unless one is given.

        Plain rate training: dt = 1 ms, the family's ``default_steps`` (30, or the
        levels of a QCFS family) and ``default_scale``.
        A thesis variant: its own training dt, steps and synapse, scale 1.
        """
        if self.variant == "none":
            from .families import get_family

            family = get_family(self.neuron)
            return SpikeSettings(scale=family.default_scale, steps=family.default_steps)
        return SpikeSettings(
            dt=self.train_dt if self.train_steps > 1 else 0.01,
            steps=self.train_steps if self.train_steps > 1 else 10,
            synapse=self.train_synapse,
            scale=1.0,
        )

    def asdict(self):
        return dataclasses.asdict(self)

    @classmethod
    def fromdict(cls, d):
        """Inverse of `asdict` (ignores unknown keys written by newer versions)."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def make_config(recipe=None, variant=None, **overrides):
    """A `TrainConfig` from a recipe, a variant and explicit overrides (None = not given).

    ``recipe`` (a key of `RECIPES`) defaults to ``"thesis"`` and ``variant`` (a key of
    `VARIANTS`) to ``"none"``.
    """
    recipe = "thesis" if recipe is None else recipe
    variant = "none" if variant is None else variant
    if recipe not in RECIPES:
        raise ConfigError(f"unknown recipe {recipe!r}; choose one of {', '.join(RECIPES)}")
    if variant not in VARIANTS:
        raise ConfigError(f"unknown variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    values = dict(RECIPES[recipe], recipe=recipe, variant=variant, **VARIANTS[variant])
    values.update({k: v for k, v in overrides.items() if v is not None})
    return TrainConfig(**values)


def check_overrides(overrides, *, fixed=()):
    """``overrides`` of `TrainConfig` fields (what a study trains with), as a new dict.

    A `ConfigError` if one names no field of `TrainConfig`, or a field in ``fixed`` (one
    that the study sets itself, e.g. ``seed`` in ``seeds``). `make_config` takes them, the
    recipe and the variant included.
    """
    if not isinstance(overrides, dict):
        raise ConfigError(f"the training overrides must be a mapping, got {overrides!r}")
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise ConfigError(
            f"unknown training setting(s) {', '.join(map(repr, unknown))}; the settings are "
            f"the fields of TrainConfig"
        )
    taken = sorted(set(overrides) & set(fixed))
    if taken:
        raise ConfigError(
            f"{', '.join(taken)} cannot be given here: this study sets {', '.join(taken)} itself"
        )
    return dict(overrides)
