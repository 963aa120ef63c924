"""Distillation: the teacher, the loss against hand-computed values, a tiny end-to-end run."""

import json
import math

import numpy as np
import pytest

from nengo_fashion import runs
from nengo_fashion.commands import teacher as teacher_cli
from nengo_fashion.commands import train
from nengo_fashion.config import make_config
from nengo_fashion.errors import ConfigError, DataError
from nengo_fashion.images import augment
from nengo_fashion.teacher import TeacherConfig, load_teacher, predict_logits
from nengo_fashion.teacher.distill import augmented_copy, label_loss, soft_loss, teacher_pool

from . import margins
from .hostile import one_line_error


def _keras_loss(fn, y_true, y_pred):
    import tensorflow as tf

    return fn(tf.constant(y_true, tf.float32), tf.constant(y_pred, tf.float32)).numpy()


def test_soft_loss_hand_value():
    # student logits s = (1, 2, 0), teacher t = (2, 0, 1), T = 2, alpha = 0.3:
    # softmax(t / 2) = e^(1, 0, 0.5) / 5.36700 = (0.50648, 0.18632, 0.30720)
    # softmax(s / 2) = e^(0.5, 1, 0) / 5.36700 = (0.30720, 0.50648, 0.18632)
    # KL = sum p_t log(p_t / p_s) = 0.25324 - 0.18632 + 0.15360 = 0.22052
    # loss = 0.3 * 2**2 * KL = 0.26462
    y_pred = np.array([[[1.0, 2.0, 0.0]] * 2])  # 2 steps, the readout is their mean
    y_true = np.array([[[2.0, 0.0, 1.0]] * 2])
    loss = _keras_loss(soft_loss(0.3, 2.0, "mean"), y_true, y_pred)
    assert loss.shape == (1,)
    assert loss[0] == pytest.approx(0.26462, abs=2e-5)
    # the same logits give no soft loss
    assert _keras_loss(soft_loss(1.0, 4.0, "last"), y_true, y_true)[0] == pytest.approx(0, abs=1e-6)


def test_label_loss_hand_value():
    # s = (1, 2, 0), label 1, smoothing 0.3: target = (0.1, 0.8, 0.1);
    # log softmax(s) = (1, 2, 0) - log(e + e^2 + 1) = (-1.40761, -0.40761, -2.40761)
    # CE = 0.1 * 1.40761 + 0.8 * 0.40761 + 0.1 * 2.40761 = 0.70761; weight 0.7 -> 0.49533
    y_pred = np.array([[[1.0, 2.0, 0.0]]])
    y_true = np.array([[[1.0]]])
    assert _keras_loss(label_loss(0.7, 0.3, "last"), y_true, y_pred)[0] == pytest.approx(
        0.7 * (0.1 * 1.40761 + 0.8 * 0.40761 + 0.1 * 2.40761), abs=1e-5
    )
    log_z = math.log(math.e + math.e**2 + 1)
    assert _keras_loss(label_loss(1.0, 0.0, "last"), y_true, y_pred)[0] == pytest.approx(
        log_z - 2, abs=1e-5
    )


def test_shift_and_flip():
    rng = np.random.RandomState(0)
    x = np.zeros((200, 784), np.float32)
    x[:, 14 * 28 + 14] = 1  # one pixel in the middle: every shift keeps it
    shifted = augment.shift(x, rng).reshape(-1, 28, 28)
    rows, cols = np.nonzero(shifted.sum(0))
    assert shifted.sum() == 200 and set(rows) == set(range(12, 17)) == set(cols)
    # flip_half mirrors about half the images and leaves the others as they were
    images = np.random.RandomState(2).rand(200, 784).astype(np.float32)
    flipped = augment.flip_half(images, rng).reshape(-1, 28, 28)
    same = (flipped == images.reshape(-1, 28, 28)).all(axis=(1, 2))
    mirrored = (flipped == images.reshape(-1, 28, 28)[:, :, ::-1]).all(axis=(1, 2))
    assert (same ^ mirrored).all()  # each one or the other (random pixels: never both)
    assert 70 <= mirrored.sum() <= 130  # binomial(200, 1/2): 100 +- 7
    images = np.random.RandomState(1).rand(10, 784).astype(np.float32)
    a = augmented_copy("shift-flip", images, 3, 1)
    assert np.array_equal(a, augmented_copy("shift-flip", images, 3, 1))
    assert not np.array_equal(a, augmented_copy("shift-flip", images, 3, 2))


@pytest.fixture(scope="module")
def distilled(fashion, tmp_path_factory):
    return margins.distill_tiny(fashion, tmp_path_factory.mktemp("kd"), seed=0)


