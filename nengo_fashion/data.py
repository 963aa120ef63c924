"""Load the real Fashion-MNIST from its original IDX ``.gz`` files.

Where the files are looked for, in this order:

1. ``data_dir`` (the ``--data-dir`` option), else ``$NENGO_FASHION_DATA``;
2. ``/usr/share/datasets/fashion-mnist`` (Debian's ``dataset-fashion-mnist`` package);
3. the Keras cache (``$KERAS_HOME/datasets/fashion-mnist``, default ``~/.keras/...``);
4. a download through Keras, for machines that are online.

Every file is checked: gzip integrity, IDX magic number, item count and image
shape, and then that it *is* the published Fashion-MNIST (`verify_file`: the MD5 of
the ``.gz`` file, or the SHA-256 of its decompressed content, must be the original
file's). A damaged or different file raises `DataError`, which the commands print as
one line naming the file and the fix. To run on other IDX data knowingly, pass
``--unverified-data`` or set ``$NENGO_FASHION_UNVERIFIED_DATA=1`` (the variable also
reaches Dask workers, which load the data themselves); the dataset's ``source`` (and
so ``data_source`` in ``results.json``) then says ``(unverified: ...)``.
Pixels are scaled from 0..255 to 0..1 (``float32``), as in the thesis.

Every read is bounded (`read_idx`): a data file must be a regular file (a symlink is
resolved first; a FIFO, a device such as ``/dev/zero`` or a socket is refused before it is
opened), its IDX header is read first, and only the bytes that the header's dimensions
call for are inflated (one more, to detect trailing data). The dimensions are bounded:
at most `MAX_ITEMS` items of 28 x 28 for the published Fashion-MNIST (the default, which
is then checked against the checksums), and at most `MAX_UNVERIFIED_BYTES` of content per
file for other IDX data (``--unverified-data``). A gzip bomb or a header claiming absurd
dimensions is so a one-line `DataError`, not a ``MemoryError``.

The validation split is held out from the 60,000 training images: by default the
**last 5,000** (indices 55,000..59,999). Hyper-parameters are chosen on it; the
10,000 test images are only used to report.
"""

import dataclasses
import hashlib
import os
from pathlib import Path

import numpy as np

from .errors import DataError
from .idx import MAX_BYTES, read_idx_bytes, write_idx  # noqa: F401 (write_idx: the API)

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

MAX_ITEMS = EXPECTED_COUNTS["train"]
"""The most items a file of the published Fashion-MNIST holds: the bound of a verified read."""

MAX_UNVERIFIED_BYTES = MAX_BYTES
"""The most content (after the IDX header) read from one file of other IDX data
(``--unverified-data``): 256 MiB, five times Fashion-MNIST's largest file (47 MB)."""

UNVERIFIED_ENV_VAR = "NENGO_FASHION_UNVERIFIED_DATA"
"""Set to 1 to accept IDX files that are not the published Fashion-MNIST (``--unverified-data``)."""

PUBLISHED_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
"""MD5 of the four original ``.gz`` files, as published in Fashion-MNIST's README
(https://github.com/zalandoresearch/fashion-mnist#get-the-data): a file downloaded as is."""

