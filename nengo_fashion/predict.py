"""Classify your own pictures with a trained run: the Python API and its command.

The Python API (``nengo_fashion`` exports `load`, `Classifier`, `Prediction`, `CLASS_NAMES`
and `nengo_fashion.images.preprocess`)::

    import nengo_fashion as nf
    clf = nf.load()                                   # the default run, results/best-relu
    r = clf.predict("shirt.jpg")                      # the rate network
    r = clf.predict(images, mode="spiking", steps=8)  # spiking ReLU, 8 steps of 1 ms
    r = clf.predict(images, mode="loihi")             # nengo-loihi's emulator
    r.labels, r.names, r.scores, r.spike_counts       # one entry per image

The command::

    python -m nengo_fashion.predict shirt.jpg boots.png my_photos/
    python -m nengo_fashion.predict --mode spiking --steps 8 --top 3 shirt.jpg
    python -m nengo_fashion.predict --mode loihi --json answers.json my_photos/

**The default run** is `DEFAULT_RUN`, ``results/best-relu``: of the committed runs it has
the highest rate (89.68 %) and spiking (89.71 %) test accuracy (README, "Trained runs"),
and its ``loihi.json`` records the emulator mapping that ``loihi.tune`` chose for it.

**The modes** use the engines, settings and readout of the rest of the project, so that on
the same images they give the predictions `nengo_fashion.evaluate` (rate, spiking) and
``python -m loihi`` (loihi) give (``tests/test_predict.py`` checks it image by image):

- ``"rate"``: the numpy forward pass of the rate network (`nengo_fashion.weights.Weights.forward`;
  for the ReLU family the same float operations without importing Nengo, bit-identical,
  tested), which ``evaluate`` computes in NengoDL;
- ``"spiking"``: `nengo_fashion.inference.engine.run_spiking`, which runs the numpy executor
  (`nengo_fashion.inference.executor`) for the neuron types it supports, with the run's own spiking
  settings (``config.json``) unless ``steps``, ``dt`` or ``scale`` are given;
- ``"loihi"``: `loihi.run.evaluate` on nengo-loihi's emulator, one sequence of images (each
  image starts from the state the previous one left, as in ``python -m loihi``), with the
  mapping of the run's ``loihi.json`` (else the package's default mapping).

Neither "rate" nor "spiking" imports TensorFlow or NengoDL; "loihi" imports nengo-loihi (and
through it TensorFlow) when it is used. With the ReLU family, "rate" imports neither Nengo
nor numba: ``python -m nengo_fashion.predict photo.jpg`` starts about as fast as Python with
numpy and Pillow (``benchmarks/predict_cold_start.py``).

**The run's weights** are read by `nengo_fashion.weights.Weights.load`, the one reader that
every command uses (NaN or infinite weights, a damaged file, a ``.npy`` header of the wrong
shape or dtype: one `RunError`).

**Names** of files are shown by `nengo_fashion.images.preprocess.printable` in the command's
lines, its error lines and `Prediction.asdict`: a byte that is not UTF-8 as ``\\xff``, a
newline as ``\\n``, so that each picture keeps one line; `Prediction.sources` keeps the
names themselves.
"""

import contextlib
import dataclasses
import os
import reprlib
import sys
from pathlib import Path

import numpy as np

from .data import CLASS_NAMES, N_CLASSES, N_PIXELS
from .errors import ConfigError, NengoFashionError, RunError
from .images import preprocess as pp
from .weights import Weights

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RUN = ROOT / "results" / "best-relu"
"""The run `load` uses when none is named: the committed run with the highest rate and
spiking test accuracy (README, "Trained runs")."""

MODES = ("rate", "spiking", "loihi")
CHUNK = 1000
"""Images per call of the spiking engine (its memory grows with ``images x steps``)."""
PROGRESS_MIN = 10
"""Files from which reading them shows progress on stderr (unless ``quiet``)."""

ACCEPTED = (
    "a path to an image file, a folder of images, a list of such paths, a PIL image, or a "
    "numpy array of shape (28, 28), (N, 28, 28) or (N, 784) with uint8 pixels in 0-255 or "
    "float pixels in [0, 1]"
)


