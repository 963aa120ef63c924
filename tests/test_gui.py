import json
import os
import runpy
import shutil
import socket
import tempfile

import numpy as np
import pytest

from nengo_fashion import gui
from nengo_fashion.commands import gui as gui_command
from nengo_fashion.data import CLASS_NAMES
from nengo_fashion.errors import ConfigError, RunError

from . import margins
from .hostile import one_line_error


def _free_port():
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def _photo(pixels, path):
    """Write a Fashion-MNIST image as a user's photo: 4x larger, negated (dark garment
    on a light background) and put on a larger white canvas, as a PNG."""
    from PIL import Image

    grey = (np.asarray(pixels).reshape(28, 28) * 255).round().astype(np.uint8)
    big = Image.fromarray(255 - grey, mode="L").resize((112, 112), Image.NEAREST)
    canvas = Image.new("RGB", (150, 140), "white")
    canvas.paste(big.convert("RGB"), (19, 14))
    canvas.save(path)
    return path


def _your_pictures(run, fashion, folder, n=2):
    """A folder of ``n`` photos made from test images (``photo-1.png``, ...): of the first
    ten, those the run's rate network classifies with the widest margins (so that the
    GUI, whose neurons carry their state from one picture to the next, and predict's
    spiking mode, which starts each from rest, cannot disagree on a borderline one)."""
    from nengo_fashion.classify import Classifier

    scratch = folder.parent / (folder.name + "-candidates")
    scratch.mkdir(parents=True)
    for i in range(10):
        _photo(fashion.test.images[i], scratch / f"{i}.png")
    scores = Classifier(run).predict(scratch, mode="rate").scores
    top2 = np.sort(scores, axis=1)[:, -2:]
    best = np.argsort(top2[:, 0] - top2[:, 1])[:n]  # widest margin first
    folder.mkdir(parents=True)
    for k, i in enumerate(best, 1):
        shutil.copy(scratch / f"{i}.png", folder / f"photo-{k}.png")
    shutil.rmtree(scratch)
    return folder


@pytest.fixture
def untrained_run(tmp_path):
    """A run folder with untrained weights (nothing here reaches the network)."""
    from nengo_fashion.config import TrainConfig
    from nengo_fashion.network import Weights

    run = tmp_path / "untrained-run"
    run.mkdir()
    (run / "config.json").write_text(json.dumps(TrainConfig().asdict()))
    Weights.glorot(0).save(run / "weights.npz")
    return run


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
    err = one_line_error(
        capsys, ["--run", str(tmp_path / "nope"), "--no-browser"], gui_command.main
    )
    assert "not found" in err


def test_run_without_weights(tiny_run, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_run, broken)
    (broken / "weights.npz").unlink()
    with pytest.raises(RunError, match="weights.npz not found"):
        gui.make_gui(gui.GuiConfig(run=broken), threaded=True)


def test_remote_needs_password(tiny_run):
    with pytest.raises(ConfigError, match="--password"):
        gui.make_gui(gui.GuiConfig(run=tiny_run), gui.ServeConfig(listen="0.0.0.0"), threaded=True)


class _Terminal:
    """A stdin that is a terminal (so that read_password may prompt)."""

    def isatty(self):
        return True


def test_password_sources(tmp_path, monkeypatch):
    """--password-file, then $NENGO_FASHION_GUI_PASSWORD, then a prompt on a terminal."""
    import getpass
    import io
    import sys

    f = tmp_path / "pw"
    f.write_text("from the file, long enough\nsecond line\n")
    monkeypatch.setenv(gui.PASSWORD_ENV, "from the environment")
    monkeypatch.setattr(getpass, "getpass", lambda prompt: "typed at the prompt")
    monkeypatch.setattr(sys, "stdin", _Terminal())
    assert gui.read_password(str(f), prompt=True) == "from the file, long enough"
    assert gui.read_password(None, prompt=True) == "from the environment"
    monkeypatch.delenv(gui.PASSWORD_ENV)
    assert gui.read_password(None, prompt=True) == "typed at the prompt"
    assert gui.read_password(None, prompt=False) is None
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # not a terminal: never asked
    assert gui.read_password(None, prompt=True) is None


# (id, password): each is refused from every source, one character short is too short
SHORT = [("empty-after-strip", " "), ("one", "P"), ("eleven", "x" * 11), ("unicode", "é" * 11)]
SOURCES = ["file", "env", "prompt", "make_gui"]


