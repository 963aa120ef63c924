"""Markdown tables for the README and docs/, made from the committed result files.

Every number in the tables of ``README.md`` and ``docs/*.md`` is written by this command
from a ``results/**/*.json`` file, which another committed command wrote::

    python -m tools.report --write README.md docs/*.md   # regenerate the tables and fragments
    python -m tools.report --check README.md docs/*.md   # exit 1 if one is stale

A table lives between ``<!-- BEGIN report:NAME -->`` and ``<!-- END report:NAME -->``, on
whichever page it belongs (see ``docs/development.md``). A number inside a sentence is a
*fragment*, ``<!-- report:NAME ARG ... -->VALUE<!-- /report -->``: ``FRAGMENTS[NAME](results,
*ARGs)`` writes VALUE. A test checks every page, so that a hand-edited or stale number fails CI.
A marker without its pair is refused. Result files are read by `nengo_fashion.studies.result_files`
(only where the commands write them; a damaged one is one line naming the file and the field).
"""

import re
import sys
from pathlib import Path

from nengo_fashion.atomic import check_results_dir, write_text
from nengo_fashion.cli import ArgumentParser, run_cli
from nengo_fashion.errors import RunError
from nengo_fashion.studies import result_files as rf

TABLES = {}
"""Registry: table name -> function(results_dir) returning markdown."""


def table(name):
    def register(func):
        TABLES[name] = func
        return func

    return register


FRAGMENTS = {}
"""Registry: fragment name -> function(results_dir, *args) returning the text of a number in
a sentence, or None when its result file is missing."""


def fragment(name):
    def register(func):
        FRAGMENTS[name] = func
        return func

    return register


_READ = []
"""The result files read for the table or fragment being rendered (for `_rendered`'s errors)."""


def _load(path, schema=None):
    """A result file's JSON object whose fields fit ``schema`` (`rf.read_object`), or None."""
    _READ.append(str(path))
    return rf.read_object(path, schema, missing_ok=True)


def _pct(x):
    return "–" if x is None else f"{x * 100:.2f}"


def _synapse(s):
    return "none" if s is None else f"{s:g} s"


