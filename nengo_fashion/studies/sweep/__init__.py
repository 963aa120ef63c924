"""Sweep the spiking inference of a trained run over dt, steps, synapse and scale.

Usage::

    # the thesis' dt study: 10 steps, no synapse, no rate scaling
    python -m nengo_fashion.studies.sweep --run results/thesis-relu --dt 0.001 0.01 0.1 1 \\
        --steps 10 --scale 1 --out results/sweeps/thesis-dt
    # latency at a real 1 ms step (on the validation split, the default)
    python -m nengo_fashion.studies.sweep --run results/thesis-relu --dt 0.001 \\
        --steps 5 10 20 30 --synapse none 0.005 --scale 10 30 100

A sweep is where a setting is chosen, so it runs on the validation split unless told:
``--split test`` is refused unless ``--report-on-test`` is given too, and ``sweep.json``
records ``split`` and ``report_on_test`` (`nengo_fashion.cli.add_split_arg`).

Each axis takes a list; every combination is a point. For each point the sweep
reports accuracy, hidden firing rates (min / mean / max Hz over neurons), hidden
spikes per image and simulated time per image, and writes ``sweep.json``,
``sweep.csv`` and ``sweep_<axis>.png`` (accuracy against each axis that has more
than one value, the rate net's accuracy as a dashed line). The outputs go to the
run folder unless ``--out`` is given, and are written only when the whole sweep is
done. Wall-clock times go to ``sweep_timing.json`` so that ``sweep.json`` is the
same on every re-run.

All ``steps`` values of one (dt, synapse, scale) share one simulation of the
longest presentation, scored at each shorter length (see
`nengo_fashion.inference.engine.run_spiking`). Each
such simulation is a task (`nengo_fashion.tasks`): ``--scheduler local --workers N``
or ``--scheduler tcp://HOST:PORT`` runs them in parallel on Dask, with the same
points as one after another.

The library takes a `SweepConfig` (`run_sweep`); `sweep` is the grid evaluation that
``pareto`` shares. The command is `nengo_fashion.commands.sweep`.
"""

import csv
import dataclasses
import io
import itertools
import time
from pathlib import Path
from typing import Optional

from ... import data as data_mod
from ...atomic import Outputs, write_json, write_text
from ...cli import NO_SYNAPSE
from ...config import SpikeSettings
from ...errors import ConfigError
from ...inference.engine import evaluate_rate
from ...inference.options import RunOptions
from ...knobs import check_field_types, is_int, knob
from ...runs import load_run
from ...tasks import DataRef, Task, TaskRunner, resolve

CSV_COLUMNS = (
    "neuron",
    "dt",
    "steps",
    "synapse",
    "scale",
    "readout",
    "split",
    "accuracy",
    "rate_min_hz",
    "rate_mean_hz",
    "rate_max_hz",
    "spikes_per_image",
    "sim_time_per_image_s",
)
AXES = ("dt", "steps", "synapse", "scale")
SPLITS = ("val", "test", "train")


