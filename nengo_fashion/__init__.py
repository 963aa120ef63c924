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

Modules, one concept each:

- `nengo_fashion.data`: the real Fashion-MNIST (IDX files) and its splits;
- `nengo_fashion.network`: the one 784-128-10 network definition and neuron families;
- `nengo_fashion.config`: frozen training and spiking-inference configurations;
- `nengo_fashion.inference.dl`: running the network in NengoDL (batched, spike counting);
- `nengo_fashion.train` / `nengo_fashion.evaluate`: the command-line tools;
- `nengo_fashion.predict` / `nengo_fashion.images.preprocess`: classifying your own pictures.
"""

__version__ = "0.1.0"

__all__ = ["CLASS_NAMES", "Classifier", "Prediction", "load", "preprocess"]

_EXPORTS = {
    "CLASS_NAMES": "data",
    "Classifier": "predict",
    "Prediction": "predict",
    "load": "predict",
    "preprocess": "images.preprocess",
}


def __getattr__(name):
    """Import an exported name's module on first use (PEP 562)."""
    import importlib

    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