def _md(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


@table("runs")
def runs_table(results_dir):
    """One row per run folder under ``results/``: rate and spiking accuracies."""
    rows = []
    for path in rf.find(results_dir, "*/results.json"):
        r = _load(path)
        if "spiking" not in r:  # not a run of the 784-128-10 network (the CNN teacher)
            continue
        rf.check(r, rf.RUN_SPIKING, path)
        c, s = r["config"], r["spiking"]
        recipe = c["recipe"] + ("" if c.get("variant", "none") == "none" else f" + {c['variant']}")
        if c.get("train_neuron") == "loihi":
            recipe += ", then Loihi-aware fine-tuning"
        rows.append(
            (
                f"`{path.parent.name}`",
                recipe,
                c["neuron"],
                c["epochs"],
                _pct(r["rate_val_acc"]),
                _pct(r["rate_test_acc"]),
                _pct(r["spiking_test_acc"]),
                f"dt {s['dt']:g} s, {s['steps']} steps, scale {s['scale']:g}, "
                f"synapse {_synapse(s['synapse'])}",
                f"{r['hidden_rate_hz']['mean']:.1f}",
                f"{r['seconds']:.0f}",
            )
        )
    header = (
        "run",
        "recipe",
        "neurons",
        "epochs",
        "rate val %",
        "rate test %",
        "spiking test %",
        "spiking setting",
        "mean rate Hz",
        "train s",
    )
    return _md(header, rows)


@table("train_speed")
def train_speed_table(results_dir):
    r = _load(Path(results_dir) / "train_speed.json")
    if r is None:
        return "(no results/train_speed.json yet)"
    what = {
        "nengo_dl": "NengoDL `Simulator.fit`, one Keras call per minibatch (before)",
        "keras": "Keras `Model.fit`",
        "train": "`python -m nengo_fashion.train` (`fit`: validation, determinism included)",
        "pytorch": "PyTorch eager",
    }
    per_epoch = r["seconds_per_epoch"]
    rows = [
        (what.get(k, k), f"{per_epoch[k]:.2f}", f"{r['n_images'] / per_epoch[k]:.0f}")
        for k in sorted(per_epoch, key=per_epoch.get)
    ]
    text = _md(("framework", "s / epoch", "images / s"), rows) + (
        f"\n\n{r['n_images']} images, batch {r['batch_size']}, best of {r['epochs']} epochs, "
        f"{r['cpus']} CPUs, TensorFlow {r['tensorflow']}"
        + (f", PyTorch {r['torch']}" if r.get("torch") else "")
        + "."
    )
    scoring = r.get("train_validation_scoring_seconds")
    if isinstance(scoring, dict):
        text += (
            f" Scoring the 5,000 validation images after an epoch: {scoring['numpy']:.3f} s "
            f"with the numpy forward pass `train` uses, {scoring['nengo_dl']:.3f} s with "
            "NengoDL's prediction."
        )
    if "pytorch" in per_epoch and "train" in per_epoch:
        text += f" `train` / PyTorch: **{per_epoch['train'] / per_epoch['pytorch']:.2f}x**."
    return text


@table("seeds")
def seeds_table(results_dir):
    """Headline runs over several training seeds: mean ± std
    (``python -m nengo_fashion.studies.seeds``)."""
    rows = []
    for path in rf.find(results_dir, "seeds/*/seeds.json"):
        r = _load(path, rf.SEEDS)
        m, sd, sp = r["mean"], r["std"], r.get("spiking") or {}
        rows.append(
            (
                f"`{r['recipe']}-{r['neuron']}`",
                " ".join(str(x) for x in r["seeds"]),
                *(
                    f"{m[k] * 100:.2f} ± {sd[k] * 100:.2f}"
                    for k in ("rate_val_acc", "rate_test_acc", "spiking_test_acc")
                ),
                f"{sp.get('steps', '?')} x {sp.get('dt', 0) * 1000:g} ms, "
                f"scale {sp.get('scale', 1):g}",
                ", ".join(f"{x['spiking_test_acc'] * 100:.2f}" for x in r["per_seed"]),
            )
        )
    if not rows:
        return (
            "(run python -m nengo_fashion.studies.seeds --recipe best --neuron relu "
            "--seeds 0 1 2)"
        )
    header = (
        "recipe-neurons",
        "seeds",
        "rate val %",
        "rate test %",
        "spiking test %",
        "spiking setting",
        "spiking test % per seed",
    )
    return _md(header, rows) + "\n\nMean ± sample standard deviation (ddof 1) over the seeds."


PUBLISHED = (
    (
        "TSSL-BP",
        "784-400-400-10 spiking MLP, 5 steps",
        89.80,
        'Zhang & Li, "Temporal spike sequence learning via backpropagation for deep spiking '
        'neural networks", NeurIPS 2020',
    ),
    (
        "ISNN",
        "400-400 spiking MLP with intra-layer links",
        89.99,
        "International Journal of Intelligent Systems, 2023",
    ),
    (
        "DLTC",
        "784-1000-10 spiking MLP",
        89.6,
        "Neural Networks, 2024",
    ),
)
"""Published spiking MLPs on Fashion-MNIST (test accuracy %, as their papers report them):
literature anchors for the headline table, not results of this project."""


@table("headline")
def headline_table(results_dir):
    """The thesis, ``best`` and the distilled student (mean of seeds) beside published MLPs."""
    results_dir = Path(results_dir)
    rows = []
    thesis = _load(results_dir / "thesis-relu" / "results.json", rf.RUN_SPIKING)
    if thesis is not None:
        rows.append(
            (
                "thesis recipe (ours, one seed)",
                "784-128-10, spiking ReLU",
                _pct(thesis["rate_test_acc"]),
                _pct(thesis["spiking_test_acc"]),
                f"{thesis['spiking']['steps']}",
                "`results/thesis-relu`",
            )
        )
    for path in rf.find(results_dir, "seeds/*/seeds.json"):
        r = _load(path, rf.SEEDS)
        m, sd = r["mean"], r["std"]
        sp = r.get("spiking") or {}
        n = len(r["seeds"])
        if n < 2:  # a single-seed exploration (e.g. a pruned density tried on validation)
            continue
        what = f"`{r['recipe']}` recipe, {n} seed{'s' if n > 1 else ''}"
        if r.get("teacher"):
            what += ", distilled from the CNN teacher"
        if r.get("prune_keep", 1.0) < 1:
            what += f", {r['prune_keep']:.0%} of the first layer's weights kept (pruned)"
        rows.append(
            (
                what,
                f"784-128-10, {r['neuron']}",
                f"{m['rate_test_acc'] * 100:.2f} ± {sd['rate_test_acc'] * 100:.2f}",
                f"{m['spiking_test_acc'] * 100:.2f} ± {sd['spiking_test_acc'] * 100:.2f}",
                f"{sp.get('steps', '?')}",
                f"`results/seeds/{path.parent.name}`",
            )
        )
    if not rows:  # the literature alone is no headline: our result files are missing
        return (
            "(run python -m nengo_fashion.train --out results, and "
            "python -m nengo_fashion.studies.seeds)"
        )
    for name, net, acc, source in PUBLISHED:
        rows.append((name, net, "–", f"{acc:.2f}", "–", source))
    return _md(("model", "network", "rate test %", "spiking test %", "steps", "source"), rows)


@table("distill_search")
def distill_search_table(results_dir):
    r = _load(Path(results_dir) / "distill_search.json", rf.DISTILL_SEARCH)
    if r is None:
        return "(no results/distill_search.json yet)"
    from nengo_fashion.studies.search import best_distilled

    rows = []
    for name, c in r["candidates"].items():
        o = dict(c["overrides"])
        teacher = o.pop("teacher", None)
        knobs = {
            k: o[k] for k in ("augment", "kd_alpha", "kd_temperature", "label_smoothing") if k in o
        }
        change = ", ".join(f"{k}={v}" for k, v in knobs.items()) or "–"
        best = " **best**" if name == r["best"] else ""
        if name == best_distilled(r):
            best += " **the `distill` recipe**"
        rows.append(
            (
                f"`{name}`{best}",
                "yes" if teacher else "no (labels only)",
                change,
                _pct(c["val_acc"]),
                f"{c['seconds']:.0f}",
            )
        )
    return _md(("candidate", "teacher", "changes", "val acc %", "train s"), rows)


def _efficiency(results_dir):
    """``results/efficiency/efficiency.json`` (``python -m nengo_fashion.studies.efficiency``),
    or None."""
    return _load(Path(results_dir) / "efficiency" / "efficiency.json", rf.EFFICIENCY)


@table("efficiency")
def efficiency_table(results_dir):
    r = _efficiency(results_dir)
    if r is None:
        return "(run python -m nengo_fashion.studies.efficiency)"
    rows = []
    points = sorted(r["points"], key=lambda p: (p["kind"] != "loihi", p.get("synops_per_image", 0)))
    for p in points:
        std = p.get("test_acc_std")
        acc = _pct(p["test_acc"]) + (f" ± {std * 100:.2f}" if std is not None else "")
        rows.append(
            (
                p["label"],
                p["steps"],
                acc,
                (
                    f"{p['synops_per_image']:,.0f}"
                    if "synops_per_image" in p
                    else "(pixels as currents)"
                ),
                f"{p['synops_ratio']:.2f}x" if "synops_ratio" in p else "–",
                (
                    f"{p['zero_skip_macs_per_image']:,.0f}"
                    if "zero_skip_macs_per_image" in p
                    else "–"
                ),
                p["chosen"],
            )
        )
    return _md(
        (
            "point",
            "steps",
            "test %",
            "synops per image",
            "synops / dense MACs",
            "zero-skipping ANN MACs, same weights",
            "how the setting was chosen",
        ),
        rows,
    )


@table("baselines")
def baselines_table(results_dir):
    """Each emulator point against the ANNs of its own weights: operations and energy."""
    r = _efficiency(results_dir)
    if r is None:
        return "(run python -m nengo_fashion.studies.efficiency)"
    rows = []
    chip = [p for p in r["points"] if p["kind"] == "loihi" and "energy_uj_baselines" in p]
    for p in sorted(chip, key=lambda p: p["synops_per_image"]):
        b = p["energy_uj_baselines"]
        std = p.get("test_acc_std")
        acc = _pct(p["test_acc"]) + (f" ± {std * 100:.2f}" if std is not None else "")
        rate = p.get("rate_test_acc")
        kinds = ("zero_skip_int8", "zero_skip_fp32", "dense_int8", "dense_fp32")
        names = {k: k.replace("zero_skip", "zero-skip").replace("_", " ") for k in kinds}
        above = [names[k] for k in kinds if p["energy_uj"] > b[k]]
        below = [names[k] for k in kinds if p["energy_uj"] <= b[k]]
        verdict = "; ".join(
            f"{word} {', '.join(ks)}" for word, ks in (("above", above), ("below", below)) if ks
        )
        rows.append(
            (
                p["label"],
                acc,
                _pct(rate) if rate is not None else "–",
                f"{p['first_layer_density']:.0%}",
                f"{p['synops_per_image']:,.0f}",
                f"{p['zero_skip_macs_per_image']:,.0f}",
                f"{p['synops_over_zero_skip']:.2f}x",
                f"{p['energy_uj']:.3f}",
                f"{b['zero_skip_int8']:.3f}",
                f"{b['zero_skip_fp32']:.3f}",
                f"{b['dense_int8']:.3f}",
                f"{b['dense_fp32']:.3f}",
                verdict,
            )
        )
    return _md(
        (
            "emulator point",
            "test %",
            "rate net (ANN) test %",
            "first-layer weights kept",
            "synops per image",
            "zero-skipping ANN MACs",
            "synops / zero-skip MACs",
            "Loihi uJ",
            "zero-skip int8 uJ",
            "zero-skip fp32 uJ",
            "dense int8 uJ",
            "dense fp32 uJ",
            "the chip's estimate is",
        ),
        rows,
    )


@table("teacher")
def teacher_table(results_dir):
    r = _load(Path(results_dir) / "teacher" / "results.json")
    if r is None:
        return "(run python -m nengo_fashion.teacher)"
    c = r["config"]
    epoch_s = sorted(r["history"]["seconds"])
    text = _md(
        ("teacher", "parameters", "epochs", "augment", "val %", "test %", "minutes", "s / epoch"),
        [
            (
                f"CNN, width {c['width']}",
                f"{r['n_params']:,}",
                c["epochs"],
                c["augment"],
                _pct(r["val_acc"]),
                _pct(r["test_acc"]),
                f"{r['seconds'] / 60:.1f}",
                f"{epoch_s[len(epoch_s) // 2]:.0f} (median)",
            )
        ],
    )
    student = _load(Path(results_dir) / "distill-relu" / "results.json")
    if student is not None and "teacher" in student["history"]:
        per_copy = student["history"]["teacher"]["seconds_per_copy"]
        epochs = sorted(student["history"]["seconds"])
        median = epochs[len(epochs) // 2]
        text += (
            f"\n\nThe teacher's inference of one augmented copy of the training split took "
            f"{per_copy:.1f} s, against a median student epoch of {median:.1f} s "
            f"(`results/distill-relu/results.json`): in the loop it would make every epoch "
            f"{(median + per_copy) / median:.1f}x as long, while precomputed it is paid once per "
            f"copy and reused by every candidate and epoch."
        )
    return text


@table("ttfs_tune")
def ttfs_tune_table(results_dir):
    rows = []
    root = Path(results_dir)
    paths = rf.find(root, "*/loihi_tune_ttfs.json")
    paths += rf.find(root, "seeds/*/seed-*/loihi_tune_ttfs.json")
    for path in paths:
        r = _load(path)
        b = r["best"]
        w = b.get("where_accuracy_goes", {})
        kept = _load(path.parent / "config.json").get("prune_keep", 1.0)
        rows.append(
            (
                f"`{path.parent.relative_to(root).as_posix()}`",
                f"{kept:.0%}",
                len(r["points"]),
                r["n_images"],
                f"≤ {r['max_synops_ratio']:g}x" if r.get("max_synops_ratio") else "–",
                f"{b['steps']} steps, scale {b['scale']:g}, threshold {b['ttfs_threshold']:g}",
                f"{b['synops_ratio']:.2f}x",
                *(_pct(w.get(k)) for k in ("rate", "rate_x_eff", "reference", "emulator")),
            )
        )
    if not rows:
        return "(run python -m loihi.tune --input ttfs)"
    return _md(
        (
            "run",
            "first-layer weights kept",
            "mappings tried",
            "validation images",
            "synops limit",
            "chosen on validation",
            "synops / dense MACs (val)",
            "val %: rate net",
            "rate net on x_eff (encoding)",
            "Loihi model, unrounded weights (spiking hidden layer)",
            "emulator (weight rounding)",
        ),
        rows,
    )


@table("recipe_search")
def recipe_search_table(results_dir):
    r = _load(Path(results_dir) / "recipe_search.json", rf.SEARCH)
    if r is None:
        return "(no results/recipe_search.json yet)"
    rows = []
    for name, c in r["candidates"].items():
        o = c["overrides"]
        change = ", ".join(f"{k}={v}" for k, v in o.items()) or "(thesis recipe)"
        best = " **best**" if name == r["best"] else ""
        rows.append((f"`{name}`{best}", change, _pct(c["val_acc"])))
    return _md(("candidate", "changes to the thesis recipe", "val acc %"), rows)


def _reproduce_pair(results_dir):
    """``reproduce.json`` of the honest flow (test) and of the thesis' flow (train)."""
    return tuple(
        _load(Path(results_dir) / folder / "reproduce.json")
        for folder in ("reproduce", "reproduce-train")
    )


@table("thesis")
def thesis_table(results_dir):
    """Table 4.1: ours on test, ours on the training images (as the thesis), the thesis."""
    test, train = _reproduce_pair(results_dir)
    if test is None or train is None:
        return "(run python -m nengo_fashion.studies.reproduce, and again with --eval-split train)"
    th = test["thesis"]
    rows = [
        (
            "analog (rate ReLU)",
            "–",
            _pct(test["table_4_1"]["analog_acc"]),
            _pct(train["table_4_1"]["analog_acc"]),
            _pct(th["analog_acc"]),
        ),
        (
            "spiking ReLU, 10 steps",
            f"{test['chosen_dt']:g} s / {train['chosen_dt']:g} s",
            _pct(test["table_4_1"]["spiking_acc"]),
            _pct(train["table_4_1"]["spiking_acc"]),
            _pct(th["spiking_acc"]),
        ),
    ]
    header = (
        "net",
        "dt (ours: chosen on val / on train)",
        "ours, test %",
        "ours, training images %",
        "thesis (training images) %",
    )
    return _md(header, rows)


@table("dt")
def dt_table(results_dir):
    test, train = _reproduce_pair(results_dir)
    if test is None or train is None:
        return "(run python -m nengo_fashion.studies.reproduce, and again with --eval-split train)"
    on_train = {r["dt"]: r["accuracy"] for r in train["dt_table"]}
    shared = _load(Path(results_dir) / "reproduce-shared" / "reproduce.json")
    on_shared = {r["dt"]: r["accuracy"] for r in (shared or {}).get("dt_table", [])}
    rows = []
    for r in test["dt_table"]:
        rows.append(
            (
                f"{r['dt']:g}",
                _pct(r["accuracy"]),
                _pct(on_train.get(r["dt"])),
                _pct(r["thesis_accuracy"]),
                _pct(on_shared.get(r["dt"])),
                f"{r['rate_min_hz']:.2f} / {r['rate_mean_hz']:.2f} / {r['rate_max_hz']:.2f}",
                f"{r['spikes_per_image']:.1f}",
            )
        )
    return _md(
        (
            "dt (s)",
            f"ours, test % ({test.get('semantics', 'shared')} voltages)",
            f"ours, training images % ({train.get('semantics', 'shared')})",
            "thesis %",
            "ours, test %, shared voltages",
            "hidden rate min / mean / max (Hz, test)",
            "spikes per image",
        ),
        rows,
    )


@table("voltage_draws")
def voltage_draws_table(results_dir):
    """Spread of the dt study's test accuracy over draws of the initial voltages."""
    r = _load(Path(results_dir) / "reproduce" / "reproduce.json")
    if r is None or not r.get("voltage_draws"):
        return "(run python -m nengo_fashion.studies.reproduce)"
    draws = r["voltage_draws"]
    rows = []
    for dt in draws["thesis"]:
        row = [f"{float(dt):g}"]
        for mode in ("thesis", "shared"):
            d = draws[mode][dt]
            row.append(
                f"{d['mean'] * 100:.2f} ± {d['std'] * 100:.2f} "
                f"({d['min'] * 100:.2f}-{d['max'] * 100:.2f})"
            )
        rows.append(tuple(row))
    n = draws["thesis"][next(iter(draws["thesis"]))]["n_draws"]
    header = (
        "dt (s)",
        f"per-image voltages (thesis): mean ± std (range) over {n} seeds, test %",
        f"one shared voltage vector: mean ± std (range) over {n} vectors, test %",
    )
    return _md(header, rows)


@table("pareto")
def pareto_table(results_dir):
    rows = []
    for path in rf.find(results_dir, "pareto/*/pareto.json"):
        r = _load(path, rf.PARETO)
        c = r["chosen_test"]
        if c is None:
            rows.append(
                (
                    f"`{path.parent.name}`",
                    r["neuron"],
                    "none within tolerance",
                    "–",
                    "–",
                    _pct(r["rate_test_acc"]),
                    "–",
                )
            )
            continue
        rows.append(
            (
                f"`{path.parent.name}`",
                r["neuron"],
                f"{c['steps']} steps ({c['steps'] * c['dt'] * 1e3:g} ms), synapse "
                f"{_synapse(c['synapse'])}, scale {c['scale']:g}",
                _pct(r["chosen_on_val"]["accuracy"]),
                _pct(c["accuracy"]),
                _pct(r["rate_test_acc"]),
                f"{c['spikes_per_image']:.0f}",
            )
        )
    if not rows:
        return "(no results/pareto/*/pareto.json yet)"
    return _md(
        (
            "run",
            "neurons",
            "chosen on validation (dt 1 ms)",
            "val %",
            "spiking test %",
            "rate test %",
            "spikes per image",
        ),
        rows,
    )


@table("variants")
def variants_table(results_dir):
    rows = []
    base = _load(Path(results_dir) / "reproduce" / "reproduce.json")
    if base is not None:
        row = next((r for r in base["dt_table"] if r["dt"] == 0.01), None)
        if row:
            rows.append(
                (
                    "none (thesis recipe, `reproduce`)",
                    "dt 0.01 s, 10 steps, mean",
                    _pct(row["accuracy"]),
                    f"{row['rate_mean_hz']:.1f}",
                )
            )
    for variant in ("spike-aware", "rate-reg", "lowpass"):
        r = _load(Path(results_dir) / f"thesis-relu-{variant}" / "results.json", rf.RUN_SPIKING)
        if r is None:
            continue
        s = r["spiking"]
        rows.append(
            (
                f"`{variant}`",
                f"dt {s['dt']:g} s, {s['steps']} steps, {s['readout']}"
                + ("" if s["synapse"] is None else f", synapse {s['synapse']:g} s"),
                _pct(r["spiking_test_acc"]),
                f"{r['hidden_rate_hz']['mean']:.1f}",
            )
        )
    return _md(("variant", "spiking setting", "spiking test %", "mean rate Hz"), rows)


@table("nir")
def nir_table(results_dir):
    """Norse and sinabs running the exported model.nir, against NengoDL."""
    rows = []
    for path in rf.find(results_dir, "nir/*/nir_check.json"):
        r = _load(path)
        sims = r["simulators"]
        cells = []
        for name in ("norse", "sinabs"):
            c = sims.get(name)
            cells.append(
                "–"
                if c is None
                else f"{_pct(c['accuracy'])} / {c['agreement'] * 100:.2f}"
                + (" (target met)" if c["meets_target"] else "")
            )
        rows.append(
            (
                f"`{path.parent.name}`",  # the run's name; seeds-NAME-seed-N for a seed's run
                r["nir_node"],
                str(r["n_images"]),
                _pct(r["nengo_dl"]["accuracy"]),
            )
            + tuple(cells)
        )
    if not rows:
        return "(run bash scripts/nir-check.sh)"
    header = (
        "run",
        "NIR node",
        "test images",
        "NengoDL spiking %",
        "Norse: accuracy % / same predictions as NengoDL %",
        "sinabs: accuracy % / same predictions %",
    )
    return _md(header, rows)


@table("loihi")
def loihi_table(results_dir):
    rows = []
    results_dir = Path(results_dir)
    for path in rf.loihi_files(results_dir):
        r = _load(path, rf.LOIHI)
        res, e, st = r["resources"]["totals"], r["energy"], r["settings"]
        if st.get("input_code", "rate") == "ttfs":
            code = f"TTFS ≥ {st['ttfs_threshold']:g}"
        else:
            code = f"rate {st['input_rate']:g} Hz"
        rows.append(
            (
                f"`{path.parent.relative_to(results_dir)}`",
                r["settings"]["neuron"],
                f"{st['steps']} / {code} / {st['skip']} / {st['scale']:g} / {st['processes']}",
                f"{r['n_images']} {r.get('split', 'test')}",
                _pct(r["accuracy"]),
                _pct(r["nengo_dl_spiking_test_acc"]),
                _pct(r["rate_test_acc"]),
                f"{r['wall_seconds']:.0f}",
                f"{r['spikes_per_image']:.0f}",
                f"{r['input_spikes_per_image']:.0f}",
                f"{r['synops_per_image']:,.0f}" if "synops_per_image" in r else "–",
                f"{r['synops_ratio']:.2f}x" if "synops_ratio" in r else "–",
                f"{res['cores']} / {res['compartments']} / {res['in_axons']} / "
                f"{res['synapse_bits']}",
                f"{e['loihi']['energy_j'] * 1e6:.2f}",
                f"{e['rate_cpu_gpu']['energy_j'] * 1e6:.2f}",
            )
        )
    if not rows:
        return "(no results/*/loihi.json yet)"
    return _md(
        (
            "run",
            "chip neurons",
            "steps / input / skip / scale / processes",
            "images (split)",
            "emulator %",
            "NengoDL spiking %",
            "rate %",
            "wall s",
            "hidden spikes per image",
            "input spikes per image",
            "synops per image",
            "synops / dense MACs (101,632)",
            "cores / compartments / in-axons / synapse bits",
            "Loihi uJ per image (estimate)",
            "rate net uJ per image (estimate)",
        ),
        rows,
    )


@table("spiking_inference")
def spiking_inference_table(results_dir):
    r = _load(Path(results_dir) / "spiking_inference.json")
    if r is None or "rows" not in r or "engine" not in r["rows"][0]:
        return "(run python -m benchmarks.spiking_inference --json results/spiking_inference.json)"
    rows = [
        (
            row["engine"],
            row["steps"],
            f"{row['seconds']:.3f}",
            f"{row['images_per_s']:.0f}",
            f"{row['floor_seconds']:.4f}",
            f"{row['ratio']:.1f}x",
            _pct(row["accuracy"]),
        )
        for row in r["rows"]
    ]
    table = _md(
        (
            "engine",
            "steps",
            "seconds (10,000 images)",
            "images / s",
            "arithmetic floor (s)",
            "measured / floor",
            "accuracy %",
        ),
        rows,
    )
    return table + (
        f"\n\nFloor: {r['input_macs_per_image']} MACs per image for the input product (once: "
        f"the input is constant) plus {r['output_macs_per_image_step']} per step for the output "
        f"product, at the measured {r['matmul_macs_per_s'] / 1e9:.1f} GMAC/s ({r['cpus']} CPUs). "
        f"Peak memory of a {r['sweep_point_steps']}-step sweep point on the whole test set: "
        f"{r['sweep_point_peak_bytes'] / 2**20:.0f} MiB."
    )


@table("distributed")
def distributed_table(results_dir):
    """``benchmarks/distributed.py``: serial against 2 workers, measured."""
    r = _load(Path(results_dir) / "distributed.json")
    if r is None:
        return "(run python -m benchmarks.distributed --json results/distributed.json)"
    s, e = r["search"], r["emulator"]
    rows = [
        (
            f"search: {len(s['candidates'])} candidates x {max(s['epochs'].values())} epochs",
            f"{s['serial_s']:.1f} s",
            f"{s['local_cluster_s']:.1f} s ({s['speedup_local_cluster']:.2f}x)",
            f"{s['running_cluster_s']:.1f} s ({s['speedup_running_cluster']:.2f}x)",
            f">= {s['target_speedup']:g}x",
        ),
        (
            f"emulator: {e['n_images']:,} test images, `{Path(e['run']).name}`",
            f"{e['one_worker_s']:.1f} s",
            f"{e['local_cluster_s']:.1f} s",
            f"{e['running_cluster_s']:.1f} s",
            f"<= {e['target_s']:g} s",
        ),
    ]
    header = (
        "work (whole command)",
        "serial",
        f"`--scheduler local --workers {r['workers']}`",
        f"running {r['workers']}-worker cluster (`--scheduler tcp://...`)",
        "target",
    )
    return _md(header, rows) + (
        f"\n\nOn {r['cpus']} CPUs. The search's validation accuracies were "
        + ("identical all three ways" if s["identical_val_acc"] else "NOT identical")
        + "; the emulator's accuracy was "
        + f"{_pct(e['accuracy']['one_sequence'])} % in one sequence and "
        f"{_pct(e['accuracy']['chunks'])} % in {r['workers']} chunks."
    )


@table("distributed_estimate")
def distributed_estimate_table(results_dir):
    r = _load(Path(results_dir) / "distributed.json")
    if r is None:
        return "(run python -m benchmarks.distributed --json results/distributed.json)"
    est = r["estimates"]
    names = {
        "small_search_4x2_epochs_s": "small search, 4 candidates x 2 epochs",
        "full_search_11_candidates_s": "full recipe search, 11 candidates",
        "seeds_best_relu_3_seeds_s": "`seeds --recipe best --seeds 0 1 2`",
        "emulator_10000_images_s": "emulator, 10,000 test images",
    }
    workers = ("1", "2", "8", "32")
    rows = [
        (label,) + tuple(f"{est[key][n]:.0f} s" for n in workers) for key, label in names.items()
    ]
    header = tuple(f"{n} worker{'s' if n != '1' else ''}" for n in workers)
    return _md(("estimate (not measured)",) + header, rows)


@table("commands_speed")
def commands_speed_table(results_dir):
    """Wall time of the commands that run spiking inference, before and after the executor."""
    r = _load(Path(results_dir) / "commands_speed.json")
    if r is None:
        return "(run python -m benchmarks.commands_speed --json results/commands_speed.json)"
    rows = [
        (
            f"`{name}`",
            f"{t['nengo_dl']:.1f}",
            f"{t['auto']:.1f}",
            f"{t['nengo_dl'] / t['auto']:.1f}x",
        )
        for name, t in r["seconds"].items()
    ]
    header = ("command", "before: NengoDL (s)", "now: executor (s)", "faster")
    return _md(header, rows)


@table("peers")
def peers_table(results_dir):
    r = _load(Path(results_dir) / "peers.json")
    if r is None:
        return "(run python -m benchmarks.peers --json results/peers.json)"
    names = {
        "nengo_fashion": "this project (`run_spiking`: the numpy executor)",
        "nengo_dl": 'NengoDL, the reference (`engine="nengo_dl"`; one call, its graph build '
        "included)",
        "torch_loop": "a plain PyTorch loop (input current once, then the IF updates)",
        "norse": "Norse 1.1.0, the network imported from NIR",
        "sinabs": "sinabs 3.1.3, the network imported from NIR",
    }
    rows = [
        (
            names.get(k, k),
            f"{t:.3f}",
            _pct(r["accuracy"][k]),
            f"{r['agreement_with_nengo_dl'][k] * 100:.2f}",
        )
        for k, t in sorted(r["seconds"].items(), key=lambda kv: kv[1])
    ]
    w = r["work"]
    table = _md(("simulator", "seconds", "accuracy %", "same predictions as NengoDL %"), rows)
    ratio = r.get("ratio_to_fastest_peer")
    return table + (
        f"\n\nWork: `{w['run']}`, {w['n_images']} test images x {w['steps']} steps of "
        f"{w['dt'] * 1000:g} ms, best of {w['repeats']}, {w['cpus']} CPUs."
        + (
            f" This project / fastest peer ({r['fastest_peer']}): **{ratio:.2f}x**."
            if ratio
            else ""
        )
    )


@table("loihi_speed")
def loihi_speed_table(results_dir):
    r = _load(Path(results_dir) / "loihi_emulator.json")
    if r is None:
        return "(no results/loihi_emulator.json yet)"
    names = {
        "default_input_mapping": "nengo-loihi default input (on/off pair per pixel)",
        "straightforward": "off-chip input neurons, nengo-loihi's loop",
        "vectorized": "off-chip input neurons, vectorised loop (ours)",
        "ttfs_vectorized": "time-to-first-spike input (`--input ttfs`), vectorised loop",
    }
    steps = {k: r["steps"] for k in names}
    steps["ttfs_vectorized"] = r.get("ttfs_steps", "–")
    rows = [
        (names[k], steps[k], f"{v * 1e3:.1f}", f"{r['full_test_minutes'][k]:.1f}")
        for k, v in r["seconds_per_image"].items()
    ]
    return _md(("way", "steps", "ms per image", "minutes for 10,000 images"), rows) + (
        f"\n\nVectorised / straightforward: **{r['speedup']:.2f}x**, identical outputs: "
        f"{r['identical_outputs']} ({r['n_images']} images, {r['steps']} steps each)."
    )


@table("photos")
def photos_table(results_dir):
    """Agreement between the prediction on a product photo and on its 28 x 28 original."""
    r = _load(Path(results_dir) / "photos" / "photos.json")
    if r is None:
        return "(no results/photos/photos.json yet)"
    t = r["test"]
    modes = list(t["modes"])
    variants = list(t["modes"][modes[0]]["per_variant"])
    variants.sort(key=lambda v: -t["modes"][modes[0]]["per_variant"][v]["agreement"])
    geometry = t.get("geometry", {})
    rows = [
        (
            f"`{v}`",
            r["variants"][v],
            *(_pct(t["modes"][m]["per_variant"][v]["agreement"]) for m in modes),
            (
                f"{geometry[v]['trim_box_error_px']:.2f}"
                if isinstance(geometry.get(v), dict) and "trim_box_error_px" in geometry[v]
                else "–"
            ),
        )
        for v in variants
    ]
    rows.append(
        (
            "**all**",
            f"{t['n_photos']} photos of {t['n_images']} test images",
            *(f"**{_pct(t['modes'][m]['agreement'])}**" for m in modes),
            "",
        )
    )
    head = (
        "variant",
        "photo",
        *(f"agreement, {m} %" for m in modes),
        "trim-box error (px, mean)",
    )
    shift = t.get("one_pixel_shift_agreement")
    note = (
        f"\n\nFor scale: moving the original 28 x 28 images by one pixel keeps "
        f"{_pct(shift)} % of the rate net's answers."
        if shift is not None
        else ""
    )
    return _md(head, rows) + note


@table("predict_cold_start")
def predict_cold_start_table(results_dir):
    """One prediction from a cold start against importing numpy and Pillow."""
    r = _load(Path(results_dir) / "predict_cold_start.json")
    if r is None:
        return (
            "(run python -m benchmarks.predict_cold_start --json results/predict_cold_start.json)"
        )
    m = r["median_seconds"]
    rows = [
        (f"`{r['command']}`", f"{m['predict'] * 1e3:.0f}"),
        (f"`{r['baseline']}`", f"{m['baseline'] * 1e3:.0f}"),
        ("**ratio**", f"**{r['ratio']:.2f}x** (target at most {r['target_ratio']:g}x)"),
    ]
    heavy = [k for k, v in r["imports"]["heavy_imported"].items() if v]
    return _md(("command", f"median of {r['repeats']} cold starts, ms"), rows) + (
        f"\n\nImported by the prediction: {r['imports']['modules']} modules; of the heavy "
        f"ones: {', '.join(heavy) if heavy else 'none'} (of "
        f"{', '.join(r['imports']['heavy_imported'])})."
    )


@table("mutation")
def mutation_table(results_dir):
    """``tools/mutation_report.py``: mutmut's score per core module, before and after the tests
    written for its survivors (tests/test_core_mutants.py)."""
    doc = _load(Path(results_dir) / "mutation.json")
    if not doc or "after" not in doc:
        return "(no results yet)"
    after, before = doc["after"], doc.get("before", {})
    rows = []
    for name, a in [*after["modules"].items(), ("total", after["total"])]:
        b = before.get("modules", {}).get(name) if name != "total" else before.get("total")
        module = name if name == "total" else f"`{name}`"
        was = "–" if b is None else f"{b['killed']} ({b['score']:.1f} %)"
        left = a["survived"] + a["no_tests"]
        rows.append([module, a["mutants"], was, a["killed"], left, f"{a['score']:.1f} %"])
    header = ["module", "mutants", "killed before", "killed", "survived", "score"]
    return _md(header, rows)


# --- fragments: single numbers inside sentences --------------------------------------------


def _dig(doc, dotted):
    for key in dotted.split("."):
        doc = doc[key]
    return doc


@fragment("run")
def run_fragment(results_dir, run, key):
    """An accuracy of a run folder's ``results.json``, in %: ``run best-lif rate_test_acc``."""
    r = _load(Path(results_dir) / run / "results.json", {key: (float, None)})
    return None if r is None else _pct(r[key])


@fragment("seeds_mean")
def seeds_mean_fragment(results_dir, name, key):
    """The mean over seeds of ``results/seeds/NAME/seeds.json``, in %."""
    r = _load(Path(results_dir) / "seeds" / name / "seeds.json", {"mean": {key: float}})
    return None if r is None else _pct(r["mean"][key])


@fragment("seeds_gap")
def seeds_gap_fragment(results_dir, first, second, key):
    """Mean over seeds of ``first`` minus that of ``second``, in points."""
    a, b = (
        _load(Path(results_dir) / "seeds" / n / "seeds.json", {"mean": {key: float}})
        for n in (first, second)
    )
    return None if a is None or b is None else f"{(a['mean'][key] - b['mean'][key]) * 100:.2f}"


@fragment("chip_seeds")
def chip_seeds_fragment(results_dir, recipe, key):
    """An emulator point of ``results/seeds/RECIPE/seed-*`` summarised over the seeds by
    the efficiency study (``results/efficiency/efficiency.json``): ``test_acc``,
    ``rate_test_acc`` (in %), ``test_acc_std``, ``rate_test_acc_std`` (points),
    ``seeds``, ``steps``, ``synops_per_image``, ``zero_skip_macs_per_image`` (counts),
    ``energy_uj`` (uJ, the chip's estimate) or an ``energy_uj_baselines`` key (uJ)."""
    r = _efficiency(results_dir)
    if r is None:
        return None
    prefix = f"{recipe} x"
    (p,) = (p for p in r["points"] if p["kind"] == "loihi" and p["label"].startswith(prefix))
    if key in ("test_acc", "rate_test_acc"):
        return _pct(p[key])
    if key.endswith("_std"):
        return f"{p[key] * 100:.2f}"
    if key in ("seeds", "steps"):
        return str(p[key])
    if key in ("synops_per_image", "zero_skip_macs_per_image"):
        return f"{p[key]:,.0f}"
    if key == "energy_uj":
        return f"{p[key]:.2f}"
    return f"{p['energy_uj_baselines'][key]:.3f}"


@fragment("teacher")
def teacher_fragment(results_dir, key):
    """An accuracy of the CNN teacher (``results/teacher/results.json``), in %."""
    r = _load(Path(results_dir) / "teacher" / "results.json", {key: (float, None)})
    return None if r is None else _pct(r[key])


_REPRODUCE_FOLDERS = {
    "thesis": "reproduce",
    "shared": "reproduce-shared",
    "train": "reproduce-train",
}


@fragment("dt_acc")
def dt_acc_fragment(results_dir, flow, dt):
    """The dt study's accuracy at ``dt``, in %, of one ``reproduce`` flow: ``thesis`` (per-image
    voltages, test), ``shared`` (one shared voltage vector, test) or ``train`` (training
    images)."""
    r = _load(Path(results_dir) / _REPRODUCE_FOLDERS[flow] / "reproduce.json")
    if r is None:
        return None
    (row,) = (row for row in r["dt_table"] if row["dt"] == float(dt))
    return _pct(row["accuracy"])


@fragment("reproduce")
def reproduce_fragment(results_dir, key):
    """The thesis' flow (``results/reproduce``): ``chosen_dt`` (s), the spiking and analog nets'
    accuracy on validation at the chosen dt (``val_spiking``, ``val_analog``) and on test
    (``test_spiking``, ``test_analog``), in %; ``gap``: the most the spiking net at dt 0.1 and
    1 s differs from the analog net on test, in points."""
    r = _load(Path(results_dir) / "reproduce" / "reproduce.json")
    if r is None:
        return None
    if key == "chosen_dt":
        return f"{r['chosen_dt']:g}"
    if key == "val_spiking":
        (row,) = (row for row in r["dt_search"] if row["dt"] == r["chosen_dt"])
        return _pct(row["accuracy"])
    if key == "val_analog":
        analog = _load(Path(results_dir) / "reproduce" / "runs" / "analog" / "results.json")
        return None if analog is None else _pct(analog["rate_val_acc"])
    t = r["table_4_1"]
    if key == "gap":
        accs = [row["accuracy"] for row in r["dt_table"] if row["dt"] in (0.1, 1.0)]
        return f"{max(abs(a - t['analog_acc']) for a in accs) * 100:.2f}"
    return _pct({"test_spiking": t["spiking_acc"], "test_analog": t["analog_acc"]}[key])


@fragment("distributed")
def distributed_fragment(results_dir, key):
    """Seconds from ``results/distributed.json``'s ``estimates`` (the measured start-ups)."""
    r = _load(Path(results_dir) / "distributed.json")
    return None if r is None else f"{r['estimates'][key]:.0f}"


@fragment("mutation")
def mutation_fragment(results_dir, label, key):
    """A count of ``results/mutation.json``'s total under ``label``; ``left``: the survivors
    and the mutants no test ran (the table's "survived")."""
    r = _load(Path(results_dir) / "mutation.json")
    if r is None or label not in r:
        return None
    total = r[label]["total"]
    return str(total["survived"] + total["no_tests"] if key == "left" else total[key])


def _nir_reports(results_dir):
    return [_load(p) for p in rf.find(results_dir, "nir/*/nir_check.json")]


@fragment("nir")
def nir_fragment(results_dir, run, key):
    """A value of ``results/nir/RUN/nir_check.json`` at a dotted ``key``: accuracies and
    agreements in %, others (spike counts) to one decimal."""
    r = _load(Path(results_dir) / "nir" / run / "nir_check.json")
    if r is None:
        return None
    value = _dig(r, key)
    if key.rsplit(".", 1)[-1] in ("accuracy", "agreement"):
        return _pct(value)
    return f"{value:.1f}"


@fragment("nir_gap")
def nir_gap_fragment(results_dir, run, simulator):
    """NengoDL's spiking accuracy minus ``simulator``'s on ``run`` (nir_check.json), in points."""
    r = _load(Path(results_dir) / "nir" / run / "nir_check.json")
    if r is None:
        return None
    return f"{(r['nengo_dl']['accuracy'] - r['simulators'][simulator]['accuracy']) * 100:.1f}"


@fragment("nir_seconds")
def nir_seconds_fragment(results_dir, which):
    """The shortest (``min``) or longest (``max``) simulation of the test images by Norse or
    sinabs (adapted, and the variants) over every ``results/nir/*/nir_check.json``, in s."""
    seconds = [
        s["seconds"]
        for r in _nir_reports(results_dir)
        for s in (*r["simulators"].values(), *r.get("variants", {}).values())
    ]
    if not seconds:
        return None
    return f"{(min if which == 'min' else max)(seconds):.1f}"


@fragment("nir_reader")
def nir_reader_fragment(results_dir, key):
    """The numpy reader of ``scripts/nir_check.py`` over every run: ``agreement``, its lowest
    share of NengoDL's predictions (%); ``runs``, how many runs were checked."""
    reports = _nir_reports(results_dir)
    if not reports:
        return None
    if key == "runs":
        return str(len(reports))
    return _pct(min(r["reference_reader"]["agreement"] for r in reports))


_BLOCK = re.compile(
    r"(<!-- BEGIN report:(?P<name>[\w-]+) -->\n)(?P<body>.*?)\n?(<!-- END report:(?P=name) -->)",
    re.S,
)

_FRAGMENT = re.compile(
    r"(?P<open><!-- report:(?P<name>[\w-]+)(?P<args>(?: [\w.-]+)*) -->)"
    r"(?P<body>[^<>`\n]*)(?P<close><!-- /report -->)"
)
"""A number in a sentence: ``<!-- report:NAME ARG ... -->VALUE<!-- /report -->``, on one line."""

_MARKER = re.compile(r"^<!-- (BEGIN|END) report:([\w-]+) -->[ \t]*$", re.M)
"""A block's marker, alone on its line (one inside a sentence or code span is text)."""

MISSING = "(no results)"
"""What a fragment becomes when its result file is missing."""


def _unpaired(text):
    """The first block marker of ``text`` that is no block's, as a message; or None."""
    blocks = list(_BLOCK.finditer(text))
    paired = {m.start(1) for m in blocks} | {m.start(4) for m in blocks}
    for m in _MARKER.finditer(text):
        if m.start() not in paired:
            other = "END" if m.group(1) == "BEGIN" else "BEGIN"
            return (
                f"{m.group(0).strip()} (line {text.count(chr(10), 0, m.start()) + 1}) has no "
                f"<!-- {other} report:{m.group(2)} --> to pair with; nothing was regenerated"
            )
    return None


def _rendered(what, func, *args):
    """``func(*args)``: a table or a fragment's text. A result file that the checked reader
    let through but that lacks a field, or has one of the wrong type, for this table is one
    line naming the files it read (a `RunError`), not a traceback."""
    _READ.clear()
    try:
        return func(*args)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as e:
        if not _READ:
            raise
        raise RunError(
            f"{', '.join(dict.fromkeys(_READ))}: a field that {what} needs is missing or of "
            f"the wrong type ({e.__class__.__name__}: {e}); {rf.FIX}"
        ) from None


def render(text, results_dir="results"):
    """Return ``text`` with every report block and fragment regenerated."""
    problem = _unpaired(text)
    if problem:
        raise KeyError(problem)

    def sub(m):
        name = m.group("name")
        if name not in TABLES:
            raise KeyError(f"unknown report table {name!r}; known: {', '.join(TABLES)}")
        body = _rendered(f"the table {name}", TABLES[name], results_dir)
        return m.group(1) + body + "\n" + m.group(4)

    def sub_fragment(m):
        name, args = m.group("name"), m.group("args").split()
        if name not in FRAGMENTS:
            raise KeyError(f"unknown report fragment {name!r}; known: {', '.join(FRAGMENTS)}")
        line_start = m.string.rfind("\n", 0, m.start()) + 1  # in the text being rendered
        if not m.string[line_start : m.start()].strip():
            # a line that begins with "<!--" starts an HTML block in Markdown (CommonMark, GitHub,
            # MyST): the rest of the paragraph would be shown as raw HTML
            raise KeyError(f"report fragment {name!r} begins a line; put a word before it")
        value = _rendered(f"the fragment {name}", FRAGMENTS[name], results_dir, *args)
        return m.group("open") + (MISSING if value is None else value) + m.group("close")

    return _FRAGMENT.sub(sub_fragment, _BLOCK.sub(sub, text))


def _placeholders(old, new):
    """The report blocks that hold a table in ``old`` and only a placeholder in ``new``, and the
    fragments that hold a value in ``old`` and `MISSING` in ``new``."""
    before = {m.group("name"): m.group("body") for m in _BLOCK.finditer(old)}
    lost = []
    for m in _BLOCK.finditer(new):
        name = m.group("name")
        if "|" in before.get(name, "") and "|" not in m.group("body"):
            lost.append(name)
    for was, now in zip(_FRAGMENT.finditer(old), _FRAGMENT.finditer(new)):
        if was.group("body") != MISSING and now.group("body") == MISSING:
            lost.append(f"fragment {now.group('name')}{now.group('args')}")
    return lost


def main(argv=None):
    p = ArgumentParser(prog="python -m tools.report", description=__doc__.splitlines()[0])
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--write",
        metavar="FILE",
        nargs="+",
        help="regenerate the tables and fragments in each FILE",
    )
    mode.add_argument(
        "--check",
        metavar="FILE",
        nargs="+",
        help="exit 1 if a FILE's tables or fragments are stale",
    )
    p.add_argument("--results", default="results", help="folder of result files")
    p.add_argument(
        "--allow-empty",
        action="store_true",
        help="let a table that has rows become a '(no results yet)' placeholder (default: "
        "refuse, as that means a result file is missing)",
    )
    args = p.parse_args(argv)
    status = []

    def render_file(path):
        try:
            text = path.read_text()
        except FileNotFoundError:
            raise RunError(f"{path} not found; give a Markdown file with report blocks") from None
        except (IsADirectoryError, UnicodeDecodeError, PermissionError) as e:
            raise RunError(f"{path} cannot be read as text ({e.__class__.__name__})") from None
        try:
            new = render(text, args.results)
        except KeyError as e:
            message = str(e).strip("'\"")
            raise RunError(f"{path}: {message}") from None
        lost = [] if args.allow_empty else _placeholders(text, new)
        if lost:
            raise RunError(
                f"{path}: {', '.join(lost)}: their result files are missing under "
                f"{args.results}/, so these would become placeholders; nothing was "
                "written (--allow-empty to accept that)"
            )
        return text, new

    def run():
        check_results_dir(args.results)
        # every file is read and rendered before any is written: one bad file writes nothing
        files = [(path, *render_file(path)) for path in map(Path, args.write or args.check)]
        for path, text, new in files:
            if args.check:
                if new != text:
                    print(
                        f"{path}: tables or fragments are stale; run python -m tools.report "
                        f"--write {path}"
                    )
                    status.append(1)
                else:
                    print(f"{path}: tables and fragments match {args.results}/")
                continue
            if new != text:
                write_text(path, new)
            print(f"{path}: tables and fragments regenerated from {args.results}/")

    rc = run_cli(run)
    return rc or (max(status) if status else 0)


if __name__ == "__main__":
    sys.exit(main())
