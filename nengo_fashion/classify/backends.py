"""The table of inference backends: the one place where a front-end reaches one.

A front-end (`nengo_fashion.classify`, the GUI, the notebooks' helpers) that needs a
backend it does not always need calls ``load_backend(name)`` and uses the module it gets;
it imports no backend package itself. ``"loihi"`` is the top-level ``loihi`` package, which
imports only the library (``docs/design.md``); its face is `loihi.backend`.

The table holds module paths, imported on first use (`importlib`), so that a front-end
costs no Nengo, nengo-loihi or TensorFlow import until that backend is used; the layer
test reads `BACKENDS` as the edges it is.
"""

import importlib

BACKENDS = {
    "rate": "nengo_fashion.weights",
    "spiking": "nengo_fashion.inference.engine",
    "loihi": "loihi.backend",
}
"""``{name: module}``: ``rate``, the numpy rate network (`Weights.forward`); ``spiking``,
the spiking engines (`run_spiking`); ``loihi``, nengo-loihi's emulator or a board
(`loihi.backend`: the mapping, `classify`, `run_loihi`)."""


def load_backend(name):
    """The module of backend ``name`` (a key of `BACKENDS`), imported on first use.

    Raises `KeyError` for an unknown name, and `ImportError` as the import does (the
    ``loihi`` package not on the path).
    """
    if name not in BACKENDS:
        raise KeyError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
    return importlib.import_module(BACKENDS[name])
