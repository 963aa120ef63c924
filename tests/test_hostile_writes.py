"""Hostile input, part 6: where results go and what they say. Each row of a table is one way
a command could write outside ``--out``, lose a finished run to a full disk, compute in
float32 beyond its range, leave a killed command's folders behind, or hide what it did;
checked against ``docs/promises.md`` with the harness in ``tests/hostile.py``.
"""

import contextlib
import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from nengo_fashion import atomic
from nengo_fashion.config import DT_RANGE, SCALE_RANGE, SpikeSettings
from nengo_fashion.errors import ConfigError, OutputError

from .conftest import make_idx_dir
from .hostile import ENV, ROOT, Snapshot, assert_one_line_error, leftovers, run, run_and_signal

RUN = ROOT / "results" / "best-relu"
TRAIN_TINY = ["--epochs", "1", "--n-train", "256", "--batch-size", "32", "--quiet"]


@pytest.fixture
def run_copy(tmp_path):
    dest = tmp_path / "best-relu"
    shutil.copytree(RUN, dest)
    return dest


# ---- 3. --name names one folder inside --out, nothing else ----

# (id, --name, words of the error)
NAMES = [
    ("dot", ".", ("names a folder itself",)),
    ("dot-dot", "..", ("names a folder itself",)),
    ("parent", "../victim", ("path separator",)),
    ("absolute", "/tmp/elsewhere", ("path separator",)),
    ("nested", "a/b", ("path separator",)),
    ("empty", "", ("empty",)),
    ("hidden", ".x", ("starts with a dot",)),
    ("newline", "a\nb", ("control character",)),
    ("too-long", "n" * 201, ("longer than 200",)),
]


@pytest.fixture
def out_with_neighbours(tmp_path):
    """``--out`` holding two runs and a notes file, and a folder beside it."""
    out = tmp_path / "out"
    for name in ("run-a", "run-b"):
        (out / name).mkdir(parents=True)
        (out / name / "weights.npz").write_bytes(b"keep")
    (out / "notes.txt").write_text("keep")
    (tmp_path / "victim").mkdir()
    (tmp_path / "victim" / "file").write_text("keep")
    return out


@pytest.mark.parametrize("overwrite", [False, True], ids=["plain", "overwrite"])
@pytest.mark.parametrize("case", NAMES, ids=[c[0] for c in NAMES])
def test_a_bad_name_is_refused_before_training(case, overwrite, out_with_neighbours, tmp_path):
    _, name, words = case
    before = Snapshot(tmp_path)
    argv = ["-m", "nengo_fashion.train", "--out", out_with_neighbours, "--name", name]
    r = run(argv + TRAIN_TINY + (["--overwrite"] if overwrite else []), timeout=60)
    assert_one_line_error(r, contains=("--name", *words), max_seconds=30)
    before.assert_unchanged()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "victim"]


# the commands other than train that take --name, and the library functions
OTHER_NAMES = [
    ("teacher", ["-m", "nengo_fashion.teacher", "--out", "{tmp}", "--name", "..", "--epochs", "1"]),
    ("finetune", ["-m", "loihi.finetune", "--run", str(RUN), "--out", "{tmp}", "--name", "../x"]),
]


@pytest.mark.parametrize("case", OTHER_NAMES, ids=[c[0] for c in OTHER_NAMES])
def test_other_commands_check_the_name(case, tmp_path):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in case[1]]
    r = run(argv, timeout=60)
    assert_one_line_error(r, contains=("--name",), max_seconds=30)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("case", NAMES, ids=[c[0] for c in NAMES])
def test_the_library_checks_the_name_too(case, tmp_path):
    with pytest.raises(ConfigError, match="--name"):
        atomic.child_folder(tmp_path, case[1])
    assert atomic.child_folder(tmp_path, "run-1") == tmp_path / "run-1"


# ---- 4. a full disk does not lose a finished training ----


@contextlib.contextmanager
def small_tmpfs(folder, size="600k"):
    """A tmpfs of ``size`` at ``folder`` (root only); skip where mounting is not allowed."""
    folder.mkdir()
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True
    )
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.decode().strip()[:80]})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _rescued(stderr):
    line = stderr.strip().splitlines()[-1]
    assert "saved to " in line, line
    return Path(line.split("saved to ")[1].split(":")[0])


