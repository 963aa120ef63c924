"""Hostile options of the SpiNNaker commands (``python -m nengo_fashion.spinnaker``, ``.tune``,
``.board``), each case a row: one line naming the problem, the documented exit status, no
traceback, nothing replaced. They run in the main venv, where PyNN, Brian 2 and sPyNNaker are
absent (their commands then say how to get them); ``--simulator none`` needs only numpy and nir.
"""

import json
import shutil

import pytest

from .hostile import ROOT, Snapshot, assert_one_line_error, leftovers, run, run_and_signal

NIR = ROOT / "results" / "nir" / "best-relu" / "model.nir"
LIF_NIR = ROOT / "results" / "nir" / "best-lif" / "model.nir"
RUN = "nengo_fashion.spinnaker"
TUNE = "nengo_fashion.spinnaker.tune"
BOARD = "nengo_fashion.spinnaker.board"


@pytest.fixture
def work(tmp_path):
    """A copy of best-relu's NIR graph (the default output folder is the graph's), a text
    file, a tuning made on test, and an output folder with a result in it."""
    shutil.copy(NIR, tmp_path / "model.nir")
    (tmp_path / "notes.txt").write_text("not a graph\n")
    (tmp_path / "model-text.nir").write_text("HDF5? no\n")
    tuned = json.loads(
        (ROOT / "results" / "spinnaker" / "best-relu" / "spinnaker_tune.json").read_text()
    )
    (tmp_path / "on-test.json").write_text(json.dumps(dict(tuned, split="test")))
    (tmp_path / "broken.json").write_text(json.dumps({"best": {"steps": 30}, "split": "val"}))
    import h5py
    import nir
    import numpy as np

    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["weights"] = np.zeros(3)
    small = nir.read(str(NIR))
    small.nodes["fc1"] = nir.Affine(weight=np.zeros((64, 784), "f4"), bias=np.zeros(64, "f4"))
    nir.write(str(tmp_path / "small.nir"), small)
    (tmp_path / "done").mkdir()
    (tmp_path / "done" / "spinnaker.json").write_text('{"n_images": 10000}\n')
    (tmp_path / "done" / "spinnaker_tune.json").write_text('{"split": "val"}\n')
    return tmp_path


CASES = [
    # (id, module, argv with {w} for the work folder, words in the last line)
    ("no-nir", RUN, [], "--nir"),
    ("missing-nir", RUN, ["--nir", "{w}/absent.nir"], "no such NIR file"),
    ("nir-is-text", RUN, ["--nir", "{w}/model-text.nir", "--out", "{w}/o"], "not a NIR graph"),
    ("nir-is-a-folder", RUN, ["--nir", "{w}", "--out", "{w}/o"], "NIR"),
    ("hdf5-not-nir", RUN, ["--nir", "{w}/other.h5", "--out", "{w}/o"], "not a NIR graph"),
    ("wrong-shapes", RUN, ["--nir", "{w}/small.nir", "--out", "{w}/o"], "64"),
    ("lif-graph", RUN, ["--nir", str(LIF_NIR), "--out", "{w}/o"], "must be a NIR IF"),
    ("steps-1", RUN, ["--nir", "{w}/model.nir", "--steps", "1"], "--steps"),
    ("steps-huge", RUN, ["--nir", "{w}/model.nir", "--steps", "100000"], "--steps"),
    ("steps-text", RUN, ["--nir", "{w}/model.nir", "--steps", "ten"], "--steps"),
    ("scale-zero", RUN, ["--nir", "{w}/model.nir", "--threshold-scale", "0"], "--threshold-scale"),
    ("scale-nan", RUN, ["--nir", "{w}/model.nir", "--threshold-scale", "nan"], "--threshold-scale"),
    (
        "scale-huge",
        RUN,
        ["--nir", "{w}/model.nir", "--threshold-scale", "1e9"],
        "--threshold-scale",
    ),
    (
        "scale-overflows",
        RUN,
        ["--nir", "{w}/model.nir", "--threshold-scale", "4", "--simulator", "none"],
        "lower --threshold-scale",
    ),
    ("rate-too-high", RUN, ["--nir", "{w}/model.nir", "--input-rate", "5000"], "--input-rate"),
    ("simulator-unknown", RUN, ["--nir", "{w}/model.nir", "--simulator", "nest"], "--simulator"),
    ("split-train", RUN, ["--nir", "{w}/model.nir", "--split", "train"], "--split"),
    ("n-images-0", RUN, ["--nir", "{w}/model.nir", "--n-images", "0"], "--n-images"),
    (
        "tuned-and-steps",
        RUN,
        ["--nir", "{w}/model.nir", "--tuned", "{w}/on-test.json", "--steps", "20"],
        "--tuned",
    ),
    (
        "tuned-missing",
        RUN,
        ["--nir", "{w}/model.nir", "--tuned", "{w}/absent.json", "--out", "{w}/o"],
        "absent.json",
    ),
    (
        "tuned-on-test",
        RUN,
        ["--nir", "{w}/model.nir", "--tuned", "{w}/on-test.json", "--out", "{w}/o"],
        "choose on val",
    ),
    (
        "tuned-broken",
        RUN,
        ["--nir", "{w}/model.nir", "--tuned", "{w}/broken.json", "--out", "{w}/o"],
        "not a spinnaker_tune.json",
    ),
    (
        "out-exists",
        RUN,
        ["--nir", "{w}/model.nir", "--out", "{w}/done", "--simulator", "none"],
        "--overwrite",
    ),
    ("out-is-a-file", RUN, ["--nir", "{w}/model.nir", "--out", "{w}/notes.txt"], "notes.txt"),
    (
        "no-pynn-here",
        RUN,
        ["--nir", "{w}/model.nir", "--out", "{w}/o", "--n-images", "5"],
        "--with-spinnaker",
    ),
    ("tune-on-test", TUNE, ["--nir", "{w}/model.nir", "--split", "test"], "--report-on-test"),
    ("tune-steps-1", TUNE, ["--nir", "{w}/model.nir", "--steps", "1", "--out", "{w}/o"], "--steps"),
    (
        "tune-nothing-fits",
        TUNE,
        ["--nir", "{w}/model.nir", "--threshold-scale", "5", "--n-images", "20", "--out", "{w}/o"],
        "no mapping",
    ),
    ("tune-out-exists", TUNE, ["--nir", "{w}/model.nir", "--out", "{w}/done"], "--overwrite"),
    ("tune-lif", TUNE, ["--nir", str(LIF_NIR), "--out", "{w}/o"], "must be a NIR IF"),
    (
        "board-no-spynnaker-here",
        BOARD,
        ["--nir", "{w}/model.nir", "--out", "{w}/o"],
        "--with-spinnaker",
    ),
    (
        "board-cfg-missing",
        BOARD,
        ["--nir", "{w}/model.nir", "--cfg", "{w}/absent.cfg"],
        "absent.cfg",
    ),
    ("board-n-images", BOARD, ["--nir", "{w}/model.nir", "--n-images", "20000"], "--n-images"),
    (
        "board-tuned-broken",
        BOARD,
        ["--nir", "{w}/model.nir", "--tuned", "{w}/broken.json", "--out", "{w}/o"],
        "not a spinnaker_tune.json",
    ),
]


