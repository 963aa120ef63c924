"""Hostile input, part 1: nothing of value is lost. Each row of a table is one way a command
could replace, delete or half-write a result; each is run as a real process (or, where a
precise moment is needed, in-process) and checked against the promises of
``docs/promises.md`` with the harness in ``tests/hostile.py``.

The other parts: ``test_hostile_values.py`` (bad values, damaged run folders),
``test_hostile_data.py`` (damaged data files), ``test_hostile_scheduler.py`` (bad cluster
addresses), ``test_hostile_gui.py`` (the GUI's network mode).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nengo_fashion import atomic
from nengo_fashion.errors import OutputError, RunError

from .hostile import ENV, ROOT, Snapshot, assert_one_line_error, leftovers, run, run_and_signal

RESULTS = ROOT / "results"
RUN = RESULTS / "best-relu"


@pytest.fixture
def run_copy(tmp_path):
    """A copy of a committed run folder with its committed outputs (loihi.json, ...)."""
    dest = tmp_path / "best-relu"
    shutil.copytree(RUN, dest)
    return dest


def _results_copy(tmp_path):
    dest = tmp_path / "results"
    shutil.copytree(RESULTS, dest, ignore=shutil.ignore_patterns("params.npz", "*.png", "nir"))
    return dest


# ---- 1. a result that exists is never replaced unless told (--overwrite) ----

# (id, argv with {run} and {tmp}, the file that must survive, words of the error)
EXISTING = [
    (
        "loihi-default-out",
        ["-m", "loihi", "--run", "{run}", "--n-images", "20"],
        "{run}/loihi.json",
        ("loihi.json", "already exists", "--overwrite"),
    ),
    (
        "loihi-tune-default-out",
        ["-m", "loihi.tune", "--run", "{run}", "--n-images", "20"],
        "{run}/loihi_tune.json",
        ("loihi_tune.json", "--overwrite"),
    ),
    (
        "sweep-default-out",
        ["-m", "nengo_fashion.studies.sweep", "--run", "{run}", "--n-images", "20"],
        "{run}/sweep.json",
        ("sweep.json", "--overwrite"),
    ),
    (
        "figures-default-out",
        ["-m", "nengo_fashion.studies.figures", "--run", "{run}", "--dt", "1", "--images", "2"],
        "{run}/per_image_best-relu_dt1_steps30_scale100.png",
        ("per_image", "--overwrite"),
    ),
    (
        "pareto-out",
        [
            "-m",
            "nengo_fashion.studies.pareto",
            "--run",
            "{run}",
            "--n-images",
            "20",
            "--out",
            "{tmp}/p",
        ],
        "{tmp}/p/pareto.json",
        ("pareto.json", "--overwrite"),
    ),
    (
        "export-out",
        ["-m", "nengo_fashion.export", "--run", "{run}", "--out", "{tmp}/nir"],
        "{tmp}/nir/model.nir",
        ("model.nir", "--overwrite"),
    ),
    (
        "search-smaller-run",
        ["-m", "nengo_fashion.studies.search", "--only", "thesis", "--epochs-scale", "0.1"]
        + ["--out", "{tmp}/s"],
        "{tmp}/s/recipe_search.json",
        ("recipe_search.json", "11 candidate", "--overwrite"),
    ),
    (
        "seeds-fewer-seeds",
        ["-m", "nengo_fashion.studies.seeds", "--seeds", "0", "--epochs", "1", "--n-train", "200"]
        + ["--out", "{tmp}/seeds"],
        "{tmp}/seeds/seeds.json",
        ("seeds", "--overwrite"),
    ),
    (
        "efficiency-out",
        ["-m", "nengo_fashion.studies.efficiency", "--results", str(RESULTS), "--out", "{tmp}/eff"],
        "{tmp}/eff/efficiency.json",
        ("efficiency.json", "--overwrite"),
    ),
    (
        "evaluate-json",
        ["-m", "nengo_fashion.evaluate", "--run", "{run}", "--n-images", "10", "--json"]
        + ["{tmp}/eval.json"],
        "{tmp}/eval.json",
        ("eval.json", "--overwrite"),
    ),
]


def _fill(x, run, tmp):
    return str(x).replace("{run}", str(run)).replace("{tmp}", str(tmp))


def _plant(path):
    """Put a result where the command would write (a copy of a committed one of its kind)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return
    sources = {
        "pareto.json": RESULTS / "pareto",
        "recipe_search.json": RESULTS / "recipe_search.json",
        "seeds.json": RESULTS / "seeds" / "best-relu" / "seeds.json",
        "efficiency.json": RESULTS / "efficiency" / "efficiency.json",
    }
    src = sources.get(path.name)
    if src is not None and src.is_file():
        shutil.copy(src, path)
    else:
        path.write_text(json.dumps({"planted": True}))


