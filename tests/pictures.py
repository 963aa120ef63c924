"""What a saved figure shows: its pixels, and the data its plots were drawn from.

`shown_images` finds the panels of a figure by drawing the same figure again with
blank images (the control: what a figure that draws no image, or a blank one, looks
like) and reads each panel back as a 28x28 image; `show_the_images` checks that panel
``i`` is image ``i``. `capture_plots` records the data of every line and scatter of
each figure `nengo_fashion.plots.save_png` writes, so that a test can compare a plot
with the values it should show.
"""

from pathlib import Path

import numpy as np


def gray(path):
    """A PNG as a float array in [0, 1] (0 black, 1 white)."""
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("L"), dtype=float) / 255


def panel_boxes(blank, darkness=0.5, min_side=50, filled=False):
    """Bounding boxes (row slice, col slice) of the large dark shapes of ``blank``, in
    reading order: the frames of its image panels, or with ``filled`` the solid squares
    (not the frames of other plots)."""
    from scipy import ndimage

    dark = blank < darkness
    labels, _ = ndimage.label(dark)
    boxes = [
        b
        for b in ndimage.find_objects(labels)
        if b[0].stop - b[0].start >= min_side
        and b[1].stop - b[1].start >= min_side
        and (not filled or dark[b].mean() > 0.9)
    ]
    return sorted(boxes, key=lambda b: (b[0].start // min_side, b[1].start))


def shown_images(png, blank_png, *, ink, darkness=0.5, filled=False, inset=2):
    """The 28x28 images that ``png`` shows in the panels found in ``blank_png``.

    ``ink``: True when dark means bright pixels (a ``binary`` colour map), False for a
    ``gray`` one (a blank image is then a black square: ``filled``). Each panel's inside
    is averaged down to 28x28 and returned in [0, 1].
    """
    from PIL import Image

    a, b = gray(png), gray(blank_png)
    assert a.shape == b.shape, "the figure and its blank control differ in size"
    out = []
    for rows, cols in panel_boxes(b, darkness, filled=filled):
        inner = a[rows.start + inset : rows.stop - inset, cols.start + inset : cols.stop - inset]
        small = Image.fromarray(np.uint8(np.round(inner * 255))).resize((28, 28), Image.BOX)
        pixels = np.asarray(small, dtype=float).ravel() / 255
        out.append(1 - pixels if ink else pixels)
    return out


def show_the_images(shown, images, min_corr=0.9):
    """Assert that panel ``i`` of ``shown`` is ``images[i]``: correlated above ``min_corr``
    with it and more than with any other of ``images``."""
    assert len(shown) == len(images), (len(shown), len(images))
    corr = np.array([[np.corrcoef(s, x)[0, 1] for x in images] for s in shown])
    corr = np.nan_to_num(corr, nan=-1.0)  # a flat panel correlates with nothing
    assert (np.diag(corr) > min_corr).all(), np.round(np.diag(corr), 3)
    assert (corr.argmax(axis=1) == np.arange(len(images))).all(), corr.argmax(axis=1)


def capture_plots(monkeypatch):
    """Record what every figure saved through `nengo_fashion.plots.save_png` plots.

    Returns a dict, filled as figures are saved: file name -> list over axes of
    ``{"lines": [(x, y), ...], "points": [(n, 2) offsets of each scatter, ...]}``.
    """
    from nengo_fashion import plots

    real = plots.save_png
    seen = {}

    def save_png(fig, path, dpi=100):
        seen[Path(path).name] = [
            {
                "lines": [
                    (np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float))
                    for line in ax.lines
                ],
                "points": [np.asarray(c.get_offsets(), float) for c in ax.collections],
            }
            for ax in fig.axes
        ]
        return real(fig, path, dpi)

    monkeypatch.setattr(plots, "save_png", save_png)
    return seen
