"""Choose the Loihi mapping's knobs on the validation split.

Usage::

    python -m loihi.tune --run results/best-relu-loihi     # -> <run>/loihi_tune.json
    python -m loihi.tune --run results/best-relu --input ttfs --max-synops-ratio 0.5 \
        --scale 100 150 200 300 --presentation-time 0.008 0.012 0.016   # loihi_tune_ttfs.json

Runs the emulator on ``--n-images`` validation images (default 1,000) for every
combination of input rate, firing-rate scale and presentation time, scoring
each with several readout ``skip`` values, and prints the winner (highest
validation accuracy; ties go to the shorter presentation) as the flags to pass
to ``python -m loihi``. The test split is not touched: ``--split test`` is refused
unless ``--report-on-test`` is given too (`nengo_fashion.cli.add_split_arg`), and
``loihi_tune.json`` records ``split`` and ``report_on_test``. Each mapping is a task
(`nengo_fashion.tasks`): ``--scheduler`` runs them in parallel on a Dask cluster.
"""

import dataclasses
import itertools
import sys

from nengo_fashion import data as data_mod
from nengo_fashion.atomic import Outputs, write_json
from nengo_fashion.cli import (
    ArgumentParser,
    add_data_args,
    add_output_args,
    add_split_arg,
    non_negative_int,
    positive_float,
    positive_int,
    run_cli,
)
from nengo_fashion.errors import ConfigError
from nengo_fashion.inference.synops import count as count_synops
from nengo_fashion.progress import make_log
from nengo_fashion.runs import load_run
from nengo_fashion.tasks import DataRef, Task, TaskRunner, add_scheduler_args, runner_from_args

from .mapping import INPUT_CODES, MappingSettings, default_neuron
from .run import PRESENTATION_HELP, emulate_chunk

FILE_NAME = "loihi_tune.json"
TTFS_FILE_NAME = "loihi_tune_ttfs.json"


def tune(
    run_dir,
    *,
    input_rates,
    scales,
    presentation_times,
    skips,
    n_images=1000,
    data_dir=None,
    quiet=True,
    runner=None,
    input_code="rate",
    ttfs_thresholds=(0.0,),
    max_synops_ratio=None,
    split="val",
):
    """Score every mapping on ``n_images`` validation images; return the result dict.

    ``split="test"`` scores them on the test split instead, to report (the points'
    accuracy is then ``test_accuracy``, and the result says ``report_on_test``).

    ``input_code="ttfs"`` tunes the time-to-first-spike mapping (`loihi.ttfs`): its
    grid is ``ttfs_thresholds`` x ``scales`` x ``presentation_times`` (the window),
    with ``input_rates`` unused and the readout over the whole window.

    Each mapping is one emulator over the images in sequence, a task of ``runner``
    (a `nengo_fashion.tasks.TaskRunner`; default: one after another, here).
    Progress (one item per mapping) goes to stderr unless ``quiet``.
    """
    if split not in ("val", "test"):
        raise ConfigError(f"loihi.tune scores on 'val' or 'test', not {split!r}")
    acc_key = f"{split}_accuracy"
    runner = runner or TaskRunner(quiet=quiet)
    run = load_run(run_dir)
    family = run.config.neuron
    ttfs = input_code == "ttfs"
    if ttfs:
        skips = (0,)
    grid = mappings(
        family,
        input_code,
        input_rates=input_rates,
        scales=scales,
        presentation_times=presentation_times,
        ttfs_thresholds=ttfs_thresholds,
        skips=skips,
    )
    dataset = data_mod.load(data_dir, n_val=run.config.n_val)
    scored = dataset.split(split).subset(n_images)
    images = DataRef(dataset, data_dir).subset(split, n_images)
    weights = runner.share(run.weights)
    tasks = []
    for i, s in enumerate(grid):
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
            k: float((r.argmax(axis=1) == scored.labels).mean())
            for k, r in result["readouts"].items()
        }

    def label(task, result):
        s = task.kwargs["settings"]
        first = f"threshold {s.ttfs_threshold:g}" if ttfs else f"input {s.input_rate:g} Hz"
        return f"{first}, scale {s.scale:g}, {s.steps} steps: " + ", ".join(
            f"skip {k} {acc:.2%}" for k, acc in accuracies(result).items()
        )

    results = runner.run(tasks, "loihi.tune", label=label)
    points = []
    for task in tasks:
        s = task.kwargs["settings"]
        for skip in skips:
            if skip >= s.steps:
                continue
            result = results[task.key]
            # each spike at its neuron's non-zero fan-out (pruned runs reach fewer synapses)
            synops = count_synops(
                result["input_counts"], result["hidden_counts"], s.steps, weights=run.weights
            )
            points.append(
                {
                    "input_code": s.input_code,
                    "ttfs_threshold": s.ttfs_threshold,
                    "input_spikes_per_image": float(result["input_spikes"].mean()),
                    "hidden_spikes_per_image": float(result["hidden_spikes"].mean()),
                    "input_rate": s.input_rate,
                    "scale": s.scale,
                    "presentation_time": s.presentation_time,
                    "steps": s.steps,
                    "skip": skip,
                    acc_key: accuracies(results[task.key])[skip],
                    **synops,
                }
            )
    eligible = [
        p for p in points if max_synops_ratio is None or p["synops_ratio"] <= max_synops_ratio
    ]
    if not eligible:
        raise ConfigError(f"no mapping has at most {max_synops_ratio}x the dense MACs")
    best = max(eligible, key=lambda p: (p[acc_key], -p["steps"], -p["synops_ratio"]))
    if ttfs:
        best["where_accuracy_goes"] = ttfs_decomposition(run.weights, scored, best)
    return {
        "input_code": input_code,
        "max_synops_ratio": max_synops_ratio,
        "run": str(run.path),
        "n_images": len(scored),
        "split": split,
        "report_on_test": split == "test",
        "points": points,
        "best": best,
    }


