"""Evaluate a trained run on nengo-loihi's emulator (or a Loihi board): ``loihi.json``.

What ``python -m loihi`` does (its command is `nengo_fashion.commands.loihi`)::

    python -m loihi --run results/thesis-relu                  # all 10,000 test images
    python -m loihi --run results/thesis-relu --n-images 200 --presentation-time 0.02
    python -m loihi --run results/thesis-lif --neuron LoihiLIF --scale 1
    python -m loihi --run results/thesis-relu --target loihi   # needs NxSDK and a board

It reports, it chooses nothing: the split defaults to test, and the output says so
(choose a mapping on the validation split with ``python -m loihi.tune``).

What makes the whole test set fast on a small CPU, without changing what is computed:

* the input pixels become spikes off-chip in 784 input neurons (one axon each)
  rather than nengo-loihi's default on/off pair per pixel (see `loihi.mapping`);
* the emulator's per-spike inner loop is replaced by an equivalent vectorised
  one (`loihi.emulator.vectorized_synapses`; bit-identical outputs, tested).

``--no-vectorize`` is the straightforward way; ``benchmarks/loihi_emulator.py``
times both on the same images.

Parallel runs cut the images into contiguous chunks, one emulator each, run as
tasks (`loihi.simulation.evaluate`): ``--scheduler local --workers N`` or
``--scheduler tcp://HOST:PORT`` makes one chunk per worker, ``--processes N``
makes N chunks (alone, it runs them on a local Dask cluster of N workers; without
Dask, one after another: `nengo_fashion.tasks.runner_from_args`).

`run_loihi` writes ``loihi.json`` (into the run folder, or ``out``) with the
top-level keys ``accuracy``, ``n_images``, ``wall_seconds``, ``spikes_per_image``,
``resources``, ``energy_per_image_j`` and ``settings``, plus the confusion matrix,
the per-image predictions' digest and the energy estimate's assumptions.
"""

import dataclasses
import hashlib
import time
from pathlib import Path
from typing import Optional

import numpy as np

from nengo_fashion import data as data_mod
from nengo_fashion.atomic import Outputs, write_json
from nengo_fashion.errors import ConfigError, MissingDependencyError
from nengo_fashion.inference import energy
from nengo_fashion.inference.synops import ann_macs
from nengo_fashion.inference.synops import count as count_synops
from nengo_fashion.knobs import check_field_types, knob
from nengo_fashion.runs import load_run
from nengo_fashion.tasks import DataRef, TaskRunner

from . import nxsdk_available, require_nengo_loihi
from .mapping import MappingSettings, check_family, has_pruned_weights, mapping_for
from .simulation import EmulatorOptions, evaluate, model_resources

FILE_NAME = "loihi.json"

SPLITS = ("train", "val", "test")


@dataclasses.dataclass(frozen=True)
class LoihiRunConfig:
    """What `run_loihi` evaluates: the mapping, how it runs, and on which images.

    Parameters
    ----------
    run : str or Path
        The run folder (written by ``nengo_fashion.train``).
    mapping : loihi.mapping.MappingSettings or None
        How the network is put on the chip; None: the run's default (`mapping_for`: its
        family's Loihi neuron at its spiking scale).
    emulator : loihi.simulation.EmulatorOptions
        Where and how the images run (target, vectorised loop, seed, chunks).
    n_images : int or None
        The first ``n_images`` of the split; None: all of it.
    split : {"test", "val", "train"}
        The split to report on (``python -m loihi`` chooses nothing: test by default).
    chosen : str or None
        How this mapping was chosen, recorded in ``loihi.json``.
    data_dir : str or Path or None
        Where Fashion-MNIST is (default: the usual search order).
    out : str or Path or None
        The folder of ``loihi.json`` (default: the run folder), checked before anything
        runs.
    overwrite : bool
        Replace an existing ``loihi.json`` there (else it is refused).
    """

    run: Path = knob(dataclasses.MISSING, "run folder written by nengo_fashion.train")
    mapping: Optional[MappingSettings] = None
    emulator: EmulatorOptions = EmulatorOptions()
    n_images: Optional[int] = knob(None, "default: the whole split", parse="int")
    split: str = "test"
    chosen: Optional[str] = knob(
        None,
        "how this mapping was chosen, recorded in loihi.json (e.g. 'loihi.tune on validation')",
    )
    data_dir: Optional[Path] = None
    out: Optional[Path] = None
    overwrite: bool = False

    def __post_init__(self):
        check_field_types(self)
        if self.mapping is not None and not isinstance(self.mapping, MappingSettings):
            raise ConfigError(f"mapping must be a MappingSettings, got {self.mapping!r}")
        if not isinstance(self.emulator, EmulatorOptions):
            raise ConfigError(f"emulator must be an EmulatorOptions, got {self.emulator!r}")
        if self.n_images is not None and self.n_images < 1:
            raise ConfigError(f"--n-images must be >= 1, got {self.n_images}")
        if self.split not in SPLITS:
            raise ConfigError(f"split must be one of {SPLITS}, got {self.split!r}")


