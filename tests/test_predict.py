"""The clothing-recognition API and ``python -m nengo_fashion.predict``.

- every accepted form of images gives the same answer, every refused one a one-line error;
- on test images, each mode predicts what the project's evaluation predicts, image by image:
  rate against NengoDL's rate network (what ``evaluate.evaluate_rate`` computes), spiking
  against `dl.run_spiking` with the run's settings (``evaluate.evaluate_spiking``), Loihi
  against ``python -m loihi``'s `loihi.run.run_loihi` with the run's chosen mapping;
- rate and spiking modes import neither TensorFlow nor NengoDL (rate mode not even Nengo);
- the command answers every readable file, one line per unreadable one, exit status 1.
"""

import hashlib
import json

import numpy as np
import pytest
from PIL import Image

import nengo_fashion as nf
from nengo_fashion import classify
from nengo_fashion.errors import ConfigError, RunError

from .hostile import assert_one_line_error, run

N_EQUAL = 300  # test images compared with evaluate, per mode


@pytest.fixture(scope="module")
def clf():
    return nf.load()


@pytest.fixture(scope="module")
def test_u8(fashion):
    return np.rint(fashion.test.images[:N_EQUAL].reshape(-1, 28, 28) * 255).astype(np.uint8)


@pytest.fixture(scope="module")
def pngs(tmp_path_factory, test_u8):
    """A folder with two test images saved as PNG."""
    folder = tmp_path_factory.mktemp("pngs")
    for i in range(2):
        Image.fromarray(test_u8[i], "L").save(folder / f"test{i}.png")
    return folder


def test_default_run_is_best_relu():
    # the packaged copy of results/best-relu (tests/test_package.py: byte for byte)
    assert classify.DEFAULT_RUN == "best-relu"
    packaged = classify.ROOT / "nengo_fashion" / "models" / "best-relu"
    assert nf.load().path == packaged
    assert nf.load("best-relu").path == packaged  # a packaged run's name
    assert nf.CLASS_NAMES[9] == "Ankle boot"


def test_accepted_forms_agree(clf, fashion, test_u8, pngs):
    x = fashion.test.images[:2]
    ref = clf.predict(x)
    assert ref.labels.tolist() == fashion.test.labels[:2].tolist()  # both right
    assert ref.names == [nf.CLASS_NAMES[i] for i in ref.labels]
    assert ref.scores.shape == (2, 10) and np.allclose(ref.scores.sum(axis=1), 1)
    assert ref.spike_counts is None
    forms = {
        "(N, 784) float": x,
        "(N, 28, 28) float": x.reshape(-1, 28, 28),
        "(N, 784) uint8": test_u8[:2].reshape(2, -1),
        "(N, 28, 28) uint8": test_u8[:2],
        "folder": pngs,
        "folder as str": str(pngs),
        "list of paths": [pngs / "test0.png", str(pngs / "test1.png")],
        "list of PIL images": [Image.open(pngs / "test0.png"), Image.open(pngs / "test1.png")],
    }
    for what, images in forms.items():
        r = clf.predict(images)
        assert np.array_equal(r.labels, ref.labels), what
        assert np.allclose(r.scores, ref.scores, atol=1e-12), what
    for what, image in {
        "(28, 28) uint8": test_u8[0],
        "(28, 28) float": x[0].reshape(28, 28),
        "path": pngs / "test0.png",
        "PIL image": Image.open(pngs / "test0.png"),
    }.items():
        r = clf.predict(image)
        assert r.labels.tolist() == ref.labels[:1].tolist(), what
    assert clf.predict(pngs).sources == (str(pngs / "test0.png"), str(pngs / "test1.png"))


