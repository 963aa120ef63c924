"""Refresh the runs shipped inside the package from the committed runs under ``results/``.

Usage::

    python -m tools.package_models          # results/NAME/FILES -> nengo_fashion/models/NAME/
    python -m tools.package_models --check  # list the copies that differ; exit 1 if any

The packaged runs (`nengo_fashion.models.RUNS`) and their files (`nengo_fashion.models.FILES`)
are byte-for-byte copies of the committed runs of the same name; ``tests/test_package.py``
fails when a retrained, committed run and its packaged copy differ. Run this after
committing a new ``results/best-relu`` (each file is written atomically).
"""

import shutil
import sys
from pathlib import Path

from nengo_fashion.atomic import atomic_path
from nengo_fashion.cli import ArgumentParser, run_cli
from nengo_fashion.errors import RunError
from nengo_fashion.models import FILES, RUNS

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"
PACKAGED = ROOT / "nengo_fashion" / "models"


def pairs(results=RESULTS, packaged=PACKAGED):
    """``(committed file, packaged copy)`` for every file of every packaged run."""
    return [(results / run / f, packaged / run / f) for run in RUNS for f in FILES]


def differences(results=RESULTS, packaged=PACKAGED):
    """The packaged copies (relative to the repository) that are missing or differ."""
    out = []
    for source, copy in pairs(results, packaged):
        if not source.is_file():
            raise RunError(f"{source} is missing: a packaged run must be a committed run")
        if not copy.is_file() or copy.read_bytes() != source.read_bytes():
            out.append(copy.relative_to(ROOT).as_posix())
    return out


def refresh(results=RESULTS, packaged=PACKAGED):
    """Copy each file that differs into the package; returns the copies written."""
    written = differences(results, packaged)
    for source, copy in pairs(results, packaged):
        if copy.relative_to(ROOT).as_posix() in written:
            with atomic_path(copy) as tmp:
                shutil.copyfile(source, tmp)
    return written


def main(argv=None):
    p = ArgumentParser(
        prog="python -m tools.package_models",
        description="Copy the committed runs' files into nengo_fashion/models/ (the runs "
        "the package ships), or check that they are equal (--check).",
    )
    p.add_argument("--check", action="store_true", help="only list the copies that differ")
    args = p.parse_args(argv)
    found = []

    def run():
        found.extend(differences() if args.check else refresh())
        verb = "differs" if args.check else "refreshed"
        for name in found:
            print(f"{name}: {verb}")
        if not found:
            print(f"the packaged runs ({', '.join(RUNS)}) equal results/")

    code = run_cli(run)
    return 1 if code == 0 and args.check and found else code


if __name__ == "__main__":
    sys.exit(main())
