"""The tables of trained runs and the studies on them: the run folders, the seeds, the headline,
the recipe searches, the CNN teacher and the Pareto search (the thesis' own flow is in
`thesis`)."""

from nengo_fashion.studies import result_files as rf

from ..spec import Table, each, entries, load, median, one, pct, synapse

# --- run folders and seeds -------------------------------------------------------------------


def _recipe(r):
    c = r["config"]
    recipe = c["recipe"] + ("" if c.get("variant", "none") == "none" else f" + {c['variant']}")
    if c.get("train_neuron") == "loihi":
        recipe += ", then Loihi-aware fine-tuning"
    return recipe


def _run_setting(s):
    return (
        f"dt {s['dt']:g} s, {s['steps']} steps, scale {s['scale']:g}, "
        f"synapse {synapse(s['synapse'])}"
    )


RUNS = Table(
    "runs",
    # a results.json without "spiking" is no run of the 784-128-10 network (the CNN teacher's)
    each("*/results.json", schema=rf.RUN_SPIKING, where=lambda r: "spiking" in r),
    (
        ("run", lambda r: f"`{r.path.parent.name}`"),
        ("recipe", _recipe),
        ("neurons", "config.neuron"),
        ("epochs", "config.epochs"),
        ("rate val %", "rate_val_acc", pct),
        ("rate test %", "rate_test_acc", pct),
        ("spiking test %", "spiking_test_acc", pct),
        ("spiking setting", "spiking", _run_setting),
        ("mean rate Hz", "hidden_rate_hz.mean", "{:.1f}"),
        ("train s", "seconds", "{:.0f}"),
    ),
)
"""One row per run folder under ``results/``: rate and spiking accuracies."""


def _mean_std(key):
    return lambda r: f"{r['mean'][key] * 100:.2f} ± {r['std'][key] * 100:.2f}"


def _seeds_setting(r):
    sp = r.get("spiking") or {}
    return f"{sp.get('steps', '?')} x {sp.get('dt', 0) * 1000:g} ms, scale {sp.get('scale', 1):g}"


SEEDS = Table(
    "seeds",
    each("seeds/*/seeds.json", schema=rf.SEEDS),
    (
        ("recipe-neurons", lambda r: f"`{r['recipe']}-{r['neuron']}`"),
        ("seeds", "seeds", lambda seeds: " ".join(str(x) for x in seeds)),
        ("rate val %", _mean_std("rate_val_acc")),
        ("rate test %", _mean_std("rate_test_acc")),
        ("spiking test %", _mean_std("spiking_test_acc")),
        ("spiking setting", _seeds_setting),
        (
            "spiking test % per seed",
            "per_seed",
            lambda runs: ", ".join(f"{x['spiking_test_acc'] * 100:.2f}" for x in runs),
        ),
    ),
    placeholder="(run python -m nengo_fashion.studies.seeds --recipe best --neuron relu "
    "--seeds 0 1 2)",
    rows_required=True,
    note="\n\nMean ± sample standard deviation (ddof 1) over the seeds.",
)
"""Headline runs over several training seeds: mean ± std
(``python -m nengo_fashion.studies.seeds``)."""


# --- the headline ----------------------------------------------------------------------------

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


def _seeds_row(r):
    """The headline's row of a ``seeds.json`` over ``n >= 2`` seeds."""
    n = len(r["seeds"])
    what = f"`{r['recipe']}` recipe, {n} seed{'s' if n > 1 else ''}"
    if r.get("teacher"):
        what += ", distilled from the CNN teacher"
    if r.get("prune_keep", 1.0) < 1:
        what += f", {r['prune_keep']:.0%} of the first layer's weights kept (pruned)"
    sp = r.get("spiking") or {}
    return {
        "model": what,
        "network": f"784-128-10, {r['neuron']}",
        "rate": _mean_std("rate_test_acc")(r),
        "spiking": _mean_std("spiking_test_acc")(r),
        "steps": f"{sp.get('steps', '?')}",
        "source": f"`results/seeds/{r.path.parent.name}`",
    }


def _headline_rows(root):
    """Ours (the thesis recipe's run, and every seeds study over several seeds), then the
    literature; no row without ours: the literature alone is no headline."""
    ours = 0
    thesis = load(root / "thesis-relu" / "results.json", rf.RUN_SPIKING)
    if thesis is not None:
        ours += 1
        yield {
            "model": "thesis recipe (ours, one seed)",
            "network": "784-128-10, spiking ReLU",
            "rate": pct(thesis["rate_test_acc"]),
            "spiking": pct(thesis["spiking_test_acc"]),
            "steps": f"{thesis['spiking']['steps']}",
            "source": "`results/thesis-relu`",
        }
    for r in each("seeds/*/seeds.json", schema=rf.SEEDS)(root):
        if len(r["seeds"]) < 2:  # a single-seed exploration (e.g. a pruned density tried)
            continue
        ours += 1
        yield _seeds_row(r)
    for name, network, acc, source in PUBLISHED if ours else ():
        yield {
            "model": name,
            "network": network,
            "rate": "–",
            "spiking": f"{acc:.2f}",
            "steps": "–",
            "source": source,
        }


