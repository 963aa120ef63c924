"""Images through nengo-loihi's emulator: one sequence, or contiguous chunks run as tasks.

Images are shown one after another, ``presentation_time`` seconds each (`MappingSettings`),
as in nengo-loihi's keras-to-loihi example. `simulate` runs one emulator over a sequence
and keeps everything; `emulate_chunk` is one chunk as a task (`nengo_fashion.tasks`),
returning only the small arrays (`summarise`); `evaluate` cuts the images into
`EmulatorOptions.processes` contiguous chunks and merges what they return. Each chunk
starts from fresh neuron state instead of the state the previous image left, so a few
borderline predictions can differ from one sequence; the same chunks give the same
numbers wherever they run.

What the chip computes is the `MappingSettings`; where and how it runs is the
`EmulatorOptions`. The neuron family of the weights is the mapping's neuron's
(`loihi.mapping.NEURONS`): a caller with a run checks it first (`check_family`).
"""

import contextlib
import dataclasses

import numpy as np

from nengo_fashion.config import MAX_SEED
from nengo_fashion.errors import ConfigError
from nengo_fashion.knobs import is_int, knob
from nengo_fashion.progress import Progress
from nengo_fashion.tasks import DataRef, Task, TaskRunner, resolve, single_threaded_blas

from . import loihi_simulator, require_nengo_loihi
from . import ttfs as ttfs_mod
from .mapping import NEURONS, build_loihi_network
from .resources import resources as chip_resources

TARGETS = ("sim", "loihi")
"""nengo-loihi's emulator, or a Loihi board (needs Intel's NxSDK)."""

CHUNK = 250
"""Images `simulate` runs at a time (the state carries over; progress after each)."""


@dataclasses.dataclass(frozen=True)
class EmulatorOptions:
    """Where and how the images run: not what the chip computes (`MappingSettings`).

    Parameters
    ----------
    processes : int or None
        Contiguous chunks of images, one emulator each, each from fresh neuron state;
        None: one per worker of the task runner (1 when serial).
    vectorize : bool
        The vectorised emulator inner loop (`loihi.emulator.vectorized_synapses`,
        bit-identical outputs); False: nengo-loihi's own per-spike loop.
    target : {"sim", "loihi"}
        nengo-loihi's emulator, or a Loihi board (NxSDK).
    seed : int
        The simulator's seed, 0..2**32 - 1.
    """

    processes: int = knob(
        None,
        "contiguous chunks of images, one emulator each, each from fresh neuron state "
        "(default: 1, one sequence; with --scheduler, one per worker); alone, N > 1 runs them "
        "on a local Dask cluster of N workers",
        parse="positive_int",
    )
    vectorize: bool = knob(
        True,
        "the vectorised emulator inner loop (the default); --no-vectorize: nengo-loihi's own "
        "per-spike loop (the straightforward way)",
        parse="flag",
    )
    target: str = knob("sim", "sim: the emulator (the default); loihi: a board", parse=TARGETS)
    seed: int = knob(0, f"0..{MAX_SEED} (default 0)", parse="seed")

    def __post_init__(self):
        if self.processes is not None and not (is_int(self.processes) and self.processes >= 1):
            raise ConfigError(f"--processes must be an integer >= 1, got {self.processes!r}")
        if not isinstance(self.vectorize, bool):
            raise ConfigError(f"vectorize must be true or false, got {self.vectorize!r}")
        if self.target not in TARGETS:
            raise ConfigError(f"unknown target {self.target!r}; choose one of {TARGETS}")
        if not (is_int(self.seed) and 0 <= self.seed <= MAX_SEED):
            raise ConfigError(f"a seed must be in 0..{MAX_SEED}, got {self.seed!r}")


@dataclasses.dataclass(frozen=True)
class Rows:
    """Images ``start:stop`` of an array, a `Split` or a `DataRef` to one: a task's chunk
    (a worker reads a `DataRef`'s images from its own disk)."""

    images: object
    start: int
    stop: int


def _images(images):
    """An ``(n, 784)`` array from an array, a `Split`, a `DataRef` to one, or `Rows` of one."""
    if isinstance(images, Rows):
        return _images(images.images)[images.start : images.stop]
    images = resolve(images)
    return getattr(images, "images", images)


