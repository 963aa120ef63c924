"""The "not clothing" check in front of the network: `Rejector`, its scores and `load`.

The 784-128-10 network names a garment for any picture. This check answers "not clothing"
for a picture that does not look like Fashion-MNIST, from what the network would see (the
28 x 28 preprocessed picture) and from the rate network's own hidden layer. Each of its
`SCORES` is larger the less a picture looks like a garment; a picture is rejected when any
score exceeds its threshold:

- ``contrast``: 1 minus the brightest pixel. Every Fashion-MNIST image reaches full white
  (its brightest pixel is at least 254 of 255), a photo of a garment nearly so; a blank,
  white or grey picture becomes the all-zero image (score 1), a fill, a texture or a chart
  a dim one;
- ``ink``: 1 minus the fraction of pixels above 10 % of the brightest (a speck, a line);
- ``roughness``: the total variation (summed absolute differences of neighbouring pixels)
  over the total brightness: noise, text and textures are rough, garments smooth;
- ``pixels``: the squared residual of the picture (scaled to a brightest pixel of 1) after
  projection on the first principal components of the training images;
- ``hidden``: the smallest Mahalanobis distance (squared) of the 128 hidden rates to the
  classes' means on the training images, with their shared covariance.

The statistics (PCA, class means, precision) are fitted on the training split (less the
validation images) and the thresholds chosen on validation images and photos of them by
``python -m nengo_fashion.studies.ood``, which writes them next to the run: ``ood.npz``
(arrays, no pickles) and ``ood.json`` (thresholds and provenance). `load` reads them; a run
without them has no check. Only numpy runs here: the hidden rates of a ReLU run are computed
as `nengo_fashion.classify.modes.relu_logits` computes them.
"""

import dataclasses
from pathlib import Path

import numpy as np

from ..data import N_PIXELS
from ..errors import RunError

SCORES = ("contrast", "ink", "roughness", "pixels", "hidden")
"""The check's scores, in order (see the module's docstring)."""

FILES = ("ood.npz", "ood.json")
"""The files of a run's check: its statistics and its thresholds."""

ARRAYS = ("pixel_mean", "components", "class_means", "precision")
"""The arrays of ``ood.npz``."""

LABEL = "not clothing"
"""What a rejected picture is answered."""

INK_LEVEL = 0.1
"""A pixel is ink when it is above this fraction of the picture's brightest."""


@dataclasses.dataclass(frozen=True, eq=False)
class Rejector:
    """A fitted check: statistics and thresholds.

    Attributes
    ----------
    pixel_mean : numpy.ndarray
        ``(784,)`` mean of the training images (scaled to a brightest pixel of 1).
    components : numpy.ndarray
        ``(k, 784)`` their first ``k`` principal directions (orthonormal rows).
    class_means : numpy.ndarray
        ``(10, 128)`` each class's mean hidden rates.
    precision : numpy.ndarray
        ``(128, 128)`` the inverse of their shared (within-class) covariance.
    thresholds : dict
        ``{score: threshold}`` for the names of `SCORES` (a score not named is not used).
    """

    pixel_mean: np.ndarray
    components: np.ndarray
    class_means: np.ndarray
    precision: np.ndarray
    thresholds: dict

    def scores(self, images, hidden):
        """The `SCORES` of ``(n, 784)`` pictures and their ``(n, 128)`` hidden rates."""
        x = np.asarray(images, dtype=np.float64).reshape(len(images), N_PIXELS)
        brightest = x.max(axis=1) if len(x) else np.zeros(0)
        scaled = x / np.maximum(brightest, 1e-3)[:, None]
        grid = x.reshape(-1, 28, 28)
        variation = np.abs(np.diff(grid, axis=1)).sum(axis=(1, 2))
        variation += np.abs(np.diff(grid, axis=2)).sum(axis=(1, 2))
        centred = scaled - self.pixel_mean
        projected = (centred @ self.components.T) @ self.components
        h = np.asarray(hidden, dtype=np.float64)
        distances = []
        for mean in self.class_means:
            d = h - mean
            distances.append(np.einsum("ij,jk,ik->i", d, self.precision, d))
        return {
            "contrast": 1.0 - brightest,
            "ink": 1.0 - (scaled > INK_LEVEL).mean(axis=1),
            "roughness": variation / np.maximum(x.sum(axis=1), 1e-3),
            "pixels": ((centred - projected) ** 2).sum(axis=1),
            "hidden": np.min(distances, axis=0) if len(x) else np.zeros(0),
        }

    def reject(self, images, hidden):
        """``(n,)`` bool: the pictures answered "not clothing"."""
        s = self.scores(images, hidden)
        out = np.zeros(len(images), dtype=bool)
        for name, threshold in self.thresholds.items():
            out |= s[name] > threshold
        return out

    def save(self, folder, record):
        """Write ``ood.npz`` and ``ood.json`` (``record`` plus the thresholds) into ``folder``."""
        from ..atomic import atomic_path, write_json

        folder = Path(folder)
        with atomic_path(folder / FILES[0]) as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, **{k: getattr(self, k).astype(np.float32) for k in ARRAYS})
        write_json(folder / FILES[1], {**record, "thresholds": self.thresholds})