def test_teacher_to_student_end_to_end(distilled, fashion):
    """The flow: a teacher run folder, its cached logits, a student that used them."""
    student, results = distilled
    teacher = student.parent / "t"
    t_results = json.loads((teacher / "results.json").read_text())
    assert {"val_acc", "test_acc", "model", "history", "config"} <= set(t_results)
    # numbers only: weights.npz and config.json, no model file that could run code
    assert t_results["model"] == "weights.npz"
    assert {p.name for p in teacher.iterdir()} <= {
        "config.json",
        "weights.npz",
        "results.json",
        "training_curve.png",
        "logits_cache",
    }
    model, _ = load_teacher(teacher)
    assert model.predict(fashion.val.images[:5], verbose=0).shape == (5, 10)
    assert results["config"]["teacher"] == str(teacher)
    info = results["history"]["teacher"]
    assert info["seconds_per_copy"] > 0
    assert len(list((teacher / "logits_cache").glob("*.npz"))) == 1
    # the student's run folder is an ordinary one
    assert set(runs.RESULTS_KEYS) <= set(results)
    assert runs.load_run(student).config.teacher == str(teacher)
    # (how well it learns is test_student_follows_its_teacher's: a teacher this tiny,
    # 2 epochs on 1,280 images, is not one to follow)


@pytest.fixture(scope="module")
def committed_teacher():
    if not (margins.COMMITTED_TEACHER / "weights.npz").exists():
        pytest.skip("results/teacher not committed")
    return margins.COMMITTED_TEACHER


def test_committed_teacher_scores_as_recorded(fashion, committed_teacher):
    """The committed teacher, converted from an older version's model.keras to
    weights.npz, classifies the validation split exactly as its results.json says."""
    model, results = load_teacher(committed_teacher)
    assert results["model"] == "weights.npz"
    assert not (committed_teacher / "model.keras").exists()
    logits = predict_logits(model, fashion.val.images)
    assert np.mean(logits.argmax(1) == fashion.val.labels) == results["val_acc"]


def test_student_follows_its_teacher(fashion, committed_teacher, tmp_path):
    """Distillation moves the student's soft outputs towards the teacher's.

    The same tiny student (thesis recipe, 2 epochs on 1,280 images) distilled from the
    committed teacher, trained with no teacher, and fed garbage: the teacher's logits of
    other images (`margins.shuffled_teacher_pool`). On the 5,000 validation images, over
    seeds 0-2 (python -m tests.margins, margins.distill_controls), KL(teacher || student)
    at T 4 over the no-teacher student's: distilled 0.625-0.647, garbage 1.52-1.54;
    accuracy minus the no-teacher student's: distilled -0.050..-0.038 (soft targets slow
    such a short training), garbage -0.30..-0.19.
    """
    r = margins.distill_controls(fashion, tmp_path, seed=0, teacher=committed_teacher)
    kl = {k: r[k]["kl"] / r["no_teacher"]["kl"] for k in ("distilled", "garbage")}
    acc = {k: r[k]["acc"] - r["no_teacher"]["acc"] for k in ("distilled", "garbage")}
    assert kl["distilled"] < 0.8, (kl, acc)
    assert acc["distilled"] > -0.1, (kl, acc)
    # the garbage control fails both, as a broken soft loss would
    assert kl["garbage"] > 1.0 and acc["garbage"] < -0.1, (kl, acc)


def test_teacher_pool_is_cached(distilled, fashion):
    student, _ = distilled
    teacher = student.parent / "t"
    images = fashion.train.images[:1280]
    logits, info = teacher_pool(
        teacher, images, augment_name="shift-flip", seed=0, copies=2, log=lambda s: None
    )
    assert info["cached"] and logits.shape == (2, 1280, 10)
    model, _ = load_teacher(teacher)
    again = model.predict(augmented_copy("shift-flip", images, 0, 1), verbose=0)
    np.testing.assert_allclose(logits[1], again, atol=1e-4)


def test_distill_errors(capsys, tmp_path):
    err = one_line_error(capsys, ["--recipe", "distill", "--out", str(tmp_path)], train.main)
    assert "needs a teacher" in err and "--teacher" in err
    err = one_line_error(
        capsys,
        ["--recipe", "distill", "--teacher", str(tmp_path / "nope"), "--out", str(tmp_path)],
        train.main,
    )
    assert "not a teacher run folder" in err and "python -m nengo_fashion.teacher" in err
    with pytest.raises(ConfigError, match="kd_alpha"):
        make_config(kd_alpha=1.5)
    with pytest.raises(ConfigError, match="kd_temperature"):
        make_config(kd_temperature=0.0)
    # an older version's model.keras is never read (tests/test_hostile_security.py)
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "model.keras").write_bytes(b"not a model")
    with pytest.raises(DataError, match="old or unsafe model format and is not loaded"):
        load_teacher(tmp_path / "old")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "config.json").write_text(json.dumps(TeacherConfig().asdict()))
    (tmp_path / "bad" / "weights.npz").write_bytes(b"not a model")
    with pytest.raises(DataError, match="weights.npz is not a weights archive"):
        load_teacher(tmp_path / "bad")


@pytest.mark.parametrize(
    "argv, match",
    [
        (["--epochs", "0"], "--epochs: must be >= 1"),
        (["--augment", "rotate"], "--augment: invalid choice"),
        (["--lr", "0"], "--lr: must be > 0"),
    ],
)
def test_teacher_cli_errors(argv, match, capsys, tmp_path):
    err = one_line_error(capsys, argv + ["--out", str(tmp_path)], teacher_cli.main)
    assert match in err
    assert list(tmp_path.iterdir()) == []


def test_teacher_config_validation():
    with pytest.raises(ConfigError, match="dropout"):
        TeacherConfig(dropout=1.0)
    with pytest.raises(ConfigError, match="augment"):
        TeacherConfig(augment="rotate")
