"""Choose the Loihi mapping's knobs on the validation split.

What ``python -m loihi.tune`` does (its command is `nengo_fashion.commands.loihi_tune`)::

    python -m loihi.tune --run results/best-relu-loihi     # -> <run>/loihi_tune.json
    python -m loihi.tune --run results/best-relu --input ttfs --max-synops-ratio 0.5 \
        --scale 100 150 200 300 --presentation-time 0.008 0.012 0.016   # loihi_tune_ttfs.json

Runs the emulator on ``n_images`` validation images (default 1,000) for every
combination of input rate, firing-rate scale and presentation time, scoring
each with several readout ``skip`` values, and gives the winner (highest
validation accuracy; ties go to the shorter presentation) as the flags to pass
to ``python -m loihi`` (`recommendation`). The test split is not touched: the command
refuses ``--split test`` unless ``--report-on-test`` is given too
(`nengo_fashion.cli.add_split_arg`), and ``loihi_tune.json`` records ``split`` and
``report_on_test``. Each mapping is a task (`nengo_fashion.tasks`): a Dask runner runs
them in parallel.
"""

import dataclasses
import itertools
from pathlib import Path
from typing import Optional

from nengo_fashion import data as data_mod
from nengo_fashion.atomic import Outputs, write_json
from nengo_fashion.errors import ConfigError
from nengo_fashion.inference.synops import count as count_synops
from nengo_fashion.knobs import check_choices, check_field_types, grid_knob, knob
from nengo_fashion.runs import load_run
from nengo_fashion.tasks import DataRef, Task, TaskRunner

from ..mapping import INPUT_CODES, PRESENTATION_HELP, MappingSettings, default_neuron
from ..simulation import emulate_chunk

FILE_NAME = "loihi_tune.json"
TTFS_FILE_NAME = "loihi_tune_ttfs.json"

DEFAULT_SCALES = {"relu": (50.0, 100.0)}
"""The scales tried for a family when none are given (others: 1)."""

GRIDS = ("input_rate", "scale", "presentation_time", "skip", "ttfs_threshold")
"""The fields of `TuneConfig` that hold several values (the grid)."""


@dataclasses.dataclass(frozen=True)
class TuneConfig:
    """The grid of mappings that `tune` scores, and on what.

    Parameters
    ----------
    run : str or Path
        The run folder (written by ``nengo_fashion.train``).
    input_rate : tuple of float
        Input rates (Hz) of a white pixel (``input_code="rate"``).
    scale : tuple of float or None
        Firing-rate scales; None: 50 and 100 for relu runs, 1 for the others.
    presentation_time : tuple of float
        Seconds each image is shown (with ``"ttfs"``: the window).
    skip : tuple of int
        Readout skips (steps) to score; one at or past a mapping's steps is not scored
        for it. ``"ttfs"`` reads out the whole window (skip 0 only).
    input_code : {"rate", "ttfs"}
        ``"ttfs"``: the time-to-first-spike mapping (`loihi.ttfs`), whose grid is
        ``ttfs_threshold`` x ``scale`` x ``presentation_time``.
    ttfs_threshold : tuple of float
        ``"ttfs"``: pixels below a threshold send no spike.
    max_synops_ratio : float or None
        Only mappings with at most this many synaptic operations per image, as a multiple
        of the dense net's MACs.
    n_images : int
        The first ``n_images`` images of the split.
    split : {"val", "test"}
        ``"test"`` scores on the test split to report (the points' accuracy is then
        ``test_accuracy``, and the result says ``report_on_test``).
    data_dir : str or Path or None
        Where Fashion-MNIST is (default: the usual search order).
    out : str or Path or None
        The folder of `run_tune`'s file (default: the run folder).
    overwrite : bool
        Replace an existing result there (else it is refused).
    """

    run: Path = knob(dataclasses.MISSING, "run folder written by nengo_fashion.train")
    input_rate: tuple = grid_knob(
        (250.0, 500.0, 1000.0),
        "input rates (Hz) of a white pixel to try (default 250 500 1000)",
        "positive_float",
        "HZ",
    )
    scale: Optional[tuple] = grid_knob(
        None, "default: 50 100 for relu runs, 1 for lif runs", "positive_float", "S"
    )
    presentation_time: tuple = grid_knob(
        (0.03, 0.05),
        PRESENTATION_HELP.replace("(default 0.03)", "(default 0.03 0.05)"),
        "positive_float",
        "SECONDS",
    )
    skip: tuple = grid_knob(
        (0, 3, 6, 10),
        "readout skips to score (steps left out of each readout; one at or past a "
        "mapping's steps is not scored for it; default 0 3 6 10)",
        "non_negative_int",
        "STEPS",
    )
    input_code: str = knob(
        "rate",
        "'ttfs': tune the time-to-first-spike mapping (--ttfs-threshold, --scale, "
        "--presentation-time; readout over the whole window); default 'rate'",
        parse=INPUT_CODES,
        aliases=("--input",),
    )
    ttfs_threshold: tuple = grid_knob(
        (0.0,), "--input ttfs: thresholds to try (default 0)", "float", "X"
    )
    max_synops_ratio: Optional[float] = knob(
        None,
        "only mappings with at most this many synaptic operations per image, as a "
        "multiple of the dense net's 101,632 MACs (e.g. 0.5)",
        parse="positive_float",
    )
    n_images: int = knob(1000, "images to score on (default 1000)", parse="positive_int")
    split: str = "val"
    data_dir: Optional[Path] = None
    out: Optional[Path] = None
    overwrite: bool = False

    def __post_init__(self):
        for name in GRIDS:
            value = getattr(self, name)
            if isinstance(value, list):
                object.__setattr__(self, name, tuple(value))
        check_field_types(self)
        check_choices(self)
        if self.split not in ("val", "test"):
            raise ConfigError(f"loihi.tune scores on 'val' or 'test', not {self.split!r}")
        if self.n_images < 1:
            raise ConfigError(f"--n-images must be >= 1, got {self.n_images!r}")
        ratio = self.max_synops_ratio
        if ratio is not None and not ratio > 0:
            raise ConfigError(f"--max-synops-ratio must be > 0, got {ratio!r}")

    @property
    def file_name(self):
        """The result's file name: ``loihi_tune.json``, or ``loihi_tune_ttfs.json``."""
        return FILE_NAME if self.input_code == "rate" else TTFS_FILE_NAME


