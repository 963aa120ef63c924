"""The trained weights of the 784-128-10 network and their one reader, without Nengo.

`Weights` holds the four arrays of a run's ``weights.npz``; `Weights.load` is the one reader
of that file: ``nengo_fashion.runs.load_run`` (every command's ``--run``), ``train
--init-run``, ``python -m nengo_fashion.predict`` and its API (`nengo_fashion.classify.load`)
all go through it, so a damaged file gets the same one-line `RunError` everywhere. This
module imports numpy only (the rate path of ``predict`` must not import Nengo);
`nengo_fashion.network` re-exports `Weights`, `N_HIDDEN` and `check_images`.
"""

import dataclasses
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .data import N_CLASSES, N_PIXELS
from .errors import ConfigError, RunError

N_HIDDEN = 128

_NPY_MAGIC = b"\x93NUMPY"


@dataclasses.dataclass(frozen=True)
class Weights:
    """Trained parameters, in Nengo's ``transform`` convention ``y = W @ x + b``.

    Shapes: ``hidden_w`` (128, 784), ``hidden_b`` (128,), ``output_w`` (10, 128),
    ``output_b`` (10,). Saved as ``weights.npz`` with exactly these four keys, so
    any tool can load a run without NengoDL.
    """

    hidden_w: np.ndarray
    hidden_b: np.ndarray
    output_w: np.ndarray
    output_b: np.ndarray

    SHAPES = {
        "hidden_w": (N_HIDDEN, N_PIXELS),
        "hidden_b": (N_HIDDEN,),
        "output_w": (N_CLASSES, N_HIDDEN),
        "output_b": (N_CLASSES,),
    }

    def __post_init__(self):
        for name, shape in self.SHAPES.items():
            value = np.asarray(getattr(self, name), dtype=np.float32)
            if value.shape != shape:
                raise RunError(f"weights {name!r} has shape {value.shape}, expected {shape}")
            object.__setattr__(self, name, value)

    def save(self, path):
        """Write ``weights.npz`` (use `nengo_fashion.atomic.atomic_path` for atomicity)."""
        np.savez(path, **{k: getattr(self, k) for k in self.SHAPES})

    FIX = "restore the file, or train the run again with python -m nengo_fashion.train"
    """How to mend a damaged ``weights.npz``, the end of every error of `load`."""

    @classmethod
    def load(cls, path):
        """Read a ``weights.npz``: the one reader of trained weights (`nengo_fashion.runs.load_run`,
        ``train --init-run`` and `nengo_fashion.classify` use it).

        A missing, empty, truncated or corrupt file, a missing array, an array whose ``.npy``
        header gives a wrong shape or a dtype that is not float (checked before its data is
        read, so a header that claims a huge array allocates nothing), or a NaN or infinite
        weight is a `RunError` of one line naming the file and the fix.
        """
        path = Path(path)
        if not path.exists():
            raise RunError(f"{path} not found; is this a run folder made by train?")
        try:
            with open(path, "rb") as fh:
                head = fh.read(len(_NPY_MAGIC))
            if not head:
                raise RunError(
                    f"{path} is damaged or not a weights file (an empty file, 0 bytes); {cls.FIX}"
                )
            if head == _NPY_MAGIC:  # a bare .npy array, not an .npz archive
                raise RunError(f"{path} holds one array, not the four of a weights file; {cls.FIX}")
            with np.load(path, allow_pickle=False) as f:
                if not f.files:
                    raise RunError(
                        f"{path} is an empty archive (no arrays): damaged or not a weights "
                        f"file; {cls.FIX}"
                    )
                missing = [k for k in cls.SHAPES if k not in f.files]
                if missing:
                    raise RunError(f"{path} lacks {', '.join(missing)}; {cls.FIX}")
                for name, shape in cls.SHAPES.items():
                    _check_header(f.zip, f"{name}.npy", name, shape, path)
                arrays = {k: f[k] for k in cls.SHAPES}
            with np.errstate(over="ignore", invalid="ignore"):  # inf is refused below
                weights = cls(**arrays)
        except RunError as e:
            if str(path) in str(e):
                raise
            raise RunError(f"{path}: {e}; {cls.FIX}") from None
        # a damaged file raises many types (zipfile, zlib, numpy's format checks)
        except (
            OSError,
            ValueError,
            EOFError,
            KeyError,
            TypeError,
            SyntaxError,
            MemoryError,
            NotImplementedError,
            zipfile.BadZipFile,
            zlib.error,
        ) as e:
            reason = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise RunError(
                f"{path} is damaged or not a weights file ({reason}); {cls.FIX}"
            ) from None
        for name in cls.SHAPES:
            if not np.all(np.isfinite(getattr(weights, name))):
                raise RunError(
                    f"{path}: weights {name!r} hold NaN or infinite values (training "
                    f"diverged, or the file is damaged); {cls.FIX}"
                )
        return weights

    @classmethod
    def glorot(cls, seed=0):
        """Keras' default initialisation: Glorot-uniform weights, zero biases."""
        rng = np.random.RandomState(seed)

        def uniform(n_out, n_in):
            limit = np.sqrt(6.0 / (n_in + n_out))
            return rng.uniform(-limit, limit, size=(n_out, n_in))

        return cls(
            hidden_w=uniform(N_HIDDEN, N_PIXELS),
            hidden_b=np.zeros(N_HIDDEN),
            output_w=uniform(N_CLASSES, N_HIDDEN),
            output_b=np.zeros(N_CLASSES),
        )

    def forward(self, images, family="relu"):
        """Plain numpy forward pass of the rate network; returns logits (n, 10).

        Parameters
        ----------
        images : array_like
            ``(n, 784)`` pixels in [0, 1].
        family : str or NeuronFamily
            The rate neuron type whose response is used (Nengo's own ``rates``; this
            imports Nengo).
        """
        return self.hidden(images, family) @ self.output_w.T + self.output_b

    def hidden(self, images, family="relu"):
        """The rate network's hidden activations ``(n, 128)`` (see `forward`)."""
        from .families import get_family  # the family table imports Nengo

        family = get_family(family)
        images = check_images(images)
        neuron = family.neuron_type(spiking=False)
        current = images @ self.hidden_w.T
        return neuron.rates(current, gain=np.ones(N_HIDDEN), bias=self.hidden_b)


