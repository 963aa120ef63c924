"""Atomic writes: a results file or a run folder is either complete or absent.

Files are written to a temporary name in the same folder, flushed, then renamed
with `os.replace`, which is atomic on POSIX. A run folder is built in a hidden
temporary folder beside its final place and renamed into place when complete.
"""

import contextlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from .errors import ConfigError, OutputError, RunError


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _to_jsonable(obj):
    import numpy as np

    if isinstance(obj, dict):
        return {str(k): _to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _to_jsonable(obj.tolist())
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, Path):
        return str(obj)
    return obj


def as_stored(obj):
    """``obj`` as `read_json` reads it back after `write_json`: to compare with a stored file."""
    return json.loads(json.dumps(_to_jsonable(obj)))


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path to write; on success it is renamed to ``path``.

    On an exception the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give a normal file's mode
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise


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
    import signal
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


def _rescue(path, write):
    """Call ``write(path)``; on an OS error, write to a temporary file and say where.

    A finished computation is never lost to a full disk or a missing permission.
    """
    try:
        write(path)
    except OSError as e:
        path = Path(path)
        fd, rescue = tempfile.mkstemp(prefix=f"nengo-fashion-{path.stem}-", suffix=path.suffix)
        os.close(fd)
        try:
            write(Path(rescue))
        except OSError:
            raise OutputError(f"could not write {path} ({e.strerror or e})") from None
        reason = _reason(e)
        raise OutputError(
            f"could not write {path} ({reason}); the result was saved to {rescue}"
        ) from None
    return path


def _write_json_now(path, data):
    with atomic_path(path) as tmp:
        with open(tmp, "w") as f:
            json.dump(data, f, indent=2, sort_keys=False)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())


def write_json(path, data, *, rescue=True):
    """Write ``data`` as indented JSON, atomically. Numpy values are converted.

    If ``path`` cannot be written, the JSON goes to a temporary file and the
    raised `OutputError` names it; with ``rescue=False`` the `OSError` is raised
    instead (inside `fill_folder`, which rescues the whole folder).
    """
    data = _to_jsonable(data)
    if not rescue:
        _write_json_now(path, data)
        return Path(path)
    return _rescue(path, lambda p: _write_json_now(p, data))


def write_text(path, text):
    """Write a text file atomically (rescued like `write_json`)."""

    def write(p):
        with atomic_path(p) as tmp:
            Path(tmp).write_text(text)

    return _rescue(path, write)


def _reason(error):
    """An `OSError`'s reason in words (h5py's carry an errno but no strerror)."""
    if error.errno:
        return os.strerror(error.errno)
    return (error.strerror or str(error) or type(error).__name__).splitlines()[0]


def _rescue_folder(final, fill, error):
    """Call ``fill(folder)`` on a new folder in the system's temporary folder, after
    ``error`` kept ``final`` from being written; raise the `OutputError` that names it."""
    final = Path(final)
    try:
        rescue = Path(tempfile.mkdtemp(prefix=f"nengo-fashion-{final.name}-"))
    except OSError:
        rescue = None
    if rescue is not None:
        try:
            fill(rescue)
        except OSError:
            shutil.rmtree(rescue, ignore_errors=True)
            rescue = None
    if rescue is None:
        raise OutputError(
            f"could not write {final} ({_reason(error)}), nor a copy in {tempfile.gettempdir()}; "
            "free some space and run the command again"
        ) from None
    raise OutputError(
        f"could not write {final} ({_reason(error)}); the finished result was saved to "
        f"{rescue}: move it to {final} once there is room"
    ) from None


def fill_folder(folder, write, final):
    """Write a finished result's files with ``write(folder)``; on a disk error, rescue it.

    ``folder`` is the temporary folder of `atomic_dir`. If ``write`` fails with an
    `OSError` (a full disk, a quota, an I/O error), it is called again on a new folder
    in the system's temporary folder (``$TMPDIR``, else ``/tmp``), and the raised
    `OutputError` names that folder: a finished training is never lost to a full disk.
    ``write`` must write with ``rescue=False`` (`write_json`), so that the error reaches
    this function.

    Parameters
    ----------
    folder : Path
        Where the files go (`atomic_dir`'s temporary folder).
    write : callable
        ``write(folder)`` writes every file; it may be called twice.
    final : str or Path
        The folder the result was meant for, for the message.
    """
    try:
        write(Path(folder))
    except OSError as e:
        _rescue_folder(final, write, e)


def read_json(path):
    """Read a JSON file, with a clear error if it is missing or corrupt."""
    path = Path(path)
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        raise RunError(f"{path} not found") from None
    except json.JSONDecodeError as e:
        raise RunError(f"{path} is not valid JSON ({e})") from None


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


MAX_NAME = 200
"""The longest run name, in characters (file systems allow 255 bytes per name)."""


NAME_HINT = "give a plain name such as my-run (the run is written to --out/NAME)"