@pytest.mark.parametrize("case", EXISTING, ids=[c[0] for c in EXISTING])
def test_existing_result_is_not_replaced(case, run_copy, tmp_path):
    _, argv, keep, words = case
    keep = Path(_fill(keep, run_copy, tmp_path))
    _plant(keep)
    before = Snapshot(run_copy, keep.parent, RESULTS)
    r = run([_fill(a, run_copy, tmp_path) for a in argv], timeout=120)
    assert_one_line_error(r, contains=words, max_seconds=60)
    before.assert_unchanged()
    assert not leftovers(run_copy, keep.parent)


def test_overwrite_replaces_when_told(run_copy, tmp_path):
    old = (run_copy / "loihi.json").read_text()
    r = run(["-m", "loihi", "--run", run_copy, "--n-images", "20", "--overwrite", "--quiet"])
    assert r.rc == 0, str(r)
    assert json.loads((run_copy / "loihi.json").read_text())["n_images"] == 20
    assert (run_copy / "loihi.json").read_text() != old


# ---- 2. a typo in an input folder never reads as "no results" ----

REPORT = [
    ("write-typo", ["--write", "{readme}", "--results", "{tmp}/results-typo"], "does not exist"),
    ("check-typo", ["--check", "{readme}", "--results", "{tmp}/results-typo"], "does not exist"),
    ("write-empty", ["--write", "{readme}", "--results", "{tmp}/empty"], "no result files"),
    ("write-partial", ["--write", "{readme}", "--results", "{tmp}/partial"], "placeholders"),
    ("write-missing-file", ["--write", "{tmp}/nope.md"], "not found"),
    ("check-missing-file", ["--check", "{tmp}/nope.md"], "not found"),
    ("write-a-folder", ["--write", "{tmp}"], "cannot be read"),
]


@pytest.mark.parametrize("case", REPORT, ids=[c[0] for c in REPORT])
def test_report_refuses_bad_inputs(case, tmp_path):
    _, argv, words = case
    readme = tmp_path / "README.md"
    shutil.copy(ROOT / "README.md", readme)
    (tmp_path / "empty").mkdir()
    (tmp_path / "partial" / "x").mkdir(parents=True)
    (tmp_path / "partial" / "x" / "results.json").write_text("{}")
    before = Snapshot(readme)
    argv = [a.replace("{readme}", str(readme)).replace("{tmp}", str(tmp_path)) for a in argv]
    r = run(["-m", "tools.report", *argv], timeout=60)
    assert_one_line_error(r, contains=words, max_seconds=20)
    before.assert_unchanged()


@pytest.mark.parametrize("folder", ["missing", "empty"])
def test_efficiency_refuses_a_bad_results_folder(folder, tmp_path):
    (tmp_path / "empty").mkdir()
    r = run(["-m", "nengo_fashion.studies.efficiency", "--results", tmp_path / folder])
    assert_one_line_error(r, contains="--results", max_seconds=20)
    assert not (tmp_path / folder / "efficiency").exists()


# ---- 3. two commands writing the same run folder: one fails at once, nothing is lost ----


