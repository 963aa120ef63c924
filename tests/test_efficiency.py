"""The efficiency study gathers the committed results; the TTFS code's arithmetic."""

import json
from pathlib import Path

import numpy as np
import pytest

from nengo_fashion.commands import efficiency as efficiency_command
from nengo_fashion.errors import ConfigError
from nengo_fashion.inference.encoding import TTFSCode
from nengo_fashion.inference.synops import DENSE_MACS
from nengo_fashion.studies import efficiency

from .pictures import capture_plots, gray

ROOT = Path(__file__).resolve().parent.parent


def _recorded_test_acc(source):
    """The test accuracy a result file records for its point, read here on its own."""
    if ", " in source:  # a summary over seeds: the mean of its emulator runs
        return float(np.mean([_recorded_test_acc(s) for s in source.split(", ")]))
    path = Path(source)
    r = json.loads((path if path.is_absolute() else ROOT / path).read_text())
    if path.name == "results.json":  # a run at its default setting
        return r["spiking_test_acc"]
    if path.name == "pareto.json":  # chosen on val, reported on test
        return r["chosen_test"]["accuracy"]
    if path.name == "seeds.json":  # the mean over seeds
        return float(np.mean([s["spiking_test_acc"] for s in r["per_seed"]]))
    assert path.name == "loihi.json" and r["split"] == "test"
    return r["accuracy"]


def test_efficiency_gathers_results(tmp_path, capsys, monkeypatch):
    plots = capture_plots(monkeypatch)
    assert efficiency_command.main(["--out", str(tmp_path), "--quiet"]) == 0
    out = json.loads((tmp_path / efficiency.FILE_NAME).read_text())
    assert out["dense_macs_per_image"] == DENSE_MACS == 101632
    points = out["points"]
    kinds = {p["kind"] for p in points}
    assert kinds == {"nengo_dl", "loihi"}
    # every committed run at dt 1 ms and every emulator run on test is a point
    runs = [
        f"results/{r.parent.name}/results.json"
        for r in sorted((ROOT / "results").glob("*/results.json"))
        if (json.loads(r.read_text()).get("spiking") or {}).get("dt") == 0.001
    ]
    assert set(runs) <= {p["source"] for p in points} and len(runs) >= 5
    for p in points:
        # each accuracy is the test accuracy its file records, not the rate net's, the
        # validation choice's or another key's (committed: these differ on most points)
        assert p["test_acc"] == pytest.approx(_recorded_test_acc(p["source"]), abs=1e-12), p
        assert p["steps"] >= 1 and p["chosen"]
        if p["kind"] == "loihi":  # counted from the emulator's spikes
            assert p["synops_ratio"] == pytest.approx(p["synops_per_image"] / DENSE_MACS)
        if p["kind"] == "loihi" or p["source"].endswith("results.json"):
            # the ANN baselines: on dense weights, every non-zero input reaches 128 weights
            # and every non-zero hidden activation 10
            if p["first_layer_density"] == 1 and "seeds" not in p:
                assert p["zero_skip_macs_per_image"] == pytest.approx(
                    p["nonzero_inputs_per_image"] * 128 + p["nonzero_hidden_per_image"] * 10
                )
            assert p["zero_skip_macs_per_image"] <= p["dense_macs_per_image"] == DENSE_MACS
            b = p["energy_uj_baselines"]
            assert b["dense_fp32"] == pytest.approx(DENSE_MACS * 9.6e-6)
            assert b["zero_skip_int8"] < b["zero_skip_fp32"] < b["dense_fp32"]
    assert any(p["kind"] == "loihi" and p["first_layer_density"] == 1 for p in points)
    # the mean over seeds of emulator runs is their mean, with their spread
    (summary,) = (
        p
        for p in points
        if p["kind"] == "loihi" and p["label"].startswith("best-relu-keep20 x3 seeds")
    )
    runs = [json.loads((ROOT / s).read_text()) for s in summary["source"].split(", ")]
    assert summary["seeds"] == len(runs) == 3
    assert summary["synops_per_image"] == pytest.approx(
        np.mean([r["synops_per_image"] for r in runs])
    )
    assert summary["test_acc_std"] == pytest.approx(np.std([r["accuracy"] for r in runs], ddof=1))
    # the figure plots these points: synops (chip points) and steps against accuracy in %,
    # with the zero-skipping ANN of each emulator point's weights at the rate net's accuracy
    synops_panel, steps_panel, energy_panel = plots[efficiency.FIGURE]
    ann = sorted(
        (p["zero_skip_macs_per_image"], p["rate_test_acc"] * 100)
        for p in points
        if p["kind"] == "loihi"
    )
    drawn_ann = sorted((float(x[0]), float(y[0])) for x, y in synops_panel["lines"] if len(x) == 1)
    assert np.allclose(drawn_ann, ann)
    chip = sorted(
        (p["synops_per_image"], p["test_acc"] * 100) for p in points if "synops_ratio" in p
    )
    drawn = sorted(tuple(xy) for c in synops_panel["points"] for xy in c)
    assert np.allclose(drawn, chip)
    drawn = {(float(x[0]), float(y[0])) for x, y in steps_panel["lines"] if len(x) == 1}
    for p in points:
        assert any(np.allclose(d, (p["steps"], p["test_acc"] * 100)) for d in drawn), p
    assert gray(tmp_path / efficiency.FIGURE).std() > 0.05
    assert "steps" in capsys.readouterr().out


