"""Accuracy against latency and spikes at a real time step: choose on val, report on test.

Usage::

    python -m nengo_fashion.studies.pareto --run results/best-relu  # -> results/pareto/best-relu/
    python -m nengo_fashion.studies.pareto --run results/best-lif --scale 1 2 4

1. sweep the grid (dt fixed, default 1 ms; steps, synapse, scale) on the
   **validation** split;
2. choose the setting with the fewest steps (then the fewest spikes) whose
   accuracy is within ``--tolerance`` (default 0.5 %) of the rate net's, with at
   most ``--max-steps`` (default 30);
3. evaluate the whole grid on the **test** split and report the chosen setting
   there, with a Pareto plot: test accuracy against steps, marker area by
   spikes per image, the chosen point circled.

Writes ``pareto.json`` and ``pareto.png``. The sweeps' simulations are tasks
(`nengo_fashion.tasks`): ``--scheduler`` runs them on a Dask cluster.

The library takes a `ParetoConfig` (`run_pareto`), a `nengo_fashion.studies.sweep.GridConfig`
like the sweep's; the command is `nengo_fashion.commands.pareto`.
"""

import dataclasses
from pathlib import Path
from typing import Optional

import numpy as np

from ... import data as data_mod
from ...atomic import Outputs, write_json
from ...errors import ConfigError
from ...inference.engine import evaluate_rate
from ...knobs import is_finite, is_int, knob
from ...runs import load_run
from ...tasks import DataRef, TaskRunner
from ..sweep import GridConfig, grid, sweep

OUTPUT_NAMES = ("pareto.json", "pareto.png")
"""The files the study writes into its folder."""

DEFAULT_SCALES = {"relu": (30.0, 100.0, 300.0)}
"""The scales swept by default, by family; other families: `OTHER_SCALES`."""

OTHER_SCALES = (1.0, 2.0, 4.0)


@dataclasses.dataclass(frozen=True)
class ParetoConfig(GridConfig):
    """Choose on validation, report on test: a `GridConfig` at one time step.

    Parameters
    ----------
    dt : float
        The time step, in seconds (latency is steps x dt).
    scale : tuple of float or None
        Firing-rate scales; None: 30, 100 and 300 for relu runs, 1, 2 and 4 for others.
    tolerance : float
        How far below the rate net's validation accuracy a chosen setting may be
        (a fraction: 0.005 is half a point).
    max_steps : int
        The most steps a chosen setting may take.

    The other fields are `GridConfig`'s; ``out`` defaults to
    ``results/pareto/<run name>``.
    """

    dt: float = knob(
        0.001, "time step (s) of every setting (default 0.001)", parse="positive_float"
    )
    steps: tuple = knob(
        (5, 10, 15, 20, 25, 30),
        "timesteps per image (default 5 10 15 20 25 30)",
        parse="positive_int",
        nargs="+",
    )
    synapse: tuple = knob(
        (None, 0.005),
        "lowpass taus (s) or 'none' (default none 0.005)",
        parse="synapse",
        nargs="+",
    )
    scale: Optional[tuple] = knob(
        None,
        "default: 30 100 300 for relu runs, 1 2 4 for lif runs",
        parse="positive_float",
        nargs="+",
    )
    tolerance: float = knob(
        0.005,
        "a chosen setting is at most this far below the rate net on val (default 0.005)",
        parse="positive_float",
    )
    max_steps: int = knob(
        30, "the most steps a chosen setting may take (default 30)", parse="positive_int"
    )

    def __post_init__(self):
        super().__post_init__()
        if not (is_finite(self.tolerance) and self.tolerance >= 0):
            raise ConfigError(f"tolerance must be a number >= 0, got {self.tolerance!r}")
        if not is_int(self.max_steps) or self.max_steps < 1:
            raise ConfigError(f"max_steps must be an integer >= 1, got {self.max_steps!r}")
        self.settings("relu")  # a bad or empty axis: refused before any work

    def scales(self, family):
        """The scales swept for a run of ``family`` (a name)."""
        return self.scale or DEFAULT_SCALES.get(family, OTHER_SCALES)

    def settings(self, family):
        """Every `SpikeSettings` of the grid, for a run of ``family``."""
        return grid([self.dt], self.steps, self.synapse, self.scales(family))


SETTING_KEYS = ("dt", "steps", "synapse", "scale", "readout")


def select(points, rate_acc, tolerance=0.005, max_steps=30):
    """The point with the fewest steps, then spikes, within ``tolerance`` of ``rate_acc``.

    Returns None if no point with at most ``max_steps`` steps is close enough.
    """
    ok = [p for p in points if p["steps"] <= max_steps and p["accuracy"] >= rate_acc - tolerance]
    if not ok:
        return None
    return min(ok, key=lambda p: (p["steps"], p["spikes_per_image"]))


