"""The ``--scheduler`` and ``--workers`` options of the commands that run tasks, and the
`TaskRunner` they make."""

import argparse

from ..cli import positive_int
from ..errors import NengoFashionError
from .probe import check_scheduler
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
    """A `TaskRunner` from the ``--scheduler``/``--workers``/``--quiet`` options."""
    return TaskRunner(
        getattr(args, "scheduler", None),
        getattr(args, "workers", None),
        quiet=getattr(args, "quiet", False),
        log=log,
    )


__all__ = ["scheduler_address", "add_scheduler_args", "runner_from_args"]