def tune(config, *, runner=None):
    """Score every mapping of ``config``'s grid on its split; return the result dict.

    Parameters
    ----------
    config : TuneConfig
        The run, the grid and the images (its ``out`` and ``overwrite`` are `run_tune`'s).
    runner : nengo_fashion.tasks.TaskRunner, optional
        Runs the mappings, each one emulator over the images in sequence, as tasks
        (default: one after another, here, quietly); progress (one item per mapping) goes
        to stderr unless it is quiet.

    Returns
    -------
    dict
        ``points`` (one per mapping and skip: its accuracy on the split, spikes and
        synaptic operations), ``best`` (the most accurate of those within
        ``max_synops_ratio``; ties go to the shorter presentation), and what was scored.
    """
    runner = runner or TaskRunner(quiet=True)
    run = load_run(config.run)
    grid = mappings(config, run.config.neuron)
    dataset = data_mod.load(config.data_dir, n_val=run.config.n_val)
    scored = dataset.split(config.split).subset(config.n_images)
    images = DataRef(dataset, config.data_dir).subset(config.split, config.n_images)
    skips = _skips(config)
    weights = runner.share(run.weights)
    tasks = []
    for i, s in enumerate(grid):
        kwargs = dict(settings=s, weights=weights, images=images)
        kwargs["skips"] = sorted({k for k in skips if k < s.steps})
        tasks.append(Task(f"mapping-{i}", emulate_chunk, kwargs))

    def label(task, result):
        s = task.kwargs["settings"]
        ttfs = s.input_code == "ttfs"
        first = f"threshold {s.ttfs_threshold:g}" if ttfs else f"input {s.input_rate:g} Hz"
        return f"{first}, scale {s.scale:g}, {s.steps} steps: " + ", ".join(
            f"skip {k} {acc:.2%}" for k, acc in _accuracies(result, scored.labels).items()
        )

    results = runner.run(tasks, "loihi.tune", label=label)
    points = []
    for task in tasks:
        points += _points(config, task.kwargs["settings"], results[task.key], scored, run.weights)
    acc_key = f"{config.split}_accuracy"
    ratio = config.max_synops_ratio
    eligible = [p for p in points if ratio is None or p["synops_ratio"] <= ratio]
    if not eligible:
        raise ConfigError(f"no mapping has at most {ratio}x the dense MACs")
    best = max(eligible, key=lambda p: (p[acc_key], -p["steps"], -p["synops_ratio"]))
    if config.input_code == "ttfs":
        best["where_accuracy_goes"] = ttfs_decomposition(run.weights, scored, best)
    return {
        "input_code": config.input_code,
        "max_synops_ratio": ratio,
        "run": str(run.path),
        "n_images": len(scored),
        "split": config.split,
        "report_on_test": config.split == "test",
        "points": points,
        "best": best,
    }


def _skips(config):
    """The readout skips scored: the config's, or the whole window (0) for ``"ttfs"``."""
    return (0,) if config.input_code == "ttfs" else config.skip