CONTENT_SHA256 = {
    "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",  # noqa: E501
    "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",  # noqa: E501
    "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
"""SHA-256 of the *decompressed* IDX bytes of each file.

Debian's ``dataset-fashion-mnist`` (0.0~git20200523.55506a9-1) recompressed the files
(no file name in the gzip header, mtime 2020-06-05), so their ``.gz`` MD5s differ from
`PUBLISHED_MD5`; their content does not. Computed with ``zcat FILE | sha256sum`` on
``/usr/share/datasets/fashion-mnist/*.gz``; these equal the SHA-256s of the upstream
files' decompressed content, as listed independently by public projects that download
and decompress the originals (the uncompressed sizes, 47040016 / 60008 / 7840016 /
10008 bytes, are the IDX headers plus 60,000 / 10,000 items)."""

HOW_TO_GET = (
    "Fashion-MNIST not found. Provide it in one of three ways: "
    "(1) 'sudo apt-get install dataset-fashion-mnist' (Debian/Ubuntu, installs "
    f"{DEBIAN_DIR}); (2) put the four original IDX .gz files ({', '.join(FILES.values())}) "
    f"in a folder and pass --data-dir DIR or set ${ENV_VAR}; (3) go online once so "
    "that Keras can download them into its cache."
)


def read_idx(path, ndim, expected_count=None, item_shape=None, max_bytes=MAX_UNVERIFIED_BYTES):
    """Read one gzipped IDX file of unsigned bytes, checking it thoroughly, with bounds.

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
    max_bytes : int
        The most content (after the header) that is read: a header that claims more is
        refused before anything is inflated.

    Returns
    -------
    numpy.ndarray
        ``uint8`` array of shape ``(count,) + item_shape``.

    Raises
    ------
    DataError
        If the file is not a regular file, cannot be read, is not gzip, is truncated or
        padded, claims more than ``max_bytes``, or has the wrong magic number, count or
        shape. The message names the file and the fix.
    """
    return _read_idx(path, ndim, expected_count, item_shape, max_bytes)[0]


def _read_idx(path, ndim, expected_count, item_shape, max_bytes, bound=""):
    return read_idx_bytes(
        path,
        ndim,
        (expected_count, item_shape),
        max_bytes=max_bytes,
        bound=bound,
        fix=how_to_fix(path),
    )


def how_to_fix(path):
    """The fix for a damaged or wrong data file, for error messages (depends on its folder)."""
    path = Path(path)
    try:
        folder = path.parent.resolve()
        debian, keras = DEBIAN_DIR.resolve(), keras_cache_dir().resolve()
    except (OSError, RuntimeError):
        folder = debian = keras = None
    if folder is not None and folder == debian:
        return "reinstall it with 'sudo apt-get install --reinstall dataset-fashion-mnist'"
    if folder is not None and folder == keras:
        return "delete it so that Keras downloads it again"
    return (
        f"replace it with the original {path.name} (from {DEBIAN_DIR} after 'sudo apt-get "
        f"install dataset-fashion-mnist', or {KERAS_ORIGIN}{path.name})"
    )


def is_published(path, gz, raw):
    """Whether a file is the published Fashion-MNIST file of its name.

    ``gz`` is the file's bytes and ``raw`` its decompressed bytes. True if the MD5 of
    ``gz`` is the published one (`PUBLISHED_MD5`: the original download), or the
    SHA-256 of ``raw`` is the original content's (`CONTENT_SHA256`: a recompressed copy,
    e.g. Debian's). The SHA-256 of the 55 MB of content of the four files takes ~0.03 s
    (the MD5 of the 30 MB of ``.gz``, only computed on a mismatch, ~0.04 s), next to
    ~0.25 s to decompress them, which loading does anyway.
    """
    name = Path(path).name
    if name not in PUBLISHED_MD5:
        return False
    # the content first: it matches both the original and a recompressed copy
    if hashlib.sha256(raw).hexdigest() == CONTENT_SHA256[name]:
        return True
    return hashlib.md5(gz).hexdigest() == PUBLISHED_MD5[name]


def unverified_allowed():
    """Whether ``$NENGO_FASHION_UNVERIFIED_DATA`` allows data that is not Fashion-MNIST."""
    value = os.environ.get(UNVERIFIED_ENV_VAR, "").strip().lower()
    return value not in ("", "0", "false", "no", "off")


def verify_file(path, gz, raw):
    """Raise `DataError` unless `is_published` (the message names the file and the fix)."""
    if not is_published(path, gz, raw):
        raise DataError(
            f"{path}: not the published Fashion-MNIST (neither its MD5 nor its content's "
            f"SHA-256 is the original file's); {how_to_fix(path)}; or, to use other IDX "
            f"data knowingly, pass --unverified-data (or set {UNVERIFIED_ENV_VAR}=1)"
        )


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
        if explicit.exists() and not explicit.is_dir():
            raise DataError(f"data folder {explicit} is a file, not a folder. {HOW_TO_GET}")
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


def load_raw(folder, expect_full=True, verify=True):
    """Read the four files of ``folder`` as ``uint8`` arrays (no scaling, no split).

    With ``verify``, a file that is not the published Fashion-MNIST raises `DataError`
    (after the format checks of all four files, so that a damaged file gets the more
    precise message).
    """
    return _load_raw(folder, expect_full, verify)[0]


def _load_raw(folder, expect_full=True, verify=True):
    """`load_raw`, also returning the names of the files that are not the published ones."""
    folder = Path(folder)
    out, read = {}, []
    # bounded before the checksums: a verified read is of at most Fashion-MNIST's size
    bounds = [(MAX_UNVERIFIED_BYTES, "")] * 2
    if verify:
        note = (
            f" (the published Fashion-MNIST has at most {MAX_ITEMS} items; for other IDX data "
            f"pass --unverified-data, which reads up to {MAX_UNVERIFIED_BYTES} bytes a file)"
        )
        bounds = [(MAX_ITEMS * N_PIXELS, note), (MAX_ITEMS, note)]
    for part in ("train", "test"):
        count = EXPECTED_COUNTS[part] if expect_full else None
        images_path = folder / FILES[f"{part}_images"]
        labels_path = folder / FILES[f"{part}_labels"]
        images, *images_bytes = _read_idx(images_path, 3, count, IMAGE_SHAPE, *bounds[0])
        labels, *labels_bytes = _read_idx(labels_path, 1, count, None, *bounds[1])
        if len(images) != len(labels):
            raise DataError(
                f"{labels_path}: {len(images)} {part} images (in {images_path.name}) but "
                f"{len(labels)} labels; {how_to_fix(labels_path)}"
            )
        if labels.size and labels.max() >= N_CLASSES:
            raise DataError(
                f"{labels_path}: label {labels.max()} out of range 0..{N_CLASSES - 1}; "
                f"{how_to_fix(labels_path)}"
            )
        read += [(images_path, *images_bytes), (labels_path, *labels_bytes)]
        out[part] = (images, labels)
    unpublished = []
    for path, gz, raw in read:  # after the format checks of all four files
        if verify:
            verify_file(path, gz, raw)
        elif not is_published(path, gz, raw):
            unpublished.append(path.name)
    return out, unpublished


def load(data_dir=None, *, n_val=DEFAULT_N_VAL, search_system=True, download=True, verify=None):
    """Load Fashion-MNIST with a validation split held out from the training images.

    Parameters
    ----------
    data_dir : str or Path, optional
        Folder with the IDX files (else the search order of this module).
    n_val : int
        How many of the *last* training images form the validation split.
    search_system, download : bool
        See `find_data_dir`.
    verify : bool, optional
        Refuse files that are not the published Fashion-MNIST (`verify_file`). Default:
        True unless ``$NENGO_FASHION_UNVERIFIED_DATA`` is set (``--unverified-data``).
        Unverified data is still checked, and named in ``source``.

    Returns
    -------
    FashionMNIST
        ``train`` (first ``60000 - n_val`` images), ``val`` (last ``n_val``) and
        ``test`` (10,000). Images are ``(n, 784)`` float32 in [0, 1]. ``source`` is the
        folder, followed by ``(unverified: ...)`` if a file is not the published one.
    """
    if verify is None:
        verify = not unverified_allowed()
    folder = find_data_dir(data_dir, search_system=search_system, download=download)
    # a folder given explicitly may hold a smaller set (tests write tiny files)
    explicit = data_dir is not None or bool(os.environ.get(ENV_VAR))
    raw, unpublished = _load_raw(folder, expect_full=not explicit, verify=verify)
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
        source=str(folder) + unverified_note(unpublished),
    )


def unverified_note(names):
    """What ``source`` says after the folder when files are not the published ones."""
    if not names:
        return ""
    return f" (unverified: {', '.join(names)} not the published Fashion-MNIST)"


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
