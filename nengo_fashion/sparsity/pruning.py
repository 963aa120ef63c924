"""Gradual magnitude pruning of the first layer during NengoDL training.

Zhu & Gupta ("To prune, or not to prune", ICLR workshop 2018, arXiv:1710.01878):
the fraction of first-layer weights set to zero rises from 0 to ``1 - keep``
along a cubic schedule, most quickly at first,

    sparsity(e) = s_f (1 - (1 - e / E_p)^3),  e = 1 .. E_p,

updated at the end of each of the first ``E_p = ceil(epochs / 2)`` epochs
(`schedule`); the remaining epochs fine-tune with the mask fixed. Each update
keeps the ``round(keep_e * 100,352)`` weights of largest magnitude
(`magnitude_mask`; already pruned weights are zero, so they stay pruned).

Between updates the mask is applied inside every training step (`MaskedOptimizer`):
the masked gradients are zero and, after the optimiser's update (Adam's momentum,
AdamW's decay), the masked weights are set to exactly 0.0 again, so the network
that is trained is the network that is stored: its ``weights.npz`` holds exact
zeros, and so does every engine that loads it.
"""

import math

import numpy as np

from ..errors import ConfigError


def schedule(keep, epochs):
    """The fraction of first-layer weights kept after each epoch, ``(epochs,)`` floats.

    Parameters
    ----------
    keep : float
        Fraction kept at the end, in (0, 1]; 1 keeps all (no pruning).
    epochs : int
        Training epochs.
    """
    if not (isinstance(keep, (int, float)) and 0 < keep <= 1):
        raise ConfigError(f"the kept fraction must be in (0, 1], got {keep!r}")
    ramp = max(1, math.ceil(epochs / 2))
    final = 1.0 - keep
    out = []
    for e in range(1, epochs + 1):
        progress = min(e, ramp) / ramp
        out.append(1.0 - final * (1.0 - (1.0 - progress) ** 3))
    return np.array(out)


def n_kept(keep, size):
    """How many of ``size`` weights a kept fraction ``keep`` keeps: ``round(keep * size)``, >= 1."""
    return max(1, int(round(keep * size)))


def magnitude_mask(weights, keep):
    """Boolean mask of the ``n_kept(keep, weights.size)`` weights of largest magnitude.

    Exactly that many are True; ties at the threshold are broken by position (a
    stable sort), so the count never drifts.
    """
    weights = np.asarray(weights)
    k = n_kept(keep, weights.size)
    order = np.argsort(-np.abs(weights), axis=None, kind="stable")
    mask = np.zeros(weights.size, dtype=bool)
    mask[order[:k]] = True
    return mask.reshape(weights.shape)


def density(weights):
    """Fraction of non-zero entries."""
    weights = np.asarray(weights)
    return float(np.count_nonzero(weights)) / weights.size


class LayerMask:
    """The mask of one connection's weights inside NengoDL's training variables.

    NengoDL keeps trainable signals in base variables (``tensor_graph.base_params``);
    the connection's weights are rows of one of them. `set` writes a numpy mask of
    the weights' shape into a mask variable of the base variable's shape (ones
    elsewhere), which `MaskedOptimizer` applies in every step.

    Parameters
    ----------
    sim : nengo_dl.Simulator
        The training simulator.
    conn : nengo.Connection
        The connection whose ``weights`` are masked.
    """

    def __init__(self, sim, conn):
        import tensorflow as tf

        tensor_graph = sim.tensor_graph
        signal = tensor_graph.signals[sim.model.sig[conn]["weights"]]
        if signal.minibatched:
            raise ConfigError("cannot prune a minibatched signal")
        self.conn = conn
        self.shape = tuple(signal.shape)
        self.variable = tensor_graph.base_params[signal.key]
        self.rows = np.concatenate([np.arange(a, b) for a, b in signal.slices])
        self.mask = tf.Variable(
            np.ones(self.variable.shape, dtype=self.variable.dtype.as_numpy_dtype),
            trainable=False,
            name="prune_mask",
        )

    def values(self):
        """The connection's current weights, numpy ``self.shape``."""
        return self.variable.numpy()[self.rows].reshape(self.shape)

    def set(self, mask):
        """Use ``mask`` (bool, the weights' shape) from the next step on, and apply it now."""
        full = np.ones(self.variable.shape, dtype=self.variable.dtype.as_numpy_dtype)
        full[self.rows] = np.asarray(mask, dtype=full.dtype).reshape((len(self.rows), -1))
        self.mask.assign(full)
        self.apply()

    def apply(self):
        """Set the masked weights to exactly 0.0 (not -0.0)."""
        import tensorflow as tf

        self.variable.assign(tf.where(self.mask > 0, self.variable, tf.zeros_like(self.variable)))

    def prune_to(self, keep):
        """Mask all but the ``keep`` fraction of largest magnitude; return the mask.

        Weights that are already zero stay masked (a fine-tune of a pruned run keeps
        its zeros while the schedule's fraction is above its density).
        """
        values = self.values()
        mask = magnitude_mask(values, keep) & (values != 0)
        self.set(mask)
        return mask


def masked_optimizer(optimizer_class, masks, *args, **kwargs):
    """An instance of a subclass of ``optimizer_class`` that keeps ``masks`` applied.

    Each step multiplies the masked weights' gradients by the mask, lets the
    optimiser update every variable, then sets the masked weights to 0.0, in the
    same compiled step (`LayerMask.apply`).
    """

    class MaskedOptimizer(optimizer_class):
        def apply_gradients(self, grads_and_vars, *a, **k):
            import tensorflow as tf

            by_var = {m.variable.ref(): m for m in masks}
            masked = []
            for g, v in grads_and_vars:
                m = by_var.get(v.ref())
                masked.append((g if m is None or g is None else g * m.mask, v))
            result = super().apply_gradients(masked, *a, **k)
            with tf.control_dependencies([result] if result is not None else []):
                for m in masks:
                    m.apply()
            return result

    MaskedOptimizer.__name__ = f"Masked{optimizer_class.__name__}"
    return MaskedOptimizer(*args, **kwargs)
