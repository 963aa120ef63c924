"""Where spiking pays: accuracy against synaptic operations and against steps.

Usage::

    python -m nengo_fashion.studies.efficiency            # -> results/efficiency/
    python -m nengo_fashion.studies.efficiency --results results --out results/efficiency

It simulates nothing: it gathers every spiking point that the other commands
wrote under ``--results`` and puts them side by side.

* ``*/results.json`` (``train``): each run's NengoDL spiking swap at its default
  setting (dt 1 ms only), fixed before the run;
* ``pareto/*/pareto.json`` (``pareto``): the setting chosen on validation;
* ``seeds/*/seeds.json`` (``seeds``): a recipe's mean and spread over seeds;
* ``loihi.json`` of a run folder, or of a folder inside one (``python -m loihi``): the
  nengo-loihi emulator, with the synaptic operations counted from its spikes
  (`nengo_fashion.inference.synops`).

Only the places the commands write to are read (`result_files.find`): not the
``NAME.unsaved-*`` or ``unsaved-*`` folders a command keeps after a clash, nor hidden
temporary folders. Every file is read through the checked reader
(`result_files.read_object`): a damaged one ends the command with one line naming the file
and the field. Every point's label names how many test images it was
measured on, and no two points have the same label.

Every point's accuracy is on the test split and every choice behind it was made
on the validation split (or fixed in advance): the ``chosen`` column says which.
NengoDL feeds the pixels as currents, so its points have no input spikes and
their synaptic operations are not comparable with a chip's: they appear in the
steps panel only. The dense net's multiply-accumulates per image (101,632) are
the vertical line of the synops panel.

**The baselines.** Beside each emulator point are the ANNs that the same weights
make, counted on the same test images (`nengo_fashion.inference.synops.ann_macs`):
the dense network, and the network that skips zero inputs, zero hidden activations
and zero weights, whose accuracy is the rate net's. Their energy per image, at
fp32 and at int8, is set beside the chip's estimate
(`nengo_fashion.inference.energy`). Emulator runs of the seed folders of one
recipe with the same mapping are also summarised as one point (mean and standard
deviation over the seeds).

Writes ``efficiency.json`` (the points) and ``efficiency.png`` (three panels:
accuracy against operations, against steps, and energy per image).

The library takes an `EfficiencyConfig` (`run_efficiency`); the command is
`nengo_fashion.commands.efficiency`.
"""

import collections
import dataclasses
import re
from pathlib import Path
from typing import Optional

import numpy as np

from ... import data as data_mod
from ...atomic import Outputs, check_results_dir, write_json
from ...errors import ConfigError, RunError
from ...inference import energy
from ...inference.synops import DENSE_MACS, ann_macs
from ...knobs import check_field_types, knob
from ...runs import load_run
from .. import result_files as rf

FILE_NAME = "efficiency.json"
FIGURE = "efficiency.png"


def _point(label, kind, source, steps, accuracy, chosen, **extra):
    return dict(
        label=label,
        kind=kind,
        source=str(source),
        steps=int(steps),
        test_acc=float(accuracy),
        chosen=chosen,
        **extra,
    )


class Baselines:
    """The ANN baselines of a run's weights on the first ``n`` test images, computed once."""

    def __init__(self, test):
        self.test = test
        self._done = {}

    def __call__(self, run_path, n_images):
        key = (str(run_path), n_images)
        if key not in self._done:
            run = load_run(run_path)
            s = self.test.subset(n_images)
            hidden = run.weights.hidden(s.images, run.config.neuron)
            ann = ann_macs(s.images, hidden, run.weights)
            w = run.weights.hidden_w
            ann["first_layer_density"] = float(np.count_nonzero(w)) / w.size
            ann["energy_uj_baselines"] = {
                k: v["energy_j"] * 1e6 for k, v in energy.baselines(ann).items()
            }
            self._done[key] = ann
        return self._done[key]


