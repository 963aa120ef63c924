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

The modules, one concept each:

- `nengo_fashion.gui.network_model`: the GUI's Nengo model (`GuiConfig`,
  `build_gui_model`, its display nodes, the settings the model script gets);
- `nengo_fashion.gui.images`: the user's pictures (``--images``);
- `nengo_fashion.gui.app`: checking, making and serving the GUI (`ServeConfig`,
  `make_gui`, `run_gui`);
- `nengo_fashion.gui.server`: listening, TLS, each connection's handshake, hostile clients;
- `nengo_fashion.gui.auth`: the password and the login throttle;
- `nengo_fashion.gui.pages`: nengo GUI's JavaScript with ten line colours;
- `nengo_fashion.gui.headless`: the ``--screenshot`` in headless Chromium;
- ``model.py`` (and its layout ``model.py.cfg``): the script nengo GUI runs.

The command (its options are the fields of `GuiConfig` and `ServeConfig`) is
`nengo_fashion.commands.gui`.
"""

from .app import SCRIPT, ServeConfig, make_gui, run_gui
from .auth import PASSWORD_ENV, read_password
from .headless import screenshot
from .images import IMAGES_FILE, read_images, save_images
from .network_model import BACKENDS, ENV, GuiConfig, PictureName, build_gui_model, settings_from_env
from .pages import patched_static
from .server import HANDSHAKE_TIMEOUT, free_port

__all__ = [
    "BACKENDS",
    "ENV",
    "GuiConfig",
    "HANDSHAKE_TIMEOUT",
    "IMAGES_FILE",
    "PASSWORD_ENV",
    "PictureName",
    "SCRIPT",
    "ServeConfig",
    "build_gui_model",
    "free_port",
    "make_gui",
    "patched_static",
    "read_images",
    "read_password",
    "run_gui",
    "save_images",
    "screenshot",
    "settings_from_env",
]
