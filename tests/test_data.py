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
    d = data.load(idx_dir, n_val=10, verify=False)  # random pixels: not Fashion-MNIST
    assert d.train.images.shape == (50, 784) and d.train.images.dtype == np.float32
    assert d.val.images.shape == (10, 784)
    assert d.test.images.shape == (20, 784)
    assert d.train.labels.dtype == np.int32
    assert 0.0 <= d.train.images.min() and d.train.images.max() <= 1.0
    # the validation split is the *last* n_val training images
    raw = data.read_idx(idx_dir / data.FILES["train_images"], 3)
    assert np.allclose(d.val.images * 255, raw[-10:].reshape(10, 784))
    assert d.source.startswith(f"{idx_dir} (unverified: ") and "not the published" in d.source


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
    with pytest.raises(DataError, match="magic number 0x00000803, expected 0x00000801"):
        data.load(idx_dir)


def test_bad_magic_with_high_bit_printed_unsigned(idx_dir):
    # A first byte of 0x80 or more: read signed, the message would say 0x-0000001.
    path = idx_dir / data.FILES["train_labels"]
    with gzip.open(path, "wb") as f:
        f.write(b"\xff\xff\xff\xff" + struct.pack(">I", 60) + bytes(60))
    with pytest.raises(DataError, match="magic number 0xffffffff, expected"):
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
    match = "t10k-labels-idx1-ubyte.gz: 20 test images.* but 19 labels"
    with pytest.raises(DataError, match=match):
        data.load(idx_dir)


def test_bad_n_val(idx_dir):
    with pytest.raises(DataError, match="n_val"):
        data.load(idx_dir, n_val=60, verify=False)


def test_real_data_splits(fashion):
    assert (len(fashion.train), len(fashion.val), len(fashion.test)) == (55000, 5000, 10000)
    assert np.array_equal(np.bincount(fashion.test.labels), np.full(10, 1000))
    assert fashion.test.images.max() == 1.0 and fashion.test.images.min() == 0.0
    assert data.CLASS_NAMES[fashion.train.labels[0]] == "Ankle boot"


def test_plot_grid(fashion, tmp_path):
    """Panel i of the grid shows training image i (binary colour map: dark is bright)."""
    from nengo_fashion.plots import image_grid

    from .pictures import show_the_images, shown_images

    path = data.plot_grid(fashion.train, tmp_path / "grid.png")
    # the control: the same grid (same titles, so the same layout) of blank images
    titles = [data.CLASS_NAMES[y] for y in fashion.train.labels[:25]]
    blank = image_grid(np.zeros((25, 784)), titles, tmp_path / "blank.png")
    shown = shown_images(path, blank, ink=True)
    # measured: correlation 0.963-0.993 with its own image (python -m pytest -k plot_grid)
    show_the_images(shown, fashion.train.images[:25])


# --- damaged files and verification against the published Fashion-MNIST ---------------


def test_invalid_deflate_stream_is_data_error(idx_dir):
    # a gzip header, then a deflate block of the reserved type 11: zlib.error, not OSError
    bad = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\x07" + bytes(20)
    (idx_dir / data.FILES["train_labels"]).write_bytes(bad)
    with pytest.raises(DataError, match="train-labels-idx1-ubyte.gz: corrupt"):
        data.load(idx_dir)


def test_bit_flip_is_data_error(idx_dir):
    path = idx_dir / data.FILES["test_images"]  # 15 kB: the middle is compressed data
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x10
    path.write_bytes(bytes(raw))
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte.gz: corrupt.*replace it"):
        data.load(idx_dir)


def test_empty_file(idx_dir):
    (idx_dir / data.FILES["test_images"]).write_bytes(b"")
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte.gz: empty file"):
        data.load(idx_dir)


def test_folder_instead_of_file(idx_dir):
    path = idx_dir / data.FILES["train_images"]
    path.unlink()
    path.mkdir()
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz: is a folder"):
        data.load(idx_dir)


