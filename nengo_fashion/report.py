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


_BLOCK = re.compile(
    r"(<!-- BEGIN report:(?P<name>[\w-]+) -->\n)(?P<body>.*?)(\n<!-- END report:(?P=name) -->)",
    re.S,
)


def render(text, results_dir="results"):
    """Return ``text`` with every report block regenerated."""

    def sub(m):
        name = m.group("name")
        if name not in TABLES:
            raise KeyError(f"unknown report table {name!r}; known: {', '.join(TABLES)}")
        return m.group(1) + TABLES[name](results_dir) + m.group(4)

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
