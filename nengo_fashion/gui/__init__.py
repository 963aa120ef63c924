"""Watch the trained spiking network classify clothes in nengo GUI.

Usage::

    python -m nengo_fashion.gui --run results/thesis-relu            # opens a browser
    python -m nengo_fashion.gui --run results/thesis-relu --no-browser --port 8081
    python -m nengo_fashion.gui --run results/thesis-relu --backend nengo_loihi
    python -m nengo_fashion.gui --run results/thesis-relu --screenshot docs/gui.png
    python -m nengo_fashion.gui --run results/thesis-relu --images my_photos/ shirt.jpg

The GUI runs the script ``nengo_fashion/gui/model.py``, which builds the network
with `build_gui_model` from `nengo_fashion.network.build_network` (spiking
neurons, weights from the run's ``weights.npz``) and adds what is shown: the
current test image, its true class, the hidden layer's spike raster, the output
over time and the predicted class. A saved layout (``model.py.cfg``) opens
it pre-arranged.

**Your own pictures.** ``--images PATH...`` (picture files and folders of them) shows
your pictures instead of test images: each is read and turned into Fashion-MNIST's
form as ``python -m nengo_fashion.predict`` does (`read_images`; ``--no-preprocess``
to give 28 x 28 pictures as they are). A picture has no true class: that display
says ``your picture: <file name>`` instead. Unreadable files are skipped with one
line each on stderr; if none can be read, the command stops with one ``error:``
line before any server starts. The pictures reach the model script as
``images.npz`` in the GUI's temporary folder (named by ``$NENGO_FASHION_GUI_IMAGES``),
which goes when the GUI stops.

**Safety.** The server listens on localhost only. Its login token is not printed
unless ``--show-token``; the browser this command opens gets it directly.
Listening elsewhere (``--listen``) needs a password and TLS (``--cert`` and ``--key``).
nengo GUI's editor runs arbitrary Python with your rights: never expose it without
a password. The password is never an argument (every local user sees those in
``ps``); it is taken from, in this order:

1. ``--password-file FILE``: the first line of FILE;
2. the environment variable ``NENGO_FASHION_GUI_PASSWORD``;
3. a prompt, when stdin is a terminal.

A password shorter than 12 characters is refused, whatever its source, and a failed
login makes its client's address wait 1 s, 2 s, 4 s, ... (up to 5 min) before its next
guess is checked (`nengo_fashion.gui.auth`).

With TLS, each connection's handshake runs in that connection's own thread with a
timeout (`HANDSHAKE_TIMEOUT`), so a plain-HTTP request, a port scan or an idle
connection only ever drops itself (one line on stderr at most); the server keeps
serving everyone else.
"""

import argparse
import atexit
import errno
import html
import os
import shutil
import socket
import ssl
import sys
import tempfile
import time
from pathlib import Path

import nengo
import numpy as np

from ..atomic import check_out_file
from ..cli import ArgumentParser, add_data_args, port_number, positive_float, positive_int, run_cli
from ..data import CLASS_NAMES
from ..errors import ConfigError, MissingDependencyError
from ..families import FAMILIES
from ..network import NetworkSpec, build_network
from ..quiet import import_nengo_dl
from ..runs import load_run
from .auth import LoginThrottle, check_password, throttled_handler

BACKENDS = ("nengo", "nengo_dl", "nengo_loihi")
PASSWORD_ENV = "NENGO_FASHION_GUI_PASSWORD"
HANDSHAKE_TIMEOUT = 5.0
"""Seconds a new TLS connection has to complete its handshake before it is dropped."""
IDLE_TIMEOUT = 60.0
"""Seconds a connection may wait between requests (websockets excepted) before it is closed."""
MAX_POST_BYTES = 16 * 2**20
SCRIPT = Path(__file__).with_name("model.py")
ENV = {
    "run": "NENGO_FASHION_GUI_RUN",
    "backend": "NENGO_FASHION_GUI_BACKEND",
    "presentation_time": "NENGO_FASHION_GUI_PRESENTATION_TIME",
    "n_images": "NENGO_FASHION_GUI_N_IMAGES",
    "scale": "NENGO_FASHION_GUI_SCALE",
    "data_dir": "NENGO_FASHION_GUI_DATA_DIR",
    "images": "NENGO_FASHION_GUI_IMAGES",
}
IMAGES_FILE = "images.npz"
"""The user's preprocessed pictures (``pixels``, ``names``) in the GUI's temporary folder."""


