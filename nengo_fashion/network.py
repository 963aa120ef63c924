"""The one definition of the 784-128-10 network, as plain Nengo objects.

Training (NengoDL, rate neurons), spiking inference (NengoDL or Nengo), the
Loihi mapping (nengo-loihi) and the GUI all call `build_network`. Only the neuron
type and the inference knobs change between them: they are a frozen `NetworkSpec`.
The spiking network at a spiking setting (its synapse and rate scale) is built in one
place, `spiking_network`, which the engines, the NIR export and the Loihi mapping call.

The network::

    input Node (784) --W1 (128x784)--> hidden Ensemble.neurons (128, bias b1)
    hidden.neurons --W2 (10x128), synapse--> output Node (10)
    bias Node [1] --b2 (10x1), synapse--> output Node

which computes ``out = W2 @ f(W1 @ x + b1) + b2``, with ``f`` the neuron type's
response. These are Nengo objects that nengo-loihi can map: the input Node stays
off-chip, the hidden ensemble goes on-chip, the output Node is read off-chip.

The trained `Weights`, their one reader (`Weights.load`) and `check_images` live in
`nengo_fashion.weights`, which imports no Nengo (``predict``'s rate path uses them without
it); they are imported here too, so ``from nengo_fashion.network import Weights`` works.
"""

import dataclasses
import warnings

import nengo
import numpy as np

from .data import N_CLASSES, N_PIXELS
from .errors import ConfigError
from .families import get_family
from .weights import (
    N_HIDDEN,
    Weights,
    check_images,  # noqa: F401 (re-exported: the engines import it from here)
)

# nengo derives max_rates/intercepts from an ensemble's gain and bias for display;
# this network sets gain and bias directly (no intercepts), and for LIF neurons
# whose bias is above threshold that derivation divides by zero. Harmless here.
warnings.filterwarnings("ignore", message="Non-finite values detected in `max_rates`")
warnings.filterwarnings("ignore", category=RuntimeWarning, module="nengo.neurons")


@dataclasses.dataclass(frozen=True)
class NetworkSpec:
    """How `build_network` builds the network, besides its weights and neuron family.

    Parameters
    ----------
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
    label : str
        The network's label.
    """

    spiking: bool = False
    synapse: float = None
    scale: float = 1.0
    neuron_type: object = None
    input_output: object = None
    probe_hidden: bool = False
    input_neurons: object = None
    input_rate: float = 250.0
    input_synapse: object = None
    seed: int = 0
    sparse_transform: bool = False
    label: str = "fashion-784-128-10"

    def __post_init__(self):
        if not _positive(self.scale):
            raise ConfigError(f"scale must be > 0, got {self.scale!r}")
        if not _positive(self.input_rate):
            raise ConfigError(f"input_rate must be > 0 Hz, got {self.input_rate!r}")


def _positive(value):
    """Whether ``value`` is a number > 0 (a rate scale or a rate, in Hz)."""
    try:
        return bool(value > 0)
    except TypeError:
        return False


def build_network(weights=None, family="relu", spec=None):
    """Build the 784-128-10 network.

    Parameters
    ----------
    weights : Weights, optional
        Trained parameters; None initialises them like Keras (`Weights.glorot`, with the
        spec's seed).
    family : str or NeuronFamily
        Neuron family, e.g. ``"relu"`` or ``"lif"``.
    spec : NetworkSpec, optional
        How to build it (spiking or rate, synapse, scale, probes, input neurons, seed...);
        default ``NetworkSpec()``, the rate network.

    Returns
    -------
    nengo.Network
        With attributes ``inp``, ``hidden``, ``out``, ``conn_hidden``,
        ``conn_out``, ``conn_bias``, ``p_out``, ``p_hidden`` (None unless
        probed), ``inp_neurons`` (None without input neurons), ``family``,
        ``spiking`` and ``scale``.
    """
    family = get_family(family)
    spec = NetworkSpec() if spec is None else spec
    if not isinstance(spec, NetworkSpec):
        raise ConfigError(f"spec must be a NetworkSpec, got {type(spec).__name__}")
    if weights is None:
        weights = Weights.glorot(spec.seed)
    scale = spec.scale
    neuron_type = spec.neuron_type
    if neuron_type is None:
        neuron_type = family.neuron_type(spiking=spec.spiking, scale=scale)
    input_output = spec.input_output
    if input_output is None:
        input_output = np.zeros(N_PIXELS)

    with nengo.Network(label=spec.label, seed=spec.seed) as net:
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
        net.inp_neurons = _input_neurons(net, spec)
        pre = net.inp if net.inp_neurons is None else net.inp_neurons.neurons
        net.conn_hidden = nengo.Connection(
            pre,
            net.hidden.neurons,
            transform=_input_transform(weights.hidden_w, spec.sparse_transform),
            synapse=spec.input_synapse,
        )
        net.conn_out = nengo.Connection(
            net.hidden.neurons, net.out, transform=weights.output_w, synapse=spec.synapse
        )
        net.conn_bias = nengo.Connection(
            bias, net.out, transform=weights.output_b[:, None], synapse=spec.synapse
        )
        net.p_out = nengo.Probe(net.out, synapse=None, label="output_probe")
        net.p_hidden = (
            nengo.Probe(net.hidden.neurons, synapse=None, label="hidden_probe")
            if spec.probe_hidden
            else None
        )
    net.family = family
    net.spiking = spec.spiking
    net.scale = scale
    return net


def spiking_network(weights, family, settings, spec=None):
    """`build_network` of the spiking network at ``settings``, the one place it is written.

    Parameters
    ----------
    weights : Weights
        Trained parameters.
    family : str or NeuronFamily
        Neuron family.
    settings : SpikeSettings
        Or any object with ``synapse`` (lowpass tau in seconds, or None) and ``scale``
        (e.g. a Loihi mapping's settings).
    spec : NetworkSpec, optional
        The rest of the build (neuron type, probes, input neurons, seed...); its
        ``spiking``, ``synapse`` and ``scale`` are replaced by the settings'.
    """
    spec = NetworkSpec() if spec is None else spec
    spiking = dataclasses.replace(
        spec, spiking=True, synapse=settings.synapse, scale=settings.scale
    )
    return build_network(weights, family, spiking)


def _input_neurons(net, spec):
    """The spiking input Ensemble that ``spec.input_neurons`` asks for (in ``net``), or None."""
    if spec.input_neurons is None:
        return None
    if isinstance(spec.input_neurons, nengo.neurons.NeuronType):
        input_type, input_gain = spec.input_neurons, 1.0
    else:
        input_type = spec.input_neurons(amplitude=1.0 / spec.input_rate)
        input_gain = spec.input_rate
    ens = nengo.Ensemble(
        N_PIXELS,
        1,
        neuron_type=input_type,
        gain=nengo.dists.Choice([input_gain]),
        bias=nengo.dists.Choice([0.0]),
        label="input_spikes",
    )
    nengo.Connection(net.inp, ens.neurons, synapse=None)
    return ens


def _input_transform(transform, sparse):
    """The input-to-hidden transform: the dense matrix, or its non-zero weights."""
    if not sparse:
        return transform
    nonzero = np.nonzero(transform)
    return nengo.Sparse(transform.shape, indices=np.stack(nonzero, axis=1), init=transform[nonzero])
