"""Map a network's SpiNNaker model with sPyNNaker: ``spinnaker_board.json``.

What ``python -m nengo_fashion.spinnaker.board`` does (its command is
`nengo_fashion.commands.spinnaker_board`), in the venv of ``scripts/setup.sh
--with-spinnaker``::

    python -m nengo_fashion.spinnaker.board --nir results/nir/best-relu/model.nir \\
        --tuned results/spinnaker/best-relu/spinnaker_tune.json --out results/spinnaker/best-relu

builds the PyNN model (`nengo_fashion.spinnaker.pynn`) in ``pyNN.spiNNaker`` with the spike
trains of the first ``--n-images`` test images, and has sPyNNaker map it onto a **virtual
SpiNN-5 board** (48 chips): partitioning, placement, routing, keys, routing tables and
the data of every core (synaptic matrices, neuron parameters) are made as for a machine;
loading and running are skipped. The file holds sPyNNaker's own figures
(`nengo_fashion.spinnaker.board.worker`): boards and chips, cores per population, SDRAM,
synaptic-matrix bytes, routing entries, machine time steps per image, and its checks that
sPyNNaker's fixed-point weights are the plan's.

``--cfg FILE`` maps onto the machine that a sPyNNaker configuration file names instead
(``spalloc_server = ...`` for a machine shared through spalloc, ``machineName = ...`` for
a board), which also loads and runs the model there. That path is the same code, but it
was not run on hardware here.
"""

import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional

from ...atomic import Outputs, read_json, write_json
from ...errors import ConfigError, MissingDependencyError, RunError
from ...knobs import check_field_types, knob
from .. import mapping as mapping_mod

FILE_NAME = "spinnaker_board.json"

VIRTUAL_BOARD_CFG = """[Machine]
virtual_board = True
version = 5

[Reports]
write_network_graph = False
"""
"""sPyNNaker's configuration for a virtual SpiNN-5 board (48 chips, 8 x 8 minus corners)."""

TIMEOUT = 900
"""Seconds the mapping may take (about 10 s for 100 images here)."""


@dataclasses.dataclass(frozen=True)
class BoardConfig:
    """What `map_model` maps, and where.

    Parameters
    ----------
    nir : Path
        The network's NIR graph (``model.nir``).
    mapping : nengo_fashion.spinnaker.mapping.MappingSettings
    n_images : int
        Test images whose spike trains the input sources hold (their buffers' SDRAM).
    cfg : Path or None
        A sPyNNaker configuration file naming a real machine; None: a virtual board.
    chosen : str or None
        How the mapping was chosen (recorded).
    data_dir, out : Path or None
        Fashion-MNIST's folder; the folder of ``spinnaker_board.json`` (default: the NIR
        file's folder).
    overwrite : bool
    """

    nir: Path = mapping_mod.nir_knob()
    mapping: mapping_mod.MappingSettings = mapping_mod.MappingSettings()
    n_images: int = knob(
        100, "test images the input sources hold (default 100)", parse="positive_int"
    )
    cfg: Optional[Path] = knob(
        None,
        "a sPyNNaker configuration file naming a real machine (spalloc_server or "
        "machineName); default: a virtual SpiNN-5 board",
        metavar="FILE",
    )
    chosen: Optional[str] = None
    data_dir: Optional[Path] = None
    out: Optional[Path] = None
    overwrite: bool = False

    def __post_init__(self):
        check_field_types(self)
        mapping_mod.check_settings_type(self.mapping)
        if not (isinstance(self.n_images, int) and 1 <= self.n_images <= 10_000):
            raise ConfigError(f"--n-images must be in 1..10000, got {self.n_images!r}")
        if self.cfg is not None and not Path(self.cfg).is_file():
            raise ConfigError(f"--cfg {self.cfg}: no such file")


def require_spynnaker():
    try:
        import spynnaker  # noqa: F401
    except ImportError as e:
        from ..simulation import INSTALL

        raise MissingDependencyError(f"{e}: {INSTALL}") from None


def map_model(config, *, log=print):
    """Map ``config.nir``'s SpiNNaker model with sPyNNaker; write and return
    ``spinnaker_board.json``."""
    outputs = Outputs(
        config.out or Path(config.nir).parent, [FILE_NAME], overwrite=config.overwrite
    )
    plan = mapping_mod.plan(mapping_mod.read_graph(config.nir), config.mapping, path=config.nir)
    require_spynnaker()
    target = f"the machine of {config.cfg}" if config.cfg else "a virtual SpiNN-5 board"
    log(f"{config.nir}: mapping the model with {config.n_images} images on {target}")
    with tempfile.TemporaryDirectory(prefix="nengo-fashion-spinnaker-") as tmp:
        folder = Path(tmp)
        (folder / ".spynnaker.cfg").write_text(
            Path(config.cfg).read_text() if config.cfg else VIRTUAL_BOARD_CFG
        )
        request = {
            "nir": str(Path(config.nir).resolve()),
            "settings": config.mapping.asdict(),
            "n_images": config.n_images,
            "split": "test",
            "data_dir": str(Path(config.data_dir).resolve()) if config.data_dir else None,
        }
        write_json(folder / "request.json", request)
        _run_worker(folder)
        board = read_json(folder / "board.json")
    result = {
        "target": "virtual board" if config.cfg is None else f"machine of {config.cfg}",
        "steps_per_image": config.mapping.steps,
        "settings": config.mapping.asdict(),
        "source": plan.source,
        "plan_shifts": plan.shifts,
        **board,
    }
    if config.chosen:
        result["chosen"] = config.chosen
    with outputs.staging() as stage:
        write_json(stage / FILE_NAME, result)
    log(f"wrote {outputs.folder / FILE_NAME}")
    return result


def _run_worker(folder):
    """`nengo_fashion.spinnaker.board.worker` in a child process, in ``folder`` (its home
    too: sPyNNaker reads ``~/.spynnaker.cfg`` and writes its reports under the working
    folder); a failure is a one-line `RunError` with the child's last line."""
    env = dict(os.environ, HOME=str(folder))
    code = "import sys; from nengo_fashion.spinnaker.board.worker import main; main(sys.argv[1])"
    proc = subprocess.run(
        [sys.executable, "-c", code, str(folder)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    if proc.returncode != 0 or not (folder / "board.json").exists():
        lines = [x for x in (proc.stderr or proc.stdout).splitlines() if x.strip()]
        raise RunError(f"sPyNNaker's mapping failed: {lines[-1] if lines else proc.returncode}")
    shutil.rmtree(folder / "reports", ignore_errors=True)


def table_rows(result):
    """The resource table's rows, ``(population, neurons, cores, SDRAM kB, synaptic
    matrix kB)``, from a ``spinnaker_board.json``."""
    rows = []
    for name, pop in result["populations"].items():
        matrix = pop.get("synaptic_matrix_bytes")
        rows.append(
            (
                name,
                pop["neurons"],
                pop["cores"],
                pop["sdram_bytes"] / 1024,
                None if matrix is None else matrix / 1024,
            )
        )
    return rows
