"""The command, ``python -m tools.report --write|--check FILE ...``, and `render`, which
regenerates one page's text."""

from pathlib import Path

from nengo_fashion.atomic import check_results_dir, write_text
from nengo_fashion.cli import ArgumentParser, run_cli
from nengo_fashion.errors import RunError

from .fragments import FRAGMENTS
from .markers import placeholders, regenerate
from .tables import TABLES

DESCRIPTION = "Markdown tables for the README and docs/, made from the committed result files."


def render(text, results_dir="results"):
    """Return ``text`` with every report block and fragment regenerated."""
    return regenerate(text, TABLES, FRAGMENTS, results_dir)


def _parser():
    p = ArgumentParser(prog="python -m tools.report", description=DESCRIPTION)
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--write",
        metavar="FILE",
        nargs="+",
        help="regenerate the tables and fragments in each FILE",
    )
    mode.add_argument(
        "--check",
        metavar="FILE",
        nargs="+",
        help="exit 1 if a FILE's tables or fragments are stale",
    )
    p.add_argument("--results", default="results", help="folder of result files")
    p.add_argument(
        "--allow-empty",
        action="store_true",
        help="let a table that has rows become a '(no results yet)' placeholder (default: "
        "refuse, as that means a result file is missing)",
    )
    return p


def _render_file(path, args):
    """The text of the page ``path`` and its regenerated text; a `RunError` for a page that
    cannot be read or regenerated, or that would lose a table to a placeholder."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise RunError(f"{path} not found; give a Markdown file with report blocks") from None
    except (IsADirectoryError, UnicodeDecodeError, PermissionError) as e:
        raise RunError(f"{path} cannot be read as text ({e.__class__.__name__})") from None
    try:
        new = render(text, args.results)
    except KeyError as e:
        message = str(e).strip("'\"")
        raise RunError(f"{path}: {message}") from None
    lost = [] if args.allow_empty else placeholders(text, new)
    if lost:
        raise RunError(
            f"{path}: {', '.join(lost)}: their result files are missing under "
            f"{args.results}/, so these would become placeholders; nothing was "
            "written (--allow-empty to accept that)"
        )
    return text, new


def main(argv=None):
    args = _parser().parse_args(argv)
    status = []

    def run():
        check_results_dir(args.results)
        # every file is read and rendered before any is written: one bad file writes nothing
        files = [(path, *_render_file(path, args)) for path in map(Path, args.write or args.check)]
        for path, text, new in files:
            if args.check:
                if new != text:
                    print(
                        f"{path}: tables or fragments are stale; run python -m tools.report "
                        f"--write {path}"
                    )
                    status.append(1)
                else:
                    print(f"{path}: tables and fragments match {args.results}/")
                continue
            if new != text:
                write_text(path, new)
            print(f"{path}: tables and fragments regenerated from {args.results}/")

    rc = run_cli(run)
    return rc or (max(status) if status else 0)