def test_huge_dimensions_in_header(idx_dir):
    with gzip.open(idx_dir / data.FILES["train_labels"], "wb") as f:
        f.write(struct.pack(">iI", 0x801, 0xFFFFFFFF) + bytes(60))
    # refused from the header alone, before anything is inflated (a bounded read)
    with pytest.raises(DataError, match="idx1-ubyte.gz: its IDX header claims 4294967295 items"):
        data.load(idx_dir)


def test_unpublished_data_refused_by_default(idx_dir, monkeypatch):
    monkeypatch.delenv(data.UNVERIFIED_ENV_VAR, raising=False)
    with pytest.raises(DataError) as e:
        data.load(idx_dir, n_val=10)
    msg = str(e.value)
    assert msg.startswith(str(idx_dir / data.FILES["train_images"]))
    assert "not the published Fashion-MNIST" in msg
    assert "--unverified-data" in msg and data.UNVERIFIED_ENV_VAR in msg
    assert len(msg.splitlines()) == 1


@pytest.mark.parametrize("value, allowed", [("1", True), ("yes", True), ("0", False), ("", False)])
def test_unverified_env_var(idx_dir, monkeypatch, value, allowed):
    monkeypatch.setenv(data.UNVERIFIED_ENV_VAR, value)
    assert data.unverified_allowed() == allowed
    if allowed:
        assert "unverified" in data.load(idx_dir, n_val=10).source
    else:
        with pytest.raises(DataError, match="not the published"):
            data.load(idx_dir, n_val=10)


def test_verify_true_overrides_env_var(idx_dir, monkeypatch):
    monkeypatch.setenv(data.UNVERIFIED_ENV_VAR, "1")
    with pytest.raises(DataError, match="not the published"):
        data.load(idx_dir, n_val=10, verify=True)


def test_published_by_gz_md5_or_content_sha256(idx_dir, monkeypatch):
    import hashlib

    path = idx_dir / data.FILES["test_labels"]
    gz = path.read_bytes()
    raw = gzip.decompress(gz)
    assert not data.is_published(path, gz, raw)
    monkeypatch.setitem(data.PUBLISHED_MD5, path.name, hashlib.md5(gz).hexdigest())
    assert data.is_published(path, gz, raw)  # the original download
    monkeypatch.setitem(data.PUBLISHED_MD5, path.name, "0" * 32)
    monkeypatch.setitem(data.CONTENT_SHA256, path.name, hashlib.sha256(raw).hexdigest())
    assert data.is_published(path, gz, raw)  # recompressed, same content (Debian)
    assert not data.is_published(path.with_name("other.gz"), gz, raw)


def test_how_to_fix_depends_on_the_folder(tmp_path, monkeypatch):
    name = data.FILES["train_images"]
    assert "apt-get install --reinstall dataset-fashion-mnist" in data.how_to_fix(
        data.DEBIAN_DIR / name
    )
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    fix = data.how_to_fix(tmp_path / "keras" / "datasets" / "fashion-mnist" / name)
    assert "Keras downloads it again" in fix
    assert "replace it with the original" in data.how_to_fix(tmp_path / name)


def test_cli_option_sets_the_env_var(monkeypatch):
    from nengo_fashion.cli import ArgumentParser, add_data_args

    monkeypatch.setenv(data.UNVERIFIED_ENV_VAR, "")  # so that the test's end restores it
    p = ArgumentParser()
    add_data_args(p, n_val=False)
    assert p.parse_args([]).unverified_data is False
    assert not data.unverified_allowed()
    assert p.parse_args(["--unverified-data"]).unverified_data is True
    assert data.unverified_allowed()


def test_real_data_is_verified(fashion):
    assert "unverified" not in fashion.source
    for name in data.FILES.values():
        path = data.DEBIAN_DIR / name
        if not path.exists():
            pytest.skip("checks Debian's copy")
        gz = path.read_bytes()
        assert data.is_published(path, gz, gzip.decompress(gz)), name


def test_data_dir_is_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(DataError, match="is a file, not a folder"):
        data.load(tmp_path / "f")
