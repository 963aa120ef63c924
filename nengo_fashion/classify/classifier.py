"""A trained run, ready to classify pictures: `Classifier`, `load` and `PredictConfig`.

`Classifier` reads a run folder (``config.json`` and, by `nengo_fashion.weights.Weights.load`,
``weights.npz``) without importing Nengo; `Classifier.predict` reads the pictures
(`nengo_fashion.classify.pictures`), runs the mode's engine (`nengo_fashion.classify.modes`) and
answers with a `Prediction`. `PredictConfig` holds how it classifies: the mode, the engine's
setting and how pictures are read.
"""

import dataclasses
from pathlib import Path
from typing import Optional

import numpy as np

from ..data import N_CLASSES, N_PIXELS
from ..errors import ConfigError, NengoFashionError, RunError
from ..extras import require_mode
from ..knobs import knob
from ..runs import read_config
from ..weights import Weights
from . import modes
from . import reject as reject_mod
from .pictures import collect
from .prediction import Prediction, softmax

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_RUN = "best-relu"
"""The name of the run `load` uses when none is named: the copy shipped inside the package
(`nengo_fashion.models`) of the committed run ``results/best-relu``, the one with the
highest rate and spiking test accuracy (README, "Trained runs")."""

MODES = ("rate", "spiking", "loihi")
"""The networks that can answer (see `nengo_fashion.classify`)."""

ERRORS = ("raise", "skip")
"""What an unreadable file can do: raise `InputError`, or be left out and listed."""


def _numbers(steps, dt, scale):
    """numpy scalars as Python numbers (the settings' checks want int steps, float dt)."""
    out = {}
    for name, value in dict(steps=steps, dt=dt, scale=scale).items():
        if isinstance(value, np.integer):
            value = int(value)
        elif isinstance(value, np.floating):
            value = float(value)
        out[name] = value
    return out


@dataclasses.dataclass(frozen=True)
class PredictConfig:
    """How `Classifier.predict` classifies pictures.

    Parameters
    ----------
    mode : {"rate", "spiking", "loihi"}
        The network that answers (see `nengo_fashion.classify`).
    steps : int or None
        Timesteps per image (spiking and loihi modes); None: the run's own.
    dt : float or None
        Time step, in seconds (spiking and loihi modes); None: the run's own.
    scale : float or None
        Firing-rate scale (spiking and loihi modes); None: the run's own.
    preprocess : bool
        Turn each picture into Fashion-MNIST's form first (`nengo_fashion.images.preprocess`);
        one already in that form (28 x 28, dark background) passes unchanged. False gives
        the pictures to the network as they are (they must be 28 x 28).
    errors : {"raise", "skip"}
        What an unreadable file does: raise `InputError`, or leave the file out and list it
        in `Prediction.failed`.
    reject : bool
        Answer "not clothing" for a picture the run's check (`nengo_fashion.classify.reject`)
        finds unlike Fashion-MNIST (the default); False: the network's class for every picture.
    """

    mode: str = knob(
        "rate",
        "rate: the rate network (default); spiking: the spiking network on the numpy "
        "executor; loihi: nengo-loihi's emulator with the run's chosen mapping (loihi.json)",
        parse=MODES,
    )
    steps: Optional[int] = knob(
        None,
        "timesteps per image, spiking and loihi modes (default: the run's own)",
        parse="positive_int",
    )
    dt: Optional[float] = knob(
        None, "time step in seconds (default: the run's)", parse="positive_float"
    )
    scale: Optional[float] = knob(
        None, "firing-rate scale (default: the run's)", parse="positive_float"
    )
    preprocess: bool = knob(
        True,
        "turn each picture into Fashion-MNIST's form first (the default); --no-preprocess "
        "gives the pictures to the network as they are (they must be 28 x 28, garment "
        "light on black)",
        parse="flag",
    )
    errors: str = "raise"
    reject: bool = knob(
        True,
        "answer 'not clothing' for a picture that is not like a garment (the default); "
        "--no-reject: the nearest class for every picture",
        parse="flag",
    )

    def __post_init__(self):
        for name, value in _numbers(self.steps, self.dt, self.scale).items():
            object.__setattr__(self, name, value)
        if self.mode not in MODES:
            raise ConfigError(f"mode must be one of {', '.join(MODES)}; got {self.mode!r}")
        if self.mode == "rate" and any(v is not None for v in (self.steps, self.dt, self.scale)):
            raise ConfigError("steps, dt and scale apply to the spiking and loihi modes, not rate")
        if self.errors not in ERRORS:
            raise ConfigError(f"errors must be 'raise' or 'skip'; got {self.errors!r}")


