"""Which extra of ``pip install "nengo-fashion[EXTRA]"`` brings a module the code imports lazily.

``pip install nengo-fashion`` installs only what rate-mode prediction needs (numpy and
Pillow); the rest comes in the extras of ``pyproject.toml``. `EXTRAS` is the one table of
which extra brings which module; `INCLUDES` says which extra brings another one whole
(``tests/test_package.py`` checks both against ``pyproject.toml``).
`nengo_fashion.cli.run_cli` turns a `ModuleNotFoundError` for a module of `EXTRAS` into one
line (`missing_dependency`), and `nengo_fashion.classify.Classifier` checks a mode's extra
before it runs (`require_mode`); both say::

    this needs the [train] extra: pip install "nengo-fashion[train]"
"""

import importlib.util

from .errors import MissingDependencyError

EXTRAS = {
    "nengo": "spiking",
    "numba": "spiking",
    "matplotlib": "spiking",
    "threadpoolctl": "spiking",
    "tensorflow": "train",
    "keras": "train",
    "nengo_dl": "train",
    "nengo_loihi": "loihi",
    "nengo_extras": "loihi",
    "nengo_gui": "gui",
    "nir": "nir",
    "dask": "distributed",
    "distributed": "distributed",
    "msgpack": "distributed",
}
"""``{top-level import name: the extra that installs it}``: ``spiking`` (Nengo, numba for the
spiking executor, matplotlib for the studies' figures, threadpoolctl for their tasks),
``train`` (TensorFlow, NengoDL), ``loihi`` (nengo-loihi, nengo-extras), ``gui`` (nengo-gui),
``nir`` (the NIR export), ``distributed`` (Dask, for ``--scheduler``)."""

INCLUDES = {"train": "spiking", "loihi": "train", "gui": "spiking", "nir": "spiking"}
"""``{extra: the extra it installs too}`` (``nengo-fashion[loihi]`` brings ``[train]``,
which brings ``[spiking]``)."""


def hint(extra):
    """The one line that says to install ``extra``."""
    return f'this needs the [{extra}] extra: pip install "nengo-fashion[{extra}]"'


def closure(extra):
    """``extra`` and the extras it brings (`INCLUDES`), ``extra`` first."""
    out = [extra]
    while out[-1] in INCLUDES:
        out.append(INCLUDES[out[-1]])
    return out


def _missing(name):
    """Whether the top-level module ``name`` cannot be imported (found without importing)."""
    try:
        return importlib.util.find_spec(name) is None
    except (ImportError, ValueError):  # a broken entry in sys.modules
        return True


def missing_dependency(error):
    """The `MissingDependencyError` that ``error`` means, or None.

    ``error`` is one when it is a `ModuleNotFoundError` for a module of `EXTRAS` that is
    indeed absent (a submodule missing from an installed package is a version problem,
    not a missing extra, and is left as it is).
    """
    if not isinstance(error, ModuleNotFoundError) or not error.name:
        return None
    top = error.name.partition(".")[0]
    if top not in EXTRAS or not _missing(top):
        return None
    return MissingDependencyError(hint(EXTRAS[top]))


MODES = {
    "spiking": ("nengo", "numba"),
    "loihi": ("nengo_loihi", "nengo_extras", "nengo_dl", "tensorflow", "nengo"),
}
"""``{mode: the modules it imports}`` for the modes of `nengo_fashion.classify.Classifier`
beyond rate; each mode's extra has its name (``[spiking]``, ``[loihi]``)."""


def require(extra, modules=None):
    """Raise `MissingDependencyError` naming ``extra`` if one of ``modules`` is absent.

    ``modules`` (top-level import names) default to every module of ``extra`` and of the
    extras it brings (`closure`); they are looked for without importing them. The line
    names ``extra`` itself, which installs them all.
    """
    if modules is None:
        modules = [name for name, e in EXTRAS.items() if e in closure(extra)]
    if any(_missing(name) for name in modules):
        raise MissingDependencyError(hint(extra))


def require_mode(mode):
    """`require` the extra of a `Classifier` mode (`MODES`; rate needs none)."""
    if mode in MODES:
        require(mode, MODES[mode])