class InputError(NengoFashionError, ValueError):
    """Images in a form `Classifier.predict` does not accept, or a file it cannot read."""


@dataclasses.dataclass(frozen=True, eq=False)
class Prediction:
    """What a `Classifier` answered, one entry per image.

    Attributes
    ----------
    labels : numpy.ndarray
        ``(n,)`` int, the predicted class (0-9, an index into `CLASS_NAMES`).
    scores : numpy.ndarray
        ``(n, 10)`` float, a softmax of the network's output: of the rate net's logits, or
        of the spiking net's readout (the output averaged over the presentation, after the
        readout's skipped steps on Loihi). Each row sums to 1; the predicted class has the
        largest. They rank the classes; they are not calibrated probabilities.
    spike_counts : numpy.ndarray or None
        ``(n,)`` float, the hidden layer's spikes per image over its presentation (spiking
        and loihi modes); None in rate mode.
    sources : tuple of str
        Where each image came from: its file (the name as the file system gives it),
        ``"array[i]"`` or ``"image"`` (a PIL image).
    images : numpy.ndarray
        ``(n, 28, 28)`` float32 in [0, 1]: what the network saw (after preprocessing).
    mode : str
        ``"rate"``, ``"spiking"`` or ``"loihi"``.
    settings : dict
        The engine's settings: the spiking `~nengo_fashion.config.SpikeSettings` (dt in
        seconds, steps, synapse tau in seconds or None, scale, readout) or the Loihi
        `~loihi.mapping.MappingSettings`; empty in rate mode.
    run : str
        The run folder.
    failed : tuple of (str, str)
        ``(source, reason)`` of each file that could not be read (with ``errors="skip"``);
        the reason is one line that starts with the file's name as
        `nengo_fashion.images.preprocess.printable` shows it.
    input_spike_counts : numpy.ndarray or None
        ``(n,)`` input spikes per image (loihi mode only: the pixels' spikes to the chip).
    """

    labels: np.ndarray
    scores: np.ndarray
    spike_counts: object
    sources: tuple
    images: np.ndarray
    mode: str
    settings: dict
    run: str
    failed: tuple = ()
    input_spike_counts: object = None

    def __len__(self):
        return len(self.labels)

    @property
    def names(self):
        """The predicted classes' names, a list of ``n`` strings."""
        return [CLASS_NAMES[i] for i in self.labels]

    def top(self, k=3):
        """The ``k`` best classes of each image: a list (per image) of ``(name, score)``."""
        k = max(1, min(int(k), N_CLASSES))
        order = np.argsort(-self.scores, axis=1, kind="stable")[:, :k]
        return [[(CLASS_NAMES[j], float(s[j])) for j in row] for row, s in zip(order, self.scores)]

    def asdict(self, top=N_CLASSES):
        """JSON-ready: run, mode, settings, one entry per image and the failures (files by
        their names as `nengo_fashion.images.preprocess.printable` shows them, which any
        encoding can write)."""
        entries = []
        for i, best in enumerate(self.top(top)):
            entry = {
                "file": pp.printable(self.sources[i]),
                "label": int(self.labels[i]),
                "class": CLASS_NAMES[self.labels[i]],
                "score": float(self.scores[i, self.labels[i]]),
                "top": [{"class": name, "score": score} for name, score in best],
            }
            if self.spike_counts is not None:
                entry["hidden_spikes"] = float(self.spike_counts[i])
            if self.input_spike_counts is not None:
                entry["input_spikes"] = float(self.input_spike_counts[i])
            entries.append(entry)
        return {
            "run": self.run,
            "mode": self.mode,
            "settings": self.settings,
            "images": entries,
            "failed": [{"file": pp.printable(f), "error": e} for f, e in self.failed],
        }