def run_loihi(config, *, runner=None, log=print):
    """Evaluate a run on the emulator and write ``<out>/loihi.json``; return its dict.

    Parameters
    ----------
    config : LoihiRunConfig
        What to evaluate, and where ``loihi.json`` goes (checked before anything runs:
        an existing one is refused unless ``config.overwrite``).
    runner : nengo_fashion.tasks.TaskRunner, optional
        Runs the chunks (default: one after another, here, quietly); progress goes to
        stderr unless it is quiet. The number of chunks is the config's ``processes``,
        default 1, or one per worker of a distributed runner.
    log : callable
        Gets the lines that say what runs.
    """
    runner = runner or TaskRunner(quiet=True)
    options = config.emulator
    if options.target == "loihi":  # one board, one sequence
        options = dataclasses.replace(options, processes=1, vectorize=False)
        runner = TaskRunner(quiet=runner.quiet)
    run = load_run(config.run)
    outputs = Outputs(config.out or run.path, [FILE_NAME], overwrite=config.overwrite)
    # after the cheap checks: importing nengo-loihi imports TensorFlow (seconds)
    if runner.serial:  # else only the workers need nengo-loihi (and TensorFlow)
        require_nengo_loihi()
    if options.target == "loihi" and not nxsdk_available():
        raise MissingDependencyError(
            "--target loihi needs Intel's NxSDK and a Loihi board, and NxSDK is not "
            "importable here; only the emulator (--target sim) is available"
        )
    family = run.config.neuron
    settings = config.mapping or mapping_for(run.config)
    check_family(settings, family)
    dataset = data_mod.load(config.data_dir, n_val=run.config.n_val)
    split = dataset.split(config.split).subset(config.n_images)
    options = dataclasses.replace(options, processes=options.processes or runner.n_workers)
    log(
        f"{run.path}: {family} run, {settings.neuron} on the {options.target} target, "
        f"{len(split)} {config.split} images, {settings.steps} steps each, "
        f"{options.processes} chunk(s), {runner.describe()}"
    )
    if config.split == "test":
        log("reporting on the test split (choose settings on --split val: python -m loihi.tune)")
    # distributed: the first chunk's worker builds the model for the resource count
    res = model_resources(settings, run.weights) if runner.serial else None
    skips = sorted({0, settings.steps // 4, settings.steps // 2, settings.skip})
    images = DataRef(dataset, config.data_dir).subset(config.split, config.n_images)
    start = time.time()
    sim = evaluate(settings, run.weights, images, skips=skips, options=options, runner=runner)
    sim["wall_seconds"] = time.time() - start
    sim["resources"] = res or sim["resources"]
    resolved = dataclasses.replace(config, mapping=settings, emulator=options)
    result = _result(resolved, run, dataset, runner, sim)
    with outputs.staging() as stage:
        write_json(stage / FILE_NAME, result)
    log(f"wrote {outputs.folder / FILE_NAME}")
    return result


def _result(config, run, dataset, runner, sim):
    """The ``loihi.json`` dict of `run_loihi` from `evaluate`'s merged arrays ``sim`` and
    its wall time and resources; ``config`` has the mapping and options that ran."""
    settings, options = config.mapping, config.emulator
    split = dataset.split(config.split).subset(config.n_images)
    preds = sim["readouts"][settings.skip].argmax(axis=1)
    # each spike at its neuron's non-zero fan-out; the ANN baselines on the same weights
    synops = count_synops(
        sim["input_counts"], sim["hidden_counts"], settings.steps, weights=run.weights
    )
    ann = ann_macs(split.images, run.weights.hidden(split.images, run.config.neuron), run.weights)
    res = sim["resources"]
    est = energy.estimate(
        synops=synops, n_compartments=res["totals"]["compartments"], steps=settings.steps, ann=ann
    )
    result = {
        "accuracy": float(np.mean(preds == split.labels)),
        "n_images": len(split),
        "split": config.split,
        "wall_seconds": sim["wall_seconds"],
        "spikes_per_image": float(sim["hidden_spikes"].mean()),
        "input_spikes_per_image": float(sim["input_spikes"].mean()),
        "resources": res,
        "energy_per_image_j": est["loihi"]["energy_j"],
        "energy": est,
        # synops_per_image, dense_macs_per_image, synops_ratio, steps: counted from the
        # simulated spikes by the one counter that the energy estimate also uses
        **synops,
        "zero_skip_macs_per_image": ann["zero_skip_macs_per_image"],
        "ann": ann,
        "first_layer_density": float(np.count_nonzero(run.weights.hidden_w))
        / run.weights.hidden_w.size,
        "sparse_transform": has_pruned_weights(run.weights),
        "settings": dict(
            settings.asdict(),
            target=options.target,
            processes=options.processes,
            vectorize=options.vectorize,
            seed=options.seed,
            scheduler=runner.describe(),
            workers=runner.n_workers,
        ),
        "confusion_matrix": confusion_matrix(split.labels, preds).tolist(),
        "predictions_sha1": hashlib.sha1(preds.astype(np.int8).tobytes()).hexdigest(),
        "accuracy_by_skip": {
            str(k): float(np.mean(r.argmax(axis=1) == split.labels))
            for k, r in sim["readouts"].items()
        },
        "run": str(run.path),
        "data_source": dataset.source,
        "nengo_dl_spiking_test_acc": run.results.get("spiking_test_acc"),
        "nengo_dl_spiking": run.results.get("spiking"),
        "rate_test_acc": run.results.get("rate_test_acc"),
    }
    if config.chosen:
        result["chosen"] = config.chosen
    return result


def confusion_matrix(labels, preds, n_classes=10):
    """``(n_classes, n_classes)`` counts of (true label, prediction) pairs."""
    m = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(m, (labels, preds), 1)
    return m


def result_line(result):
    """The one line a ``loihi.json`` result is summed up in (printed even with --quiet)."""
    n, wall = result["n_images"], result["wall_seconds"]
    return (
        f"accuracy {result['accuracy']:.2%} on {n} images in {wall:.1f} s "
        f"({n / max(wall, 1e-9):.0f} images/s); {result['spikes_per_image']:.1f} hidden "
        f"spikes/image; {result['resources']['totals']['cores']} core(s); "
        f"~{result['energy_per_image_j'] * 1e6:.2f} uJ/image on Loihi (estimate)"
    )
