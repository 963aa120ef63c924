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

The trained `Weights`, their one reader (`Weights.load`) and `check_images` live in
`nengo_fashion.weights`, which imports no Nengo (``predict``'s rate path uses them without
it); they are imported here too, so ``from nengo_fashion.network import Weights`` works.
"""

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
