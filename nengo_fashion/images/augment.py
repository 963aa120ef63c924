"""Training-image augmentation, shared by the student (`train`) and the CNN teacher.

Every augmenter takes ``(n, 784)`` images in [0, 1] and a ``numpy.random.RandomState``
and returns new ``(n, 784)`` float32 images; the network is unchanged. They are
looked up by name in `AUGMENTERS` (the ``augment`` field of a `TrainConfig`).
"""

import numpy as np

SIDE = 28


def none(images, rng):
    """The images unchanged (a copy is not needed: nothing writes to them)."""
    return images


def flip_half(images, rng):
    """Mirror a random half of the images left-right.

    Clothes are left-right symmetric classes, so a mirrored image keeps its label.
    """
    images = images.reshape(-1, SIDE, SIDE).copy()
    mask = rng.rand(len(images)) < 0.5
    images[mask] = images[mask, :, ::-1]
    return images.reshape(-1, SIDE * SIDE)


def shift(images, rng, max_shift=2):
    """Shift each image by a random whole number of pixels in each direction.

    Parameters
    ----------
    images : numpy.ndarray
        ``(n, 784)`` images.
    rng : numpy.random.RandomState
        Draws one ``(dy, dx)`` per image, each uniform in ``-max_shift..max_shift``.
    max_shift : int
        Largest shift, in pixels. Pixels shifted in are black (0).
    """
    n = len(images)
    m = max_shift
    padded = np.zeros((n, SIDE + 2 * m, SIDE + 2 * m), dtype=np.float32)
    padded[:, m : m + SIDE, m : m + SIDE] = images.reshape(n, SIDE, SIDE)
    offsets = rng.randint(-m, m + 1, size=(n, 2))
    out = np.empty((n, SIDE, SIDE), dtype=np.float32)
    for dy in range(-m, m + 1):
        for dx in range(-m, m + 1):
            idx = np.flatnonzero((offsets[:, 0] == dy) & (offsets[:, 1] == dx))
            if len(idx):
                out[idx] = padded[idx, m - dy : m - dy + SIDE, m - dx : m - dx + SIDE]
    return out.reshape(n, SIDE * SIDE)


def shift_flip(images, rng):
    """`shift` by up to 2 pixels, then `flip_half` (the teacher's augmentation)."""
    return flip_half(shift(images, rng), rng)


AUGMENTERS = {"none": none, "flip": flip_half, "shift-flip": shift_flip}
"""Augmentations by name."""


def augment(name, images, rng):
    """Apply the augmentation called ``name`` (a key of `AUGMENTERS`)."""
    return AUGMENTERS[name](images, rng)
