"""Run folders: built in a hidden temporary folder, renamed into place when complete.

The name is checked (one folder inside ``--out``) and locked while the folder is built;
a finished folder that cannot be written (a full disk) is rescued to the system's
temporary folder; what a killed builder left is cleaned by the next one.
"""

import contextlib
import os
import re
import shutil
import tempfile
from pathlib import Path

from ..errors import ConfigError, OutputError, RunError
from .files import _reason, _umask
from .outputs import signals_held


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
