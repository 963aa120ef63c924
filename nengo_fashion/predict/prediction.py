"""What a `Classifier` answered: `Prediction`, its scores and its lines of output.

A `Prediction` holds one entry per image (class, scores, spikes, where it came from) and
writes itself as JSON (`Prediction.asdict`) or as the command's lines (`format_line`), with
file names as `nengo_fashion.images.preprocess.printable` shows them.
"""

import dataclasses

import numpy as np

from ..data import CLASS_NAMES, N_CLASSES
from ..images import preprocess as pp


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


def format_line(prediction, i, top=1):
    """One line of the command's output for image ``i`` (its file's name as
    `nengo_fashion.images.preprocess.printable` shows it)."""
    best = prediction.top(top)[i]
    text = ", ".join(f"{name} ({score:.2f})" for name, score in best)
    line = f"{pp.printable(prediction.sources[i])}: {text}"
    if prediction.spike_counts is not None:
        line += f"; {prediction.spike_counts[i]:.0f} spikes"
    return line
