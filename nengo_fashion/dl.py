"""Running the network in NengoDL: simulators, batched prediction, spike counting.

Training (`nengo_fashion.train`) and every evaluation (rate or spiking) go through
these functions, so that ``train`` and ``evaluate`` print the same numbers.
"""

import dataclasses

import numpy as np

from .config import SpikeSettings
from .errors import ConfigError
from .network import (
    N_HIDDEN,
    build_network,
    check_images,
    get_family,
    install_nengo_dl_builders,
)
from .neurons.thesis_spiking import resolve_initial_voltages, set_initial_voltages
from .quiet import import_nengo_dl  # noqa: F401 (part of this module's API)


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
    install_nengo_dl_builders()
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


ENGINES = ("auto", "nengo_dl")
"""``engine`` values of `run_spiking`."""


def run_spiking(
    weights,
    family,
    images,
    settings,
    batch_size=500,
    keep_outputs=False,
    neuron_type=None,
    prefixes=None,
    initial_voltage="shared",
    voltage_seed=0,
    engine="auto",
):
    """Run the spiking network on ``images``: NengoDL's results, fast.

    NengoDL is the reference. With ``engine="auto"`` (the default) the network
    runs on `nengo_fashion.executor`, which computes the constant input current
    once per image and then only the neuron updates, with Nengo's own builder
    and update rules (the same spike counts and predictions as NengoDL, tested),
    for the neuron types it supports; any other type runs in NengoDL.

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
    initial_voltage : {"shared", "per-image"} or array_like
        Where the hidden neurons' voltages (in units of the firing threshold) start
        for each image. ``"shared"``: Nengo's build-time draw from U(0, 1), one per
        neuron (seeded by the network seed), the same for every image and batch.
        ``"per-image"``: an independent U(0, 1) draw per image and neuron, as
        PyTorchSpiking (the thesis) does, from
        `nengo_fashion.neurons.thesis_spiking.draw_initial_voltages` with ``voltage_seed``,
        so image ``i`` gets the same voltages whatever the batch size. An
        ``(n, 128)`` array gives the voltages explicitly.
    voltage_seed : int
        Seed of the ``"per-image"`` voltages.
    engine : {"auto", "nengo_dl"}
        ``"nengo_dl"`` always simulates in NengoDL (the reference); ``"auto"`` uses
        the numpy executor when it supports the neuron type.

    Returns
    -------
    SpikingResult, or dict of int -> SpikingResult when ``prefixes`` is given
    """
    from . import executor

    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    images = check_images(images, allow_empty=False)
    if not isinstance(settings, SpikeSettings):
        raise ConfigError(f"settings must be a SpikeSettings, got {type(settings).__name__}")
    family = get_family(family)
    ks = executor.prefix_steps(prefixes, settings.steps)
    if engine == "auto" and executor.supports(
        neuron_type or family.neuron_type(spiking=True, scale=settings.scale)
    ):
        voltages = resolve_initial_voltages(
            initial_voltage, len(images), N_HIDDEN, seed=voltage_seed
        )
        return executor.run_spiking(
            weights,
            family,
            images,
            settings,
            keep_outputs=keep_outputs,
            neuron_type=neuron_type,
            prefixes=prefixes,
            initial_voltages=voltages,
        )
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
    voltages = resolve_initial_voltages(
        initial_voltage, len(images), net.hidden.n_neurons, seed=voltage_seed
    )
    batch_size = min(batch_size, len(images))
    acc = {k: {"preds": [], "per_image": [], "hidden": np.zeros(net.hidden.n_neurons)} for k in ks}
    outputs, kept_spikes = [], []
    with make_simulator(net, minibatch_size=batch_size, dt=settings.dt) as sim:
        for start, stop in batches(len(images), batch_size):
            n = stop - start
            x = pad_to(images[start:stop], batch_size)
            x = np.repeat(x[:, None, :], settings.steps, axis=1)
            if voltages is not None:
                # padding rows repeat the last image's voltages (their output is dropped)
                set_initial_voltages(
                    sim, net.hidden.neurons, pad_to(voltages[start:stop], batch_size)
                )
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
