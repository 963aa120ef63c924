"""Evaluate a network's SpiNNaker model over images: ``spinnaker.json``.

What ``python -m nengo_fashion.spinnaker`` does (its command is
`nengo_fashion.commands.spinnaker`), in the venv of ``scripts/setup.sh --with-spinnaker``::

    python -m nengo_fashion.spinnaker --nir results/nir/best-relu/model.nir \\
        --tuned results/spinnaker/best-relu/spinnaker_tune.json     # all 10,000 test images
    python -m nengo_fashion.spinnaker --nir FILE --n-images 500 --simulator none

It reports, it chooses nothing: the split defaults to test (choose the mapping on the
validation split with ``python -m nengo_fashion.spinnaker.tune``). The images run through
the PyNN model in PyNN's Brian 2 simulator (`nengo_fashion.spinnaker.simulation`, chunks
as tasks: ``--scheduler`` spreads them on Dask) and through the executor
(`nengo_fashion.spinnaker.executor`) twice: with the simulator's step semantics (the
reference the simulation must agree with) and with SpiNNaker's (what the chip computes).
``--simulator none`` runs the executor only (numpy and nir: no PyNN needed).
"""

import dataclasses
import hashlib
import json
import time
from pathlib import Path
from typing import Optional

import numpy as np

from .. import data as data_mod
from ..atomic import Outputs, read_json, write_json
from ..errors import ConfigError
from ..inference.synops import ann_macs
from ..knobs import check_field_types, knob
from ..tasks import DataRef, TaskRunner
from ..weights import Weights
from . import executor, simulation
from . import mapping as mapping_mod

FILE_NAME = "spinnaker.json"

SIMULATORS = ("brian2", "none")
SPLITS = ("test", "val")


@dataclasses.dataclass(frozen=True)
class SpinnakerRunConfig:
    """What `run_spinnaker` evaluates, and where ``spinnaker.json`` goes.

    Parameters
    ----------
    nir : Path
        The network's NIR graph, ``model.nir`` (``python -m nengo_fashion.export``).
    mapping : nengo_fashion.spinnaker.mapping.MappingSettings
    simulator : {"brian2", "none"}
        PyNN's software simulator, or none (the executor only).
    n_images : int or None
        The first ``n_images`` of the split; None: all of it.
    split : {"test", "val"}
    chosen : str or None
        How the mapping was chosen (recorded).
    data_dir : Path or None
    out : Path or None
        The folder of ``spinnaker.json`` (default: the NIR file's folder).
    overwrite : bool
    """

    nir: Path = mapping_mod.nir_knob()
    mapping: mapping_mod.MappingSettings = mapping_mod.MappingSettings()
    simulator: str = knob(
        "brian2",
        "brian2: PyNN's Brian 2 and the executor (default); none: the executor only",
        parse=SIMULATORS,
    )
    n_images: Optional[int] = knob(None, "default: the whole split", parse="positive_int")
    split: str = "test"
    chosen: Optional[str] = None
    data_dir: Optional[Path] = None
    out: Optional[Path] = None
    overwrite: bool = False

    def __post_init__(self):
        check_field_types(self)
        mapping_mod.check_settings_type(self.mapping)
        if self.simulator not in SIMULATORS:
            raise ConfigError(f"--simulator must be one of {SIMULATORS}, got {self.simulator!r}")
        if self.split not in SPLITS:
            raise ConfigError(f"split must be one of {SPLITS}, got {self.split!r}")


def tuned_settings(path):
    """The mapping that ``python -m nengo_fashion.spinnaker.tune`` chose (its
    ``spinnaker_tune.json``), and the line that says so; a tuning on test is refused."""
    result = read_json(path)
    try:
        best = result["best"]
        settings = mapping_mod.MappingSettings(
            **{k: best[k] for k in ("steps", "threshold_scale", "input_rate")}
        )
    except (KeyError, TypeError) as e:
        raise ConfigError(f"{path} is not a spinnaker_tune.json (no {e})") from None
    if result.get("split") != "val":
        raise ConfigError(f"{path} chose on {result.get('split')!r}: choose on val")
    return settings, f"python -m nengo_fashion.spinnaker.tune on val ({path})"