def softmax(logits):
    """Row-wise softmax of ``(n, 10)`` logits (float64)."""
    z = np.asarray(logits, dtype=np.float64)
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def relu_logits(weights, images):
    """`Weights.forward` of a ReLU run without importing Nengo: the same float operations.

    ``Weights.forward`` computes the input current in float32, then Nengo's
    ``RectifiedLinear.rates`` (``amplitude * max(0, gain * x + bias)`` in float64, gain 1,
    amplitude 1), then the output product; this repeats those steps, so the logits are
    identical to the bit (``tests/test_predict.py``).

    Parameters
    ----------
    weights : nengo_fashion.weights.Weights
        The run's weights (float32).
    images : numpy.ndarray
        ``(n, 784)`` float32 pixels in [0, 1].
    """
    current = np.asarray(images, dtype=np.float32) @ weights.hidden_w.T
    j = np.ones(current.shape[1]) * current.astype(np.float64) + weights.hidden_b.astype(np.float64)
    hidden = 1.0 * np.maximum(0.0, j)
    return hidden @ weights.output_w.T + weights.output_b


def resolve_run(run=None):
    """The run folder ``run`` names: a folder, or the name of one under ``results/``."""
    if run is None:
        return DEFAULT_RUN
    path = Path(run)
    if not path.is_dir() and not path.is_absolute() and len(path.parts) == 1:
        committed = ROOT / "results" / path
        if committed.is_dir():
            return committed
    return path


