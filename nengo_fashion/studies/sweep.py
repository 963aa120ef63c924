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
"""

import csv
import io
import itertools
import sys
import time

from .. import data as data_mod
from ..atomic import Outputs, write_json, write_text
from ..cli import (
    NO_SYNAPSE,
    ArgumentParser,
    add_data_args,
    add_output_args,
    add_split_arg,
    positive_float,
    positive_int,
    run_cli,
    synapse_value,
)
from ..config import SpikeSettings
from ..errors import ConfigError
from ..families import FAMILIES
from ..inference.engine import evaluate_rate
from ..progress import make_log
from ..runs import load_run
from ..tasks import DataRef, Task, TaskRunner, add_scheduler_args, resolve, runner_from_args

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


def sweep_group(weights, family, split, *, dt, synapse, scale, readout, ks, batch_size=500):
    """One simulation of a sweep (a task): the longest of ``ks`` steps, scored at each of ``ks``.

    ``split`` is a `nengo_fashion.data.Split` or a `nengo_fashion.tasks.DataRef` to one.
    Returns ``points`` ({steps: point dict}), ``seconds`` (wall time of the
    simulation, in seconds) and ``n_images``.
    """
    from ..inference.engine import run_spiking

    split = resolve(split)
    start = time.time()
    base = SpikeSettings(dt=dt, steps=max(ks), synapse=synapse, scale=scale, readout=readout)
    results = run_spiking(weights, family, split.images, base, batch_size=batch_size, prefixes=ks)
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
            "sim_time_per_image_s": k * dt,
        }
    return {"points": points, "seconds": seconds, "n_images": len(split)}


def sweep(weights, family, split, settings_list, *, batch_size=500, quiet=False, runner=None):
    """Evaluate every setting on a split; return ``(points, wall_seconds)``.

    Settings that differ only in ``steps`` share one simulation, a task of
    ``runner`` (default: one after another, here; see `nengo_fashion.tasks`). Every
    task is the same computation wherever it runs, so the points are the same.
    ``split`` is a `nengo_fashion.data.Split`, or a `nengo_fashion.tasks.DataRef`
    to one (workers then load the images from their own disk); ``weights`` go to
    each worker once. Progress (one item per simulation) goes to stderr unless
    ``quiet``.
    """
    runner = runner or TaskRunner(quiet=quiet)
    groups = {}
    for s in settings_list:
        groups.setdefault((s.dt, s.synapse, s.scale, s.readout), []).append(s.steps)
    name = split.split if isinstance(split, DataRef) else split.name
    shared = dict(weights=runner.share(weights), family=family, batch_size=batch_size)
    shared["split"] = split if isinstance(split, DataRef) else runner.share(split)
    tasks = [
        Task(
            f"{i}",
            sweep_group,
            dict(shared, dt=dt, synapse=synapse, scale=scale, readout=readout, ks=sorted(set(ks))),
        )
        for i, ((dt, synapse, scale, readout), ks) in enumerate(groups.items())
    ]

    def label(task, result):
        kw, pts = task.kwargs, result["points"]
        return (
            f"dt {kw['dt']:g} s, synapse {kw['synapse']}, scale {kw['scale']:g}: "
            + ", ".join(f"{k} steps {pts[k]['accuracy'] * 100:.2f} %" for k in sorted(pts))
            + f"; {result['seconds']:.1f} s for {result['n_images']} images"
        )

    results = runner.run(tasks, f"sweep on {name}", label=label)
    points, wall = {}, {}
    for task in tasks:
        kw, result = task.kwargs, results[task.key]
        for k, point in result["points"].items():
            key = (kw["dt"], k, kw["synapse"], kw["scale"], kw["readout"])
            points[key] = point
            wall[key] = result["seconds"]
    order = [(s.dt, s.steps, s.synapse, s.scale, s.readout) for s in settings_list]
    return [points[k] for k in order], [wall[k] for k in order]


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
    from ..plots import _pyplot, save_png

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


def run_sweep(
    run_dir,
    settings_list,
    *,
    split_name="val",
    neuron=None,
    out=None,
    n_images=None,
    data_dir=None,
    batch_size=500,
    log=print,
    quiet=False,
    runner=None,
    overwrite=False,
):
    """Load a run, sweep it and write ``sweep.json``/``.csv``/plots; return the summary dict.

    ``out`` (default: the run folder; or an `Outputs` claimed already) is checked for
    writing before anything runs, and existing sweep files are refused unless
    ``overwrite``; the files are written together or not at all.
    ``runner`` (a `nengo_fashion.tasks.TaskRunner`; default serial) runs the
    simulations; its workers read the images from their own disk. ``sweep.json``
    records ``split_name`` and ``report_on_test`` (true on the test split: a sweep there
    reports, it is not where a setting is chosen).
    """
    run = load_run(run_dir, family=neuron)
    outputs = out if isinstance(out, Outputs) else claim_outputs(out or run.path, overwrite)
    family = run.config.neuron
    dataset = data_mod.load(data_dir, n_val=run.config.n_val)
    split = dataset.split(split_name).subset(n_images)
    rate_acc = evaluate_rate(run.weights, family, split)["accuracy"]
    log(f"{run.path}: {family} on {split_name} ({len(split)} images), rate net {rate_acc:.2%}")
    ref = DataRef(dataset, data_dir).subset(split_name, n_images)
    points, wall = sweep(
        run.weights, family, ref, settings_list, batch_size=batch_size, quiet=quiet, runner=runner
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
                plot_axis(
                    points,
                    axis,
                    rate_acc,
                    out / f"sweep_{axis}.png",
                    title=f"{run.path.name}: {family}, {split_name} split",
                )
    log(f"wrote {outputs.folder}/sweep.json, sweep.csv and plots")
    return summary


OUTPUT_NAMES = ("sweep.json", "sweep.csv", "sweep_timing.json", "sweep_*.png")
"""The files a sweep writes into its folder."""


def claim_outputs(folder, overwrite=False):
    """The sweep's `Outputs` in ``folder``: checked, and refused if a sweep is there
    already (unless ``overwrite``)."""
    return Outputs(folder, OUTPUT_NAMES, overwrite=overwrite)


def make_parser():
    p = ArgumentParser(
        prog="python -m nengo_fashion.studies.sweep", description=__doc__.splitlines()[0]
    )
    p.add_argument("--run", required=True, help="run folder written by nengo_fashion.train")
    p.add_argument("--dt", type=positive_float, nargs="+", default=[0.001], help="time steps (s)")
    p.add_argument(
        "--steps", type=positive_int, nargs="+", default=[10], help="timesteps per image"
    )
    p.add_argument(
        "--synapse",
        type=synapse_value,
        nargs="+",
        default=[NO_SYNAPSE],
        help="lowpass taus (s) or 'none'",
    )
    p.add_argument(
        "--scale", type=positive_float, nargs="+", default=[1.0], help="firing-rate scales"
    )
    p.add_argument(
        "--neuron",
        choices=sorted(FAMILIES),
        default=None,
        help="neuron family; must be the run's (default: the run's)",
    )
    p.add_argument(
        "--readout",
        choices=("mean", "last"),
        default=None,
        help="default: mean without a synapse, last with one",
    )
    add_split_arg(p, "choose")
    p.add_argument("--n-images", type=positive_int, default=None)
    p.add_argument("--batch-size", type=positive_int, default=500)
    add_output_args(
        p, "the run folder", "sweep.json, sweep.csv, sweep_timing.json and sweep_<axis>.png"
    )
    add_data_args(p, n_val=False)
    add_scheduler_args(p)
    return p


def main(argv=None):
    args = make_parser().parse_args(argv)

    def run():
        synapses = [None if s == NO_SYNAPSE else s for s in args.synapse]
        settings = grid(args.dt, args.steps, synapses, args.scale, readout=args.readout)
        log = make_log(args.quiet)
        outputs = claim_outputs(args.out or args.run, args.overwrite)  # before a cluster starts
        with runner_from_args(args, log) as runner:
            run_sweep(
                args.run,
                settings,
                split_name=args.split,
                neuron=args.neuron,
                out=outputs,
                n_images=args.n_images,
                data_dir=args.data_dir,
                batch_size=args.batch_size,
                log=log,
                quiet=args.quiet,
                runner=runner,
            )

    return run_cli(run)


if __name__ == "__main__":
    sys.exit(main())
