"""The GUI's Nengo model: the run's spiking network with the displays nengo GUI shows.

`build_gui_model` builds the network from the run's ``weights.npz`` (the one network
definition, `nengo_fashion.network.build_network`, or the chip mapping for ``nengo_loihi``)
and adds what is shown: the current image, its true class (or the name of the user's
picture), and the prediction averaged over the image's presentation. What to build is a
`GuiConfig`; the model script ``model.py`` that nengo GUI runs gets it from environment
variables (`ENV`, `settings_from_env`).
"""

import dataclasses
import html
import os
from pathlib import Path
from typing import Optional

import nengo
import numpy as np

from ..data import CLASS_NAMES
from ..errors import ConfigError, MissingDependencyError
from ..knobs import check_choices, check_field_types, knob
from ..network import NetworkSpec, build_network
from ..quiet import import_nengo_dl
from ..runs import load_run
from .images import IMAGES_ENV, as_pictures, load_images

BACKENDS = ("nengo", "nengo_dl", "nengo_loihi")
"""The simulators the GUI can run the network on."""

ENV = {
    "run": "NENGO_FASHION_GUI_RUN",
    "backend": "NENGO_FASHION_GUI_BACKEND",
    "presentation_time": "NENGO_FASHION_GUI_PRESENTATION_TIME",
    "n_images": "NENGO_FASHION_GUI_N_IMAGES",
    "scale": "NENGO_FASHION_GUI_SCALE",
    "data_dir": "NENGO_FASHION_GUI_DATA_DIR",
    "images": IMAGES_ENV,
}
"""The environment variables that carry a `GuiConfig` (and the pictures' file) to the
model script, by field."""


@dataclasses.dataclass(frozen=True)
class GuiConfig:
    """What the GUI shows: the run's network on a simulator, and the images it sees.

    Parameters
    ----------
    run : str or Path
        Run folder written by ``python -m nengo_fashion.train`` (needed).
    backend : {"nengo", "nengo_dl", "nengo_loihi"}
        The simulator nengo GUI runs the network on.
    neuron : str, optional
        Neuron family; must be the run's (None: the run's).
    presentation_time : float
        Seconds each image is shown for (simulated time).
    n_images : int
        Test images to cycle through (unused when the user's pictures are shown).
    scale : float, optional
        Firing-rate scale (None: the run's spiking setting's).
    data_dir : str or Path, optional
        Folder of the Fashion-MNIST files (None: `nengo_fashion.data.load`'s default).
    """

    run: Path = knob(dataclasses.MISSING, "run folder written by nengo_fashion.train")
    backend: str = knob("nengo", "the simulator (default nengo)", parse=BACKENDS)
    neuron: Optional[str] = knob(
        None, "neuron family; must be the run's (default: the run's)", parse="family"
    )
    presentation_time: float = knob(0.1, "seconds per image (default 0.1)", parse="positive_float")
    n_images: int = knob(
        100,
        "test images to cycle (with --images: all your pictures are shown)",
        parse="positive_int",
    )
    scale: Optional[float] = knob(
        None, "firing-rate scale (default: the run's)", parse="positive_float"
    )
    data_dir: Optional[Path] = None

    def __post_init__(self):
        check_field_types(self)
        check_choices(self)
        if not self.presentation_time > 0:
            raise ConfigError(
                f"presentation_time must be > 0 seconds, got {self.presentation_time!r}"
            )
        if self.n_images < 1:
            raise ConfigError(f"n_images must be at least 1, got {self.n_images!r}")
        if self.scale is not None and not self.scale > 0:
            raise ConfigError(f"scale must be > 0, got {self.scale!r}")
        if self.neuron is not None:
            from ..families import get_family

            get_family(self.neuron)  # a clear error for an unknown family


