"""Long runs, opt-in with ``pytest --slow``: the full recipes and the full test set.

CI runs them after the default suite (``python -m pytest --slow -m slow``
in ``.ci/run``). Their thresholds are not from ``tests/margins.py``, whose quantities are tiny
runs measured over seeds; they come from the committed full-size results named beside them,
with margins for a CPU whose float results differ (see docs/development.md).

``test_the_quick_tour_runs_as_printed`` runs the README's quick tour, each line as printed,
in a fresh clone of the repository (about 5 minutes: the training and the emulator's 10,000
images are most of it).
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
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


TOUR_LIMITS = {"nengo_fashion.train": 1200, "loihi": 1200}
"""Seconds a tour line may take (the others: `TOUR_LIMIT`); the training takes about a minute
and the emulator's 10,000 images about 150 s on an idle CPU."""
TOUR_LIMIT = 300
GUI_START = 180
"""Seconds the GUI may take to say where it listens."""


def tour_commands(readme):
    """The lines of the first ``bash`` block under README's "A quick tour" heading."""
    section = readme.split("\n## A quick tour", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def fresh_clone(dest):
    """``git clone`` of this repository into ``dest``, with the work tree's changes not yet
    committed (tracked and untracked files that git does not ignore) on top: what a fresh
    clone will hold once they are committed. Ignored files (``runs/``, ``.venv/``) stay out."""
    git = ["git", "-C", str(ROOT)]
    subprocess.run(["git", "clone", "-q", str(ROOT), str(dest)], check=True, timeout=300)
    listed = subprocess.run(
        [*git, "ls-files", "-z", "-c", "-o", "--exclude-standard"],
        check=True,
        capture_output=True,
    ).stdout
    for name in filter(None, listed.decode().split("\0")):
        source, target = ROOT / name, Path(dest, name)
        if source.is_symlink() or not source.is_file():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    deleted = subprocess.run([*git, "ls-files", "-z", "-d"], check=True, capture_output=True)
    for name in filter(None, deleted.stdout.decode().split("\0")):
        gone = Path(dest, name)
        gone.unlink(missing_ok=True)
        while gone.parent != Path(dest) and not any(gone.parent.iterdir()):
            gone = gone.parent
            gone.rmdir()  # a folder the changes emptied, as a clone would not have it
    return Path(dest)


def tour_env():
    """This venv first on PATH (``python`` is its python), and no browser opened: $BROWSER
    names a command that does nothing (`webbrowser` runs it instead of a browser)."""
    env = dict(os.environ, BROWSER="true", PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["VIRTUAL_ENV"] = str(Path(sys.executable).parents[1])
    return env


def _stop(proc):
    """End ``proc``'s process group (a session it leads, started here): SIGTERM, then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        if proc.poll() is not None:
            return proc.returncode
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            return proc.wait(wait)
        except subprocess.TimeoutExpired:
            continue
    return proc.poll()


def run_line(line, cwd, env, limit):
    """Run one tour line with bash, as printed: ``(returncode, output)``; None on timeout."""
    proc = subprocess.Popen(
        ["bash", "-c", line],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        _stop(proc)
        out, _ = proc.communicate()
        return None, out
    return proc.returncode, out


def serve_and_stop(line, cwd, env):
    """Start the GUI's tour line, wait for the address it prints, ask that port on 127.0.0.1
    for its page, stop it. Returns ``(HTTP status or None, output)``."""
    proc = subprocess.Popen(
        ["bash", "-c", line],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines, found = [], threading.Event()

    def read():
        for text in proc.stdout:
            lines.append(text)
            if re.search(r" at https?://\S+:\d+", text):
                found.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    status = None
    try:
        deadline = time.monotonic() + GUI_START
        while not found.wait(1) and proc.poll() is None and time.monotonic() < deadline:
            pass
        if found.is_set():
            port = re.search(r" at https?://\S+?:(\d+)", "".join(lines)).group(1)
            for _ in range(30):  # the line comes just before the server starts serving
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:
                        status = r.status
                except urllib.error.HTTPError as e:  # it answered: a login page, a 403, ...
                    status = e.code
                except OSError:
                    time.sleep(1)
                    continue
                break
    finally:
        _stop(proc)
        reader.join(10)
    return status, "".join(lines)


def shirt_photo(fashion, path):
    """A "photo" of a T-shirt: a Fashion-MNIST test T-shirt, 10 times larger, dark on white,
    in colour, as JPEG (the form the README's ``shirt.jpg`` stands for)."""
    from PIL import Image

    i = int(np.flatnonzero(fashion.test.labels == 0)[0])
    grey = np.rint(255 * (1 - fashion.test.images[i].reshape(28, 28))).astype(np.uint8)
    Image.fromarray(grey, "L").resize((280, 280), Image.BICUBIC).convert("RGB").save(
        path, quality=95
    )


@pytest.mark.slow
def test_the_quick_tour_runs_as_printed(fashion, tmp_path):
    """Every line of the README's quick tour, as printed, in a fresh clone after the two
    set-up commands (this venv), with ``shirt.jpg`` made here: exit status 0 and no
    ``--overwrite`` needed; the GUI line answers on its address until it is stopped."""
    commands = tour_commands((ROOT / "README.md").read_text())
    assert len(commands) == 5 and not any("--overwrite" in c for c in commands), commands
    clone = fresh_clone(tmp_path / "clone")
    env = tour_env()
    where = "import nengo_fashion, loihi; print(nengo_fashion.__file__, loihi.__file__)"
    r = subprocess.run(
        ["python", "-c", where], cwd=clone, env=env, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0 and r.stdout.count(str(clone)) == 2, r  # the clone's code
    shirt_photo(fashion, clone / "shirt.jpg")
    seconds = {}
    for line in commands:
        start = time.monotonic()
        if "nengo_fashion.gui" in line:
            status, out = serve_and_stop(line, clone, env)
            assert status is not None, f"{line}\n{out[-3000:]}"
        else:
            module = line.split()[2]
            rc, out = run_line(line, clone, env, TOUR_LIMITS.get(module, TOUR_LIMIT))
            assert rc == 0, f"{line}: exit status {rc}\n{out[-3000:]}"
        seconds[line] = time.monotonic() - start
        if "nengo_fashion.predict" in line:
            (answer,) = (t for t in out.splitlines() if t.startswith("shirt.jpg: "))
            assert "not clothing" not in answer.lower(), answer
    assert (clone / "runs" / "thesis-relu" / "weights.npz").is_file()
    assert json.loads((clone / "runs" / "best-relu" / "loihi.json").read_text())["n_images"]
    print("\n".join(f"{t:6.0f} s  {line}" for line, t in seconds.items()))