def _accuracies(result, labels):
    """``{skip: accuracy}`` of one mapping's `emulate_chunk` result."""
    return {k: float((r.argmax(axis=1) == labels).mean()) for k, r in result["readouts"].items()}


def _points(config, settings, result, scored, weights):
    """The table's rows of one mapping: one per readout skip scored."""
    accuracies = _accuracies(result, scored.labels)
    # each spike at its neuron's non-zero fan-out (pruned runs reach fewer synapses)
    synops = count_synops(
        result["input_counts"], result["hidden_counts"], settings.steps, weights=weights
    )
    return [
        {
            "input_code": settings.input_code,
            "ttfs_threshold": settings.ttfs_threshold,
            "input_spikes_per_image": float(result["input_spikes"].mean()),
            "hidden_spikes_per_image": float(result["hidden_spikes"].mean()),
            "input_rate": settings.input_rate,
            "scale": settings.scale,
            "presentation_time": settings.presentation_time,
            "steps": settings.steps,
            "skip": skip,
            f"{config.split}_accuracy": accuracies[skip],
            **synops,
        }
        for skip in _skips(config)
        if skip < settings.steps
    ]


def mappings(config, family):
    """The grid's `MappingSettings` for a run of ``family``, each checked by
    `MappingSettings` itself before any work: the values ``python -m loihi`` would refuse
    (a negative ``skip``, a presentation over `MAX_STEPS` steps, a TTFS threshold outside
    [0, 1)) are refused here too, so that the recommended flags always run. A skip at or
    past a mapping's steps is not scored for it."""
    ttfs = config.input_code == "ttfs"
    firsts = config.ttfs_threshold if ttfs else config.input_rate
    scales = config.scale or DEFAULT_SCALES.get(family, (1.0,))
    grid = []
    for first, scale, pt in itertools.product(firsts, scales, config.presentation_time):
        values = dict(neuron=default_neuron(family), presentation_time=pt, scale=scale)
        if ttfs:
            s = MappingSettings(**values, input_code="ttfs", ttfs_threshold=first)
        else:
            s = MappingSettings(**values, input_rate=first)
        for skip in _skips(config):
            if skip < s.steps:
                dataclasses.replace(s, skip=skip)  # the check of python -m loihi --skip
        grid.append(s)
    if not grid:
        raise ConfigError("the grid of mappings is empty")
    return grid


def ttfs_decomposition(weights, split, point):
    """Accuracy of a TTFS mapping on ``split``, step by step from the rate net to the chip.

    ``rate``: the rate net on the pixels; ``rate_x_eff``: on the pixels as the step
    currents integrate them (`TTFSCode.effective_input`; the encoding's error);
    ``reference``: the numpy model of Loihi's compartments (`loihi.ttfs.reference_counts`;
    the spiking hidden layer's error, weights unrounded); ``emulator``: nengo-loihi
    (adds Loihi's weight rounding).
    """
    import numpy as np

    from nengo_fashion.inference.encoding import TTFSCode

    from ..ttfs import readout, reference_counts

    code = TTFSCode(point["steps"], point["ttfs_threshold"])

    def acc(logits):
        return float(np.mean(logits.argmax(axis=1) == split.labels))

    counts = reference_counts(weights, split.images, code, scale=point["scale"])
    return {
        "rate": acc(weights.forward(split.images, "relu")),
        "rate_x_eff": acc(weights.forward(code.effective_input(split.images), "relu")),
        "reference": acc(readout(weights, counts, code.window, scale=point["scale"])),
        "emulator": point[f"{split.name}_accuracy"],
    }


def run_tune(config, *, runner=None):
    """`tune`, written to `TuneConfig.file_name` in ``config.out`` (default: the run
    folder); returns ``(result, path)``.

    The folder is checked before anything runs; an existing result there is refused
    unless ``config.overwrite``.
    """
    outputs = Outputs(config.out or config.run, [config.file_name], overwrite=config.overwrite)
    result = tune(config, runner=runner)
    with outputs.staging() as stage:
        write_json(stage / config.file_name, result)
    return result, outputs.folder / config.file_name


def recommendation(result, run_dir):
    """The line that gives `tune`'s winner as the flags of ``python -m loihi``."""
    b, split = result["best"], result["split"]
    if result["input_code"] == "ttfs":
        flags = f"--input ttfs --ttfs-threshold {b['ttfs_threshold']:g}"
    else:
        flags = f"--input-rate {b['input_rate']:g}"
    where = "validation" if split == "val" else "test (a report, not a choice)"
    return (
        f"best on {where}: {b[f'{split}_accuracy']:.2%} at {b['synops_ratio']:.2f}x the dense "
        f"MACs -> python -m loihi --run {run_dir} {flags} --scale {b['scale']:g} "
        f"--presentation-time {b['presentation_time']:g} --skip {b['skip']}"
    )
