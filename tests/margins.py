"""The trained quantities that tests compare with thresholds, measured over seeds.

TensorFlow's float results differ between CPU models (oneDNN/Eigen kernels on
Intel and AMD), so a threshold that held once on one machine can fail on another.
Each function here computes one quantity that a test checks; the tests call them
with seed 0, and::

    python -m tests.margins --seeds 0 1 2      # writes results/test_margins.json

computes every quantity for several training seeds, as a stand-in for the spread
between machines. Every threshold in the tests sits well below the worst seed
measured, and a comment next to it gives the measured range.
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from nengo_fashion.config import SpikeSettings, make_config
from nengo_fashion.data import FashionMNIST


def tiny_config(seed=0, neuron="relu", epochs=2):
    """The quick run most tests share: 1,280 real training images, batch 32."""
    return make_config("thesis", neuron=neuron, epochs=epochs, n_train=1280, seed=seed)


def train_tiny(fashion, out, seed=0, name="tiny-relu"):
    """Train `tiny_config` into ``out/name``; return the run folder."""
    from nengo_fashion.train import train

    return train(tiny_config(seed), fashion, out=out, name=name, log=lambda *a: None)


def tiny_scores(run_dir):
    """``rate_val_acc``, ``rate_test_acc``, ``spiking_test_acc`` of a tiny run."""
    results = json.loads((Path(run_dir) / "results.json").read_text())
    return {k: results[k] for k in ("rate_val_acc", "rate_test_acc", "spiking_test_acc")}


def spiking_rate_agreement(run_dir, fashion, steps=200):
    """Share of 500 validation images where 200 spiking steps predict as the rate net."""
    from nengo_fashion.inference.dl import rate_logits
    from nengo_fashion.inference.engine import run_spiking
    from nengo_fashion.runs import load_run

    run = load_run(run_dir)
    split = fashion.val.subset(500)
    rate = rate_logits(run.weights, "relu", split.images).argmax(1)
    s = SpikeSettings(dt=0.001, steps=steps, scale=100)
    spiking = run_spiking(run.weights, "relu", split.images, s)
    return float(np.mean(spiking.predictions == rate))


def dt_gap(run_dir, fashion):
    """Validation accuracy at dt 1 s minus at dt 1 ms (10 steps, scale 10, 500 images)."""
    from nengo_fashion.runs import load_run
    from nengo_fashion.studies.sweep import grid, sweep

    split = fashion.val.subset(500)
    settings = grid([0.001, 1.0], [10], [None], [10.0])
    points, _ = sweep(load_run(run_dir).weights, "relu", split, settings)
    acc = {p["dt"]: p["accuracy"] for p in points}
    return acc[1.0] - acc[0.001]


def lif_scores(fashion, seed=0):
    """A LIF net after 2 epochs on 1,280 images: validation and spiking accuracy."""
    from nengo_fashion.inference.engine import run_spiking
    from nengo_fashion.train import fit

    config = tiny_config(seed, neuron="lif")
    small = FashionMNIST(fashion.train, fashion.val.subset(1000), fashion.test, fashion.source)
    weights, history, sim = fit(config, small, log=lambda s: None)
    sim.close()
    split = fashion.val.subset(300)
    res = run_spiking(weights, "lif", split.images, SpikeSettings(dt=0.001, steps=100))
    return {"val_acc": history["val_acc"][-1], "spiking_acc": res.accuracy(split.labels)}


def rate_reg_ratio(fashion, seed=0):
    """Mean |rate - 20 Hz| with the regulariser (1e-2) over that without it."""
    from nengo_fashion.inference.engine import run_spiking
    from nengo_fashion.train import fit

    small = FashionMNIST(fashion.train, fashion.val.subset(100), fashion.test, fashion.source)
    distance = {}
    for reg in (0.0, 1e-2):
        config = make_config("thesis", "rate-reg", epochs=1, n_train=1280, rate_reg=reg, seed=seed)
        weights, _, sim = fit(config, small, log=lambda s: None)
        sim.close()
        r = run_spiking(weights, "relu", fashion.val.images[:300], SpikeSettings(dt=0.01, steps=50))
        distance[reg] = np.mean(np.abs(r.hidden_rates_hz() - 20.0))
    return float(distance[1e-2] / distance[0.0])


def variant_setting(variant):
    """The spiking setting a thesis variant trains at and promises: dt 10 ms, 10 steps,
    scale 1 (lowpass: its 0.1 s synapse, read at the last step)."""
    return make_config("thesis", variant).default_spiking()


def network_voltages(seed, n, dt=0.01):
    """``(n, 128)``: the hidden voltages Nengo draws for network seed ``seed``.

    NengoDL starts every image of a seed-``seed`` network (training's validation
    included) from these; `run_spiking`'s ``"shared"`` default is seed 0's.
    """
    from nengo_fashion.inference.executor import build_hidden
    from nengo_fashion.network import NetworkSpec, build_network

    net = build_network(None, "relu", NetworkSpec(spiking=True, seed=seed))
    return np.tile(build_hidden(net, dt).state["voltage"], (n, 1))


_PLAIN = {}


def plain_thesis_weights(fashion, seed=0):
    """A plain rate-trained thesis net (no variant): 1 epoch on 1,280 images (cached)."""
    from nengo_fashion.train import fit

    if seed not in _PLAIN:
        small = FashionMNIST(fashion.train, fashion.val.subset(500), fashion.test, fashion.source)
        config = make_config("thesis", epochs=1, n_train=1280, seed=seed)
        weights, _, sim = fit(config, small, log=lambda s: None)
        sim.close()
        _PLAIN[seed] = weights
    return _PLAIN[seed]


def variant_vs_plain(fashion, variant, seed=0, plain=None):
    """A thesis variant (1 epoch on 1,280 images) against `plain_thesis_weights`.

    Both run spiking at the variant's own setting (`variant_setting`) on the same 500
    validation images, from the voltages of the training network's seed. Returns
    ``acc_gain`` (variant's accuracy minus the plain net's) and ``distance_ratio``
    (mean |hidden rate - 20 Hz| of the variant over the plain net's).
    """
    from nengo_fashion.inference.engine import RunOptions, run_spiking
    from nengo_fashion.train import fit

    split = fashion.val.subset(500)
    small = FashionMNIST(fashion.train, split, fashion.test, fashion.source)
    config = make_config("thesis", variant, epochs=1, n_train=1280, seed=seed)
    weights, _, sim = fit(config, small, log=lambda s: None)
    sim.close()
    plain = plain_thesis_weights(fashion, seed) if plain is None else plain
    s = variant_setting(variant)
    voltages = network_voltages(seed, len(split), s.dt)
    runs = {
        k: run_spiking(w, "relu", split.images, s, RunOptions(initial_voltage=voltages))
        for k, w in (("variant", weights), ("plain", plain))
    }
    acc = {k: r.accuracy(split.labels) for k, r in runs.items()}
    distance = {k: np.mean(np.abs(r.hidden_rates_hz() - 20.0)) for k, r in runs.items()}
    return {
        "acc": acc["variant"],
        "plain_acc": acc["plain"],
        "acc_gain": acc["variant"] - acc["plain"],
        "distance_ratio": float(distance["variant"] / distance["plain"]),
    }


def reproduce_small(fashion, tmp, seed=0, log=lambda s: None, overwrite=False):
    """The thesis flow on 1,280 training images, 1 epoch, 300 val/test images."""
    from nengo_fashion.studies import reproduce

    small = FashionMNIST(
        fashion.train, fashion.val.subset(300), fashion.test.subset(300), fashion.source
    )
    config = reproduce.ReproduceConfig(
        out=Path(tmp) / "rep",
        runs=Path(tmp) / "runs",
        max_dt=1.0,
        train=dict(epochs=1, n_train=1280, seed=seed),
        overwrite=overwrite,
    )
    return reproduce.reproduce(config, small, log=log)


def reproduce_scores(result):
    accs = {row["dt"]: row["accuracy"] for row in result["dt_table"]}
    return {"dt_gap": accs[1.0] - accs[0.001], "analog_acc": result["table_4_1"]["analog_acc"]}


def loihi_accuracy(run_dir, n_images=100):
    """Emulator accuracy of a tiny run on ``n_images`` test images (20 ms each)."""
    from loihi.mapping import MappingSettings
    from loihi.run import LoihiRunConfig, run_loihi

    with tempfile.TemporaryDirectory() as out:
        settings = MappingSettings(presentation_time=0.02, scale=100.0)
        config = LoihiRunConfig(run_dir, settings, n_images=n_images, out=out)
        r = run_loihi(config, log=lambda s: None)
    return r["accuracy"]


def finetune_change(run_dir, out):
    """One epoch of Loihi-aware fine-tuning of a tiny run against the run it started from.

    ``gain``: rate test accuracy after minus before; ``weight_change``: mean |change| of
    the hidden weights over their mean |value|.
    """
    from loihi.finetune import FinetuneConfig, finetune
    from nengo_fashion.runs import load_run

    path = finetune(FinetuneConfig(run_dir, epochs=1, out=out), log=lambda s: None)
    before, after = load_run(run_dir), load_run(path)
    w0, w1 = before.weights.hidden_w, after.weights.hidden_w
    return {
        "gain": tiny_scores(path)["rate_test_acc"] - tiny_scores(run_dir)["rate_test_acc"],
        "weight_change": float(np.mean(np.abs(w1 - w0)) / np.mean(np.abs(w0))),
    }


def gui_agreement(run_dir, fashion, n=40, pt=0.03):
    """Share of ``n`` images where the GUI model script predicts as NengoDL does."""
    import os
    import runpy

    import nengo

    from nengo_fashion import gui
    from nengo_fashion.inference.engine import run_spiking
    from nengo_fashion.runs import load_run

    env = {gui.ENV["run"]: str(run_dir), gui.ENV["n_images"]: str(n)}
    env[gui.ENV["presentation_time"]] = str(pt)
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        script = runpy.run_path(str(gui.SCRIPT))
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    model, readout = script["model"], script["readout"]
    with nengo.Simulator(model, progress_bar=False) as sim:
        sim.run(n * pt)
    run = load_run(run_dir)
    s = SpikeSettings(dt=0.001, steps=int(round(pt / 0.001)), scale=run.config.spiking.scale)
    dl = run_spiking(run.weights, "relu", fashion.test.images[:n], s).predictions
    return float(np.mean(np.array(readout.predictions) == dl)), len(readout.predictions)


def distill_tiny(fashion, out, seed=0):
    """A tiny teacher (2 epochs) distilled into a tiny student; ``(student_dir, results)``.

    Both train on the first 1,280 training images; the student is `tiny_config`
    with the distill recipe's loss (alpha 0.5, T 4) and 2 augmented copies.
    """
    from nengo_fashion.teacher import TeacherConfig, train_teacher
    from nengo_fashion.train import train

    quiet = lambda *a: None  # noqa: E731
    teacher = train_teacher(
        TeacherConfig(epochs=2, n_train=1280, seed=seed), fashion, out=out, name="t", log=quiet
    )
    config = make_config(
        "thesis",
        epochs=2,
        n_train=1280,
        seed=seed,
        teacher=str(teacher),
        augment="shift-flip",
        kd_alpha=0.5,
        kd_temperature=4.0,
        kd_copies=2,
    )
    student = train(config, fashion, out=out, name="s", log=quiet)
    return student, json.loads((student / "results.json").read_text())


def log_softmax(z, temperature=1.0):
    z = np.asarray(z, dtype=np.float64) / temperature
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def teacher_kl(teacher_logits, student_logits, temperature=4.0):
    """Mean KL(teacher || student) of the softmaxes at ``temperature`` (the soft loss)."""
    lt = log_softmax(teacher_logits, temperature)
    return float(np.mean(np.sum(np.exp(lt) * (lt - log_softmax(student_logits, temperature)), 1)))


def shuffled_teacher_pool(real, seed=0):
    """A ``teacher_pool`` that gives each training image another image's teacher logits:
    garbage with the teacher's own statistics (the control for a broken soft loss)."""

    def pool(*args, **kwargs):
        logits, info = real(*args, **kwargs)
        order = np.random.RandomState(seed).permutation(logits.shape[1])
        return logits[:, order], info

    return pool


COMMITTED_TEACHER = Path(__file__).resolve().parent.parent / "results" / "teacher"
"""The committed CNN teacher (93 % on validation): a tiny one trained in a test is not a
teacher worth following (its batch norm statistics are still at their start)."""


def distill_controls(fashion, out, seed=0, teacher=COMMITTED_TEACHER):
    """A tiny student distilled from ``teacher`` against two controls trained alike.

    The students are `distill_tiny`'s (thesis recipe, 2 epochs on 1,280 images,
    shift-flip, alpha 0.5, T 4, 2 copies): ``distilled``; ``no_teacher`` (the same, with no
    teacher); ``garbage`` (the teacher's logits shuffled between images,
    `shuffled_teacher_pool`). ``teacher`` is copied into ``out`` first (its logits cache is
    written there). On the 5,000 validation images, for each student: ``kl`` (`teacher_kl`)
    and ``acc`` (rate accuracy); returns them by student, with ``teacher_acc``.
    """
    import shutil

    from nengo_fashion import train as train_mod
    from nengo_fashion.runs import load_run
    from nengo_fashion.teacher import load_teacher

    quiet = lambda *a: None  # noqa: E731
    out = Path(out)
    copy = out / "teacher"
    shutil.copytree(teacher, copy, ignore=shutil.ignore_patterns("logits_cache"))
    base = dict(epochs=2, n_train=1280, seed=seed, augment="shift-flip")
    kd = dict(teacher=str(copy), kd_alpha=0.5, kd_temperature=4.0, kd_copies=2)
    runs = {
        "distilled": train_mod.train(
            make_config("thesis", **base, **kd), fashion, out=out, name="distilled", log=quiet
        ),
        "no_teacher": train_mod.train(
            make_config("thesis", **base), fashion, out=out, name="no-teacher", log=quiet
        ),
    }
    real = train_mod.teacher_pool
    train_mod.teacher_pool = shuffled_teacher_pool(real, seed)
    try:
        runs["garbage"] = train_mod.train(
            make_config("thesis", **base, **kd), fashion, out=out, name="garbage", log=quiet
        )
    finally:
        train_mod.teacher_pool = real
    model, _ = load_teacher(copy)
    val = fashion.val
    t_logits = model.predict(val.images, batch_size=1000, verbose=0)
    result = {"teacher_acc": float(np.mean(t_logits.argmax(1) == val.labels))}
    for name, run_dir in runs.items():
        logits = load_run(run_dir).weights.forward(val.images, "relu")
        result[name] = {
            "kl": teacher_kl(t_logits, logits),
            "acc": float(np.mean(logits.argmax(1) == val.labels)),
            "run": run_dir,
        }
    return result


_CACHE = {}


def _cached(name, seed, compute):
    """``compute()`` once per ``(name, seed)`` in this process (ADDED's keys share runs)."""
    if (name, seed) not in _CACHE:
        _CACHE[name, seed] = compute()
    return _CACHE[name, seed]


def _scratch():
    import atexit
    import shutil

    folder = tempfile.mkdtemp(prefix="margins-")
    atexit.register(shutil.rmtree, folder, True)
    return Path(folder)


def _tiny(fashion, seed):
    return _cached("tiny", seed, lambda: train_tiny(fashion, _scratch(), seed))


def _distill(fashion, seed):
    return _cached("distill", seed, lambda: distill_controls(fashion, _scratch(), seed))


def _finetune(fashion, seed):
    return _cached("finetune", seed, lambda: finetune_change(_tiny(fashion, seed), _scratch()))


def _variant(fashion, variant, seed):
    return _cached(variant, seed, lambda: variant_vs_plain(fashion, variant, seed))


def _vs_no_teacher(student, what):
    """`distill_controls`' ``student`` against the no-teacher student: the ratio of their
    ``kl``, or the difference of their ``acc``."""

    def quantity(fashion, tmp, seed):
        d = _distill(fashion, seed)
        if what == "kl":
            return d[student]["kl"] / d["no_teacher"]["kl"]
        return d[student]["acc"] - d["no_teacher"]["acc"]

    return quantity


def _vs_plain(variant, what):
    return lambda fashion, tmp, seed: _variant(fashion, variant, seed)[what]


ADDED = {
    "distill_kl_ratio": _vs_no_teacher("distilled", "kl"),
    "distill_garbage_kl_ratio": _vs_no_teacher("garbage", "kl"),
    "distill_acc_vs_no_teacher": _vs_no_teacher("distilled", "acc"),
    "distill_garbage_acc_vs_no_teacher": _vs_no_teacher("garbage", "acc"),
    "variant_spike-aware_gain": _vs_plain("spike-aware", "acc_gain"),
    "variant_lowpass_gain": _vs_plain("lowpass", "acc_gain"),
    "variant_rate-reg_distance_ratio": _vs_plain("rate-reg", "distance_ratio"),
    "loihi_accuracy_30": lambda fashion, tmp, seed: loihi_accuracy(_tiny(fashion, seed), 30),
    "finetune_rate_test_gain": lambda fashion, tmp, seed: _finetune(fashion, seed)["gain"],
    "finetune_weight_change": lambda fashion, tmp, seed: _finetune(fashion, seed)["weight_change"],
}
"""Quantities added after the others were measured: ``--only KEY`` measures just
these and merges them into the existing file."""


def measure(fashion, seed, log=print):
    """Every quantity above for one seed; a flat dict."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        run = train_tiny(fashion, tmp, seed)
        _CACHE["tiny", seed] = run  # ADDED's quantities below use it too
        out.update({f"tiny_{k}": v for k, v in tiny_scores(run).items()})
        out["spiking_rate_agreement"] = spiking_rate_agreement(run, fashion)
        out["sweep_dt_gap"] = dt_gap(run, fashion)
        out["gui_agreement"] = gui_agreement(run, fashion)[0]
        log(f"seed {seed}: tiny run done")
        out.update({f"lif_{k}": v for k, v in lif_scores(fashion, seed).items()})
        out["rate_reg_ratio"] = rate_reg_ratio(fashion, seed)
        rep = reproduce_scores(reproduce_small(fashion, Path(tmp) / "rep", seed))
        out.update({f"reproduce_{k}": v for k, v in rep.items()})
        for key, func in ADDED.items():
            out[key] = func(fashion, Path(tmp) / key, seed)
    log(f"seed {seed}: " + ", ".join(f"{k} {v:.4f}" for k, v in out.items()))
    return out


def main(argv=None):
    import platform

    from nengo_fashion import data
    from nengo_fashion.atomic import write_json

    p = argparse.ArgumentParser(prog="python -m tests.margins", description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--out", default="results", help="folder; writes test_margins.json")
    p.add_argument(
        "--only", nargs="+", choices=sorted(ADDED), help="measure only these, merging them in"
    )
    args = p.parse_args(argv)
    fashion = data.load(download=False)
    start = time.time()
    path = Path(args.out) / "test_margins.json"
    if args.only:
        earlier = json.loads(path.read_text())
        per_seed = earlier["per_seed"]
        for seed in args.seeds:
            with tempfile.TemporaryDirectory() as tmp:
                for key in args.only:
                    value = ADDED[key](fashion, Path(tmp) / key, seed)
                    per_seed.setdefault(str(seed), {})[key] = value
                    print(f"seed {seed}: {key} {value:.4f}")
        start -= earlier["seconds"]
    else:
        per_seed = {str(s): measure(fashion, s) for s in args.seeds}
    keys = list(next(iter(per_seed.values())))
    summary = {
        k: {
            "min": min(v[k] for v in per_seed.values()),
            "max": max(v[k] for v in per_seed.values()),
        }
        for k in keys
    }
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    write_json(
        path,
        {
            "cpu": cpu,
            "seeds": args.seeds,
            "per_seed": per_seed,
            "range": summary,
            "seconds": time.time() - start,
        },
    )
    for k, r in summary.items():
        print(f"{k:32s} {r['min']:.4f} .. {r['max']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
