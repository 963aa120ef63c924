"""The GUI as a whole: check everything, make nengo GUI's server, serve it or take a picture.

`make_gui` checks a `GuiConfig` and a `ServeConfig` (where to listen, TLS, the
password) and makes nengo GUI's server (not yet started) on a copy of the model script
``model.py`` (`SCRIPT`), hardened (`nengo_fashion.gui.server`) and with ten line colours
(`nengo_fashion.gui.pages`). `run_gui` is what ``python -m nengo_fashion.gui`` does: every
check first (one line, no server, no folder), then the user's pictures and the password,
then the server until Ctrl-C or SIGTERM, or (``--screenshot``) a picture of the page.

**Safety.** The server listens on localhost only. Its login token is not printed unless
``show_token``; the browser this opens gets it directly. Listening elsewhere needs a
password and TLS. nengo GUI's editor runs arbitrary Python with your rights: never expose
it without a password.
"""

import atexit
import dataclasses
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Optional

import numpy as np

from ..atomic import check_out_file
from ..errors import ConfigError, MissingDependencyError
from ..knobs import check_field_types, is_int, knob
from ..runs import load_run
from .auth import PASSWORD_ENV, LoginThrottle, check_password, read_password, throttled_handler
from .headless import screenshot
from .images import IMAGES_FILE, as_pictures, read_images, save_images
from .network_model import ENV, config_env, import_backend
from .pages import ten_colour_handler
from .server import check_network, free_port, harden_server, safe_handler

SCRIPT = Path(__file__).with_name("model.py")
"""The model script nengo GUI runs (its layout is ``model.py.cfg`` beside it)."""


@dataclasses.dataclass(frozen=True)
class ServeConfig:
    """How the GUI is served: the user's pictures, where it listens, TLS, what it opens.

    Parameters
    ----------
    images : tuple of str, optional
        Picture files and folders of them, shown instead of test images (`read_images`).
    preprocess : bool
        Turn each picture into Fashion-MNIST's form first (False: 28 x 28 as they are;
        only with ``images``).
    reject : bool
        With ``images``: a picture the run's "not clothing" check rejects
        (`nengo_fashion.classify.reject`) is shown as ``NAME (not clothing)``; False: not.
    port : int
        TCP port, 1-65535 (the next free one if taken).
    listen : str
        Interface to listen on (``localhost``; ``*``: all); others need a password and TLS.
    password_file : str or Path, optional
        File whose first line is the password (else ``$NENGO_FASHION_GUI_PASSWORD``, else
        a prompt when stdin is a terminal: `read_password`).
    cert, key : str or Path, optional
        TLS certificate and its unencrypted private key, PEM files.
    browser : bool
        Open a browser on the GUI.
    show_token : bool
        Print the URL with its login token.
    screenshot : str or Path, optional
        Instead of serving: open headless Chromium, run a few seconds, save this PNG, stop.
    """

    images: Optional[tuple] = knob(
        None,
        "show your own pictures instead of test images: picture files and/or folders "
        "of them (a folder's files, by name), turned into Fashion-MNIST's form as "
        "nengo_fashion.predict does; unreadable files are skipped (one line each on stderr)",
        nargs="+",
        metavar="PATH",
    )
    preprocess: bool = knob(
        True,
        "with --images: --no-preprocess gives the pictures to the network as they are (they "
        "must be 28 x 28, garment light on black); default: turn each into Fashion-MNIST's "
        "form first",
        parse="flag",
    )
    reject: bool = knob(
        True,
        "with --images: name a picture that is not like a garment 'NAME (not clothing)' "
        "(the run's check, as nengo_fashion.predict answers); --no-reject: do not",
        parse="flag",
    )
    port: int = knob(8080, "1-65535 (default 8080)", parse="port")
    listen: str = knob(
        "localhost",
        "interface to listen on (default localhost; others need a password and --cert/--key)",
    )
    password_file: Optional[Path] = knob(
        None,
        f"the password (needed with --listen) is FILE's first line; else ${PASSWORD_ENV}; "
        "else it is asked for when stdin is a terminal",
        metavar="FILE",
    )
    cert: Optional[Path] = knob(None, "TLS certificate, PEM (with --listen)")
    key: Optional[Path] = knob(None, "its unencrypted private key, PEM (with --cert)")
    browser: bool = knob(True, "open a browser (default); --no-browser to only serve", parse="flag")
    show_token: bool = knob(False, "print the URL with its login token", parse="flag")
    screenshot: Optional[Path] = knob(
        None,
        "instead of serving: open headless Chromium, run a few seconds, save this PNG and stop",
    )

    def __post_init__(self):
        if isinstance(self.images, (str, os.PathLike)):
            object.__setattr__(self, "images", (self.images,))
        elif self.images is not None and not isinstance(self.images, tuple):
            object.__setattr__(self, "images", tuple(self.images))
        check_field_types(self)
        if not (is_int(self.port) and 1 <= self.port <= 65535):
            raise ConfigError(f"port must be in 1-65535, got {self.port!r}")
        if not self.listen:
            raise ConfigError("listen must name an interface (localhost, an address or *)")
        if not self.preprocess and self.images is None:
            raise ConfigError("--no-preprocess applies to --images only")


