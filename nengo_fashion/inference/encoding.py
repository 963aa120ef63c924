"""Input encodings: how a chip receives the pixels as spikes.

A rate code (`nengo_fashion.network.build_network`'s ``input_neurons``) makes a
pixel of value x fire ``x * input_rate`` Hz for the whole presentation: tens of
spikes per pixel, each reaching all 128 hidden neurons. A time-to-first-spike
code (`TTFSCode`) sends at most one spike per pixel, its time carrying the value
(Rueckauer & Liu, ISCAS 2018, "Conversion of analog to spiking neural networks
using sparse temporal coding"): brighter pixels spike earlier.

Into hidden neurons whose input current does not decay (a step current: on
nengo-loihi, a ``nengo.Lowpass`` of a time constant far longer than the window),
pixel i's spike at step ``t_i`` adds ``W[:, i]`` to the current for the
remaining ``T - t_i`` steps of a ``T``-step window. Over the window the hidden
neurons therefore integrate ``T * (W @ x_eff + b)`` with
``x_eff_i = (T - t_i) / T``: the pixels rounded to multiples of ``1 / T``
(`TTFSCode.effective_input`).
"""

import dataclasses

import numpy as np

from ..errors import ConfigError


def spike_steps(values, window, threshold=0.0):
    """Each value's spike step ``round((1 - x) * window)``, ``window`` (none) below ``threshold``.

    The arithmetic of `TTFSCode`, as a function for per-step callers (``loihi.ttfs.TTFSNeuron``).
    """
    values = np.asarray(values)
    steps = np.rint((1 - values) * window).astype(np.int64)
    steps[values < threshold] = window
    return np.clip(steps, 0, window)


@dataclasses.dataclass(frozen=True)
class TTFSCode:
    """One spike per pixel, at step ``round((1 - x) * window)`` of each image's window.

    Parameters
    ----------
    window : int
        Steps per image (T).
    threshold : float
        Pixels below it send no spike (besides those that round to step ``window``,
        i.e. ``x < 1 / (2 T)``, which never do).
    """

    window: int
    threshold: float = 0.0

    def __post_init__(self):
        if not isinstance(self.window, int) or self.window < 1:
            raise ConfigError(f"TTFS window must be an integer >= 1 step, got {self.window!r}")
        if not 0 <= self.threshold < 1:
            raise ConfigError(f"TTFS threshold must be in [0, 1), got {self.threshold!r}")

    def spike_steps(self, images):
        """``(n, 784)`` int: each pixel's spike step in its window, ``window`` for none."""
        return spike_steps(images, self.window, self.threshold)

    def effective_input(self, images):
        """``(n, 784)`` float32: what the step currents integrate, ``(T - t_i) / T``."""
        return ((self.window - self.spike_steps(images)) / self.window).astype(np.float32)

    def spikes_per_image(self, images):
        """``(n,)`` input spikes per image."""
        return (self.spike_steps(images) < self.window).sum(axis=1)

    def cumulative(self, images):
        """``(n, window, 784)`` float32: 1 where a pixel's spike has arrived by each step.

        What the step currents carry at step ``s`` (``J_s = W @ cumulative[:, s] + b``):
        the input that a network trained on the chip's dynamics sees
        (``TrainConfig.train_input = "ttfs"``).
        """
        steps = self.spike_steps(images)
        return (steps[:, None, :] <= np.arange(self.window)[None, :, None]).astype(np.float32)

    def arrivals(self, images, step):
        """``(n, 784)`` float32 mask of the pixels whose spike is at ``step``."""
        return (self.spike_steps(images) == step).astype(np.float32)