class ImageReadout:
    """The prediction over each presentation, as a Node function with HTML.

    At time ``t`` the prediction is the argmax of the output averaged since the
    current image appeared (the thesis' temporal average), compared with the
    true label; ``labels=None`` (the user's own pictures, which have none): the
    prediction alone. ``predictions`` keeps the final one of every image.

    Parameters
    ----------
    labels : array_like of int, optional
        True class of each image shown, in order (None: the user's pictures).
    presentation_time : float
        Seconds each image is shown for.
    dt : float
        Simulator time step, in seconds.
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
        from ..neurons.loihi_types import require_nengo_loihi

        require_nengo_loihi()


def _spiking_network(r, config, shown, scale):
    """The run ``r``'s spiking network presenting the images ``shown``, for the backend."""
    family = r.config.neuron
    if config.backend == "nengo_loihi":
        from ..classify.backends import load_backend

        loihi = load_backend("loihi")
        MappingSettings, default_neuron = loihi.MappingSettings, loihi.default_neuron
        build_loihi_network = loihi.build_loihi_network

        settings = MappingSettings(
            neuron=default_neuron(family), presentation_time=config.presentation_time, scale=scale
        )
        return build_loihi_network(r.weights, family, settings, shown)
    spec = NetworkSpec(
        spiking=True,
        scale=scale,
        input_output=nengo.processes.PresentInput(shown, config.presentation_time),
        label=f"{r.path.name}: {family} spiking",
    )
    return build_network(r.weights, family, spec)


def _add_displays(model, readout, presentation_time, labels, names):
    """The display nodes: the image, its true class (or picture name), the prediction."""
    if labels is None:  # the user's pictures: no true class, their names instead
        values, display, title = np.arange(len(names)), PictureName(names), "your picture"
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


def build_gui_model(config, *, images=None, names=None):
    """The GUI's model: the run's network on test images, with display nodes.

    Parameters
    ----------
    config : GuiConfig
        The run, backend, presentation time (s), number of test images, scale, data folder.
    images : array_like, optional
        The user's pictures, ``(n, 28, 28)`` or ``(n, 784)`` pixels in [0, 1] (as
        `nengo_fashion.gui.images.read_images` gives them): shown one after another
        instead of test images (``n_images`` and ``data_dir`` are then unused, no dataset
        is read).
    names : list of str, optional
        Their file names, shown where a test image's true class goes (``your picture:
        <name>``).

    Returns
    -------
    model : nengo.Network
        The network's attributes plus ``image``, ``true_label`` and ``prediction`` Nodes.
    readout : ImageReadout
        The prediction display's function (its ``predictions``).
    """
    from .. import data as data_mod

    r = load_run(config.run)
    scale = config.scale or r.config.spiking.scale
    if images is None:
        test = data_mod.load(config.data_dir, n_val=r.config.n_val).test.subset(config.n_images)
        shown, labels = test.images, test.labels
    else:
        shown, names = as_pictures(images, names)
        labels = None
    model = _spiking_network(r, config, shown, scale)
    readout = ImageReadout(labels, config.presentation_time)
    _add_displays(model, readout, config.presentation_time, labels, names)
    return model, readout


def config_env(config):
    """``{environment variable: value or None}`` that carries ``config`` to the model
    script (None: unset; the pictures' variable is set where their file is written)."""
    values = {
        "run": str(Path(config.run).resolve()),
        "backend": config.backend,
        "presentation_time": config.presentation_time,
        "n_images": config.n_images,
        "scale": config.scale,
        "data_dir": config.data_dir,
        "images": None,
    }
    return {ENV[k]: None if v is None else str(v) for k, v in values.items()}


def settings_from_env():
    """The `build_gui_model` arguments that ``python -m nengo_fashion.gui`` passed:
    ``{"config": GuiConfig, "images": pixels or None, "names": names or None}``."""
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
    images = names = None
    if os.environ.get(ENV["images"]):
        images, names = load_images(os.environ[ENV["images"]])
    return {"config": GuiConfig(**kw), "images": images, "names": names}
