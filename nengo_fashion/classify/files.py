"""Classify picture files and print the answers: the work of ``python -m nengo_fashion.predict``.

`classify_files` takes a `FilesConfig` (the pictures, the run, `PredictConfig`'s options and
what to print and write), prints one line per picture (`format_line`) and one ``skipped``
line per file that could not be read, and writes the answers as JSON if asked. The command
(`nengo_fashion.commands.predict`) builds the config from its options and runs it inside
`escaping_output`, so that a file name the terminal cannot encode is escaped, not a crash.
"""

import contextlib
import dataclasses
import sys
from pathlib import Path
from typing import Optional

from ..atomic import check_out_file, write_json
from ..data import N_CLASSES
from ..errors import ConfigError, OutputError
from ..knobs import is_int, knob
from .classifier import Classifier, PredictConfig
from .prediction import format_line


@dataclasses.dataclass(frozen=True)
class FilesConfig(PredictConfig):
    """Pictures to classify and what to print and write: a `PredictConfig` with more fields.

    Parameters
    ----------
    paths : tuple of (str or Path)
        Image files and folders of them (a folder's files by name).
    run : str or Path or None
        A run folder, or the name of a run shipped in the package (`resolve_run`); None:
        `DEFAULT_RUN`.
    top : int
        The best classes each line shows, 1-10.
    json : str or Path or None
        Also write all answers (`Prediction.asdict`) to this file.
    overwrite : bool
        Replace an existing ``json`` file (else it is refused, before any work).
    errors : {"raise", "skip"}
        As in `PredictConfig`, but ``"skip"`` by default: every readable picture is
        answered, each unreadable one listed.

    The other fields are `PredictConfig`'s.
    """

    paths: tuple = ()
    run: Optional[Path] = knob(
        None,
        "run folder, or the name of a run shipped in the package (default: best-relu, the "
        "copy of the committed run with the best rate and spiking test accuracy)",
    )
    top: int = 1
    json: Optional[Path] = knob(None, "also write all answers to FILE", metavar="FILE")
    overwrite: bool = knob(False, "replace an existing --json FILE", parse="flag")
    errors: str = "skip"

    def __post_init__(self):
        super().__post_init__()
        if isinstance(self.paths, (str, Path)) or not self.paths:
            raise ConfigError("paths must be a non-empty list of image files and folders")
        object.__setattr__(self, "paths", tuple(self.paths))
        if not is_int(self.top) or not 1 <= self.top <= N_CLASSES:
            raise ConfigError(f"top must be an integer in 1..{N_CLASSES}, got {self.top!r}")


def classify_files(config, *, quiet=False):
    """Classify ``config.paths`` with ``config.run``: one line per picture on stdout.

    The lines are `format_line`'s; each file that could not be read gets a ``skipped``
    line on stderr, and then one ``error:`` line that counts them. ``config.json`` is
    checked before any work and written after the lines (`Prediction.asdict`).

    Parameters
    ----------
    config : FilesConfig
        The pictures, the run and how to classify them.
    quiet : bool
        Print no progress on stderr.

    Returns
    -------
    Prediction
        What was answered (``failed`` lists the files that were not).
    """
    if config.json:
        check_out_file(config.json, "--json")
        if Path(config.json).exists() and not config.overwrite:
            raise OutputError(
                f"--json {config.json} already exists; pass --overwrite to replace it"
            )
    clf = Classifier(config.run)
    r = clf.predict(list(config.paths), config=config, quiet=quiet)
    for _, reason in r.failed:
        print(f"skipped {reason}", file=sys.stderr)
    for i in range(len(r)):
        print(format_line(r, i, config.top))
    sys.stdout.flush()
    if config.json:
        write_json(config.json, r.asdict())
    if r.failed:
        total = len(r) + len(r.failed)
        print(
            f"error: {len(r.failed)} of {total} files could not be classified (listed above)",
            file=sys.stderr,
        )
    return r


@contextlib.contextmanager
def escaping_output():
    """While the command runs, text that stdout's or stderr's encoding cannot write (a name
    in UTF-8 on an ASCII terminal) is written as backslash escapes, not a crash."""
    changed = []
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (AttributeError, ValueError, OSError):
                continue
            changed.append(stream)
    try:
        yield
    finally:
        for stream in changed:
            stream.reconfigure(errors="strict")