class ImageReadout:
    """The prediction over each presentation, as a Node function with HTML.

    At time ``t`` the prediction is the argmax of the output averaged since the
    current image appeared (the thesis' temporal average), compared with the
    true label; ``labels=None`` (the user's own pictures, which have none): the
    prediction alone. ``predictions`` keeps the final one of every image.
    """

    def __init__(self, labels, presentation_time, dt=0.001):
        self.labels = None if labels is None else np.asarray(labels)
        self.steps = int(round(presentation_time / dt))
        self.dt = dt
        self.total = np.zeros(len(CLASS_NAMES))
        self.count = 0
        self.predictions = []
        self._nengo_html_ = ""

    def __call__(self, t, x):
        if t <= 0:  # nengo calls a Node's function once at build time, with t = 0
            return 0
        step = int(round(t / self.dt)) - 1
        if step % self.steps == 0:
            self.total[:] = 0
            self.count = 0
        self.total += x
        self.count += 1
        pred = int(np.argmax(self.total))
        if step % self.steps == self.steps - 1:
            self.predictions.append(pred)
        shown = f"<h3>predicted: {CLASS_NAMES[pred]}</h3>"
        if self.labels is not None:
            i = (step // self.steps) % len(self.labels)
            right = pred == self.labels[i]
            colour, mark = ("green", "right") if right else ("red", "wrong")
            shown += f"<h3 style='color:{colour}'>{mark}</h3>"
        self._nengo_html_ = shown
        return pred


def image_html(t, x):
    """Node function: the 784 pixels it receives (0..1), as an inline PNG in HTML.

    (nengo_extras.gui has such a function, but importing nengo_extras imports
    TensorFlow, NengoDL and nengo-loihi, which the plain nengo backend never needs.)
    """
    import base64
    import io

    from PIL import Image

    pixels = np.clip(np.asarray(x).reshape(28, 28) * 255, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buf, format="PNG")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    image_html._nengo_html_ = (
        f'<svg width="100%" height="100%" viewBox="0 0 28 28">'
        f'<image width="100%" height="100%" style="image-rendering: pixelated" '
        f'href="data:image/png;base64,{data}"/></svg>'
    )


image_html._nengo_html_ = ""


def label_html(t, x):
    """Node function: the true class name of the label it receives, as HTML."""
    label_html._nengo_html_ = f"<h3>true: {CLASS_NAMES[int(round(x[0]))]}</h3>"
    return x


label_html._nengo_html_ = ""


class PictureName:
    """Node function: the file name of the user's picture whose index it receives, as HTML.

    It stands where a test image's true class is shown: the user's pictures have no
    true label, so the display says whose picture it is instead of a wrong class.
    """

    def __init__(self, names):
        self.names = [str(n) for n in names]
        self._nengo_html_ = ""

    def __call__(self, t, x):
        name = self.names[int(round(x[0])) % len(self.names)]
        self._nengo_html_ = f"<h3>your picture: {html.escape(name)}</h3>"
        return x


def as_pictures(images, names=None):
    """The user's pictures as ``(n, 784)`` float32 in [0, 1], and their names (checked).

    ``images``: ``(n, 28, 28)`` or ``(n, 784)`` pixels in [0, 1] (what `read_images`
    gives); ``names`` default ``picture 1``, ``picture 2``, ...
    """
    x = np.asarray(images, dtype=np.float32)
    if x.ndim not in (2, 3) or not len(x) or x[0].size != 784:
        raise ConfigError(
            f"pictures must be an array of shape (n, 28, 28) or (n, 784) with n >= 1, "
            f"got shape {x.shape}"
        )
    x = x.reshape(len(x), 784)
    if not (np.isfinite(x).all() and x.min() >= 0 and x.max() <= 1):
        raise ConfigError("picture pixels must be finite numbers in [0, 1]")
    names = [f"picture {i + 1}" for i in range(len(x))] if names is None else list(names)
    if len(names) != len(x):
        raise ConfigError(f"{len(x)} pictures but {len(names)} names")
    return x, [str(n) for n in names]


def build_gui_model(
    run,
    *,
    backend="nengo",
    presentation_time=0.1,
    n_images=100,
    scale=None,
    data_dir=None,
    images=None,
    names=None,
):
    """The GUI's model: the run's network on test images, with display nodes.

    With ``images`` (the user's pictures, ``(n, 28, 28)`` or ``(n, 784)`` pixels in
    [0, 1], as `read_images` gives them) those are shown, one after another, instead
    of test images (``n_images`` and ``data_dir`` are then unused, no dataset is
    read); ``names`` (their file names) are shown where a test image's true class
    goes, ``your picture: <name>``.

    Returns ``(model, readout)``; ``model`` has the network's attributes plus
    ``image``, ``true_label`` and ``prediction`` Nodes.
    """
    from .. import data as data_mod

    r = load_run(run)
    family = r.config.neuron
    scale = scale or r.config.spiking.scale
    if images is None:
        test = data_mod.load(data_dir, n_val=r.config.n_val).test.subset(n_images)
        shown, labels = test.images, test.labels
    else:
        shown, names = as_pictures(images, names)
        labels = None
    if backend == "nengo_loihi":
        from loihi.mapping import MappingSettings, build_loihi_network, default_neuron

        settings = MappingSettings(
            neuron=default_neuron(family), presentation_time=presentation_time, scale=scale
        )
        model = build_loihi_network(r.weights, family, settings, shown)
    else:
        spec = NetworkSpec(
            spiking=True,
            scale=scale,
            input_output=nengo.processes.PresentInput(shown, presentation_time),
            label=f"{r.path.name}: {family} spiking",
        )
        model = build_network(r.weights, family, spec)
    readout = ImageReadout(labels, presentation_time)
    if labels is None:  # the user's pictures: no true class, their names instead
        values, display, title = np.arange(len(shown)), PictureName(names), "your picture"
    else:
        values, display, title = labels, label_html, "true class"
    with model:
        model.image = nengo.Node(image_html, size_in=784, label="input image")
        nengo.Connection(model.inp, model.image, synapse=None)
        # the label (or picture index) follows the image through the same kind of
        # process, step for step
        model.label_node = label_node = nengo.Node(
            nengo.processes.PresentInput(values[:, None].astype(float), presentation_time),
            label="label" if labels is not None else "picture",
        )
        model.true_label = nengo.Node(display, size_in=1, label=title)
        nengo.Connection(label_node, model.true_label, synapse=None)
        model.prediction = nengo.Node(readout, size_in=10, label="predicted class")
        nengo.Connection(model.out, model.prediction, synapse=None)
    return model, readout


def settings_from_env():
    """The `build_gui_model` arguments that ``python -m nengo_fashion.gui`` passed."""
    if ENV["run"] not in os.environ:
        raise ConfigError(
            f"set {ENV['run']} to a run folder, or start with python -m nengo_fashion.gui"
        )
    kw = {"run": os.environ[ENV["run"]], "backend": os.environ.get(ENV["backend"], "nengo")}
    for key, cast in (("presentation_time", float), ("n_images", int), ("scale", float)):
        if os.environ.get(ENV[key]):
            kw[key] = cast(os.environ[ENV[key]])
    if os.environ.get(ENV["data_dir"]):
        kw["data_dir"] = os.environ[ENV["data_dir"]]
    if os.environ.get(ENV["images"]):
        kw["images"], kw["names"] = load_images(os.environ[ENV["images"]])
    return kw


def read_images(paths, preprocess=True):
    """The user's pictures for `build_gui_model`: ``(names, pixels)``.

    ``paths``: picture files and folders of them (a folder's files by name, not its
    subfolders or hidden files), read and turned into Fashion-MNIST's form exactly as
    ``python -m nengo_fashion.predict`` does (`nengo_fashion.predict.collect`;
    ``preprocess=False``: 28 x 28 pictures as they are). ``names`` are the file names,
    ``pixels`` ``(n, 28, 28)`` float32 in [0, 1]. An unreadable file is skipped with
    one line on stderr (``skipped <file>: <why>``); `ConfigError` if none is readable.
    """
    from ..predict import collect

    paths = [str(p) for p in paths]
    if not paths:
        raise ConfigError("--images: no picture file or folder given")
    sources, pixels, failed = collect(paths, preprocess=preprocess, errors="skip", quiet=True)
    if not len(pixels):
        more = f"; {len(failed) - 1} more cannot be read either" if len(failed) > 1 else ""
        first = failed[0][1] if failed else "nothing found"
        raise ConfigError(f"--images: no picture can be read ({first}{more})")
    for _, reason in failed:
        print(f"skipped {reason}", file=sys.stderr, flush=True)
    return [Path(s).name for s in sources], pixels


def save_images(path, names, pixels):
    """Write the user's pictures for the model script (`load_images` reads them)."""
    x, names = as_pictures(pixels, names)
    np.savez(path, pixels=x, names=np.array(names, dtype=str))


def load_images(path):
    """``(pixels, names)`` written by `save_images` (no pickled objects are loaded)."""
    try:
        with np.load(path, allow_pickle=False) as f:
            return f["pixels"], [str(n) for n in f["names"]]
    except (OSError, KeyError, ValueError) as e:
        raise ConfigError(f"cannot read the pictures in {path} (${ENV['images']}): {e}") from None


def free_port(host, port, tries=20):
    """``port`` if free, else the next free one (said on stdout); error after ``tries``."""
    last = min(port + tries, 65536) - 1
    for p in range(port, last + 1):
        with socket.socket() as s:
            try:
                s.bind((host or "", p))
            except socket.gaierror as e:
                raise ConfigError(
                    f"cannot listen on {host!r} ({e.strerror}): check --listen"
                ) from None
            except OSError as e:
                if e.errno == errno.EADDRNOTAVAIL:
                    raise ConfigError(
                        f"cannot listen on {host!r} ({e.strerror}): --listen must be an "
                        "address of this machine"
                    ) from None
                if e.errno != errno.EADDRINUSE:
                    raise ConfigError(
                        f"cannot listen on {host or '*'}:{p} ({e.strerror}); pass another --port"
                    ) from None
                continue
        if p != port:
            print(f"port {port} is in use; using port {p}")
        return p
    raise ConfigError(f"ports {port}..{last} are all in use; pass --port")


def import_backend(backend):
    """Import a simulator backend (TensorFlow only for ``nengo_dl`` and ``nengo_loihi``)."""
    if backend == "nengo_dl":
        try:
            import_nengo_dl()
        except ImportError as e:
            raise MissingDependencyError(
                f"{e.name} is not installed: pip install nengo-dl==3.6.0 tensorflow==2.12.1 "
                "(or bash scripts/setup.sh)"
            ) from None
    elif backend == "nengo_loihi":
        from loihi import require_nengo_loihi

        require_nengo_loihi()


def tls_context(cert, key):
    """The server-side TLS context of ``--cert`` and ``--key``; ``None`` if neither is given.

    Raises `ConfigError` for one without the other, a missing or unreadable file, a
    file that holds no PEM certificate or key, a key that does not match the
    certificate, or a key protected by a pass phrase (nothing could type it).
    """
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        given, other = ("--cert", "--key") if key is None else ("--key", "--cert")
        raise ConfigError(f"{given} needs {other} too (the certificate and its private key)")
    for option, path, marker, what in (
        ("--cert", cert, b"-----BEGIN CERTIFICATE-----", "a PEM certificate"),
        ("--key", key, b"PRIVATE KEY-----", "a PEM private key"),
    ):
        if not os.path.exists(path):
            raise ConfigError(f"{option} {path} not found")
        if os.path.isdir(path):
            raise ConfigError(f"{option} {path} is a folder, not {what}")
        try:
            with open(path, "rb") as f:
                text = f.read(2**20)
        except OSError as e:
            raise ConfigError(f"{option} {path} cannot be read ({e.strerror or e})") from None
        if marker not in text:
            raise ConfigError(f"{option} {path} is not {what} (no {marker.decode()!r} in it)")

    def no_pass_phrase():
        raise ConfigError(f"--key {key} is protected by a pass phrase; give an unencrypted key")

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(cert, key, password=no_pass_phrase)
    except ssl.SSLError as e:
        raise ConfigError(
            f"cannot use --cert {cert} with --key {key} ({e.reason or e}): they must be a PEM "
            "certificate and its unencrypted private key"
        ) from None
    except OSError as e:
        raise ConfigError(f"cannot read --cert {cert} or --key {key} ({e.strerror or e})") from None
    return context


def check_network(listen, cert, key):
    """Check ``--listen``, ``--cert`` and ``--key``; the TLS context (``None``: plain HTTP)."""
    context = tls_context(cert, key)
    if listen != "localhost" and context is None:
        raise ConfigError("listening beyond localhost needs TLS: pass --cert and --key")
    return context


def read_password(password_file=None, prompt=False):
    """The GUI password, never from the command line (``ps`` shows that to every user).

    ``password_file``'s first line, else ``$NENGO_FASHION_GUI_PASSWORD``, else (with
    ``prompt``, when stdin is a terminal) typed at a prompt; ``None`` if none of these.
    A password from any of them must be long enough (`auth.check_password`).
    """
    if password_file is not None:
        try:
            with open(password_file, encoding="utf-8") as f:
                line = f.readline(4097)
        except FileNotFoundError:
            raise ConfigError(f"--password-file {password_file} not found") from None
        except IsADirectoryError:
            raise ConfigError(f"--password-file {password_file} is a folder, not a file") from None
        except OSError as e:
            raise ConfigError(
                f"--password-file {password_file} cannot be read ({e.strerror or e})"
            ) from None
        except UnicodeDecodeError:
            raise ConfigError(f"--password-file {password_file} is not UTF-8 text") from None
        password = line.rstrip("\r\n")
        if len(password) > 4096:
            raise ConfigError(f"--password-file {password_file}: first line over 4096 characters")
        if not password:
            raise ConfigError(
                f"--password-file {password_file}: the first line, the password, is empty"
            )
        return check_password(password, f"--password-file {password_file}")
    if os.environ.get(PASSWORD_ENV):
        return check_password(os.environ[PASSWORD_ENV], f"${PASSWORD_ENV}")
    if prompt and sys.stdin is not None and sys.stdin.isatty():
        import getpass

        try:
            password = getpass.getpass("password for the nengo GUI: ")
        except EOFError:
            password = ""
        if not password:
            raise ConfigError("no password typed")
        return check_password(password, "the typed password")
    return None


class ConnectionDropped(Exception):
    """A connection closed before its first request (a failed TLS handshake, plain HTTP
    on the HTTPS port, a port scan). The message is the reason; empty: not worth a line."""


def _answer_plain_http(conn):
    """Tell a plain-HTTP client on the HTTPS port to use https (best effort)."""
    body = b"This nengo GUI server speaks HTTPS only: use https:// instead of http://.\n"
    try:
        conn.settimeout(1.0)
        conn.recv(65536)  # the request: closing with it unread would reset the answer
        conn.sendall(
            b"HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
        )
        conn.shutdown(socket.SHUT_WR)
        for _ in range(16):  # until the client closes too
            if not conn.recv(65536):
                break
    except OSError:
        pass


def tls_handshake(conn, context, timeout=HANDSHAKE_TIMEOUT):
    """Secure an accepted connection ``conn``; the `ssl.SSLSocket`.

    Runs in the connection's own thread (not in the server's accept loop, where one
    bad or idle client would stop every other), and takes at most ``timeout``
    seconds. A client that is not a TLS client gets `ConnectionDropped`, ``conn``
    closed; plain HTTP gets a short 400 answer first.
    """
    deadline = time.monotonic() + timeout
    try:
        conn.settimeout(timeout)
        first = conn.recv(1, socket.MSG_PEEK)
        if not first:
            raise ConnectionDropped("")  # connected and closed: a port scan
        if first != b"\x16":  # a TLS connection starts with a handshake record
            if first.isalpha():
                _answer_plain_http(conn)
                raise ConnectionDropped("plain HTTP on the HTTPS port (answered: use https://)")
            raise ConnectionDropped("not a TLS client")
        conn.settimeout(max(0.1, deadline - time.monotonic()))
        tls = context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        try:
            tls.do_handshake()
        except BaseException:
            tls.close()
            raise
        return tls
    except ConnectionDropped:
        conn.close()
        raise
    except TimeoutError:
        conn.close()
        raise ConnectionDropped(f"no TLS handshake within {timeout:g} s") from None
    except ssl.SSLError as e:
        conn.close()
        raise ConnectionDropped(f"TLS handshake failed ({e.reason or e})") from None
    except OSError:  # the client reset the connection
        conn.close()
        raise ConnectionDropped("") from None


def harden_server(server, context=None):
    """Make nengo GUI's ``server`` survive what a client does before its first request.

    nengo GUI 0.6.0 accepts connections in one loop, outside any ``try``: with TLS,
    its listening sockets did each handshake inside ``accept()``, so plain HTTP
    stopped the server with a traceback and an idle connection blocked everyone.
    Here the listening sockets stay plain and non-blocking (an ``accept()`` error
    ends that ``accept()`` only), and with ``context`` each connection's handshake
    runs in its own thread (`safe_handler`, `tls_handshake`).
    """
    server.tls_context = context
    for b in server.bindings:
        b.socket.setblocking(False)
    accept_one = server._handle_request_noblock

    def handle_request_noblock(sock):
        try:
            accept_one(sock)
        except (BlockingIOError, ConnectionAbortedError, InterruptedError):
            pass  # the client left between select() and accept()
        except OSError as e:  # out of file descriptors, say: wait, the loop retries
            print(f"nengo GUI: cannot accept a connection ({e})", file=sys.stderr, flush=True)
            time.sleep(0.1)

    server._handle_request_noblock = handle_request_noblock
    return quiet_disconnects(server)


def quiet_disconnects(server):
    """Make ``server`` drop a browser's disconnect silently.

    nengo GUI 0.6.0 means to ignore a client that goes away (its ``handle_error``
    checks ``exc_type is socket.error``), but the error raised is a subclass
    (`ConnectionResetError`, `BrokenPipeError`), so it prints a traceback every time
    a browser closes. Only those expected errors (and timeouts and TLS errors of a
    client) are silenced; a `ConnectionDropped` prints its one line; others print.
    """
    handle_error = server.handle_error

    def handle(request, client_address):
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionDropped):
            if str(error):
                host = client_address[0] if client_address else "?"
                print(
                    f"nengo GUI: dropped a connection from {host}: {error}",
                    file=sys.stderr,
                    flush=True,
                )
            return
        if isinstance(error, (ConnectionError, TimeoutError, ssl.SSLError)):
            return
        handle_error(request, client_address)

    server.handle_error = handle
    return server


PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
"""Ten distinct line colours (matplotlib's tab10), one per class."""

_JS_PATCHES = {
    # nengo GUI 0.6.0 draws lines and legends from a six-colour palette, so ten
    # classes repeat colours (Trouser = Sneaker, Dress = Ankle boot)
    "static/nengo.js": [
        (
            '["#1c73b3", "#039f74", "#d65e00", "#cd79a7", "#f0e542", "#56b4ea"]',
            "[" + ", ".join(f'"{c}"' for c in PALETTE) + "]",
        )
    ],
    "static/components/value.js": [
        ("Nengo.make_colors(6)", f"Nengo.make_colors({len(PALETTE)})"),
        ("self.colors[i % 6]", "self.colors[i % self.colors.length]"),
    ],
}


def patched_static(name, data):
    """nengo GUI's static file ``name`` (bytes) with ten line colours instead of six.

    Raises `RuntimeError` if a patch no longer applies (another nengo GUI version).
    """
    for old, new in _JS_PATCHES.get(name, []):
        if old.encode() not in data:
            raise RuntimeError(f"nengo GUI's {name} has changed: cannot set ten colours")
        data = data.replace(old.encode(), new.encode())
    return data


def ten_colour_handler(handler_cls):
    """A subclass of nengo GUI's request handler that serves `patched_static` files."""
    import mimetypes
    import pkgutil

    from nengo_gui import server as gui_server

    class Handler(handler_cls):
        def serve_static(self):
            name = os.path.normpath(self.resource[1:]).replace(os.sep, "/")
            if name not in _JS_PATCHES:
                return super().serve_static()
            data = patched_static(name, pkgutil.get_data("nengo_gui", name))
            return gui_server.HttpResponse(data, mimetypes.guess_type(name)[0])

    return Handler