@pytest.mark.parametrize(
    "images, words",
    [
        (3, "cannot classify an int (3)"),
        ({"a": 1}, "cannot classify a dict"),
        ([], "an empty list"),
        ([np.zeros((28, 28))], "item 0 of the list"),
        (np.zeros((3, 32, 32), np.uint8), "shape (3, 32, 32)"),
        (np.zeros((0, 784), np.float32), "shape (0, 784)"),
        (np.zeros((28, 28), np.int64), "uint8 (0-255) or float (0-1)"),
        (np.full((28, 28), 2.0), "in [0, 1]"),
        (np.full((28, 28), np.nan), "finite"),
        ("no/such/file.png", "no such file"),
    ],
)
def test_refused_forms_are_one_line_errors(clf, images, words):
    with pytest.raises(classify.InputError) as e:
        clf.predict(images)
    message = str(e.value)
    assert words in message and "\n" not in message, message
    if not isinstance(images, str):
        assert "expected" in message or "must" in message


def test_bad_options(clf, fashion, tmp_path):
    x = fashion.test.images[:1]
    with pytest.raises(ConfigError, match="mode must be one of"):
        clf.predict(x, mode="analog")
    with pytest.raises(ConfigError, match="spiking and loihi"):
        clf.predict(x, steps=8)
    with pytest.raises(ConfigError, match="errors must be"):
        clf.predict(x, errors="ignore")
    with pytest.raises(RunError, match="not found"):
        nf.load(tmp_path / "nothing")


def test_no_preprocess_needs_28x28(clf, tmp_path):
    Image.new("RGB", (64, 48), "white").save(tmp_path / "big.png")
    with pytest.raises(classify.InputError, match="only 28 x 28"):
        clf.predict(tmp_path / "big.png", preprocess=False)
    r = clf.predict(tmp_path / "big.png", preprocess=False, errors="skip")
    assert len(r) == 0 and "only 28 x 28" in r.failed[0][1]


def test_rate_forward_is_weights_forward(clf, fashion):
    """The Nengo-free ReLU forward pass is `Weights.forward`, to the bit."""
    x = fashion.test.images
    assert np.array_equal(clf.rate_logits(x), clf.weights.forward(x, "relu"))


def test_rate_equals_evaluate(clf, fashion):
    """``evaluate.evaluate_rate`` runs NengoDL's rate network (`dl.rate_logits`)."""
    from nengo_fashion.inference.dl import rate_logits
    from nengo_fashion.inference.engine import evaluate_rate

    split = fashion.test.subset(N_EQUAL)
    ours = clf.predict(split.images)
    theirs = rate_logits(clf.weights, clf.family, split.images).argmax(axis=1)
    assert np.array_equal(ours.labels, theirs)
    acc = evaluate_rate(clf.weights, clf.family, split)["accuracy"]
    assert np.mean(ours.labels == split.labels) == acc


@pytest.mark.parametrize("steps", [None, 8])
def test_spiking_equals_evaluate(clf, fashion, steps):
    """``evaluate.evaluate_spiking`` calls `dl.run_spiking` with the run's settings."""
    from nengo_fashion.inference.engine import evaluate_spiking, run_spiking
    from nengo_fashion.runs import load_run

    split = fashion.test.subset(N_EQUAL)
    run_ = load_run(clf.path)
    settings = run_.config.spiking
    if steps is not None:
        import dataclasses

        settings = dataclasses.replace(settings, steps=steps)
    ours = clf.predict(split.images, mode="spiking", steps=steps)
    assert ours.settings == settings.asdict()
    theirs = run_spiking(run_.weights, run_.config.neuron, split.images, settings)
    assert np.array_equal(ours.labels, theirs.predictions)
    assert np.array_equal(ours.spike_counts, theirs.spikes_per_image)
    acc = evaluate_spiking(run_.weights, run_.config.neuron, split, settings)["accuracy"]
    assert np.mean(ours.labels == split.labels) == acc


def test_loihi_equals_python_m_loihi(clf, fashion, tmp_path):
    """``python -m loihi``'s `run_loihi` with the mapping of the run's loihi.json."""
    pytest.importorskip("nengo_loihi")
    from loihi.mapping import MappingSettings
    from loihi.run import LoihiRunConfig, run_loihi
    from loihi.simulation import EmulatorOptions

    n = 40
    saved = json.loads((clf.path / "loihi.json").read_text())["settings"]
    fields = MappingSettings.__dataclass_fields__
    mapping = MappingSettings(**{k: v for k, v in saved.items() if k in fields})
    ours = clf.predict(fashion.test.images[:n], mode="loihi")
    assert ours.settings == mapping.asdict()
    options = EmulatorOptions(processes=1)
    config = LoihiRunConfig(clf.path, mapping, options, n_images=n, out=tmp_path)
    theirs = run_loihi(config, log=lambda *a: 0)
    digest = hashlib.sha1(ours.labels.astype(np.int8).tobytes()).hexdigest()
    assert digest == theirs["predictions_sha1"]
    assert np.isclose(ours.spike_counts.mean(), theirs["spikes_per_image"])


