"""Figures, written as PNG files (atomically) with matplotlib's Agg backend."""

import math

import numpy as np

from .atomic import atomic_path


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def save_png(fig, path, dpi=100):
    """Save a figure as a PNG, atomically, and close it."""
    plt = _pyplot()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return path


def image_grid(images, titles, path):
    """A square grid of 28x28 images with a title under each (thesis Fig. 3.3)."""
    plt = _pyplot()
    n = len(images)
    side = int(math.ceil(math.sqrt(n)))
    fig, axes = plt.subplots(side, side, figsize=(2 * side, 2 * side))
    for i, ax in enumerate(np.ravel(axes)):
        ax.set_xticks([])
        ax.set_yticks([])
        if i < n:
            ax.imshow(np.reshape(images[i], (28, 28)), cmap=plt.cm.binary)
            ax.set_xlabel(titles[i])
        else:
            ax.axis("off")
    return save_png(fig, path)


def training_curve(history, path, title=""):
    """Loss and train/validation accuracy per epoch."""
    plt = _pyplot()
    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(epochs, history["loss"], "o-")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("training loss (cross-entropy)")
    ax2.plot(epochs, np.asarray(history["train_acc"]) * 100, "o-", label="train")
    ax2.plot(epochs, np.asarray(history["val_acc"]) * 100, "s-", label="validation")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("accuracy (%)")
    ax2.legend()
    fig.suptitle(title)
    return save_png(fig, path)