def _password_from(source, password, tmp_path, monkeypatch, run):
    import getpass
    import sys

    monkeypatch.delenv(gui.PASSWORD_ENV, raising=False)
    if source == "file":
        f = tmp_path / "pw"
        f.write_text(password + "\n", encoding="utf-8")
        return gui.read_password(str(f))
    if source == "env":
        monkeypatch.setenv(gui.PASSWORD_ENV, password)
        return gui.read_password(None)
    if source == "prompt":
        monkeypatch.setattr(getpass, "getpass", lambda prompt: password)
        monkeypatch.setattr(sys, "stdin", _Terminal())
        return gui.read_password(None, prompt=True)
    serve = gui.ServeConfig(port=_free_port())
    return gui.make_gui(gui.GuiConfig(run=run), serve, password=password, threaded=True)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("password", [c[1] for c in SHORT], ids=[c[0] for c in SHORT])
def test_short_password_refused_from_every_source(
    source, password, untrained_run, tmp_path, monkeypatch
):
    with pytest.raises(ConfigError, match="at least 12") as e:
        _password_from(source, password, tmp_path, monkeypatch, untrained_run)
    assert "\n" not in str(e.value)
    assert len(password) < 2 or password not in str(e.value)  # the password is not shown


@pytest.mark.parametrize("source", SOURCES[:3])
def test_twelve_characters_are_enough(source, untrained_run, tmp_path, monkeypatch):
    assert _password_from(source, "é" * 12, tmp_path, monkeypatch, untrained_run) == "é" * 12


class _Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


# (seconds since the first guess, client, right password?, the expected answer:
# ("checked", ok, failures, wait) or ("wait", seconds left)), one scenario in order
THROTTLE_SCENARIO = [
    (0.0, "10.0.0.1", False, ("checked", False, 1, 1.0)),
    (0.5, "10.0.0.1", False, ("wait", 0.5)),  # not checked, and it does not count
    (0.5, "10.0.0.1", True, ("wait", 0.5)),  # not even the right password
    (0.5, "10.0.0.2", True, ("checked", True, 0, 0.0)),  # another address: at once
    (0.5, "::ffff:10.0.0.1", True, ("wait", 0.5)),  # the same address, written as IPv6
    (1.0, "10.0.0.1", False, ("checked", False, 2, 2.0)),
    (2.9, "10.0.0.1", False, ("wait", 0.1)),
    (3.0, "10.0.0.1", False, ("checked", False, 3, 4.0)),
    (7.0, "10.0.0.1", False, ("checked", False, 4, 8.0)),
    (15.0, "10.0.0.1", False, ("checked", False, 5, 16.0)),
    (31.0, "10.0.0.1", False, ("checked", False, 6, 32.0)),
    (63.0, "10.0.0.1", False, ("checked", False, 7, 64.0)),
    (127.0, "10.0.0.1", False, ("checked", False, 8, 128.0)),
    (255.0, "10.0.0.1", False, ("checked", False, 9, 256.0)),
    (511.0, "10.0.0.1", False, ("checked", False, 10, 300.0)),  # the lockout: at most
    (811.0, "10.0.0.1", False, ("checked", False, 11, 300.0)),
    (1111.0, "10.0.0.1", True, ("checked", True, 0, 0.0)),  # success clears the count
    (1111.0, "10.0.0.1", False, ("checked", False, 1, 1.0)),
    # IPv6: one /64 is one client (a machine usually has all of it)
    (1200.0, "2001:db8::1", False, ("checked", False, 1, 1.0)),
    (1200.0, "2001:db8::ffff:2", True, ("wait", 1.0)),
    (1200.0, "2001:db8:0:1::1", True, ("checked", True, 0, 0.0)),
    # an address that stops failing is forgotten after an hour
    (1200.0, "10.0.0.3", False, ("checked", False, 1, 1.0)),
    (1201.0, "10.0.0.3", False, ("checked", False, 2, 2.0)),
    (1203.0 + 3600.5, "10.0.0.3", False, ("checked", False, 1, 1.0)),
]


def test_login_throttle_scenario():
    from nengo_fashion.gui.auth import LoginThrottle

    clock = _Clock()
    throttle = LoginThrottle(clock=clock)
    start = clock.now
    for t, client, right, expected in THROTTLE_SCENARIO:
        clock.now = start + t
        calls = []

        def check(right=right, calls=calls):
            calls.append(1)
            return right

        ok, failures, wait = throttle.attempt(client, check)
        if expected[0] == "wait":
            assert ok is None and calls == [], (t, client, ok)
            assert wait == pytest.approx(expected[1]), (t, client, wait)
        else:
            assert (ok, failures) == expected[1:3] and calls == [1], (t, client, ok, failures)
            assert wait == pytest.approx(expected[3]), (t, client, wait)


