"""The "not clothing" check (issue 28): its scores on a tiny model, its files, predict's
answers with and without it, its set of pictures, and the committed study meeting its targets.
"""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import nengo_fashion as nf
from nengo_fashion.classify import reject
from nengo_fashion.errors import RunError
from nengo_fashion.studies.ood import fit, make

from .hostile import run

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "results" / "best-relu"


def tiny(thresholds=None):
    """A check on 4 hidden units: pixel mean 0, components the first two pixels, class 0 at
    the origin and the other nine at (1, 1, 0, 0)."""
    components = np.zeros((2, 784))
    components[0, 0] = components[1, 1] = 1.0
    return reject.Rejector(
        pixel_mean=np.zeros(784),
        components=components,
        class_means=np.array([[0.0, 0, 0, 0]] + [[1.0, 1, 0, 0]] * 9),
        precision=np.diag([1.0, 2.0, 1.0, 1.0]),
        thresholds=thresholds or {},
    )


def test_scores_of_a_tiny_check():
    blank = np.zeros((1, 784))
    dot = np.zeros((1, 784))
    dot[0, 30] = 0.5  # one pixel, half bright, away from the components' pixels
    hidden = np.array([[1.0, 1.0, 1.0, 0.0]])
    s = tiny().scores(np.concatenate([blank, dot]), np.concatenate([np.zeros((1, 4)), hidden]))
    assert s["contrast"].tolist() == [1.0, 0.5]
    assert s["ink"][0] == 1.0 and s["ink"][1] == pytest.approx(1 - 1 / 784)
    # a lone pixel of 0.5: 4 neighbour differences of 0.5 over a brightness of 0.5
    assert s["roughness"][0] == 0.0 and s["roughness"][1] == pytest.approx(4.0)
    # scaled to 1, off the components: its whole square remains
    assert s["pixels"].tolist() == [0.0, 1.0]
    # hidden (1, 1, 1, 0): classes 1-9 at distance 1 (the third unit), class 0 at 1 + 2 + 1
    assert s["hidden"].tolist() == [0.0, 1.0]
    r = tiny({"contrast": 0.75}).reject(np.concatenate([blank, dot]), np.zeros((2, 4)))
    assert r.tolist() == [True, False]
    r = tiny({"contrast": 0.75, "roughness": 3.0}).reject(
        np.concatenate([blank, dot]), np.zeros((2, 4))
    )
    assert r.tolist() == [True, True]


def test_fit_statistics_and_thresholds():
    rng = np.random.RandomState(0)

    class W:  # hidden = relu(x @ W.T + b), 3 units
        hidden_w = rng.normal(0, 1, (3, 784)).astype(np.float32)
        hidden_b = np.zeros(3, np.float32)

    x = rng.rand(200, 784).astype(np.float32)
    labels = np.arange(200) % 2
    r = fit.fit_statistics(W, x, labels, n_components=5)
    assert r.components.shape == (5, 784)
    assert np.allclose(r.components @ r.components.T, np.eye(5), atol=1e-8)
    h = reject.hidden_rates(W, x)
    assert np.allclose(r.class_means[1], h[labels == 1].mean(axis=0))
    # thresholds: clothes score low, the CHOOSE part high in one score only
    clothes = {k: rng.rand(1000) for k in reject.SCORES}
    photos = {k: rng.rand(1000) for k in reject.SCORES}
    choose = {k: rng.rand(100) for k in reject.SCORES}
    choose["ink"] = choose["ink"] + 1.0
    kinds = np.array(["a", "b"] * 50)
    t, trace = fit.choose_thresholds(clothes, photos, choose, kinds)
    assert "ink" in t and t["ink"] < 1.0 and trace
    caught = choose["ink"] > t["ink"]
    assert caught.all()
    for scores, most in ((clothes, fit.BUDGET["images"]), (photos, fit.BUDGET["photos"])):
        rejected = np.any([scores[k] > v for k, v in t.items()], axis=0)
        assert rejected.mean() <= most


def test_files_round_trip_and_damage(tmp_path):
    assert reject.load(tmp_path) is None  # a run without a check
    tiny({"contrast": 0.5}).save(tmp_path, {"family": "relu"})
    with pytest.raises(RunError, match="class_means"):
        reject.load(tmp_path)  # a 4-unit check against a 128-unit run
    back = reject.load(tmp_path, n_hidden=4)
    assert back.thresholds == {"contrast": 0.5}
    assert np.array_equal(back.precision, np.diag([1.0, 2.0, 1.0, 1.0]))
    (tmp_path / "ood.npz").write_bytes(b"not a zip")
    with pytest.raises(RunError, match="cannot be read"):
        reject.load(tmp_path, n_hidden=4)
    (tmp_path / "ood.json").write_text('{"thresholds": {"colour": 1}}')
    with pytest.raises(RunError, match="bad threshold"):
        reject.load(tmp_path, n_hidden=4)


