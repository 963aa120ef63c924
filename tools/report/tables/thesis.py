"""The tables of the thesis' flow (``python -m nengo_fashion.studies.reproduce``): its Table 4.1,
the dt study and its spread over initial voltages, and the training variants of the thesis
recipe."""

from nengo_fashion.studies import result_files as rf

from ..spec import Entry, Table, load, one, pct

_REPRODUCE = "(run python -m nengo_fashion.studies.reproduce, and again with --eval-split train)"


def _reproduce_pair(root):
    """``reproduce.json`` of the honest flow (test) and of the thesis' flow (train), or None
    without both."""
    test, train = (load(root / f / "reproduce.json") for f in ("reproduce", "reproduce-train"))
    return None if test is None or train is None else (test, train)


def _thesis_rows(pair):
    test, train = pair
    for net, key, dt in (
        ("analog (rate ReLU)", "analog_acc", "–"),
        ("spiking ReLU, 10 steps", "spiking_acc", None),
    ):
        yield {
            "net": net,
            "dt": dt or f"{test['chosen_dt']:g} s / {train['chosen_dt']:g} s",
            "test": test["table_4_1"][key],
            "train": train["table_4_1"][key],
            "thesis": test["thesis"][key],
        }


THESIS = Table(
    "thesis",
    _reproduce_pair,
    (
        ("net", "net"),
        ("dt (ours: chosen on val / on train)", "dt"),
        ("ours, test %", "test", pct),
        ("ours, training images %", "train", pct),
        ("thesis (training images) %", "thesis", pct),
    ),
    rows=_thesis_rows,
    placeholder=_REPRODUCE,
)
"""Table 4.1: ours on test, ours on the training images (as the thesis), the thesis."""


def _dt_source(root):
    """The dt study on test, on the training images, and on test with one shared voltage
    vector (``results/reproduce-shared``, if made)."""
    pair = _reproduce_pair(root)
    if pair is None:
        return None
    test, train = pair
    on_train = {r["dt"]: r["accuracy"] for r in train["dt_table"]}
    shared = load(root / "reproduce-shared" / "reproduce.json")
    on_shared = {r["dt"]: r["accuracy"] for r in (shared or {}).get("dt_table", [])}
    return {"test": test, "train": train, "on_train": on_train, "on_shared": on_shared}


def _dt_rates(r):
    return f"{r['rate_min_hz']:.2f} / {r['rate_mean_hz']:.2f} / {r['rate_max_hz']:.2f}"


DT = Table(
    "dt",
    _dt_source,
    (
        ("dt (s)", "value.dt", "{:g}"),
        (
            lambda s: f"ours, test % ({s['test'].get('semantics', 'shared')} voltages)",
            "value.accuracy",
            pct,
        ),
        (
            lambda s: f"ours, training images % ({s['train'].get('semantics', 'shared')})",
            lambda e: e.doc["on_train"].get(e.value["dt"]),
            pct,
        ),
        ("thesis %", "value.thesis_accuracy", pct),
        ("ours, test %, shared voltages", lambda e: e.doc["on_shared"].get(e.value["dt"]), pct),
        ("hidden rate min / mean / max (Hz, test)", "value", _dt_rates),
        ("spikes per image", "value.spikes_per_image", "{:.1f}"),
    ),
    rows=lambda s: [Entry(r["dt"], r, s) for r in s["test"]["dt_table"]],
    placeholder=_REPRODUCE,
)


def _draws(mode):
    def cell(e):
        d = e.doc[mode][e.key]
        return (
            f"{d['mean'] * 100:.2f} ± {d['std'] * 100:.2f} "
            f"({d['min'] * 100:.2f}-{d['max'] * 100:.2f})"
        )

    return cell


def _n_draws(r):
    draws = r["voltage_draws"]["thesis"]
    return draws[next(iter(draws))]["n_draws"]


VOLTAGE_DRAWS = Table(
    "voltage_draws",
    one("reproduce", "reproduce.json", when=lambda r: r.get("voltage_draws")),
    (
        ("dt (s)", "key", lambda dt: f"{float(dt):g}"),
        (
            lambda r: f"per-image voltages (thesis): mean ± std (range) over {_n_draws(r)} "
            "seeds, test %",
            _draws("thesis"),
        ),
        (
            lambda r: f"one shared voltage vector: mean ± std (range) over {_n_draws(r)} "
            "vectors, test %",
            _draws("shared"),
        ),
    ),
    rows=lambda r: [Entry(dt, None, r["voltage_draws"]) for dt in r["voltage_draws"]["thesis"]],
    placeholder="(run python -m nengo_fashion.studies.reproduce)",
)
"""Spread of the dt study's test accuracy over draws of the initial voltages."""


# --- the training variants of the thesis recipe ---------------------------------------------


def _variant_rows(root):
    """The thesis recipe at dt 0.01 s (``reproduce``), then each training variant's run."""
    base = load(root / "reproduce" / "reproduce.json")
    if base is not None:
        row = next((r for r in base["dt_table"] if r["dt"] == 0.01), None)
        if row:
            yield {
                "variant": "none (thesis recipe, `reproduce`)",
                "setting": "dt 0.01 s, 10 steps, mean",
                "accuracy": row["accuracy"],
                "rate": row["rate_mean_hz"],
            }
    for variant in ("spike-aware", "rate-reg", "lowpass"):
        r = load(root / f"thesis-relu-{variant}" / "results.json", rf.RUN_SPIKING)
        if r is None:
            continue
        s = r["spiking"]
        yield {
            "variant": f"`{variant}`",
            "setting": f"dt {s['dt']:g} s, {s['steps']} steps, {s['readout']}"
            + ("" if s["synapse"] is None else f", synapse {s['synapse']:g} s"),
            "accuracy": r["spiking_test_acc"],
            "rate": r["hidden_rate_hz"]["mean"],
        }


VARIANTS = Table(
    "variants",
    None,
    (
        ("variant", "variant"),
        ("spiking setting", "setting"),
        ("spiking test %", "accuracy", pct),
        ("mean rate Hz", "rate", "{:.1f}"),
    ),
    rows=_variant_rows,
)


TABLES = (THESIS, DT, VOLTAGE_DRAWS, VARIANTS)
