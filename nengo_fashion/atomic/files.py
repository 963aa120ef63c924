"""Atomic files: a results file is either complete or absent, and a full disk loses nothing.

A file is written to a temporary name in the same folder, flushed, then renamed with
`os.replace`, which is atomic on POSIX. A result that cannot be written where asked goes
to a temporary file, which the error names.
"""

import contextlib
import json
import os
import tempfile
from pathlib import Path

from ..errors import OutputError, RunError


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
