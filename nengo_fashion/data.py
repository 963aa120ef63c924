"""Load the real Fashion-MNIST from its original IDX ``.gz`` files.

Where the files are looked for, in this order:

1. ``data_dir`` (the ``--data-dir`` option), else ``$NENGO_FASHION_DATA``;
2. ``/usr/share/datasets/fashion-mnist`` (Debian's ``dataset-fashion-mnist`` package);
3. the Keras cache (``$KERAS_HOME/datasets/fashion-mnist``, default ``~/.keras/...``);
4. a download through Keras, for machines that are online.

Every file is checked: gzip integrity, IDX magic number, item count and image
shape. Pixels are scaled from 0..255 to 0..1 (``float32``), as in the thesis.

The validation split is held out from the 60,000 training images: by default the
**last 5,000** (indices 55,000..59,999). Hyper-parameters are chosen on it; the
10,000 test images are only used to report.
"""

import dataclasses
import gzip
import os
import struct
from pathlib import Path

import numpy as np

from .errors import DataError

CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
"""The ten class names, indexed by label."""

FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
"""The four original file names (identical in Debian's package and Keras' cache)."""

EXPECTED_COUNTS = {"train": 60000, "test": 10000}
IMAGE_SHAPE = (28, 28)
N_PIXELS = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]
N_CLASSES = len(CLASS_NAMES)
DEFAULT_N_VAL = 5000
ENV_VAR = "NENGO_FASHION_DATA"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

_MAGIC = {1: 0x00000801, 3: 0x00000803}  # unsigned byte, 1 or 3 dimensions

HOW_TO_GET = (
    "Fashion-MNIST not found. Provide it in one of three ways: "
    "(1) 'sudo apt-get install dataset-fashion-mnist' (Debian/Ubuntu, installs "
    f"{DEBIAN_DIR}); (2) put the four original IDX .gz files ({', '.join(FILES.values())}) "
    f"in a folder and pass --data-dir DIR or set ${ENV_VAR}; (3) go online once so "
    "that Keras can download them into its cache."
)