@pytest.fixture(scope="module")
def checked_run(tmp_path_factory):
    """The default run with a check that rejects only the (near) blank: contrast > 0.5."""
    folder = tmp_path_factory.mktemp("run")
    for name in ("config.json", "weights.npz"):
        shutil.copy(RUN / name, folder / name)
    stats = reject.load(RUN)
    if stats is None:
        pytest.skip("results/best-relu has no check (run python -m nengo_fashion.studies.ood)")
    reject.Rejector(
        stats.pixel_mean, stats.components, stats.class_means, stats.precision, {"contrast": 0.5}
    ).save(folder, {"family": "relu"})
    Image.new("RGB", (60, 40), (255, 255, 255)).save(folder / "blank.png")
    return folder


def test_api_with_and_without_the_check(checked_run, fashion):
    boot = np.rint(fashion.test.images[0] * 255).astype(np.uint8).reshape(28, 28)
    pictures = np.stack([np.zeros((28, 28), np.uint8), boot])
    r = nf.load(checked_run).predict(pictures)
    assert r.not_clothing.tolist() == [True, False]
    assert r.names == ["not clothing", "Ankle boot"]
    assert r.nearest[0] == "Sandal" and r.labels[0] == 5  # the network's answer, kept
    assert r[0].not_clothing.tolist() == [True]
    entry = r.asdict()["images"][0]
    assert entry["not_clothing"] is True and entry["class"] == "not clothing"
    assert entry["nearest"] == "Sandal"
    off = nf.load(checked_run).predict(pictures, reject=False)
    assert off.not_clothing.tolist() == [False, False] and off.names[0] == "Sandal"
    assert np.array_equal(off.scores, r.scores)
    assert nf.load(checked_run, reject=False).rejector is None
    assert not nf.load(checked_run, reject=False).predict(pictures).not_clothing.any()


def test_command_with_and_without_the_check(checked_run, tmp_path):
    picture = checked_run / "blank.png"
    code = (
        "import sys\n"
        "from nengo_fashion.commands.predict import main\n"
        "code = main(sys.argv[1:])\n"
        "light = [m for m in ('nengo', 'numba', 'tensorflow') if m in sys.modules]\n"
        "assert not light, light\n"
        "sys.exit(code)\n"
    )
    out = tmp_path / "a.json"
    res = run(["-c", code, picture, "--run", checked_run, "--json", out], timeout=60)
    assert res.rc == 0, str(res)
    assert res.stdout.strip().endswith(": not clothing (nearest: Sandal 0.72)"), res.stdout
    entry = json.loads(out.read_text())["images"][0]
    assert entry["not_clothing"] is True and entry["class"] == "not clothing"
    res = run(["-c", code, picture, "--run", checked_run, "--no-reject", "--json", out,
               "--overwrite"], timeout=60)  # fmt: skip
    assert res.rc == 0, str(res)
    assert res.stdout.strip().endswith(": Sandal (0.72)"), res.stdout
    entry = json.loads(out.read_text())["images"][0]
    assert entry["not_clothing"] is False and entry["class"] == "Sandal"


def test_pictures_are_deterministic_and_parts_differ():
    for kind in make.KINDS:
        a = np.asarray(make.make_picture(1, "choose", kind, 3))
        b = np.asarray(make.make_picture(1, "choose", kind, 3))
        c = np.asarray(make.make_picture(1, "held-out", kind, 3))
        assert np.array_equal(a, b), kind
        assert a.shape != c.shape or not np.array_equal(a, c), kind


def test_committed_study_meets_its_targets():
    result = json.loads((ROOT / "results" / "ood" / "ood.json").read_text())
    target = result["target"]
    assert result["held_out"]["n"] >= 1000
    assert set(result["held_out"]["per_kind"]) == set(make.KINDS)
    assert result["held_out"]["not_clothing"] >= 0.90 == target["held_out"]
    assert result["test_images"]["n"] == 10000
    assert result["test_images"]["not_clothing"] <= 0.02 == target["test"]
    assert result["photos"]["n"] >= 1000
    assert result["photos"]["not_clothing"] <= 0.05 == target["photos"]
    assert result["photos"]["agreement_kept"] >= result["photos"]["agreement_all"] - 0.005
    assert all(target["met"].values())
    # the check the study wrote is the one the default run ships
    assert reject.load(RUN).thresholds == result["thresholds"]


def test_gui_marks_pictures_that_are_not_clothes(checked_run, fashion):
    from nengo_fashion.gui.app import mark_not_clothing

    pixels = np.stack([np.zeros((28, 28), np.float32), fashion.test.images[0].reshape(28, 28)])
    names, back = mark_not_clothing(checked_run, ["blank.png", "boot.png"], pixels)
    assert names == ["blank.png (not clothing)", "boot.png"] and back is pixels