def _images(n):
    """How many test images a point was measured on, for its label."""
    return "test images: count not recorded" if n is None else f"{n:,} test images"


def _run_points(results, baselines):
    for path in rf.find(results, "*/results.json"):
        r = rf.read_object(path, {"spiking?": (dict, None)})
        if r.get("spiking") is None:  # the teacher
            continue
        s = rf.check(r, rf.RUN_SPIKING, path)["spiking"]
        if s["dt"] != 0.001:  # other time steps
            continue
        yield _point(
            f"{path.parent.name} (NengoDL, {_images(r.get('n_test'))})",
            "nengo_dl",
            path,
            s["steps"],
            r["spiking_test_acc"],
            "default setting, fixed before training",
            rate_test_acc=r["rate_test_acc"],
            hidden_spikes_per_image=r.get("spikes_per_image"),
            # the ANN of the same weights, on all the test images the run reports on
            **baselines(path.parent, r.get("n_test")),
        )


def _pareto_images(results, r):
    """How many test images a ``pareto.json`` was measured on: all of its run's (its
    ``results.json``'s ``n_test``) when its rate net scores what the run recorded on them (the
    file does not record the count; ``--n-images`` takes a subset)."""
    if "run" not in r:
        return _images(None)
    run = rf.read_object(
        _run_folder(results, r["run"]) / "results.json",
        {"rate_test_acc": float, "n_test?": (int, None)},
        missing_ok=True,
    )
    if run is None or run.get("n_test") is None:
        return _images(None)
    if abs(run["rate_test_acc"] - r["rate_test_acc"]) > 1e-12:
        return "a subset of the test images"
    return _images(run["n_test"])


def _pareto_points(results, baselines):
    for path in rf.find(results, "pareto/*/pareto.json"):
        r = rf.read_object(path, rf.PARETO)
        c = r["chosen_test"]
        if c is None:
            continue
        yield _point(
            f"{path.parent.name} (NengoDL, pareto, {_pareto_images(results, r)})",
            "nengo_dl",
            path,
            c["steps"],
            c["accuracy"],
            "fewest steps within 0.5 % of the rate net on validation",
            rate_test_acc=r["rate_test_acc"],
            hidden_spikes_per_image=c["spikes_per_image"],
        )


def _seeds_points(results, baselines):
    for path in rf.find(results, "seeds/*/seeds.json"):
        r = rf.read_object(path, rf.SEEDS)
        first = path.parent / Path(r["per_seed"][0]["run"]).name
        if not (first / "config.json").exists():
            continue
        s = rf.read_object(first / "config.json", {"spiking": {"dt": float, "steps": int}})
        if s["spiking"]["dt"] != 0.001:
            continue
        n = rf.read_object(first / "results.json", {"n_test?": (int, None)}, missing_ok=True)
        yield _point(
            f"{path.parent.name} x{len(r['seeds'])} seed{'s' if len(r['seeds']) > 1 else ''} "
            f"(NengoDL, {_images((n or {}).get('n_test'))})",
            "nengo_dl",
            path,
            s["spiking"]["steps"],
            r["mean"]["spiking_test_acc"],
            "default setting, fixed before training; mean of seeds",
            test_acc_std=r["std"]["spiking_test_acc"],
            rate_test_acc=r["mean"]["rate_test_acc"],
        )


_SEED_RUN = re.compile(r"seeds/(?P<recipe>[^/]+)/seed-(?P<seed>\d+)(?P<suffix>-[\w-]+)?$")
"""A run folder of ``python -m nengo_fashion.studies.seeds`` (``suffix``: a run made from
it, e.g. ``seed-0-ttfs`` by ``python -m loihi.finetune --ttfs``)."""


def _seed_recipe(match):
    return match["recipe"] + (match["suffix"] or "")


