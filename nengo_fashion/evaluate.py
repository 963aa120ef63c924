"""Re-evaluate a saved run, with rate or spiking neurons, on a chosen split.

Usage::

    python -m nengo_fashion.evaluate --run runs/thesis-relu                 # test split
    python -m nengo_fashion.evaluate --run runs/thesis-relu --split val --steps 10 --dt 1

With the run's own settings it prints the same numbers as ``train`` did: both
call `evaluate_rate` and `evaluate_spiking`.
"""

import dataclasses
import sys
from pathlib import Path

import numpy as np

from . import data as data_mod
from .atomic import check_out_file, read_json, write_json
from .cli import (
    ArgumentParser,
    add_data_args,
    add_spike_args,
    positive_int,
    run_cli,
    spike_settings,
)
from .config import TrainConfig
from .errors import RunError
from .network import FAMILIES, Weights


@dataclasses.dataclass(frozen=True)
class Run:
    """A run folder made by ``train``: its config, weights and results."""

    path: Path
    config: TrainConfig
    weights: Weights
    results: dict


def load_run(path, family=None):
    """Load a run folder, with clear errors for a missing or incomplete one.

    Parameters
    ----------
    path : str or Path
        The run folder.
    family : str, optional
        If given, the neuron family the caller wants; a run trained with another
        family is refused (its weights were fitted to another response curve).
    """
    path = Path(path)
    if not path.is_dir():
        raise RunError(f"run folder {path} not found; train one with python -m nengo_fashion.train")
    config = TrainConfig.fromdict(read_json(path / "config.json"))
    if family is not None and family != config.neuron:
        raise RunError(
            f"{path} was trained with the {config.neuron!r} neuron family, not {family!r}; "
            f"use --neuron {config.neuron} or train a {family} run"
        )
    weights = Weights.load(path / "weights.npz")
    results_path = path / "results.json"
    results = read_json(results_path) if results_path.exists() else {}
    return Run(path, config, weights, results)


def evaluate_rate(weights, family, split):
    """Accuracy of the rate network (NengoDL) on a `Split`: ``{"accuracy", "n"}``."""
    from .dl import rate_logits

    logits = rate_logits(weights, family, split.images)
    return {"accuracy": float(np.mean(logits.argmax(axis=1) == split.labels)), "n": len(split)}


def evaluate_spiking(weights, family, split, settings, batch_size=500, initial_voltage="shared"):
    """Accuracy and spike statistics of the spiking network on a `Split`.

    ``initial_voltage`` is `nengo_fashion.dl.run_spiking`'s: ``"shared"`` (Nengo's
    build-time voltages for every image) or ``"per-image"`` (the thesis' draws).

    Returns
    -------
    dict
        ``accuracy`` (fraction), ``n``, ``hidden_rate_hz`` (``min``/``mean``/``max``
        over hidden neurons, in Hz), ``spikes_per_image`` (hidden-layer spikes per
        image) and ``settings``.
    """
    from .dl import run_spiking

    result = run_spiking(
        weights, family, split.images, settings, batch_size, initial_voltage=initial_voltage
    )
    return {
        "accuracy": result.accuracy(split.labels),
        "n": len(split),
        "hidden_rate_hz": result.rate_stats(),
        "spikes_per_image": float(result.spikes_per_image.mean()),
        "settings": settings.asdict(),
    }


def make_parser():
    p = ArgumentParser(
        prog="python -m nengo_fashion.evaluate",
        description="Evaluate a trained run with rate and/or spiking neurons.",
    )
    p.add_argument("--run", required=True, help="run folder written by nengo_fashion.train")
    p.add_argument("--split", choices=("val", "test", "train"), default="test")
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
    add_data_args(p, n_val=False)
    add_spike_args(p, defaults_help="the run's own spiking settings (config.json)")
    return p


def main(argv=None):
    args = make_parser().parse_args(argv)

    def run():
        if args.json:
            check_out_file(args.json, "--json")
        r = load_run(args.run, family=args.neuron)
        settings = spike_settings(args, r.config.spiking)
        dataset = data_mod.load(args.data_dir, n_val=r.config.n_val)
        split = dataset.split(args.split).subset(args.n_images)
        family = r.config.neuron
        out = {"run": str(r.path), "split": args.split, "n": len(split), "neuron": family}
        lines = [f"{r.path} on {args.split} ({len(split)} images)"]
        if args.mode in ("rate", "both"):
            out["rate"] = evaluate_rate(r.weights, family, split)
            lines.append(f"  rate {family:>4}: accuracy {out['rate']['accuracy'] * 100:6.2f} %")
        if args.mode in ("spiking", "both"):
            out["spiking"] = s = evaluate_spiking(r.weights, family, split, settings)
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
            write_json(args.json, out)

    return run_cli(run)


if __name__ == "__main__":
    sys.exit(main())