def hidden_rates(weights, images):
    """The rate network's ``(n, 128)`` hidden rates of a ReLU run, as
    `nengo_fashion.classify.modes.relu_logits` computes them (no Nengo)."""
    current = np.asarray(images, dtype=np.float32) @ weights.hidden_w.T
    return np.maximum(0.0, current.astype(np.float64) + weights.hidden_b.astype(np.float64))


def _read(folder):
    from ..atomic import read_json

    record = read_json(folder / FILES[1])
    if not isinstance(record, dict) or not isinstance(record.get("thresholds"), dict):
        raise RunError(f"{folder / FILES[1]} has no thresholds; write it again with {COMMAND}")
    thresholds = record["thresholds"]
    for name, value in thresholds.items():
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if name not in SCORES or not ok or not np.isfinite(value):
            raise RunError(f"{folder / FILES[1]}: bad threshold {name!r}: {value!r}")
    try:
        with np.load(folder / FILES[0], allow_pickle=False) as z:
            arrays = {k: np.asarray(z[k], dtype=np.float64) for k in ARRAYS}
    except (OSError, ValueError, KeyError) as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise RunError(f"{folder / FILES[0]} cannot be read ({reason})") from None
    return arrays, {k: float(v) for k, v in thresholds.items()}, record


COMMAND = "python -m nengo_fashion.studies.ood"


def load(folder, n_hidden=128):
    """The check of the run in ``folder`` (its ``ood.npz`` and ``ood.json``), or None when
    the run has none. A damaged or inconsistent pair is a one-line `RunError`."""
    folder = Path(folder)
    if not all((folder / name).is_file() for name in FILES):
        return None
    arrays, thresholds, record = _read(folder)
    shapes = {
        "pixel_mean": (N_PIXELS,),
        "class_means": (10, n_hidden),
        "precision": (n_hidden, n_hidden),
    }
    for name, shape in shapes.items():
        if arrays[name].shape != shape:
            raise RunError(
                f"{folder / FILES[0]}: {name} has shape {arrays[name].shape}, not {shape}"
            )
    c = arrays["components"]
    if c.ndim != 2 or c.shape[1] != N_PIXELS:
        raise RunError(f"{folder / FILES[0]}: components has shape {c.shape}, not (k, {N_PIXELS})")
    if not all(np.all(np.isfinite(a)) for a in arrays.values()):
        raise RunError(f"{folder / FILES[0]} holds NaN or infinite values")
    if record.get("family", "relu") != "relu":
        raise RunError(f"{folder / FILES[1]}: the check is for ReLU runs only")
    return Rejector(thresholds=thresholds, **arrays)
