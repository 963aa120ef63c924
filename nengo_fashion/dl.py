"""Running the network in NengoDL: simulators, batched prediction, spike counting.

Training (`nengo_fashion.train`) and every evaluation (rate or spiking) go through
these functions, so that ``train`` and ``evaluate`` print the same numbers.
"""

import dataclasses
import os
import warnings

import numpy as np

from .config import SpikeSettings
from .network import build_network, get_family


def import_nengo_dl():
    """Import TensorFlow and NengoDL quietly; return the ``nengo_dl`` module."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import nengo_dl
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    # a CPU-only machine is a supported set-up here, not something to warn about
    warnings.filterwarnings("ignore", message="No GPU support detected")
    return nengo_dl


def make_simulator(net, minibatch_size, dt=0.001, use_loop=True):
    """A NengoDL simulator for ``net`` that resets state between calls.

    Parameters
    ----------
    net : nengo.Network
        Built by `nengo_fashion.network.build_network`.
    minibatch_size : int
        Images simulated side by side.
    dt : float
        Time step, in seconds.
    use_loop : bool
        False builds a single-step graph (faster rate training, 1 step only).
    """
    nengo_dl = import_nengo_dl()
    with net:
        nengo_dl.configure_settings(stateful=False, use_loop=use_loop)
    return nengo_dl.Simulator(net, dt=dt, minibatch_size=minibatch_size, progress_bar=False)


def batches(n, batch_size):
    """Yield ``(start, stop)`` over ``n`` items in batches of ``batch_size``."""
    for start in range(0, n, batch_size):
        yield start, min(start + batch_size, n)


def pad_to(x, size):
    """Pad the first axis of ``x`` to ``size`` by repeating its last item."""
    if len(x) == size:
        return x
    pad = np.repeat(x[-1:], size - len(x), axis=0)
    return np.concatenate([x, pad], axis=0)


def trained_weights(sim, net):
    """Read the trained parameters out of a NengoDL simulator as `Weights`."""
    from .network import Weights

    return Weights(
        hidden_w=sim.data[net.conn_hidden].weights,
        hidden_b=sim.data[net.hidden].bias / net.scale,  # the ensemble's bias is scaled
        output_w=sim.data[net.conn_out].weights,
        output_b=sim.data[net.conn_bias].weights[:, 0],
    )


def predict_logits(sim, net, images, n_steps=1, batch_size=None):
    """Output of ``net`` over time for ``images``: array ``(n, n_steps, 10)``.

    Images are held constant over the ``n_steps`` steps. Batches are padded to the
    simulator's minibatch size and the padding is dropped again.
    """
    batch_size = batch_size or sim.minibatch_size
    out = []
    for start, stop in batches(len(images), batch_size):
        x = pad_to(images[start:stop], sim.minibatch_size)
        x = np.repeat(x[:, None, :], n_steps, axis=1)
        data = sim.predict_on_batch({net.inp: x}, n_steps=n_steps)
        out.append(data[net.p_out][: stop - start])
    return np.concatenate(out, axis=0)


def rate_logits(weights, family, images, batch_size=500):
    """Logits of the rate network in NengoDL, shape ``(n, 10)``."""
    net = build_network(weights, family=family, spiking=False)
    with make_simulator(net, minibatch_size=min(batch_size, len(images))) as sim:
        return predict_logits(sim, net, images, n_steps=1)[:, 0]


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


def run_spiking(
    weights,
    family,
    images,
    settings,
    batch_size=500,
    keep_outputs=False,
    neuron_type=None,
    prefixes=None,
):
    """Run the spiking network on ``images`` in NengoDL, in batches.

    Parameters
    ----------
    weights : Weights
        Trained parameters.
    family : str or NeuronFamily
        Neuron family; its spiking type is used unless ``neuron_type`` is given.
    images : numpy.ndarray
        ``(n, 784)`` pixels in [0, 1].
    settings : SpikeSettings
        dt, steps, synapse, scale and readout.
    batch_size : int
        Images simulated side by side (memory grows with it and ``steps``).
    keep_outputs : bool
        Keep the whole output and the spike counts over time (for figures; memory
        grows as ``n * steps * 138`` floats).
    prefixes : list of int, optional
        Also score the first ``k`` steps of the same simulation for each ``k``
        (each <= ``settings.steps``). Images are held constant and state is reset
        for every batch, so this equals separate runs of ``k`` steps.

    Returns
    -------
    SpikingResult, or dict of int -> SpikingResult when ``prefixes`` is given
    """
    family = get_family(family)
    ks = sorted(set(prefixes)) if prefixes else [settings.steps]
    if ks[-1] > settings.steps or ks[0] < 1:
        raise ValueError(f"prefixes must lie in 1..{settings.steps}, got {ks}")
    net = build_network(
        weights,
        family=family,
        spiking=True,
        synapse=settings.synapse,
        scale=settings.scale,
        neuron_type=neuron_type,
        probe_hidden=True,
    )
    amplitude = net.hidden.neuron_type.amplitude
    batch_size = min(batch_size, len(images))
    acc = {k: {"preds": [], "per_image": [], "hidden": np.zeros(net.hidden.n_neurons)} for k in ks}
    outputs, kept_spikes = [], []
    with make_simulator(net, minibatch_size=batch_size, dt=settings.dt) as sim:
        for start, stop in batches(len(images), batch_size):
            n = stop - start
            x = pad_to(images[start:stop], batch_size)
            x = np.repeat(x[:, None, :], settings.steps, axis=1)
            data = sim.predict_on_batch({net.inp: x}, n_steps=settings.steps)
            out = data[net.p_out][:n]
            # the probe reads amplitude / dt per spike
            spikes = np.rint(data[net.p_hidden][:n] * (settings.dt / amplitude))
            per_step = spikes.sum(axis=2)  # (n, steps)
            for k, a in acc.items():
                a["hidden"] += spikes[:, :k].sum(axis=(0, 1))
                a["per_image"].append(per_step[:, :k].sum(axis=1))
                a["preds"].append(np.argmax(readout(out[:, :k], settings.readout), axis=1))
            if keep_outputs:
                outputs.append(out)
                kept_spikes.append(spikes.astype(np.float32))
    results = {
        k: SpikingResult(
            predictions=np.concatenate(a["preds"]),
            outputs=np.concatenate(outputs)[:, :k] if keep_outputs else None,
            hidden_spikes=a["hidden"],
            spikes_per_image=np.concatenate(a["per_image"]),
            settings=dataclasses.replace(settings, steps=k),
            spikes=np.concatenate(kept_spikes)[:, :k] if keep_outputs else None,
        )
        for k, a in acc.items()
    }
    return results if prefixes else results[settings.steps]
