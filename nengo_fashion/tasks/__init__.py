"""Run many independent tasks: one after another, on a local Dask cluster, or on a remote one.

Every command that does many independent pieces of work (``search``'s candidates,
``sweep``'s and ``pareto``'s simulations, ``reproduce``'s two trainings, ``seeds``'
trainings, the emulator's chunks of images in ``python -m loihi``, the mappings of
``loihi.tune``) hands them to one `TaskRunner`::

    with TaskRunner(scheduler, workers) as runner:
        results = runner.run(tasks, "search", label=..., on_result=...)

- ``scheduler=None``: the tasks run one after another in this process (the
  default, and all there is without Dask);
- ``scheduler="local"``: a `distributed.LocalCluster` on 127.0.0.1 with
  ``workers`` worker processes (default: the number of cores), started with
  ``spawn``, one thread each, and TensorFlow's and the BLAS' thread pools capped
  to one thread per worker (`WORKER_ENV`); it is stopped when the ``with`` block
  ends, also on Ctrl-C or an error;
- ``scheduler="tcp://HOST:PORT"``: an existing cluster (``dask scheduler`` and
  ``dask worker``, see ``docs/distributed.md``), left running afterwards; a plain
  socket first checks that a Dask scheduler answers there (`probe_scheduler`), so
  that anything else fails within seconds, in one line.

What makes a distributed run give the serial run's numbers:

- a `Task` is a module-level function and its keyword arguments, which carry
  everything the result depends on, its seed included; no task reads state that
  another task left behind, so neither the worker that runs it nor the order
  matters (TensorFlow is seeded and deterministic per training, see
  `nengo_fashion.train.seed_everything`);
- a worker runs one task at a time (`worker.call` holds a per-process lock), so
  TensorFlow's process-wide seeds are never shared by two trainings, and every
  task runs with numpy's BLAS on one thread (`single_threaded_blas`, through
  ``threadpoolctl``);
- if a worker dies, Dask runs its task again on another worker: the same
  function with the same arguments gives the same result.

What travels: the task's arguments (configurations, settings, a few indices) and,
once per worker, what `TaskRunner.share` broadcasts (a run's weights, ~0.4 MB).
The images never travel: a task gets a `DataRef`, and each worker loads
Fashion-MNIST from its own disk (`load_dataset`, cached per process), checked
against this machine's copy by a fingerprint. What comes back: numbers and small
arrays (accuracies, spike counts, a run folder's files), never a Simulator.

Results come back as tasks finish (`distributed.as_completed`); ``on_result`` is
called for each one at once, so a command writes it (atomically) before the
next arrives and an interrupted run loses nothing finished. `TaskStore` and
`resume` let a command started again skip the tasks already done.

One concept per module:

- ``runner.py``: `Task` and `TaskRunner`;
- ``cluster.py``: starting a local Dask cluster or connecting to a running one;
- ``probe.py``: the ``--scheduler`` address and the plain-socket Dask handshake probe;
- ``worker.py``: what runs in a task's process (thread pools, one task at a time, and
  ``dask_setup``, the hook that Dask preloads into a local cluster's workers);
- ``refs.py``: `DataRef`, the data as a task argument;
- ``store.py``: `TaskStore` and `resume`;
- ``options.py``: the ``--scheduler``/``--workers`` options and `runner_from_args`.
"""

from .cluster import INSTALL, have_dask, require_dask
from .options import add_scheduler_args, runner_from_args, scheduler_address
from .probe import LOCAL, SchedulerError, check_scheduler, probe_scheduler
from .refs import DataRef, fingerprint, load_dataset, resolve
from .runner import Task, TaskRunner
from .store import TaskStore, resume
from .worker import WORKER_ENV, dask_setup, single_threaded_blas

__all__ = [
    "LOCAL",
    "INSTALL",
    "WORKER_ENV",
    "Task",
    "TaskRunner",
    "TaskStore",
    "DataRef",
    "check_scheduler",
    "scheduler_address",
    "add_scheduler_args",
    "probe_scheduler",
    "SchedulerError",
    "have_dask",
    "require_dask",
    "runner_from_args",
    "load_dataset",
    "fingerprint",
    "resolve",
    "resume",
    "single_threaded_blas",
    "dask_setup",
]
