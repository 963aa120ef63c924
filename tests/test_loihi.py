import builtins
import json

import numpy as np
import pytest

pytest.importorskip("nengo_loihi")

from loihi import nxsdk_available, require_nengo_loihi  # noqa: E402
from loihi import run as loihi_run  # noqa: E402
from loihi.mapping import MappingSettings  # noqa: E402
from loihi.run import LoihiRunConfig  # noqa: E402
from loihi.simulation import EmulatorOptions, model_resources, simulate  # noqa: E402
from nengo_fashion.commands import loihi as loihi_command  # noqa: E402
from nengo_fashion.errors import ConfigError, MissingDependencyError  # noqa: E402
from nengo_fashion.runs import load_run  # noqa: E402

from .hostile import one_line_error  # noqa: E402

FEW = dict(presentation_time=0.02, scale=100.0)


def test_run_on_a_few_images(tiny_run, tmp_path):
    config = LoihiRunConfig(
        tiny_run, MappingSettings(**FEW), EmulatorOptions(processes=1), n_images=30, out=tmp_path
    )
    result = loihi_run.run_loihi(config, log=lambda s: None)
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
    assert saved["split"] == "test"  # python -m loihi reports on test by default
    # a briefly trained net on the chip's neurons, on these 30 test images: 0.600-0.667 over
    # seeds 0-2 (python -m tests.margins, loihi_accuracy_30); chance 0.1
    assert result["accuracy"] > 0.4
    assert np.array(saved["confusion_matrix"]).sum() == 30
    assert saved["spikes_per_image"] > 0


def test_vectorized_emulator_is_identical(tiny_run, fashion):
    """The vectorised inner loop gives bit-identical outputs to nengo-loihi's own."""
    run = load_run(tiny_run)
    images = fashion.test.images[:8]
    fast = simulate(MappingSettings(**FEW), run.weights, images, options=EmulatorOptions())
    slow = simulate(
        MappingSettings(**FEW), run.weights, images, options=EmulatorOptions(vectorize=False)
    )
    assert np.array_equal(fast["outputs"], slow["outputs"])
    assert np.array_equal(fast["hidden_spikes"], slow["hidden_spikes"])


def test_resources_against_limits(tiny_run):
    from nengo_loihi.block import MAX_COMPARTMENTS, MAX_IN_AXONS, MAX_SYNAPSE_BITS

    run = load_run(tiny_run)
    res = model_resources(MappingSettings(**FEW), run.weights)
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
    split = model_resources(MappingSettings(block_size=32, **FEW), run.weights)
    assert split["totals"]["cores"] == 4 and len(split["blocks"]) == 4
    assert split["totals"]["compartments"] == 128


def test_other_family_refused(tiny_run, capsys):
    err = one_line_error(
        capsys, ["--run", str(tiny_run), "--neuron", "LoihiLIF"], loihi_command.main
    )
    assert "LoihiLIF is a 'lif' neuron" in err and "--neuron LoihiSpikingRectifiedLinear" in err


def test_block_that_does_not_fit(tiny_run, capsys):
    err = one_line_error(
        capsys,
        ["--run", str(tiny_run), "--block-size", "256", "--n-images", "2"],
        loihi_command.main,
    )
    assert "block size 256 is larger than the hidden layer (128)" in err


def test_zero_images(tiny_run, capsys):
    err = one_line_error(capsys, ["--run", str(tiny_run), "--n-images", "0"], loihi_command.main)
    assert "--n-images must be >= 1" in err


@pytest.mark.skipif(nxsdk_available(), reason="NxSDK is installed here")
def test_hardware_target_without_nxsdk(tiny_run, capsys):
    err = one_line_error(capsys, ["--run", str(tiny_run), "--target", "loihi"], loihi_command.main)
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
    """One epoch of fine-tuning moves the run's weights and keeps its accuracy.

    Against the run it starts from, over seeds 0-2 (python -m tests.margins,
    margins.finetune_change): rate test accuracy +0.020..+0.040, mean |change| of the
    hidden weights 1.39-1.41 % of their mean |value|. A fine-tune that does nothing
    changes nothing (0); one that unlearns loses accuracy.
    """
    from .margins import finetune_change

    change = finetune_change(tiny_run, tmp_path)
    (path,) = tmp_path.iterdir()
    cfg = json.loads((path / "config.json").read_text())
    assert cfg["train_neuron"] == "loihi" and cfg["init_run"] == str(tiny_run)
    assert change["weight_change"] > 0.005, change
    assert change["gain"] > -0.02, change