def safe_handler(handler_cls):
    """A subclass of nengo GUI's request handler for clients that may be hostile.

    - with TLS (``server.tls_context``), the handshake runs here, in the
      connection's thread (`tls_handshake`);
    - a connection idle for `IDLE_TIMEOUT` seconds between requests is closed;
    - error pages are plain: status and message (escaped), never a traceback
      with local paths (nengo GUI's 500 page), a missing static file is a 404;
    - a POST without a sane Content-Length or Content-Type gets 400.
    """
    from urllib.parse import parse_qs, urlparse

    from nengo_gui import server as gui_server

    class Handler(handler_cls):
        timeout = IDLE_TIMEOUT  # StreamRequestHandler.setup applies it; websockets unset it

        def setup(self):
            context = getattr(self.server, "tls_context", None)
            if context is not None:
                self.request = tls_handshake(self.request, context)
            super().setup()

        def finish(self):
            try:
                super().finish()
            finally:
                if getattr(self.server, "tls_context", None) is not None:
                    self.request.close()  # the server closes only the plain socket

        def send_plain_error(self, code, message):
            body = f"<h1>{code}</h1><p>{html.escape(str(message))}</p>".encode()
            gui_server.HtmlResponse(body, code=code).send(self)

        def do_POST(self):
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                length = -1
            kind = self.headers.get("Content-Type")
            if not 0 <= length <= MAX_POST_BYTES or kind is None or "multipart/" in kind:
                self.close_connection = True
                return self.send_plain_error(400, "Bad request")
            try:
                super().do_POST()
            except ValueError:  # a body that is not ASCII form data
                self.send_plain_error(400, "Bad request")

        def do_GET(self):
            # nengo GUI 0.6.0's do_GET, with plain error pages
            try:
                parsed = urlparse(self.path)
                self.resource = parsed.path
                self.query = parse_qs(parsed.query)
                self.db.update({k: v[0] for k, v in self.query.items() if k not in self.db})
                if "Cookie" in self.headers:
                    self.request_cookies.parse_request(self.headers.get("Cookie"))
                if "upgrade" in self.headers.get("Connection", "close").lower():
                    self.handle_upgrade()
                else:
                    self.http_GET()
            except gui_server.HttpError as err:
                self.send_plain_error(err.code, err.msg)
            except (ConnectionError, TimeoutError, ssl.SSLError):
                raise  # the client went away: nothing to answer
            except Exception:
                gui_server.logger.exception("Error response")
                self.send_plain_error(500, "Internal server error")

        def serve_static(self):
            try:
                return super().serve_static()
            except (OSError, ValueError):  # no such file, or a folder
                raise gui_server.HttpError(404, f"Not found: {self.resource}") from None

    return Handler


