"""The tables of the network on chips: the Loihi emulator's runs and their tuning, the efficiency
study's points and their ANN baselines, and the NIR export run by other simulators."""

from nengo_fashion.studies import result_files as rf

from ..spec import Table, each, if_present, load, one, pct

_EFFICIENCY = one("efficiency", "efficiency.json", schema=rf.EFFICIENCY)
"""``results/efficiency/efficiency.json`` (``python -m nengo_fashion.studies.efficiency``)."""

_RUN_EFFICIENCY = "(run python -m nengo_fashion.studies.efficiency)"


def _accuracy(p):
    """A point's test accuracy, ± its standard deviation over seeds where it has one."""
    std = p.get("test_acc_std")
    return pct(p["test_acc"]) + (f" ± {std * 100:.2f}" if std is not None else "")


EFFICIENCY = Table(
    "efficiency",
    _EFFICIENCY,
    (
        ("point", "label"),
        ("steps", "steps"),
        ("test %", _accuracy),
        ("synops per image", if_present("synops_per_image", "{:,.0f}", "(pixels as currents)")),
        ("synops / dense MACs", if_present("synops_ratio", "{:.2f}x")),
        (
            "zero-skipping ANN MACs, same weights",
            if_present("zero_skip_macs_per_image", "{:,.0f}"),
        ),
        ("how the setting was chosen", "chosen"),
    ),
    rows=lambda r: r["points"],
    order=lambda p: (p["kind"] != "loihi", p.get("synops_per_image", 0)),
    placeholder=_RUN_EFFICIENCY,
)

_BASELINES = ("zero_skip_int8", "zero_skip_fp32", "dense_int8", "dense_fp32")
"""The ANNs of a point's own weights whose energy the efficiency study estimates."""


def _verdict(p):
    """Which baselines the chip's energy estimate is above, and which it is below."""
    b = p["energy_uj_baselines"]
    names = {k: k.replace("zero_skip", "zero-skip").replace("_", " ") for k in _BASELINES}
    above = [names[k] for k in _BASELINES if p["energy_uj"] > b[k]]
    below = [names[k] for k in _BASELINES if p["energy_uj"] <= b[k]]
    return "; ".join(
        f"{word} {', '.join(ks)}" for word, ks in (("above", above), ("below", below)) if ks
    )


BASELINES = Table(
    "baselines",
    _EFFICIENCY,
    (
        ("emulator point", "label"),
        ("test %", _accuracy),
        ("rate net (ANN) test %", lambda p: pct(p.get("rate_test_acc"))),
        ("first-layer weights kept", "first_layer_density", "{:.0%}"),
        ("synops per image", "synops_per_image", "{:,.0f}"),
        ("zero-skipping ANN MACs", "zero_skip_macs_per_image", "{:,.0f}"),
        ("synops / zero-skip MACs", "synops_over_zero_skip", "{:.2f}x"),
        ("Loihi uJ", "energy_uj", "{:.3f}"),
        ("zero-skip int8 uJ", "energy_uj_baselines.zero_skip_int8", "{:.3f}"),
        ("zero-skip fp32 uJ", "energy_uj_baselines.zero_skip_fp32", "{:.3f}"),
        ("dense int8 uJ", "energy_uj_baselines.dense_int8", "{:.3f}"),
        ("dense fp32 uJ", "energy_uj_baselines.dense_fp32", "{:.3f}"),
        ("the chip's estimate is", _verdict),
    ),
    rows=lambda r: r["points"],
    keep=lambda p: p["kind"] == "loihi" and "energy_uj_baselines" in p,
    order=lambda p: p["synops_per_image"],
    placeholder=_RUN_EFFICIENCY,
)
"""Each emulator point against the ANNs of its own weights: operations and energy."""


def _tuned_runs(files):
    """Each tuning file (``run``) with where the accuracy goes at its chosen mapping
    (``goes``) and the share of first-layer weights its run kept (``kept``, from the run's
    ``config.json``, read after the file's fields)."""
    for r in files:
        goes = r["best"].get("where_accuracy_goes", {})
        kept = load(r.path.parent / "config.json").get("prune_keep", 1.0)
        yield {"run": r, "goes": goes, "kept": kept}


def _goes(key):
    """A cell of ``best.where_accuracy_goes``: the validation accuracy at one stage."""
    return lambda t: pct(t["goes"].get(key))


