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
* ``**/loihi.json`` (``python -m loihi``): the nengo-loihi emulator, with the
  synaptic operations counted from its spikes (`nengo_fashion.inference.synops`).

Every point's accuracy is on the test split and every choice behind it was made
on the validation split (or fixed in advance): the ``chosen`` column says which.
NengoDL feeds the pixels as currents, so its points have no input spikes and
their synaptic operations are not comparable with a chip's: they appear in the
steps panel only. The dense net's multiply-accumulates per image (101,632) are
the vertical line of the synops panel.

Writes ``efficiency.json`` (the points) and ``efficiency.png`` (two panels).
"""

import sys
from pathlib import Path

from ..atomic import Outputs, check_results_dir, read_json, write_json
from ..cli import ArgumentParser, add_output_args, run_cli
from ..errors import RunError
from ..inference.synops import DENSE_MACS
from ..progress import make_log

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


def _run_points(results):
    for path in sorted(results.glob("*/results.json")):
        r = read_json(path)
        s = r.get("spiking")
        if s is None or s["dt"] != 0.001:  # the teacher; other time steps
            continue
        yield _point(
            f"{path.parent.name} (NengoDL)",
            "nengo_dl",
            path,
            s["steps"],
            r["spiking_test_acc"],
            "default setting, fixed before training",
            rate_test_acc=r["rate_test_acc"],
            hidden_spikes_per_image=r.get("spikes_per_image"),
        )


def _pareto_points(results):
    for path in sorted(results.glob("pareto/*/pareto.json")):
        r = read_json(path)
        c = r["chosen_test"]
        if c is None:
            continue
        yield _point(
            f"{path.parent.name} (NengoDL, pareto)",
            "nengo_dl",
            path,
            c["steps"],
            c["accuracy"],
            "fewest steps within 0.5 % of the rate net on validation",
            rate_test_acc=r["rate_test_acc"],
            hidden_spikes_per_image=c["spikes_per_image"],
        )


def _seeds_points(results):
    for path in sorted(results.glob("seeds/*/seeds.json")):
        r = read_json(path)
        first = Path(r["per_seed"][0]["run"])
        config = path.parent / first.name / "config.json"
        if not config.exists():
            continue
        s = read_json(config)["spiking"]
        if s["dt"] != 0.001:
            continue
        yield _point(
            f"{path.parent.name} x{len(r['seeds'])} seeds (NengoDL)",
            "nengo_dl",
            path,
            s["steps"],
            r["mean"]["spiking_test_acc"],
            "default setting, fixed before training; mean of seeds",
            test_acc_std=r["std"]["spiking_test_acc"],
            rate_test_acc=r["mean"]["rate_test_acc"],
        )


def _loihi_points(results):
    for path in sorted(results.glob("**/loihi.json")):
        r = read_json(path)
        if "synops_per_image" not in r or r.get("split", "test") != "test":
            continue
        st = r["settings"]
        mapping = {"ttfs": "TTFS"}.get(st.get("input_code", "rate"), "rate")
        run = Path(r.get("run", path.parent)).name
        yield _point(
            f"{run} (Loihi emulator, {mapping} input)",
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
        )


def _loihi_choice(folder, settings):
    """How a rate-input emulator run's mapping was chosen, when ``loihi.json`` does not say."""
    tune = folder / "loihi_tune.json"
    if tune.exists():
        t = read_json(tune)
        b = t["best"]
        keys = ("input_rate", "scale", "presentation_time", "skip")
        if all(abs(b[k] - settings[k]) < 1e-9 for k in keys):
            return f"loihi.tune on {t['n_images']} validation images (loihi_tune.json)"
    return "the package's default mapping, fixed in advance"


SOURCES = (_run_points, _pareto_points, _seeds_points, _loihi_points)
"""Functions that yield the points of one kind of result file."""


def collect(results_dir):
    """Every spiking point under ``results_dir`` (a list of dicts, see `_point`)."""
    results = Path(results_dir)
    return [p for source in SOURCES for p in source(results)]


def plot(points, path):
    """Two panels: test accuracy against synops per image (chip points) and against steps."""
    from ..plots import _pyplot, save_png

    plt = _pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 5.5))
    chip = [p for p in points if p.get("synops_per_image") is not None]
    for p in chip:
        ax1.scatter(p["synops_per_image"], p["test_acc"] * 100, s=40)
        ax1.annotate(p["label"], (p["synops_per_image"], p["test_acc"] * 100), fontsize=7)
    ax1.axvline(DENSE_MACS, color="k", ls="--", label=f"dense net: {DENSE_MACS:,} MACs")
    ax1.set_xscale("log")
    ax1.set_xlabel("synaptic operations per image (log)")
    ax1.set_ylabel("test accuracy (%)")
    ax1.set_title("nengo-loihi emulator: accuracy against synaptic operations")
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
    return save_png(fig, path)


def make_parser():
    p = ArgumentParser(
        prog="python -m nengo_fashion.studies.efficiency",
        description="Accuracy against synaptic operations and steps, from the result files.",
    )
    p.add_argument(
        "--results",
        default="results",
        metavar="DIR",
        help="folder of the committed results to gather (default results)",
    )
    add_output_args(p, "RESULTS/efficiency", f"{FILE_NAME} and {FIGURE}")
    return p


def main(argv=None):
    args = make_parser().parse_args(argv)

    def run():
        log = make_log(args.quiet)
        check_results_dir(args.results)
        outputs = Outputs(
            args.out or Path(args.results) / "efficiency",
            [FILE_NAME, FIGURE],
            overwrite=args.overwrite,
        )
        out = outputs.folder
        points = collect(args.results)
        if not points:
            raise RunError(
                f"--results {args.results} holds no spiking result to gather (no */results.json, "
                "pareto, seeds or loihi.json); nothing was written"
            )
        with outputs.staging() as stage:
            write_json(
                stage / FILE_NAME,
                {
                    "dense_macs_per_image": DENSE_MACS,
                    "points": points,
                    "results": str(args.results),
                },
            )
            plot(points, stage / FIGURE)
        for p in points:
            ops = f"{p['synops_per_image']:>9,.0f}" if "synops_per_image" in p else " " * 9
            print(f"{p['test_acc'] * 100:6.2f} %  {p['steps']:3d} steps  {ops}  {p['label']}")
        log(f"wrote {out / FILE_NAME} and {out / FIGURE} ({len(points)} points)")

    return run_cli(run)


if __name__ == "__main__":
    sys.exit(main())
