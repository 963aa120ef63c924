"""Evaluate a trained run on nengo-loihi's emulator (or a Loihi board).

Usage::

    python -m loihi --run results/thesis-relu                  # all 10,000 test images
    python -m loihi --run results/thesis-relu --n-images 200 --presentation-time 0.02
    python -m loihi --run results/thesis-lif --neuron LoihiLIF --scale 1
    python -m loihi --run results/thesis-relu --target loihi   # needs NxSDK and a board

It reports, it chooses nothing: ``--split`` defaults to test, and the output says so
(choose a mapping on the validation split with ``python -m loihi.tune``).

Images are shown one after another, ``presentation_time`` seconds each, as in
nengo-loihi's keras-to-loihi example. What makes the whole test set fast on a
small CPU, without changing what is computed:

* the input pixels become spikes off-chip in 784 input neurons (one axon each)
  rather than nengo-loihi's default on/off pair per pixel (see `loihi.mapping`);
* the emulator's per-spike inner loop is replaced by an equivalent vectorised
  one (`loihi.emulator.vectorized_synapses`; bit-identical outputs, tested).

``--no-vectorize`` is the straightforward way; ``benchmarks/loihi_emulator.py``
times both on the same images.

Parallel runs cut the images into contiguous chunks, one emulator each, run as
tasks (`nengo_fashion.tasks`): ``--scheduler local --workers N`` or
``--scheduler tcp://HOST:PORT`` makes one chunk per worker, ``--processes N``
makes N chunks (alone, it runs them on a local Dask cluster of N workers, as
the earlier process pool did; without Dask, one after another). Each chunk
starts from fresh neuron state instead of the state the previous image left, so
a few borderline predictions can differ from one sequence (the default); the
same chunks give the same numbers wherever they run.

It prints and writes ``loihi.json`` (into the run folder, or ``--out``) with the
top-level keys ``accuracy``, ``n_images``, ``wall_seconds``, ``spikes_per_image``,
``resources``, ``energy_per_image_j`` and ``settings``, plus the confusion matrix,
the per-image predictions' digest and the energy estimate's assumptions.
"""

import contextlib
import hashlib
import sys
import time

import numpy as np

from nengo_fashion import data as data_mod
from nengo_fashion.atomic import Outputs, write_json
from nengo_fashion.cli import (
    ArgumentParser,
    add_data_args,
    add_output_args,
    add_split_arg,
    non_negative_int,
    positive_float,
    positive_int,
    run_cli,
    seed_value,
    synapse_value,
)
from nengo_fashion.config import MAX_STEPS
from nengo_fashion.errors import ConfigError, MissingDependencyError
from nengo_fashion.inference import energy
from nengo_fashion.inference.synops import ann_macs
from nengo_fashion.inference.synops import count as count_synops
from nengo_fashion.progress import Progress, make_log
from nengo_fashion.runs import load_run
from nengo_fashion.tasks import (
    INSTALL,
    DataRef,
    Task,
    TaskRunner,
    add_scheduler_args,
    have_dask,
    resolve,
    single_threaded_blas,
)

from . import loihi_simulator, nxsdk_available, require_nengo_loihi
from . import ttfs as ttfs_mod
from .mapping import (
    INPUT_CODES,
    NEURONS,
    MappingSettings,
    build_loihi_network,
    check_family,
    default_neuron,
    has_pruned_weights,
)
from .resources import resources

FILE_NAME = "loihi.json"

PRESENTATION_HELP = (
    f"seconds each image is shown: at least --dt, at most {MAX_STEPS} steps of --dt "
    f"({MAX_STEPS * 0.001:g} s at 1 ms)"
)
"""``--presentation-time``'s help, shared with ``loihi.tune`` (`MappingSettings` checks it)."""