@dataclasses.dataclass(frozen=True)
class GridConfig:
    """What the studies of a grid of spiking settings (``sweep``, ``pareto``) share.

    Parameters
    ----------
    run : str or Path
        A run folder written by ``nengo_fashion.train``.
    dt : tuple of float
        Time steps, in seconds.
    steps : tuple of int
        Timesteps per image.
    synapse : tuple of (float or None)
        Lowpass taus on the hidden spikes, in seconds; None (or ``"none"``) for none.
    scale : tuple of float
        Firing-rate scales.
    n_images : int or None
        Use only the first ``n_images`` images of each split (None: all).
    data_dir : str or Path or None
        Folder of the Fashion-MNIST files (`nengo_fashion.data.load`).
    out : str or Path or None
        Output folder (each study says its default).
    overwrite : bool
        Replace the study's files if they exist (else they are refused).
    """

    run: Path = knob(dataclasses.MISSING, "run folder written by nengo_fashion.train")
    dt: tuple = knob((0.001,), "time steps (s)", parse="positive_float", nargs="+")
    steps: tuple = knob((10,), "timesteps per image", parse="positive_int", nargs="+")
    synapse: tuple = knob((None,), "lowpass taus (s) or 'none'", parse="synapse", nargs="+")
    scale: Optional[tuple] = knob((1.0,), "firing-rate scales", parse="positive_float", nargs="+")
    n_images: Optional[int] = knob(
        None, "use only the first N images of each split (default: all)", parse="positive_int"
    )
    data_dir: Optional[Path] = None
    out: Optional[Path] = None
    overwrite: bool = False

    def __post_init__(self):
        for axis in AXES:
            values = getattr(self, axis)
            if isinstance(values, (list, tuple)):
                values = tuple(None if v == NO_SYNAPSE else v for v in values)
                object.__setattr__(self, axis, values)
        check_field_types(self)
        if self.n_images is not None and self.n_images < 1:
            raise ConfigError(f"n_images must be >= 1, got {self.n_images!r}")


@dataclasses.dataclass(frozen=True)
class SweepConfig(GridConfig):
    """A sweep: `GridConfig`'s grid on one split of one run.

    Parameters
    ----------
    neuron : str or None
        The run's neuron family, checked against the run (None: the run's).
    readout : {"mean", "last"} or None
        None: mean without a synapse, last with one.
    batch_size : int
        Images simulated side by side.
    split : {"val", "test", "train"}
        The split swept: val, where settings are chosen; test only to report
        (``sweep.json`` records ``report_on_test``).

    The other fields are `GridConfig`'s; ``out`` defaults to the run folder.
    """

    neuron: Optional[str] = knob(
        None, "neuron family; must be the run's (default: the run's)", parse="family"
    )
    readout: Optional[str] = knob(
        None, "default: mean without a synapse, last with one", parse=("mean", "last")
    )
    batch_size: int = knob(500, "images simulated side by side (default 500)", parse="positive_int")
    split: str = "val"

    def __post_init__(self):
        super().__post_init__()
        if self.split not in SPLITS:
            raise ConfigError(f"split must be one of {SPLITS}, got {self.split!r}")
        if not is_int(self.batch_size) or self.batch_size < 1:
            raise ConfigError(f"batch_size must be an integer >= 1, got {self.batch_size!r}")
        self.settings()  # a bad or empty axis: refused before any work

    def settings(self):
        """Every `SpikeSettings` of the grid (`grid`)."""
        return grid(self.dt, self.steps, self.synapse, self.scale, readout=self.readout)


def grid(dt, steps, synapse, scale, *, readout=None):
    """All `SpikeSettings` of the product of the axes (validated, clear errors)."""
    axes = dict(dt=dt, steps=steps, synapse=synapse, scale=scale)
    for name, values in axes.items():
        if not values:
            raise ConfigError(f"the sweep's {name} axis is empty; give at least one value")
    return [
        SpikeSettings(dt=d, steps=k, synapse=s, scale=c, readout=readout)
        for d, k, s, c in itertools.product(dt, steps, synapse, scale)
    ]


def sweep_group(weights, family, split, settings, options):
    """One simulation of a sweep (a task): ``settings``, scored at each of ``options.prefixes``.

    ``split`` is a `nengo_fashion.data.Split` or a `nengo_fashion.tasks.DataRef` to one;
    ``settings`` (a `SpikeSettings`) has the longest number of steps, and ``options`` (a
    `nengo_fashion.inference.options.RunOptions`) the step counts to score. Returns
    ``points`` ({steps: point dict}), ``seconds`` (wall time of the simulation, in
    seconds) and ``n_images``.
    """
    from ...inference.engine import run_spiking

    split = resolve(split)
    start = time.time()
    results = run_spiking(weights, family, split.images, settings, options)
    seconds = time.time() - start
    points = {}
    for k, r in results.items():
        rates = r.rate_stats()
        points[k] = {
            **r.settings.asdict(),
            "accuracy": r.accuracy(split.labels),
            "rate_min_hz": rates["min"],
            "rate_mean_hz": rates["mean"],
            "rate_max_hz": rates["max"],
            "spikes_per_image": float(r.spikes_per_image.mean()),
            "sim_time_per_image_s": k * settings.dt,
        }
    return {"points": points, "seconds": seconds, "n_images": len(split)}


