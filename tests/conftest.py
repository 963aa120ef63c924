"""Data and run fixtures. ``Simulator``, ``rng``, ``plt`` and ``allclose`` come from
nengo's own pytest plugins (pytest_nengo, pytest-rng, pytest-plt, pytest-allclose);
``pytest --plots`` saves the figures that tests draw, and ``pytest --slow`` (from
pytest_nengo) also runs the tests marked slow.

The real Fashion-MNIST is required for the tests that train (CI installs it with
``apt-get install dataset-fashion-mnist``); tests that only check file handling
write tiny IDX files of their own.
"""

import os
from pathlib import Path

import numpy as np
import pytest

from nengo_fashion import data
from nengo_fashion.errors import DataError

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def fashion():
    """The real Fashion-MNIST (skips, saying how to install it, when absent)."""
    try:
        return data.load(download=False)
    except DataError as e:
        pytest.skip(f"real Fashion-MNIST needed: {e}")


def make_idx_dir(folder, n_train=60, n_test=20, seed=0):
    """Write tiny IDX files of random pixels (a file-format fixture, not data).

    They are not the published Fashion-MNIST: loading them needs ``verify=False``
    (``data.load``) or ``--unverified-data`` (commands); format errors come first.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.RandomState(seed)
    for part, n in (("train", n_train), ("test", n_test)):
        data.write_idx(folder / data.FILES[f"{part}_images"], rng.randint(0, 256, (n, 28, 28)))
        data.write_idx(folder / data.FILES[f"{part}_labels"], np.arange(n) % 10)
    return folder


@pytest.fixture
def idx_dir(tmp_path):
    return make_idx_dir(tmp_path / "idx")


@pytest.fixture(scope="session")
def tiny_run(fashion, tmp_path_factory):
    """A run folder trained briefly on 1,280 real training images (2 epochs)."""
    from .margins import train_tiny

    return train_tiny(fashion, tmp_path_factory.mktemp("runs"), seed=0)
