"""What a `Classifier` answered: `Prediction`, its scores and its lines of output.

A `Prediction` holds one entry per image (class, scores, spikes, where it came from) and
writes itself as JSON (`Prediction.asdict`) or as the command's lines (`format_line`), with
file names as `nengo_fashion.images.preprocess.printable` shows them. It is a sequence of its
pictures: ``p[0]`` is a one-picture `Prediction` (with `Prediction.name`, `Prediction.score`,
...), ``p[1:3]`` or ``p[p.labels == 0]`` a `Prediction` of those pictures, ``len(p)`` how many
and ``for one in p`` each in turn; its ``repr`` is the command's lines (`REPR_LINES` pictures
at most), never the pixels.
"""

import dataclasses
from pathlib import PurePath

import numpy as np

from ..data import CLASS_NAMES, N_CLASSES
from ..images import preprocess as pp
from .reject import LABEL

REPR_LINES = 5
"""The most pictures a `Prediction`'s ``repr`` lists (then how many more there are)."""


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
    not_clothing : numpy.ndarray or None
        ``(n,)`` bool: the pictures the run's check (`nengo_fashion.classify.reject`)
        answered "not clothing" (their `names` say so; `labels`, `scores` and `nearest`
        keep the network's nearest class); all False with ``reject=False`` or a run without
        a check. None reads as all False.
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
    not_clothing: object = None

    def __post_init__(self):
        if self.not_clothing is None:
            object.__setattr__(self, "not_clothing", np.zeros(len(self.labels), dtype=bool))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, key):
        """The pictures ``key`` picks, as a `Prediction`: an int (a one-picture `Prediction`),
        a slice, a list or array of ints, or a boolean mask of ``len(self)``. ``failed`` (the
        files that could not be read) stays with the whole; the others are cut per picture."""
        if isinstance(key, (str, bytes, float, bool, np.bool_)) or key is None:
            raise TypeError(f"Prediction indices must be ints, slices or arrays, not {key!r}")
        index = np.atleast_1d(np.arange(len(self))[key])  # numpy's IndexError if out of range
        if index.ndim != 1:
            raise IndexError(f"a Prediction is one-dimensional; cannot index it with {key!r}")
        n = len(self)
        changes = {"failed": ()}
        for field in dataclasses.fields(self):  # the per-picture fields: n rows or n items
            value = getattr(self, field.name)
            if field.name == "failed":
                continue
            if isinstance(value, np.ndarray) and value.ndim and len(value) == n:
                changes[field.name] = value[index]
            elif isinstance(value, tuple) and len(value) == n:
                changes[field.name] = tuple(value[i] for i in index)
        return dataclasses.replace(self, **changes)

    def __iter__(self):
        """Each picture in turn, as a one-picture `Prediction`."""
        for i in range(len(self)):
            yield self[i]

    def __repr__(self):
        n = len(self)
        head = f"<Prediction of {n} picture{'' if n == 1 else 's'}, {self.mode} mode"
        head += f", run {pp.printable(PurePath(self.run).name or str(self.run))}"
        lines = [f"  {format_line(self, i)}" for i in range(min(n, REPR_LINES))]
        if n > REPR_LINES:
            lines.append(f"  ... and {n - REPR_LINES} more")
        if self.failed:
            lines.append(f"  {len(self.failed)} file(s) not read (see .failed)")
        return "\n".join([head + (":" if lines else "")] + lines) + ">"

    def _one(self, what):
        if len(self) != 1:
            raise ValueError(
                f"a Prediction of {len(self)} pictures has no single {what}; index it "
                f"(p[0]) or use the per-picture attribute"
            )

    @property
    def source(self):
        """Where the one picture came from (a one-picture `Prediction`, such as ``p[0]``)."""
        self._one("source")
        return self.sources[0]

    @property
    def label(self):
        """The one picture's class index (a one-picture `Prediction`, such as ``p[0]``)."""
        self._one("label")
        return int(self.labels[0])

    @property
    def name(self):
        """The one picture's class name (a one-picture `Prediction`, such as ``p[0]``)."""
        self._one("name")
        return self.names[0]

    @property
    def score(self):
        """The one picture's score of its class (a one-picture `Prediction`)."""
        self._one("score")
        return float(self.scores[0, self.labels[0]])

    @property
    def names(self):
        """The answers, a list of ``n`` strings: the predicted class's name, or ``"not
        clothing"`` for a picture the check rejected (`nearest` has its class)."""
        return [LABEL if no else name for name, no in zip(self.nearest, self.not_clothing)]

    @property
    def nearest(self):
        """The network's predicted classes' names, a list of ``n`` strings (whatever the
        check answered)."""
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
                "class": LABEL if self.not_clothing[i] else CLASS_NAMES[self.labels[i]],
                "not_clothing": bool(self.not_clothing[i]),
                "nearest": CLASS_NAMES[self.labels[i]],
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


def format_line(prediction, i, top=1):
    """One line of the command's output for image ``i`` (its file's name as
    `nengo_fashion.images.preprocess.printable` shows it)."""
    best = prediction.top(top)[i]
    if prediction.not_clothing[i]:
        nearest = ", ".join(f"{name} {score:.2f}" for name, score in best)
        text = f"{LABEL} (nearest: {nearest})"
    else:
        text = ", ".join(f"{name} ({score:.2f})" for name, score in best)
    line = f"{pp.printable(prediction.sources[i])}: {text}"
    if prediction.spike_counts is not None:
        line += f"; {prediction.spike_counts[i]:.0f} spikes"
    return line