def make_gui(
    run,
    *,
    backend="nengo",
    port=8080,
    listen="localhost",
    password=None,
    presentation_time=0.1,
    n_images=100,
    scale=None,
    data_dir=None,
    cert=None,
    key=None,
    threaded=False,
    images=None,
):
    """Check everything, then make the nengo GUI server (not yet started).

    The model script and its layout are copied to a temporary folder (the GUI
    saves layout changes next to the script), ``gui.temp_folder``: the caller
    removes it (`main` does, also on Ctrl-C and SIGTERM; else it goes at exit).
    The settings go to the script through environment variables; ``images``
    (``(names, pixels)`` of `read_images`: shown instead of test images) as
    `IMAGES_FILE` in that folder, which ``$NENGO_FASHION_GUI_IMAGES`` names.
    """
    load_run(run)  # a missing run or weights.npz fails here, before any server
    if images is not None:
        names, pixels = images
        pixels, names = as_pictures(pixels, names)
    if backend not in BACKENDS:
        raise ConfigError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    try:
        import nengo_gui
        import nengo_gui.exec_env
        import nengo_gui.gui
        from nengo_gui.guibackend import GuiServerSettings, ModelContext
        from nengo_gui.password import gensalt, hashpw
    except ImportError as e:
        raise MissingDependencyError(
            f"{e.name} is not installed: pip install nengo-gui==0.6.0 (or bash scripts/setup.sh)"
        ) from None
    import_backend(backend)
    # nengo GUI imports every simulator it knows of (nengo_dl among them, so
    # TensorFlow) to fill its backend menu each time the script runs; offer only
    # nengo and the chosen backend (restart with --backend to change it)
    nengo_gui.exec_env.known_modules[:] = list(dict.fromkeys(["nengo", backend]))
    if listen != "localhost" and not password:
        raise ConfigError(
            f"listening on {listen!r} exposes an editor that runs arbitrary Python: "
            f"give a password (--password-file FILE, or ${PASSWORD_ENV})"
        )
    if password:
        check_password(password, "the GUI password")
    context = check_network(listen, cert, key)
    env = {
        "run": str(Path(run).resolve()),
        "backend": backend,
        "presentation_time": presentation_time,
        "n_images": n_images,
        "scale": scale,
        "data_dir": data_dir,
        "images": None,  # set below, once the file is written
    }
    for k, v in env.items():
        if v is None:
            os.environ.pop(ENV[k], None)
        else:
            os.environ[ENV[k]] = str(v)
    host = "" if listen == "*" else listen
    port = free_port(host, port)
    folder = Path(tempfile.mkdtemp(prefix="nengo-fashion-gui-"))
    atexit.register(shutil.rmtree, folder, True)
    script = folder / SCRIPT.name
    shutil.copy(SCRIPT, script)
    shutil.copy(SCRIPT.with_name(SCRIPT.name + ".cfg"), folder / (SCRIPT.name + ".cfg"))
    if images is not None:
        save_images(folder / IMAGES_FILE, names, pixels)
        os.environ[ENV["images"]] = str(folder / IMAGES_FILE)
    settings = GuiServerSettings(
        (host, port),
        auto_shutdown=0 if threaded else 2,
        password_hash=hashpw(password, gensalt()) if password else None,
        # TLS is not nengo GUI's (a handshake inside its accept loop): see harden_server
        ssl_cert=None,
        ssl_key=None,
    )
    page = nengo_gui.page.PageSettings(backend=backend)
    cls = nengo_gui.gui.GuiThread if threaded else nengo_gui.gui.BaseGUI
    gui = cls(ModelContext(filename=str(script)), settings, page_settings=page)
    if context is not None:  # for get_url's https://
        gui.server.settings.ssl_cert, gui.server.settings.ssl_key = str(cert), str(key)
    gui.server.RequestHandlerClass = safe_handler(
        throttled_handler(ten_colour_handler(gui.server.RequestHandlerClass))
    )
    gui.server.login_throttle = LoginThrottle()  # per-address back-off of failed logins
    harden_server(gui.server, context)
    gui.temp_folder = folder
    return gui


