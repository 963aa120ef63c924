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
from .atomic import Outputs, check_out_file, read_json, write_json
from .cli import (
    ArgumentParser,
    add_data_args,
    add_quiet_arg,
    add_spike_args,
    positive_int,
    run_cli,
    spike_settings,
)
from .config import TrainConfig
from .errors import ConfigError, RunError
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
    config_path = path / "config.json"
    if not config_path.exists():
        raise RunError(
            f"{config_path} not found; {path} is not a complete run folder (train one with "
            "python -m nengo_fashion.train)"
        )
    config = _read_object(config_path, "a run configuration")
    absent = [k for k in REQUIRED_CONFIG_KEYS if k not in config]
    if absent:
        raise RunError(
            f"{config_path} lacks {', '.join(map(repr, absent))}, which every run's "
            f"configuration has; {Weights.FIX}"
        )
    try:
        config = TrainConfig.fromdict(config)
    except (ConfigError, TypeError, ValueError) as e:
        raise RunError(
            f"{config_path} is not a valid run configuration: {e}; {Weights.FIX}"
        ) from None
    if family is not None and family != config.neuron:
        raise RunError(
            f"{path} was trained with the {config.neuron!r} neuron family, not {family!r}; "
            f"use --neuron {config.neuron} or train a {family} run"
        )
    weights = Weights.load(path / "weights.npz")
    results_path = path / "results.json"
    results = _read_object(results_path, "a results file") if results_path.exists() else {}
    return Run(path, config, weights, results)


REQUIRED_CONFIG_KEYS = ("neuron",)
"""Keys of ``config.json`` without which a run is refused (others default, so that runs
written before a field existed still load; unknown keys are ignored, see `fromdict`)."""


def _read_object(path, what):
    """The JSON object (dict) in ``path``, or a one-line `RunError` naming it and the fix."""
    try:
        value = read_json(path)
    except (OSError, ValueError, RecursionError) as e:  # unreadable, not UTF-8, too deep
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise RunError(f"{path} cannot be read ({reason}); {Weights.FIX}") from None
    except RunError as e:
        raise RunError(f"{e}; {Weights.FIX}") from None
    if not isinstance(value, dict):
        raise RunError(
            f"{path} is not {what}: it holds a JSON {_json_kind(value)}, not an object "
            f"({{...}}); {Weights.FIX}"
        )
    return value


def _json_kind(value):
    if isinstance(value, bool):
        return "boolean"
    return {list: "array", str: "string", type(None): "null", int: "number", float: "number"}.get(
        type(value), type(value).__name__
    )


def evaluate_rate(weights, family, split):
    """Accuracy of the rate network (NengoDL) on a `Split`: ``{"accuracy", "n"}``."""
    from .dl import rate_logits

    logits = rate_logits(weights, family, split.images)
    return {"accuracy": float(np.mean(logits.argmax(axis=1) == split.labels)), "n": len(split)}


PROGRESS_WORK = 2_000_000
"""Image-steps (images x steps) per piece of a spiking evaluation that shows progress: the
test split at 30 steps is one piece; at 10,000 steps, pieces of 1,000 images or so."""


def evaluate_spiking(
    weights, family, split, settings, batch_size=500, initial_voltage="shared", quiet=True
):
    """Accuracy and spike statistics of the spiking network on a `Split`.

    ``initial_voltage`` is `nengo_fashion.dl.run_spiking`'s: ``"shared"`` (Nengo's
    build-time voltages for every image) or ``"per-image"`` (the thesis' draws).
    Unless ``quiet``, the images run in pieces of about `PROGRESS_WORK` image-steps with
    a progress line on stderr after each (`nengo_fashion.progress.Progress`); every image
    starts from the state it would start from in one piece, so the numbers are the same.

    Returns
    -------
    dict
        ``accuracy`` (fraction), ``n``, ``hidden_rate_hz`` (``min``/``mean``/``max``
        over hidden neurons, in Hz), ``spikes_per_image`` (hidden-layer spikes per
        image) and ``settings``.
    """
    from .dl import run_spiking

    if quiet:
        result = run_spiking(
            weights, family, split.images, settings, batch_size, initial_voltage=initial_voltage
        )
    else:
        result = _spiking_in_pieces(
            weights, family, split.images, settings, batch_size, initial_voltage
        )
    return {
        "accuracy": result.accuracy(split.labels),
        "n": len(split),
        "hidden_rate_hz": result.rate_stats(),
        "spikes_per_image": float(result.spikes_per_image.mean()),
        "settings": settings.asdict(),
    }


def _spiking_in_pieces(weights, family, images, settings, batch_size, initial_voltage):
    """`run_spiking` over ``images`` in pieces, with progress on stderr; one `SpikingResult`."""
    import os

    from .dl import SpikingResult, run_spiking
    from .network import N_HIDDEN
    from .neurons.thesis_spiking import resolve_initial_voltages
    from .progress import Progress

    n = len(images)
    # the voltages of all images at once: image i gets the same ones in any piece
    voltages = resolve_initial_voltages(initial_voltage, n, N_HIDDEN)
    piece = max(batch_size * (os.cpu_count() or 1), PROGRESS_WORK // settings.steps, 1)
    preds, per_image, hidden = [], [], 0.0
    with Progress(n, f"spiking inference ({settings.steps} steps)") as bar:
        for start in range(0, n, piece):
            stop = min(start + piece, n)
            v0 = "shared" if voltages is None else voltages[start:stop]
            r = run_spiking(
                weights, family, images[start:stop], settings, batch_size, initial_voltage=v0
            )
            preds.append(r.predictions)
            per_image.append(r.spikes_per_image)
            hidden = hidden + r.hidden_spikes
            bar.update(f"images {start}-{stop - 1}", n=stop - start)
    return SpikingResult(
        predictions=np.concatenate(preds),
        outputs=None,
        hidden_spikes=hidden,
        spikes_per_image=np.concatenate(per_image),
        settings=settings,
    )


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
    p.add_argument(
        "--overwrite", action="store_true", help="replace the --json file if it exists"
    )
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
        out = {"run": str(r.path), "split": args.split, "n": len(split), "neuron": family}
        lines = [f"{r.path} on {args.split} ({len(split)} images)"]
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