def _loihi_points(results, baselines):
    for path in rf.loihi_files(results):
        r = rf.read_object(path, rf.LOIHI)
        if "synops_per_image" not in r or r.get("split", "test") != "test":
            continue
        st = r["settings"]
        mapping = {"ttfs": "TTFS"}.get(st.get("input_code", "rate"), "rate")
        run_path = _run_folder(results, r.get("run", path.parent))
        seed = _SEED_RUN.search(run_path.as_posix())
        run = f"{_seed_recipe(seed)} seed {seed['seed']}" if seed else run_path.name
        base = baselines(run_path, r["n_images"])
        yield _point(
            f"{run} (Loihi emulator, {mapping} input, {_images(r['n_images'])})",
            "loihi",
            path,
            r["steps"],
            r["accuracy"],
            r.get("chosen") or _loihi_choice(path.parent, st),
            synops_per_image=r["synops_per_image"],
            synops_ratio=r["synops_ratio"],
            energy_uj=r["energy"]["loihi"]["energy_j"] * 1e6,
            rate_energy_uj=r["energy"]["rate_cpu_gpu"]["energy_j"] * 1e6,
            rate_test_acc=r.get("rate_test_acc"),
            n_images=r["n_images"],
            mapping=mapping,
            **base,
            synops_over_zero_skip=r["synops_per_image"] / base["zero_skip_macs_per_image"],
        )


def _run_folder(results, recorded):
    """The run folder a ``loihi.json`` names (as given on the command line, relative to where
    it ran): as it is, or relative to the folder that holds ``results``."""
    recorded = Path(recorded)
    for folder in (recorded, results.parent / recorded, results / Path(*recorded.parts[1:])):
        if (folder / "weights.npz").exists():
            return folder
    return recorded  # load_run says what is missing


def seed_summaries(points):
    """One point per recipe and mapping whose emulator runs cover several seeds: the mean
    (and the sample standard deviation, ddof 1) of the seeds' points."""
    groups = collections.defaultdict(list)
    for p in points:
        seed = _SEED_RUN.search(Path(p["source"]).parent.parent.as_posix())
        seed = seed or _SEED_RUN.search(Path(p["source"]).parent.as_posix())
        if p["kind"] == "loihi" and seed:
            sub = Path(p["source"]).parent.name
            groups[(_seed_recipe(seed), p["mapping"], p["steps"], p["n_images"], sub)].append(p)
    out = []
    for (recipe, mapping, steps, _, _), group in sorted(groups.items()):
        if len(group) < 2:
            continue

        def mean(key, group=group):
            return float(np.mean([p[key] for p in group]))

        def std(key, group=group):
            return float(np.std([p[key] for p in group], ddof=1))

        first = group[0]
        out.append(
            _point(
                f"{recipe} x{len(group)} seeds (Loihi emulator, {mapping} input, "
                f"{_images(first['n_images'])})",
                "loihi",
                ", ".join(p["source"] for p in group),
                steps,
                mean("test_acc"),
                first["chosen"] + "; mean of seeds",
                test_acc_std=std("test_acc"),
                seeds=len(group),
                synops_per_image=mean("synops_per_image"),
                synops_std=std("synops_per_image"),
                synops_ratio=mean("synops_ratio"),
                energy_uj=mean("energy_uj"),
                rate_energy_uj=mean("rate_energy_uj"),
                rate_test_acc=mean("rate_test_acc"),
                rate_test_acc_std=std("rate_test_acc"),
                n_images=first["n_images"],
                mapping=mapping,
                dense_macs_per_image=DENSE_MACS,
                zero_skip_macs_per_image=mean("zero_skip_macs_per_image"),
                first_layer_density=mean("first_layer_density"),
                energy_uj_baselines={
                    k: float(np.mean([p["energy_uj_baselines"][k] for p in group]))
                    for k in first["energy_uj_baselines"]
                },
                synops_over_zero_skip=mean("synops_over_zero_skip"),
            )
        )
    return out


