"""Resuming: finished tasks' results kept on disk, so that a command started again computes
only the tasks that are missing or whose arguments changed."""

from pathlib import Path

from ..atomic import as_stored, read_json, write_json
from ..errors import RunError


class TaskStore:
    """Finished tasks' results, one JSON file each, stored with the arguments that made them.

    ``<folder>/<key>.json`` holds ``{"args": ..., "result": ...}``; `get` returns the
    result only if the stored arguments equal the task's, so a changed task is
    computed again.
    """

    def __init__(self, folder):
        self.folder = Path(folder)

    def path(self, key):
        return self.folder / f"{key}.json"

    def get(self, key, args):
        """The stored result of ``key`` if it was made with ``args``, else None."""
        path = self.path(key)
        if not path.exists():
            return None
        try:
            stored = read_json(path)
        except RunError:
            return None
        if not isinstance(stored, dict) or stored.get("args") != as_stored(args):
            return None
        return stored.get("result")

    def put(self, key, args, result):
        """Write ``result`` with its ``args``, atomically (numpy values as plain numbers)."""
        write_json(self.path(key), {"args": args, "result": result})


def resume(tasks, lookup, log=print):
    """Split ``tasks`` into the finished and the rest; say how many were done.

    Parameters
    ----------
    tasks : list of Task
    lookup : callable
        ``lookup(task)``: its stored result, or None if it must be computed.
    log : callable
        Gets ``resuming: 2 of 3 tasks already done`` when some are.

    Returns
    -------
    done : dict
        ``{key: stored result}``.
    todo : list of Task
    """
    done, todo = {}, []
    for task in tasks:
        result = lookup(task)
        if result is None:
            todo.append(task)
        else:
            done[task.key] = result
    if done:
        log(f"resuming: {len(done)} of {len(tasks)} tasks already done")
    return done, todo


__all__ = ["TaskStore", "resume"]
