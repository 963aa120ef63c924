"""Train the 784-128-10 rate network in NengoDL and write a run folder.

The library of training: `fit` trains a `nengo_fashion.config.TrainConfig`, `train` writes
its run folder, `train_run` trains one on a task runner's worker. The command is
``python -m nengo_fashion.train`` (`nengo_fashion.commands.train`)::

    python -m nengo_fashion.train                      # the thesis recipe
    python -m nengo_fashion.train --recipe best        # the recipe chosen on validation
    python -m nengo_fashion.train --neuron lif --epochs 3 --name quick-lif

A run folder (``<out>/<name>/``, default ``runs/<recipe>-<neuron>/``) is written
atomically and holds:

``config.json``
    The resolved `TrainConfig`.
``params.npz``
    NengoDL parameters (``Simulator.save_params``) of the rate network.
``weights.npz``
    ``hidden_w`` (128, 784), ``hidden_b`` (128,), ``output_w`` (10, 128),
    ``output_b`` (10,): ``out = output_w @ f(hidden_w @ x + hidden_b) + output_b``.
``results.json``
    Accuracies (fractions) and spike statistics; see `RESULTS_KEYS`.
``training_curve.png``
    Loss and train/validation accuracy per epoch.

One concept per module: ``objective.py`` (the losses, the regulariser and the optimizer),
``validation.py`` (the network's input in training and its scoring after each epoch).
"""

import json
import time
from pathlib import Path

import nengo
import numpy as np

from ..atomic import atomic_dir, child_folder, fill_folder, write_json
from ..families import get_family, get_training_neuron
from ..images.augment import augment
from ..inference.dl import import_nengo_dl, make_simulator, trained_weights
from ..inference.engine import evaluate_rate, evaluate_spiking
from ..network import NetworkSpec, Weights, build_network
from ..neurons.spike_aware import spike_aware_type
from ..progress import epoch_line
from ..sparsity import pruning
from ..teacher import load_teacher
from ..teacher.distill import augmented_copy, label_loss, soft_loss, teacher_pool
from .objective import make_optimizer, rate_regulariser, readout_accuracy, readout_loss
from .validation import input_encoder, scored_by_numpy, validation_logits

__all__ = [
    "STEPS_PER_EXECUTION",
    "check_sources",
    "fit",
    "images_per_epoch",
    "input_encoder",
    "make_optimizer",
    "rate_regulariser",
    "readout_accuracy",
    "readout_loss",
    "scored_by_numpy",
    "seed_everything",
    "summary_table",
    "train",
    "train_run",
    "training_neuron_type",
    "validation_logits",
]