def _check_header(archive, member, name, shape, path):
    """Refuse a member of ``weights.npz`` whose ``.npy`` header gives a shape other than
    ``shape`` or a dtype that is not float, from its header alone (no data is read)."""
    with archive.open(member) as fp:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            found, _, dtype = np.lib.format.read_array_header_1_0(fp)
        elif version in ((2, 0), (3, 0)):  # 3.0 differs only in the header's text encoding
            found, _, dtype = np.lib.format.read_array_header_2_0(fp)
        else:
            raise ValueError(f"{member} has an unknown .npy format version {version}")
    if tuple(found) != shape:
        raise RunError(
            f"{path}: weights {name!r} has shape {tuple(found)}, expected {shape}; {Weights.FIX}"
        )
    if dtype.kind != "f":
        raise RunError(f"{path}: weights {name!r} are {dtype} values, not floats; {Weights.FIX}")


def check_images(images, allow_empty=True):
    """``images`` as a float32 ``(n, 784)`` array, or a `ConfigError` saying what was given.

    The one check of the library's entry points that take images (`Weights.forward`,
    `nengo_fashion.inference.engine.run_spiking`, `nengo_fashion.inference.executor.run_spiking`).
    """
    accepted = (
        f"(n, {N_PIXELS}) float array of pixels in [0, 1] (flatten 28x28 images, or one "
        f"image, with images.reshape(-1, {N_PIXELS}))"
    )
    try:
        array = np.asarray(images, dtype=np.float32)
    except (TypeError, ValueError) as e:
        raise ConfigError(
            f"images must be an {accepted}; got {type(images).__name__} that is not "
            f"numeric ({str(e).splitlines()[0]})"
        ) from None
    if array.ndim != 2 or array.shape[1] != N_PIXELS:
        raise ConfigError(f"images must be an {accepted}; got shape {array.shape}")
    if not allow_empty and len(array) == 0:
        raise ConfigError(f"images is empty (shape {array.shape}); expected an {accepted}")
    return array