def pareto_plot(points, chosen, rate_acc, path, *, title):
    from ...plots import _pyplot, save_png

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    spikes = np.array([p["spikes_per_image"] for p in points])
    size = 20 + 300 * spikes / max(spikes.max(), 1)
    labels = sorted({(p["synapse"], p["scale"]) for p in points}, key=str)
    for syn, scale in labels:
        idx = [i for i, p in enumerate(points) if (p["synapse"], p["scale"]) == (syn, scale)]
        ax.scatter(
            [points[i]["steps"] for i in idx],
            [points[i]["accuracy"] * 100 for i in idx],
            s=size[idx],
            alpha=0.6,
            label=f"synapse {'none' if syn is None else f'{syn:g} s'}, scale {scale:g}",
        )
    if chosen is not None:
        ax.scatter(
            [chosen["steps"]],
            [chosen["accuracy"] * 100],
            s=400,
            facecolors="none",
            edgecolors="k",
            linewidths=2,
            label="chosen on validation",
        )
    ax.axhline(rate_acc * 100, color="k", ls="--", label="rate net")
    ax.axhline(rate_acc * 100 - 0.5, color="k", ls=":", label="rate net - 0.5 %")
    ax.set_xlabel("timesteps per image (latency, x dt)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(max(0, rate_acc * 100 - 15), rate_acc * 100 + 2)
    ax.set_title(title + " (marker area: spikes per image)")
    ax.legend(fontsize=7, loc="lower right")
    return save_png(fig, path)


def run_pareto(config, *, runner=None, log=print, quiet=False):
    """Choose on validation, report on test; write and return ``pareto.json``'s dict.

    Parameters
    ----------
    config : ParetoConfig
        The run, the grid, the rule and the outputs. ``config.out`` (default
        ``results/pareto/<run name>``) is checked before anything runs; an existing
        ``pareto.json``/``pareto.png`` there is refused unless ``config.overwrite``.
    runner : nengo_fashion.tasks.TaskRunner, optional
        Runs the two sweeps' simulations (default: one after another, here, with
        progress unless ``quiet``); its workers read the images from their own disk.
    log : callable
        Progress lines.
    quiet : bool
        No progress from the default runner.
    """
    run = load_run(config.run)
    outputs = Outputs(
        config.out or Path("results") / "pareto" / run.path.name,
        OUTPUT_NAMES,
        overwrite=config.overwrite,
    )
    family = run.config.neuron
    dataset = data_mod.load(config.data_dir, n_val=run.config.n_val)
    splits = {name: dataset.split(name).subset(config.n_images) for name in ("val", "test")}
    rate = {k: evaluate_rate(run.weights, family, v)["accuracy"] for k, v in splits.items()}
    runner = runner or TaskRunner(quiet=quiet)
    ref, settings = DataRef(dataset, config.data_dir), config.settings(family)
    points = {}
    for name, what in (
        ("val", f"{run.path}: choosing on validation"),
        ("test", "reporting on test"),
    ):
        log(f"{what} (rate net {rate[name]:.2%})")
        split = ref.subset(name, config.n_images)
        points[name], _ = sweep(run.weights, family, split, settings, runner=runner)
    chosen = select(points["val"], rate["val"], config.tolerance, config.max_steps)
    chosen_test = same_setting(chosen, points["test"])
    result = {
        "run": str(run.path),
        "neuron": family,
        "tolerance": config.tolerance,
        "max_steps": config.max_steps,
        "rate_val_acc": rate["val"],
        "rate_test_acc": rate["test"],
        "chosen_on_val": chosen,
        "chosen_test": chosen_test,
        "test_within_tolerance": (
            None
            if chosen_test is None
            else chosen_test["accuracy"] >= rate["test"] - config.tolerance
        ),
        "val_points": points["val"],
        "test_points": points["test"],
    }
    with outputs.staging() as stage:
        write_json(stage / "pareto.json", result)
        title = f"{run.path.name} ({family}), dt {config.dt:g} s, test split"
        pareto_plot(points["test"], chosen_test, rate["test"], stage / "pareto.png", title=title)
    log(_summary(result))
    log(f"wrote {outputs.folder}/pareto.json and pareto.png")
    return result


def same_setting(point, points):
    """The point of ``points`` at ``point``'s setting (`SETTING_KEYS`); None for None."""
    if point is None:
        return None
    key = tuple(point[k] for k in SETTING_KEYS)
    return next(p for p in points if tuple(p[k] for k in SETTING_KEYS) == key)


def _summary(result):
    """The line that says what was chosen (or that nothing was)."""
    c, tolerance = result["chosen_test"], result["tolerance"]
    if c is None:
        return (
            f"no setting within {tolerance:.1%} of the rate net at <= {result['max_steps']} "
            "steps on val"
        )
    return (
        f"chosen: {c['steps']} steps, synapse {c['synapse']}, scale {c['scale']:g}: test "
        f"{c['accuracy']:.2%} vs rate {result['rate_test_acc']:.2%}, "
        f"{c['spikes_per_image']:.0f} spikes/image"
    )