def name_problem(name):
    """What is wrong with the run name ``name`` (a phrase), or None if it is fine.

    A run name is one path component: not empty, not ``.`` or ``..``, without ``/``, a
    NUL or another control character, not hidden (names starting with a dot are this
    module's temporary folders and locks) and at most `MAX_NAME` characters. So
    ``--name`` can never reach ``--out`` itself, its parent or any other folder.
    """
    if not isinstance(name, str):
        return "is not a string"
    if not name:
        return "is empty"
    if name in (".", ".."):
        return "names a folder itself, not a run inside --out"
    if "/" in name or os.sep in name or (os.altsep and os.altsep in name):
        return "holds a path separator"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "holds a control character"
    if name.startswith("."):
        return "starts with a dot (hidden names are temporary folders)"
    if len(name) > MAX_NAME:
        return f"is longer than {MAX_NAME} characters"
    return None


def check_name(name, option="--name"):
    """Return ``name`` if it is a run name (`name_problem`), else raise `ConfigError`."""
    bad = name_problem(name)
    if bad:
        raise ConfigError(f"{option} {name!r} {bad}; {NAME_HINT}")
    return name


def child_folder(out, name, option="--name"):
    """The folder ``out/name`` after `check_name`: the one way a run folder's path is made."""
    return Path(out) / check_name(name, option)


@contextlib.contextmanager
def _name_lock(path):
    """Hold an exclusive lock on the name ``path`` (a hidden ``.NAME.lock`` beside it) for
    the duration, so that two commands never build the same folder at once. The kernel
    drops the lock when the process dies, so a killed command leaves no stale lock."""
    import fcntl

    lock = path.parent / f".{path.name}.lock"
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666 & ~_umask())
        except OSError as e:
            raise OutputError(f"cannot write in {path.parent} ({_reason(e)})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RunError(
                f"{path} is being written by another command right now; wait for it, or "
                "choose another --name"
            ) from None
        try:  # the lock file may have been removed and made again meanwhile
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(lock)
        os.close(fd)


@contextlib.contextmanager
def atomic_dir(path, overwrite=False):
    """Build a folder in a temporary place; rename it to ``path`` when complete.

    The name is locked for the whole build (a second command building the same
    ``path`` fails at once with `RunError`), and without ``overwrite`` the final rename
    never replaces a folder, whoever made it.

    Parameters
    ----------
    path : str or Path
        The final folder.
    overwrite : bool
        If False and ``path`` exists, raise `RunError` before anything is done.
        If True, the old folder is replaced only once the new one is complete.
    """
    path = Path(path)

    def refuse():
        return RunError(
            f"{path} already exists; pass --overwrite to replace it or --name to "
            "choose another run name"
        )

    if path.exists() and not overwrite:
        raise refuse()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _name_lock(path):
        _clean_after_kill(path)
        if path.exists() and not overwrite:
            raise refuse()
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
        except OSError as e:
            raise OutputError(
                f"cannot make a folder in {path.parent} ({_reason(e)}); free some space or "
                "choose another --out"
            ) from None
        os.chmod(tmp, 0o777 & ~_umask())
        try:
            yield tmp
            with signals_held():
                try:
                    _commit_dir(tmp, path, overwrite)
                except OSError as e:  # a full disk while renaming: the result is complete
                    _rescue_folder(path, lambda d: shutil.copytree(tmp, d, dirs_exist_ok=True), e)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def _clean_after_kill(path):
    """Remove what a killed builder of ``path`` left (SIGKILL runs no clean-up).

    Called with the name lock held, so no live command is building ``path``: its hidden
    ``.NAME.*.tmp`` folders are stale. A ``.NAME.*.old`` folder holds the run that an
    ``--overwrite`` was replacing; if ``path`` is gone, that run goes back in place.
    """
    own = re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}\.(tmp|old)")  # mkdtemp's
    for stale in sorted(path.parent.iterdir(), key=lambda p: not p.name.endswith(".old")):
        if not (own.fullmatch(stale.name) and stale.is_dir()):
            continue
        if stale.name.endswith(".old") and (stale / "run").is_dir() and not path.exists():
            os.replace(stale / "run", path)
        shutil.rmtree(stale, ignore_errors=True)


def _commit_dir(tmp, path, overwrite):
    """Move the complete folder ``tmp`` to ``path`` (see `atomic_dir`)."""
    if path.exists() and overwrite:
        old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
        os.replace(path, old / "run")
        try:
            os.replace(tmp, path)
        except BaseException:  # the old run goes back where it was
            os.replace(old / "run", path)
            old.rmdir()
            raise
        shutil.rmtree(old)
    elif path.exists():  # made by something that does not take the lock
        keep = Path(tempfile.mkdtemp(prefix=f"{path.name}.unsaved-", dir=path.parent))
        os.replace(tmp, keep / "run")
        raise RunError(
            f"{path} appeared while this command ran; it was not replaced, and "
            f"this run was kept in {keep / 'run'}"
        )
    else:
        os.replace(tmp, path)