def mappings(
    family, input_code, *, input_rates, scales, presentation_times, ttfs_thresholds, skips
):
    """The grid's `MappingSettings`, each checked by `MappingSettings` itself before any
    work: the values ``python -m loihi`` would refuse (a negative ``skip``, a presentation
    over `MAX_STEPS` steps, a TTFS threshold outside [0, 1)) are refused here too, so that
    the recommended flags always run. A skip at or past a mapping's steps is not scored
    for it (as before)."""
    if input_code not in INPUT_CODES:
        raise ConfigError(f"unknown input code {input_code!r}; choose one of {INPUT_CODES}")
    ttfs = input_code == "ttfs"
    firsts = ttfs_thresholds if ttfs else input_rates
    grid = []
    for first, scale, pt in itertools.product(firsts, scales, presentation_times):
        if ttfs:
            s = MappingSettings(
                neuron=default_neuron(family),
                presentation_time=pt,
                scale=scale,
                input_code="ttfs",
                ttfs_threshold=first,
            )
        else:
            s = MappingSettings(
                neuron=default_neuron(family), presentation_time=pt, scale=scale, input_rate=first
            )
        for skip in skips:
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

    from .ttfs import readout, reference_counts

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
    p.add_argument(
        "--presentation-time",
        type=positive_float,
        nargs="+",
        default=[0.03, 0.05],
        help=PRESENTATION_HELP,
    )
    p.add_argument(
        "--skip",
        type=non_negative_int,
        nargs="+",
        default=[0, 3, 6, 10],
        help="readout skips to score (steps left out of each readout; one at or past a "
        "mapping's steps is not scored for it)",
    )
    p.add_argument(
        "--input",
        choices=INPUT_CODES,
        default="rate",
        help="'ttfs': tune the time-to-first-spike mapping (--ttfs-threshold, --scale, "
        "--presentation-time; readout over the whole window)",
    )
    p.add_argument("--ttfs-threshold", type=float, nargs="+", default=[0.0])
    p.add_argument(
        "--max-synops-ratio",
        type=positive_float,
        default=None,
        help="only mappings with at most this many synaptic operations per image, as a "
        "multiple of the dense net's 101,632 MACs (e.g. 0.5)",
    )
    p.add_argument("--n-images", type=positive_int, default=1000)
    add_split_arg(p, "choose", choices=("val", "test"))
    add_output_args(p, "the run folder", FILE_NAME)
    add_data_args(p, n_val=False)
    add_scheduler_args(p)
    args = p.parse_args(argv)

    def run():
        name = FILE_NAME if args.input == "rate" else TTFS_FILE_NAME
        outputs = Outputs(args.out or args.run, [name], overwrite=args.overwrite)
        out = outputs.folder / name
        scales = args.scale or (
            [50.0, 100.0] if load_run(args.run).config.neuron == "relu" else [1.0]
        )
        with runner_from_args(args, make_log(args.quiet)) as runner:
            result = tune(
                args.run,
                input_rates=args.input_rate,
                scales=scales,
                presentation_times=args.presentation_time,
                skips=args.skip,
                n_images=args.n_images,
                data_dir=args.data_dir,
                quiet=args.quiet,
                runner=runner,
                input_code=args.input,
                ttfs_thresholds=args.ttfs_threshold,
                max_synops_ratio=args.max_synops_ratio,
                split=args.split,
            )
        with outputs.staging() as stage:
            write_json(stage / name, result)
        b = result["best"]
        if args.input == "ttfs":
            flags = f"--input ttfs --ttfs-threshold {b['ttfs_threshold']:g}"
        else:
            flags = f"--input-rate {b['input_rate']:g}"
        where = "validation" if args.split == "val" else "test (a report, not a choice)"
        acc = b[f"{args.split}_accuracy"]
        print(
            f"best on {where}: {acc:.2%} at {b['synops_ratio']:.2f}x the dense "
            f"MACs -> python -m loihi --run {args.run} {flags} --scale {b['scale']:g} "
            f"--presentation-time {b['presentation_time']:g} --skip {b['skip']}"
        )
        print(f"wrote {out}")

    return run_cli(run)


if __name__ == "__main__":
    sys.exit(main())