HEADLINE = Table(
    "headline",
    None,
    (
        ("model", "model"),
        ("network", "network"),
        ("rate test %", "rate"),
        ("spiking test %", "spiking"),
        ("steps", "steps"),
        ("source", "source"),
    ),
    rows=_headline_rows,
    placeholder="(run python -m nengo_fashion.train --out results, and "
    "python -m nengo_fashion.studies.seeds)",
    rows_required=True,
)
"""The thesis, ``best`` and the distilled student (mean of seeds) beside published MLPs."""


# --- the recipe searches and the teacher -----------------------------------------------------


def _candidate(e):
    return f"`{e.key}`" + (" **best**" if e.key == e.doc["best"] else "")


RECIPE_SEARCH = Table(
    "recipe_search",
    one("recipe_search.json", schema=rf.SEARCH),
    (
        ("candidate", _candidate),
        (
            "changes to the thesis recipe",
            "value.overrides",
            lambda o: ", ".join(f"{k}={v}" for k, v in o.items()) or "(thesis recipe)",
        ),
        ("val acc %", "value.val_acc", pct),
    ),
    rows=entries("candidates"),
    placeholder="(no results/recipe_search.json yet)",
)

_KNOBS = ("augment", "kd_alpha", "kd_temperature", "label_smoothing")
"""The distillation candidates' knobs that the table shows."""


def _distilled(e):
    from nengo_fashion.studies.search import best_distilled

    return _candidate(e) + (" **the `distill` recipe**" if e.key == best_distilled(e.doc) else "")


DISTILL_SEARCH = Table(
    "distill_search",
    one("distill_search.json", schema=rf.DISTILL_SEARCH),
    (
        ("candidate", _distilled),
        ("teacher", "value.overrides", lambda o: "yes" if o.get("teacher") else "no (labels only)"),
        (
            "changes",
            "value.overrides",
            lambda o: ", ".join(f"{k}={o[k]}" for k in _KNOBS if k in o) or "–",
        ),
        ("val acc %", "value.val_acc", pct),
        ("train s", "value.seconds", "{:.0f}"),
    ),
    rows=entries("candidates"),
    placeholder="(no results/distill_search.json yet)",
)


def _teacher_note(r):
    """The cost of the teacher's inference against a student epoch, when the distilled
    student ``results/distill-relu`` measured it."""
    student = load(r.root / "distill-relu" / "results.json")
    if student is None or "teacher" not in student["history"]:
        return ""
    per_copy = student["history"]["teacher"]["seconds_per_copy"]
    epoch = median(student["history"]["seconds"])
    return (
        f"\n\nThe teacher's inference of one augmented copy of the training split took "
        f"{per_copy:.1f} s, against a median student epoch of {epoch:.1f} s "
        f"(`results/distill-relu/results.json`): in the loop it would make every epoch "
        f"{(epoch + per_copy) / epoch:.1f}x as long, while precomputed it is paid once per "
        f"copy and reused by every candidate and epoch."
    )


TEACHER = Table(
    "teacher",
    one("teacher", "results.json"),
    (
        ("teacher", "config.width", "CNN, width {}"),
        ("parameters", "n_params", "{:,}"),
        ("epochs", "config.epochs"),
        ("augment", "config.augment"),
        ("val %", "val_acc", pct),
        ("test %", "test_acc", pct),
        ("minutes", "seconds", lambda s: f"{s / 60:.1f}"),
        ("s / epoch", "history.seconds", lambda s: f"{median(s):.0f} (median)"),
    ),
    rows=lambda r: [r],
    placeholder="(run python -m nengo_fashion.teacher)",
    note=_teacher_note,
)


# --- the Pareto search --------------------------------------------------------------


def _chosen(cell):
    """A cell of the point chosen on test, "–" when none is within tolerance."""
    return lambda r: "–" if r["chosen_test"] is None else cell(r, r["chosen_test"])


def _pareto_setting(r):
    c = r["chosen_test"]
    if c is None:
        return "none within tolerance"
    return (
        f"{c['steps']} steps ({c['steps'] * c['dt'] * 1e3:g} ms), synapse "
        f"{synapse(c['synapse'])}, scale {c['scale']:g}"
    )


PARETO = Table(
    "pareto",
    each("pareto/*/pareto.json", schema=rf.PARETO),
    (
        ("run", lambda r: f"`{r.path.parent.name}`"),
        ("neurons", "neuron"),
        ("chosen on validation (dt 1 ms)", _pareto_setting),
        ("val %", _chosen(lambda r, c: pct(r["chosen_on_val"]["accuracy"]))),
        ("spiking test %", _chosen(lambda r, c: pct(c["accuracy"]))),
        ("rate test %", "rate_test_acc", pct),
        ("spikes per image", _chosen(lambda r, c: f"{c['spikes_per_image']:.0f}")),
    ),
    placeholder="(no results/pareto/*/pareto.json yet)",
    rows_required=True,
)


TABLES = (
    RUNS,
    SEEDS,
    HEADLINE,
    DISTILL_SEARCH,
    TEACHER,
    RECIPE_SEARCH,
    PARETO,
)
