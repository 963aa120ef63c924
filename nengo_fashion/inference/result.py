"""What a spiking run measured, and how outputs over time become logits."""

import dataclasses

import numpy as np

from ..config import SpikeSettings


@dataclasses.dataclass
class SpikingResult:
    """What a spiking run measured on a set of images.

    Attributes
    ----------
    predictions : numpy.ndarray
        Predicted class per image, ``(n,)``.
    outputs : numpy.ndarray
        Output layer over time, ``(n, steps, 10)`` (only if ``keep_outputs``).
    hidden_spikes : numpy.ndarray
        Spikes of each hidden neuron summed over all images and steps, ``(128,)``.
    spikes_per_image : numpy.ndarray
        Hidden-layer spikes of each image over its presentation, ``(n,)``.
    settings : SpikeSettings
        The settings used.
    spikes : numpy.ndarray
        Spike counts ``(n, steps, 128)`` (only if ``keep_outputs``).
    """

    predictions: np.ndarray
    outputs: np.ndarray
    hidden_spikes: np.ndarray
    spikes_per_image: np.ndarray
    settings: SpikeSettings
    spikes: np.ndarray = None

    @property
    def n_images(self):
        return len(self.predictions)

    def hidden_rates_hz(self):
        """Mean firing rate of each hidden neuron, in Hz, ``(128,)``."""
        seconds = self.n_images * self.settings.steps * self.settings.dt
        return self.hidden_spikes / seconds

    def rate_stats(self):
        """``{"min", "mean", "max"}`` firing rate over hidden neurons, in Hz."""
        rates = self.hidden_rates_hz()
        return {"min": float(rates.min()), "mean": float(rates.mean()), "max": float(rates.max())}

    def accuracy(self, labels):
        return float(np.mean(self.predictions == np.asarray(labels)))


def readout(outputs, how):
    """Turn outputs over time ``(n, steps, 10)`` into logits ``(n, 10)``."""
    if how == "mean":
        return outputs.mean(axis=1)
    if how == "last":
        return outputs[:, -1]
    raise ValueError(f"unknown readout {how!r}")