def seed_everything(seed):
    """Seed numpy, Python and TensorFlow, and make TensorFlow's ops deterministic."""
    import_nengo_dl()
    import tensorflow as tf

    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def images_per_epoch(n_images, batch_size):
    """Training images one epoch uses: NengoDL needs whole minibatches."""
    return (n_images // batch_size) * batch_size


def training_neuron_type(config, family):
    """``(neuron_type, scale)`` to train with: None and 1 for the family's rate type.

    ``config.train_neuron`` names an entry of `nengo_fashion.families.TRAINING_NEURONS`
    (``"nengo"``: the family's own rate type).
    """
    if config.spike_aware:
        return spike_aware_type(family), 1.0
    if config.train_neuron == "nengo":
        return None, 1.0
    scale = config.spiking.scale
    return get_training_neuron(config.train_neuron)(family, scale), scale


STEPS_PER_EXECUTION = 64
"""Minibatches that Keras runs per call of its compiled train step. The updates are
the same, in the same order, as one call per minibatch (a test checks that the
weights are identical); fewer calls cut the per-minibatch Python overhead, which
dominates the time of such a small network."""


def _network(config):
    """The rate network to train (from ``init_run``'s weights, if given)."""
    family = get_family(config.neuron)
    neuron_type, scale = training_neuron_type(config, family)
    init = Weights.load(Path(config.init_run) / "weights.npz") if config.init_run else None
    spec = NetworkSpec(
        neuron_type=neuron_type,
        scale=scale,
        synapse=config.train_synapse,
        probe_hidden=config.rate_reg > 0,
        seed=config.seed,
    )
    return build_network(init, family, spec)


def _teacher(config, net, images, log):
    """``(logits, info, probe)`` of the teacher to distil (None without one): its logits of
    every augmented copy of ``images`` (`teacher_pool`) and a probe of the student's output."""
    if not config.teacher:
        return None
    logits, info = teacher_pool(
        config.teacher,
        images,
        augment_name=config.augment,
        seed=config.seed,
        copies=config.kd_copies,
        log=log,
    )
    with net:
        probe = nengo.Probe(net.out, synapse=None, label="distill_probe")
    return logits, info, probe


def _losses(config, net, teacher, how):
    """``{probe: loss}``: the labels (and the teacher's softened outputs), the regulariser."""
    if teacher is None:
        losses = {net.p_out: readout_loss(how, config.label_smoothing)}
    else:
        losses = {
            net.p_out: label_loss(1 - config.kd_alpha, config.label_smoothing, how),
            teacher[2]: soft_loss(config.kd_alpha, config.kd_temperature, how),
        }
    if config.rate_reg > 0:
        amplitude = net.hidden.neuron_type.amplitude
        losses[net.p_hidden] = rate_regulariser(config.rate_reg, config.rate_target_hz, amplitude)
    return losses


def _compile(sim, net, config, teacher, *, steps_per_epoch, steps_per_execution):
    """Compile the simulator's training; return the pruning masks (none without pruning)."""
    how = "last" if config.train_synapse else "mean"
    masks = [pruning.LayerMask(sim, net.conn_hidden)] if config.prune_keep < 1 else []
    for mask in masks:  # weights already pruned (a fine-tune) stay pruned from the start
        mask.set(mask.values() != 0)
    sim.compile(
        optimizer=make_optimizer(config, steps_per_epoch, masks),
        loss=_losses(config, net, teacher, how),
        metrics={net.p_out: readout_accuracy(how)},
        steps_per_execution=steps_per_execution,
    )
    return masks


def _epoch_data(config, net, train, order, *, epoch, teacher, rng):
    """``(inputs, targets)`` of one epoch: the images of ``order``, augmented, and their
    labels (the teacher's logits of the same augmented copy, the regulariser's zeros)."""
    steps = config.train_steps
    if teacher is None:
        x = augment(config.augment, train.images[order], rng)
    else:  # the augmented copy whose teacher logits were computed
        copy = epoch % config.kd_copies
        x = augmented_copy(config.augment, train.images, config.seed, copy)[order]
    targets = {net.p_out: np.repeat(train.labels[order][:, None, None], steps, axis=1)}
    if teacher is not None:
        targets[teacher[2]] = np.repeat(teacher[0][copy][order][:, None, :], steps, axis=1)
    if config.rate_reg > 0:
        targets[net.p_hidden] = np.zeros((len(order), 1, 1), dtype=np.float32)
    return {net.inp: input_encoder(config, steps)(x)}, targets


def fit(config, dataset, log=print, steps_per_execution=STEPS_PER_EXECUTION):
    """Train the rate network; return ``(weights, history, sim)``.

    Parameters
    ----------
    config : TrainConfig
        What to train.
    dataset : nengo_fashion.data.FashionMNIST
        Training and validation splits (the test split is not touched).
    log : callable
        Called with one line of progress per epoch.
    steps_per_execution : int
        Minibatches per call of Keras' train step (see `STEPS_PER_EXECUTION`).

    Returns
    -------
    weights : Weights
        The trained parameters.
    history : dict
        Per-epoch ``loss``, ``train_acc``, ``val_acc`` and ``seconds``.
    sim : nengo_dl.Simulator
        The training simulator, still open (``sim.save_params`` writes the NengoDL
        parameters): close it when done.
    """
    seed_everything(config.seed)
    train, val = dataset.train.subset(config.n_train), dataset.val
    n_used = images_per_epoch(len(train), config.batch_size)
    rng = np.random.RandomState(config.seed)
    how = "last" if config.train_synapse else "mean"
    net = _network(config)
    # spiking types (Loihi's) are validated as they run: over the spiking setting's steps
    val_steps = config.spiking.steps if config.train_neuron == "loihi" else config.train_steps
    teacher = _teacher(config, net, train.images, log)
    sim = make_simulator(
        net, minibatch_size=config.batch_size, dt=config.train_dt, use_loop=val_steps > 1
    )
    try:  # closed here on an error or an interrupt (else NengoDL warns as it goes)
        if not scored_by_numpy(config, val_steps):
            # NengoDL's prediction runs Keras' predict loop, which would then also try to
            # take steps_per_execution minibatches from the one it is given
            steps_per_execution = 1
        masks = _compile(
            sim,
            net,
            config,
            teacher,
            steps_per_epoch=n_used // config.batch_size,
            steps_per_execution=steps_per_execution,
        )
        keep_after = pruning.schedule(config.prune_keep, config.epochs)
        history = {"loss": [], "train_acc": [], "val_acc": [], "seconds": []}
        if teacher is not None:
            history["teacher"] = teacher[1]
        for epoch in range(config.epochs):
            start = time.time()
            order = rng.permutation(len(train))[:n_used] if config.shuffle else np.arange(n_used)
            inputs, targets = _epoch_data(
                config, net, train, order, epoch=epoch, teacher=teacher, rng=rng
            )
            result = sim.fit(inputs, targets, epochs=1, shuffle=False, verbose=0)
            if masks:  # the schedule's next step (the same mask once it is complete)
                kept = masks[0].prune_to(keep_after[epoch])
                history.setdefault("kept", []).append(float(kept.mean()))
            val_pred = np.argmax(
                validation_logits(sim, net, config, val.images, steps=val_steps, how=how), 1
            )
            acc_key = next(k for k in result.history if k.endswith("_accuracy"))
            history["loss"].append(float(result.history["loss"][-1]))
            history["train_acc"].append(float(result.history[acc_key][-1]))
            history["val_acc"].append(float(np.mean(val_pred == val.labels)))
            history["seconds"].append(time.time() - start)
            log(epoch_line(epoch, config.epochs, history))
        weights = trained_weights(sim, net)
    except BaseException:
        sim.close()
        raise

    return weights, history, sim


def check_sources(config):
    """Read what ``config`` starts from before any work: ``init_run``'s weights and the
    ``teacher`` run folder (a clear error at once, not after the data is loaded)."""
    if config.init_run is not None:
        Weights.load(Path(config.init_run) / "weights.npz")
    if config.teacher is not None:
        load_teacher(config.teacher)


def train(config, dataset, *, out="runs", name=None, overwrite=False, log=print):
    """Train, evaluate and write a complete run folder; return its path.

    The test split is used only after training, to report.

    Parameters
    ----------
    config : nengo_fashion.config.TrainConfig
        What to train.
    dataset : nengo_fashion.data.FashionMNIST
        The data (`nengo_fashion.data.load`).
    out : str or Path
        The folder of run folders; the run is written to ``out/name/``.
    name : str, optional
        The run's name (default ``<recipe>-<neuron>[-<variant>]``).
    overwrite : bool
        Replace an existing run folder of that name (once the new one is complete).
    log : callable
        Progress lines (one per epoch) and the summary.

    Returns
    -------
    Path
        The run folder.
    """
    from ..plots import training_curve

    start = time.time()
    name = name or "-".join(
        [config.recipe, config.neuron] + ([config.variant] if config.variant != "none" else [])
    )
    run_dir = child_folder(out, name)
    log(
        f"training {name}: {config.neuron} rate net, {config.epochs} epochs, batch "
        f"{config.batch_size}, lr {config.lr} ({config.lr_schedule}), data from {dataset.source}"
    )
    with atomic_dir(run_dir, overwrite=overwrite) as tmp:
        weights, history, sim = fit(config, dataset, log=log)
        try:
            rate_val = evaluate_rate(weights, config.neuron, dataset.val)
            rate_test = evaluate_rate(weights, config.neuron, dataset.test)
            spiking = evaluate_spiking(weights, config.neuron, dataset.test, config.spiking)
            results = {
                "rate_val_acc": rate_val["accuracy"],
                "rate_test_acc": rate_test["accuracy"],
                "spiking_test_acc": spiking["accuracy"],
                "spiking": dict(config.spiking.asdict(), neuron=config.neuron),
                "hidden_rate_hz": spiking["hidden_rate_hz"],
                "spikes_per_image": spiking["spikes_per_image"],
                "n_train_used": images_per_epoch(
                    len(dataset.train.subset(config.n_train)), config.batch_size
                ),
                "n_val": len(dataset.val),
                "n_test": len(dataset.test),
                "data_source": dataset.source,
                "history": history,
                "config": config.asdict(),
                "seconds": time.time() - start,
            }

            def write(folder):
                sim.save_params(str(folder / "params"))
                weights.save(folder / "weights.npz")
                write_json(folder / "config.json", config.asdict(), rescue=False)
                training_curve(history, folder / "training_curve.png", title=name)
                write_json(folder / "results.json", results, rescue=False)

            fill_folder(tmp, write, run_dir)
        finally:
            sim.close()
    log(summary_table(name, results))
    log(f"wrote {run_dir}")
    return run_dir


def summary_table(name, results):
    """A short text table of a run's headline numbers."""
    s = results["spiking"]
    rates = results["hidden_rate_hz"]
    rows = [
        ("rate net, validation", results["rate_val_acc"]),
        ("rate net, test", results["rate_test_acc"]),
        (
            f"spiking {s['neuron']}, test (dt {s['dt']} s, {s['steps']} steps, "
            f"scale {s['scale']:g}, synapse {s['synapse']})",
            results["spiking_test_acc"],
        ),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [f"== {name} ==", f"{'':{width}}  accuracy"]
    lines += [f"{label:{width}}  {acc * 100:6.2f} %" for label, acc in rows]
    lines.append(
        f"hidden firing rate (Hz): min {rates['min']:.2f}  mean {rates['mean']:.2f}  "
        f"max {rates['max']:.2f};  {results['spikes_per_image']:.1f} spikes/image;  "
        f"{results['seconds']:.0f} s"
    )
    return "\n".join(lines)


def train_run(config, data, name, log=None):
    """Train one run folder on a worker; return its files and ``results.json``.

    The run is written to a temporary folder and read back, so it arrives on the
    machine that asked for it whichever worker trained it (a few MB: weights,
    NengoDL parameters, JSON and a plot). Write it with `nengo_fashion.runs.store_run`.

    Parameters
    ----------
    config : nengo_fashion.config.TrainConfig
    data : DataRef or nengo_fashion.data.FashionMNIST
    name : str
        The run's name (as in ``python -m nengo_fashion.train --name``).
    log : callable, optional
        Training's progress lines (serial runs); None: silent.

    Returns
    -------
    dict
        ``files`` ({relative path: bytes}), ``results`` (the run's ``results.json``).
    """
    import tempfile

    from ..tasks import resolve

    def train_log(line):  # the temporary folder's "wrote" line would mislead
        if log is not None and not str(line).startswith("wrote "):
            log(line)

    with tempfile.TemporaryDirectory(prefix="nengo-fashion-task-") as tmp:
        path = Path(train(config, resolve(data), out=tmp, name=name, log=train_log))
        files = {
            p.relative_to(path).as_posix(): p.read_bytes()
            for p in sorted(path.rglob("*"))
            if p.is_file()
        }
    return {"files": files, "results": json.loads(files["results.json"])}
