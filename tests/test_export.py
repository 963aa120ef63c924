"""The NIR export (python -m nengo_fashion.export, issue 12).

Round trip: what ``nir.read`` gives back is the trained network, folded as
docs/nir.md says. Semantics: the file and its metadata reproduce nengo's own
simulation spike for spike. Command line: the errors are one line, before any
work. Cross-check: Norse and sinabs (in the second venv, .venv-nir) agree with
NengoDL on 1,000 test images; skipped when that venv is absent.
"""

import importlib.util
import json
import os
import shutil
import subprocess
from pathlib import Path

import nengo
import numpy as np
import pytest

pytestmark = [
    # nengo derives max_rates from the set gain and bias (see nengo_fashion.network)
    pytest.mark.filterwarnings("ignore:Non-finite values detected in `max_rates`"),
    pytest.mark.filterwarnings("ignore::RuntimeWarning:nengo.neurons"),
]

nir = pytest.importorskip("nir", reason="nir==1.0.8 is not installed (it needs Python >= 3.10)")

from nengo_fashion import __version__, export  # noqa: E402
from nengo_fashion.commands import export as export_command  # noqa: E402
from nengo_fashion.errors import ConfigError  # noqa: E402
from nengo_fashion.families import FAMILIES, NeuronFamily, get_family  # noqa: E402
from nengo_fashion.network import NetworkSpec, build_network  # noqa: E402
from nengo_fashion.runs import load_run  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"
NIR_PYTHON = Path(os.environ.get("NIR_VENV", ROOT / ".venv-nir")) / "bin" / "python"

# float32 rounding of gain * W (the gain is 100 for the ReLU runs): relative 1e-6
RTOL = 1e-6


def load_nir_check():
    """scripts/nir_check.py as a module (its numpy reference reader needs only numpy, nir)."""
    spec = importlib.util.spec_from_file_location("nir_check", ROOT / "scripts" / "nir_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module", params=["best-relu", "best-lif"])
def exported(request, tmp_path_factory):
    """A committed run, its in-memory graph and the graph read back from model.nir."""
    run = load_run(RESULTS / request.param)
    graph = export.export_network(
        run.weights, run.config.neuron, run.config.spiking, name=request.param
    )
    path = export.export_run(run, tmp_path_factory.mktemp(request.param))
    assert path.name == "model.nir"
    return run, graph, nir.read(path)


def test_round_trip_structure(exported):
    run, _, read = exported
    assert set(read.nodes) == {"input", "fc1", "hidden", "fc2", "output"}
    assert sorted(read.edges) == sorted(
        [("input", "fc1"), ("fc1", "hidden"), ("hidden", "fc2"), ("fc2", "output")]
    )
    assert isinstance(read.nodes["input"], nir.Input)
    assert isinstance(read.nodes["output"], nir.Output)
    assert list(read.nodes["input"].input_type["input"]) == [784]
    assert list(read.nodes["output"].output_type["output"]) == [10]
    assert read.nodes["fc1"].weight.shape == (128, 784)
    assert read.nodes["fc2"].weight.shape == (10, 128)
    kind = {"relu": nir.IF, "lif": nir.LIF}[run.config.neuron]
    assert isinstance(read.nodes["hidden"], kind)


def test_round_trip_weights(exported):
    """fc1 = gain * W1 and scaled bias; fc2 = W2 * amplitude and b2 (rtol 1e-6)."""
    run, graph, read = exported
    s = run.config.spiking
    w = run.weights
    amplitude = get_family(run.config.neuron).amplitude / s.scale
    fc1, fc2 = read.nodes["fc1"], read.nodes["fc2"]
    np.testing.assert_allclose(fc1.weight, s.scale * w.hidden_w.astype(np.float64), rtol=RTOL)
    np.testing.assert_allclose(fc1.bias, s.scale * w.hidden_b.astype(np.float64), rtol=RTOL)
    np.testing.assert_allclose(fc2.weight, amplitude * w.output_w.astype(np.float64), rtol=RTOL)
    np.testing.assert_array_equal(fc2.bias, w.output_b)
    # HDF5 keeps float32 exactly: the file is the in-memory graph
    for name in ("fc1", "fc2"):
        for field in ("weight", "bias"):
            a, b = getattr(graph.nodes[name], field), getattr(read.nodes[name], field)
            assert a.dtype == b.dtype == np.float32
            np.testing.assert_array_equal(a, b)