def screenshot(gui, path, *, seconds=4.0, width=1400, height=900):
    """Open the GUI in headless Chromium, press play, wait ``seconds`` (then until the
    simulator has run and the prediction is shown), save a PNG.

    Returns a dict with what the page showed: ``errors`` (error texts shown),
    ``names`` (object labels drawn), ``html`` (the texts of the HTML displays: the
    true class or picture name, the prediction) and ``steps`` (the simulator's step
    count).
    """
    try:
        from selenium import webdriver
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
    except ImportError:
        raise MissingDependencyError(
            "selenium is not installed: pip install selenium==4.10.0"
        ) from None
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_bin = shutil.which("chromedriver")
    if not (chromium and driver_bin):
        raise MissingDependencyError(
            "Chromium and its driver are needed: sudo apt-get install chromium chromium-driver"
        )
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--window-size={width},{height}",
    ):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_bin), options=opts)
    try:
        driver.get(str(gui.server.get_url(token="one-time")))
        deadline = time.time() + 60
        while time.time() < deadline and not driver.find_elements(By.ID, "pause_button"):
            time.sleep(0.2)
        while time.time() < deadline and not gui.server.pages:
            time.sleep(0.2)
        time.sleep(2.0)  # let the page build the model and draw the layout
        for _ in range(20):  # the page may redraw the button while loading
            try:
                driver.find_element(By.ID, "pause_button").click()
                break
            except StaleElementReferenceException:
                time.sleep(0.5)
        time.sleep(seconds)
        # then until the simulator has run and the prediction is shown (`ImageReadout`;
        # a loaded machine is slower, not different): at most 60 s more
        deadline = time.time() + 60
        while True:
            page = gui.server.pages[0] if gui.server.pages else None
            steps = int(getattr(getattr(page, "sim", None), "n_steps", 0) or 0)
            shown_html = driver.execute_script(
                "return Array.from(document.querySelectorAll('.htmlview'))"
                ".map(e => e.textContent)"
            )
            shown = steps > 0 and any("predicted: " in t for t in shown_html)
            if shown or (page is not None and page.error) or time.time() > deadline:
                break
            time.sleep(0.5)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(path))
        errors = driver.execute_script(
            "return Array.from(document.querySelectorAll('.ace_error, .error'))"
            ".map(e => e.textContent).filter(t => t.trim())"
        )
        if page is not None and page.error:
            errors.append(str(page.error))
        names = driver.execute_script(
            "return Array.from(document.querySelectorAll('text')).map(e => e.textContent)"
        )
        return {"errors": errors, "names": names, "html": shown_html, "steps": steps}
    finally:
        driver.quit()