def test_login_throttle_is_bounded():
    """Many addresses (a scan of spoofed ones) cost bounded memory; the oldest go first."""
    from nengo_fashion.gui.auth import LoginThrottle

    clock = _Clock()
    throttle = LoginThrottle(clock=clock, max_clients=100)
    for i in range(250):
        clock.now += 0.001
        assert throttle.attempt(f"10.1.{i // 256}.{i % 256}", lambda: False)[0] is False
    assert len(throttle) == 100
    assert throttle.attempt("10.1.0.249", lambda: True)[0] is None  # the newest: remembered
    assert throttle.attempt("10.1.0.0", lambda: True)[0] is True  # the oldest: forgotten


def test_port_in_use_moves_on(capsys):
    with socket.socket() as s:
        s.bind(("localhost", 0))
        s.listen(1)
        busy = s.getsockname()[1]
        port = gui.free_port("localhost", busy)
    assert port != busy
    assert f"port {busy} is in use; using port {port}" in capsys.readouterr().out


def test_other_family_refused(tiny_run, capsys):
    err = one_line_error(capsys, ["--run", str(tiny_run), "--neuron", "lif"], gui_command.main)
    assert "trained with the 'relu' neuron family" in err


@pytest.mark.browser
@pytest.mark.parametrize("source", ["test images", "your pictures"])
def test_gui_in_headless_chromium(tiny_run, fashion, tmp_path, capsys, monkeypatch, source):
    """The page shows the network at work: on test images (true class and prediction),
    and with ``--images`` on a folder of two photos (their names and a prediction)."""
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install ...)")
    pytest.importorskip("selenium")
    monkeypatch.setenv(gui.ENV["images"], "")  # restored (unset) after the test
    if source == "test images":
        config = gui.GuiConfig(run=tiny_run, presentation_time=0.05, n_images=20)
        g = gui.make_gui(config, gui.ServeConfig(port=_free_port()), threaded=True)
        g.start()
        g.wait_for_startup()
        try:
            shown = gui.screenshot(g, tmp_path / "gui.png", seconds=3.0)
        finally:
            g.shutdown(timeout=5)
        label, texts = "true class", ["true: "]
    else:  # the whole command, as a user starts it; the page's content is recorded
        folder = _your_pictures(tiny_run, fashion, tmp_path / "mine")
        screenshot, record = gui.screenshot, {}

        def recorded(g, path):
            record.update(screenshot(g, path, seconds=3.0))
            return record

        monkeypatch.setattr(gui.app, "screenshot", recorded)
        argv = ["--run", str(tiny_run), "--images", str(folder), "--presentation-time", "0.05"]
        argv += ["--port", str(_free_port()), "--screenshot", str(tmp_path / "gui.png")]
        assert gui_command.main(argv) == 0
        out = capsys.readouterr().out
        assert "showing 2 pictures of yours instead of test images" in out, out
        assert gui.ENV["images"] not in os.environ  # its file went with the GUI
        shown = record
        label, texts = "your picture", ["your picture: photo-"]
    assert shown["errors"] == []
    for name in ("input", "hidden", "output", "input image", label, "predicted class"):
        assert name in shown["names"], shown["names"]
    assert shown["steps"] > 0
    html = " | ".join(shown["html"])
    for text in texts + ["predicted: "]:
        assert text in html, html
    predicted = html.split("predicted: ", 1)[1]
    assert any(predicted.startswith(name) for name in CLASS_NAMES), html
    if source == "your pictures":  # no true class, so no right or wrong
        assert "true: " not in html and "right" not in html and "wrong" not in html, html
    raw = (tmp_path / "gui.png").read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n" and len(raw) > 30000
    (tmp_path / "shown.json").write_text(json.dumps(shown))


@pytest.mark.parametrize("backend", ["nengo_dl", "nengo_loihi"])
def test_gui_model_runs_on_other_backends(tiny_run, backend):
    """The GUI model also builds and steps on the NengoDL and nengo-loihi backends."""
    sim_module = pytest.importorskip(backend)
    config = gui.GuiConfig(run=tiny_run, backend=backend, presentation_time=0.01, n_images=3)
    model, readout = gui.build_gui_model(config)
    with sim_module.Simulator(model, progress_bar=False) as sim:
        sim.run(0.03)
    assert len(readout.predictions) == 3
    assert "<svg" in model.image.output._nengo_html_  # the image display was drawn


