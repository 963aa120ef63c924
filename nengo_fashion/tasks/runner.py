"""`Task` and `TaskRunner`: run independent tasks serially, on a local Dask cluster, or on
an existing one, and hand each result to the command as it arrives."""

import dataclasses
import logging
import os
import re
import uuid

from ..errors import ConfigError, RunError
from ..progress import Progress
from . import cluster as _cluster
from .probe import LOCAL, check_scheduler
from .worker import call, single_threaded_blas


@dataclasses.dataclass(frozen=True)
class Task:
    """One independent piece of work.

    Parameters
    ----------
    key : str
        Unique name within a run (``"seed-1"``, ``"cosine-40"``); results are keyed by it.
    func : callable
        A module-level function (workers import it by name).
    kwargs : dict
        Its keyword arguments: everything the result depends on, the seed included.
    size : int
        Items the task counts for in the progress (e.g. images); 1 by default.
    """

    key: str
    func: object
    kwargs: dict
    size: int = 1


class TaskRunner:
    """Run `Task` lists serially, on a local Dask cluster, or on an existing one.

    Use it as a context manager: the cluster starts (or the connection is made)
    when the first task is sent, and a cluster it started is stopped on leaving
    the ``with`` block, also on Ctrl-C or an error. A serial runner needs no
    ``with`` block.

    Parameters
    ----------
    scheduler : {None, "local", "tcp://HOST:PORT"}
        None runs the tasks one after another in this process.
    workers : int, optional
        Worker processes of a local cluster (default: the number of cores). Given
        without ``scheduler``, it means ``scheduler="local"``.
    quiet : bool
        Show no progress.
    log : callable, optional
        Gets one line saying where the tasks run (nothing if None).
    connect_timeout : float
        Seconds to wait for a remote scheduler and its first worker.
    """

    def __init__(self, scheduler=None, workers=None, quiet=False, log=None, connect_timeout=30.0):
        if scheduler is None and workers is not None:
            scheduler = LOCAL
        if scheduler is not None:
            check_scheduler(scheduler)
        if workers is not None and (not isinstance(workers, int) or workers < 1):
            raise ConfigError(f"--workers must be an integer >= 1, got {workers!r}")
        if workers is not None and scheduler not in (None, LOCAL):
            raise ConfigError(
                f"--workers applies to --scheduler local; the cluster at {scheduler} has its "
                "own workers"
            )
        if scheduler is not None:
            _cluster.require_dask()
        self.scheduler = scheduler
        if scheduler == LOCAL:
            workers = workers or os.cpu_count() or 1
        self.workers = workers
        self.quiet = quiet
        self.log = log or (lambda line: None)
        self.connect_timeout = connect_timeout
        self.client = None
        self.cluster = None
        self._entered = False
        self._log_level = None

    @property
    def serial(self):
        """True when the tasks run one after another in this process."""
        return self.scheduler is None

    @property
    def n_workers(self):
        """How many tasks can run at once: the worker processes (1 when serial).

        A worker process runs one task at a time (`nengo_fashion.tasks.worker.call`),
        whatever its threads.
        """
        if self.serial:
            return 1
        self.start()
        return max(1, len(self.client.scheduler_info(n_workers=-1)["workers"]))

    def describe(self):
        """``serial``, ``local`` or the scheduler's address (for results files)."""
        return "serial" if self.serial else self.scheduler

    def __enter__(self):
        self._entered = True
        return self

    def __exit__(self, *exc):
        self._entered = False
        self.close()
        return False

    def start(self):
        """Start the local cluster, or connect to the remote one (done by the first task).

        Starting lazily means that a command's checks (a bad ``--run``, ``--out``)
        fail before any cluster starts.
        """
        if self.serial or self.client is not None:
            return
        if not self._entered:
            raise RuntimeError("use the TaskRunner in a 'with' block to run tasks on Dask")
        # Dask's INFO lines (workers starting and closing) are not this command's output
        logger = logging.getLogger("distributed")
        self._log_level = logger.level
        logger.setLevel(logging.ERROR)
        try:
            if self.scheduler == LOCAL:
                self.cluster, self.client = _cluster.start_local(self.workers)
                self.log(
                    f"local Dask cluster: {self.workers} worker(s) at "
                    f"{self.cluster.scheduler_address}"
                )
            else:
                self.client = _cluster.connect(self.scheduler, self.connect_timeout)
                self.log(f"Dask cluster at {self.scheduler}: {self.n_workers} worker(s)")
        except BaseException:
            self.close()
            raise

    def close(self):
        """Disconnect; stop the cluster if this runner started it."""
        client, cluster = self.client, self.cluster
        self.client = self.cluster = None
        try:
            if client is not None:
                client.close()
        finally:
            try:
                if cluster is not None:
                    cluster.close()
            finally:
                if self._log_level is not None:
                    logging.getLogger("distributed").setLevel(self._log_level)
                    self._log_level = None

    def share(self, value):
        """``value`` for use in many tasks: sent once to every worker (serial: itself).

        Pass the result as a task argument; the worker gets ``value``.
        """
        if self.serial:
            return value
        self.start()
        return self.client.scatter(value, broadcast=True, hash=False)

    def run(self, tasks, what, label=None, on_result=None):
        """Run ``tasks``; return ``{task.key: result}`` in the order of ``tasks``.

        Parameters
        ----------
        tasks : list of Task
            Independent tasks with unique keys.
        what : str
            The work's name, for the progress lines.
        label : callable, optional
            ``label(task, result) -> str``: what the progress line says of a finished task.
        on_result : callable, optional
            ``on_result(task, result)``, called in this process as each task finishes
            (in the order they finish), before the next result is taken: write it here.

        A task's exception is raised here (the remaining tasks are cancelled).
        """
        tasks = list(tasks)
        keys = [t.key for t in tasks]
        if len(set(keys)) != len(keys):
            raise ValueError(f"task keys must be unique: {keys}")
        results = {}
        if not tasks:
            return results

        with Progress(sum(t.size for t in tasks), what, quiet=self.quiet) as bar:

            def finish(task, result):
                results[task.key] = result
                if on_result is not None:
                    on_result(task, result)
                bar.update(label(task, result) if label else task.key, n=task.size)

            if self.serial:
                for task in tasks:
                    with single_threaded_blas():
                        result = task.func(**task.kwargs)
                    finish(task, result)
            else:
                self._run_distributed(tasks, what, finish)
        return {k: results[k] for k in keys}

    def _run_distributed(self, tasks, what, finish):
        from distributed import KilledWorker, as_completed

        self.start()
        token = uuid.uuid4().hex[:8]
        prefix = re.sub(r"[^A-Za-z0-9_.-]+", "-", what)
        futures = {}
        try:
            for task in tasks:
                future = self.client.submit(
                    call, task.func, task.kwargs, key=f"{prefix}-{task.key}-{token}", pure=False
                )
                futures[future] = task
            done = as_completed(list(futures), with_results=True, loop=self.client.loop)
            for future, result in done:
                if future.cancelled():  # its "result" is the CancelledError: not a result
                    reason = getattr(result, "reason", None) or "no reason given"
                    raise RunError(
                        f"{what}: Dask cancelled task {futures[future].key} ({reason}); did the "
                        f"scheduler at {self.describe()} stop? No result arrived after that"
                    )
                finish(futures[future], result)
                futures.pop(future)
        except KilledWorker as e:  # every worker that ran it died (allowed-failures + 1)
            key = next((t.key for f, t in futures.items() if f.key == e.task), e.task)
            last = getattr(e.last_worker, "address", e.last_worker)
            raise RunError(
                f"{what}: task {key} killed the Dask worker(s) that ran it "
                f"({e.allowed_failures + 1} tried, the last at {last}): out of memory, or a "
                "crash? See the workers' logs"
            ) from None
        finally:
            if futures and self.client is not None:  # an error or Ctrl-C: drop the rest
                try:
                    self.client.cancel(list(futures))
                except Exception:  # the cluster may be going away already
                    pass


__all__ = ["Task", "TaskRunner"]
