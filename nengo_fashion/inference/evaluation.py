"""Re-evaluate a saved run, with rate or spiking neurons, on a chosen split.

`evaluate_run` is the library of ``python -m nengo_fashion.evaluate`` (its command is
`nengo_fashion.commands.evaluate`): with the run's own settings it prints the same numbers
as ``train`` did, since both call `nengo_fashion.inference.engine.evaluate_rate` and
`~nengo_fashion.inference.engine.evaluate_spiking`. It reports; it chooses nothing, so
its split is the test split unless told.
"""

import dataclasses
from pathlib import Path
from typing import Optional

from .. import data as data_mod
from ..atomic import Outputs, check_out_file, write_json
from ..cli import spike_settings
from ..errors import ConfigError
from ..knobs import check_field_types, knob
from ..runs import load_run
from .engine import evaluate_rate, evaluate_spiking

MODES = ("rate", "spiking", "both")
SPLITS = ("val", "test", "train")


@dataclasses.dataclass(frozen=True)
class EvaluateConfig:
    """What to evaluate, on which images, and where the numbers go.

    Parameters
    ----------
    run : str or Path
        A run folder written by ``nengo_fashion.train``.
    mode : {"rate", "spiking", "both"}
        Which networks to evaluate.
    neuron : str or None
        The run's neuron family, checked against the run (None: the run's).
    n_images : int or None
        Evaluate only the first ``n_images`` images of the split (None: all).
    json : str or Path or None
        Also write the numbers to this JSON file.
    split : {"val", "test", "train"}
        The split reported on (test: this command chooses nothing).
    dt, steps, synapse, scale : optional
        Replace the run's spiking time step (s), timesteps per image, lowpass tau (s, or
        ``"none"`` for no synapse) and firing-rate scale; None keeps the run's own.
    data_dir : str or Path or None
        Folder of the Fashion-MNIST files (`nengo_fashion.data.load`).
    overwrite : bool
        Replace the ``json`` file if it exists (else it is refused).
    """

    run: Path = knob(dataclasses.MISSING, "run folder written by nengo_fashion.train")
    mode: str = knob("both", "rate, spiking or both (default both)", parse=MODES)
    neuron: Optional[str] = knob(
        None, "neuron family; must be the run's own (default: the run's)", parse="family"
    )
    n_images: Optional[int] = knob(
        None, "evaluate only the first N images of the split", parse="positive_int"
    )
    json: Optional[Path] = knob(None, "also write the numbers to this JSON file")
    split: str = "test"
    dt: Optional[float] = None
    steps: Optional[int] = None
    synapse: object = None
    scale: Optional[float] = None
    data_dir: Optional[Path] = None
    overwrite: bool = False

    def __post_init__(self):
        check_field_types(self)
        if self.mode not in MODES:
            raise ConfigError(f"mode must be one of {MODES}, got {self.mode!r}")
        if self.split not in SPLITS:
            raise ConfigError(f"split must be one of {SPLITS}, got {self.split!r}")
        if self.n_images is not None and self.n_images < 1:
            raise ConfigError(f"n_images must be >= 1, got {self.n_images!r}")


def evaluate_run(config, *, quiet=True, show=print):
    """Evaluate a run as ``config`` (an `EvaluateConfig`) says; return the numbers.

    The ``json`` file is checked before any work; ``show`` gets the lines of the report
    (before the file is written); unless ``quiet``, a long spiking evaluation shows its
    progress on stderr.

    Returns
    -------
    dict
        ``run``, ``split``, ``n`` (images), ``neuron``, ``data_source`` and, by mode,
        ``rate`` (`evaluate_rate`'s dict) and ``spiking`` (`evaluate_spiking`'s).
    """
    if config.json:
        check_out_file(config.json, "--json", overwrite=config.overwrite)
    r = load_run(config.run, family=config.neuron)
    settings = spike_settings(config, r.config.spiking)
    dataset = data_mod.load(config.data_dir, n_val=r.config.n_val)
    split = dataset.split(config.split).subset(config.n_images)
    family = r.config.neuron
    out = {
        "run": str(r.path),
        "split": config.split,
        "n": len(split),
        "neuron": family,
        "data_source": dataset.source,  # says "(unverified: ...)" with --unverified-data
    }
    if config.mode in ("rate", "both"):
        out["rate"] = evaluate_rate(r.weights, family, split)
    if config.mode in ("spiking", "both"):
        out["spiking"] = evaluate_spiking(r.weights, family, split, settings, quiet=quiet)
    show("\n".join(report_lines(out, settings)))
    if config.json:
        json_path = Path(config.json)
        outputs = Outputs(json_path.parent, [json_path.name], overwrite=config.overwrite)
        with outputs.staging() as stage:
            write_json(stage / json_path.name, out)
    return out


def report_lines(out, settings):
    """The report of `evaluate_run`'s numbers ``out``, spiking at ``settings``."""
    family = out["neuron"]
    lines = [f"{out['run']} on {out['split']} ({out['n']} images)"]
    if out["split"] == "test":
        lines.append("  reporting on the test split (choose settings on --split val)")
    if "rate" in out:
        lines.append(f"  rate {family:>4}: accuracy {out['rate']['accuracy'] * 100:6.2f} %")
    if "spiking" in out:
        s, rates = out["spiking"], out["spiking"]["hidden_rate_hz"]
        lines.append(
            f"  spiking {family}: accuracy {s['accuracy'] * 100:6.2f} %  (dt {settings.dt} s, "
            f"{settings.steps} steps, synapse {settings.synapse}, scale {settings.scale:g}, "
            f"readout {settings.readout})"
        )
        lines.append(
            f"  hidden rate (Hz): min {rates['min']:.2f}  mean {rates['mean']:.2f}  "
            f"max {rates['max']:.2f};  {s['spikes_per_image']:.1f} spikes/image"
        )
    return lines
