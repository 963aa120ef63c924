"""Hostile data files: each kind of damage, applied to a copy of the data, given to a real
command (``python -m nengo_fashion.evaluate --run results/best-relu --data-dir COPY``).

Every one must end as one line ``error: <file>: ...`` naming the damaged file, exit
status 2, no traceback, within 30 s; and ``results/best-relu`` (used read-only) and the
installed data must be unchanged.

Two bases: ``real`` (a copy of the installed Fashion-MNIST, no opt-in: skipped when it is
not installed) and ``tiny`` (random-pixel IDX files from `make_idx_dir`, with
``--unverified-data``, so that the format checks are what fails).
"""

import gzip
import shutil
import struct

import numpy as np
import pytest

from nengo_fashion import data

from .conftest import make_idx_dir
from .hostile import ROOT, Snapshot, assert_one_line_error, run

BEST = ROOT / "results" / "best-relu"
MAX_SECONDS = 30
OPT_IN = "--unverified-data"


def _real_dir():
    for folder in (data.DEBIAN_DIR, data.keras_cache_dir()):
        if all((folder / name).is_file() for name in data.FILES.values()):
            return folder
    return None


REAL = _real_dir()


# --- the damage kinds: each changes one file of ``folder``; returns that file's name ----


def _content(path):
    return gzip.decompress(path.read_bytes())


def _rewrite(path, content):
    path.write_bytes(gzip.compress(content, compresslevel=1))


def _arrays(path):
    return data.read_idx(path, 3 if "images" in path.name else 1)


def flip_bit_mid_gz(folder):
    path = folder / data.FILES["train_images"]
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x04
    path.write_bytes(bytes(raw))
    return path.name


def flip_deflate_block_type(folder):
    """Set the first deflate block's type bits to 11 (reserved): a ``zlib.error``."""
    path = folder / data.FILES["train_images"]
    raw = bytearray(path.read_bytes())
    flags, pos = raw[3], 10  # the gzip header (RFC 1952), then its optional fields
    if flags & 0x04:
        pos += 2 + int.from_bytes(raw[pos : pos + 2], "little")
    for flag in (0x08, 0x10):  # file name, comment: zero-terminated
        if flags & flag:
            pos = raw.index(0, pos) + 1
    if flags & 0x02:
        pos += 2
    raw[pos] |= 0x06
    path.write_bytes(bytes(raw))
    return path.name


def truncate_gz(folder):
    path = folder / data.FILES["test_images"]
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) * 2 // 3])
    return path.name


def empty_file(folder):
    path = folder / data.FILES["train_labels"]
    path.write_bytes(b"")
    return path.name


def not_gzip(folder):
    path = folder / data.FILES["test_labels"]
    path.write_bytes(b"PK\x03\x04 this is a zip archive, not gzip\n" * 20)
    return path.name


def wrong_magic(folder):
    path = folder / data.FILES["train_labels"]
    content = _content(path)
    _rewrite(path, struct.pack(">i", 0x0803) + content[4:])
    return path.name


def count_mismatch(folder):
    path = folder / data.FILES["test_labels"]
    data.write_idx(path, _arrays(path)[:-1])  # one label fewer than the test images
    return path.name


def wrong_dimensions(folder):
    path = folder / data.FILES["test_images"]
    data.write_idx(path, _arrays(path)[:, ::2, ::2])  # 14x14 images
    return path.name


