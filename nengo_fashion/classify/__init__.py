"""Classify your own pictures with a trained run: the Python API.

The Python API (``nengo_fashion`` exports `nengo_fashion.predict`, `load`, `Classifier`,
`Prediction`, `CLASS_NAMES` and `nengo_fashion.images.preprocess`)::

    import nengo_fashion as nf
    r = nf.predict("shirt.jpg")                       # one call: nf.load().predict(...)
    clf = nf.load()                                   # the default run, best-relu
    r = clf("shirt.jpg")                              # clf.predict: the rate network
    r = clf.predict(images, mode="spiking", steps=8)  # spiking ReLU, 8 steps of 1 ms
    r = clf.predict(images, mode="loihi")             # nengo-loihi's emulator
    r.labels, r.names, r.scores, r.spike_counts       # one entry per image
    r[0].name, r[0].score, len(r), list(r)            # a Prediction per picture

The command (`nengo_fashion.commands.predict`; ``python -m nengo_fashion.predict``)::

    python -m nengo_fashion.predict shirt.jpg boots.png my_photos/
    python -m nengo_fashion.predict --mode spiking --steps 8 --top 3 shirt.jpg
    python -m nengo_fashion.predict --mode loihi --json answers.json my_photos/

**The default run** is `DEFAULT_RUN`, ``"best-relu"``, shipped inside the package
(`nengo_fashion.models`, a copy of ``results/best-relu``): of the committed runs it has the
highest rate and spiking test accuracy (README), its ``loihi.json`` records the emulator
mapping that ``loihi.tune`` chose for it, and its ``ood.npz`` the not-clothing check.

**The modes** use the engines, settings and readout of the rest of the project, so that on
the same images they give the predictions `nengo_fashion.evaluate` (rate, spiking) and
``python -m loihi`` (loihi) give (``tests/test_predict.py`` checks it image by image):

- ``"rate"``: the numpy forward pass of the rate network (`nengo_fashion.weights.Weights.forward`;
  for the ReLU family the same float operations without importing Nengo, bit-identical,
  tested), which ``evaluate`` computes in NengoDL;
- ``"spiking"``: `nengo_fashion.inference.engine.run_spiking`, which runs the numpy executor
  (`nengo_fashion.inference.executor`) for the neuron types it supports, with the run's own spiking
  settings (``config.json``) unless ``steps``, ``dt`` or ``scale`` are given;
- ``"loihi"``: `loihi.backend.classify` on nengo-loihi's emulator (reached through
  `nengo_fashion.classify.backends`), one sequence of images (each image starts from the state the
  previous one left, as in ``python -m loihi``), with the mapping of the run's ``loihi.json``
  (else the package's default mapping).

Neither "rate" nor "spiking" imports TensorFlow or NengoDL; "loihi" imports nengo-loihi (and
through it TensorFlow) when it is used. With the ReLU family, "rate" imports neither Nengo
nor numba: ``python -m nengo_fashion.predict photo.jpg`` starts about as fast as Python with
numpy and Pillow (``benchmarks/predict_cold_start.py``).

**The run's weights** are read by `nengo_fashion.weights.Weights.load`, the one reader that
every command uses (NaN or infinite weights, a damaged file, a ``.npy`` header of the wrong
shape or dtype: one `RunError`).

**The package**, one concept per module: `nengo_fashion.classify.classifier` (`Classifier`,
`load`, `PredictConfig`: the run and how it classifies), `nengo_fashion.classify.pictures`
(`collect`: pictures in any accepted form, in the network's form), `nengo_fashion.classify.modes`
(the engines behind the modes, the run's Loihi mapping), `nengo_fashion.classify.prediction`
(`Prediction`, what it answered) and `nengo_fashion.classify.files` (`classify_files`, the
command's work). None of them imports Nengo at import time.

**Names** of files are shown by `nengo_fashion.images.preprocess.printable` in the command's
lines, its error lines and `Prediction.asdict`: a byte that is not UTF-8 as ``\\xff``, a
newline as ``\\n``, so that each picture keeps one line; `Prediction.sources` keeps the
names themselves.
"""

from .classifier import (
    DEFAULT_RUN,
    ERRORS,
    MODES,
    ROOT,
    Classifier,
    PredictConfig,
    load,
    predict_config,
    resolve_run,
)
from .files import FilesConfig, classify_files, escaping_output
from .modes import CHUNK, LOIHI_FIX, rate_logits, relu_logits
from .pictures import ACCEPTED, PROGRESS_MIN, InputError, collect, expand_paths
from .prediction import Prediction, format_line, softmax

__all__ = [
    "ACCEPTED",
    "CHUNK",
    "DEFAULT_RUN",
    "ERRORS",
    "LOIHI_FIX",
    "MODES",
    "PROGRESS_MIN",
    "ROOT",
    "Classifier",
    "FilesConfig",
    "InputError",
    "PredictConfig",
    "Prediction",
    "classify_files",
    "collect",
    "escaping_output",
    "expand_paths",
    "format_line",
    "load",
    "predict_config",
    "rate_logits",
    "relu_logits",
    "resolve_run",
    "softmax",
]