def _loihi_choice(folder, settings):
    """How a rate-input emulator run's mapping was chosen, when ``loihi.json`` does not say."""
    t = rf.read_object(folder / "loihi_tune.json", rf.LOIHI_TUNE, missing_ok=True)
    if t is not None:
        b = t["best"]
        keys = ("input_rate", "scale", "presentation_time", "skip")
        if all(k in settings and abs(b[k] - settings[k]) < 1e-9 for k in keys):
            return f"loihi.tune on {t['n_images']} validation images (loihi_tune.json)"
    return "the package's default mapping, fixed in advance"


SOURCES = (_run_points, _pareto_points, _seeds_points, _loihi_points)
"""Functions that yield the points of one kind of result file."""


def collect(results_dir, test):
    """Every spiking point under ``results_dir`` (a list of dicts, see `_point`).

    ``test`` (a `nengo_fashion.data.Split`, the test split) is what the ANN baselines of
    the emulator points are counted on.
    """
    results = Path(results_dir)
    baselines = Baselines(test)
    points = [p for source in SOURCES for p in source(results, baselines)]
    return unique_labels(points + seed_summaries(points), results)


def unique_labels(points, results):
    """The points, each label that several points share followed by the folder of its file
    (relative to ``results``): no two rows of a table are labelled the same."""
    count = collections.Counter(p["label"] for p in points)
    for p in points:
        if count[p["label"]] > 1:
            p["label"] += f" [{', '.join(_folder(s, results) for s in p['source'].split(', '))}]"
    return points


def _folder(source, results):
    folder = Path(source).parent
    try:
        return folder.relative_to(results).as_posix()
    except ValueError:
        return str(folder)


ENERGY_BARS = (
    ("Loihi (estimate)", None),
    ("zero-skip ANN, int8", "zero_skip_int8"),
    ("zero-skip ANN, fp32", "zero_skip_fp32"),
    ("dense ANN, int8", "dense_int8"),
    ("dense ANN, fp32", "dense_fp32"),
)
"""The energy panel's bars per emulator point: label, key of ``energy_uj_baselines``."""


def plot(points, path):
    """Three panels: test accuracy against operations per image (emulator points and the
    zero-skipping ANN of the same weights), against steps, and energy per image."""
    from ...plots import _pyplot, save_png

    plt = _pyplot()
    fig, (ax1, ax2, ax3) = plt.subplots(
        1, 3, figsize=(21, 6), gridspec_kw={"width_ratios": [1.1, 1, 1.1]}
    )
    chip = [p for p in points if p.get("synops_per_image") is not None]
    for p in chip:
        ax1.scatter(p["synops_per_image"], p["test_acc"] * 100, s=40, marker="s")
        ax1.annotate(p["label"], (p["synops_per_image"], p["test_acc"] * 100), fontsize=6)
        if p.get("zero_skip_macs_per_image") and p.get("rate_test_acc") is not None:
            # the ANN of the same weights: its MACs, at the rate net's accuracy
            ax1.plot(
                [p["zero_skip_macs_per_image"]],
                [p["rate_test_acc"] * 100],
                "kx",
                ms=6,
                label="zero-skipping ANN, same weights" if p is chip[0] else None,
            )
    ax1.axvline(DENSE_MACS, color="k", ls="--", label=f"dense net: {DENSE_MACS:,} MACs")
    ax1.set_xscale("log")
    ax1.set_xlabel("operations per image (log): synops (squares), ANN MACs (x)")
    ax1.set_ylabel("test accuracy (%)")
    ax1.set_title("nengo-loihi emulator against the ANNs of the same weights")
    ax1.legend(loc="lower right", fontsize=8)
    markers = {"nengo_dl": "o", "loihi": "s"}
    for p in points:
        err = p.get("test_acc_std")
        ax2.errorbar(
            p["steps"],
            p["test_acc"] * 100,
            yerr=None if err is None else err * 100,
            fmt=markers[p["kind"]],
            ms=5,
            capsize=3,
        )
        ax2.annotate(p["label"], (p["steps"], p["test_acc"] * 100), fontsize=6)
    ax2.set_xscale("log", base=2)
    ax2.set_xlabel("timesteps per image (dt 1 ms; log)")
    ax2.set_ylabel("test accuracy (%)")
    ax2.set_title("accuracy against latency (o NengoDL, s Loihi emulator)")
    lo = min(p["test_acc"] for p in points) * 100 if points else 80
    for ax in (ax1, ax2):
        ax.set_ylim(max(lo - 1, 50), None)
        ax.grid(alpha=0.3)
    with_base = [p for p in chip if p.get("energy_uj_baselines")]
    height = 0.8 / len(ENERGY_BARS)
    for i, (label, key) in enumerate(ENERGY_BARS):
        values = [
            p["energy_uj"] if key is None else p["energy_uj_baselines"][key] for p in with_base
        ]
        ax3.barh(np.arange(len(with_base)) + i * height, values, height=height, label=label)
    ax3.set_yticks(np.arange(len(with_base)) + 0.4 - height / 2)
    ax3.set_yticklabels([p["label"] for p in with_base], fontsize=6)
    ax3.set_xscale("log")
    ax3.set_xlabel("energy per image (uJ, log): estimates")
    ax3.set_title("energy estimate: Loihi against the ANN baselines")
    ax3.legend(loc="lower right", fontsize=7)
    ax3.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return save_png(fig, path)


