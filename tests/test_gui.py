import json
import shutil
import socket

import pytest

from nengo_fashion import gui
from nengo_fashion.errors import ConfigError, RunError

from . import margins
from .hostile import one_line_error


def _free_port():
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def test_model_script_classifies_like_evaluate(tiny_run, fashion, monkeypatch):
    """The GUI's model script, in a plain nengo.Simulator, predicts as NengoDL does.

    NengoDL starts every image from the same initial state; the GUI model shows
    images one after another, so a neuron starts an image with the voltage the
    previous one left (less than one spike's worth): borderline images may flip.
    """
    agree, n = margins.gui_agreement(tiny_run, fashion, n=40, pt=0.03)
    assert n == 40
    # 0.925-0.950 of 40 images agree over seeds 0-2 (python -m tests.margins)
    assert agree >= 0.8, agree


def test_missing_run_fails_before_server(tmp_path, capsys):
    err = one_line_error(capsys, ["--run", str(tmp_path / "nope"), "--no-browser"], gui.main)
    assert "not found" in err


def test_run_without_weights(tiny_run, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_run, broken)
    (broken / "weights.npz").unlink()
    with pytest.raises(RunError, match="weights.npz not found"):
        gui.make_gui(broken, threaded=True)


def test_remote_needs_password(tiny_run):
    with pytest.raises(ConfigError, match="--password"):
        gui.make_gui(tiny_run, listen="0.0.0.0", threaded=True)


def test_password_sources(tmp_path, monkeypatch):
    """--password-file, then $NENGO_FASHION_GUI_PASSWORD, then a prompt on a terminal."""
    import getpass
    import io
    import sys

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    f = tmp_path / "pw"
    f.write_text("from file\nsecond line\n")
    monkeypatch.setenv(gui.PASSWORD_ENV, "from env")
    monkeypatch.setattr(getpass, "getpass", lambda prompt: "typed")
    monkeypatch.setattr(sys, "stdin", Terminal())
    assert gui.read_password(str(f), prompt=True) == "from file"
    assert gui.read_password(None, prompt=True) == "from env"
    monkeypatch.delenv(gui.PASSWORD_ENV)
    assert gui.read_password(None, prompt=True) == "typed"
    assert gui.read_password(None, prompt=False) is None
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # not a terminal: never asked
    assert gui.read_password(None, prompt=True) is None


def test_port_in_use_moves_on(capsys):
    with socket.socket() as s:
        s.bind(("localhost", 0))
        s.listen(1)
        busy = s.getsockname()[1]
        port = gui.free_port("localhost", busy)
    assert port != busy
    assert f"port {busy} is in use; using port {port}" in capsys.readouterr().out


def test_other_family_refused(tiny_run, capsys):
    err = one_line_error(capsys, ["--run", str(tiny_run), "--neuron", "lif"], gui.main)
    assert "trained with the 'relu' neuron family" in err


@pytest.mark.browser
def test_gui_in_headless_chromium(tiny_run, tmp_path):
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install ...)")
    pytest.importorskip("selenium")
    g = gui.make_gui(
        tiny_run, port=_free_port(), presentation_time=0.05, n_images=20, threaded=True
    )
    g.start()
    g.wait_for_startup()
    try:
        shown = gui.screenshot(g, tmp_path / "gui.png", seconds=3.0)
    finally:
        g.shutdown(timeout=5)
    assert shown["errors"] == []
    for name in ("input", "hidden", "output", "input image", "predicted class"):
        assert name in shown["names"], shown["names"]
    assert shown["steps"] > 0
    raw = (tmp_path / "gui.png").read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n" and len(raw) > 30000
    (tmp_path / "shown.json").write_text(json.dumps(shown))


@pytest.mark.parametrize("backend", ["nengo_dl", "nengo_loihi"])
def test_gui_model_runs_on_other_backends(tiny_run, backend):
    """The GUI model also builds and steps on the NengoDL and nengo-loihi backends."""
    sim_module = pytest.importorskip(backend)
    model, readout = gui.build_gui_model(
        tiny_run, backend=backend, presentation_time=0.01, n_images=3
    )
    with sim_module.Simulator(model, progress_bar=False) as sim:
        sim.run(0.03)
    assert len(readout.predictions) == 3
    assert "<svg" in model.image.output._nengo_html_  # the image display was drawn


@pytest.mark.parametrize("port", ["0", "99999", "http"])
def test_bad_port_is_one_line(tiny_run, capsys, port):
    err = one_line_error(capsys, ["--run", str(tiny_run), "--port", port], gui.main)
    assert "--port" in err


def test_ten_distinct_line_colours():
    """nengo GUI 0.6.0's six-colour palette is replaced, for lines and legend alike."""
    import pkgutil

    js = gui.patched_static("static/nengo.js", pkgutil.get_data("nengo_gui", "static/nengo.js"))
    palette = js.decode().split("var palette = [", 1)[1].split("]", 1)[0]
    colours = [c.strip().strip('"') for c in palette.split(",")]
    assert len(colours) == len(set(colours)) == 10
    value = pkgutil.get_data("nengo_gui", "static/components/value.js")
    value = gui.patched_static("static/components/value.js", value).decode()
    assert "make_colors(10)" in value and "% 6" not in value