class Classifier:
    """A trained run, ready to classify pictures.

    Parameters
    ----------
    run : str or Path, optional
        A run folder written by ``python -m nengo_fashion.train`` (``config.json`` and
        ``weights.npz``), or the name of one under ``results/``; default `DEFAULT_RUN`.

    Attributes
    ----------
    path : Path
        The run folder.
    family : str
        The neuron family it was trained with (``"relu"``, ``"lif"``, ...).
    spiking : nengo_fashion.config.SpikeSettings
        The run's own spiking setting (``config.json``): what spiking mode uses by default.
    """

    def __init__(self, run=None):
        from .atomic import read_json

        path = resolve_run(run)
        if not path.is_dir():
            raise RunError(
                f"run folder {path} not found; give a folder written by python -m "
                f"nengo_fashion.train (default: {DEFAULT_RUN})"
            )
        if not (path / "config.json").is_file():
            raise RunError(f"{path} has no config.json; it is not a run folder")
        config = read_json(path / "config.json")
        if not isinstance(config, dict) or not isinstance(config.get("neuron"), str):
            raise RunError(f"{path / 'config.json'} names no neuron family; it is not a run's")
        self.path = path
        self.config = config
        self.family = config["neuron"]
        self._settings = None
        self._weights = Weights.load(path / "weights.npz")

    @property
    def spiking(self):
        """The run's own `SpikeSettings` (read when first needed: the configuration module
        imports Nengo, which the rate mode does without)."""
        if self._settings is None:
            from .config import SpikeSettings, TrainConfig

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
        replace the mapping's. Returns a `loihi.mapping.MappingSettings`.
        """
        from .atomic import read_json

        try:
            from loihi.mapping import MappingSettings, default_neuron
        except ImportError as e:
            raise ConfigError(f"the loihi package cannot be imported ({e})") from None
        steps, dt, scale = _numbers(steps, dt, scale).values()
        fields = {f.name for f in dataclasses.fields(MappingSettings)}
        record = self.path / "loihi.json"
        saved = _loihi_settings(record, read_json) if record.is_file() else {}
        values = {k: v for k, v in saved.items() if k in fields}
        if not values:
            values = dict(neuron=default_neuron(self.family), scale=self.spiking.scale)
        if dt is not None:
            steps_now = MappingSettings(**values).steps
            values["dt"] = dt
            values["presentation_time"] = steps_now * dt
        if steps is not None:
            values["presentation_time"] = steps * values.get("dt", MappingSettings.dt)
        if scale is not None:
            values["scale"] = scale
        return MappingSettings(**values)

    def predict(
        self,
        images,
        mode="rate",
        steps=None,
        *,
        dt=None,
        scale=None,
        preprocess=True,
        errors="raise",
        quiet=True,
    ):
        """Classify pictures.

        Parameters
        ----------
        images : str, Path, list, PIL.Image.Image or numpy.ndarray
            An image file, a folder (its files, not its subfolders or hidden files, by
            name), a list of files and folders, a PIL image, or a numpy array of shape
            ``(28, 28)``, ``(N, 28, 28)`` or ``(N, 784)`` with uint8 pixels in 0-255 or
            float pixels in [0, 1] (0 is black: Fashion-MNIST has light garments on black).
        mode : {"rate", "spiking", "loihi"}
            The network that answers (see the module's docstring).
        steps : int, optional
            Timesteps per image (spiking and loihi modes); default the run's own.
        dt : float, optional
            Time step, in seconds (spiking and loihi modes); default the run's own.
        scale : float, optional
            Firing-rate scale (spiking and loihi modes); default the run's own.
        preprocess : bool
            Turn each picture into Fashion-MNIST's form first (`nengo_fashion.images.preprocess`);
            one already in that form (28 x 28, dark background) passes unchanged. False
            gives the pictures to the network as they are (they must be 28 x 28).
        errors : {"raise", "skip"}
            What an unreadable file does: raise `InputError`, or leave the file out and
            list it in `Prediction.failed`.
        quiet : bool
            Print no progress (on stderr) while files are read and the emulator runs.

        Returns
        -------
        Prediction
        """
        if mode not in MODES:
            raise ConfigError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
        if mode == "rate" and any(v is not None for v in (steps, dt, scale)):
            raise ConfigError("steps, dt and scale apply to the spiking and loihi modes, not rate")
        if errors not in ("raise", "skip"):
            raise ConfigError(f"errors must be 'raise' or 'skip'; got {errors!r}")
        sources, x, failed = collect(images, preprocess=preprocess, errors=errors, quiet=quiet)
        flat = x.reshape(len(x), N_PIXELS)
        spikes = input_spikes = None
        settings = {}
        if mode == "rate":
            logits = self.rate_logits(flat)
            labels = logits.argmax(axis=1) if len(flat) else np.zeros(0, dtype=np.int64)
        elif mode == "spiking":
            s = self.spike_settings(steps, dt, scale)
            settings = s.asdict()
            labels, logits, spikes = self._spiking(flat, s)
        else:
            m = self.loihi_mapping(steps, dt, scale)
            settings = m.asdict()
            labels, logits, spikes, input_spikes = self._loihi(flat, m, quiet)
        return Prediction(
            labels=np.asarray(labels, dtype=np.int64),
            scores=softmax(logits) if len(flat) else np.zeros((0, N_CLASSES)),
            spike_counts=spikes,
            sources=tuple(sources),
            images=x,
            mode=mode,
            settings=settings,
            run=str(self.path),
            failed=tuple(failed),
            input_spike_counts=input_spikes,
        )

    def rate_logits(self, images):
        """Logits ``(n, 10)`` of the rate network for ``(n, 784)`` pixels in [0, 1]."""
        if self.family == "relu":
            return relu_logits(self.weights, images)
        return self.weights.forward(images, self.family)

    def _spiking(self, images, settings):
        """Predictions, readout logits and hidden spikes per image of `dl.run_spiking`."""
        if not len(images):
            return np.zeros(0, np.int64), np.zeros((0, N_CLASSES)), np.zeros(0)
        from .inference.engine import run_spiking
        from .inference.result import readout

        labels, logits, spikes = [], [], []
        for start in range(0, len(images), CHUNK):
            r = run_spiking(
                self.weights,
                self.family,
                images[start : start + CHUNK],
                settings,
                keep_outputs=True,
            )
            labels.append(r.predictions)
            logits.append(readout(r.outputs, settings.readout))
            spikes.append(r.spikes_per_image)
        return np.concatenate(labels), np.concatenate(logits), np.concatenate(spikes)

    def _loihi(self, images, mapping, quiet):
        """Predictions, readout, hidden and input spikes per image on the emulator."""
        if not len(images):
            return np.zeros(0, np.int64), np.zeros((0, N_CLASSES)), np.zeros(0), np.zeros(0)
        from loihi.mapping import check_family
        from loihi.run import evaluate

        check_family(mapping, self.family)
        out = evaluate(
            self.weights,
            self.family,
            mapping,
            images,
            processes=1,
            quiet=quiet,
            skips=(mapping.skip,),
        )
        logits = out["readouts"][mapping.skip]
        return logits.argmax(axis=1), logits, out["hidden_spikes"], out["input_spikes"]


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


def load(run=None):
    """A `Classifier` of a trained run (default `DEFAULT_RUN`, ``results/best-relu``)."""
    return Classifier(run)


LOIHI_FIX = "write it again with python -m loihi --run RUN --overwrite, or delete it"
"""How to mend a run's ``loihi.json`` that is not a mapping record."""


def _loihi_settings(record, read_json):
    """The ``settings`` object of a run's ``loihi.json`` (written by ``python -m loihi``), or
    a one-line `RunError` when the file is not such a record."""
    try:
        saved = read_json(record)
    except (OSError, ValueError) as e:  # unreadable, not UTF-8
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise RunError(f"{record} cannot be read ({reason}); {LOIHI_FIX}") from None
    except RunError as e:  # not JSON
        raise RunError(f"{e}; {LOIHI_FIX}") from None
    if not isinstance(saved, dict):
        raise RunError(
            f"{record} is not a Loihi mapping record: it holds a JSON {_json_kind(saved)}, "
            f"not an object ({{...}}); {LOIHI_FIX}"
        )
    settings = saved.get("settings")
    if not isinstance(settings, dict):
        what = "no" if "settings" not in saved else f"a JSON {_json_kind(settings)} as its"
        raise RunError(
            f"{record} is not a Loihi mapping record: it has {what} 'settings', not an "
            f"object ({{...}}); {LOIHI_FIX}"
        )
    return settings


def _json_kind(value):
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {list: "array", str: "string", type(None): "null"}.get(type(value), "value")


def _describe(obj):
    """What was given, in a few words, for an error message."""
    if isinstance(obj, np.ndarray):
        return f"a numpy array of shape {obj.shape} and dtype {obj.dtype}"
    if isinstance(obj, (list, tuple)) and not obj:
        return f"an empty {type(obj).__name__}"
    name = type(obj).__qualname__
    if type(obj).__module__ != "builtins":
        name = f"{type(obj).__module__}.{name}"
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name} ({reprlib.repr(obj)})"