@pytest.mark.hardware
@pytest.mark.skipif(not nxsdk_available(), reason="needs NxSDK and a Loihi board")
def test_on_hardware(tiny_run, tmp_path):
    options = EmulatorOptions(target="loihi")
    config = LoihiRunConfig(tiny_run, MappingSettings(**FEW), options, n_images=10, out=tmp_path)
    result = loihi_run.run_loihi(config, log=lambda s: None)
    assert result["accuracy"] > 0.3


def test_tune_on_validation(tiny_run, fashion):
    """The chosen mapping is the table's best on validation, scored on validation images."""
    from loihi.tune import TuneConfig, tune

    config = TuneConfig(
        tiny_run,
        input_rate=[250.0, 1000.0],
        scale=[100.0],
        presentation_time=[0.02],
        skip=[0, 5],
        n_images=20,
    )
    result = tune(config)
    assert result["split"] == "val" and result["n_images"] == 20
    assert result["report_on_test"] is False
    points, best = result["points"], result["best"]
    assert len(points) == 4 and best in points
    assert best["val_accuracy"] == max(p["val_accuracy"] for p in points)
    # its accuracy, scored here on the first 20 validation images
    s = MappingSettings(
        presentation_time=best["presentation_time"],
        scale=best["scale"],
        input_rate=best["input_rate"],
    )
    val = fashion.val.subset(20)
    out = simulate(s, load_run(tiny_run).weights, val.images)
    readout = out["outputs"][:, best["skip"] :].mean(axis=1)
    assert best["val_accuracy"] == np.mean(readout.argmax(axis=1) == val.labels)


def test_tune_chooses_by_val_where_val_and_test_disagree(tiny_run, monkeypatch):
    """An emulator whose best mapping is input 250 Hz, skip 0 on validation images and
    input 1000 Hz, skip 5 on test images: tune must choose the first."""
    import loihi.tune as tune_mod

    good = {"val": (250.0, 0), "test": (1000.0, 5)}

    def fake_emulate(settings, weights, images, *, skips, **kwargs):
        split = images.load()  # the split whose images this mapping was given
        readouts = {}
        for k in skips:
            right = (settings.input_rate, k) == good[images.split]
            labels = split.labels if right else (split.labels + 1) % 10
            readouts[k] = np.eye(10)[labels]
        ones = np.ones(len(split))
        return {
            "readouts": readouts,
            "hidden_spikes": ones,
            "input_spikes": ones,
            "hidden_counts": np.zeros((len(split), 128)),
            "input_counts": np.zeros((len(split), 784)),
        }

    monkeypatch.setattr(tune_mod, "emulate_chunk", fake_emulate)
    kwargs = dict(
        run=tiny_run,
        input_rate=[250.0, 1000.0],
        scale=[100.0],
        presentation_time=[0.02],
        skip=[0, 5],
        n_images=20,
    )
    result = tune_mod.tune(tune_mod.TuneConfig(**kwargs))
    table = {(p["input_rate"], p["skip"]): p["val_accuracy"] for p in result["points"]}
    assert table == {(250.0, 0): 1.0, (250.0, 5): 0.0, (1000.0, 0): 0.0, (1000.0, 5): 0.0}
    assert (result["best"]["input_rate"], result["best"]["skip"]) == (250.0, 0)
    # asked to report on test, the same table says the other mapping
    test = tune_mod.tune(tune_mod.TuneConfig(split="test", **kwargs))
    assert (test["best"]["input_rate"], test["best"]["skip"]) == (1000.0, 5)
    assert test["best"]["test_accuracy"] == 1.0 and test["report_on_test"] is True