def test_round_trip_neuron_parameters(exported):
    run, graph, read = exported
    hidden = read.nodes["hidden"]
    ones, zeros = np.ones(128), np.zeros(128)
    np.testing.assert_array_equal(hidden.r, ones)
    np.testing.assert_array_equal(hidden.v_threshold, ones)
    np.testing.assert_array_equal(hidden.v_reset, zeros)
    meta = hidden.metadata
    if run.config.neuron == "lif":
        neuron = nengo.LIF()
        np.testing.assert_allclose(hidden.tau, neuron.tau_rc, rtol=RTOL)
        np.testing.assert_array_equal(hidden.v_leak, zeros)
        assert meta["tau_ref"] == pytest.approx(neuron.tau_ref)
        assert meta["min_voltage"] == 0.0
        assert meta["reset"] == "zero"
    else:
        assert meta["reset"] == "subtract"
    # nengo's default initial voltages: Uniform(0, 1) per neuron, from the network seed
    v0 = meta["v_initial"]
    assert v0.shape == (128,) and v0.min() >= 0 and v0.max() < 1 and v0.std() > 0.2
    np.testing.assert_array_equal(v0, graph.nodes["hidden"].metadata["v_initial"])


def test_round_trip_metadata(exported):
    run, _, read = exported
    s = run.config.spiking
    m = read.metadata
    assert m["dt"] == s.dt and m["steps"] == s.steps and m["rate_scale"] == s.scale
    assert m["amplitude"] == pytest.approx(get_family(run.config.neuron).amplitude / s.scale)
    assert m["readout"] == s.readout == "mean"
    assert m["neuron_family"] == run.config.neuron
    assert m["version"] == __version__
    assert m["nir_version"] == nir.version


@pytest.mark.parametrize("name", ["best-relu", "best-lif", "best-lif-noref", "best-qcfs8"])
def test_file_reproduces_nengo_spikes(name, tmp_path, rng):
    """model.nir + metadata, read by docs/nir.md's semantics, give nengo's own spikes.

    nengo's reference simulator (float64) on 6 random images, state reset per
    image as in NengoDL; the reader (scripts/nir_check.py, float32) sees only the file.
    """
    run = load_run(RESULTS / name)
    s = run.config.spiking
    images = rng.uniform(0, 1, size=(6, 784)).astype(np.float32)
    current = {"x": images[0]}
    spec = NetworkSpec(
        spiking=True, scale=s.scale, input_output=lambda t: current["x"], probe_hidden=True
    )
    net = build_network(run.weights, run.config.neuron, spec)
    amplitude = net.hidden.neuron_type.amplitude
    counts, preds = [], []
    with nengo.Simulator(net, dt=s.dt, progress_bar=False) as sim:
        for x in images:
            sim.reset()
            current["x"] = x
            sim.run_steps(s.steps)
            counts.append(np.rint(sim.data[net.p_hidden] * s.dt / amplitude).sum())
            preds.append(sim.data[net.p_out].mean(axis=0).argmax())
    graph = nir.read(export.export_run(run, tmp_path))
    reader_preds, reader_counts, _ = load_nir_check().run_numpy_reference(graph, images)
    assert min(counts) > 50  # the neurons do spike: a real comparison
    np.testing.assert_array_equal(reader_preds, preds)
    np.testing.assert_allclose(reader_counts, counts, atol=1)  # float32 vs float64 edge cases