@pytest.mark.parametrize("mode", ["rate", "spiking"])
def test_no_tensorflow_in_rate_and_spiking(pngs, mode):
    code = (
        "import sys\n"
        "import nengo_fashion as nf\n"
        "r = nf.load().predict(sys.argv[1], mode=sys.argv[2])\n"
        "heavy = [m for m in ('tensorflow', 'nengo_dl', 'nengo_loihi') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "if sys.argv[2] == 'rate':\n"
        "    light = [m for m in ('nengo', 'numba', 'matplotlib') if m in sys.modules]\n"
        "    assert not light, light\n"
        "print(r.names[0])\n"
    )
    res = run(["-c", code, pngs / "test0.png", mode], timeout=60)
    assert res.rc == 0, str(res)
    assert res.stdout.strip() == nf.CLASS_NAMES[9]
    res = run(["-c", "import sys, nengo_fashion; assert 'tensorflow' not in sys.modules"])
    assert res.rc == 0, str(res)


def test_cli_partial_failures(pngs, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for name in ("test0.png", "test1.png"):
        (folder / name).write_bytes((pngs / name).read_bytes())
    (folder / "empty.png").write_bytes(b"")
    (folder / "notes.png").write_text("this is text, not a picture\n")
    res = run(["-m", "nengo_fashion.predict", folder], timeout=60)
    assert_one_line_error(res, contains="2 of 4 files", rc=1)
    lines = res.stdout.splitlines()
    assert lines == [
        f"{folder / 'test0.png'}: Ankle boot (0.99)",
        f"{folder / 'test1.png'}: Pullover (1.00)",
    ], res.stdout
    skipped = [line for line in res.stderr.splitlines() if line.startswith("skipped")]
    assert len(skipped) == 2
    assert "empty.png: empty file" in skipped[0]
    assert "notes.png: not an image" in skipped[1]
    assert list(folder.iterdir()) and not list(tmp_path.glob("*.json"))  # nothing written


def test_cli_spiking_top_and_json(pngs, tmp_path):
    out = tmp_path / "answers.json"
    argv = ["-m", "nengo_fashion.predict", "--mode", "spiking", "--steps", "8", "--top", "3"]
    res = run([*argv, "--json", out, pngs / "test0.png"], timeout=60)
    assert res.rc == 0, str(res)
    line = res.stdout.strip()
    assert line.startswith(f"{pngs / 'test0.png'}: Ankle boot (") and line.count("(") == 3
    assert line.endswith(" spikes")
    answers = json.loads(out.read_text())
    assert answers["mode"] == "spiking" and answers["settings"]["steps"] == 8
    (entry,) = answers["images"]
    assert entry["class"] == "Ankle boot" and len(entry["top"]) == 10 and entry["hidden_spikes"] > 0
    before = out.read_bytes()
    res = run([*argv, "--json", out, pngs / "test1.png"], timeout=60)
    assert_one_line_error(res, contains="--overwrite", rc=2)
    assert out.read_bytes() == before
    res = run([*argv, "--json", out, "--overwrite", pngs / "test1.png"], timeout=60)
    assert res.rc == 0 and json.loads(out.read_text())["images"][0]["class"] == "Pullover"


def test_cli_errors_are_one_line(pngs, tmp_path):
    png = pngs / "test0.png"
    cases = [
        (["--top", "11", png], "--top"),
        (["--steps", "8", png], "--steps"),
        (["--mode", "analog", png], "--mode"),
        (["--run", tmp_path / "none", png], "not found"),
        (["--json", tmp_path, png], "is a folder"),
    ]
    for argv, words in cases:
        res = run(["-m", "nengo_fashion.predict", *argv], timeout=60)
        assert_one_line_error(res, contains=words, rc=2)
    res = run(["-m", "nengo_fashion.predict", "--help"])
    assert res.rc == 0 and "best-relu" in res.stdout


def test_python_api_docstring_example(clf, fashion):
    r = clf.predict(fashion.test.images[:3], mode="spiking", steps=8)
    assert len(r.labels) == len(r.names) == len(r.scores) == len(r.spike_counts) == 3
    assert r.top(2)[0][0][0] == r.names[0]


def test_prediction_is_a_short_sequence_of_pictures(clf, fashion, pngs):
    """``repr`` lists classes and scores (never pixels), indexing and iteration give the
    pictures one by one, and a `Classifier` is callable."""
    r = clf(fashion.test.images[:12])  # __call__ is predict
    assert r.labels.tolist() == clf.predict(fashion.test.images[:12]).labels.tolist()
    text = repr(r)
    assert len(text.splitlines()) == 1 + classify.prediction.REPR_LINES + 1 and len(text) < 400
    assert "array[0]: Ankle boot (0.99)" in text and "... and 7 more" in text
    one = r[0]
    assert isinstance(one, classify.Prediction) and len(one) == 1
    assert one.images.shape == (1, 28, 28) and one.scores.shape == (1, 10)
    assert (one.source, one.label, one.name) == ("array[0]", 9, "Ankle boot")
    assert one.score == pytest.approx(r.scores[0, 9])
    assert repr(one) == "<Prediction of 1 picture, rate mode, run best-relu:\n" + (
        "  array[0]: Ankle boot (0.99)>"
    )
    assert [p.name for p in r] == r.names and len(list(r)) == len(r) == 12
    assert r[-1].source == "array[11]" and r[2:5].sources == ("array[2]", "array[3]", "array[4]")
    mask = r.labels == 1
    assert r[mask].names == ["Trouser"] * int(mask.sum())
    assert r[[3, 0]].sources == ("array[3]", "array[0]") and len(r[[]]) == 0
    with pytest.raises(IndexError):
        r[12]
    for key in ("0", 1.0, None, True):
        with pytest.raises(TypeError, match="indices"):
            r[key]
    with pytest.raises(ValueError, match="no single name"):
        _ = r.name
    big = clf(np.repeat(fashion.test.images[:1], 2000, axis=0))
    assert len(repr(big)) < 400  # not the pixels (a one-picture repr was 11,341 characters)
    s = clf([pngs / "test0.png", pngs / "test1.png"], mode="spiking", steps=8)
    assert repr(s[1]).endswith(f"Pullover (1.00); {s.spike_counts[1]:.0f} spikes>")
    assert s[1].spike_counts.tolist() == [s.spike_counts[1]] and s[1].settings == s.settings


def test_nf_predict_is_a_function(fashion):
    """``nf.predict`` is the one-call function, also after ``python -m nengo_fashion.predict``
    has run (its module is a thin entry, which sets no attribute on the package)."""
    r = nf.predict(fashion.test.images[:2], mode="spiking", steps=8)
    assert r.names == ["Ankle boot", "Pullover"] and r.mode == "spiking"
    assert nf.predict(fashion.test.images[:2], "best-relu").run == str(nf.load("best-relu").path)
    code = (
        "import runpy, sys, types\n"
        "import nengo_fashion as nf\n"
        "assert isinstance(nf.predict, types.FunctionType), nf.predict\n"
        "import nengo_fashion.classify, nengo_fashion.commands.predict\n"
        "sys.argv = ['predict', '--help']\n"
        "try:\n"
        "    runpy.run_module('nengo_fashion.predict', run_name='__main__', alter_sys=True)\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
        "assert isinstance(nf.predict, types.FunctionType), nf.predict\n"
        "assert 'nengo_fashion.predict' not in sys.modules\n"
        "print('function')\n"
    )
    res = run(["-c", code], timeout=60)
    assert res.rc == 0 and res.stdout.strip().endswith("function"), str(res)
