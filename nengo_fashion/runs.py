"""The run folder: what ``train`` writes, how every command reads it.

A run folder holds ``config.json`` (the `TrainConfig`), ``weights.npz`` (the
`Weights`), ``results.json`` (see `RESULTS_KEYS`), ``params.npz`` (NengoDL's
parameters) and ``training_curve.png``. `load_run` is the one reader: every command
that takes ``--run`` goes through it, so a missing, damaged or foreign folder gets
one clear error everywhere. `store_run` writes a run trained elsewhere (a Dask
worker) atomically; `finished_run` tells whether a folder is a complete run of a
configuration.
"""

import dataclasses
from pathlib import Path

from .atomic import as_stored, atomic_dir, fill_folder, read_json
from .config import TrainConfig
from .errors import ConfigError, RunError
from .weights import Weights

RESULTS_KEYS = (
    "rate_val_acc",
    "rate_test_acc",
    "spiking_test_acc",
    "spiking",
    "hidden_rate_hz",
    "config",
    "seconds",
)
"""Top-level keys of ``results.json`` that other tools may rely on."""


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
    config = read_config(path)
    try:
        config = TrainConfig.fromdict(config)
    except (ConfigError, TypeError, ValueError) as e:
        raise RunError(
            f"{path / 'config.json'} is not a valid run configuration: {e}; {Weights.FIX}"
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


def read_config(path):
    """A run folder's ``config.json``, checked, as a dict (no `TrainConfig`: no Nengo).

    The part of `load_run` that the prediction API's rate path uses: a missing folder or
    ``config.json``, a file that is not a JSON object, or one without the keys every run's
    configuration has, is a one-line `RunError`.
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
    return config


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


def store_run(result, run_dir):
    """Write a `train_run` result as the run folder ``run_dir`` (atomically, replacing)."""

    def write(folder):
        for rel, content in result["files"].items():
            target = folder / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)

    with atomic_dir(run_dir, overwrite=True) as tmp:
        fill_folder(tmp, write, run_dir)
    return Path(run_dir)


def finished_run(run_dir, config):
    """``results.json`` of ``run_dir`` if it is complete and was trained with ``config``."""
    run_dir = Path(run_dir)
    try:
        saved = read_json(run_dir / "config.json")
        results = read_json(run_dir / "results.json")
    except RunError:
        return None
    return results if saved == as_stored(config.asdict()) else None
