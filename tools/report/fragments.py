"""Fragments: single numbers inside sentences, written between
``<!-- report:NAME ARG ... -->`` and ``<!-- /report -->`` on one line.

``FRAGMENTS[NAME](results_dir, *ARGs)`` writes the number from the result files under
``results_dir``, or returns None when its result file is missing (the page then holds
`markers.MISSING`, which ``--write`` refuses where a value was).
"""

from pathlib import Path

from nengo_fashion.studies import result_files as rf

from .spec import dig, load, pct

FRAGMENTS = {}
"""Registry: fragment name -> function(results_dir, *args) returning the text of a number in
a sentence, or None when its result file is missing."""


def fragment(name):
    def register(func):
        FRAGMENTS[name] = func
        return func

    return register


def _efficiency(results_dir):
    """``results/efficiency/efficiency.json`` (``python -m nengo_fashion.studies.efficiency``),
    or None."""
    return load(Path(results_dir) / "efficiency" / "efficiency.json", rf.EFFICIENCY)


@fragment("run")
def run_fragment(results_dir, run, key):
    """An accuracy of a run folder's ``results.json``, in %: ``run best-lif rate_test_acc``."""
    r = load(Path(results_dir) / run / "results.json", {key: (float, None)})
    return None if r is None else pct(r[key])


@fragment("seeds_mean")
def seeds_mean_fragment(results_dir, name, key):
    """The mean over seeds of ``results/seeds/NAME/seeds.json``, in %."""
    r = load(Path(results_dir) / "seeds" / name / "seeds.json", {"mean": {key: float}})
    return None if r is None else pct(r["mean"][key])


@fragment("seeds_gap")
def seeds_gap_fragment(results_dir, first, second, key):
    """Mean over seeds of ``first`` minus that of ``second``, in points."""
    a, b = (
        load(Path(results_dir) / "seeds" / n / "seeds.json", {"mean": {key: float}})
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
        return pct(p[key])
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
    r = load(Path(results_dir) / "teacher" / "results.json", {key: (float, None)})
    return None if r is None else pct(r[key])


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
    r = load(Path(results_dir) / _REPRODUCE_FOLDERS[flow] / "reproduce.json")
    if r is None:
        return None
    (row,) = (row for row in r["dt_table"] if row["dt"] == float(dt))
    return pct(row["accuracy"])


@fragment("reproduce")
def reproduce_fragment(results_dir, key):
    """The thesis' flow (``results/reproduce``): ``chosen_dt`` (s), the spiking and analog nets'
    accuracy on validation at the chosen dt (``val_spiking``, ``val_analog``) and on test
    (``test_spiking``, ``test_analog``), in %; ``gap``: the most the spiking net at dt 0.1 and
    1 s differs from the analog net on test, in points."""
    r = load(Path(results_dir) / "reproduce" / "reproduce.json")
    if r is None:
        return None
    if key == "chosen_dt":
        return f"{r['chosen_dt']:g}"
    if key == "val_spiking":
        (row,) = (row for row in r["dt_search"] if row["dt"] == r["chosen_dt"])
        return pct(row["accuracy"])
    if key == "val_analog":
        analog = load(Path(results_dir) / "reproduce" / "runs" / "analog" / "results.json")
        return None if analog is None else pct(analog["rate_val_acc"])
    t = r["table_4_1"]
    if key == "gap":
        accs = [row["accuracy"] for row in r["dt_table"] if row["dt"] in (0.1, 1.0)]
        return f"{max(abs(a - t['analog_acc']) for a in accs) * 100:.2f}"
    return pct({"test_spiking": t["spiking_acc"], "test_analog": t["analog_acc"]}[key])


@fragment("distributed")
def distributed_fragment(results_dir, key):
    """Seconds from ``results/distributed.json``'s ``estimates`` (the measured start-ups)."""
    r = load(Path(results_dir) / "distributed.json")
    return None if r is None else f"{r['estimates'][key]:.0f}"


@fragment("mutation")
def mutation_fragment(results_dir, label, key):
    """A count of ``results/mutation.json``'s total under ``label``; ``left``: the survivors
    and the mutants no test ran (the table's "survived")."""
    r = load(Path(results_dir) / "mutation.json")
    if r is None or label not in r:
        return None
    total = r[label]["total"]
    return str(total["survived"] + total["no_tests"] if key == "left" else total[key])


def _nir_reports(results_dir):
    return [load(p) for p in rf.find(results_dir, "nir/*/nir_check.json")]


@fragment("nir")
def nir_fragment(results_dir, run, key):
    """A value of ``results/nir/RUN/nir_check.json`` at a dotted ``key``: accuracies and
    agreements in %, others (spike counts) to one decimal."""
    r = load(Path(results_dir) / "nir" / run / "nir_check.json")
    if r is None:
        return None
    value = dig(r, key)
    if key.rsplit(".", 1)[-1] in ("accuracy", "agreement"):
        return pct(value)
    return f"{value:.1f}"


@fragment("nir_gap")
def nir_gap_fragment(results_dir, run, simulator):
    """NengoDL's spiking accuracy minus ``simulator``'s on ``run`` (nir_check.json), in points."""
    r = load(Path(results_dir) / "nir" / run / "nir_check.json")
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
    return pct(min(r["reference_reader"]["agreement"] for r in reports))
