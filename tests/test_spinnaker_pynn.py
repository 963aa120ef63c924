"""The PyNN model of a tiny run in PyNN's own simulator (Brian 2, in the SpiNNaker venv that
``scripts/setup.sh --with-spinnaker`` makes; skipped without it): what the simulator holds,
read back from it, against the run's weights element by element (weights, signs and
receptors, delays, offset currents, cell parameters, connectivity), and its spikes and
readout against the executor's on real test images.
"""

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from nengo_fashion.spinnaker import executor, mapping

from .hostile import ROOT
from .test_spinnaker import expected, grid_step

SPINNAKER_PYTHON = (
    Path(os.environ.get("SPINNAKER_VENV", ROOT / ".venv-spinnaker")) / "bin" / "python"
)

pytestmark = pytest.mark.skipif(
    not SPINNAKER_PYTHON.exists(),
    reason=f"the SpiNNaker venv is absent ({SPINNAKER_PYTHON} not found): "
    "bash scripts/setup.sh --with-spinnaker",
)


@pytest.fixture(scope="module")
def held(fashion, tiny_run, tmp_path_factory):
    """What PyNN's Brian 2 holds for the tiny run's model, and what it computed on 20 test
    images (``tests/spinnaker_venv.py`` in the SpiNNaker venv)."""
    from nengo_fashion.export import export_run
    from nengo_fashion.runs import load_run

    folder = tmp_path_factory.mktemp("pynn")
    run = load_run(tiny_run)
    nir_file = export_run(run, folder)
    images = fashion.split("test").images[:20]
    np.save(folder / "images.npy", images)
    subprocess.run(
        [
            str(SPINNAKER_PYTHON),
            str(ROOT / "tests" / "spinnaker_venv.py"),
            str(nir_file),
            str(folder / "images.npy"),
            str(folder / "held.npz"),
        ],
        check=True,
        timeout=600,
        cwd=ROOT,
    )
    plan = mapping.plan(mapping.read_graph(nir_file), mapping.MappingSettings())
    return dict(np.load(folder / "held.npz")), plan, run, images


@pytest.mark.parametrize("layer", ["hidden", "output"])
def test_pynn_weights_are_the_runs_element_by_element(held, layer):
    got, plan, run, _ = held
    want = expected(run, plan.settings)[f"{layer}_w"]
    weights = got[f"{layer}_w"]
    assert weights.shape == want.shape
    # exactly the mapping's fixed-point weights, and those within half a step of the run's
    assert np.array_equal(weights, getattr(plan, f"{layer}_w"))
    tol = grid_step(plan, f"{layer}_w") / 2 + 1e-6 * np.abs(want) + 1e-12
    assert np.all(np.abs(weights - want) <= tol)
    # connectivity: a synapse wherever the run's weight does not round to zero, none elsewhere
    assert np.array_equal(weights != 0, getattr(plan, f"{layer}_w") != 0)
    assert np.all((np.sign(weights) == np.sign(want)) | (weights == 0))
    # receptors: positive weights excitatory, negative inhibitory; every delay one step
    assert set(got[f"{layer}_excitatory_signs"]) == {1.0}
    assert set(got[f"{layer}_inhibitory_signs"]) == {-1.0}
    assert got[f"{layer}_delays"].tolist() == [mapping.DT_MS]


@pytest.mark.parametrize("layer", ["hidden", "output"])
def test_pynn_offsets_and_cells_are_the_runs(held, layer):
    got, plan, run, _ = held
    want = expected(run, plan.settings)[f"{layer}_i"]
    offsets = got[f"{layer}_i_offset"]
    # PyNN's Brian 2 holds currents in amperes: nA -> A -> nA can move the last bit
    np.testing.assert_allclose(offsets, getattr(plan, f"{layer}_i"), rtol=1e-12, atol=0)
    assert np.all(np.abs(offsets - want) <= 2.0**-16 + 1e-6 * np.abs(want) + 1e-12)
    cell = plan.hidden_cell() if layer == "hidden" else plan.output_cell()
    for name in ("v_thresh", "tau_m", "cm", "v_reset", "v_rest", "tau_refrac"):
        np.testing.assert_allclose(got[f"{layer}_{name}"], cell[name], rtol=1e-12, err_msg=name)


def test_pynn_simulation_equals_the_executor(held):
    got, plan, _, images = held
    ref = executor.run(plan, mapping.input_spikes(images, plan.settings))
    assert np.array_equal(got["sim_hidden_counts"], ref["hidden_counts"])
    assert np.array_equal(got["sim_input_counts"], ref["input_counts"])
    assert np.abs(got["sim_readout"] - ref["readout"]).max() < 1e-9
    assert np.array_equal(got["sim_readout"].argmax(axis=1), ref["readout"].argmax(axis=1))


@pytest.mark.slow
def test_dask_chunks_give_the_serial_result(tmp_path):
    """``--scheduler local --workers 2`` (two chunks on a local Dask cluster, on 127.0.0.1)
    gives the predictions and spike counts of one serial simulation."""
    common = [
        "-m",
        "nengo_fashion.spinnaker",
        "--nir",
        str(ROOT / "results" / "nir" / "best-relu" / "model.nir"),
        "--n-images",
        "40",
        "--split",
        "val",
        "--quiet",
    ]
    results = {}
    for name, extra in (("serial", []), ("dask", ["--scheduler", "local", "--workers", "2"])):
        subprocess.run(
            [str(SPINNAKER_PYTHON), *common, "--out", str(tmp_path / name), *extra],
            check=True,
            timeout=600,
            cwd=ROOT,
        )
        results[name] = json.loads((tmp_path / name / "spinnaker.json").read_text())
    serial, dask = results["serial"]["pynn_brian2"], results["dask"]["pynn_brian2"]
    assert results["dask"]["runner"].startswith("local")
    assert dask["predictions_sha1"] == serial["predictions_sha1"]
    assert dask["hidden_spikes_per_image"] == serial["hidden_spikes_per_image"]
    assert dask["agreement"] == 1.0
