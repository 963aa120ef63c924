"""Train the 784-128-10 rate network in NengoDL and write a run folder.

Usage::

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
"""

import dataclasses
import json
import sys
import time
from pathlib import Path

import nengo
import numpy as np

from . import data as data_mod
from .atomic import atomic_dir, child_folder, fill_folder, write_json
from .cli import (
    ArgumentParser,
    add_data_args,
    add_knobs,
    add_run_folder_args,
    add_spike_args,
    knob_values,
    run_cli,
    spike_settings,
    train_run_folder,
)
from .config import RECIPES, VARIANTS, TrainConfig, make_config
from .families import get_family, get_training_neuron
from .images.augment import augment
from .inference.dl import import_nengo_dl, make_simulator, predict_logits, trained_weights
from .inference.encoding import TTFSCode
from .inference.engine import evaluate_rate, evaluate_spiking
from .inference.result import readout
from .network import Weights, build_network
from .neurons.spike_aware import spike_aware_type
from .progress import epoch_line
from .sparsity import pruning
from .teacher.distill import augmented_copy, label_loss, soft_loss, teacher_pool


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


def readout_loss(how, label_smoothing=0.0):
    """Cross-entropy of the readout over time (``mean`` or ``last`` step) vs the label."""
    import tensorflow as tf

    if label_smoothing:
        return label_loss(1.0, label_smoothing, how)

    def loss(y_true, y_pred):
        logits = tf.reduce_mean(y_pred, axis=1) if how == "mean" else y_pred[:, -1]
        return tf.keras.losses.sparse_categorical_crossentropy(
            y_true[:, -1], logits, from_logits=True
        )

    return loss


def readout_accuracy(how):
    """Accuracy of the readout over time (a Keras metric function)."""
    import tensorflow as tf

    def accuracy(y_true, y_pred):
        logits = tf.reduce_mean(y_pred, axis=1) if how == "mean" else y_pred[:, -1]
        return tf.keras.metrics.sparse_categorical_accuracy(y_true[:, -1], logits)

    return accuracy


def rate_regulariser(weight, target_hz, amplitude):
    """``weight * sum_i (rate_i - target)^2`` per image; rates in Hz over the presentation.

    The hidden probe reads ``amplitude * rate`` (rate neurons) or ``amplitude / dt``
    per spike (spiking), so its mean over time divided by ``amplitude`` is Hz.
    """
    import tensorflow as tf

    def loss(y_true, y_pred):
        hz = tf.reduce_mean(y_pred, axis=1) / amplitude
        return weight * tf.reduce_sum(tf.square(hz - target_hz), axis=-1)

    return loss


def make_optimizer(config, steps_per_epoch, masks=()):
    """Adam, or AdamW when ``weight_decay > 0``, with the configured schedule; with
    ``masks`` (`nengo_fashion.sparsity.pruning.LayerMask`), one that keeps them applied."""
    import tensorflow as tf

    lr = config.lr
    if config.lr_schedule == "cosine":
        lr = tf.keras.optimizers.schedules.CosineDecay(lr, config.epochs * steps_per_epoch)
    cls, kwargs = tf.keras.optimizers.Adam, {}
    if config.weight_decay > 0:
        cls, kwargs = tf.keras.optimizers.AdamW, {"weight_decay": config.weight_decay}
    if masks:
        return pruning.masked_optimizer(cls, masks, lr, **kwargs)
    return cls(lr, **kwargs)


STEPS_PER_EXECUTION = 64
"""Minibatches that Keras runs per call of its compiled train step. The updates are
the same, in the same order, as one call per minibatch (a test checks that the
weights are identical); fewer calls cut the per-minibatch Python overhead, which
dominates the time of such a small network."""


