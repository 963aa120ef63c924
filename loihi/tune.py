"""Choose the Loihi mapping's knobs on the validation split.

Usage::

    python -m loihi.tune --run results/best-relu-loihi     # -> <run>/loihi_tune.json

Runs the emulator on ``--n-images`` validation images (default 1,000) for every
combination of input rate, firing-rate scale and presentation time, scoring
each with several readout ``skip`` values, and prints the winner (highest
validation accuracy; ties go to the shorter presentation) as the flags to pass
to ``python -m loihi``. The test split is not touched.
"""

import itertools
import sys

from nengo_fashion import data as data_mod
from nengo_fashion.atomic import prepare_out_dir, write_json
from nengo_fashion.cli import (
    ArgumentParser,
    add_data_args,
    add_output_args,
    positive_float,
    positive_int,
    run_cli,
)
from nengo_fashion.evaluate import load_run
from nengo_fashion.progress import Progress

from .mapping import DEFAULT_NEURON, MappingSettings
from .run import evaluate, predictions

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
):
    """Score every mapping on ``n_images`` validation images; return the result dict.

    Progress (one item per mapping) goes to stderr unless ``quiet``.
    """
    run = load_run(run_dir)
    family = run.config.neuron
    val = data_mod.load(data_dir, n_val=run.config.n_val).val.subset(n_images)
    points = []
    combos = list(itertools.product(input_rates, scales, presentation_times))
    bar = Progress(len(combos), "loihi.tune", quiet=quiet)
    for rate, scale, pt in combos:
        s = MappingSettings(
            neuron=DEFAULT_NEURON[family], presentation_time=pt, scale=scale, input_rate=rate
        )
        out = evaluate(run.weights, family, s, val.images)
        for skip in skips:
            if skip >= s.steps:
                continue
            acc = float((predictions(out["outputs"], skip) == val.labels).mean())
            points.append(
                {
                    "input_rate": rate,
                    "scale": scale,
                    "presentation_time": pt,
                    "steps": s.steps,
                    "skip": skip,
                    "val_accuracy": acc,
                }
            )
        bar.update(
            f"input {rate:g} Hz, scale {scale:g}, {s.steps} steps: "
            + ", ".join(
                f"skip {p['skip']} {p['val_accuracy']:.2%}"
                for p in points
                if (p["input_rate"], p["scale"], p["presentation_time"]) == (rate, scale, pt)
            )
        )
    bar.close()
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
    args = p.parse_args(argv)

    def run():
        out = prepare_out_dir(args.out or args.run) / FILE_NAME
        scales = args.scale or (
            [50.0, 100.0] if load_run(args.run).config.neuron == "relu" else [1.0]
        )
        result = tune(
            args.run,
            args.input_rate,
            scales,
            args.presentation_time,
            args.skip,
            args.n_images,
            args.data_dir,
            quiet=args.quiet,
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