def _spinnaker_installed():
    try:
        import pyNN  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("case_id, module, argv, words", CASES, ids=[c[0] for c in CASES])
def test_bad_option_is_one_line_and_loses_nothing(work, case_id, module, argv, words):
    if "here" in case_id and _spinnaker_installed():
        pytest.skip("PyNN is installed in this venv")
    before = Snapshot(work, NIR)
    result = run(["-m", module, *[a.format(w=work) for a in argv]], timeout=120)
    assert_one_line_error(result, contains=words, max_seconds=60)
    before.assert_unchanged()
    assert not leftovers(work)


def test_executor_only_run_writes_then_refuses_to_replace(work):
    """``--simulator none`` needs no PyNN: it writes spinnaker.json; the same command again
    refuses to replace it, and ``--overwrite`` replaces it whole."""
    argv = [
        "-m",
        RUN,
        "--nir",
        f"{work}/model.nir",
        "--simulator",
        "none",
        "--n-images",
        "50",
        "--split",
        "val",
        "--out",
        f"{work}/fresh",
    ]
    first = run(argv, timeout=120)
    assert first.rc == 0, str(first)
    written = json.loads((work / "fresh" / "spinnaker.json").read_text())
    assert written["n_images"] == 50 and written["split"] == "val"
    assert "pynn_brian2" not in written and "executor_spinnaker" in written
    before = Snapshot(work / "fresh")
    again = run(argv, timeout=120)
    assert_one_line_error(again, contains="--overwrite")
    before.assert_unchanged()
    assert run([*argv, "--overwrite"], timeout=120).rc == 0
    assert not leftovers(work)


@pytest.mark.parametrize("sig, rc", [(2, 130), (15, 143)])
def test_interrupt_leaves_the_old_result_and_nothing_half_written(work, sig, rc):
    """Ctrl-C or SIGTERM during a run with ``--overwrite``: the old spinnaker.json stays whole."""
    before = Snapshot(work / "done")
    r = run_and_signal(
        [
            "-m",
            RUN,
            "--nir",
            f"{work}/model.nir",
            "--simulator",
            "none",
            "--out",
            f"{work}/done",
            "--overwrite",
        ],
        when=lambda so, se: "reporting on the test split" in so + se,
        sig=sig,
        timeout=120,
    )
    assert r.rc == rc, str(r)
    assert "Traceback" not in r.stderr, str(r)
    before.assert_unchanged()
    assert not leftovers(work)