def label_out_of_range(folder):
    path = folder / data.FILES["train_labels"]
    labels = _arrays(path).copy()
    labels[len(labels) // 2] = 10
    data.write_idx(path, labels)
    return path.name


def replace_test_by_train(folder):
    """Well-formed but wrong: the test images replaced by the first 10,000 train images."""
    path = folder / data.FILES["test_images"]
    train = _arrays(folder / data.FILES["train_images"])
    _rewrite(path, _content(path)[:16] + train[: len(_arrays(path))].tobytes())
    return path.name


def missing_file(folder):
    path = folder / data.FILES["test_labels"]
    path.unlink()
    return path.name


def folder_not_file(folder):
    path = folder / data.FILES["train_images"]
    path.unlink()
    path.mkdir()
    (path / "train-images-idx3-ubyte").write_bytes(b"\0" * 16)
    return path.name


def nothing(folder):
    """No damage: random-pixel IDX files, well-formed, not Fashion-MNIST."""
    return data.FILES["train_images"]


# (id, damage, words of the error line besides the file name, bases)
DAMAGES = [
    ("bit-flip-mid", flip_bit_mid_gz, ["corrupt or truncated gzip"], ["real", "tiny"]),
    (
        "bit-flip-block-type",
        flip_deflate_block_type,
        ["corrupt", "invalid block type"],
        ["real", "tiny"],
    ),
    ("truncated-gz", truncate_gz, ["corrupt or truncated"], ["real", "tiny"]),
    ("empty-file", empty_file, ["empty file"], ["real", "tiny"]),
    ("not-gzip", not_gzip, ["corrupt", "not a gzipped file"], ["real", "tiny"]),
    ("wrong-magic", wrong_magic, ["magic number 0x00000803"], ["real", "tiny"]),
    ("count-mismatch", count_mismatch, ["test images", "labels"], ["real", "tiny"]),
    ("wrong-dimensions", wrong_dimensions, ["shape (14, 14)"], ["real", "tiny"]),
    ("label-out-of-range", label_out_of_range, ["label 10 out of range"], ["real", "tiny"]),
    (
        "test-is-train",
        replace_test_by_train,
        ["not the published fashion-mnist", "--unverified-data"],
        ["real"],
    ),
    ("missing-file", missing_file, ["lacks", "apt-get install"], ["real", "tiny"]),
    ("folder-not-file", folder_not_file, ["is a folder"], ["real", "tiny"]),
    (
        "random-idx-without-opt-in",
        nothing,
        ["not the published fashion-mnist", "--unverified-data", data.UNVERIFIED_ENV_VAR],
        ["tiny-strict"],
    ),
]

CASES = [
    pytest.param(damage, words, base, id=f"{name}-{base}")
    for name, damage, words, bases in DAMAGES
    for base in bases
]


@pytest.fixture(scope="module")
def protected():
    """``results/best-relu`` and the installed data: read, never changed."""
    snap = Snapshot(BEST, *([REAL] if REAL else []))
    yield snap
    snap.assert_unchanged()


def _copy_of(base, tmp_path):
    folder = tmp_path / "data"
    if base == "real":
        if REAL is None:
            pytest.skip(
                "the real Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"
            )
        folder.mkdir()
        for name in data.FILES.values():
            shutil.copyfile(REAL / name, folder / name)
        return folder
    return make_idx_dir(folder)


@pytest.mark.parametrize("damage, words, base", CASES)
def test_damaged_data_is_one_line_error(damage, words, base, tmp_path, protected):
    folder = _copy_of(base, tmp_path)
    name = damage(folder)
    argv = ["-m", "nengo_fashion.evaluate", "--run", BEST, "--data-dir", folder]
    if base == "tiny":
        argv.append(OPT_IN)
    result = run(argv, timeout=120, env={data.UNVERIFIED_ENV_VAR: ""})
    assert_one_line_error(result, contains=[name, *words], max_seconds=MAX_SECONDS)
    last = result.stderr.strip().splitlines()[-1]
    assert str(folder) in last, last  # the full path, not only the name
    protected.assert_unchanged()


def test_opt_in_lets_random_idx_data_through(tmp_path, protected):
    # n_val of best-relu is 5000: the tiny set needs more training images than that
    folder = make_idx_dir(tmp_path / "data", n_train=5010, n_test=20)
    argv = ["-m", "nengo_fashion.evaluate", "--run", BEST, "--data-dir", folder]
    argv += ["--mode", "rate", "--n-images", "10", OPT_IN]
    result = run(argv, timeout=300, env={data.UNVERIFIED_ENV_VAR: ""})
    assert result.rc == 0, str(result)
    assert "accuracy" in result.stdout and "Traceback" not in result.stderr
    protected.assert_unchanged()


def test_env_var_opt_in_passes_verification(tmp_path, protected):
    """``NENGO_FASHION_UNVERIFIED_DATA=1`` works like the option: the data passes the
    checksum check, and what fails is the next check (60 training images < n_val 5000)."""
    folder = make_idx_dir(tmp_path / "data")
    argv = ["-m", "nengo_fashion.evaluate", "--run", BEST, "--data-dir", folder]
    result = run(argv, timeout=120, env={data.UNVERIFIED_ENV_VAR: "1"})
    assert_one_line_error(result, contains=["n_val=5000"], max_seconds=MAX_SECONDS)
    assert "not the published" not in result.stderr
    protected.assert_unchanged()


def test_unverified_data_is_recorded_in_source(tmp_path):
    folder = make_idx_dir(tmp_path / "data")
    d = data.load(folder, n_val=10, verify=False)
    assert "unverified" in d.source and data.FILES["train_images"] in d.source
    assert np.array_equal(d.test.labels, np.arange(20) % 10)
