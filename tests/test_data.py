import gzip
import struct

import numpy as np
import pytest

from nengo_fashion import data
from nengo_fashion.errors import DataError

from .conftest import make_idx_dir


def test_idx_roundtrip(tmp_path, rng):
    images = rng.randint(0, 256, size=(7, 28, 28)).astype(np.uint8)
    data.write_idx(tmp_path / "x.gz", images)
    assert np.array_equal(data.read_idx(tmp_path / "x.gz", 3, 7, (28, 28)), images)


def test_load_tiny_dir_shapes_and_scaling(idx_dir):
    d = data.load(idx_dir, n_val=10)
    assert d.train.images.shape == (50, 784) and d.train.images.dtype == np.float32
    assert d.val.images.shape == (10, 784)
    assert d.test.images.shape == (20, 784)
    assert d.train.labels.dtype == np.int32
    assert 0.0 <= d.train.images.min() and d.train.images.max() <= 1.0
    # the validation split is the *last* n_val training images
    raw = data.read_idx(idx_dir / data.FILES["train_images"], 3)
    assert np.allclose(d.val.images * 255, raw[-10:].reshape(10, 784))
    assert d.source == str(idx_dir)


def test_env_var_is_used(idx_dir, monkeypatch):
    monkeypatch.setenv(data.ENV_VAR, str(idx_dir))
    assert data.find_data_dir() == idx_dir


def test_missing_data_names_the_three_ways(tmp_path, monkeypatch):
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    with pytest.raises(DataError) as e:
        data.find_data_dir(search_system=False, download=False)
    msg = str(e.value)
    assert "apt-get install dataset-fashion-mnist" in msg
    assert "--data-dir" in msg and data.ENV_VAR in msg
    assert "Keras" in msg


def test_explicit_dir_missing_file(idx_dir):
    (idx_dir / data.FILES["test_labels"]).unlink()
    with pytest.raises(DataError, match=data.FILES["test_labels"]):
        data.load(idx_dir)


def test_explicit_dir_does_not_exist(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        data.load(tmp_path / "nope")


def test_corrupt_gzip_names_file(idx_dir):
    path = idx_dir / data.FILES["train_images"]
    path.write_bytes(b"this is not gzip at all" * 10)
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz.*corrupt"):
        data.load(idx_dir)


def test_truncated_gzip_stream(idx_dir):
    path = idx_dir / data.FILES["train_images"]
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz"):
        data.load(idx_dir)


def test_truncated_payload(idx_dir):
    path = idx_dir / data.FILES["test_images"]
    header = struct.pack(">iiii", 0x803, 20, 28, 28)
    with gzip.open(path, "wb") as f:
        f.write(header + b"\x00" * 100)
    with pytest.raises(DataError, match="t10k-images.*truncated"):
        data.load(idx_dir)


def test_bad_magic(idx_dir):
    path = idx_dir / data.FILES["train_labels"]
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">ii", 0x803, 60) + bytes(60))
    with pytest.raises(DataError, match="magic"):
        data.load(idx_dir)


def test_wrong_image_shape(tmp_path):
    folder = make_idx_dir(tmp_path)
    data.write_idx(folder / data.FILES["test_images"], np.zeros((20, 14, 14)))
    with pytest.raises(DataError, match="shape"):
        data.load(folder)


def test_label_out_of_range(idx_dir):
    data.write_idx(idx_dir / data.FILES["test_labels"], np.full(20, 12))
    with pytest.raises(DataError, match="out of range"):
        data.load(idx_dir)


def test_count_mismatch(idx_dir):
    data.write_idx(idx_dir / data.FILES["test_labels"], np.zeros(19))
    with pytest.raises(DataError, match="20 test images but 19 labels"):
        data.load(idx_dir)


def test_bad_n_val(idx_dir):
    with pytest.raises(DataError, match="n_val"):
        data.load(idx_dir, n_val=60)


def test_real_data_splits(fashion):
    assert (len(fashion.train), len(fashion.val), len(fashion.test)) == (55000, 5000, 10000)
    assert np.array_equal(np.bincount(fashion.test.labels), np.full(10, 1000))
    assert fashion.test.images.max() == 1.0 and fashion.test.images.min() == 0.0
    assert data.CLASS_NAMES[fashion.train.labels[0]] == "Ankle boot"


def test_plot_grid(fashion, tmp_path):
    path = data.plot_grid(fashion.train, tmp_path / "grid.png")
    raw = path.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n" and len(raw) > 10000