def main(argv=None):
    p = ArgumentParser(prog="python -m nengo_fashion.gui", description=__doc__.splitlines()[0])
    p.add_argument("--run", required=True, help="run folder written by nengo_fashion.train")
    p.add_argument("--backend", choices=BACKENDS, default="nengo")
    p.add_argument(
        "--neuron",
        choices=sorted(FAMILIES),
        default=None,
        help="neuron family; must be the run's (default: the run's)",
    )
    p.add_argument(
        "--presentation-time",
        type=positive_float,
        default=0.1,
        help="seconds per image (default 0.1)",
    )
    p.add_argument(
        "--n-images",
        type=positive_int,
        default=100,
        help="test images to cycle (with --images: all your pictures are shown)",
    )
    p.add_argument(
        "--images",
        nargs="+",
        default=None,
        metavar="PATH",
        help="show your own pictures instead of test images: picture files and/or folders "
        "of them (a folder's files, by name), turned into Fashion-MNIST's form as "
        "nengo_fashion.predict does; unreadable files are skipped (one line each on stderr)",
    )
    p.add_argument(
        "--no-preprocess",
        dest="preprocess",
        action="store_false",
        help="with --images: give the pictures to the network as they are (they must be "
        "28 x 28, garment light on black); default: turn each into Fashion-MNIST's form first",
    )
    p.add_argument("--scale", type=positive_float, default=None)
    p.add_argument("--port", type=port_number, default=8080, help="1-65535 (default 8080)")
    p.add_argument(
        "--listen",
        default="localhost",
        help="interface to listen on (default localhost; others need --password)",
    )
    # refused with a clear error (a password in argv is visible to every user in ps)
    p.add_argument("--password", default=None, help=argparse.SUPPRESS)
    p.add_argument(
        "--password-file",
        default=None,
        metavar="FILE",
        help=f"the password (needed with --listen) is FILE's first line; else ${PASSWORD_ENV}; "
        "else it is asked for when stdin is a terminal",
    )
    p.add_argument("--cert", default=None, help="TLS certificate, PEM (with --listen)")
    p.add_argument("--key", default=None, help="its unencrypted private key, PEM (with --cert)")
    p.add_argument(
        "--browser",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="open a browser (default); --no-browser to only serve",
    )
    p.add_argument("--show-token", action="store_true", help="print the URL with its login token")
    p.add_argument(
        "--screenshot",
        default=None,
        help="instead of serving: open headless Chromium, run a few seconds, "
        "save this PNG and stop",
    )
    add_data_args(p, n_val=False)
    args = p.parse_args(argv)

    def run():
        if args.password is not None:
            raise ConfigError(
                "--password would show the password to every local user (ps): put it in a "
                f"file (--password-file FILE) or in ${PASSWORD_ENV}"
            )
        if args.screenshot:
            check_out_file(args.screenshot, "--screenshot")
        if args.neuron is not None:
            load_run(args.run, family=args.neuron)
        check_network(args.listen, args.cert, args.key)
        if not args.preprocess and args.images is None:
            raise ConfigError("--no-preprocess applies to --images only")
        images = None
        if args.images is not None:  # before any password prompt, folder or server
            images = read_images(args.images, preprocess=args.preprocess)
            n = len(images[0])
            print(f"showing {n} picture{'s' * (n != 1)} of yours instead of test images")
        password = read_password(args.password_file, prompt=args.listen != "localhost")
        os.environ.pop(PASSWORD_ENV, None)  # not for the simulators or browsers started here
        gui = make_gui(
            args.run,
            backend=args.backend,
            port=args.port,
            listen=args.listen,
            password=password,
            presentation_time=args.presentation_time,
            n_images=args.n_images,
            scale=args.scale,
            data_dir=args.data_dir,
            cert=args.cert,
            key=args.key,
            threaded=bool(args.screenshot),
            images=images,
        )
        try:  # Ctrl-C and SIGTERM (run_cli) end here too
            serve(gui)
        finally:
            shutil.rmtree(gui.temp_folder, ignore_errors=True)
            os.environ.pop(ENV["images"], None)  # its file is gone

    def serve(gui):
        if args.screenshot:
            gui.start()
            gui.wait_for_startup()
            try:
                shown = screenshot(gui, args.screenshot)
            finally:
                gui.shutdown(timeout=5)
            print(
                f"wrote {args.screenshot}: {shown['steps']} steps simulated, "
                f"{len(shown['errors'])} errors shown"
            )
            return
        url = gui.server.get_url(token=True)
        shown = url if args.show_token else gui.server.get_url(token=False)
        print(
            f"nengo GUI for {args.run} at {shown}"
            + ("" if args.show_token else "  (login token not shown; --show-token prints it)"),
            flush=True,
        )
        if args.browser:
            import webbrowser

            webbrowser.open(str(url))
        gui.start()

    return run_cli(run)