def mark_not_clothing(run, names, pixels):
    """``(names, pixels)`` with ``" (not clothing)"`` after the name of each picture the run's
    check rejects (`nengo_fashion.classify.Classifier.not_clothing`; none without a check)."""
    from ..classify import Classifier
    from ..classify.reject import LABEL

    flat = np.asarray(pixels, dtype=np.float32).reshape(len(pixels), -1)
    rejected = Classifier(run).not_clothing(flat)
    return [f"{n} ({LABEL})" if r else n for n, r in zip(names, rejected)], pixels


def _import_nengo_gui(backend):
    """nengo GUI, its parts imported, offering only nengo and ``backend`` (imported)."""
    try:
        import nengo_gui
        import nengo_gui.exec_env
        import nengo_gui.gui
        import nengo_gui.guibackend
        import nengo_gui.password
    except ImportError as e:
        raise MissingDependencyError(
            f"{e.name} is not installed: pip install nengo-gui==0.6.0 (or bash scripts/setup.sh)"
        ) from None
    import_backend(backend)
    # nengo GUI imports every simulator it knows of (nengo_dl among them, so
    # TensorFlow) to fill its backend menu each time the script runs; offer only
    # nengo and the chosen backend (restart with --backend to change it)
    nengo_gui.exec_env.known_modules[:] = list(dict.fromkeys(["nengo", backend]))
    return nengo_gui


def _set_env(env):
    """Set (or, for None, unset) the environment variables of ``env``."""
    for name, value in env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _script_folder(images):
    """A temporary folder with copies of the model script and its layout, and the user's
    pictures ``images`` (``(names, pixels)``, or None) as `IMAGES_FILE`, which
    ``$NENGO_FASHION_GUI_IMAGES`` then names; removed at exit at the latest."""
    folder = Path(tempfile.mkdtemp(prefix="nengo-fashion-gui-"))
    atexit.register(shutil.rmtree, folder, True)
    shutil.copy(SCRIPT, folder / SCRIPT.name)
    shutil.copy(SCRIPT.with_name(SCRIPT.name + ".cfg"), folder / (SCRIPT.name + ".cfg"))
    if images is not None:
        save_images(folder / IMAGES_FILE, *images)
        os.environ[ENV["images"]] = str(folder / IMAGES_FILE)
    return folder


def _server(nengo_gui, folder, backend, address, serve, *, password, threaded, context):
    """nengo GUI's GUI object on the script in ``folder``, its server hardened."""
    from nengo_gui.guibackend import GuiServerSettings, ModelContext
    from nengo_gui.password import gensalt, hashpw

    settings = GuiServerSettings(
        address,
        auto_shutdown=0 if threaded else 2,
        password_hash=hashpw(password, gensalt()) if password else None,
        # TLS is not nengo GUI's (a handshake inside its accept loop): see harden_server
        ssl_cert=None,
        ssl_key=None,
    )
    page = nengo_gui.page.PageSettings(backend=backend)
    cls = nengo_gui.gui.GuiThread if threaded else nengo_gui.gui.BaseGUI
    gui = cls(ModelContext(filename=str(folder / SCRIPT.name)), settings, page_settings=page)
    if context is not None:  # for get_url's https://
        gui.server.settings.ssl_cert, gui.server.settings.ssl_key = str(serve.cert), str(serve.key)
    gui.server.RequestHandlerClass = safe_handler(
        throttled_handler(ten_colour_handler(gui.server.RequestHandlerClass))
    )
    gui.server.login_throttle = LoginThrottle()  # per-address back-off of failed logins
    harden_server(gui.server, context)
    gui.temp_folder = folder
    return gui


