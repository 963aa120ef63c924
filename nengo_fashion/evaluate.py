"""Re-evaluate a saved run, with rate or spiking neurons, on a chosen split.

Usage::

    python -m nengo_fashion.evaluate --run runs/thesis-relu                 # test split
    python -m nengo_fashion.evaluate --run runs/thesis-relu --split val --steps 10 --dt 1

With the run's own settings it prints the same numbers as ``train`` did: both
call `nengo_fashion.inference.engine.evaluate_rate` and ``evaluate_spiking``.
"""

import sys
from pathlib import Path

from . import data as data_mod
from .atomic import Outputs, check_out_file, write_json
from .cli import (
    ArgumentParser,
    add_data_args,
    add_quiet_arg,
    add_spike_args,
    add_split_arg,
    positive_int,
    run_cli,
    spike_settings,
)
from .families import FAMILIES
from .inference.engine import evaluate_rate, evaluate_spiking
from .runs import load_run


def make_parser():
    p = ArgumentParser(
        prog="python -m nengo_fashion.evaluate",
        description="Evaluate a trained run with rate and/or spiking neurons.",
    )
    p.add_argument("--run", required=True, help="run folder written by nengo_fashion.train")
    add_split_arg(p, "report")
    p.add_argument("--mode", choices=("rate", "spiking", "both"), default="both")
    p.add_argument(
        "--neuron",
        choices=sorted(FAMILIES),
        default=None,
        help="neuron family; must be the run's own (default: the run's)",
    )
    p.add_argument(
        "--n-images",
        type=positive_int,
        default=None,
        help="evaluate only the first N images of the split",
    )
    p.add_argument("--json", default=None, help="also write the numbers to this JSON file")
    p.add_argument("--overwrite", action="store_true", help="replace the --json file if it exists")
    add_data_args(p, n_val=False)
    add_spike_args(p, defaults_help="the run's own spiking settings (config.json)")
    add_quiet_arg(p)
    return p


def main(argv=None):
    args = make_parser().parse_args(argv)

    def run():
        if args.json:
            check_out_file(args.json, "--json", overwrite=args.overwrite)
        r = load_run(args.run, family=args.neuron)
        settings = spike_settings(args, r.config.spiking)
        dataset = data_mod.load(args.data_dir, n_val=r.config.n_val)
        split = dataset.split(args.split).subset(args.n_images)
        family = r.config.neuron
        out = {
            "run": str(r.path),
            "split": args.split,
            "n": len(split),
            "neuron": family,
            "data_source": dataset.source,  # says "(unverified: ...)" with --unverified-data
        }
        lines = [f"{r.path} on {args.split} ({len(split)} images)"]
        if args.split == "test":
            lines.append("  reporting on the test split (choose settings on --split val)")
        if args.mode in ("rate", "both"):
            out["rate"] = evaluate_rate(r.weights, family, split)
            lines.append(f"  rate {family:>4}: accuracy {out['rate']['accuracy'] * 100:6.2f} %")
        if args.mode in ("spiking", "both"):
            out["spiking"] = s = evaluate_spiking(
                r.weights, family, split, settings, quiet=args.quiet
            )
            rates = s["hidden_rate_hz"]
            lines.append(
                f"  spiking {family}: accuracy {s['accuracy'] * 100:6.2f} %  (dt {settings.dt} s, "
                f"{settings.steps} steps, synapse {settings.synapse}, scale {settings.scale:g}, "
                f"readout {settings.readout})"
            )
            lines.append(
                f"  hidden rate (Hz): min {rates['min']:.2f}  mean {rates['mean']:.2f}  "
                f"max {rates['max']:.2f};  {s['spikes_per_image']:.1f} spikes/image"
            )
        print("\n".join(lines))
        if args.json:
            json_path = Path(args.json)
            outputs = Outputs(json_path.parent, [json_path.name], overwrite=args.overwrite)
            with outputs.staging() as stage:
                write_json(stage / json_path.name, out)

    return run_cli(run)


if __name__ == "__main__":
    sys.exit(main())
