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
"""

import sys
from pathlib import Path

import numpy as np

from .. import data as data_mod
from ..atomic import Outputs, write_json
from ..cli import (
    NO_SYNAPSE,
    ArgumentParser,
    add_data_args,
    add_output_args,
    positive_float,
    positive_int,
    run_cli,
    synapse_value,
)
from ..inference.engine import evaluate_rate
from ..progress import make_log
from ..runs import load_run
from ..tasks import DataRef, add_scheduler_args, runner_from_args
from .sweep import grid, sweep

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
    from ..plots import _pyplot, save_png

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


def run_pareto(
    run_dir,
    *,
    dt,
    steps,
    synapses,
    scales,
    out=None,
    tolerance=0.005,
    max_steps=30,
    data_dir=None,
    n_images=None,
    log=print,
    quiet=False,
    runner=None,
    overwrite=False,
):
    """Choose on validation, report on test; write and return ``pareto.json``'s dict.

    ``out`` (default ``results/pareto/<run name>``) is checked before anything runs;
    an existing ``pareto.json``/``pareto.png`` there is refused unless ``overwrite``.
    ``runner`` (a `nengo_fashion.tasks.TaskRunner`; default serial) runs the two
    sweeps' simulations; its workers read the images from their own disk.
    """
    run = load_run(run_dir)
    outputs = Outputs(
        out or Path("results") / "pareto" / run.path.name,
        ["pareto.json", "pareto.png"],
        overwrite=overwrite,
    )
    out = outputs.folder
    family = run.config.neuron
    dataset = data_mod.load(data_dir, n_val=run.config.n_val)
    val, test = dataset.val.subset(n_images), dataset.test.subset(n_images)
    settings = grid([dt], steps, synapses, scales)
    rate_val = evaluate_rate(run.weights, family, val)["accuracy"]
    rate_test = evaluate_rate(run.weights, family, test)["accuracy"]
    ref = DataRef(dataset, data_dir)
    log(f"{run.path}: choosing on validation (rate net {rate_val:.2%})")
    val_points, _ = sweep(
        run.weights, family, ref.subset("val", n_images), settings, quiet=quiet, runner=runner
    )
    chosen = select(val_points, rate_val, tolerance, max_steps)
    log(f"reporting on test (rate net {rate_test:.2%})")
    test_points, _ = sweep(
        run.weights, family, ref.subset("test", n_images), settings, quiet=quiet, runner=runner
    )
    chosen_test = None
    if chosen is not None:
        key = tuple(chosen[k] for k in SETTING_KEYS)
        chosen_test = next(p for p in test_points if tuple(p[k] for k in SETTING_KEYS) == key)
    result = {
        "run": str(run.path),
        "neuron": family,
        "tolerance": tolerance,
        "max_steps": max_steps,
        "rate_val_acc": rate_val,
        "rate_test_acc": rate_test,
        "chosen_on_val": chosen,
        "chosen_test": chosen_test,
        "test_within_tolerance": (
            None if chosen_test is None else chosen_test["accuracy"] >= rate_test - tolerance
        ),
        "val_points": val_points,
        "test_points": test_points,
    }
    with outputs.staging() as stage:
        write_json(stage / "pareto.json", result)
        pareto_plot(
            test_points,
            chosen_test,
            rate_test,
            stage / "pareto.png",
            title=f"{run.path.name} ({family}), dt {dt:g} s, test split",
        )
    if chosen_test is None:
        log(f"no setting within {tolerance:.1%} of the rate net at <= {max_steps} steps on val")
    else:
        log(
            f"chosen: {chosen_test['steps']} steps, synapse {chosen_test['synapse']}, scale "
            f"{chosen_test['scale']:g}: test {chosen_test['accuracy']:.2%} vs rate "
            f"{rate_test:.2%}, {chosen_test['spikes_per_image']:.0f} spikes/image"
        )
    log(f"wrote {out}/pareto.json and pareto.png")
    return result


def main(argv=None):
    p = ArgumentParser(
        prog="python -m nengo_fashion.studies.pareto", description=__doc__.splitlines()[0]
    )
    p.add_argument("--run", required=True)
    p.add_argument("--dt", type=positive_float, default=0.001)
    p.add_argument("--steps", type=positive_int, nargs="+", default=[5, 10, 15, 20, 25, 30])
    p.add_argument("--synapse", type=synapse_value, nargs="+", default=[NO_SYNAPSE, 0.005])
    p.add_argument(
        "--scale",
        type=positive_float,
        nargs="+",
        default=None,
        help="default: 30 100 300 for relu runs, 1 2 4 for lif runs",
    )
    p.add_argument("--tolerance", type=positive_float, default=0.005)
    p.add_argument("--max-steps", type=positive_int, default=30)
    p.add_argument("--n-images", type=positive_int, default=None)
    add_output_args(p, "results/pareto/<run name>", "pareto.json and pareto.png")
    add_data_args(p, n_val=False)
    add_scheduler_args(p)
    args = p.parse_args(argv)

    def run():
        scales = args.scale or (
            [30.0, 100.0, 300.0] if load_run(args.run).config.neuron == "relu" else [1.0, 2.0, 4.0]
        )
        synapses = [None if s == NO_SYNAPSE else s for s in args.synapse]
        log = make_log(args.quiet)
        with runner_from_args(args, log) as runner:
            run_pareto(
                args.run,
                dt=args.dt,
                steps=args.steps,
                synapses=synapses,
                scales=scales,
                out=args.out,
                tolerance=args.tolerance,
                max_steps=args.max_steps,
                data_dir=args.data_dir,
                n_images=args.n_images,
                log=log,
                quiet=args.quiet,
                runner=runner,
                overwrite=args.overwrite,
            )

    return run_cli(run)


if __name__ == "__main__":
    sys.exit(main())
