"""What runs in the process that runs a task: thread pools, one task at a time, Ctrl-C.

A task's floating-point results must not depend on where it ran (docs/distributed.md):

- TensorFlow gets the same thread pools in every process (`nengo_fashion.quiet`); a local
  cluster's workers get them through their environment (`WORKER_ENV`), workers started
  by hand through `setup_worker`;
- numpy's BLAS runs on one thread within every task (`single_threaded_blas`);
- a worker runs one task at a time (`call`), since TensorFlow's seeds are per process.

Dask preloads this module into a local cluster's workers for `dask_setup`.
"""

import contextlib
import os
import signal
import threading

from threadpoolctl import threadpool_limits

from ..quiet import TF_THREADS, THREAD_VARS, quiet_tensorflow_logs

WORKER_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    **{var: str(TF_THREADS) for var in THREAD_VARS},
}
"""Environment of a local cluster's workers: one thread each for BLAS, and TensorFlow's pools
of every nengo-fashion process (`nengo_fashion.quiet.TF_THREADS`).

TensorFlow reads ``TF_NUM_*_THREADS`` when it starts, so they must be set before it
is imported: the nanny sets them in the worker process's environment before spawn.
"""

_TASK_LOCK = threading.Lock()
_WORKER_READY = False


@contextlib.contextmanager
def single_threaded_blas():
    """Within this block numpy's BLAS (OpenBLAS) uses one thread (then its count is restored).

    numpy's matrix products run in OpenBLAS, whose summation order depends on its
    thread count, so the last bit of a product can differ between 1 and 2 threads.
    Every task runs in this block, here and on the workers (whose BLAS is one thread
    anyway), so a task's floating-point results do not depend on where it ran.
    """
    import numpy  # noqa: F401 (loads numpy's BLAS, so that threadpoolctl finds it)

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def setup_worker():
    """Once per worker process, before TensorFlow starts: one thread per task for TF.

    A local cluster's workers already have `WORKER_ENV`; this covers workers
    started by hand (``dask worker``) too, as long as TensorFlow is not imported yet.
    """
    global _WORKER_READY
    if _WORKER_READY:
        return
    quiet_tensorflow_logs()
    for var, value in WORKER_ENV.items():
        if var.startswith("TF_"):
            os.environ.setdefault(var, value)
    _WORKER_READY = True


def call(func, kwargs):
    """Run one task on a worker: one at a time per process (TensorFlow's seeds are global)."""
    setup_worker()
    with _TASK_LOCK, single_threaded_blas():
        return func(**kwargs)


def dask_setup(worker):
    """Dask's preload hook, run as a local cluster's worker starts: it ignores Ctrl-C.

    Ctrl-C in a terminal reaches every process of the foreground group, the local
    workers included; the client alone handles it, stopping the cluster (workers
    would otherwise print tracebacks while they are being stopped).
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


__all__ = ["WORKER_ENV", "single_threaded_blas", "setup_worker", "call", "dask_setup"]
