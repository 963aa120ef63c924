"""Per-module summary of a mutmut run, as ``results/mutation.json``.

Run after ``mutmut run`` in the folder where it ran (a copy of the repository, see
docs/development.md, "Mutation testing")::

    python -m tools.mutation_report --json results/mutation.json --label after

It reads mutmut's own verdicts (``mutants/<module>.py.meta``, one exit code per mutant,
mapped to a status by ``mutmut.stats.status_by_exit_code``) and the configuration
(``[tool.mutmut]`` of ``pyproject.toml``), and writes (or updates, keyed by ``--label``)
one entry: the command, mutmut's version, and per module the counts of killed, survived,
no tests, timeout and the other statuses, the score (killed + timeout over all mutants),
and the names of the survivors.
"""

import argparse
import collections
import json
import sys
from importlib.metadata import version
from pathlib import Path

STATUSES = ("killed", "survived", "no tests", "timeout", "suspicious", "skipped", "segfault")


def summarise(root="."):
    """Per-module counts of the statuses of the mutants under ``root/mutants``."""
    import tomllib  # Python 3.11+, as mutmut 3 needs
    from mutmut.stats import status_by_exit_code

    root = Path(root)
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["mutmut"]
    modules = {}
    for rel in config["only_mutate"]:
        meta = root / "mutants" / (rel + ".meta")
        if not meta.exists():
            continue
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        status = {name: status_by_exit_code[code] for name, code in codes.items()}
        counts = collections.Counter(status.values())
        total = len(status)
        if counts["not checked"] == total:  # not run yet (mutmut run NAMES... ran others)
            continue
        caught = counts["killed"] + counts["timeout"]
        modules[rel] = {
            "mutants": total,
            **{s.replace(" ", "_"): counts[s] for s in STATUSES},
            "not_checked": counts["not checked"],
            "score": round(100 * caught / total, 1) if total else None,
            "survivors": sorted(n for n, s in status.items() if s in ("survived", "no tests")),
        }
    totals = collections.Counter()
    for m in modules.values():
        totals.update({k: v for k, v in m.items() if isinstance(v, int)})
    total = totals["mutants"]
    overall = dict(totals)
    overall["score"] = (
        round(100 * (totals["killed"] + totals["timeout"]) / total, 1) if total else None
    )
    return {"modules": modules, "total": overall, "config": config}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", default=".", help="where mutmut ran (holds mutants/)")
    p.add_argument("--json", required=True, help="file to write or update")
    p.add_argument("--label", required=True, help="name of this run, e.g. before or after")
    p.add_argument("--command", default="mutmut run --max-children 2", help="what was run")
    args = p.parse_args(argv)
    summary = summarise(args.root)
    if any(m["not_checked"] for m in summary["modules"].values()):
        print("some mutants are not checked yet: finish mutmut run first", file=sys.stderr)
        return 2
    path = Path(args.json)
    doc = json.loads(path.read_text()) if path.exists() else {}
    doc[args.label] = {"tool": f"mutmut {version('mutmut')}", "command": args.command, **summary}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1) + "\n")
    for rel, m in summary["modules"].items():
        print(
            f"{rel}: {m['mutants']} mutants, {m['killed']} killed, {m['survived']} survived, "
            f"{m['no_tests']} no tests, {m['timeout']} timeout, score {m['score']} %"
        )
    t = summary["total"]
    print(f"total: {t['mutants']} mutants, {t['killed']} killed, score {t['score']} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