def _is_pil(obj):
    image_mod = sys.modules.get("PIL.Image")
    return image_mod is not None and isinstance(obj, image_mod.Image)


def _check_array(a):
    """An accepted numpy array as ``(n, 28, 28)``, or an `InputError` saying why not."""
    what = _describe(a)
    if a.ndim == 2 and a.shape == (pp.SIDE, pp.SIDE):
        a = a[None]
    elif a.ndim == 2 and a.shape[1] == N_PIXELS and a.shape[0] >= 1:
        a = a.reshape(-1, pp.SIDE, pp.SIDE)
    elif not (a.ndim == 3 and a.shape[1:] == (pp.SIDE, pp.SIDE) and a.shape[0] >= 1):
        raise InputError(f"cannot classify {what}: expected {ACCEPTED}")
    if a.dtype == np.uint8:
        return a
    if not np.issubdtype(a.dtype, np.floating):
        raise InputError(
            f"cannot classify {what}: pixels must be uint8 (0-255) or float (0-1), e.g. "
            "images.astype(numpy.uint8)"
        )
    if not np.all(np.isfinite(a)):
        raise InputError(f"cannot classify {what}: float pixels must be finite (got NaN or inf)")
    if a.min() < 0 or a.max() > 1:
        raise InputError(
            f"cannot classify {what}: float pixels must be in [0, 1] (got {a.min():g} to "
            f"{a.max():g}); divide 0-255 pixels by 255"
        )
    return a


def expand_paths(items):
    """Files to read, in order: each file as given, each folder's files sorted by name.

    Hidden files (``.name``) and subfolders of a folder are left out. Returns a list of
    ``(path, None)`` for files and ``(path, reason)`` for paths that cannot be listed.
    """
    out = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            try:
                files = sorted(
                    p for p in path.iterdir() if not p.name.startswith(".") and not p.is_dir()
                )
            except OSError as e:
                out.append((path, f"{path}: the folder cannot be listed ({e.strerror or e})"))
                continue
            if not files:
                out.append((path, f"{path}: the folder holds no files"))
            out.extend((p, None) for p in files)
        else:
            out.append((path, None))
    return out


