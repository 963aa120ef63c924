"""Choose the SpiNNaker mapping on the validation split.

What ``python -m nengo_fashion.spinnaker.tune`` does (its command is
`nengo_fashion.commands.spinnaker_tune`)::

    python -m nengo_fashion.spinnaker.tune --nir results/nir/best-relu/model.nir \\
        --out results/spinnaker/best-relu          # -> spinnaker_tune.json

Runs the executor (`nengo_fashion.spinnaker.executor`, with the step semantics of PyNN's
simulator, which the simulation equals) on the validation images (default all 5,000) for
every combination of steps, threshold scale and input rate, and gives the winner: the
highest validation accuracy, ties to fewer steps, then to fewer hidden spikes. A mapping
whose numbers do not fit SpiNNaker's cells is listed as such. The test split is not
touched unless ``--split test --report-on-test`` is given (recorded in the file).
``python -m nengo_fashion.spinnaker --tuned FILE`` then reports the winner on test.
"""

import dataclasses
import itertools
from pathlib import Path
from typing import Optional

from ... import data as data_mod
from ...atomic import Outputs, write_json
from ...errors import ConfigError
from ...knobs import check_field_types, grid_knob, knob
from ...progress import Progress
from .. import executor
from .. import mapping as mapping_mod
from ..run import summary

FILE_NAME = "spinnaker_tune.json"
GRIDS = ("steps", "threshold_scale", "input_rate")


@dataclasses.dataclass(frozen=True)
class TuneConfig:
    """The grid of mappings that `tune` scores, and on what.

    Parameters
    ----------
    nir : Path
        The network's NIR graph (``model.nir``).
    steps, threshold_scale, input_rate : tuple
        The values tried (`nengo_fashion.spinnaker.mapping.MappingSettings`).
    n_images : int or None
        The first ``n_images`` of the split (default: all of it).
    split : {"val", "test"}
    report_on_test : bool
        Needed with ``split="test"`` (recorded).
    data_dir, out : Path or None
        Fashion-MNIST's folder; the folder of ``spinnaker_tune.json`` (default: the NIR
        file's folder).
    overwrite : bool
    """

    nir: Path = mapping_mod.nir_knob()
    steps: tuple = grid_knob(
        (20, 25, 30), "steps per image to try (default 20 25 30)", "positive_int", "N"
    )
    threshold_scale: tuple = grid_knob(
        (0.6, 0.8, 1.0, 1.25, 1.5, 2.0),
        "threshold scales to try (default 0.6 0.8 1 1.25 1.5 2)",
        "positive_float",
        "K",
    )
    input_rate: tuple = grid_knob(
        (1000.0,), "input rates (Hz) to try (default 1000)", "positive_float", "HZ"
    )
    n_images: Optional[int] = knob(None, "default: the whole split", parse="positive_int")
    split: str = "val"
    report_on_test: bool = False
    data_dir: Optional[Path] = None
    out: Optional[Path] = None
    overwrite: bool = False

    def __post_init__(self):
        for name in GRIDS:  # the command line gives lists
            values = getattr(self, name)
            if isinstance(values, list):
                object.__setattr__(self, name, tuple(values))
        check_field_types(self)
        for name in GRIDS:
            if not getattr(self, name):
                raise ConfigError(f"--{name.replace('_', '-')} needs at least one value")
        if self.split not in ("val", "test"):
            raise ConfigError(f"split must be val or test, got {self.split!r}")
        if (self.split == "test") != self.report_on_test:
            raise ConfigError("--split test and --report-on-test go together")
        for combo in self.combinations():  # each value checked by MappingSettings
            del combo

    def combinations(self):
        """Every `MappingSettings` of the grid."""
        for steps, scale, rate in itertools.product(
            self.steps, self.threshold_scale, self.input_rate
        ):
            yield mapping_mod.MappingSettings(steps=steps, threshold_scale=scale, input_rate=rate)


def tune(config, *, log=print, quiet=True):
    """Score the grid of ``config`` on its split; write and return ``spinnaker_tune.json``."""
    outputs = Outputs(
        config.out or Path(config.nir).parent, [FILE_NAME], overwrite=config.overwrite
    )
    graph = mapping_mod.read_graph(config.nir)
    split = data_mod.load(config.data_dir).split(config.split).subset(config.n_images)
    combos = list(config.combinations())
    log(f"{config.nir}: {len(combos)} mappings on {len(split)} {config.split} images")
    rows = []
    with Progress(len(combos), "mappings", quiet=quiet) as bar:
        code = None  # (steps, input rate) and the input spikes they give, reused while equal
        for settings in combos:
            row = settings.asdict()
            try:
                plan = mapping_mod.plan(graph, settings, path=config.nir)
            except ConfigError as e:
                row["fits"] = False
                row["reason"] = str(e)
            else:
                key = (settings.steps, settings.input_rate)
                if code is None or code[0] != key:
                    code = key, mapping_mod.input_spikes(split.images, settings)
                out = executor.run(plan, code[1])
                row.update(fits=True, **summary(plan, split.labels, out))
            rows.append(row)
            bar.update()
    fitting = [r for r in rows if r["fits"]]
    if not fitting:
        raise ConfigError("no mapping of the grid fits SpiNNaker's cells: lower --threshold-scale")
    best = max(fitting, key=lambda r: (r["accuracy"], -r["steps"], -r["hidden_spikes_per_image"]))
    result = {
        "split": config.split,
        "report_on_test": config.report_on_test,
        "n_images": len(split),
        "nir": str(config.nir),
        "rule": "highest accuracy of the executor (PyNN's step semantics); ties: fewer "
        "steps, then fewer hidden spikes",
        "grid": {name: list(getattr(config, name)) for name in GRIDS},
        "mappings": rows,
        "best": best,
        "recommendation": " ".join(f"--{k.replace('_', '-')} {best[k]:g}" for k in GRIDS),
    }
    with outputs.staging() as stage:
        write_json(stage / FILE_NAME, result)
    log(f"wrote {outputs.folder / FILE_NAME}")
    return result