def test_cli_existing_folder(tmp_path, capsys):
    out = tmp_path / "existing"
    out.mkdir()
    (out / "other.txt").write_text("kept")
    assert export_command.main(["--run", str(RESULTS / "best-relu"), "--out", str(out)]) == 0
    assert (out / "model.nir").is_file() and (out / "other.txt").read_text() == "kept"
    assert "model.nir" in capsys.readouterr().out


def test_cli_creates_missing_folder(tmp_path):
    out = tmp_path / "a" / "b"
    assert export_command.main(["--run", str(RESULTS / "best-lif"), "--out", str(out)]) == 0
    assert isinstance(nir.read(out / "model.nir").nodes["hidden"], nir.LIF)


@pytest.mark.parametrize("where", ["file", "under-a-file"])
def test_cli_unwritable_out_fails_before_work(where, tmp_path, capsys, monkeypatch):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file")
    out = blocker if where == "file" else blocker / "sub"

    def no_work(*args, **kwargs):
        raise AssertionError("work started before --out was checked")

    monkeypatch.setattr(export, "load_run", no_work)
    monkeypatch.setattr(export, "export_run", no_work)
    assert export_command.main(["--run", str(RESULTS / "best-relu"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: --out") and "Traceback" not in err


def test_unknown_family_is_refused(monkeypatch):
    """A family without a registered NIR mapping is refused, saying why."""
    monkeypatch.setitem(FAMILIES, "sigmoid", NeuronFamily("sigmoid", nengo.Sigmoid, nengo.Sigmoid))
    run = load_run(RESULTS / "best-relu")
    with pytest.raises(ConfigError, match="cannot export neuron family 'sigmoid' to NIR"):
        export.export_network(run.weights, "sigmoid", run.config.spiking)


def test_cli_unknown_family_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(FAMILIES, "sigmoid", NeuronFamily("sigmoid", nengo.Sigmoid, nengo.Sigmoid))
    run_dir = tmp_path / "sigmoid-run"
    shutil.copytree(RESULTS / "best-relu", run_dir)
    cfg = json.loads((run_dir / "config.json").read_text())
    (run_dir / "config.json").write_text(json.dumps(dict(cfg, neuron="sigmoid")))
    assert export_command.main(["--run", str(run_dir), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: cannot export neuron family 'sigmoid' to NIR")
    assert not (tmp_path / "out" / "model.nir").exists()


def test_cli_synapse_run_refused(tmp_path, capsys):
    assert (
        export_command.main(["--run", str(RESULTS / "thesis-relu-lowpass"), "--out", str(tmp_path)])
        == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "synapse" in err


def test_cli_n_images_needs_reference(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        export_command.main(
            ["--run", str(RESULTS / "best-relu"), "--out", str(tmp_path), "--n-images", "5"]
        )
    assert e.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.skipif(
    not NIR_PYTHON.exists(),
    reason=f"the NIR cross-check venv is absent ({NIR_PYTHON} not found): "
    "bash scripts/setup.sh --with-nir-check",
)
def test_cross_check_norse_sinabs_1000_images(fashion, tmp_path):
    """model.nir of best-relu in Norse and sinabs: >= 99 % of NengoDL's predictions,
    accuracy within 0.2 points, on the first 1,000 test images."""
    run = str(RESULTS / "best-relu")
    args = ["--run", run, "--out", str(tmp_path), "--reference", "--n-images", "1000"]
    assert export_command.main(args) == 0
    report_path = tmp_path / "nir_check.json"
    subprocess.run(
        [str(NIR_PYTHON), str(ROOT / "scripts" / "nir_check.py"), str(tmp_path)]
        + ["--out", str(report_path), "--no-variants"],
        check=True,
        timeout=600,
    )
    report = json.loads(report_path.read_text())
    assert report["n_images"] == 1000 and report["nir_node"] == "IF"
    for name in ("norse", "sinabs"):
        sim = report["simulators"][name]
        assert sim["agreement"] >= 0.99, (name, sim)
        assert abs(sim["accuracy_gap"]) <= 0.002, (name, sim)