def _setting_key(s, steps=None):
    """The key of a point: ``(dt, steps, synapse, scale, readout)``."""
    return (s.dt, s.steps if steps is None else steps, s.synapse, s.scale, s.readout)


def sweep(weights, family, split, settings_list, *, options=None, runner=None):
    """Evaluate every setting on a split; return ``(points, wall_seconds)``.

    Settings that differ only in ``steps`` share one simulation, a task of
    ``runner`` (default: one after another, here, without progress output; see
    `nengo_fashion.tasks`). Every task is the same computation wherever it runs, so
    the points are the same. ``split`` is a `nengo_fashion.data.Split`, or a
    `nengo_fashion.tasks.DataRef` to one (workers then load the images from their own
    disk); ``weights`` go to each worker once. ``options`` (a
    `nengo_fashion.inference.options.RunOptions`, e.g. the minibatch size) are each
    simulation's; the sweep sets their ``prefixes``.
    """
    runner = runner or TaskRunner(quiet=True)
    options = options or RunOptions()
    groups = {}
    for s in settings_list:
        longest = dataclasses.replace(s, steps=1)
        groups.setdefault(longest, []).append(s.steps)
    name = split.split if isinstance(split, DataRef) else split.name
    shared = dict(weights=runner.share(weights), family=family)
    shared["split"] = split if isinstance(split, DataRef) else runner.share(split)
    tasks = []
    for i, (one_step, ks) in enumerate(groups.items()):
        ks = sorted(set(ks))
        settings = dataclasses.replace(one_step, steps=ks[-1])
        run_options = dataclasses.replace(options, prefixes=tuple(ks))
        tasks.append(
            Task(f"{i}", sweep_group, dict(shared, settings=settings, options=run_options))
        )
    results = runner.run(tasks, f"sweep on {name}", label=_task_label)
    points, wall = {}, {}
    for task in tasks:
        settings, result = task.kwargs["settings"], results[task.key]
        for k, point in result["points"].items():
            points[_setting_key(settings, k)] = point
            wall[_setting_key(settings, k)] = result["seconds"]
    order = [_setting_key(s) for s in settings_list]
    return [points[k] for k in order], [wall[k] for k in order]


def _task_label(task, result):
    """One line of progress for a finished simulation of a sweep."""
    s, pts = task.kwargs["settings"], result["points"]
    return (
        f"dt {s.dt:g} s, synapse {s.synapse}, scale {s.scale:g}: "
        + ", ".join(f"{k} steps {pts[k]['accuracy'] * 100:.2f} %" for k in sorted(pts))
        + f"; {result['seconds']:.1f} s for {result['n_images']} images"
    )


def to_csv(points, neuron, split):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    for p in points:
        row = {k: p.get(k) for k in CSV_COLUMNS}
        row.update(neuron=neuron, split=split, synapse="" if p["synapse"] is None else p["synapse"])
        w.writerow(row)
    return buf.getvalue()


