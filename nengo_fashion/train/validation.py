"""What the network is given in training, and how it is scored on the validation split
after each epoch."""

import numpy as np

from ..inference.dl import predict_logits, trained_weights
from ..inference.encoding import TTFSCode
from ..inference.result import readout


def input_encoder(config, steps):
    """``f(images) -> (n, steps, 784)``: what the network gets each step in training
    (`TrainConfig.train_input`)."""
    if config.train_input == "ttfs":
        return TTFSCode(steps).cumulative
    return lambda images: np.repeat(images[:, None, :], steps, axis=1)


def scored_by_numpy(config, steps):
    """Whether `validation_logits` uses the numpy forward pass (plain rate nets)."""
    return (
        steps == 1
        and not config.spike_aware
        and config.train_neuron == "nengo"
        and config.train_input == "pixels"
    )


def validation_logits(sim, net, config, images, *, steps, how):
    """The network's validation logits after an epoch.

    A plain rate network (one step, the family's own rate neurons) is scored with
    the numpy forward pass of its current weights (`Weights.forward`, equal to
    NengoDL's within 1e-4, as a test checks), which costs far less than NengoDL's
    minibatch-by-minibatch prediction. Anything else (spiking, several steps, other
    neuron types) is scored by NengoDL itself.
    """
    if scored_by_numpy(config, steps):
        return trained_weights(sim, net).forward(images, config.neuron)
    return readout(
        predict_logits(sim, net, images, n_steps=steps, encode=input_encoder(config, steps)),
        how,
    )