def simulate(settings, weights, images, *, options=None, on_progress=None):
    """Run ``images`` through one emulator in sequence.

    Parameters
    ----------
    settings : loihi.mapping.MappingSettings
        The mapping (its neuron's family is the weights').
    weights : nengo_fashion.weights.Weights
    images : numpy.ndarray
        ``(n, 784)`` pixels in [0, 1].
    options : EmulatorOptions, optional
        ``target``, ``vectorize`` and ``seed`` (``processes`` is `evaluate`'s).
    on_progress : callable, optional
        Called with the number of images done after each `CHUNK` images (the state
        carries over, so the result is the same as one long run).

    Returns
    -------
    dict
        ``outputs`` (n, steps, 10) output layer per step, ``hidden_spikes`` (n,)
        hidden spikes per image, ``input_spikes`` (n,) input spikes per image,
        ``hidden_counts`` (n, 128) and ``input_counts`` (n, 784) per neuron.
    """
    import nengo

    require_nengo_loihi()
    from .emulator import vectorized_synapses

    options = options or EmulatorOptions()
    ttfs = settings.input_code == "ttfs"
    if ttfs and options.target != "sim":
        raise ConfigError(
            "the ttfs input needs a reset of the hidden compartments between images, which "
            "this package implements for the emulator only: use --target sim"
        )
    net = build_loihi_network(weights, NEURONS[settings.neuron].family, settings, images)
    with net:
        p_input = nengo.Probe(net.inp_neurons.neurons, synapse=None)
    n, steps = len(images), settings.steps
    try:
        sim = loihi_simulator(
            net, dt=settings.dt, target=options.target, seed=options.seed, progress_bar=False
        )
    except nengo.exceptions.BuildError as e:
        raise ConfigError(f"the network does not fit Loihi's cores: {e}") from None
    # ttfs: the chip sees each image one step after the host sends it (see loihi.ttfs)
    delay = ttfs_mod.EMULATOR_DELAY if ttfs else 0
    with contextlib.ExitStack() as stack:
        stack.enter_context(sim)
        if options.vectorize and options.target == "sim":
            stack.enter_context(vectorized_synapses())
        if ttfs:
            stack.enter_context(ttfs_mod.window_reset(steps))
            sim.run_steps(delay)
        for start in range(0, n, CHUNK):
            m = min(CHUNK, n - start)
            sim.run_steps(m * steps)
            if on_progress is not None:
                on_progress(m)
        hidden_amp = net.hidden.neuron_type.amplitude
        input_amp = net.inp_neurons.neuron_type.amplitude
        hidden = np.rint(sim.data[net.p_hidden][delay:] * settings.dt / hidden_amp)
        inputs = np.rint(sim.data[p_input][: n * steps] * settings.dt / input_amp)
        hidden = hidden.reshape(n, steps, -1)
        if ttfs:  # the host's output layer, aligned with the chip's windows
            outputs = hidden * (hidden_amp / settings.dt) @ weights.output_w.T + weights.output_b
        else:
            outputs = sim.data[net.p_out].reshape(n, steps, -1)
        return {
            "outputs": outputs,
            "hidden_spikes": hidden.sum(axis=(1, 2)),
            "hidden_counts": hidden.sum(axis=1),
            "input_spikes": inputs.reshape(n, steps, -1).sum(axis=(1, 2)),
            "input_counts": inputs.reshape(n, steps, -1).sum(axis=1),
        }


def summarise(out, skips):
    """The small part of `simulate`'s result: what accuracies and spike counts need.

    Returns ``readouts`` ({skip: (n, 10) output averaged over each presentation
    after ``skip`` steps}), ``hidden_spikes`` and ``input_spikes`` ((n,) per image),
    ``hidden_counts`` and ``input_counts`` ((n, 128) and (n, 784) per neuron, int16).
    """
    outputs = out["outputs"]
    return {
        "readouts": {k: outputs[:, k:].mean(axis=1) for k in skips},
        "hidden_spikes": out["hidden_spikes"],
        "input_spikes": out["input_spikes"],
        "hidden_counts": out["hidden_counts"].astype(np.int16),
        "input_counts": out["input_counts"].astype(np.int16),
    }


