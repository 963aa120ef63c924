"""Pictures in any accepted form, in the network's form: what `Classifier.predict` reads.

`collect` takes a path to an image file, a folder of them, a list of such paths, a PIL
image, or a numpy array, and returns ``(n, 28, 28)`` float32 pictures in [0, 1] with where
each came from; `expand_paths` lists a folder's files. Files are read by
`nengo_fashion.images.preprocess.open_image` (bounded: pictures over
`~nengo_fashion.images.preprocess.MAX_DECODED_BYTES` decoded are refused from their header)
and turned into Fashion-MNIST's form by `nengo_fashion.images.preprocess.preprocess`. A
picture that cannot be read is an `InputError`, or (``errors="skip"``) a one-line reason
that names it; a failed picture costs only itself.

This module imports numpy and Pillow only (the rate path of ``predict`` imports no Nengo).
"""

import os
import reprlib
import sys
from pathlib import Path

import numpy as np

from ..data import N_PIXELS
from ..errors import NengoFashionError
from ..images import preprocess as pp

PROGRESS_MIN = 10
"""Files from which reading them shows progress on stderr (unless ``quiet``)."""

ACCEPTED = (
    "a path to an image file, a folder of images, a list of such paths, a PIL image, or a "
    "numpy array of shape (28, 28), (N, 28, 28) or (N, 784) with uint8 pixels in 0-255 or "
    "float pixels in [0, 1]"
)


class InputError(NengoFashionError, ValueError):
    """Images in a form `Classifier.predict` does not accept, or a file it cannot read."""


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


def _from_array(images, preprocess):
    """``(sources, pictures, failed)`` of a numpy array (`collect`)."""
    a = _check_array(images)
    if preprocess:
        pics = np.stack([pp.preprocess(im) for im in a])
    else:
        pics = a.astype(np.float32) / 255.0 if a.dtype == np.uint8 else a.astype(np.float32)
    return [f"array[{i}]" for i in range(len(a))], pics, []


def _entries(images):
    """``(source, path or PIL image, reason or None)`` of each picture named by ``images``
    (a path, a PIL image, or a non-empty list of them); an `InputError` for another form."""
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
    entries = []
    for item in items:
        if _is_pil(item):
            entries.append(("image", item, None))
        else:
            entries.extend(
                (str(p), p, reason if reason is None else pp.printable(reason))
                for p, reason in expand_paths([item])
            )
    return entries


def _read_entry(source, item, reason, preprocess):
    """One entry of `_entries` as a ``(28, 28)`` picture; `ImageReadError` or `MemoryError`."""
    if reason is not None:
        raise pp.ImageReadError(reason)
    if _is_pil(item):
        return _picture(item, preprocess, source)
    return _read_file(item, preprocess)


def collect(images, preprocess=True, errors="raise", quiet=True):
    """The pictures in ``images`` (any form `Classifier.predict` accepts) in the network's form.

    Parameters
    ----------
    images : str, Path, PIL.Image.Image, list or numpy.ndarray
        See `ACCEPTED`.
    preprocess : bool
        Turn each picture into Fashion-MNIST's form (`nengo_fashion.images.preprocess`).
    errors : {"raise", "skip"}
        What an unreadable file does: raise `InputError`, or leave it out and list it.
    quiet : bool
        Show no progress on stderr (it is shown from `PROGRESS_MIN` files).

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
        return _from_array(images, preprocess)
    entries = _entries(images)
    from ..progress import Progress

    sources, pics, failed = [], [], []
    every = max(1, len(entries) // 20)  # about 20 progress lines
    few = len(entries) < PROGRESS_MIN
    with Progress(len(entries), "reading images", quiet=quiet or few) as bar:
        for n, (source, item, reason) in enumerate(entries, 1):
            try:
                pic = _read_entry(source, item, reason, preprocess)
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