def make_gui(config, serve=None, *, password=None, threaded=False, images=None):
    """Check everything, then make the nengo GUI server (not yet started).

    Parameters
    ----------
    config : GuiConfig
        What is shown: the run, the backend, the presentation time (s), the images.
    serve : ServeConfig, optional
        Where it listens (``port``, ``listen``) and its TLS (``cert``, ``key``); default
        ``ServeConfig()``, localhost:8080 (or the next free port).
    password : str, optional
        The login password (needed unless listening on localhost; at least 12 characters).
    threaded : bool
        A GUI that runs in a thread (``gui.start()`` returns), for a screenshot or a test.
    images : tuple, optional
        The user's pictures, ``(names, pixels)`` of `read_images`: shown instead of test
        images.

    Returns
    -------
    gui : nengo_gui.gui.BaseGUI
        Not started. The model script and its layout are copied to a temporary folder
        (the GUI saves layout changes next to the script), ``gui.temp_folder``: the caller
        removes it (`run_gui` does, also on Ctrl-C and SIGTERM; else it goes at exit). The
        settings go to the script through environment variables (`ENV`); ``images`` as
        `IMAGES_FILE` in that folder, which ``$NENGO_FASHION_GUI_IMAGES`` names.
    """
    serve = ServeConfig() if serve is None else serve
    load_run(config.run, family=config.neuron)  # a bad run fails here, before any server
    if images is not None:
        names, pixels = images
        pixels, names = as_pictures(pixels, names)
        images = (names, pixels)
    nengo_gui = _import_nengo_gui(config.backend)
    if serve.listen != "localhost" and not password:
        raise ConfigError(
            f"listening on {serve.listen!r} exposes an editor that runs arbitrary Python: "
            f"give a password (--password-file FILE, or ${PASSWORD_ENV})"
        )
    if password:
        check_password(password, "the GUI password")
    context = check_network(serve.listen, serve.cert, serve.key)
    _set_env(config_env(config))
    host = "" if serve.listen == "*" else serve.listen
    port = free_port(host, serve.port)
    folder = _script_folder(images)
    return _server(
        nengo_gui,
        folder,
        config.backend,
        (host, port),
        serve,
        password=password,
        threaded=threaded,
        context=context,
    )


def _take_screenshot(gui, path, log):
    """Start ``gui`` (threaded), save the page's picture at ``path``, stop it."""
    gui.start()
    gui.wait_for_startup()
    try:
        shown = screenshot(gui, path)
    finally:
        gui.shutdown(timeout=5)
    log(f"wrote {path}: {shown['steps']} steps simulated, {len(shown['errors'])} errors shown")
    return shown


def _serve(gui, run, serve, log):
    """Say where ``gui`` is (its token only with ``show_token``), open a browser, serve."""
    url = gui.server.get_url(token=True)
    shown = url if serve.show_token else gui.server.get_url(token=False)
    log(
        f"nengo GUI for {run} at {shown}"
        + ("" if serve.show_token else "  (login token not shown; --show-token prints it)")
    )
    sys.stdout.flush()  # before serving: the line is what a user (or a test) waits for
    if serve.browser:
        import webbrowser

        webbrowser.open(str(url))
    gui.start()


def run_gui(config, serve=None, *, log=print):
    """``python -m nengo_fashion.gui``: check everything, then serve the GUI until Ctrl-C or
    SIGTERM, or (``serve.screenshot``) save a picture of its page and stop.

    Every check comes first (a one-line error; no password asked, no folder made, no server
    started), then the user's pictures are read (``serve.images``), then the password
    (`read_password`; ``$NENGO_FASHION_GUI_PASSWORD`` is then removed from the environment,
    so that the simulators and browsers started here do not get it).

    Parameters
    ----------
    config : GuiConfig
        What is shown.
    serve : ServeConfig, optional
        How it is served (default ``ServeConfig()``).
    log : callable
        Where the messages go (the pictures shown, the address, the screenshot written).

    Returns
    -------
    dict or None
        With ``serve.screenshot``, what the page showed (`screenshot`); else None.
    """
    serve = ServeConfig() if serve is None else serve
    if serve.screenshot:
        check_out_file(serve.screenshot, "--screenshot")
    if config.neuron is not None:
        load_run(config.run, family=config.neuron)
    check_network(serve.listen, serve.cert, serve.key)
    images = None
    if serve.images is not None:  # before any password prompt, folder or server
        images = read_images(serve.images, preprocess=serve.preprocess)
        if serve.reject:
            images = mark_not_clothing(config.run, *images)
        n = len(images[0])
        log(f"showing {n} picture{'s' * (n != 1)} of yours instead of test images")
    password = read_password(serve.password_file, prompt=serve.listen != "localhost")
    os.environ.pop(PASSWORD_ENV, None)  # not for the simulators or browsers started here
    gui = make_gui(config, serve, password=password, threaded=bool(serve.screenshot), images=images)
    try:  # Ctrl-C and SIGTERM (run_cli) end here too
        if serve.screenshot:
            return _take_screenshot(gui, serve.screenshot, log)
        _serve(gui, config.run, serve, log)
        return None
    finally:
        shutil.rmtree(gui.temp_folder, ignore_errors=True)
        os.environ.pop(ENV["images"], None)  # its file is gone