def read_idx(path, ndim, expected_count=None, item_shape=None):
    """Read one gzipped IDX file of unsigned bytes, checking it thoroughly.

    Parameters
    ----------
    path : str or Path
        The ``.gz`` file.
    ndim : int
        Expected number of dimensions (1 for labels, 3 for images).
    expected_count : int, optional
        Expected number of items (the first dimension).
    item_shape : tuple of int, optional
        Expected shape of one item, e.g. ``(28, 28)``.

    Returns
    -------
    numpy.ndarray
        ``uint8`` array of shape ``(count,) + item_shape``.

    Raises
    ------
    DataError
        If the file cannot be read, is not gzip, is truncated, or has the wrong
        magic number, count or shape. The message names the file.
    """
    path = Path(path)
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise DataError(
            f"{path}: corrupt or truncated gzip file ({e}); delete it and "
            "reinstall or re-download the data"
        ) from None

    header_len = 4 + 4 * ndim
    if len(raw) < header_len:
        raise DataError(f"{path}: too short to be an IDX file ({len(raw)} bytes)")
    magic = struct.unpack(">i", raw[:4])[0]
    if magic != _MAGIC[ndim]:
        raise DataError(
            f"{path}: bad IDX magic number 0x{magic:08x}, expected "
            f"0x{_MAGIC[ndim]:08x} (unsigned bytes, {ndim} dimension(s))"
        )
    shape = struct.unpack(f">{ndim}i", raw[4:header_len])
    if expected_count is not None and shape[0] != expected_count:
        raise DataError(f"{path}: holds {shape[0]} items, expected {expected_count}")
    if item_shape is not None and tuple(shape[1:]) != tuple(item_shape):
        raise DataError(f"{path}: items of shape {shape[1:]}, expected {item_shape}")
    n_bytes = int(np.prod(shape))
    if len(raw) - header_len != n_bytes:
        raise DataError(
            f"{path}: truncated or padded: {len(raw) - header_len} data bytes, "
            f"header says {n_bytes}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_len).reshape(shape)


def write_idx(path, array):
    """Write a ``uint8`` array as a gzipped IDX file (used by tests and tools)."""
    array = np.asarray(array, dtype=np.uint8)
    header = struct.pack(">i", _MAGIC[array.ndim]) + struct.pack(f">{array.ndim}i", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def keras_cache_dir():
    """The folder where ``keras.datasets.fashion_mnist`` caches the files."""
    home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    return Path(home) / "datasets" / "fashion-mnist"


def _has_all_files(folder):
    return folder is not None and all((Path(folder) / f).exists() for f in FILES.values())


def find_data_dir(data_dir=None, search_system=True, download=True):
    """Return the folder holding the four IDX files, following the search order.

    Parameters
    ----------
    data_dir : str or Path, optional
        An explicit folder. If given (or ``$NENGO_FASHION_DATA`` is set) it must
        hold the files: no other place is searched, so a typo is not hidden.
    search_system : bool
        Whether to look in Debian's folder and the Keras cache.
    download : bool
        Whether to try a Keras download when nothing is found.
    """
    explicit = data_dir if data_dir is not None else os.environ.get(ENV_VAR) or None
    if explicit is not None:
        explicit = Path(explicit)
        if not explicit.is_dir():
            raise DataError(f"data folder {explicit} does not exist. {HOW_TO_GET}")
        missing = [f for f in FILES.values() if not (explicit / f).exists()]
        if missing:
            raise DataError(f"{explicit} lacks {', '.join(missing)}. {HOW_TO_GET}")
        return explicit
    if search_system:
        for folder in (DEBIAN_DIR, keras_cache_dir()):
            if _has_all_files(folder):
                return folder
    if download:
        folder = _download_with_keras()
        if folder is not None:
            return folder
    raise DataError(HOW_TO_GET)


def _download_with_keras():
    """Download the files into the Keras cache; return the folder or None."""
    try:
        from tensorflow import keras
    except ImportError:
        return None
    try:
        for fname in FILES.values():
            keras.utils.get_file(
                fname, origin=KERAS_ORIGIN + fname, cache_subdir="datasets/fashion-mnist"
            )
    except Exception:  # offline, proxy, HTTP errors: all mean "not available"
        return None
    folder = keras_cache_dir()
    return folder if _has_all_files(folder) else None


@dataclasses.dataclass(frozen=True)
class Split:
    """Images and labels of one split.

    Attributes
    ----------
    images : numpy.ndarray
        ``float32`` array of shape ``(n, 784)``, pixel values in [0, 1].
    labels : numpy.ndarray
        ``int32`` array of shape ``(n,)``, values 0..9.
    name : str
        ``"train"``, ``"val"`` or ``"test"``.
    """

    images: np.ndarray
    labels: np.ndarray
    name: str

    def __len__(self):
        return len(self.labels)

    def subset(self, n):
        """The first ``n`` items (all of them if ``n`` is None)."""
        if n is None or n >= len(self):
            return self
        return Split(self.images[:n], self.labels[:n], self.name)


@dataclasses.dataclass(frozen=True)
class FashionMNIST:
    """The three splits and where they were read from."""

    train: Split
    val: Split
    test: Split
    source: str

    def split(self, name):
        """One split by name: ``"train"``, ``"val"`` or ``"test"``."""
        if name not in ("train", "val", "test"):
            raise ValueError(f"unknown split {name!r}; use train, val or test")
        return getattr(self, name)


def load_raw(folder, expect_full=True):
    """Read the four files of ``folder`` as ``uint8`` arrays (no scaling, no split)."""
    folder = Path(folder)
    out = {}
    for part in ("train", "test"):
        count = EXPECTED_COUNTS[part] if expect_full else None
        images = read_idx(folder / FILES[f"{part}_images"], 3, count, IMAGE_SHAPE)
        labels = read_idx(folder / FILES[f"{part}_labels"], 1, count)
        if len(images) != len(labels):
            raise DataError(f"{folder}: {len(images)} {part} images but {len(labels)} labels")
        if labels.size and labels.max() >= N_CLASSES:
            raise DataError(
                f"{folder / FILES[f'{part}_labels']}: label {labels.max()} "
                f"out of range 0..{N_CLASSES - 1}"
            )
        out[part] = (images, labels)
    return out


def load(data_dir=None, n_val=DEFAULT_N_VAL, search_system=True, download=True):
    """Load Fashion-MNIST with a validation split held out from the training images.

    Parameters
    ----------
    data_dir : str or Path, optional
        Folder with the IDX files (else the search order of this module).
    n_val : int
        How many of the *last* training images form the validation split.
    search_system, download : bool
        See `find_data_dir`.

    Returns
    -------
    FashionMNIST
        ``train`` (first ``60000 - n_val`` images), ``val`` (last ``n_val``) and
        ``test`` (10,000). Images are ``(n, 784)`` float32 in [0, 1].
    """
    folder = find_data_dir(data_dir, search_system=search_system, download=download)
    # a folder given explicitly may hold a smaller set (tests write tiny files)
    explicit = data_dir is not None or bool(os.environ.get(ENV_VAR))
    raw = load_raw(folder, expect_full=not explicit)
    train_x, train_y = raw["train"]
    if not 0 <= n_val < len(train_y):
        raise DataError(f"n_val={n_val} must be between 0 and the {len(train_y)} training images")

    def prep(images, labels, name):
        x = images.reshape(len(images), N_PIXELS).astype(np.float32) / 255.0
        return Split(x, labels.astype(np.int32), name)

    n_train = len(train_y) - n_val
    return FashionMNIST(
        train=prep(train_x[:n_train], train_y[:n_train], "train"),
        val=prep(train_x[n_train:], train_y[n_train:], "val"),
        test=prep(*raw["test"], "test"),
        source=str(folder),
    )


def plot_grid(split, path, n=25):
    """Plot the first ``n`` images of a split with their class names (thesis Fig. 3.3).

    Parameters
    ----------
    split : Split
        Usually the training split.
    path : str or Path
        The PNG file to write.
    n : int
        A square number of images (default 25, a 5x5 grid).
    """
    from .plots import image_grid

    return image_grid(split.images[:n], [CLASS_NAMES[y] for y in split.labels[:n]], path)