def _read_file(path, preprocess):
    """One file as a ``(28, 28)`` float32 picture; `ImageReadError` if it cannot be."""
    image = pp.open_image(path)
    return _picture(image, preprocess, pp.printable(path))


def _picture(image, preprocess, name):
    pp.check_pixels(image, name)
    if preprocess:
        return pp.preprocess(image)
    if image.size != (pp.SIDE, pp.SIDE):
        raise pp.ImageReadError(
            f"{name}: is {image.width} x {image.height} pixels; without preprocessing only "
            "28 x 28 pictures are accepted"
        )
    return pp.as_float(pp.grey(image))


def collect(images, preprocess=True, errors="raise", quiet=True):
    """The pictures in ``images`` (any form `Classifier.predict` accepts) in the network's form.

    Returns
    -------
    sources : list of str
        Where each picture came from.
    pictures : numpy.ndarray
        ``(n, 28, 28)`` float32 in [0, 1].
    failed : list of (str, str)
        ``(source, reason)`` of the files that could not be read (``errors="skip"``).
    """
    if isinstance(images, np.ndarray):
        a = _check_array(images)
        if preprocess:
            pics = np.stack([pp.preprocess(im) for im in a])
        else:
            pics = a.astype(np.float32) / 255.0 if a.dtype == np.uint8 else a.astype(np.float32)
        return [f"array[{i}]" for i in range(len(a))], pics, []
    if _is_pil(images) or isinstance(images, (str, os.PathLike)):
        items = [images]
    elif isinstance(images, (list, tuple)) and images:
        items = list(images)
        for i, item in enumerate(items):
            if not isinstance(item, (str, os.PathLike)) and not _is_pil(item):
                raise InputError(
                    f"cannot classify item {i} of the {type(images).__name__}, "
                    f"{_describe(item)}: a list may hold file or folder paths and PIL "
                    f"images; expected {ACCEPTED}"
                )
    else:
        raise InputError(f"cannot classify {_describe(images)}: expected {ACCEPTED}")

    entries = []  # (source, path or PIL image, reason)
    for item in items:
        if _is_pil(item):
            entries.append(("image", item, None))
        else:
            entries.extend(
                (str(p), p, reason if reason is None else pp.printable(reason))
                for p, reason in expand_paths([item])
            )
    from .progress import Progress

    sources, pics, failed = [], [], []
    every = max(1, len(entries) // 20)  # about 20 progress lines
    few = len(entries) < PROGRESS_MIN
    with Progress(len(entries), "reading images", quiet=quiet or few) as bar:
        for n, (source, item, reason) in enumerate(entries, 1):
            try:
                if reason is not None:
                    raise pp.ImageReadError(reason)
                if _is_pil(item):
                    pic = _picture(item, preprocess, source)
                else:
                    pic = _read_file(item, preprocess)
            except (pp.ImageReadError, MemoryError) as e:
                reason = str(e)
                if isinstance(e, MemoryError):  # one picture too large for this machine
                    reason = f"{pp.printable(source)}: too large to read in the memory available"
                if errors == "raise":
                    raise InputError(reason) from None
                failed.append((source, reason))
            else:
                sources.append(source)
                pics.append(pic)
            if n % every == 0 or n == len(entries):
                bar.update(pp.printable(source), n=every if n % every == 0 else n % every)
    x = np.stack(pics) if pics else np.zeros((0, pp.SIDE, pp.SIDE), dtype=np.float32)
    return sources, x, failed


# --- the command -------------------------------------------------------------------------


def _top_k(text):
    import argparse

    try:
        k = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if not 1 <= k <= N_CLASSES:
        raise argparse.ArgumentTypeError(f"must be in 1..{N_CLASSES}, got {k}")
    return k


def make_parser():
    from .cli import ArgumentParser, positive_float, positive_int

    default = os.path.relpath(DEFAULT_RUN) if DEFAULT_RUN.is_dir() else DEFAULT_RUN
    p = ArgumentParser(
        prog="python -m nengo_fashion.predict",
        description="Classify pictures of clothes (any size, RGB or grey, light or dark "
        "background) with a trained run. Prints one line per picture: file, class, score "
        "(a softmax of the network's output), and in the spiking modes the hidden spikes used.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="image files and folders of them")
    p.add_argument(
        "--run",
        default=None,
        help=f"run folder, or the name of one under results/ (default: {default}, the "
        "committed run with the best rate and spiking test accuracy)",
    )
    p.add_argument(
        "--mode",
        choices=MODES,
        default="rate",
        help="rate: the rate network (default); spiking: the spiking network on the numpy "
        "executor; loihi: nengo-loihi's emulator with the run's chosen mapping (loihi.json)",
    )
    p.add_argument(
        "--steps",
        type=positive_int,
        default=None,
        help="timesteps per image, spiking and loihi modes (default: the run's own)",
    )
    p.add_argument(
        "--dt", type=positive_float, default=None, help="time step in seconds (default: the run's)"
    )
    p.add_argument(
        "--scale", type=positive_float, default=None, help="firing-rate scale (default: the run's)"
    )
    p.add_argument(
        "--top", type=_top_k, default=1, metavar="K", help="print the K best classes (default 1)"
    )
    p.add_argument("--json", default=None, metavar="FILE", help="also write all answers to FILE")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --json FILE")
    p.add_argument(
        "--no-preprocess",
        dest="preprocess",
        action="store_false",
        help="give the pictures to the network as they are (they must be 28 x 28, garment "
        "light on black); default: turn each into Fashion-MNIST's form first",
    )
    p.add_argument("--quiet", action="store_true", help="print no progress on stderr")
    return p


def format_line(prediction, i, top=1):
    """One line of the command's output for image ``i`` (its file's name as
    `nengo_fashion.images.preprocess.printable` shows it)."""
    best = prediction.top(top)[i]
    text = ", ".join(f"{name} ({score:.2f})" for name, score in best)
    line = f"{pp.printable(prediction.sources[i])}: {text}"
    if prediction.spike_counts is not None:
        line += f"; {prediction.spike_counts[i]:.0f} spikes"
    return line


def main(argv=None):
    from .cli import run_cli

    parser = make_parser()
    args = parser.parse_args(argv)
    if args.mode == "rate" and any(v is not None for v in (args.steps, args.dt, args.scale)):
        parser.error("--steps, --dt and --scale apply to --mode spiking and loihi, not rate")
    status = {"failed": 0}

    def run():
        from .atomic import check_out_file, write_json
        from .errors import OutputError

        if args.json:
            check_out_file(args.json, "--json")
            if Path(args.json).exists() and not args.overwrite:
                raise OutputError(
                    f"--json {args.json} already exists; pass --overwrite to replace it"
                )
        clf = Classifier(args.run)
        r = clf.predict(
            args.paths,
            mode=args.mode,
            steps=args.steps,
            dt=args.dt,
            scale=args.scale,
            preprocess=args.preprocess,
            errors="skip",
            quiet=args.quiet,
        )
        for _, reason in r.failed:
            print(f"skipped {reason}", file=sys.stderr)
        for i in range(len(r)):
            print(format_line(r, i, args.top))
        sys.stdout.flush()
        if args.json:
            write_json(args.json, r.asdict())
        status["failed"] = len(r.failed)
        if r.failed:
            total = len(r) + len(r.failed)
            print(
                f"error: {len(r.failed)} of {total} files could not be classified (listed above)",
                file=sys.stderr,
            )

    with _escaping_output():
        code = run_cli(run)
    return 1 if code == 0 and status["failed"] else code


@contextlib.contextmanager
def _escaping_output():
    """While the command runs, text that stdout's or stderr's encoding cannot write (a name
    in UTF-8 on an ASCII terminal) is written as backslash escapes, not a crash."""
    changed = []
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (AttributeError, ValueError, OSError):
                continue
            changed.append(stream)
    try:
        yield
    finally:
        for stream in changed:
            stream.reconfigure(errors="strict")


if __name__ == "__main__":
    sys.exit(main())
