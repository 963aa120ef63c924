"""A command's output folder: checked before any work, its files claimed and moved in together."""

import contextlib
import os
import shutil
import signal
import tempfile
from pathlib import Path

from ..errors import OutputError, RunError
from .files import _reason


def _probe_folder(path, option):
    """Make ``path`` (and its missing parents), write and remove a temporary file in it,
    then remove the folders this made: the real test (root, ACLs, read-only file systems,
    ``/proc``), with nothing left behind."""
    made = []
    for folder in reversed([path, *path.parents]):
        if not folder.exists():
            try:
                folder.mkdir()
            except FileExistsError:
                continue
            except OSError as e:
                _remove_made(made)
                raise OutputError(
                    f"{option} {path} cannot be written (cannot make {folder}: "
                    f"{e.strerror or e}); choose another folder"
                ) from None
            made.append(folder)
    try:
        fd, probe = tempfile.mkstemp(prefix=".write-check.", dir=path)
        os.close(fd)
        os.remove(probe)
    except OSError as e:
        raise OutputError(
            f"{option} {path} cannot be written ({e.strerror or e}); choose another folder"
        ) from None
    finally:
        _remove_made(made)


def _remove_made(made):
    for folder in reversed(made):
        with contextlib.suppress(OSError):
            folder.rmdir()


def prepare_out_dir(path, option="--out"):
    """Check that the output folder ``path`` can be written; return it as a `Path`.

    Every command calls this before it computes anything, so that a bad ``--out``
    fails within seconds (`OutputError`, one line) instead of after the work. The
    check makes the folder and a temporary file in it (``os.access`` says yes to
    root everywhere), then removes what it made: an existing folder is fine (the
    outputs land inside it under their documented names); a missing one is created
    only when the first output is written, so a command that fails early leaves
    nothing behind.

    Parameters
    ----------
    path : str or Path
        The folder.
    option : str
        The option's name, for the error message.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(
            f"{option} {path} is a file; {option} takes a folder (the outputs are written "
            "inside it under fixed names)"
        )
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"{option} {path} cannot be written ({parent} is a file)")
            break
    _probe_folder(path, option)
    return path


def _exists_error(path, option):
    return OutputError(
        f"{path} already exists (a result made before); pass --overwrite to replace it, "
        f"or {option} to write elsewhere"
    )


def check_out_file(path, option="--json", *, overwrite=True):
    """Check, before any work, that the file ``path`` can be written; return it.

    With ``overwrite=False`` an existing ``path`` is refused (`OutputError`).
    """
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{option} {path} is a folder; {option} takes a file name")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"{option} {path} cannot be written ({parent} is a file)")
            break
    if not overwrite and path.exists():
        raise _exists_error(path, option)
    prepare_out_dir(path.parent, option)
    return path


@contextlib.contextmanager
def signals_held():
    """Hold SIGINT and SIGTERM for the duration (they are delivered when it ends), so
    that a few renames that belong together are done all or none."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class Outputs:
    """The result files that one command writes into one folder: claimed before any work,
    written together or not at all.

    ``Outputs(folder, names, overwrite=...)`` checks that the folder can be written and,
    unless ``overwrite``, that no file matching ``names`` (names or glob patterns) is
    there already: a command never replaces a result made before unless told to.
    ``with outputs.staging() as stage:`` yields a hidden temporary folder; when the
    block ends without an error, every file written in it is moved into ``folder`` at
    once (Ctrl-C and SIGTERM are held for those few renames, and without ``overwrite``
    each move is exclusive: a file that appeared meanwhile is never replaced). On an
    error or an interrupt, the temporary folder is removed and ``folder`` is as before.

    Parameters
    ----------
    folder : str or Path
        The output folder (created when the files are moved in).
    names : sequence of str
        The files the command writes, as names or glob patterns (``sweep_*.png``).
    overwrite : bool
        Whether an existing file of these names may be replaced.
    option : str
        The option that chooses ``folder``, for the error messages.
    """

    def __init__(self, folder, names, *, overwrite=False, option="--out"):
        self.folder = prepare_out_dir(folder, option)
        self.names = list(names)
        self.overwrite = overwrite
        self.option = option
        if not overwrite:
            for existing in self.existing():
                raise _exists_error(existing, option)

    def existing(self):
        """The files in ``folder`` that match the claimed names."""
        if not self.folder.is_dir():
            return []
        return sorted({p for name in self.names for p in self.folder.glob(name) if p.is_file()})

    @contextlib.contextmanager
    def staging(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=".outputs.", suffix=".tmp", dir=self.folder))
        try:
            yield stage
            with signals_held():
                self._commit(stage)
        except OSError as e:  # a full disk: one line (a result file rescues itself)
            raise OutputError(
                f"could not write the outputs in {self.folder} ({_reason(e)}); nothing "
                "was replaced"
            ) from None
        finally:
            shutil.rmtree(stage, ignore_errors=True)

    def _commit(self, stage):
        files = sorted(p for p in stage.rglob("*") if p.is_file() and not p.name.startswith("."))
        if not self.overwrite:
            clash = [self.folder / f.relative_to(stage) for f in files]
            clash = [p for p in clash if p.exists()]
            if clash:
                keep = Path(tempfile.mkdtemp(prefix="unsaved-", dir=self.folder))
                for f in files:
                    (keep / f.relative_to(stage)).parent.mkdir(parents=True, exist_ok=True)
                    os.replace(f, keep / f.relative_to(stage))
                raise OutputError(
                    f"{clash[0]} appeared while this command ran; nothing was replaced and "
                    f"this run's files were kept in {keep}"
                )
        # with overwrite, the new files replace the old set whole: a claimed file of the
        # old result that this one does not have (a plot of an axis no longer swept) goes
        stale = set(self.existing()) - {self.folder / f.relative_to(stage) for f in files}
        for f in files:
            dest = self.folder / f.relative_to(stage)
            dest.parent.mkdir(parents=True, exist_ok=True)
            if self.overwrite:
                os.replace(f, dest)
            else:
                try:
                    os.link(f, dest)  # exclusive: fails if dest exists
                except FileExistsError:
                    raise _exists_error(dest, self.option) from None
                os.remove(f)
        for f in sorted(stale):
            with contextlib.suppress(FileNotFoundError):
                os.remove(f)


def check_results_dir(path, option="--results"):
    """Check that ``path`` is a folder of results (at least one ``*.json`` in it or one
    level down); return it as a `Path`. A typo must not read as "no results"."""
    path = Path(path)
    if not path.is_dir():
        raise RunError(
            f"{option} {path} is not a folder"
            + ("" if path.exists() else " (it does not exist)")
            + "; give the folder of result files, e.g. results"
        )
    if not any(path.glob("*.json")) and not any(path.glob("*/*.json")):
        raise RunError(f"{option} {path} holds no result files (*.json); check the path")
    return path
