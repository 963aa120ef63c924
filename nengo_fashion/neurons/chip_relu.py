"""Loihi's spiking ReLU compartment, as the time-to-first-spike mapping drives it.

On the chip (and in ``loihi.ttfs.reference_counts``, the numpy model of the
mapping) a hidden compartment integrates its input current with its voltage
floored at 0, spikes when the voltage exceeds 1, and is then reset to 0: at most
one spike per step, and a negative current lowers the voltage. Nengo's
`nengo.SpikingRectifiedLinear` differs in each of these (it integrates only the
positive part of the current, resets by subtraction and may spike several times
in a step), and so does its rate approximation, which is what NengoDL trains.

`ChipReLU` is the chip's compartment as a Nengo neuron type, starting every
presentation at voltage 0 (the mapping resets the compartments between images);
`SpikeAwareChipReLU` is the same type trained spike-aware in NengoDL (the chip's
spikes forward, the rate ReLU's gradient backward; its builder is in
`nengo_fashion.inference.dl_builders`). Training with it on the pixels' TTFS
arrival sequence (``TrainConfig.train_input = "ttfs"``) fits the weights to what
the chip computes (``python -m loihi.finetune --ttfs``).
"""

import nengo
import numpy as np

from ..errors import ConfigError


class ChipReLU(nengo.SpikingRectifiedLinear):
    """Loihi's spiking ReLU: ``v = max(v + J dt, 0)``; a spike when ``v > 1``, then ``v = 0``."""

    state = {"voltage": nengo.dists.Choice([0.0])}

    def step(self, dt, J, output, voltage):
        voltage += J * dt
        np.maximum(voltage, 0, out=voltage)
        spiked = voltage > 1
        output[...] = spiked * (self.amplitude / dt)
        voltage[spiked] = 0


class SpikeAwareChipReLU(ChipReLU):
    """`ChipReLU`, trained spike-aware in NengoDL."""


def chip_relu_training_type(family, scale=1.0):
    """`SpikeAwareChipReLU` for the ``relu`` family (amplitude / scale).

    Parameters
    ----------
    family : nengo_fashion.families.NeuronFamily
    scale : float
        Firing-rate scale of the chip mapping.
    """
    if family.name != "relu":
        raise ConfigError(
            f"the chip's spiking ReLU is for relu runs, not the {family.name!r} family"
        )
    return SpikeAwareChipReLU(amplitude=family.amplitude / scale)