def simulate(
    weights,
    family,
    settings,
    images,
    *,
    target="sim",
    vectorize=True,
    seed=0,
    keep_model=False,
    on_progress=None,
    chunk=250,
):
    """Run ``images`` through one emulator in sequence.

    The simulation runs ``chunk`` images at a time (the state carries over, so the
    result is the same as one long run) and calls ``on_progress(n_images)`` after
    each piece.

    Returns
    -------
    dict
        ``outputs`` (n, steps, 10) output layer per step, ``hidden_spikes`` (n,)
        hidden spikes per image, ``input_spikes`` (n,) input spikes per image,
        ``hidden_counts`` (n, 128) and ``input_counts`` (n, 784) per neuron,
        ``model`` (nengo-loihi's built model, if ``keep_model``).
    """
    import nengo

    require_nengo_loihi()
    from .emulator import vectorized_synapses

    ttfs = settings.input_code == "ttfs"
    if ttfs and target != "sim":
        raise ConfigError(
            "the ttfs input needs a reset of the hidden compartments between images, which "
            "this package implements for the emulator only: use --target sim"
        )
    net = build_loihi_network(weights, family, settings, images)
    with net:
        p_input = nengo.Probe(net.inp_neurons.neurons, synapse=None)
    n, steps = len(images), settings.steps
    try:
        sim = loihi_simulator(net, dt=settings.dt, target=target, seed=seed, progress_bar=False)
    except nengo.exceptions.BuildError as e:
        raise ConfigError(f"the network does not fit Loihi's cores: {e}") from None
    # ttfs: the chip sees each image one step after the host sends it (see loihi.ttfs)
    delay = ttfs_mod.EMULATOR_DELAY if ttfs else 0
    with contextlib.ExitStack() as stack:
        stack.enter_context(sim)
        if vectorize and target == "sim":
            stack.enter_context(vectorized_synapses())
        if ttfs:
            stack.enter_context(ttfs_mod.window_reset(steps))
            sim.run_steps(delay)
        for start in range(0, n, chunk):
            m = min(chunk, n - start)
            sim.run_steps(m * steps)
            if on_progress is not None:
                on_progress(m)
        hidden_amp = net.hidden.neuron_type.amplitude
        input_amp = net.inp_neurons.neuron_type.amplitude
        to_count = settings.dt
        hidden = np.rint(sim.data[net.p_hidden][delay:] * to_count / hidden_amp)
        inputs = np.rint(sim.data[p_input][: n * steps] * to_count / input_amp)
        hidden = hidden.reshape(n, steps, -1)
        if ttfs:  # the host's output layer, aligned with the chip's windows
            outputs = hidden * (hidden_amp / to_count) @ weights.output_w.T + weights.output_b
        else:
            outputs = sim.data[net.p_out].reshape(n, steps, -1)
        out = {
            "outputs": outputs,
            "hidden_spikes": hidden.sum(axis=(1, 2)),
            "hidden_counts": hidden.sum(axis=1),
            "input_spikes": inputs.reshape(n, steps, -1).sum(axis=(1, 2)),
            "input_counts": inputs.reshape(n, steps, -1).sum(axis=1),
        }
        if keep_model:
            out["model"] = sim.model
    return out


def _images(images, rows=None):
    """An ``(n, 784)`` array from an array, a `Split` or a `DataRef` to one; ``rows`` slices."""
    images = resolve(images)
    images = getattr(images, "images", images)
    return images if rows is None else images[rows[0] : rows[1]]


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


def emulate_chunk(
    weights, family, settings, images, *, skips, vectorize=True, seed=0, rows=None, resources=False
):
    """One emulator over a chunk of images (a task); returns `summarise`'s small arrays.

    ``images`` is an array, or a `DataRef` to a split whose ``rows`` (start, stop) are
    the chunk (the worker reads them from its own disk). ``resources=True`` also
    returns `model_resources` (so that a distributed run needs nengo-loihi only on
    the workers).
    """
    out = simulate(weights, family, settings, _images(images, rows), vectorize=vectorize, seed=seed)
    result = summarise(out, skips)
    if resources:
        result["resources"] = model_resources(weights, family, settings)
    return result