def test_efficiency_refuses_a_file_as_out(tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    assert efficiency_command.main(["--out", str(tmp_path / "f")]) == 2
    assert "--out" in capsys.readouterr().err


def test_ttfs_code_steps_and_effective_input():
    code = TTFSCode(window=8, threshold=0.1)
    x = np.array([[1.0, 0.5, 0.05, 0.0, 0.12, 0.999]])
    steps = code.spike_steps(x)
    assert steps.tolist() == [[0, 4, 8, 8, 7, 0]]  # 8: no spike (below threshold)
    assert code.spikes_per_image(x).tolist() == [4]
    np.testing.assert_allclose(code.effective_input(x), [[1, 0.5, 0, 0, 0.125, 1]])
    # every pixel is rounded to the nearest multiple of 1/T (none below the threshold)
    rng = np.random.RandomState(0)
    x = rng.rand(50, 784).astype(np.float32)
    err = np.abs(TTFSCode(window=16).effective_input(x) - x)
    assert err.max() <= 1 / 32 + 1e-6


def test_step_currents_integrate_w_x():
    """Step currents from the code's spikes integrate W x_eff: checked on four pixels by
    hand (T 16, threshold 0.2).

    pixel x:             0.8   0.7   0.1          1.0
    step round(16 (1-x)): 3     5     none (< 0.2)  0     (16 * 0.2 = 3.2, 16 * 0.3 = 4.8)
    steps held (16 - t): 13    11    0             16
    """
    code = TTFSCode(window=16, threshold=0.2)
    x = np.array([[0.8, 0.7, 0.1, 1.0]])
    assert code.spike_steps(x).tolist() == [[3, 5, 16, 0]]
    assert code.spikes_per_image(x).tolist() == [3]
    w = np.array([[1.0, 2.0, 5.0, -1.0], [0.0, 1.0, 3.0, 1.0]])
    # neuron 0: 1 * 13 + 2 * 11 + 5 * 0 - 1 * 16 = 19; neuron 1: 11 + 16 = 27
    current, integral = np.zeros((1, 2)), np.zeros((1, 2))
    for step in range(code.window):
        current += code.arrivals(x, step) @ w.T
        integral += current
    assert integral.tolist() == [[19.0, 27.0]]
    np.testing.assert_allclose(code.effective_input(x), [[13 / 16, 11 / 16, 0, 1]])
    np.testing.assert_allclose(16 * code.effective_input(x) @ w.T, [[19.0, 27.0]], atol=1e-5)


def test_ttfs_code_validation():
    with pytest.raises(ConfigError, match="window"):
        TTFSCode(window=0)
    with pytest.raises(ConfigError, match="threshold"):
        TTFSCode(window=8, threshold=1.0)
