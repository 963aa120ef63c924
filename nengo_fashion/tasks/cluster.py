"""A Dask cluster to run tasks on: started on this machine, or an existing one connected to.

Dask (``distributed``) is optional: `require_dask` names the install when it is missing.
A local cluster listens on 127.0.0.1 only, its workers are spawned with `WORKER_ENV`
and preload `nengo_fashion.tasks.worker` (Ctrl-C is the client's). A remote scheduler
is probed with a plain socket first (`probe_scheduler`), then must have a worker and
run this machine's package versions.
"""

import contextlib
import logging
import os

from ..errors import MissingDependencyError, RunError
from .probe import PROBE_TIMEOUT, START_HINT, SchedulerError, probe_scheduler
from .worker import WORKER_ENV

INSTALL = 'pip install -e ".[distributed]"'
"""How to install Dask (the ``distributed`` extra pins ``dask[distributed]``)."""

CLIENT_TIMEOUT = 5.0
"""Seconds `distributed.Client` may take to connect once the probe found a Dask server."""


def have_dask():
    """Whether ``distributed`` (Dask's scheduler and workers) can be imported."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


def require_dask(option="--scheduler"):
    """Import and return ``distributed``, or raise `MissingDependencyError` naming the install."""
    try:
        import distributed
    except ImportError:
        raise MissingDependencyError(
            f"{option} needs Dask, which is not installed; install it with: {INSTALL}"
        ) from None
    return distributed


def start_local(workers):
    """Start a local cluster of ``workers`` single-threaded processes; ``(cluster, client)``."""
    import dask
    import distributed

    env = dict(WORKER_ENV)
    env["TF_CPP_MIN_LOG_LEVEL"] = os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")
    with dask.config.set({"distributed.worker.multiprocessing-method": "spawn"}):
        cluster = distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,  # no dashboard; its HTTP server on a free port:
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            memory_limit=0,
            silence_logs=logging.ERROR,
            env=env,
            preload=["nengo_fashion.tasks.worker"],  # dask_setup: Ctrl-C is the client's
        )
    try:
        return cluster, distributed.Client(cluster, set_as_default=False)
    except BaseException:
        cluster.close()
        raise


def _close_unfinished_client(error):
    """Close the `distributed.Client` whose constructor raised ``error``.

    Dask closes it only after an OSError; left open (e.g. after the TypeError of a
    worker's address), its ``__del__`` waits 10 s at exit and prints a traceback.
    """
    import distributed

    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is distributed.Client.__init__.__code__:
            client = tb.tb_frame.f_locals.get("self")
            if client is not None and client.status != "closed":
                with contextlib.suppress(Exception):
                    client.close(timeout=CLIENT_TIMEOUT)
            return
        tb = tb.tb_next


def _client(scheduler, connect_timeout):
    """A `distributed.Client` of the probed ``scheduler``, or one line saying why not."""
    import distributed

    try:
        return distributed.Client(
            scheduler, timeout=min(connect_timeout, CLIENT_TIMEOUT), set_as_default=False
        )
    except Exception as e:  # whatever the server did: one line, not a traceback
        _close_unfinished_client(e)
        text = " ".join(str(e).split())[:200]
        detail = f"{type(e).__name__}: {text}" if text else type(e).__name__
        raise SchedulerError(
            f"the Dask server at {scheduler} answered the handshake, but a client cannot "
            f"connect to it ({detail}); is it a scheduler, not a worker? If not, {START_HINT}"
        ) from None


def connect(scheduler, connect_timeout):
    """A `distributed.Client` of the running cluster at ``scheduler`` (``tcp://HOST:PORT``).

    It must answer as a Dask scheduler (`probe_scheduler`), have a worker within
    ``connect_timeout`` seconds, and run this machine's package versions; else one
    line says which of these failed (`SchedulerError` or `RunError`).
    """
    # Client alone would hang on a silent server, or allocate exabytes on bytes
    probe_scheduler(scheduler, min(connect_timeout, PROBE_TIMEOUT))
    client = _client(scheduler, connect_timeout)
    try:
        try:
            client.wait_for_workers(1, timeout=connect_timeout)
        except TimeoutError:
            raise RunError(
                f"the Dask scheduler at {scheduler} has no workers after "
                f"{connect_timeout:g} s; start some with 'dask worker {scheduler}'"
            ) from None
        try:  # the same Python, Dask, numpy, ... everywhere (docs/distributed.md)
            client.get_versions(check=True)
        except ValueError as e:
            raise RunError(
                f"the Dask cluster at {scheduler} runs other package versions than "
                f"this machine; install the same pinned venv everywhere ({e})"
            ) from None
    except BaseException:
        client.close()
        raise
    return client


__all__ = ["INSTALL", "have_dask", "require_dask", "start_local", "connect"]
