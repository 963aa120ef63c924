"""Long runs, opt-in with ``pytest --slow``: the full recipes and the full test set."""

import json
from pathlib import Path

import pytest

from nengo_fashion.config import make_config
from nengo_fashion.train import train

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_thesis_recipe_reaches_its_known_range(fashion, tmp_path):
    """The thesis recipe on all 55,000 training images: about 87.5-89 % on test."""
    run = train(make_config("thesis"), fashion, out=tmp_path, name="thesis", log=lambda s: None)
    r = json.loads((run / "results.json").read_text())
    assert 0.875 <= r["rate_test_acc"] <= 0.89
    assert abs(r["spiking_test_acc"] - r["rate_test_acc"]) < 0.01


@pytest.mark.slow
def test_full_test_set_on_the_emulator(tmp_path):
    """The committed LIF run on all 10,000 test images, within 1 % of NengoDL's spiking."""
    pytest.importorskip("nengo_loihi")
    from loihi.run import run_loihi

    result = run_loihi(ROOT / "results" / "best-lif", out=tmp_path, log=lambda s: None)
    assert result["n_images"] == 10000
    assert abs(result["accuracy"] - result["nengo_dl_spiking_test_acc"]) < 0.01
