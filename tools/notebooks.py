"""Re-run the notebooks in place, so their committed outputs match the code.

Usage::

    python -m tools.notebooks --execute          # all notebooks, full mode
    python -m tools.notebooks --execute --fast   # quick check (outputs not for committing)
    python -m tools.notebooks --check            # what a test checks, without running

Executes each ``notebooks/*.ipynb`` top to bottom with nbclient, from the
``notebooks/`` folder, then keeps only minimal metadata. ``--check`` fails on a
hand-typed number in a markdown cell, an absolute path or a login token in an
output, or a notebook without outputs.
"""

import re
import sys
from pathlib import Path

from nengo_fashion.cli import ArgumentParser, run_cli
from nengo_fashion.errors import NengoFashionError

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
_NUMBER = re.compile(r"\d+\.\d+|\d+\s*%")
_REFERENCE = re.compile(r"(Fig\.|Table|chapter)\s*\d+(\.\d+)*(-\d+(\.\d+)*)?")
_ABSOLUTE = re.compile(r"(/usr/|/tmp/|/home/|/root/|/work/|[A-Z]:\\\\)")
_TOKEN = re.compile(r"token=", re.I)


def notebook_paths(folder=NOTEBOOKS):
    return sorted(Path(folder).glob("[0-9][0-9]-*.ipynb"))


def execute(path, fast=False, timeout=1800):
    """Run one notebook in place (``fast``: with ``NENGO_FASHION_FAST=1``); return it."""
    import os

    import nbformat
    from nbclient import NotebookClient

    from nengo_fashion.studies.notebook import FAST_ENV

    nb = nbformat.read(path, as_version=4)
    old = os.environ.get(FAST_ENV)
    os.environ[FAST_ENV] = "1" if fast else "0"
    try:
        NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(Path(path).parent)}},
        ).execute()
    finally:
        if old is None:
            os.environ.pop(FAST_ENV, None)
        else:
            os.environ[FAST_ENV] = old
    minimal_metadata(nb)
    return nb


_TF_LOG = re.compile(r"^\d{4}-\d\d-\d\d [\d:.]+: [IWE] tensorflow/.*$")


def _tf_log_only(output):
    text = output.get("text", "") if output.get("name") == "stderr" else None
    return bool(text) and all(_TF_LOG.match(line) for line in text.strip().splitlines())


def minimal_metadata(nb):
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for cell in nb.cells:
        cell.metadata = {}
        if cell.cell_type == "code":  # drop TensorFlow's C++ start-up log lines
            cell.outputs = [o for o in cell.outputs if not _tf_log_only(o)]


def problems(nb, name=""):
    """What `--check` objects to in a notebook (a list of strings)."""
    found = []
    n_outputs = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            for m in _NUMBER.finditer(_REFERENCE.sub("", cell.source)):
                found.append(f"{name} cell {i}: number {m.group()!r} typed into markdown")
        elif cell.cell_type == "code":
            for out in cell.get("outputs", []):
                n_outputs += 1
                text = str(out.get("text", "")) + str(out.get("data", {}).get("text/plain", ""))
                if out.get("output_type") == "error":
                    found.append(f"{name} cell {i}: an error output")
                if _ABSOLUTE.search(text):
                    found.append(f"{name} cell {i}: an absolute path in an output")
                if _TOKEN.search(text):
                    found.append(f"{name} cell {i}: a token in an output")
    if n_outputs == 0:
        found.append(f"{name}: no outputs (run python -m tools.notebooks --execute)")
    return found


def main(argv=None):
    p = ArgumentParser(prog="python -m tools.notebooks", description=__doc__.splitlines()[0])
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--execute", action="store_true", help="re-run every notebook in place")
    mode.add_argument("--check", action="store_true", help="check the committed notebooks")
    p.add_argument("--fast", action="store_true", help="with --execute: the tests' fast mode")
    p.add_argument("--only", nargs="+", default=None, help="notebook file names")
    args = p.parse_args(argv)

    def run():
        import nbformat

        paths = [q for q in notebook_paths() if not args.only or q.name in args.only]
        found = []
        for path in paths:
            if args.execute:
                print(f"executing {path.name} ...", flush=True)
                nb = execute(path, fast=args.fast)
                nbformat.write(nb, path)
            else:
                nb = nbformat.read(path, as_version=4)
            found += problems(nb, path.name)
        if found:
            raise NengoFashionError("; ".join(found))
        print(f"{len(paths)} notebooks ok")

    return run_cli(run)


if __name__ == "__main__":
    sys.exit(main())
