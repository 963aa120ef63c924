import builtins
import json

import numpy as np
import pytest

pytest.importorskip("nengo_loihi")

from loihi import energy, nxsdk_available, require_nengo_loihi  # noqa: E402
from loihi import run as loihi_run  # noqa: E402
from loihi.mapping import MappingSettings  # noqa: E402
from nengo_fashion.errors import ConfigError, MissingDependencyError  # noqa: E402
from nengo_fashion.evaluate import load_run  # noqa: E402

from .test_train import _one_line_error  # noqa: E402

FEW = dict(presentation_time=0.02, scale=100.0)


def test_run_on_a_few_images(tiny_run, tmp_path):
    result = loihi_run.run_loihi(
        tiny_run, MappingSettings(**FEW), n_images=30, processes=1, out=tmp_path, log=lambda s: None
    )
    saved = json.loads((tmp_path / "loihi.json").read_text())
    for key in (
        "accuracy",
        "n_images",
        "wall_seconds",
        "spikes_per_image",
        "resources",
        "energy_per_image_j",
        "settings",
    ):
        assert key in saved
    assert saved["n_images"] == 30
    # a briefly trained net on the chip's neurons: 0.68-0.72 on 100 images over seeds 0-2
    # (python -m tests.margins, margins.loihi_accuracy); chance 0.1
    assert result["accuracy"] > 0.4
    assert np.array(saved["confusion_matrix"]).sum() == 30
    assert saved["spikes_per_image"] > 0


def test_vectorized_emulator_is_identical(tiny_run, fashion):
    """The vectorised inner loop gives bit-identical outputs to nengo-loihi's own."""
    run = load_run(tiny_run)
    images = fashion.test.images[:8]
    fast = loihi_run.simulate(run.weights, "relu", MappingSettings(**FEW), images, vectorize=True)
    slow = loihi_run.simulate(run.weights, "relu", MappingSettings(**FEW), images, vectorize=False)
    assert np.array_equal(fast["outputs"], slow["outputs"])
    assert np.array_equal(fast["hidden_spikes"], slow["hidden_spikes"])


def test_resources_against_limits(tiny_run):
    from nengo_loihi.block import MAX_COMPARTMENTS, MAX_IN_AXONS, MAX_SYNAPSE_BITS

    run = load_run(tiny_run)
    res = loihi_run.model_resources(run.weights, "relu", MappingSettings(**FEW))
    assert res["totals"]["compartments"] == 128
    assert res["totals"]["in_axons"] == 784  # one axon per input pixel neuron
    assert res["totals"]["cores"] == 1
    assert res["limits"] == {
        "compartments": MAX_COMPARTMENTS,
        "in_axons": MAX_IN_AXONS,
        "out_axons": 4096,
        "synapse_bits": MAX_SYNAPSE_BITS,
    }
    for block in res["blocks"]:
        assert all(block[k]["used"] <= block[k]["limit"] for k in res["limits"])
    split = loihi_run.model_resources(run.weights, "relu", MappingSettings(block_size=32, **FEW))
    assert split["totals"]["cores"] == 4 and len(split["blocks"]) == 4
    assert split["totals"]["compartments"] == 128


def test_energy_arithmetic_by_hand():
    est = energy.estimate(
        input_spikes_per_image=10, hidden_spikes_per_image=5, n_compartments=2, steps=3
    )
    # (10 input spikes x 128 targets + 5 hidden spikes x 10 outputs) x 23.6 pJ
    # + 2 compartments x 3 steps x 81 pJ
    assert est["loihi"]["synaptic_ops"] == 1280 + 50
    assert est["loihi"]["neuron_updates"] == 6
    assert est["loihi"]["energy_j"] == pytest.approx(1330 * 23.6e-12 + 6 * 81e-12)
    # (784 x 128 + 128 x 10) MACs x (4.6 + 5.0) pJ
    assert est["rate_cpu_gpu"]["energy_j"] == pytest.approx(101632 * 9.6e-12)


def test_other_family_refused(tiny_run, capsys):
    err = _one_line_error(capsys, ["--run", str(tiny_run), "--neuron", "LoihiLIF"], loihi_run.main)
    assert "LoihiLIF is a 'lif' neuron" in err and "--neuron LoihiSpikingRectifiedLinear" in err


def test_block_that_does_not_fit(tiny_run, capsys):
    err = _one_line_error(
        capsys, ["--run", str(tiny_run), "--block-size", "256", "--n-images", "2"], loihi_run.main
    )
    assert "block size 256 is larger than the hidden layer (128)" in err


def test_zero_images(tiny_run, capsys):
    err = _one_line_error(capsys, ["--run", str(tiny_run), "--n-images", "0"], loihi_run.main)
    assert "--n-images must be >= 1" in err


@pytest.mark.skipif(nxsdk_available(), reason="NxSDK is installed here")
def test_hardware_target_without_nxsdk(tiny_run, capsys):
    err = _one_line_error(capsys, ["--run", str(tiny_run), "--target", "loihi"], loihi_run.main)
    assert "NxSDK" in err and "only the emulator" in err


def test_missing_nengo_loihi_names_install_command(monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "nengo_loihi":
            raise ImportError("No module named 'nengo_loihi'", name="nengo_loihi")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(MissingDependencyError, match="pip install nengo-loihi==1.1.0"):
        require_nengo_loihi()


def test_bad_settings():
    with pytest.raises(ConfigError, match="skip"):
        MappingSettings(presentation_time=0.01, skip=10)
    with pytest.raises(ConfigError, match="unknown neuron"):
        MappingSettings(neuron="Izhikevich")


def test_finetune_with_loihi_neurons(tiny_run, tmp_path):
    from loihi.finetune import finetune

    path = finetune(tiny_run, epochs=1, out=tmp_path, log=lambda s: None)
    cfg = json.loads((path / "config.json").read_text())
    assert cfg["train_neuron"] == "loihi" and cfg["init_run"] == str(tiny_run)
    results = json.loads((path / "results.json").read_text())
    assert results["rate_test_acc"] > 0.5  # 0.761-0.769 over seeds 0-2 (tests.margins)


@pytest.mark.hardware
@pytest.mark.skipif(not nxsdk_available(), reason="needs NxSDK and a Loihi board")
def test_on_hardware(tiny_run, tmp_path):
    result = loihi_run.run_loihi(
        tiny_run,
        MappingSettings(**FEW),
        n_images=10,
        target="loihi",
        out=tmp_path,
        log=lambda s: None,
    )
    assert result["accuracy"] > 0.3


def test_tune_on_validation(tiny_run, tmp_path):
    from loihi.tune import tune

    result = tune(tiny_run, [250.0], [100.0], [0.02], [0, 5], n_images=20, quiet=True)
    assert result["split"] == "val" and result["n_images"] == 20
    assert len(result["points"]) == 2
    assert result["best"] in result["points"]