def test_two_trainings_of_one_name(fashion, tmp_path):
    argv = ["-m", "nengo_fashion.train", "--epochs", "1", "--n-train", "2000", "--quiet"]
    argv += ["--out", tmp_path, "--name", "same"]
    with open(tmp_path.parent / "first.log", "w") as log:
        first = subprocess.Popen(
            [sys.executable, *map(str, argv), "--seed", "1"],
            cwd=ROOT,
            env=ENV,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        lock = tmp_path / ".same.lock"
        while not lock.exists() and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert lock.exists(), "the training holds no lock on its run name"
        for extra in ([], ["--overwrite"]):  # a second one fails at once, told or not
            second = run([*argv, "--seed", "2", *extra], timeout=120)
            assert_one_line_error(second, contains=("being written", "same"), max_seconds=30)
        first.wait(timeout=300)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, (tmp_path.parent / "first.log").read_text()
    assert json.loads((tmp_path / "same" / "config.json").read_text())["seed"] == 1
    before = Snapshot(tmp_path / "same")
    third = run([*argv, "--seed", "3"], timeout=120)
    assert_one_line_error(third, contains=("already exists", "--overwrite"), max_seconds=30)
    before.assert_unchanged()
    assert not leftovers(tmp_path)
    assert not lock.exists()


def test_atomic_dir_never_replaces_a_folder_that_appeared(tmp_path):
    path = tmp_path / "run"
    with pytest.raises(RunError, match="appeared") as e:
        with atomic.atomic_dir(path) as tmp:
            (tmp / "weights").write_text("new")
            path.mkdir()
            (path / "weights").write_text("someone else's")
    assert (path / "weights").read_text() == "someone else's"
    kept = Path(str(e.value).rsplit(" ", 1)[-1])
    assert (kept / "weights").read_text() == "new"  # the finished work is kept, and named


def test_outputs_are_exclusive(tmp_path):
    outputs = atomic.Outputs(tmp_path, ["a.json"], overwrite=False)
    (tmp_path / "a.json").write_text("theirs")
    with pytest.raises(OutputError, match="appeared"):
        with outputs.staging() as stage:
            (stage / "a.json").write_text("mine")
    assert (tmp_path / "a.json").read_text() == "theirs"


# ---- 4. --out where folders cannot be made: refused before any work (also as root) ----

UNWRITABLE = [
    ("train", ["-m", "nengo_fashion.train", "--epochs", "1"]),
    (
        "seeds",
        ["-m", "nengo_fashion.studies.seeds", "--seeds", "0", "--epochs", "1", "--n-train", "200"],
    ),
    ("teacher", ["-m", "nengo_fashion.teacher", "--epochs", "1"]),
    ("export", ["-m", "nengo_fashion.export", "--run", str(RUN)]),
    ("figures", ["-m", "nengo_fashion.studies.figures", "--run", str(RUN)]),
    ("sweep", ["-m", "nengo_fashion.studies.sweep", "--run", str(RUN)]),
    ("loihi", ["-m", "loihi", "--run", str(RUN), "--n-images", "5"]),
    ("efficiency", ["-m", "nengo_fashion.studies.efficiency"]),
]
PLACES = [("proc", "/proc/nengo-fashion-x"), ("under-a-file", "{tmp}/a-file/sub")]


@pytest.mark.parametrize("place", PLACES, ids=[p[0] for p in PLACES])
@pytest.mark.parametrize("case", UNWRITABLE, ids=[c[0] for c in UNWRITABLE])
def test_out_that_cannot_be_made_fails_first(case, place, tmp_path):
    (tmp_path / "a-file").write_text("x")
    out = place[1].replace("{tmp}", str(tmp_path))
    before = Snapshot(RUN)
    r = run([*case[1], "--out", out], timeout=60)
    assert_one_line_error(r, contains="cannot be written", max_seconds=30)
    assert "training" not in r.stdout + r.stderr.rsplit("\n", 2)[0]
    before.assert_unchanged()


@pytest.mark.parametrize(
    "argv",
    [
        ["-m", "nengo_fashion.gui", "--run", str(RUN), "--screenshot", "/proc/x/gui.png"],
        ["-m", "tools.report", "--write", "/proc/nengo-fashion-x/README.md"],
    ],
    ids=["gui-screenshot", "report"],
)
def test_other_outputs_that_cannot_be_made(argv):
    r = run(argv, timeout=60)
    assert_one_line_error(r, max_seconds=30)


# ---- 5. Ctrl-C and SIGTERM leave nothing half-written, and the message is true ----


def test_interrupt_while_plotting_leaves_no_sweep_files(run_copy, tmp_path, monkeypatch):
    from nengo_fashion.commands import sweep as sweep_command
    from nengo_fashion.studies import sweep

    calls = []

    def plot_then_interrupt(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    real = sweep.plot_axis
    monkeypatch.setattr(sweep, "plot_axis", plot_then_interrupt)
    out = tmp_path / "sweep"
    argv = ["--run", str(run_copy), "--n-images", "20", "--out", str(out), "--quiet"]
    argv += ["--steps", "5", "10", "--dt", "0.001", "0.01"]
    assert sweep_command.main(argv) == 130
    assert len(calls) == 2
    assert not out.exists() or not [p for p in out.iterdir()], list(out.iterdir())


SIGNALS = [
    ("train-sigint", signal.SIGINT, 130, ["-m", "nengo_fashion.train", "--epochs", "6"]),
    ("train-sigterm", signal.SIGTERM, 143, ["-m", "nengo_fashion.train", "--epochs", "6"]),
    (
        "sweep-sigterm",
        signal.SIGTERM,
        143,
        ["-m", "nengo_fashion.studies.sweep", "--run", "{run}", "--steps", "5", "10", "20", "40"],
    ),
]


@pytest.mark.parametrize("case", SIGNALS, ids=[c[0] for c in SIGNALS])
def test_signals_leave_nothing_half_written(case, fashion, run_copy, tmp_path):
    _, sig, rc, argv = case
    out = tmp_path / "out"
    argv = [a.replace("{run}", str(run_copy)) for a in argv] + ["--out", out]
    before = Snapshot(run_copy)
    r = run_and_signal(
        argv,
        when=lambda so, se: " loss " in so + se or "sweep on" in so + se,
        sig=sig,
        timeout=240,
    )
    assert r.rc == rc, str(r)
    assert "Traceback" not in r.stderr, str(r)
    assert "no partial output" in r.stderr.strip().splitlines()[-1]
    before.assert_unchanged()
    assert not leftovers(out, run_copy), leftovers(out, run_copy)
    assert not out.exists() or not any(out.iterdir()), list(out.iterdir())


def test_sigterm_runs_the_same_clean_up_as_ctrl_c(tmp_path):
    """In-process: SIGTERM inside `run_cli` unwinds through `atomic_dir` like Ctrl-C."""
    from nengo_fashion.cli import run_cli

    def work():
        with atomic.atomic_dir(tmp_path / "run") as tmp:
            (tmp / "half").write_text("x")
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)

    assert run_cli(work) == 143
    assert list(tmp_path.iterdir()) == []


def _swallow_once(tmp_path):
    """A library that catches the first stop (a callback whose exception is only printed)."""
    with atomic.atomic_dir(tmp_path / "run") as tmp:
        (tmp / "half").write_text("x")
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
        except KeyboardInterrupt:
            pass
        time.sleep(5)  # the repeated signal ends this


def _swallow_always(tmp_path):
    """Work that finishes although it was asked to stop: complete, but not a success."""
    os.kill(os.getpid(), signal.SIGINT)
    for _ in range(40):
        try:
            time.sleep(0.05)
        except KeyboardInterrupt:
            pass


SWALLOWED = [
    # (id, work, exit status); nothing may be left in tmp_path
    ("swallowed-once-sigterm", _swallow_once, 143),
    ("swallowed-always-sigint", _swallow_always, 130),
]


@pytest.mark.parametrize("case", SWALLOWED, ids=[c[0] for c in SWALLOWED])
def test_swallowed_signal_still_stops(case, tmp_path, capsys):
    from nengo_fashion.cli import run_cli

    _, work, rc = case
    t0 = time.monotonic()
    assert run_cli(lambda: work(tmp_path)) == rc
    assert time.monotonic() - t0 < 4  # the repeat, not the sleep, ended it
    assert list(tmp_path.iterdir()) == []
    assert "no partial output" in capsys.readouterr().err.strip().splitlines()[-1]
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