def predict_config(config=None, **changes):
    """``config`` (default `PredictConfig()`) with the ``changes`` that are not None.

    A name that is not a field of `PredictConfig` is a `TypeError`, as an unknown keyword
    of a function is; a bad value is a `ConfigError` (`PredictConfig`'s checks).
    """
    if config is None:
        config = PredictConfig()
    elif not isinstance(config, PredictConfig):
        raise ConfigError(f"config must be a PredictConfig, got {type(config).__name__}")
    fields = {f.name for f in dataclasses.fields(PredictConfig)}
    for name in changes:
        if name not in fields:
            raise TypeError(f"predict() got an unexpected keyword argument {name!r}")
    changes = {k: v for k, v in changes.items() if v is not None}
    return dataclasses.replace(config, **changes) if changes else config


def resolve_run(run=None):
    """The run folder ``run`` names.

    None: the packaged run `DEFAULT_RUN`. A folder on disk: that folder. Another single
    name: the run of that name shipped in the package (`nengo_fashion.models.RUNS`), else,
    in a clone of the repository, the committed run ``results/NAME``; a name that is
    neither is a `RunError` that lists the packaged runs.
    """
    from .. import models

    if run is None:
        run = DEFAULT_RUN
    else:
        path = Path(run)
        if path.is_dir() or path.is_absolute() or len(path.parts) != 1:
            return path  # a folder (Classifier says so if it is missing)
    packaged = models.run_folder(str(run))
    if packaged is not None:
        return packaged
    committed = ROOT / "results" / str(run)
    if committed.is_dir():
        return committed
    raise RunError(
        f"no run folder or packaged run named {str(run)!r}; the packaged runs are "
        f"{', '.join(models.RUNS)} (or give a folder written by python -m nengo_fashion.train)"
    )


