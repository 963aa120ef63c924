"""Markdown tables for the README, made from the committed result files.

Every number in the README's tables is written by this command from a
``results/**/*.json`` file, which another committed command wrote::

    python -m nengo_fashion.report --write README.md   # regenerate the tables
    python -m nengo_fashion.report --check README.md   # exit 1 if they are stale

A table lives between ``<!-- BEGIN report:NAME -->`` and ``<!-- END report:NAME -->``.
A test runs ``--check`` so that a hand-edited or stale number fails CI.
"""

import json
import re
import sys
from pathlib import Path

from .atomic import write_text
from .cli import ArgumentParser

TABLES = {}
"""Registry: table name -> function(results_dir) returning markdown."""


def table(name):
    def register(func):
        TABLES[name] = func
        return func

    return register


def _load(path):
    path = Path(path)
    return json.loads(path.read_text()) if path.exists() else None


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
    for path in sorted(Path(results_dir).glob("*/results.json")):
        r = _load(path)
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
    rows = [
        (k, f"{r['seconds_per_epoch'][k]:.2f}", f"{r['n_images'] / r['seconds_per_epoch'][k]:.0f}")
        for k in ("keras", "nengo_dl")
    ]
    return _md(("framework", "s / epoch", "images / s"), rows) + (
        f"\n\nRatio NengoDL / Keras: **{r['ratio']:.2f}x** ({r['n_images']} images, batch "
        f"{r['batch_size']}, {r['epochs']} epochs, {r['cpus']} CPUs, TensorFlow {r['tensorflow']})."
    )


@table("recipe_search")
def recipe_search_table(results_dir):
    r = _load(Path(results_dir) / "recipe_search.json")
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
        return "(run python -m nengo_fashion.reproduce, and again with --eval-split train)"
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
        return "(run python -m nengo_fashion.reproduce, and again with --eval-split train)"
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
    if r is None or "voltage_draws" not in r:
        return "(run python -m nengo_fashion.reproduce)"
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
    for path in sorted(Path(results_dir).glob("pareto/*/pareto.json")):
        r = _load(path)
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
        r = _load(Path(results_dir) / f"thesis-relu-{variant}" / "results.json")
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
    for path in sorted(Path(results_dir).glob("nir/*/nir_check.json")):
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
            (f"`{r['run']}`", r["nir_node"], str(r["n_images"]), _pct(r["nengo_dl"]["accuracy"]))
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
    for path in sorted(Path(results_dir).glob("*/loihi.json")):
        r = _load(path)
        res, e, st = r["resources"]["totals"], r["energy"], r["settings"]
        rows.append(
            (
                f"`{path.parent.name}`",
                r["settings"]["neuron"],
                f"{st['steps']} / {st['input_rate']:g} / {st['skip']} / {st['scale']:g} / "
                f"{st['processes']}",
                r["n_images"],
                _pct(r["accuracy"]),
                _pct(r["nengo_dl_spiking_test_acc"]),
                _pct(r["rate_test_acc"]),
                f"{r['wall_seconds']:.0f}",
                f"{r['spikes_per_image']:.0f}",
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
            "steps / input Hz / skip / scale / processes",
            "images",
            "emulator %",
            "NengoDL spiking %",
            "rate %",
            "wall s",
            "hidden spikes per image",
            "cores / compartments / in-axons / synapse bits",
            "Loihi uJ per image (estimate)",
            "rate net uJ per image (estimate)",
        ),
        rows,
    )


@table("spiking_inference")
def spiking_inference_table(results_dir):
    r = _load(Path(results_dir) / "spiking_inference.json")
    if r is None:
        return "(no results/spiking_inference.json yet)"
    rows = [
        (
            row["steps"],
            f"{row['seconds']:.2f}",
            f"{row['images_per_s']:.0f}",
            f"{row['floor_seconds']:.3f}",
            f"{row['ratio']:.1f}x",
        )
        for row in r["rows"]
    ]
    return _md(
        (
            "steps",
            "seconds (10,000 images)",
            "images / s",
            "arithmetic floor (s)",
            "measured / floor",
        ),
        rows,
    ) + (
        f"\n\nFloor: {r['macs_per_image_step']} MACs per image per step at the measured "
        f"{r['matmul_macs_per_s'] / 1e9:.1f} GMAC/s ({r['cpus']} CPUs)."
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
    }
    rows = [
        (names[k], f"{v * 1e3:.1f}", f"{r['full_test_minutes'][k]:.1f}")
        for k, v in r["seconds_per_image"].items()
    ]
    return _md(("way", "ms per image", "minutes for 10,000 images"), rows) + (
        f"\n\nVectorised / straightforward: **{r['speedup']:.2f}x**, identical outputs: "
        f"{r['identical_outputs']} ({r['n_images']} images, {r['steps']} steps each)."
    )


_BLOCK = re.compile(
    r"(<!-- BEGIN report:(?P<name>[\w-]+) -->\n)(?P<body>.*?)\n?(<!-- END report:(?P=name) -->)",
    re.S,
)


def render(text, results_dir="results"):
    """Return ``text`` with every report block regenerated."""

    def sub(m):
        name = m.group("name")
        if name not in TABLES:
            raise KeyError(f"unknown report table {name!r}; known: {', '.join(TABLES)}")
        return m.group(1) + TABLES[name](results_dir) + "\n" + m.group(4)

    return _BLOCK.sub(sub, text)


def main(argv=None):
    p = ArgumentParser(prog="python -m nengo_fashion.report", description=__doc__.splitlines()[0])
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", metavar="FILE", help="regenerate the tables in FILE")
    mode.add_argument("--check", metavar="FILE", help="exit 1 if FILE's tables are stale")
    p.add_argument("--results", default="results", help="folder of result files")
    args = p.parse_args(argv)
    path = Path(args.write or args.check)
    text = path.read_text()
    new = render(text, args.results)
    if args.check:
        if new != text:
            print(f"{path}: tables are stale; run python -m nengo_fashion.report --write {path}")
            return 1
        print(f"{path}: tables match {args.results}/")
        return 0
    if new != text:
        write_text(path, new)
    print(f"{path}: tables regenerated from {args.results}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