def plot_axis(points, axis, rate_acc, path, *, title=""):
    """Accuracy against one axis, a line per combination of the other axes."""
    from ...plots import _pyplot, save_png

    plt = _pyplot()
    others = [a for a in AXES if a != axis]
    lines = {}
    for p in points:
        lines.setdefault(tuple(p[a] for a in others), []).append(p)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for key, pts in lines.items():
        pts = sorted(pts, key=lambda p: -1 if p[axis] is None else p[axis])
        xs = [0 if p[axis] is None else p[axis] for p in pts]
        label = ", ".join(f"{a}={'none' if v is None else f'{v:g}'}" for a, v in zip(others, key))
        ax.plot(xs, [p["accuracy"] * 100 for p in pts], "o-", label=label)
    ax.axhline(rate_acc * 100, color="k", ls="--", label="rate net")
    if axis in ("dt", "scale"):
        ax.set_xscale("log")
    ax.set_xlabel(
        {"dt": "dt (s)", "steps": "timesteps per image", "synapse": "synapse tau (s)"}.get(
            axis, "firing-rate scale"
        )
    )
    ax.set_ylabel("accuracy (%)")
    ax.set_title(title)
    if len(lines) <= 12:
        ax.legend(fontsize=7)
    return save_png(fig, path)


def run_sweep(config, *, outputs=None, runner=None, log=print, quiet=False):
    """Load a run, sweep it and write ``sweep.json``/``.csv``/plots; return the summary dict.

    Parameters
    ----------
    config : SweepConfig
        The run, the grid, the split and the outputs.
    outputs : nengo_fashion.atomic.Outputs, optional
        The folder claimed already (`claim_outputs`, before a cluster starts); by default
        it is claimed here: ``config.out`` (default: the run folder) is checked for
        writing before anything runs, and existing sweep files are refused unless
        ``config.overwrite``. The files are written together or not at all.
    runner : nengo_fashion.tasks.TaskRunner, optional
        Runs the simulations (default: one after another, here, with progress unless
        ``quiet``); its workers read the images from their own disk.
    log : callable
        Progress lines.
    quiet : bool
        No progress from the default runner.

    ``sweep.json`` records the split and ``report_on_test`` (true on the test split: a
    sweep there reports, it is not where a setting is chosen).
    """
    settings_list = config.settings()
    run = load_run(config.run, family=config.neuron)
    outputs = outputs or claim_outputs(config)
    family, split_name = run.config.neuron, config.split
    dataset = data_mod.load(config.data_dir, n_val=run.config.n_val)
    split = dataset.split(split_name).subset(config.n_images)
    rate_acc = evaluate_rate(run.weights, family, split)["accuracy"]
    log(f"{run.path}: {family} on {split_name} ({len(split)} images), rate net {rate_acc:.2%}")
    ref = DataRef(dataset, config.data_dir).subset(split_name, config.n_images)
    points, wall = sweep(
        run.weights,
        family,
        ref,
        settings_list,
        options=RunOptions(batch_size=config.batch_size),
        runner=runner or TaskRunner(quiet=quiet),
    )
    summary = {
        "run": str(run.path),
        "neuron": family,
        "split": split_name,
        "report_on_test": split_name == "test",
        "n_images": len(split),
        "rate_accuracy": rate_acc,
        "points": points,
    }
    with outputs.staging() as out:
        write_json(out / "sweep.json", summary)
        write_text(out / "sweep.csv", to_csv(points, family, split_name))
        write_json(out / "sweep_timing.json", {"wall_seconds_per_point": wall})
        for axis in AXES:
            if len({p[axis] for p in points}) > 1:
                title = f"{run.path.name}: {family}, {split_name} split"
                plot_axis(points, axis, rate_acc, out / f"sweep_{axis}.png", title=title)
    log(f"wrote {outputs.folder}/sweep.json, sweep.csv and plots")
    return summary


OUTPUT_NAMES = ("sweep.json", "sweep.csv", "sweep_timing.json", "sweep_*.png")
"""The files a sweep writes into its folder."""


def claim_outputs(config):
    """The sweep's `Outputs` in ``config.out`` (default: the run folder): checked, and
    refused if a sweep is there already (unless ``config.overwrite``)."""
    return Outputs(config.out or config.run, OUTPUT_NAMES, overwrite=config.overwrite)
