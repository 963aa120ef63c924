"""The trained runs shipped inside the package, so that ``nf.load()`` works anywhere.

Each packaged run is a folder of this package holding the files a `Classifier` reads
(`FILES`): a byte-for-byte copy of the committed run of the same name under ``results/``
(``tests/test_package.py`` checks it; ``python -m tools.package_models`` refreshes it).
They are read with `importlib.resources`, so they are found in a wheel installed anywhere,
not only in a clone of the repository.
"""

from pathlib import Path

RUNS = ("best-relu",)
"""The names of the packaged runs (``nf.load(NAME)``)."""

FILES = ("config.json", "weights.npz", "results.json", "loihi.json", "ood.npz", "ood.json")
"""The files of a run that are packaged: what the rate, spiking and loihi modes read, and its
"not clothing" check (`nengo_fashion.classify.reject`); ``params.npz``, the training curve and
the tuning records stay in ``results/``."""


def _root():
    """This package's folder on disk (`importlib.resources.files`)."""
    from importlib.resources import files

    root = files(__name__)
    # a wheel installed anywhere, or a clone: a folder; a zipped package gives no folder to
    # the readers of a run's files, so it has no packaged run
    return root if isinstance(root, Path) else None


def run_folder(name):
    """The folder of the packaged run ``name``, or None if no run of that name is packaged."""
    root = _root()
    if name not in RUNS or root is None:
        return None
    folder = root / name
    return folder if folder.is_dir() else None