# (id, extra argv); --out is the full disk
FULL_DISK = [
    ("train", ["-m", "nengo_fashion.train", "--name", "r", *TRAIN_TINY]),
    (
        "teacher",
        ["-m", "nengo_fashion.teacher", "--name", "r", "--epochs", "1", "--n-train", "256"],
    ),
    ("train-overwrite", ["-m", "nengo_fashion.train", "--name", "old", "--overwrite", *TRAIN_TINY]),
    (
        "seeds",
        ["-m", "nengo_fashion.studies.seeds", "--seeds", "0", "--epochs", "1", "--n-train", "256"],
    ),
]


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
@pytest.mark.parametrize("case", FULL_DISK, ids=[c[0] for c in FULL_DISK])
def test_a_full_disk_keeps_the_finished_run(case, fashion, tmp_path):
    with small_tmpfs(tmp_path / "disk") as disk:
        old = disk / "old"
        old.mkdir()
        (old / "weights.npz").write_bytes(b"old run")
        r = run([*case[1], "--out", disk], timeout=240)
        assert_one_line_error(r, contains=("no space", "saved to"))
        rescue = _rescued(r.stderr)
        try:
            files = {p.name for p in rescue.rglob("*")}
            assert {"weights.npz", "config.json", "results.json"} <= files, files
            assert (old / "weights.npz").read_bytes() == b"old run"  # the old run stays
            assert not leftovers(disk), leftovers(disk)
        finally:
            shutil.rmtree(rescue, ignore_errors=True)


# commands whose work is quick to redo: one line, nothing half-written, no crash
FULL_DISK_QUICK = [
    ("export", ["-m", "nengo_fashion.export", "--run", str(RUN)]),
]


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
@pytest.mark.parametrize("case", FULL_DISK_QUICK, ids=[c[0] for c in FULL_DISK_QUICK])
def test_a_full_disk_is_one_line(case, tmp_path):
    with small_tmpfs(tmp_path / "disk", size="100k") as disk:
        r = run([*case[1], "--out", disk], timeout=120)
        assert_one_line_error(r, contains=("no space",))
        assert list(disk.iterdir()) == []


def test_fill_folder_rescues_on_any_disk_error(tmp_path, monkeypatch):
    """In-process, on any machine: the first write fails as a full disk would."""
    monkeypatch.setenv("TMPDIR", str(tmp_path / "spare"))
    (tmp_path / "spare").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", None)
    calls = []

    def write(folder):
        calls.append(folder)
        if len(calls) == 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        atomic.write_json(folder / "results.json", {"ok": 1}, rescue=False)

    with pytest.raises(OutputError, match="No space left on device.*saved to") as e:
        with atomic.atomic_dir(tmp_path / "out" / "run") as tmp:
            atomic.fill_folder(tmp, write, tmp_path / "out" / "run")
    rescue = Path(str(e.value).split("saved to ")[1].split(":")[0])
    assert json.loads((rescue / "results.json").read_text()) == {"ok": 1}
    assert rescue.parent == tmp_path / "spare"
    assert list((tmp_path / "out").iterdir()) == []  # no run, no temporary folder


def test_a_failed_commit_puts_the_old_run_back(tmp_path, monkeypatch):
    """The rename of the new run fails after the old one was moved aside."""
    path = tmp_path / "run"
    path.mkdir()
    (path / "weights.npz").write_bytes(b"old")
    real = os.replace

    def replace(src, dst):
        if Path(dst) == path and ".tmp" in str(src):
            raise OSError(errno.EIO, "Input/output error")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setenv("TMPDIR", str(tmp_path / "spare"))
    (tmp_path / "spare").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", None)
    with pytest.raises(OutputError, match="saved to"):
        with atomic.atomic_dir(path, overwrite=True) as tmp:
            (tmp / "weights.npz").write_bytes(b"new")
    assert (path / "weights.npz").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "spare"]


# ---- 6. numbers beyond float32's range are refused ----