def emulate_chunk(settings, weights, images, *, skips, options=None, resources=False):
    """One emulator over a chunk of images (a task); returns `summarise`'s small arrays.

    ``images`` is an array, a `DataRef` to a split, or `Rows` of one (the worker reads a
    `DataRef`'s images from its own disk). ``resources=True`` also returns
    `model_resources` (so that a distributed run needs nengo-loihi only on the workers).
    """
    out = simulate(settings, weights, _images(images), options=options)
    result = summarise(out, skips)
    if resources:
        result["resources"] = model_resources(settings, weights)
    return result


def evaluate(settings, weights, images, *, skips=(0,), options=None, runner=None):
    """Simulate ``images`` in contiguous chunks; return the merged small arrays.

    Parameters
    ----------
    settings : loihi.mapping.MappingSettings
    weights : nengo_fashion.weights.Weights
    images : numpy.ndarray or nengo_fashion.tasks.DataRef
        ``(n, 784)`` images, or a reference to a split (workers then read the
        images from their own disk).
    skips : sequence of int
        Readout skips (steps) to return the averaged output for.
    options : EmulatorOptions, optional
        Its ``processes`` is the number of contiguous chunks, one emulator each (fresh
        neuron state at each chunk's start; default: one per worker of ``runner``).
    runner : nengo_fashion.tasks.TaskRunner, optional
        Runs the chunks (default: one after another, here, quietly); progress (images
        done) goes to stderr unless it is quiet.

    Returns
    -------
    dict
        ``readouts`` ({skip: (n, 10)}), ``hidden_spikes`` and ``input_spikes`` ((n,)),
        see `summarise`; with a distributed ``runner``, also ``resources``
        (`model_resources`, built by the first chunk's worker, so that only the workers
        need nengo-loihi).
    """
    runner = runner or TaskRunner(quiet=True)
    options = options or EmulatorOptions()
    skips = sorted(set(skips))
    n = len(images)
    processes = options.processes or runner.n_workers
    chunks = [c for c in np.array_split(np.arange(n), processes) if len(c)]
    if runner.serial and len(chunks) == 1:  # one sequence here: progress per CHUNK images
        with Progress(n, "emulator images", quiet=runner.quiet) as bar, single_threaded_blas():
            out = simulate(
                settings,
                weights,
                _images(images),
                options=options,
                on_progress=lambda m: bar.update(n=m),
            )
        return summarise(out, skips)
    common = dict(settings=settings, weights=runner.share(weights), skips=skips, options=options)
    tasks = []
    for i, c in enumerate(chunks):
        lo, hi = int(c[0]), int(c[-1]) + 1
        rows = Rows(images, lo, hi) if isinstance(images, DataRef) else images[lo:hi]
        kwargs = dict(common, images=rows, resources=i == 0 and not runner.serial)
        tasks.append(Task(f"chunk-{i}", emulate_chunk, kwargs, size=hi - lo))
    results = runner.run(
        tasks, "emulator images", label=lambda t, r: f"{t.key}: {len(r['hidden_spikes'])} images"
    )
    parts = [results[t.key] for t in tasks]
    merged = {"readouts": {k: np.concatenate([p["readouts"][k] for p in parts]) for k in skips}}
    for key in ("hidden_spikes", "input_spikes", "hidden_counts", "input_counts"):
        merged[key] = np.concatenate([p[key] for p in parts])
    if not runner.serial:
        merged["resources"] = parts[0]["resources"]
    return merged


def model_resources(settings, weights):
    """Resources of the built model for one presentation (build only, no run)."""
    require_nengo_loihi()
    import nengo

    net = build_loihi_network(
        weights, NEURONS[settings.neuron].family, settings, np.zeros((1, 784))
    )
    try:
        with loihi_simulator(net, dt=settings.dt, target="sim", progress_bar=False) as sim:
            return chip_resources(sim.model)
    except nengo.exceptions.BuildError as e:
        raise ConfigError(f"the network does not fit Loihi's cores: {e}") from None
