"""``nengo-fashion NAME [ARGS]``: every command of `COMMANDS` under one console script.

``pip install nengo-fashion`` installs the script (``[project.scripts]`` in
``pyproject.toml``). ``nengo-fashion predict shirt.jpg`` is ``python -m nengo_fashion.predict
shirt.jpg``: the same ``main(argv)`` of the command module (`nengo_fashion.commands.predict`),
imported by its name in `COMMANDS`, so that only the chosen command is imported (the cold
start of ``nengo-fashion predict`` is that of ``python -m nengo_fashion.predict``).
``nengo-fashion --help`` lists the commands with the first sentence of each one's
description; ``nengo-fashion NAME --help`` shows a command's options. A command whose
extra is not installed says which one (`nengo_fashion.cli.run_cli`).
"""

import importlib
import re
import sys
import textwrap

from ..cli import run_cli
from ..extras import missing_dependency
from ..version import __version__
from . import COMMANDS

PROG = "nengo-fashion"

USAGE = f"usage: {PROG} [-h] [--version] COMMAND [ARGS ...]"

WIDTH = 100
"""The width ``--help`` wraps its lines to."""


def _error(message):
    """One line on stderr, as `nengo_fashion.cli.ArgumentParser` writes it; exit status 2."""
    print(f"{PROG}: error: {message} (see {PROG} --help)", file=sys.stderr)
    return 2


def summary(name):
    """The one-line summary of command ``name``: the first sentence of its parser's
    description, or, when its module cannot be imported, the extra it needs."""
    try:
        parser = importlib.import_module(COMMANDS[name][0]).make_parser()
    except ModuleNotFoundError as e:
        missing = missing_dependency(e)
        if missing is None:
            raise
        return f"({missing})"
    text = " ".join((parser.description or "").replace("``", "").split())
    return re.split(r"(?<=\.)\s+(?=[A-Z])", text, maxsplit=1)[0]


def help_text():
    """What ``nengo-fashion --help`` prints: the usage, the commands, the options."""
    width = max(len(name) for name in COMMANDS) + 4
    rows = [
        textwrap.fill(
            summary(name),
            WIDTH,
            initial_indent=f"  {name:<{width - 2}}",
            subsequent_indent=" " * width,
        )
        for name in COMMANDS
    ]
    return "\n".join(
        [
            USAGE,
            "",
            "The spiking Fashion-MNIST classifier's commands; each is also "
            "python -m MODULE (see the README).",
            "",
            "commands:",
            *rows,
            "",
            "options:",
            "  -h, --help  show this help and exit",
            "  --version   print the version and exit",
            "",
            f"{PROG} COMMAND --help shows a command's options.",
        ]
    )


def run_command(name, argv):
    """Import command ``name``'s module and return its ``main(argv)``'s exit status.

    The import runs under `run_cli` too, so that a command module that imports a package
    of an extra that is not installed answers with the one line naming that extra.
    """
    codes = []

    def run():
        module = importlib.import_module(COMMANDS[name][0])
        codes.append(module.main(argv))

    code = run_cli(run)
    return codes[0] if codes else code


def main(argv=None):
    """``nengo-fashion [--help | --version | NAME [ARGS ...]]``; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:
        return _error(f"give a command: {', '.join(COMMANDS)}")
    first, rest = argv[0], argv[1:]
    if first in ("-h", "--help"):
        print(help_text())
        return 0
    if first == "--version":
        print(f"{PROG} {__version__}")
        return 0
    if first not in COMMANDS:
        what = "option" if first.startswith("-") else "command"
        return _error(f"unknown {what} {first!r}; the commands are {', '.join(COMMANDS)}")
    return run_command(first, rest)


if __name__ == "__main__":
    sys.exit(main())
