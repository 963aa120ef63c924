"""``--out`` means a folder everywhere, is checked before any work, and nothing finished is lost;
progress and quiet output; the core does not import the ``loihi`` package."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import nengo_fashion
from nengo_fashion import atomic
from nengo_fashion.commands import (
    efficiency,
    evaluate,
    figures,
    pareto,
    reproduce,
    search,
    sweep,
    train,
)
from nengo_fashion.commands import teacher as teacher_cli
from nengo_fashion.errors import OutputError
from nengo_fashion.progress import Progress

from .hostile import one_line_error

ROOT = Path(nengo_fashion.__file__).parent


def _no_data(monkeypatch):
    """Make any data loading fail loudly: a bad --out must be refused before it."""

    def boom(*args, **kwargs):
        raise AssertionError("data was loaded before --out was checked")

    monkeypatch.setattr("nengo_fashion.data.load", boom)


def _commands(run):
    """(main, argv without --out) of every command that takes --out."""
    cmds = [
        (train.main, ["--epochs", "1"]),
        (sweep.main, ["--run", str(run)]),
        (figures.main, ["--run", str(run)]),
        (pareto.main, ["--run", str(run)]),
        (reproduce.main, []),
        (search.main, ["--only", "thesis"]),
        (teacher_cli.main, ["--epochs", "1"]),
        (efficiency.main, []),
    ]
    try:
        from nengo_fashion.commands import loihi as loihi_run
        from nengo_fashion.commands import loihi_finetune, loihi_tune

        cmds += [
            (loihi_run.main, ["--run", str(run)]),
            (loihi_tune.main, ["--run", str(run)]),
            (loihi_finetune.main, ["--run", str(run)]),
        ]
    except ImportError:  # nengo-loihi is optional for this check
        pass
    return cmds


@pytest.mark.parametrize("kind", ["under-a-file", "is-a-file", "read-only"])
def test_unwritable_out_fails_before_any_work(tiny_run, tmp_path, capsys, monkeypatch, kind):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    if kind == "under-a-file":
        out, match = blocker / "sub", "cannot be written"
    elif kind == "is-a-file":
        out, match = blocker, "takes a folder"
    else:
        if hasattr(os, "getuid") and os.getuid() == 0:
            pytest.skip("root can write into a read-only folder")
        out, match = tmp_path / "ro", "cannot be written"
        out.mkdir()
        out.chmod(0o500)
    _no_data(monkeypatch)
    for main, argv in _commands(tiny_run):
        err = one_line_error(capsys, argv + ["--out", str(out)], main)
        assert match in err and str(out) in err, (main.__module__, err)


def test_json_and_screenshot_files_checked_first(tiny_run, tmp_path, capsys, monkeypatch):
    from nengo_fashion.commands import gui

    _no_data(monkeypatch)
    err = one_line_error(capsys, ["--run", str(tiny_run), "--json", str(tmp_path)], evaluate.main)
    assert "takes a file name" in err
    blocker = tmp_path / "f"
    blocker.write_text("")
    argv = ["--run", str(tiny_run), "--screenshot", str(blocker / "x.png")]
    err = one_line_error(capsys, argv, gui.main)
    assert "cannot be written" in err


def test_loihi_out_is_an_existing_folder(tiny_run, tmp_path):
    """The reported failure: an existing folder as --out; loihi.json lands inside it."""
    pytest.importorskip("nengo_loihi")
    from nengo_fashion.commands import loihi as loihi_run

    argv = ["--run", str(tiny_run), "--n-images", "4", "--presentation-time", "0.01"]
    assert loihi_run.main(argv + ["--out", str(tmp_path), "--quiet"]) == 0
    result = json.loads((tmp_path / "loihi.json").read_text())
    assert result["n_images"] == 4


def test_sweep_out_is_an_existing_folder(tiny_run, tmp_path, capsys):
    argv = ["--run", str(tiny_run), "--split", "val", "--n-images", "20", "--out", str(tmp_path)]
    assert sweep.main(argv) == 0
    assert {"sweep.json", "sweep.csv", "sweep_timing.json"} <= {p.name for p in tmp_path.iterdir()}
    # progress: not a terminal here, so one line per finished simulation on stderr
    err = capsys.readouterr().err
    assert "sweep on val: 1/1 done" in err and "ETA" in err


def test_quiet_prints_no_progress(tiny_run, tmp_path, capsys):
    argv = ["--run", str(tiny_run), "--split", "val", "--n-images", "20", "--out", str(tmp_path)]
    assert sweep.main(argv + ["--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_a_finished_result_survives_a_write_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(OutputError) as e:
        atomic.write_json(blocker / "result.json", {"accuracy": 0.9})
    message = str(e.value)
    assert "could not write" in message and "saved to" in message
    rescue = Path(message.rsplit("saved to ", 1)[1])
    try:
        assert json.loads(rescue.read_text()) == {"accuracy": 0.9}
    finally:
        rescue.unlink()


def test_progress_lines_when_not_a_terminal():
    stream = io.StringIO()
    with Progress(3, "work", stream=stream) as bar:
        for name in "abc":
            bar.update(name)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("work: 1/3 done (a), 0:00:00 elapsed, ETA ")
    assert lines[-1].startswith("work: 3/3 done (c)")


def test_progress_bar_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    stream = Tty()
    with Progress(2, "work", stream=stream) as bar:
        bar.update()
        bar.update()
    text = stream.getvalue()
    assert text.count("\r") == 3 and "[" + "#" * 30 + "] work: 2/2 done" in text
    assert text.endswith("\n")


def test_progress_quiet():
    stream = io.StringIO()
    with Progress(2, "work", quiet=True, stream=stream) as bar:
        bar.update()
    assert stream.getvalue() == ""


def test_tensorflow_start_up_is_quiet():
    """Importing NengoDL and nengo-loihi the project's way prints nothing."""
    code = (
        "from nengo_fashion.quiet import import_nengo_dl; import_nengo_dl(); "
        "import importlib.util as u; "
        "u.find_spec('nengo_loihi') and __import__('loihi').require_nengo_loihi()"
    )
    env = dict(os.environ)  # a fresh shell: no level set (NengoDL in this process set one)
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "" and proc.stdout == ""


def test_train_help_imports_no_tensorflow():
    code = (
        "import sys\nfrom nengo_fashion import train, gui\n"
        "from nengo_fashion.commands import evaluate, sweep\n"
        "from nengo_fashion.commands import reproduce, search, seeds, teacher\n"
        "from nengo_fashion.commands import train as train_command\n"
        "assert 'tensorflow' not in sys.modules, 'tensorflow imported'\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
