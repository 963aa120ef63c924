"""Long runs, opt-in with ``pytest --slow``: the full recipes and the full test set.

CI runs them after the default suite (``python -m pytest --slow -m slow tests/test_slow.py``
in ``.ci/run``). Their thresholds are not from ``tests/margins.py``, whose quantities are tiny
runs measured over seeds; they come from the committed full-size results named beside them,
with margins for a CPU whose float results differ (see docs/development.md).
"""

import json
from pathlib import Path

import pytest

from nengo_fashion.config import make_config
from nengo_fashion.train import train

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_thesis_recipe_reaches_its_known_range(fashion, tmp_path):
    """The thesis recipe on all 55,000 training images lands near its committed run."""
    run = train(make_config("thesis"), fashion, out=tmp_path, name="thesis", log=lambda s: None)
    r = json.loads((run / "results.json").read_text())
    # committed: 0.8781 (results/thesis-relu, seed 0; this test gave the same on the machine
    # that made it), 0.8793 for the same recipe trained with the time axis
    # (results/reproduce/reproduce.json, spiking_net_rate_acc). Full-size 784-128-10 runs
    # spread over 3 seeds by at most 0.42 points (results/seeds/*/seeds.json, distill-relu);
    # the floor is 0.81 points under 0.8781, about twice that. The ceiling is 2.7 points under
    # the 0.9173 the same net scores on its training images (results/reproduce-train), what a
    # test split mixed with the training images would give.
    assert 0.87 <= r["rate_test_acc"] <= 0.89
    # |spiking - rate| at the default 30-step setting: 0.0008 here (results/thesis-relu), at
    # most 0.0040 over the seeds of the ReLU recipes (results/seeds/best-relu, seed 1)
    assert abs(r["spiking_test_acc"] - r["rate_test_acc"]) < 0.01


@pytest.mark.slow
def test_full_test_set_on_the_emulator(tmp_path):
    """The committed LIF run on all 10,000 test images: the committed emulator accuracy again,
    near NengoDL's spiking accuracy."""
    pytest.importorskip("nengo_loihi")
    from loihi.run import LoihiRunConfig, run_loihi

    run = ROOT / "results" / "best-lif"
    committed = json.loads((run / "loihi.json").read_text())
    result = run_loihi(LoihiRunConfig(run, out=tmp_path), log=lambda s: None)
    assert result["n_images"] == 10000
    # committed: 0.8659 (results/best-lif/loihi.json; this test gave the same on the machine
    # that made it). The emulator's arithmetic is fixed-point, so another CPU changes little;
    # 0.005 (50 images) is five times the 10 images by which splitting the test set into
    # chunks moves the emulator's accuracy (results/distributed.json, emulator.accuracy)
    assert abs(result["accuracy"] - committed["accuracy"]) <= 0.005
    # emulator against NengoDL's spiking accuracy (0.8742, the run's results.json): 0.0083
    # committed; 0.015 leaves the margin above
    assert abs(result["accuracy"] - result["nengo_dl_spiking_test_acc"]) < 0.015
