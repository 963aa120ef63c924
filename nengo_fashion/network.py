"""The one definition of the 784-128-10 network, as plain Nengo objects.

Training (NengoDL, rate neurons), spiking inference (NengoDL or Nengo), the
Loihi mapping (nengo-loihi) and the GUI all call `build_network`. Only the neuron
type and the inference knobs change between them.

The network::

    input Node (784) --W1 (128x784)--> hidden Ensemble.neurons (128, bias b1)
    hidden.neurons --W2 (10x128), synapse--> output Node (10)
    bias Node [1] --b2 (10x1), synapse--> output Node

which computes ``out = W2 @ f(W1 @ x + b1) + b2``, with ``f`` the neuron type's
response. These are Nengo objects that nengo-loihi can map: the input Node stays
off-chip, the hidden ensemble goes on-chip, the output Node is read off-chip.
"""

import dataclasses
import warnings
import zipfile
import zlib
from pathlib import Path

import nengo
import numpy as np

from .data import N_CLASSES, N_PIXELS
from .errors import ConfigError, RunError
from .families import get_family

N_HIDDEN = 128

# nengo derives max_rates/intercepts from an ensemble's gain and bias for display;
# this network sets gain and bias directly (no intercepts), and for LIF neurons
# whose bias is above threshold that derivation divides by zero. Harmless here.
warnings.filterwarnings("ignore", message="Non-finite values detected in `max_rates`")
warnings.filterwarnings("ignore", category=RuntimeWarning, module="nengo.neurons")


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
        """Read a ``weights.npz``: the one reader of trained weights (`nengo_fashion.runs.load_run`
        and ``train --init-run`` use it).

        A missing, truncated or corrupt file, a missing array, a wrong shape or a NaN or
        infinite weight is a `RunError` of one line naming the file and the fix.
        """
        path = Path(path)
        if not path.exists():
            raise RunError(f"{path} not found; is this a run folder made by train?")
        try:
            f = np.load(path, allow_pickle=False)
            if not hasattr(f, "files"):  # a bare .npy array, not an .npz archive
                raise RunError(f"{path} holds one array, not the four of a weights file; {cls.FIX}")
            with f:
                missing = [k for k in cls.SHAPES if k not in f.files]
                if missing:
                    raise RunError(f"{path} lacks {', '.join(missing)}; {cls.FIX}")
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
            The rate neuron type whose response is used (Nengo's own ``rates``).
        """
        return self.hidden(images, family) @ self.output_w.T + self.output_b

    def hidden(self, images, family="relu"):
        """The rate network's hidden activations ``(n, 128)`` (see `forward`)."""
        family = get_family(family)
        images = check_images(images)
        neuron = family.neuron_type(spiking=False)
        current = images @ self.hidden_w.T
        return neuron.rates(current, gain=np.ones(N_HIDDEN), bias=self.hidden_b)


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


def build_network(
    weights=None,
    *,
    family="relu",
    spiking=False,
    synapse=None,
    scale=1.0,
    neuron_type=None,
    input_output=None,
    probe_hidden=False,
    input_neurons=None,
    input_rate=250.0,
    input_synapse=None,
    seed=0,
    sparse_transform=False,
    label="fashion-784-128-10",
):
    """Build the 784-128-10 network.

    Parameters
    ----------
    weights : Weights, optional
        Trained parameters; None initialises them like Keras (`Weights.glorot`).
    family : str or NeuronFamily
        Neuron family, e.g. ``"relu"`` or ``"lif"``.
    spiking : bool
        Use the family's spiking neuron type (else its rate type).
    synapse : float or None
        Lowpass time constant (tau, in seconds) on the hidden-to-output connection.
    scale : float
        Firing-rate scale: hidden input currents times ``scale``, neuron amplitude
        divided by ``scale``. Exact for ReLU rate neurons.
    neuron_type : nengo.neurons.NeuronType, optional
        Overrides the family's type (e.g. a Loihi neuron); its ``amplitude``
        should already include the scale.
    input_output : array_like or callable or nengo.Process, optional
        Output of the input Node; default 784 zeros (data is fed by the simulator).
    probe_hidden : bool
        Also probe the hidden neurons' output (spikes, in units of amplitude/dt).
    input_neurons : type or nengo.neurons.NeuronType, optional
        Spiking neurons that encode the pixels as spikes before the hidden layer,
        an Ensemble ``inp_neurons`` of 784. A class (e.g.
        `nengo.SpikingRectifiedLinear`) is a rate code: gain ``input_rate``, bias 0
        and amplitude ``1 / input_rate``, so that its output averages the pixel
        value. An instance is used as it is, with gain 1 and bias 0 (its input
        current is the pixel value; e.g. ``loihi.ttfs.TTFSNeuron``). This is how a
        Loihi mapping feeds a chip (nengo-loihi runs it off-chip). None connects
        the input Node straight to the hidden neurons.
    input_rate : float
        Firing rate of a rate-code input neuron for a pixel of 1, in Hz.
    input_synapse : nengo.synapses.Synapse or float or None
        Synapse of the input-to-hidden connection (None: none). A lowpass far
        longer than the presentation turns each input spike into a step current.
    seed : int
        Network seed (fixes e.g. the neurons' initial voltages).
    sparse_transform : bool
        Give the input-to-hidden connection a ``nengo.Sparse`` transform holding only
        the non-zero weights (for pruned weights: nengo-loihi then stores only those
        synapses); the same connection as the dense one otherwise.

    Returns
    -------
    nengo.Network
        With attributes ``inp``, ``hidden``, ``out``, ``conn_hidden``,
        ``conn_out``, ``conn_bias``, ``p_out``, ``p_hidden`` (None unless
        probed), ``inp_neurons`` (None without input neurons), ``family``,
        ``spiking`` and ``scale``.
    """
    family = get_family(family)
    if weights is None:
        weights = Weights.glorot(seed)
    if not scale > 0:
        raise ConfigError(f"scale must be > 0, got {scale!r}")
    if neuron_type is None:
        neuron_type = family.neuron_type(spiking=spiking, scale=scale)
    if input_output is None:
        input_output = np.zeros(N_PIXELS)

    with nengo.Network(label=label, seed=seed) as net:
        net.inp = nengo.Node(input_output, size_out=N_PIXELS, label="input")
        net.hidden = nengo.Ensemble(
            N_HIDDEN,
            1,
            neuron_type=neuron_type,
            gain=nengo.dists.Choice([scale]),
            bias=weights.hidden_b * scale,
            label="hidden",
        )
        net.out = nengo.Node(size_in=N_CLASSES, label="output")
        net.bias_node = bias = nengo.Node([1.0], label="output_bias")
        net.inp_neurons = None
        pre = net.inp
        if input_neurons is not None:
            if isinstance(input_neurons, nengo.neurons.NeuronType):
                input_type, input_gain = input_neurons, 1.0
            else:
                input_type, input_gain = input_neurons(amplitude=1.0 / input_rate), input_rate
            net.inp_neurons = nengo.Ensemble(
                N_PIXELS,
                1,
                neuron_type=input_type,
                gain=nengo.dists.Choice([input_gain]),
                bias=nengo.dists.Choice([0.0]),
                label="input_spikes",
            )
            nengo.Connection(net.inp, net.inp_neurons.neurons, synapse=None)
            pre = net.inp_neurons.neurons
        transform = weights.hidden_w
        if sparse_transform:
            nonzero = np.nonzero(transform)
            transform = nengo.Sparse(
                transform.shape, indices=np.stack(nonzero, axis=1), init=transform[nonzero]
            )
        net.conn_hidden = nengo.Connection(
            pre, net.hidden.neurons, transform=transform, synapse=input_synapse
        )
        net.conn_out = nengo.Connection(
            net.hidden.neurons, net.out, transform=weights.output_w, synapse=synapse
        )
        net.conn_bias = nengo.Connection(
            bias, net.out, transform=weights.output_b[:, None], synapse=synapse
        )
        net.p_out = nengo.Probe(net.out, synapse=None, label="output_probe")
        net.p_hidden = (
            nengo.Probe(net.hidden.neurons, synapse=None, label="hidden_probe")
            if probe_hidden
            else None
        )
    net.family = family
    net.spiking = spiking
    net.scale = scale
    return net