BOUNDS = [
    ("scale-huge", ["--scale", "1e39"], "scale"),
    ("scale-tiny", ["--scale", "1e-39"], "scale"),
    ("dt-tiny", ["--dt", "1e-50"], "dt"),
    ("dt-huge", ["--dt", "1e6"], "dt"),
]
BOUND_COMMANDS = [
    ("evaluate", ["-m", "nengo_fashion.evaluate", "--run", "{run}", "--json", "{tmp}/e.json"]),
    ("loihi", ["-m", "loihi", "--run", "{run}", "--out", "{tmp}"]),
    ("train", ["-m", "nengo_fashion.train", "--out", "{tmp}", *TRAIN_TINY]),
    ("predict", ["-m", "nengo_fashion.predict", "--run", "{run}", "--mode", "spiking", "{png}"]),
    (
        "finetune-ttfs",
        ["-m", "loihi.finetune", "--run", "{run}", "--ttfs", "--steps", "12", "--out", "{tmp}"],
    ),
]


def _png(tmp_path):
    from PIL import Image

    path = tmp_path / "shirt.png"
    Image.new("L", (28, 28), 128).save(path)
    return path


BOUND_CASES = [
    (bound, command)
    for command in BOUND_COMMANDS
    for bound in BOUNDS
    if not (command[0] == "finetune-ttfs" and bound[2] == "dt")  # finetune takes no --dt
]


@pytest.mark.parametrize(
    "bound, command", BOUND_CASES, ids=[f"{c[0]}-{b[0]}" for b, c in BOUND_CASES]
)
def test_numbers_beyond_float32_are_refused(bound, command, run_copy, tmp_path):
    if command[0] == "loihi" and bound[2] == "dt" and bound[0] == "dt-huge":
        bound = (bound[0], ["--dt", "1e6", "--presentation-time", "1e7"], bound[2])
    out = tmp_path / "out"
    png = _png(tmp_path)
    fill = {"{run}": str(run_copy), "{tmp}": str(out), "{png}": str(png)}
    argv = [fill.get(a, a) for a in command[1]]
    argv = [a.replace("{tmp}", str(out)) for a in argv] + bound[1]
    if command[0] == "finetune-ttfs" and "--scale" not in bound[1]:
        argv += ["--scale", "200"]
    before = Snapshot(run_copy)
    r = run(argv, timeout=90)
    assert_one_line_error(r, contains=(bound[2],), max_seconds=60)
    assert "nan" not in r.stdout.lower(), str(r)
    before.assert_unchanged()
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("value", [1e39, 1e-39, float("nan"), float("inf")])
@pytest.mark.parametrize("field", ["dt", "scale"])
def test_spike_settings_bound_dt_and_scale(field, value):
    with pytest.raises(ConfigError, match=field):
        SpikeSettings(**{field: value})
    for ok in DT_RANGE if field == "dt" else SCALE_RANGE:
        SpikeSettings(**{field: ok})


# ---- 8. results say whether the data were the published Fashion-MNIST ----

UNVERIFIED = [
    (
        "evaluate-json",
        ["-m", "nengo_fashion.evaluate", "--run", "{run}", "--split", "test", "--mode", "rate"],
        "--json",
        "e.json",
    ),
    (
        "loihi",
        ["-m", "loihi", "--run", "{run}", "--n-images", "10", "--presentation-time", "0.005"],
        "--out",
        ".",
    ),
]


@pytest.mark.parametrize("case", UNVERIFIED, ids=[c[0] for c in UNVERIFIED])
def test_unverified_data_is_recorded(case, run_copy, tmp_path):
    _, argv, option, name = case
    idx = make_idx_dir(tmp_path / "idx", n_train=5010)  # the run holds out 5,000
    out = tmp_path / "out"
    out.mkdir()
    target = out / name if name != "." else out
    argv = [a.replace("{run}", str(run_copy)) for a in argv]
    argv += [option, target, "--data-dir", idx, "--unverified-data", "--quiet"]
    r = run(argv, timeout=180)
    assert r.rc == 0, str(r)
    written = target if name != "." else out / "loihi.json"
    assert "unverified" in json.loads(written.read_text())["data_source"]


# ---- 14. what a command prints, and what a killed one leaves ----


def test_loihi_quiet_still_prints_the_result(run_copy, tmp_path):
    r = run(
        ["-m", "loihi", "--run", run_copy, "--out", tmp_path, "--n-images", "10", "--quiet"],
        timeout=180,
    )
    assert r.rc == 0, str(r)
    assert r.stdout.startswith("accuracy ") and "images" in r.stdout, str(r)
    assert len(r.stdout.strip().splitlines()) == 1, str(r)