def validation_logits(sim, net, config, images, *, steps, how):
    """The network's validation logits after an epoch.

    A plain rate network (one step, the family's own rate neurons) is scored with
    the numpy forward pass of its current weights (`Weights.forward`, equal to
    NengoDL's within 1e-4, as a test checks), which costs far less than NengoDL's
    minibatch-by-minibatch prediction. Anything else (spiking, several steps, other
    neuron types) is scored by NengoDL itself.
    """
    if scored_by_numpy(config, steps):
        return trained_weights(sim, net).forward(images, config.neuron)
    return readout(
        predict_logits(sim, net, images, n_steps=steps, encode=input_encoder(config, steps)),
        how,
    )


def input_encoder(config, steps):
    """``f(images) -> (n, steps, 784)``: what the network gets each step in training
    (`TrainConfig.train_input`)."""
    if config.train_input == "ttfs":
        return TTFSCode(steps).cumulative
    return lambda images: np.repeat(images[:, None, :], steps, axis=1)


def scored_by_numpy(config, steps):
    """Whether `validation_logits` uses the numpy forward pass (plain rate nets)."""
    return (
        steps == 1
        and not config.spike_aware
        and config.train_neuron == "nengo"
        and config.train_input == "pixels"
    )


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

    train = dataset.train.subset(config.n_train)
    val = dataset.val
    n_used = images_per_epoch(len(train), config.batch_size)
    steps_per_epoch = n_used // config.batch_size
    rng = np.random.RandomState(config.seed)

    family = get_family(config.neuron)
    steps = config.train_steps
    how = "last" if config.train_synapse else "mean"
    neuron_type, scale = training_neuron_type(config, family)
    init = Weights.load(Path(config.init_run) / "weights.npz") if config.init_run else None
    net = build_network(
        init,
        family=family,
        spiking=False,
        neuron_type=neuron_type,
        scale=scale,
        synapse=config.train_synapse,
        probe_hidden=config.rate_reg > 0,
        seed=config.seed,
    )
    # spiking types (Loihi's) are validated as they run: over the spiking setting's steps
    val_steps = config.spiking.steps if config.train_neuron == "loihi" else steps
    pool = None
    if config.teacher:
        pool, pool_info = teacher_pool(
            config.teacher,
            train.images,
            augment_name=config.augment,
            seed=config.seed,
            copies=config.kd_copies,
            log=log,
        )
        with net:
            p_soft = nengo.Probe(net.out, synapse=None, label="distill_probe")
    sim = make_simulator(
        net, minibatch_size=config.batch_size, dt=config.train_dt, use_loop=val_steps > 1
    )
    try:  # closed here on an error or an interrupt (else NengoDL warns as it goes)
        if pool is None:
            losses = {net.p_out: readout_loss(how, config.label_smoothing)}
        else:
            losses = {
                net.p_out: label_loss(1 - config.kd_alpha, config.label_smoothing, how),
                p_soft: soft_loss(config.kd_alpha, config.kd_temperature, how),
            }
        if config.rate_reg > 0:
            amplitude = net.hidden.neuron_type.amplitude
            losses[net.p_hidden] = rate_regulariser(
                config.rate_reg, config.rate_target_hz, amplitude
            )
        if not scored_by_numpy(config, val_steps):
            # NengoDL's prediction runs Keras' predict loop, which would then also try to
            # take steps_per_execution minibatches from the one it is given
            steps_per_execution = 1
        encode = input_encoder(config, steps)
        masks = [pruning.LayerMask(sim, net.conn_hidden)] if config.prune_keep < 1 else []
        for mask in masks:  # weights already pruned (a fine-tune) stay pruned from the start
            mask.set(mask.values() != 0)
        keep_after = pruning.schedule(config.prune_keep, config.epochs)
        sim.compile(
            optimizer=make_optimizer(config, steps_per_epoch, masks),
            loss=losses,
            metrics={net.p_out: readout_accuracy(how)},
            steps_per_execution=steps_per_execution,
        )
        history = {"loss": [], "train_acc": [], "val_acc": [], "seconds": []}
        if pool is not None:
            history["teacher"] = pool_info
        for epoch in range(config.epochs):
            start = time.time()
            order = rng.permutation(len(train))[:n_used] if config.shuffle else np.arange(n_used)
            y = train.labels[order]
            if pool is None:
                x = augment(config.augment, train.images[order], rng)
            else:  # the augmented copy whose teacher logits were computed
                copy = epoch % config.kd_copies
                x = augmented_copy(config.augment, train.images, config.seed, copy)[order]
            targets = {net.p_out: np.repeat(y[:, None, None], steps, axis=1)}
            if pool is not None:
                targets[p_soft] = np.repeat(pool[copy][order][:, None, :], steps, axis=1)
            if config.rate_reg > 0:
                targets[net.p_hidden] = np.zeros((n_used, 1, 1), dtype=np.float32)
            result = sim.fit(
                {net.inp: encode(x)},
                targets,
                epochs=1,
                shuffle=False,
                verbose=0,
            )
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


