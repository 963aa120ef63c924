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

The layers, each importing only those above it in this list (``docs/design.md``):

- plumbing: `nengo_fashion.errors`, `nengo_fashion.atomic`, `nengo_fashion.progress`,
  `nengo_fashion.plots`, `nengo_fashion.quiet`;
- `nengo_fashion.data`: the real Fashion-MNIST (IDX files) and its splits;
- `nengo_fashion.neurons`: neuron types; `nengo_fashion.families`: the table of families;
- `nengo_fashion.config`: frozen training and spiking-inference configurations;
- `nengo_fashion.network`: the one 784-128-10 network definition and its weights;
- `nengo_fashion.runs`: the run folder;
- `nengo_fashion.inference`: the engines (NengoDL, the compiled executor) and what they measure;
- `nengo_fashion.images`: augmentation and real pictures into Fashion-MNIST's form;
- `nengo_fashion.cli`, `nengo_fashion.tasks`: command-line plumbing and the task runner;
- `nengo_fashion.train`, `nengo_fashion.teacher`: training;
- commands: `nengo_fashion.evaluate`, `nengo_fashion.predict`, `nengo_fashion.export`,
  `nengo_fashion.gui`;
- `nengo_fashion.studies`: the experiments, each ``python -m nengo_fashion.studies.NAME``.
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