TTFS_TUNE = Table(
    "ttfs_tune",
    each("*/loihi_tune_ttfs.json", "seeds/*/seed-*/loihi_tune_ttfs.json"),
    (
        ("run", "run", lambda r: f"`{r.path.parent.relative_to(r.root).as_posix()}`"),
        ("first-layer weights kept", "kept", "{:.0%}"),
        ("mappings tried", "run.points", len),
        ("validation images", "run.n_images"),
        (
            "synops limit",
            "run",
            lambda r: f"≤ {r['max_synops_ratio']:g}x" if r.get("max_synops_ratio") else "–",
        ),
        (
            "chosen on validation",
            "run.best",
            lambda b: f"{b['steps']} steps, scale {b['scale']:g}, "
            f"threshold {b['ttfs_threshold']:g}",
        ),
        ("synops / dense MACs (val)", "run.best.synops_ratio", "{:.2f}x"),
        ("val %: rate net", _goes("rate")),
        ("rate net on x_eff (encoding)", _goes("rate_x_eff")),
        ("Loihi model, unrounded weights (spiking hidden layer)", _goes("reference")),
        ("emulator (weight rounding)", _goes("emulator")),
    ),
    rows=_tuned_runs,
    placeholder="(run python -m loihi.tune --input ttfs)",
    rows_required=True,
)


def _agreement(simulator):
    """A simulator's accuracy and its share of NengoDL's predictions."""

    def cell(r):
        c = r["simulators"].get(simulator)
        if c is None:
            return "–"
        return f"{pct(c['accuracy'])} / {c['agreement'] * 100:.2f}" + (
            " (target met)" if c["meets_target"] else ""
        )

    return cell


NIR = Table(
    "nir",
    each("nir/*/nir_check.json"),
    (
        # the run's name; seeds-NAME-seed-N for a seed's run
        ("run", lambda r: f"`{r.path.parent.name}`"),
        ("NIR node", "nir_node"),
        ("test images", "n_images", str),
        ("NengoDL spiking %", "nengo_dl.accuracy", pct),
        ("Norse: accuracy % / same predictions as NengoDL %", _agreement("norse")),
        ("sinabs: accuracy % / same predictions %", _agreement("sinabs")),
    ),
    placeholder="(run bash scripts/nir-check.sh)",
    rows_required=True,
)
"""Norse and sinabs running the exported model.nir, against NengoDL."""


def _loihi_settings(st):
    if st.get("input_code", "rate") == "ttfs":
        code = f"TTFS ≥ {st['ttfs_threshold']:g}"
    else:
        code = f"rate {st['input_rate']:g} Hz"
    return f"{st['steps']} / {code} / {st['skip']} / {st['scale']:g} / {st['processes']}"


def _resources(res):
    return f"{res['cores']} / {res['compartments']} / {res['in_axons']} / {res['synapse_bits']}"


def _microjoules(j):
    return f"{j * 1e6:.2f}"


LOIHI = Table(
    "loihi",
    each(rf.loihi_files, schema=rf.LOIHI),
    (
        ("run", lambda r: f"`{r.path.parent.relative_to(r.root)}`"),
        ("chip neurons", "settings.neuron"),
        ("steps / input / skip / scale / processes", "settings", _loihi_settings),
        ("images (split)", lambda r: f"{r['n_images']} {r.get('split', 'test')}"),
        ("emulator %", "accuracy", pct),
        ("NengoDL spiking %", "nengo_dl_spiking_test_acc", pct),
        ("rate %", "rate_test_acc", pct),
        ("wall s", "wall_seconds", "{:.0f}"),
        ("hidden spikes per image", "spikes_per_image", "{:.0f}"),
        ("input spikes per image", "input_spikes_per_image", "{:.0f}"),
        ("synops per image", if_present("synops_per_image", "{:,.0f}")),
        ("synops / dense MACs (101,632)", if_present("synops_ratio", "{:.2f}x")),
        ("cores / compartments / in-axons / synapse bits", "resources.totals", _resources),
        ("Loihi uJ per image (estimate)", "energy.loihi.energy_j", _microjoules),
        ("rate net uJ per image (estimate)", "energy.rate_cpu_gpu.energy_j", _microjoules),
    ),
    placeholder="(no results/*/loihi.json yet)",
    rows_required=True,
)


TABLES = (EFFICIENCY, BASELINES, TTFS_TUNE, NIR, LOIHI)