@pytest.mark.parametrize("port", ["0", "99999", "http"])
def test_bad_port_is_one_line(tiny_run, capsys, port):
    err = one_line_error(capsys, ["--run", str(tiny_run), "--port", port], gui_command.main)
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


def test_gui_model_shows_your_pictures(tiny_run, fashion, tmp_path, monkeypatch):
    """``--images``: the model script presents the user's preprocessed pictures, says
    whose picture it is instead of a true class, and predicts what
    ``nengo_fashion.predict``'s spiking mode predicts for the same files."""
    import nengo

    from nengo_fashion.classify import Classifier

    folder = _your_pictures(tiny_run, fashion, tmp_path / "mine")
    names, pixels = gui.read_images([folder])
    assert names == ["photo-1.png", "photo-2.png"]
    clf = Classifier(tiny_run)
    pt, steps = 0.03, 30
    spiking = clf.predict(folder, mode="spiking", steps=steps, dt=0.001)
    np.testing.assert_array_equal(pixels, spiking.images)  # predict's reading, unchanged
    # the way `make_gui` hands them to the model script: a file its variable names
    gui.save_images(tmp_path / gui.IMAGES_FILE, names, pixels)
    monkeypatch.setenv(gui.ENV["run"], str(tiny_run))
    monkeypatch.setenv(gui.ENV["presentation_time"], str(pt))
    monkeypatch.setenv(gui.ENV["images"], str(tmp_path / gui.IMAGES_FILE))
    monkeypatch.setenv(gui.ENV["data_dir"], str(tmp_path / "no-dataset-needed"))
    script = runpy.run_path(str(gui.SCRIPT))
    model, readout = script["model"], script["readout"]
    with model:
        seen = nengo.Probe(model.inp, synapse=None)
    with nengo.Simulator(model, progress_bar=False) as sim:
        for k in range(2):
            sim.run_steps(steps)
            np.testing.assert_allclose(
                sim.data[seen][-steps:], np.tile(pixels[k].ravel(), (steps, 1))
            )
            assert model.true_label.output._nengo_html_ == f"<h3>your picture: {names[k]}</h3>"
            shown = model.prediction.output._nengo_html_
            assert shown == f"<h3>predicted: {CLASS_NAMES[readout.predictions[k]]}</h3>"
    assert readout.predictions == list(spiking.labels)
    # a file name is text, never markup
    name = gui.PictureName(["<b>x</b>.png"])
    name(0.001, np.zeros(1))
    assert name._nengo_html_ == "<h3>your picture: &lt;b&gt;x&lt;/b&gt;.png</h3>"


def test_unreadable_pictures_are_skipped(tmp_path, capsys):
    """One line on stderr for each file that is not a picture; the others are shown."""
    folder = tmp_path / "mine"
    folder.mkdir()
    _photo(np.linspace(0, 1, 784), folder / "a.png")
    (folder / "notes.txt").write_text("not a picture\n")
    names, pixels = gui.read_images([folder, tmp_path / "gone.png"])
    assert names == ["a.png"] and pixels.shape == (1, 28, 28)
    assert pixels.dtype == np.float32 and 0 <= pixels.min() and pixels.max() <= 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2, err
    assert err[0].startswith("skipped ") and "notes.txt: not an image" in err[0]
    assert err[1].startswith("skipped ") and "gone.png: no such file" in err[1]


@pytest.mark.parametrize(
    "case, words",
    [
        ("empty folder", "holds no files"),
        ("no pictures", "not an image"),
        ("missing path", "no such file"),
        ("big, no preprocessing", "only 28 x 28"),
    ],
)
def test_no_readable_picture_is_one_line(untrained_run, tmp_path, capsys, monkeypatch, case, words):
    """No picture readable: one line (exit 2) before any folder or server is made."""
    folder = tmp_path / "mine"
    argv = ["--run", str(untrained_run), "--no-browser", "--port", str(_free_port())]
    argv += ["--images", str(folder)]
    if case != "missing path":
        folder.mkdir()
    if case == "no pictures":
        (folder / "a.txt").write_text("not a picture\n")
        (folder / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    if case == "big, no preprocessing":
        _photo(np.zeros(784), folder / "a.png")
        argv.append("--no-preprocess")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    err = one_line_error(capsys, argv, gui_command.main)
    assert err.startswith("error: --images: no picture can be read") and words in err, err
    assert list((tmp_path / "tmp").iterdir()) == []  # no GUI folder: nothing started


def test_no_preprocess_needs_images(untrained_run, capsys):
    err = one_line_error(capsys, ["--run", str(untrained_run), "--no-preprocess"], gui_command.main)
    assert "--no-preprocess applies to --images only" in err
