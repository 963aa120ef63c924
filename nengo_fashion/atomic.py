"""Atomic writes: a results file or a run folder is either complete or absent.

Files are written to a temporary name in the same folder, flushed, then renamed
with `os.replace`, which is atomic on POSIX. A run folder is built in a hidden
temporary folder beside its final place and renamed into place when complete.
"""

import contextlib
import errno
import json
import os
import shutil
import tempfile
from pathlib import Path

from .errors import OutputError, RunError


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


def prepare_out_dir(path, option="--out"):
    """Check that the output folder ``path`` can be written; return it as a `Path`.

    Every command calls this before it computes anything, so that a bad ``--out``
    fails within seconds (`OutputError`, one line) instead of after the work. An
    existing folder is fine (the outputs land inside it under their documented
    names); a missing one is created only when the first output is written, so a
    command that fails early leaves nothing behind.

    Parameters
    ----------
    path : str or Path
        The folder.
    option : str
        The option's name, for the error message.
    """
    path = Path(path)
    if path.exists():
        if not path.is_dir():
            raise OutputError(
                f"{option} {path} is a file; {option} takes a folder (the outputs are written "
                "inside it under fixed names)"
            )
        try:  # the real test: permissions, read-only file systems, ACLs
            fd, probe = tempfile.mkstemp(prefix=".write-check.", dir=path)
            os.close(fd)
            os.remove(probe)
        except OSError as e:
            raise OutputError(
                f"{option} {path} cannot be written ({e.strerror or e}); choose another folder"
            ) from None
        return path
    parent = next(p for p in path.absolute().parents if p.exists())
    if not parent.is_dir():
        raise OutputError(f"{option} {path} cannot be written ({parent} is a file)")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(
            f"{option} {path} cannot be written (no permission to create it in {parent}); "
            "choose another folder"
        )
    return path


def check_out_file(path, option="--json"):
    """Check, before any work, that the file ``path`` can be written; return it."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{option} {path} is a folder; {option} takes a file name")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"{option} {path} cannot be written ({parent} is a file)")
            break
    prepare_out_dir(path.parent, option)
    return path


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
        reason = e.strerror or errno.errorcode.get(e.errno, str(e))
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


def write_json(path, data):
    """Write ``data`` as indented JSON, atomically. Numpy values are converted.

    If ``path`` cannot be written, the JSON goes to a temporary file and the
    raised `OutputError` names it.
    """
    data = _to_jsonable(data)
    return _rescue(path, lambda p: _write_json_now(p, data))


def write_text(path, text):
    """Write a text file atomically (rescued like `write_json`)."""

    def write(p):
        with atomic_path(p) as tmp:
            Path(tmp).write_text(text)

    return _rescue(path, write)


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


@contextlib.contextmanager
def atomic_dir(path, overwrite=False):
    """Build a folder in a temporary place; rename it to ``path`` when complete.

    Parameters
    ----------
    path : str or Path
        The final folder.
    overwrite : bool
        If False and ``path`` exists, raise `RunError` before anything is done.
        If True, the old folder is replaced only once the new one is complete.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise RunError(
            f"{path} already exists; pass --overwrite to replace it or --name to "
            "choose another run name"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    os.chmod(tmp, 0o777 & ~_umask())
    try:
        yield tmp
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
            os.replace(path, old / "run")
            os.replace(tmp, path)
            shutil.rmtree(old)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
