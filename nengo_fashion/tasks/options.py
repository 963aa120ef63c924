"""The ``--scheduler`` and ``--workers`` options of the commands that run tasks, and the
`TaskRunner` they make."""

import argparse

from ..cli import positive_int
from ..errors import NengoFashionError
from .cluster import INSTALL, have_dask
from .probe import LOCAL, check_scheduler
from .runner import TaskRunner


def scheduler_address(text):
    """argparse type: ``local`` or ``tcp://HOST:PORT`` (a Dask scheduler)."""
    try:
        return check_scheduler(text)
    except NengoFashionError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def add_scheduler_args(parser):
    """``--scheduler`` and ``--workers``: where a command's independent tasks run.

    Without ``--scheduler`` the tasks run one after another in this process (no Dask
    needed); see `TaskRunner` and ``docs/distributed.md``.
    """
    g = parser.add_argument_group(
        "distributed (Dask)", "run the independent tasks in parallel (default: one after another)"
    )
    g.add_argument(
        "--scheduler",
        type=scheduler_address,
        default=None,
        metavar="local|tcp://HOST:PORT",
        help="'local': a Dask cluster on this machine (127.0.0.1) with --workers processes; "
        "tcp://HOST:PORT: an existing cluster ('dask scheduler' + 'dask worker'); needs "
        'pip install -e ".[distributed]"',
    )
    g.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        help="worker processes of --scheduler local, one thread each (default: the number of "
        "cores); alone, it implies --scheduler local",
    )
    return g


def runner_from_args(args, log=None):
    """A `TaskRunner` from the ``--scheduler``/``--workers``/``--quiet`` options.

    A command with ``--processes`` (``python -m loihi``'s chunks): ``--processes N`` (N > 1)
    alone means a local Dask cluster of N workers, or, without Dask, one after another
    (said in one line to ``log``).
    """
    scheduler, workers = getattr(args, "scheduler", None), getattr(args, "workers", None)
    processes = getattr(args, "processes", None) or 1
    if scheduler is None and workers is None and processes > 1:
        if have_dask():
            scheduler, workers = LOCAL, processes
        elif log is not None:
            log(f"Dask is not installed ({INSTALL}): the chunks run one after another")
    return TaskRunner(scheduler, workers, quiet=getattr(args, "quiet", False), log=log)


__all__ = ["scheduler_address", "add_scheduler_args", "runner_from_args"]