class Classifier:
    """A trained run, ready to classify pictures: ``clf(images)`` is `Classifier.predict`.

    Parameters
    ----------
    run : str or Path, optional
        A run folder written by ``python -m nengo_fashion.train`` (``config.json`` and
        ``weights.npz``), or the name of a run shipped in the package (`resolve_run`);
        default `DEFAULT_RUN`.
    reject : bool
        Check pictures with the run's "not clothing" check (`nengo_fashion.classify.reject`,
        its ``ood.npz`` and ``ood.json``; a run without them has none); False: never.

    Attributes
    ----------
    path : Path
        The run folder.
    rejector : nengo_fashion.classify.reject.Rejector or None
        The run's check, or None (``reject=False``, or a run without one).
    family : str
        The neuron family it was trained with (``"relu"``, ``"lif"``, ...).
    spiking : nengo_fashion.config.SpikeSettings
        The run's own spiking setting (``config.json``): what spiking mode uses by default.
    """

    def __init__(self, run=None, reject=True):
        path = resolve_run(run)
        if not path.is_dir():
            raise RunError(
                f"run folder {path} not found; give a folder written by python -m "
                f"nengo_fashion.train, or the name of a packaged run (default: {DEFAULT_RUN})"
            )
        config = read_config(path)  # the run folder's one reader, without Nengo
        if not isinstance(config["neuron"], str):
            raise RunError(f"{path / 'config.json'} names no neuron family; it is not a run's")
        self.path = path
        self.config = config
        self.family = config["neuron"]
        self._settings = None
        self._weights = Weights.load(path / "weights.npz")
        self.rejector = reject_mod.load(path) if reject else None

    @property
    def spiking(self):
        """The run's own `SpikeSettings` (read when first needed: the rate mode does
        without)."""
        if self._settings is None:
            from ..config import SpikeSettings, TrainConfig

            config = self.config
            try:
                if isinstance(config.get("spiking"), dict):
                    self._settings = SpikeSettings(**config["spiking"])
                else:  # written before the field existed: the config's own default
                    self._settings = TrainConfig.fromdict(config).spiking
            except (TypeError, NengoFashionError) as e:
                raise RunError(
                    f"{self.path / 'config.json'} has no valid spiking setting ({e})"
                ) from None
        return self._settings

    def __repr__(self):
        return f"Classifier({str(self.path)!r}, family={self.family!r})"

    @property
    def weights(self):
        """The run's `nengo_fashion.weights.Weights` (read by `Weights.load`)."""
        return self._weights

    def spike_settings(self, steps=None, dt=None, scale=None):
        """The run's spiking setting with ``steps``, ``dt`` (s) or ``scale`` replaced."""
        changes = {k: v for k, v in _numbers(steps, dt, scale).items() if v is not None}
        return dataclasses.replace(self.spiking, **changes)

    def loihi_mapping(self, steps=None, dt=None, scale=None):
        """The Loihi mapping of this run: its ``loihi.json`` settings, else the default.

        ``steps`` sets the presentation to ``steps * dt`` seconds; ``dt`` (s) and ``scale``
        replace the mapping's. Returns a `loihi.mapping.MappingSettings`
        (`nengo_fashion.classify.modes.loihi_mapping`).
        """
        return modes.loihi_mapping(self, **_numbers(steps, dt, scale))

    def predict(self, images, mode=None, steps=None, *, config=None, quiet=True, **options):
        """Classify pictures.

        Parameters
        ----------
        images : str, Path, list, PIL.Image.Image or numpy.ndarray
            An image file, a folder (its files, not its subfolders or hidden files, by
            name), a list of files and folders, a PIL image, or a numpy array of shape
            ``(28, 28)``, ``(N, 28, 28)`` or ``(N, 784)`` with uint8 pixels in 0-255 or
            float pixels in [0, 1] (0 is black: Fashion-MNIST has light garments on black).
        mode : {"rate", "spiking", "loihi"}, optional
            The network that answers (see `nengo_fashion.classify`); default ``"rate"`` (or
            ``config``'s).
        steps : int, optional
            Timesteps per image (spiking and loihi modes); default the run's own.
        config : PredictConfig, optional
            How to classify; ``mode``, ``steps`` and ``options`` given replace its fields.
        quiet : bool
            Print no progress (on stderr) while files are read and the emulator runs.
        **options
            The other fields of `PredictConfig`: ``dt`` (time step, in seconds), ``scale``
            (firing-rate scale), ``preprocess`` (bool, default True), ``errors``
            (``"raise"``, the default, or ``"skip"``) and ``reject`` (bool, default True:
            the run's "not clothing" check, see `Prediction.not_clothing`).

        Returns
        -------
        Prediction

        Raises
        ------
        nengo_fashion.errors.MissingDependencyError
            The spiking or loihi mode without its extra (``pip install
            "nengo-fashion[spiking]"``, ``[loihi]``) installed.
        """
        config = predict_config(config, mode=mode, steps=steps, **options)
        require_mode(config.mode)  # one line naming the extra a missing package is in
        sources, x, failed = collect(images, config.preprocess, config.errors, quiet)
        flat = x.reshape(len(x), N_PIXELS)
        spikes = input_spikes = None
        settings = {}
        if config.mode == "rate":
            logits = self.rate_logits(flat)
            labels = logits.argmax(axis=1) if len(flat) else np.zeros(0, dtype=np.int64)
        elif config.mode == "spiking":
            s = self.spike_settings(config.steps, config.dt, config.scale)
            settings = s.asdict()
            labels, logits, spikes = modes.spiking_answers(self.weights, self.family, flat, s)
        else:
            m = self.loihi_mapping(config.steps, config.dt, config.scale)
            settings = m.asdict()
            answers = modes.loihi_answers(self.weights, self.family, flat, m, quiet)
            labels, logits, spikes, input_spikes = answers
        return Prediction(
            labels=np.asarray(labels, dtype=np.int64),
            scores=softmax(logits) if len(flat) else np.zeros((0, N_CLASSES)),
            spike_counts=spikes,
            sources=tuple(sources),
            images=x,
            mode=config.mode,
            settings=settings,
            run=str(self.path),
            failed=tuple(failed),
            input_spike_counts=input_spikes,
            not_clothing=self.not_clothing(flat) if config.reject else np.zeros(len(flat), bool),
        )

    __call__ = predict  # clf(images) is clf.predict(images)

    def not_clothing(self, images):
        """``(n,)`` bool: which of ``(n, 784)`` pixels in [0, 1] the run's check answers "not
        clothing" (`nengo_fashion.classify.reject`; all False without a check)."""
        if self.rejector is None or not len(images):
            return np.zeros(len(images), dtype=bool)
        hidden = reject_mod.hidden_rates(self.weights, images)
        return self.rejector.reject(images, hidden)

    def rate_logits(self, images):
        """Logits ``(n, 10)`` of the rate network for ``(n, 784)`` pixels in [0, 1]."""
        return modes.rate_logits(self.weights, self.family, images)


def load(run=None, reject=True):
    """A `Classifier` of a trained run: a run folder, or the name of a run shipped in the
    package (default `DEFAULT_RUN`, ``"best-relu"``); see `resolve_run`. ``reject``: use the
    run's "not clothing" check (`Classifier`)."""
    return Classifier(run, reject)
