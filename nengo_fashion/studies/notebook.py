"""Helpers that keep the notebooks thin: where results are, and the fast mode.

The notebooks in ``notebooks/`` only call the package. In the normal (full) mode
they read the committed results in ``results/`` (written by the commands in the
README). With ``NENGO_FASHION_FAST=1`` (what the tests set) they instead train a
tiny run on a small subset, once per kernel, into a temporary folder, and use
few images everywhere, so that every notebook runs top to bottom in seconds.
"""

import functools
import json
import os
import tempfile
from pathlib import Path

from ..quiet import quiet_tensorflow_logs

# quiet TensorFlow's C++ start-up messages in notebook outputs (set before it loads)
quiet_tensorflow_logs()

FAST_ENV = "NENGO_FASHION_FAST"
RESULTS_ENV = "NENGO_FASHION_RESULTS"


def fast():
    """Whether the fast mode is on (``NENGO_FASHION_FAST=1``)."""
    return os.environ.get(FAST_ENV, "") == "1"


def results_dir():
    """``$NENGO_FASHION_RESULTS``, else ``results/`` of the repository."""
    if os.environ.get(RESULTS_ENV):
        return Path(os.environ[RESULTS_ENV])
    return Path(__file__).resolve().parents[2] / "results"


def n_images(full=None, small=200):
    """How many images an evaluation uses: ``full`` (None = all), or ``small`` when fast."""
    return small if fast() else full


@functools.lru_cache(maxsize=None)
def _tiny_run(neuron, variant):
    from ..config import make_config
    from ..data import load
    from ..train import train

    out = Path(tempfile.mkdtemp(prefix="nengo-fashion-nb-"))
    config = make_config("thesis", variant, neuron=neuron, epochs=1, n_train=1280)
    dataset = load()
    return train(config, dataset, out=out, name=f"tiny-{neuron}-{variant}", log=lambda s: None)


def run(name, neuron="relu", variant="none"):
    """A run folder: ``results/<name>``, or a tiny fresh run in the fast mode."""
    return _tiny_run(neuron, variant) if fast() else results_dir() / name


def read(relative):
    """A JSON file under ``results/`` (its numbers are what the notebooks show)."""
    return json.loads((results_dir() / relative).read_text())


def rel(path):
    """A path shown relative to the repository (no absolute paths in outputs)."""
    path = Path(path).resolve()
    root = results_dir().resolve().parent
    try:
        return str(path.relative_to(root))
    except ValueError:
        return path.name


def _tmp(name):
    return Path(tempfile.mkdtemp(prefix=f"nengo-fashion-nb-{name}-"))


def reproduce_result(eval_split="test"):
    """The thesis' flow: ``results/reproduce*/reproduce.json``, or a small run when fast."""
    if not fast():
        folder = "reproduce" if eval_split == "test" else "reproduce-train"
        return read(f"{folder}/reproduce.json")
    from ..data import FashionMNIST, load
    from .reproduce import ReproduceConfig, reproduce

    d = load()
    small = FashionMNIST(d.train, d.val.subset(300), d.test.subset(300), d.source)
    config = ReproduceConfig(
        eval_split=eval_split,
        max_dt=1.0,
        runs=_tmp("runs"),
        out=_tmp("reproduce"),
        train=dict(epochs=1, n_train=1280),
    )
    return reproduce(config, small, log=lambda s: None)


def pareto_result(name, neuron="relu"):
    """``results/pareto/<name>/pareto.json`` (and its plot), or a small one when fast."""
    if not fast():
        return read(f"pareto/{name}/pareto.json"), results_dir() / "pareto" / name / "pareto.png"
    from .pareto import ParetoConfig, run_pareto

    out = _tmp("pareto")
    scales = (30.0, 100.0, 300.0) if neuron == "relu" else (1.0, 2.0)
    config = ParetoConfig(
        run(name, neuron),
        dt=0.001,
        steps=(5, 10, 20),
        synapse=(None,),
        scale=scales,
        out=out,
        n_images=200,
    )
    result = run_pareto(config, log=lambda s: None, quiet=True)
    return result, out / "pareto.png"


def loihi_result(name, neuron="relu"):
    """``results/<name>/loihi.json``, or a 20-image emulator run when fast."""
    if not fast():
        return read(f"{name}/loihi.json")
    from ..classify.backends import load_backend

    loihi = load_backend("loihi")
    settings = loihi.MappingSettings(presentation_time=0.02)
    config = loihi.LoihiRunConfig(run(name, neuron), settings, n_images=20, out=_tmp("loihi"))
    return loihi.run_loihi(config, log=lambda s: None)


def results_of(name, neuron="relu", variant="none"):
    """``results.json`` of a run (a tiny one when fast)."""
    return json.loads((run(name, neuron, variant) / "results.json").read_text())


def efficiency_result():
    """``(points, png)`` of the efficiency study: the committed ``results/efficiency/``, or
    (fast) the same gathering redone from the committed result files into a temporary folder."""
    from .. import data
    from . import efficiency

    if not fast():
        folder = results_dir() / "efficiency"
        return read("efficiency/efficiency.json")["points"], folder / efficiency.FIGURE
    out = _tmp("efficiency")
    points = efficiency.collect(results_dir(), data.load().test)
    return points, efficiency.plot(points, out / efficiency.FIGURE)


def loihi_ttfs_result(relative):
    """``results/<relative>/loihi.json`` of a TTFS mapping, or a 20-image TTFS run when fast."""
    if not fast():
        return read(f"{relative}/loihi.json")
    from ..classify.backends import load_backend

    loihi = load_backend("loihi")
    settings = loihi.MappingSettings(presentation_time=0.008, scale=300.0, input_code="ttfs")
    config = loihi.LoihiRunConfig(run("best-relu"), settings, n_images=20, out=_tmp("ttfs"))
    return loihi.run_loihi(config, log=lambda s: None)
