"""Atomic writes: a results file or a run folder is either complete or absent.

Files are written to a temporary name in the same folder, flushed, then renamed
with `os.replace`, which is atomic on POSIX. A run folder is built in a hidden
temporary folder beside its final place and renamed into place when complete.
"""

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from .errors import RunError


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


def write_json(path, data):
    """Write ``data`` as indented JSON, atomically. Numpy values are converted."""
    with atomic_path(path) as tmp:
        with open(tmp, "w") as f:
            json.dump(_to_jsonable(data), f, indent=2, sort_keys=False)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())


def write_text(path, text):
    """Write a text file atomically."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text)


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
