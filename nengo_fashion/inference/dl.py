"""The NengoDL engine: simulators, batched prediction, the reference spiking run.

Training (`nengo_fashion.train`) and every rate evaluation go through these
functions; spiking inference reaches `run_spiking_nengo_dl` through
`nengo_fashion.inference.engine.run_spiking`.
"""

import dataclasses

import numpy as np

from ..network import NetworkSpec, build_network, spiking_network
from ..neurons.thesis_spiking import set_initial_voltages
from ..quiet import import_nengo_dl  # noqa: F401 (part of this module's API)
from . import dl_builders
from .options import RunOptions
from .result import SpikingResult, readout


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
    dl_builders.install()
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
    from ..network import Weights

    return Weights(
        hidden_w=sim.data[net.conn_hidden].weights,
        hidden_b=sim.data[net.hidden].bias / net.scale,  # the ensemble's bias is scaled
        output_w=sim.data[net.conn_out].weights,
        output_b=sim.data[net.conn_bias].weights[:, 0],
    )


def predict_logits(sim, net, images, *, n_steps=1, batch_size=None, encode=None):
    """Output of ``net`` over time for ``images``: array ``(n, n_steps, 10)``.

    Images are held constant over the ``n_steps`` steps, unless ``encode`` (``f(images)
    -> (n, n_steps, 784)``) gives each step's input. Batches are padded to the
    simulator's minibatch size and the padding is dropped again.
    """
    batch_size = batch_size or sim.minibatch_size
    out = []
    for start, stop in batches(len(images), batch_size):
        x = pad_to(images[start:stop], sim.minibatch_size)
        x = np.repeat(x[:, None, :], n_steps, axis=1) if encode is None else encode(x)
        data = sim.predict_on_batch({net.inp: x}, n_steps=n_steps)
        out.append(data[net.p_out][: stop - start])
    return np.concatenate(out, axis=0)


def rate_logits(weights, family, images, batch_size=500):
    """Logits of the rate network in NengoDL, shape ``(n, 10)``."""
    net = build_network(weights, family)
    with make_simulator(net, minibatch_size=min(batch_size, len(images))) as sim:
        return predict_logits(sim, net, images, n_steps=1)[:, 0]


def run_spiking_nengo_dl(weights, family, images, settings, options=None):
    """The spiking network in NengoDL: the reference engine of
    `nengo_fashion.inference.engine.run_spiking`, which checks the arguments and documents
    them (``options`` is a `nengo_fashion.inference.options.RunOptions`; its ``engine``
    and ``threads`` are not read here)."""
    options = RunOptions() if options is None else options
    ks = options.steps_scored(settings.steps)
    voltages = options.voltages(len(images))
    keep_outputs = options.keep_outputs
    net = spiking_network(
        weights, family, settings, NetworkSpec(neuron_type=options.neuron_type, probe_hidden=True)
    )
    amplitude = net.hidden.neuron_type.amplitude
    batch_size = min(options.batch_size, len(images))
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
    return options.results(results, settings.steps)
