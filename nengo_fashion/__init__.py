"""nengo-fashion: the thesis' spiking Fashion-MNIST classifier, ported to Nengo.

The clothing-recognition API (`nengo_fashion.predict`)::

    import nengo_fashion as nf
    clf = nf.load()                                   # the default run, results/best-relu
    r = clf.predict("shirt.jpg")                      # rate network; also mode="spiking",
    r.labels, r.names, r.scores, r.spike_counts       # steps=8, or mode="loihi"
    x = nf.preprocess(picture)                        # a picture in Fashion-MNIST's form

exports `load`, `Classifier`, `Prediction`, `CLASS_NAMES` and `preprocess`. They are
imported on first use, so ``import nengo_fashion`` imports neither TensorFlow, NengoDL,
Nengo nor Pillow.

The package's layers, from the top (``docs/design.md``; ``tests/test_layers.py`` holds the
rules): the commands (`nengo_fashion.commands`, and the ``python -m`` entries), the
studies (`nengo_fashion.studies`), the front-ends (this face, `nengo_fashion.predict`,
`nengo_fashion.gui`, and `nengo_fashion.backends`, the table through which they reach a
backend), the backends (``loihi``) and the library (everything else).
"""

from .version import __version__  # noqa: F401 (the one version, also in metadata)

__all__ = ["CLASS_NAMES", "Classifier", "Prediction", "load", "preprocess"]


def __getattr__(name):
    """Import an exported name's module on first use (PEP 562), by plain imports (which
    the layer test reads like any other)."""
    if name == "CLASS_NAMES":
        from .data import CLASS_NAMES as value
    elif name == "preprocess":
        from .images.preprocess import preprocess as value
    elif name in ("Classifier", "Prediction", "load"):
        from . import predict

        value = getattr(predict, name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
