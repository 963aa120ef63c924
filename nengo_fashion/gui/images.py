"""The user's own pictures in the GUI (``--images``): read, checked, handed to the model.

`read_images` reads picture files and folders as ``python -m nengo_fashion.predict`` does;
the command writes them with `save_images` as `IMAGES_FILE` in the GUI's temporary folder,
which ``$NENGO_FASHION_GUI_IMAGES`` (`IMAGES_ENV`) names, and the model script reads them
back with `load_images` (no pickled objects).
"""

import sys
from pathlib import Path

import numpy as np

from ..errors import ConfigError

IMAGES_FILE = "images.npz"
"""The user's preprocessed pictures (``pixels``, ``names``) in the GUI's temporary folder."""
IMAGES_ENV = "NENGO_FASHION_GUI_IMAGES"
"""The environment variable that names `IMAGES_FILE` for the model script."""


def as_pictures(images, names=None):
    """The user's pictures as ``(n, 784)`` float32 in [0, 1], and their names (checked).

    Parameters
    ----------
    images : array_like
        ``(n, 28, 28)`` or ``(n, 784)`` pixels in [0, 1] (what `read_images` gives).
    names : list of str, optional
        Their names; default ``picture 1``, ``picture 2``, ...

    Returns
    -------
    pixels : numpy.ndarray
        ``(n, 784)`` float32.
    names : list of str
    """
    x = np.asarray(images, dtype=np.float32)
    if x.ndim not in (2, 3) or not len(x) or x[0].size != 784:
        raise ConfigError(
            f"pictures must be an array of shape (n, 28, 28) or (n, 784) with n >= 1, "
            f"got shape {x.shape}"
        )
    x = x.reshape(len(x), 784)
    if not (np.isfinite(x).all() and x.min() >= 0 and x.max() <= 1):
        raise ConfigError("picture pixels must be finite numbers in [0, 1]")
    names = [f"picture {i + 1}" for i in range(len(x))] if names is None else list(names)
    if len(names) != len(x):
        raise ConfigError(f"{len(x)} pictures but {len(names)} names")
    return x, [str(n) for n in names]


def read_images(paths, preprocess=True):
    """The user's pictures for `build_gui_model`: ``(names, pixels)``.

    ``paths``: picture files and folders of them (a folder's files by name, not its
    subfolders or hidden files), read and turned into Fashion-MNIST's form exactly as
    ``python -m nengo_fashion.predict`` does (`nengo_fashion.classify.collect`;
    ``preprocess=False``: 28 x 28 pictures as they are). ``names`` are the file names,
    ``pixels`` ``(n, 28, 28)`` float32 in [0, 1]. An unreadable file is skipped with
    one line on stderr (``skipped <file>: <why>``); `ConfigError` if none is readable.
    """
    from ..classify import collect

    paths = [str(p) for p in paths]
    if not paths:
        raise ConfigError("--images: no picture file or folder given")
    sources, pixels, failed = collect(paths, preprocess=preprocess, errors="skip", quiet=True)
    if not len(pixels):
        more = f"; {len(failed) - 1} more cannot be read either" if len(failed) > 1 else ""
        first = failed[0][1] if failed else "nothing found"
        raise ConfigError(f"--images: no picture can be read ({first}{more})")
    for _, reason in failed:
        print(f"skipped {reason}", file=sys.stderr, flush=True)
    return [Path(s).name for s in sources], pixels


def save_images(path, names, pixels):
    """Write the user's pictures for the model script (`load_images` reads them)."""
    x, names = as_pictures(pixels, names)
    np.savez(path, pixels=x, names=np.array(names, dtype=str))


def load_images(path):
    """``(pixels, names)`` written by `save_images` (no pickled objects are loaded)."""
    try:
        with np.load(path, allow_pickle=False) as f:
            return f["pixels"], [str(n) for n in f["names"]]
    except (OSError, KeyError, ValueError) as e:
        raise ConfigError(f"cannot read the pictures in {path} (${IMAGES_ENV}): {e}") from None