def evaluate(
    weights,
    family,
    settings,
    images,
    *,
    processes=1,
    vectorize=True,
    seed=0,
    quiet=True,
    skips=(0,),
    runner=None,
    resources=False,
):
    """Simulate ``images`` in ``processes`` contiguous chunks; return merged small arrays.

    Parameters
    ----------
    images : numpy.ndarray or nengo_fashion.tasks.DataRef
        ``(n, 784)`` images, or a reference to a split (workers then read the
        images from their own disk).
    processes : int
        Contiguous chunks, one emulator each (fresh neuron state at each chunk's
        start); 1: one sequence.
    skips : sequence of int
        Readout skips (steps) to return the averaged output for.
    runner : nengo_fashion.tasks.TaskRunner, optional
        Runs the chunks (default: one after another, here).
    resources : bool
        Also return ``resources`` (`model_resources`), computed with the first chunk.

    Returns
    -------
    dict
        ``readouts`` ({skip: (n, 10)}), ``hidden_spikes`` and ``input_spikes`` ((n,)),
        see `summarise`. Progress (images done) goes to stderr unless ``quiet``.
    """
    runner = runner or TaskRunner(quiet=quiet)
    skips = sorted(set(skips))
    n = len(images)
    chunks = [c for c in np.array_split(np.arange(n), processes) if len(c)]
    if runner.serial and len(chunks) == 1:  # one sequence here: progress per 250 images
        with Progress(n, "emulator images", quiet=quiet) as bar, single_threaded_blas():
            out = simulate(
                weights,
                family,
                settings,
                _images(images),
                vectorize=vectorize,
                seed=seed,
                on_progress=lambda m: bar.update(n=m),
            )
        result = summarise(out, skips)
        if resources:
            result["resources"] = model_resources(weights, family, settings)
        return result
    common = dict(
        weights=runner.share(weights),
        family=family,
        settings=settings,
        skips=skips,
        vectorize=vectorize,
        seed=seed,
    )
    tasks = []
    for i, c in enumerate(chunks):
        lo, hi = int(c[0]), int(c[-1]) + 1
        if isinstance(images, DataRef):
            chunk = dict(images=images, rows=(lo, hi))
        else:
            chunk = dict(images=images[lo:hi])
        chunk["resources"] = resources and i == 0
        tasks.append(Task(f"chunk-{i}", emulate_chunk, dict(common, **chunk), size=hi - lo))
    results = runner.run(
        tasks, "emulator images", label=lambda t, r: f"{t.key}: {len(r['hidden_spikes'])} images"
    )
    parts = [results[t.key] for t in tasks]
    merged = {
        "readouts": {k: np.concatenate([p["readouts"][k] for p in parts]) for k in skips},
        "hidden_spikes": np.concatenate([p["hidden_spikes"] for p in parts]),
        "input_spikes": np.concatenate([p["input_spikes"] for p in parts]),
        "hidden_counts": np.concatenate([p["hidden_counts"] for p in parts]),
        "input_counts": np.concatenate([p["input_counts"] for p in parts]),
    }
    if resources:
        merged["resources"] = parts[0]["resources"]
    return merged


def predictions(outputs, skip=0):
    """Argmax of the output averaged over each presentation after ``skip`` steps."""
    return outputs[:, skip:].mean(axis=1).argmax(axis=1)


def confusion_matrix(labels, preds, n_classes=10):
    m = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(m, (labels, preds), 1)
    return m


def model_resources(weights, family, settings):
    """Resources of the built model for one presentation (build only, no run)."""
    require_nengo_loihi()
    net = build_loihi_network(weights, family, settings, np.zeros((1, 784)))
    import nengo

    try:
        with loihi_simulator(net, dt=settings.dt, target="sim", progress_bar=False) as sim:
            return resources(sim.model)
    except nengo.exceptions.BuildError as e:
        raise ConfigError(f"the network does not fit Loihi's cores: {e}") from None


