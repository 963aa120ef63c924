"""Choose the Loihi mapping's knobs on the validation split.

Usage::

    python -m loihi.tune --run results/best-relu-loihi     # -> <run>/loihi_tune.json

Runs the emulator on ``--n-images`` validation images (default 1,000) for every
combination of input rate, firing-rate scale and presentation time, scoring
each with several readout ``skip`` values, and prints the winner (highest
validation accuracy; ties go to the shorter presentation) as the flags to pass
to ``python -m loihi``. The test split is not touched. Each mapping is a task
(`nengo_fashion.tasks`): ``--scheduler`` runs them in parallel on a Dask cluster.
"""

import itertools
import sys

from nengo_fashion import data as data_mod
from nengo_fashion.atomic import prepare_out_dir, write_json
from nengo_fashion.cli import (
    ArgumentParser,
    add_data_args,
    add_output_args,
    add_scheduler_args,
    positive_float,
    positive_int,
    run_cli,
)
from nengo_fashion.evaluate import load_run
from nengo_fashion.progress import make_log
from nengo_fashion.tasks import DataRef, Task, TaskRunner, runner_from_args

from .mapping import MappingSettings, default_neuron
from .run import emulate_chunk

FILE_NAME = "loihi_tune.json"


def tune(
    run_dir,
    input_rates,
    scales,
    presentation_times,
    skips,
    n_images=1000,
    data_dir=None,
    quiet=True,
    runner=None,
):
    """Score every mapping on ``n_images`` validation images; return the result dict.

    Each mapping is one emulator over the images in sequence, a task of ``runner``
    (a `nengo_fashion.tasks.TaskRunner`; default: one after another, here).
    Progress (one item per mapping) goes to stderr unless ``quiet``.
    """
    runner = runner or TaskRunner(quiet=quiet)
    run = load_run(run_dir)
    family = run.config.neuron
    dataset = data_mod.load(data_dir, n_val=run.config.n_val)
    val = dataset.val.subset(n_images)
    images = DataRef(dataset, data_dir).subset("val", n_images)
    weights = runner.share(run.weights)
    tasks = []
    for i, (rate, scale, pt) in enumerate(
        itertools.product(input_rates, scales, presentation_times)
    ):
        s = MappingSettings(
            neuron=default_neuron(family), presentation_time=pt, scale=scale, input_rate=rate
        )
        kwargs = dict(
            weights=weights,
            family=family,
            settings=s,
            images=images,
            skips=sorted({k for k in skips if k < s.steps}),
        )
        tasks.append(Task(f"mapping-{i}", emulate_chunk, kwargs))

    def accuracies(result):
        return {
            k: float((r.argmax(axis=1) == val.labels).mean()) for k, r in result["readouts"].items()
        }

    def label(task, result):
        s = task.kwargs["settings"]
        return f"input {s.input_rate:g} Hz, scale {s.scale:g}, {s.steps} steps: " + ", ".join(
            f"skip {k} {acc:.2%}" for k, acc in accuracies(result).items()
        )

    results = runner.run(tasks, "loihi.tune", label=label)
    points = []
    for task in tasks:
        s = task.kwargs["settings"]
        for skip in skips:
            if skip >= s.steps:
                continue
            points.append(
                {
                    "input_rate": s.input_rate,
                    "scale": s.scale,
                    "presentation_time": s.presentation_time,
                    "steps": s.steps,
                    "skip": skip,
                    "val_accuracy": accuracies(results[task.key])[skip],
                }
            )
    best = max(points, key=lambda p: (p["val_accuracy"], -p["steps"]))
    return {
        "run": str(run.path),
        "n_images": len(val),
        "split": "val",
        "points": points,
        "best": best,
    }


def main(argv=None):
    p = ArgumentParser(prog="python -m loihi.tune", description=__doc__.splitlines()[0])
    p.add_argument("--run", required=True)
    p.add_argument("--input-rate", type=positive_float, nargs="+", default=[250.0, 500.0, 1000.0])
    p.add_argument(
        "--scale",
        type=positive_float,
        nargs="+",
        default=None,
        help="default: 50 100 for relu runs, 1 for lif runs",
    )
    p.add_argument("--presentation-time", type=positive_float, nargs="+", default=[0.03, 0.05])
    p.add_argument("--skip", type=int, nargs="+", default=[0, 3, 6, 10])
    p.add_argument("--n-images", type=positive_int, default=1000)
    add_output_args(p, "the run folder", FILE_NAME)
    add_data_args(p, n_val=False)
    add_scheduler_args(p)
    args = p.parse_args(argv)

    def run():
        out = prepare_out_dir(args.out or args.run) / FILE_NAME
        scales = args.scale or (
            [50.0, 100.0] if load_run(args.run).config.neuron == "relu" else [1.0]
        )
        with runner_from_args(args, make_log(args.quiet)) as runner:
            result = tune(
                args.run,
                args.input_rate,
                scales,
                args.presentation_time,
                args.skip,
                args.n_images,
                args.data_dir,
                quiet=args.quiet,
                runner=runner,
            )
        write_json(out, result)
        b = result["best"]
        print(
            f"best on validation: {b['val_accuracy']:.2%} -> python -m loihi --run {args.run} "
            f"--input-rate {b['input_rate']:g} --scale {b['scale']:g} --presentation-time "
            f"{b['presentation_time']:g} --skip {b['skip']}"
        )
        print(f"wrote {out}")

    return run_cli(run)


if __name__ == "__main__":
    sys.exit(main())
