"""The efficiency study gathers the committed results; the TTFS code's arithmetic."""

import json
from pathlib import Path

import numpy as np
import pytest

from nengo_fashion.errors import ConfigError
from nengo_fashion.inference.encoding import TTFSCode
from nengo_fashion.inference.synops import DENSE_MACS
from nengo_fashion.studies import efficiency

ROOT = Path(__file__).resolve().parent.parent


def test_efficiency_gathers_results(tmp_path, capsys):
    assert efficiency.main(["--out", str(tmp_path), "--quiet"]) == 0
    out = json.loads((tmp_path / efficiency.FILE_NAME).read_text())
    assert out["dense_macs_per_image"] == DENSE_MACS == 101632
    kinds = {p["kind"] for p in out["points"]}
    assert kinds == {"nengo_dl", "loihi"}
    for p in out["points"]:
        assert 0.1 < p["test_acc"] <= 1 and p["steps"] >= 1 and p["chosen"]
        if p["kind"] == "loihi":  # counted from the emulator's spikes
            assert p["synops_ratio"] == pytest.approx(p["synops_per_image"] / DENSE_MACS)
    assert (tmp_path / efficiency.FIGURE).stat().st_size > 10_000
    assert "steps" in capsys.readouterr().out


def test_efficiency_refuses_a_file_as_out(tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    assert efficiency.main(["--out", str(tmp_path / "f")]) == 2
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
    """A spike at step t_i held as a step current integrates W[:, i] (T - t_i) = T W x_eff."""
    rng = np.random.RandomState(1)
    w = rng.randn(128, 784).astype(np.float32)
    x = rng.rand(20, 784).astype(np.float32)
    code = TTFSCode(window=16, threshold=0.2)
    current = np.zeros((20, 128))
    integral = np.zeros((20, 128))
    for step in range(code.window):
        current += code.arrivals(x, step) @ w.T
        integral += current
    np.testing.assert_allclose(integral, 16 * code.effective_input(x) @ w.T, rtol=1e-4, atol=1e-3)


def test_ttfs_code_validation():
    with pytest.raises(ConfigError, match="window"):
        TTFSCode(window=0)
    with pytest.raises(ConfigError, match="threshold"):
        TTFSCode(window=8, threshold=1.0)
