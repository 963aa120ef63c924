"""The study's figure, ``ood.png``: pictures of each kind of the HELD-OUT part with the
answer of predict (the check, then the rate network)."""

import numpy as np

from ...classify import reject as reject_mod
from ...images import preprocess as pp
from .make import KINDS, PARTS, make_picture

PER_KIND = 6
"""Pictures shown per kind."""


def figure(clf, rejector, config, caught, kinds, path):
    """``ood.png``: the first `PER_KIND` held-out pictures of each kind (``caught`` says which
    of the held-out part, in kind order, were answered "not clothing")."""
    from ...data import CLASS_NAMES
    from ...plots import _pyplot, save_png

    plt = _pyplot()
    names = list(KINDS)
    fig, axes = plt.subplots(len(names), PER_KIND, figsize=(1.9 * PER_KIND, 1.9 * len(names)))
    for r, kind in enumerate(names):
        first = int(np.flatnonzero(kinds == kind)[0])
        for i in range(PER_KIND):
            ax = axes[r, i]
            picture = make_picture(config.seed, PARTS[1], kind, i)
            x = pp.preprocess(picture).reshape(1, -1)
            label = CLASS_NAMES[int(clf.rate_logits(x).argmax())]
            rejected = bool(caught[first + i])
            ax.imshow(np.asarray(picture.convert("RGB")))
            ax.set_xticks([])
            ax.set_yticks([])
            text = f"{reject_mod.LABEL}\n(nearest: {label})" if rejected else label
            ax.set_title(text, fontsize=7, color="black" if rejected else "red")
            if i == 0:
                ax.set_ylabel(kind, fontsize=9)
    fig.suptitle(
        "Held-out pictures that are not clothes and predict's answer (red: named a garment)",
        fontsize=10,
    )
    fig.tight_layout()
    return save_png(fig, path, dpi=70)
