"""nengo-fashion: the thesis' spiking Fashion-MNIST classifier, ported to Nengo.

The clothing-recognition API (`nengo_fashion.classify`)::

    import nengo_fashion as nf
    nf.predict("shirt.jpg")                           # one call: load the default run, classify
    clf = nf.load()                                   # the default run, once for many calls
    r = clf("shirt.jpg")                              # = clf.predict(...): rate network; also
    r = clf.predict(images, mode="spiking", steps=8)  # mode="spiking" or mode="loihi"
    r.labels, r.names, r.scores, r.spike_counts       # one entry per picture
    r[0], len(r), [one.name for one in r]             # each picture on its own
    x = nf.preprocess(picture)                        # a picture in Fashion-MNIST's form

exports `predict`, `load`, `Classifier`, `Prediction`, `CLASS_NAMES` and `preprocess`.
They are imported on first use, so ``import nengo_fashion`` imports neither TensorFlow,
NengoDL, Nengo nor Pillow. (``python -m nengo_fashion.predict`` is the command; its module,
``nengo_fashion/predict.py``, only runs the command, and ``nengo_fashion.predict`` is the
function.)

The package's layers, from the top (``docs/design.md``; ``tests/test_layers.py`` holds the
rules): the commands (`nengo_fashion.commands`, and the ``python -m`` entries), the
studies (`nengo_fashion.studies`), the front-ends (this face, `nengo_fashion.classify`,
`nengo_fashion.gui`; `nengo_fashion.classify.backends` is the table through which they
reach a backend), the backends (``loihi``) and the library (everything else).
"""

from .version import __version__  # noqa: F401 (the one version, also in metadata)

__all__ = ["CLASS_NAMES", "Classifier", "Prediction", "load", "predict", "preprocess"]


def predict(images, run=None, mode=None, steps=None, *, config=None, **options):
    """Classify pictures with a trained run, in one call: ``load(run).predict(...)``.

    Parameters
    ----------
    images : str, Path, list, PIL.Image.Image or numpy.ndarray
        An image file, a folder, a list of them, a PIL image or a numpy array of shape
        ``(28, 28)``, ``(N, 28, 28)`` or ``(N, 784)`` (see `Classifier.predict`).
    run : str or Path, optional
        A run folder, or the name of a committed run; default the default run
        (`nengo_fashion.classify.DEFAULT_RUN`).
    mode : {"rate", "spiking", "loihi"}, optional
        The network that answers; default ``"rate"``.
    steps : int, optional
        Timesteps per image (spiking and loihi modes); default the run's own.
    config : nengo_fashion.classify.PredictConfig, optional
        How to classify; ``mode``, ``steps`` and ``options`` given replace its fields.
    **options
        The other keywords of `Classifier.predict` (``dt``, ``scale``, ``preprocess``,
        ``errors``, ``quiet``, ...).

    Returns
    -------
    Prediction
        One entry per picture; ``p[0]``, ``len(p)`` and ``for one in p`` give them one by
        one.

    Notes
    -----
    Each call reads the run again; to classify many batches, ``clf = load(run)`` once and
    call ``clf(images)``.
    """
    from .classify import load as load_run

    return load_run(run).predict(images, mode, steps, config=config, **options)


def __getattr__(name):
    """Import an exported name's module on first use (PEP 562), by plain imports (which
    the layer test reads like any other)."""
    if name == "CLASS_NAMES":
        from .data import CLASS_NAMES as value
    elif name == "preprocess":
        from .images.preprocess import preprocess as value
    elif name in ("Classifier", "Prediction", "load"):
        from . import classify

        value = getattr(classify, name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