def test_loihi_refuses_an_existing_result_before_importing_tensorflow(run_copy):
    code = (
        "import sys; from nengo_fashion.commands.loihi import main; "
        "rc = main(['--run', sys.argv[1]]); "
        "print('tensorflow' in sys.modules, rc)"
    )
    r = subprocess.run(
        [sys.executable, "-c", code, str(run_copy)],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.stdout.split() == ["False", "2"], r.stdout + r.stderr
    assert "already exists" in r.stderr


def test_sweep_overwrite_replaces_the_old_plots(run_copy, tmp_path):
    out = tmp_path / "out"
    base = ["-m", "nengo_fashion.studies.sweep", "--run", run_copy, "--out", out, "--quiet"]
    base += ["--n-images", "10"]
    r = run(base + ["--steps", "5", "10", "--scale", "50", "100"], timeout=180)
    assert r.rc == 0, str(r)
    assert (out / "sweep_scale.png").exists()
    r = run(base + ["--steps", "5", "10", "--overwrite"], timeout=180)
    assert r.rc == 0, str(r)
    assert not (out / "sweep_scale.png").exists(), sorted(p.name for p in out.iterdir())
    assert (out / "sweep_steps.png").exists()


def test_a_killed_builder_leaves_nothing_for_the_next(tmp_path):
    """SIGKILL runs no clean-up: the next command of the same name removes what is left,
    and puts back a run that an --overwrite had moved aside."""
    code = (
        "import os, sys, signal; from nengo_fashion.atomic import atomic_dir\n"
        "with atomic_dir(sys.argv[1], overwrite=True) as tmp:\n"
        "    (tmp / 'half').write_text('x'); os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    path = tmp_path / "run"
    subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, env=ENV, timeout=60)
    assert leftovers(tmp_path), "the kill left no temporary folder: the case tests nothing"
    # a kill between the two renames of an --overwrite: the old run is in .run.XXXXXXXX.old
    old = tmp_path / ".run.abcd1234.old"
    (old / "run").mkdir(parents=True)
    (old / "run" / "weights.npz").write_bytes(b"old run")
    with atomic.atomic_dir(tmp_path / "other") as tmp:
        (tmp / "a").write_text("x")
    assert leftovers(tmp_path), "another name's clean-up must not touch this one's"
    with pytest.raises(Exception, match="already exists"):
        with atomic.atomic_dir(path):
            pass
    assert (path / "weights.npz").read_bytes() == b"old run"
    assert not leftovers(tmp_path), leftovers(tmp_path)


def test_sigterm_prints_no_library_warning(tmp_path):
    r = run_and_signal(
        ["-m", "nengo_fashion.train", "--epochs", "6", "--out", tmp_path / "out"],
        when=lambda so, se: " loss " in so + se,
        sig=15,
        timeout=240,
        env={"PYTHONWARNINGS": ""},  # what a user sees: Python's default filters
    )
    assert r.rc == 143, str(r)
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: terminated"), str(r)


SWALLOWED_STOP = """
import os, signal, sys, threading, time
from nengo_fashion.cli import run_cli

class Slow:
    def __del__(self):  # the signal lands here: Python swallows what a __del__ raises
        time.sleep(1.0)

def work():
    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIG{sig})).start()
    obj = Slow()
    del obj
    time.sleep(10)
    print("not stopped")

sys.exit(run_cli(work))
"""


@pytest.mark.parametrize("sig, rc", [("TERM", 143), ("INT", 130)])
def test_a_stop_swallowed_by_a_callback_prints_no_traceback(sig, rc):
    """A signal that lands in a callback (a ``__del__``, a garbage-collector callback such as
    jax's): Python only reports what the callback raised ("Exception ignored in ..."); the
    command is stopped all the same, with its one line and no traceback on stderr."""
    p = subprocess.run(
        [sys.executable, "-c", SWALLOWED_STOP.replace("{sig}", sig)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == rc, p
    assert "not stopped" not in p.stdout
    assert "Traceback" not in p.stderr and "Exception ignored" not in p.stderr, p.stderr
    assert p.stderr.strip().startswith("error: "), p.stderr
