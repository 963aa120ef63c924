"""Fitting the "not clothing" check: its statistics on training images, its thresholds on
validation images, photos of them and the CHOOSE part of the set.

`fit_statistics` fits the arrays of `nengo_fashion.classify.reject.Rejector` on the training
split (less the validation images); `choose_thresholds` picks, by greedy coordinate ascent
over a ladder of quantiles (`QUANTILES`) of each score on the clothing side, the thresholds
that catch the most of the CHOOSE part (the mean over its kinds) while at most
``budget["images"]`` of the validation images and ``budget["photos"]`` of the photos of
validation images are rejected.
"""

import numpy as np

from ...classify.reject import SCORES, Rejector, hidden_rates

N_COMPONENTS = 50
"""Principal components of the pixel score."""

RIDGE = 1e-6
"""The shared covariance's ridge, relative to its mean variance."""

QUANTILES = (0.0, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03)
"""The ladder of rejection rates (of validation images and photos together) a score's
threshold can take; 0 is "score not used"."""

BUDGET = {"images": 0.015, "photos": 0.03}
"""At most these fractions of the validation images and of the photos of validation images
rejected when the thresholds are chosen."""


def fit_statistics(weights, images, labels, n_components=N_COMPONENTS):
    """A `Rejector` without thresholds, fitted on training ``(n, 784)`` images and labels."""
    x = np.asarray(images, dtype=np.float64)
    scaled = x / np.maximum(x.max(axis=1), 1e-3)[:, None]
    mean = scaled.mean(axis=0)
    # the principal directions from the Gram matrix (784 x 784): cheap for any n
    gram = (scaled - mean).T @ (scaled - mean)
    values, vectors = np.linalg.eigh(gram)
    components = vectors[:, np.argsort(values)[::-1][:n_components]].T
    h = hidden_rates(weights, images)
    classes = np.unique(labels)
    means = np.stack([h[labels == c].mean(axis=0) for c in classes])
    centred = h - means[np.searchsorted(classes, labels)]
    cov = centred.T @ centred / len(h)
    cov += RIDGE * np.trace(cov) / len(cov) * np.eye(len(cov))
    return Rejector(mean, components, means, np.linalg.inv(cov), thresholds={})


def _levels(scores, quantiles):
    """Per score, the thresholds of the ladder: the (1 - q) quantile of ``scores``."""
    return {
        name: [np.inf if q == 0 else float(np.quantile(s, 1 - q)) for q in quantiles]
        for name, s in scores.items()
    }


def _rejected(scores, thresholds):
    out = np.zeros(len(next(iter(scores.values()))), dtype=bool)
    for name, t in thresholds.items():
        out |= scores[name] > t
    return out


def choose_thresholds(images, photos, choose, kinds, budget=BUDGET, quantiles=QUANTILES):
    """The thresholds (``{score: value}``, scores not used left out) and the search's trace.

    Parameters
    ----------
    images, photos, choose : dict
        ``{score: (n,) array}`` of validation images, photos of validation images and the
        CHOOSE part of the set of pictures that are not clothes.
    kinds : numpy.ndarray
        ``(n,)`` the kind of each CHOOSE picture: the objective is the mean catch over kinds.
    budget : dict
        The largest rejected fractions, ``{"images": ..., "photos": ...}``.
    """
    both = {k: np.concatenate([images[k], photos[k]]) for k in SCORES}
    ladder = _levels(both, quantiles)
    step = {k: 0 for k in SCORES}
    names = list(dict.fromkeys(kinds))

    def value(steps):
        t = {k: ladder[k][i] for k, i in steps.items()}
        if _rejected(images, t).mean() > budget["images"]:
            return None
        if _rejected(photos, t).mean() > budget["photos"]:
            return None
        caught = _rejected(choose, t)
        return float(np.mean([caught[kinds == k].mean() for k in names]))

    best, trace = value(step), []
    while True:
        moves = []
        for k in SCORES:
            if step[k] + 1 < len(quantiles):
                v = value({**step, k: step[k] + 1})
                if v is not None and v > best:
                    moves.append((v, k))
        if not moves:
            break
        best, k = max(moves, key=lambda m: (m[0], -SCORES.index(m[1])))
        step[k] += 1
        trace.append({"raise": k, "to_quantile": quantiles[step[k]], "choose_caught": best})
    thresholds = {k: ladder[k][i] for k, i in step.items() if i > 0}
    return thresholds, trace