def run_spinnaker(config, *, runner=None, log=print):
    """Evaluate ``config.nir``'s SpiNNaker model; write and return ``spinnaker.json``."""
    runner = runner or TaskRunner(quiet=True)
    outputs = Outputs(
        config.out or Path(config.nir).parent, [FILE_NAME], overwrite=config.overwrite
    )
    graph = mapping_mod.read_graph(config.nir)
    if config.simulator == "brian2" and runner.serial:
        simulation.require_brian2()
    plan = mapping_mod.plan(graph, config.mapping, path=config.nir)
    dataset = data_mod.load(config.data_dir)
    split = dataset.split(config.split).subset(config.n_images)
    settings = config.mapping
    log(
        f"{config.nir}: {len(split)} {config.split} images, {settings.steps} steps each, "
        f"threshold scale {settings.threshold_scale:g}, input {settings.input_rate:g} Hz; "
        f"simulator {config.simulator}, {runner.describe()}"
    )
    if config.split == "test":
        log("reporting on the test split (choose the mapping on val: spinnaker.tune)")
    spikes = mapping_mod.input_spikes(split.images, settings)
    start = time.time()
    runs = {name: executor.run(plan, spikes, semantics=name) for name in executor.SEMANTICS}
    timing = {"executor": time.time() - start}
    if config.simulator == "brian2":
        start = time.time()
        # a worker reads its images from its own disk; here they are at hand
        images = (
            split.images
            if runner.serial
            else DataRef(dataset, config.data_dir).subset(config.split, config.n_images)
        )
        runs["brian2"] = simulation.evaluate(plan, images, runner=runner)
        timing["brian2"] = time.time() - start
    result = _result(config, plan, split, runs, timing)
    result.update(
        ann=ann_baseline(graph, split.images), data_source=dataset.source, runner=runner.describe()
    )
    with outputs.staging() as stage:
        write_json(stage / FILE_NAME, result)
    log(f"wrote {outputs.folder / FILE_NAME}")
    return result


def ann_baseline(graph, images):
    """The ANN baselines on the same weights (`nengo_fashion.inference.synops.ann_macs`):
    dense and zero-skipping multiply-accumulates per image, the hidden activations being
    the graph's ReLU units ``max(fc1(x), 0)``."""
    fc1, _, fc2 = (graph.nodes[n] for n in mapping_mod.NODES)
    weights = Weights(fc1.weight, fc1.bias, fc2.weight, fc2.bias)
    hidden = np.maximum(np.asarray(images, np.float32) @ weights.hidden_w.T + weights.hidden_b, 0)
    return ann_macs(images, hidden, weights)


def summary(plan, labels, out, reference=None):
    """Accuracy, spikes and synaptic events of one run (``out`` of `executor.run`), and its
    agreement with ``reference`` (another such run)."""
    preds = out["readout"].argmax(axis=1)
    events = executor.synaptic_events(plan, out["hidden_counts"], out["input_counts"])
    summary = {
        "accuracy": float(np.mean(preds == labels)),
        "hidden_spikes_per_image": float(out["hidden_counts"].sum(axis=1).mean()),
        "input_spikes_per_image": float(out["input_counts"].sum(axis=1).mean()),
        "synaptic_events_per_image": float(events.mean()),
        "predictions_sha1": hashlib.sha1(preds.astype(np.int8).tobytes()).hexdigest(),
    }
    if reference is not None:
        ref = reference["readout"].argmax(axis=1)
        summary["agreement"] = float(np.mean(preds == ref))
        summary["hidden_counts_equal"] = float(
            np.mean(out["hidden_counts"] == reference["hidden_counts"])
        )
    return summary


def _result(config, plan, split, runs, timing):
    """The ``spinnaker.json`` dict from the runs of `run_spinnaker`."""
    labels = split.labels
    reference = runs["pynn"]
    result = {
        "n_images": len(split),
        "split": config.split,
        "steps_per_image": config.mapping.steps,
        "settings": config.mapping.asdict(),
        "executor": summary(plan, labels, reference),
        "executor_spinnaker": summary(plan, labels, runs["spinnaker"], reference),
        "source": plan.source,
        "shifts": plan.shifts,
        "seconds": timing,
        "simulator": config.simulator,
    }
    if "brian2" in runs:
        sim = runs["brian2"]
        result["pynn_brian2"] = summary(plan, labels, sim, reference)
        result["pynn_brian2"]["max_readout_difference_mv"] = float(
            np.abs(sim["readout"] - reference["readout"]).max()
        )
        result["pynn_brian2"]["versions"] = simulation.versions()
        result["accuracy"] = result["pynn_brian2"]["accuracy"]
        result["agreement"] = result["pynn_brian2"]["agreement"]
    if config.chosen:
        result["chosen"] = config.chosen
    preds = reference["readout"].argmax(axis=1)
    m = np.zeros((10, 10), dtype=int)
    np.add.at(m, (labels, preds), 1)
    result["confusion_matrix_executor"] = m.tolist()
    return json.loads(json.dumps(result))  # plain types only


def result_line(result):
    """One line that sums ``spinnaker.json`` up."""
    ex = result["executor"]
    line = (
        f"{result['n_images']} {result['split']} images, {result['steps_per_image']} steps: "
        f"executor {ex['accuracy']:.2%}"
    )
    if "pynn_brian2" in result:
        sim = result["pynn_brian2"]
        line += f", PyNN/Brian 2 {sim['accuracy']:.2%} (agreement {sim['agreement']:.2%})"
    chip = result["executor_spinnaker"]
    return line + (
        f", SpiNNaker's step {chip['accuracy']:.2%}; {ex['hidden_spikes_per_image']:.1f} "
        f"hidden spikes and {ex['synaptic_events_per_image']:.0f} synaptic events per image"
    )