def train(
    config, dataset=None, *, out="runs", name=None, overwrite=False, data_dir=None, log=print
):
    """Train, evaluate and write a complete run folder; return its path.

    The test split is used only after training, to report.
    """
    from .plots import training_curve

    start = time.time()
    name = name or "-".join(
        [config.recipe, config.neuron] + ([config.variant] if config.variant != "none" else [])
    )
    run_dir = child_folder(out, name)
    if dataset is None:
        dataset = data_mod.load(data_dir, n_val=config.n_val)
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

    from .tasks import resolve

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


def make_parser():
    p = ArgumentParser(
        prog="python -m nengo_fashion.train",
        description="Train the 784-128-10 network in NengoDL (rate neurons), then report "
        "its validation/test accuracy and a spiking swap on the test split.",
    )
    p.add_argument(
        "--recipe",
        choices=sorted(RECIPES),
        default="thesis",
        help="named defaults: 'thesis' (Adam 1e-3, batch 32, 10 epochs, no "
        "shuffling), 'best' (chosen on validation) or 'distill' (best, distilled from "
        "--teacher); other options override",
    )
    d = p.add_argument_group("distillation", "a CNN teacher's softened outputs in the loss")
    v = p.add_argument_group(
        "thesis variants", "training knobs; --variant sets them as the thesis did"
    )
    v.add_argument(
        "--variant",
        choices=sorted(VARIANTS),
        default="none",
        help="spike-aware: spikes forward, rate gradient back (dt 0.01, 10 steps); "
        "rate-reg: loss += 1e-3 * sum((rate - 20 Hz)^2); lowpass: tau 0.1 s lowpass "
        "instead of temporal averaging",
    )
    pr = p.add_argument_group(
        "pruning", "sparse first-layer weights (fewer synaptic operations on a chip)"
    )
    add_knobs(p, TrainConfig, groups={"distillation": d, "variants": v, "pruning": pr})
    add_data_args(p)
    add_spike_args(p, defaults_help="the family's default (dt 0.001, 30 steps)")
    add_run_folder_args(p, "runs", None, "<recipe>-<neuron>[-<variant>]")
    return p


def main(argv=None):
    args = make_parser().parse_args(argv)

    def run():
        knobs = dict(knob_values(args, TrainConfig), n_val=args.n_val)
        if args.init_run is not None:
            Weights.load(Path(args.init_run) / "weights.npz")  # a clear error now, not later
        if args.teacher is not None:
            from .teacher import load_teacher

            load_teacher(args.teacher)  # a clear error now, not after loading the data
        config = make_config(args.recipe, args.variant, **knobs)
        if any(getattr(args, k) is not None for k in ("dt", "steps", "synapse", "scale")):
            config = dataclasses.replace(config, spiking=spike_settings(args, config.spiking))
        train_run_folder(train, config, args)

    return run_cli(run)


if __name__ == "__main__":
    sys.exit(main())