# --- time-to-first-spike input into step currents (loihi/ttfs.py) ---

TTFS = dict(presentation_time=0.008, scale=300.0, input_code="ttfs")


@pytest.fixture(scope="module")
def best_relu():
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "results" / "best-relu"
    if not (path / "weights.npz").exists():
        pytest.skip("results/best-relu not committed")
    return load_run(path)


def test_ttfs_emulator_matches_reference(best_relu, fashion):
    from loihi.ttfs import reference_counts
    from nengo_fashion.inference.encoding import TTFSCode

    images = fashion.val.images[:60]
    settings = MappingSettings(**TTFS)
    out = simulate(settings, best_relu.weights, images)
    code = TTFSCode(settings.steps)
    # exactly one spike per pixel that the code sends, none for the others
    np.testing.assert_array_equal(out["input_spikes"], code.spikes_per_image(images))
    ref = reference_counts(best_relu.weights, images, code, scale=settings.scale)
    # the emulator rounds the weights to Loihi's fixed point, the reference does not:
    # measured on 200 validation images, mean |count difference| 0.016, 98.5 % of the
    # predictions equal (T 8, scale 300); nothing leaks between images (no reset: 2.8, 12 %)
    assert np.abs(out["hidden_counts"] - ref).mean() < 0.05
    ref_pred = (ref @ best_relu.weights.output_w.T + best_relu.weights.output_b * 8 * 0.3).argmax(1)
    assert np.mean(out["outputs"].mean(axis=1).argmax(axis=1) == ref_pred) >= 0.9


def test_ttfs_step_current_integrates_w_x(best_relu, fashion):
    """On the emulator, the hidden voltage at the end of a window is T dt scale (W x_eff)."""
    import nengo_loihi.emulator.interface as emu

    from nengo_fashion.inference.encoding import TTFSCode
    from nengo_fashion.network import Weights

    w = best_relu.weights
    # positive weights and no bias, small enough that no neuron reaches its threshold
    # (a ReLU compartment's voltage is floored at 0, so negative sums would be cut)
    pos = Weights(np.abs(w.hidden_w) * 0.02, np.zeros(128), w.output_w, w.output_b)
    images = fashion.val.images[:3]
    settings = MappingSettings(presentation_time=0.016, scale=25.0, input_code="ttfs")
    voltages = []
    original = emu.EmulatorInterface.step

    def record(self):
        original(self)
        c = self.compartment
        voltages.append(c.voltage / c.vth)

    emu.EmulatorInterface.step = record
    try:
        out = simulate(settings, pos, images)
    finally:
        emu.EmulatorInterface.step = original
    assert out["hidden_spikes"].sum() == 0
    code = TTFSCode(16)
    expected = 16 * 0.001 * 25.0 * code.effective_input(images) @ pos.hidden_w.T
    # the window of image n ends at emulator step 16 n + 17 (one step of host-to-chip delay)
    ends = np.array([voltages[16 * n + 16] for n in range(3)])
    assert expected.max() > 0.2
    # within 2 %: the current decays 2/4096 per step (0.4 % over the window on average)
    # and Loihi rounds the weights
    # images 1 and 2 too: `window_reset` zeroed the state left by the image before (without
    # it their windows would end at the sum of the images so far)
    np.testing.assert_allclose(ends, expected, rtol=0.02, atol=0.01 * expected.max())


def test_ttfs_refused_on_board_and_bad_settings(best_relu):
    with pytest.raises(ConfigError, match="emulator only"):
        simulate(
            MappingSettings(**TTFS),
            best_relu.weights,
            np.zeros((1, 784)),
            options=EmulatorOptions(target="loihi"),
        )
    with pytest.raises(ConfigError, match="input tau"):
        MappingSettings(presentation_time=0.016, input_code="ttfs", input_tau=0.01)
    with pytest.raises(ConfigError, match="skip 0"):
        MappingSettings(**TTFS, skip=2)
    with pytest.raises(ConfigError, match="unknown input code"):
        MappingSettings(input_code="burst")