@dataclasses.dataclass(frozen=True)
class EfficiencyConfig:
    """Where the result files are gathered from, and where the table and figure go.

    Parameters
    ----------
    results : str or Path
        The folder of the committed results to gather.
    data_dir : str or Path or None
        Folder of the Fashion-MNIST files (`nengo_fashion.data.load`): the test images
        the ANN baselines are counted on.
    out : str or Path or None
        Output folder (default ``RESULTS/efficiency``).
    overwrite : bool
        Replace `FILE_NAME` and `FIGURE` if they exist (else they are refused).
    """

    results: Path = knob(
        "results", "folder of the committed results to gather (default results)", metavar="DIR"
    )
    data_dir: Optional[Path] = None
    out: Optional[Path] = None
    overwrite: bool = False

    def __post_init__(self):
        check_field_types(self)
        if not str(self.results):
            raise ConfigError("results must name a folder")


def run_efficiency(config, *, log=print, show=print):
    """Gather every spiking point under ``config.results``; write `FILE_NAME` and `FIGURE`.

    Each point is shown as one line (``show``: test accuracy, steps, synaptic operations
    and label); ``log`` gets the progress. Returns the points (a list of dicts, see
    `collect`). A folder with no spiking result is a `RunError`, and nothing is written.
    """
    check_results_dir(config.results)
    outputs = Outputs(
        config.out or Path(config.results) / "efficiency",
        [FILE_NAME, FIGURE],
        overwrite=config.overwrite,
    )
    test = data_mod.load(config.data_dir).test  # what the ANN baselines are counted on
    points = collect(config.results, test)
    if not points:
        raise RunError(
            f"--results {config.results} holds no spiking result to gather (no "
            "*/results.json, pareto, seeds or loihi.json); nothing was written"
        )
    with outputs.staging() as stage:
        table = {
            "dense_macs_per_image": DENSE_MACS,
            "points": points,
            "results": str(config.results),
        }
        write_json(stage / FILE_NAME, table)
        plot(points, stage / FIGURE)
    for p in points:
        ops = f"{p['synops_per_image']:>9,.0f}" if "synops_per_image" in p else " " * 9
        show(f"{p['test_acc'] * 100:6.2f} %  {p['steps']:3d} steps  {ops}  {p['label']}")
    out = outputs.folder
    log(f"wrote {out / FILE_NAME} and {out / FIGURE} ({len(points)} points)")
    return points