def run_loihi(
    run_dir,
    settings=None,
    *,
    n_images=None,
    split="test",
    processes=None,
    vectorize=True,
    target="sim",
    out=None,
    data_dir=None,
    seed=0,
    log=print,
    quiet=True,
    runner=None,
    chosen=None,
    overwrite=False,
):
    """Evaluate a run on the emulator and write ``<out>/loihi.json``; return its dict.

    ``out`` is a folder (default: the run folder), checked before anything runs; an
    existing ``loihi.json`` there is refused unless ``overwrite``.
    Progress goes to stderr unless ``quiet``. ``processes`` is the number of
    contiguous chunks (default: 1, or one per worker of a distributed ``runner``);
    ``runner`` (a `nengo_fashion.tasks.TaskRunner`; default serial) runs them.
    """
    if n_images is not None and n_images < 1:
        raise ConfigError(f"--n-images must be >= 1, got {n_images}")
    runner = runner or TaskRunner(quiet=quiet)
    if target == "loihi":  # one board, one sequence
        processes, vectorize, runner = 1, False, TaskRunner(quiet=quiet)
    run = load_run(run_dir)
    outputs = Outputs(out or run.path, [FILE_NAME], overwrite=overwrite)
    path = outputs.folder / FILE_NAME
    # after the cheap checks: importing nengo-loihi imports TensorFlow (seconds)
    if runner.serial:  # else only the workers need nengo-loihi (and TensorFlow)
        require_nengo_loihi()
    if target == "loihi" and not nxsdk_available():
        raise MissingDependencyError(
            "--target loihi needs Intel's NxSDK and a Loihi board, and NxSDK is not "
            "importable here; only the emulator (--target sim) is available"
        )
    family = run.config.neuron
    settings = settings or MappingSettings(
        neuron=default_neuron(family), scale=run.config.spiking.scale
    )
    check_family(settings, family)
    dataset = data_mod.load(data_dir, n_val=run.config.n_val)
    s = dataset.split(split).subset(n_images)
    processes = processes or runner.n_workers
    log(
        f"{run.path}: {family} run, {settings.neuron} on the {target} target, {len(s)} {split} "
        f"images, {settings.steps} steps each, {processes} chunk(s), {runner.describe()}"
    )
    if split == "test":
        log("reporting on the test split (choose settings on --split val: python -m loihi.tune)")
    # distributed: the first chunk's worker builds the model for the resource count
    res = model_resources(run.weights, family, settings) if runner.serial else None
    skips = sorted({0, settings.steps // 4, settings.steps // 2, settings.skip})
    images = DataRef(dataset, data_dir).subset(split, n_images)
    start = time.time()
    sim = evaluate(
        run.weights,
        family,
        settings,
        images,
        processes=processes,
        vectorize=vectorize,
        seed=seed,
        quiet=quiet,
        skips=skips,
        runner=runner,
        resources=res is None,
    )
    wall = time.time() - start
    res = res or sim["resources"]
    preds = sim["readouts"][settings.skip].argmax(axis=1)
    acc = float(np.mean(preds == s.labels))
    spikes = float(sim["hidden_spikes"].mean())
    input_spikes = float(sim["input_spikes"].mean())
    # each spike at its neuron's non-zero fan-out; the ANN baselines on the same weights
    synops = count_synops(
        sim["input_counts"], sim["hidden_counts"], settings.steps, weights=run.weights
    )
    ann = ann_macs(s.images, run.weights.hidden(s.images, family), run.weights)
    est = energy.estimate(
        synops=synops,
        n_compartments=res["totals"]["compartments"],
        steps=settings.steps,
        ann=ann,
    )
    result = {
        "accuracy": acc,
        "n_images": len(s),
        "split": split,
        "wall_seconds": wall,
        "spikes_per_image": spikes,
        "input_spikes_per_image": input_spikes,
        "resources": res,
        "energy_per_image_j": est["loihi"]["energy_j"],
        "energy": est,
        # synops_per_image, dense_macs_per_image, synops_ratio, steps: counted from the
        # simulated spikes by the one counter that the energy estimate also uses
        **synops,
        "zero_skip_macs_per_image": ann["zero_skip_macs_per_image"],
        "ann": ann,
        "first_layer_density": float(np.count_nonzero(run.weights.hidden_w))
        / run.weights.hidden_w.size,
        "sparse_transform": has_pruned_weights(run.weights),
        "settings": dict(
            settings.asdict(),
            target=target,
            processes=processes,
            vectorize=vectorize,
            seed=seed,
            scheduler=runner.describe(),
            workers=runner.n_workers,
        ),
        "confusion_matrix": confusion_matrix(s.labels, preds).tolist(),
        "predictions_sha1": hashlib.sha1(preds.astype(np.int8).tobytes()).hexdigest(),
        "accuracy_by_skip": {
            str(k): float(np.mean(sim["readouts"][k].argmax(axis=1) == s.labels)) for k in skips
        },
        "run": str(run.path),
        "data_source": dataset.source,
        "nengo_dl_spiking_test_acc": run.results.get("spiking_test_acc"),
        "nengo_dl_spiking": run.results.get("spiking"),
        "rate_test_acc": run.results.get("rate_test_acc"),
    }
    if chosen:
        result["chosen"] = chosen
    with outputs.staging() as stage:
        write_json(stage / FILE_NAME, result)
    log(f"wrote {path}")
    return result


def result_line(result):
    """The one line a ``loihi.json`` result is summed up in (printed even with --quiet)."""
    n, wall = result["n_images"], result["wall_seconds"]
    return (
        f"accuracy {result['accuracy']:.2%} on {n} images in {wall:.1f} s "
        f"({n / max(wall, 1e-9):.0f} images/s); {result['spikes_per_image']:.1f} hidden "
        f"spikes/image; {result['resources']['totals']['cores']} core(s); "
        f"~{result['energy_per_image_j'] * 1e6:.2f} uJ/image on Loihi (estimate)"
    )


def make_parser():
    p = ArgumentParser(prog="python -m loihi", description=__doc__.splitlines()[0])
    p.add_argument("--run", required=True, help="run folder written by nengo_fashion.train")
    p.add_argument(
        "--neuron",
        choices=sorted(NEURONS),
        default=None,
        help="default: LoihiSpikingRectifiedLinear for relu runs, LoihiLIF for lif",
    )
    p.add_argument("--n-images", type=int, default=None, help="default: the whole split")
    add_split_arg(p, "report", choices=("val", "test"))
    p.add_argument("--presentation-time", type=positive_float, default=0.03, help=PRESENTATION_HELP)
    p.add_argument("--dt", type=positive_float, default=0.001)
    p.add_argument("--synapse", type=synapse_value, default="none")
    p.add_argument(
        "--scale",
        type=positive_float,
        default=None,
        help="firing-rate scale (default: the run's spiking scale)",
    )
    p.add_argument(
        "--input-rate",
        type=positive_float,
        default=250.0,
        help="input neuron rate for a white pixel (Hz)",
    )
    p.add_argument(
        "--skip",
        type=non_negative_int,
        default=0,
        help="steps left out of each readout (0..steps - 1)",
    )
    p.add_argument(
        "--input",
        choices=INPUT_CODES,
        default="rate",
        help="'rate': pixels fire --input-rate Hz for the whole presentation; 'ttfs': one "
        "spike per pixel, timed by its value, into step currents (see loihi/ttfs.py)",
    )
    p.add_argument(
        "--ttfs-threshold",
        type=float,
        default=0.0,
        help="--input ttfs: pixels below this send no spike (default 0)",
    )
    p.add_argument(
        "--input-tau",
        type=positive_float,
        default=2.0,
        help="--input ttfs: lowpass tau (s) of the input synapse, the step current (default 2)",
    )
    p.add_argument(
        "--chosen",
        default=None,
        help="how this mapping was chosen, recorded in loihi.json (e.g. 'loihi.tune on "
        "validation')",
    )
    p.add_argument(
        "--block-size",
        type=positive_int,
        default=None,
        help="hidden neurons per core (default: all 128 on one core)",
    )
    p.add_argument(
        "--processes",
        type=positive_int,
        default=None,
        help="contiguous chunks of images, one emulator each, each from fresh neuron state "
        "(default: 1, one sequence; with --scheduler, one per worker); alone, N > 1 runs them "
        "on a local Dask cluster of N workers",
    )
    p.add_argument(
        "--vectorize",
        action="store_true",
        default=True,
        help="vectorised emulator inner loop (default)",
    )
    p.add_argument(
        "--no-vectorize",
        dest="vectorize",
        action="store_false",
        help="nengo-loihi's own per-spike loop (the straightforward way)",
    )
    p.add_argument("--target", choices=("sim", "loihi"), default="sim")
    p.add_argument("--seed", type=seed_value, default=0, help="0..2**32 - 1")
    add_output_args(p, "the run folder", FILE_NAME)
    add_data_args(p, n_val=False)
    add_scheduler_args(p)
    return p


def main(argv=None):
    args = make_parser().parse_args(argv)

    def run():
        r = load_run(args.run)
        settings = MappingSettings(
            neuron=args.neuron or default_neuron(r.config.neuron),
            presentation_time=args.presentation_time,
            dt=args.dt,
            scale=args.scale or r.config.spiking.scale,
            synapse=None if args.synapse == "none" else args.synapse,
            input_rate=args.input_rate,
            skip=args.skip,
            block_size=args.block_size,
            input_code=args.input,
            ttfs_threshold=args.ttfs_threshold,
            input_tau=args.input_tau,
        )
        log = make_log(args.quiet)
        scheduler, workers = args.scheduler, args.workers
        if scheduler is None and workers is None and (args.processes or 1) > 1:
            if have_dask():  # --processes N alone: N local workers, as the process pool was
                scheduler, workers = "local", args.processes
            else:
                log(f"Dask is not installed ({INSTALL}): the chunks run one after another")
        with TaskRunner(scheduler, workers, quiet=args.quiet, log=log) as runner:
            result = run_loihi(
                args.run,
                settings,
                n_images=args.n_images,
                split=args.split,
                processes=args.processes,
                vectorize=args.vectorize,
                target=args.target,
                out=args.out,
                data_dir=args.data_dir,
                seed=args.seed,
                log=log,
                quiet=args.quiet,
                runner=runner,
                chosen=args.chosen,
                overwrite=args.overwrite,
            )
        print(result_line(result), flush=True)

    return run_cli(run)


if __name__ == "__main__":
    sys.exit(main())
