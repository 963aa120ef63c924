"""Import TensorFlow and NengoDL: quietly, and with one thread per thread pool.

**One thread.** TensorFlow's CPU kernels (Eigen's contractions and reductions) split
their work by the size of the intra-op thread pool, so the last bits of a training
depend on it: on an AMD EPYC of 2 cores, a training with TensorFlow's default pools
(2 threads) and one with 1 thread differ in their weights (measured). `import_tensorflow`
therefore gives every process of nengo-fashion, a command run here or a Dask worker,
the same pools, `TF_THREADS` intra-op and inter-op threads, so a task's numbers do not
depend on where it ran or on how many cores that machine has. The network is small
(784-128-10, batches of 32 to 256), and one thread trains it about as fast as two.
``TF_NUM_INTRAOP_THREADS`` and ``TF_NUM_INTEROP_THREADS``, when set, override this
(the numbers may then differ from other machines').

**Quietly.**
TensorFlow's C++ runtime prints warnings as it loads ("TF-TRT Warning: Could not
find TensorRT", oneDNN and CUDA-stub notes) unless ``TF_CPP_MIN_LOG_LEVEL`` is at
least 2 when they are logged. ``nengo_dl/__init__.py`` sets that variable to
``"1"`` before it imports the parts of TensorFlow that log them, so setting it
beforehand is not enough: `import_nengo_dl` keeps it at 2 while NengoDL imports.
Every module that needs TensorFlow or NengoDL imports them through this module,
and only where they are used (the GUI, for instance, needs neither unless its
``nengo_dl`` backend is chosen).
"""

import collections.abc
import contextlib
import os
import warnings

LOG_LEVEL_VAR = "TF_CPP_MIN_LOG_LEVEL"
QUIET_LEVEL = "2"  # errors only

TF_THREADS = 1
"""TensorFlow's intra-op and inter-op thread count in every process (see above)."""

THREAD_VARS = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")
"""The environment variables by which a user overrides `TF_THREADS`."""


class _PinnedEnviron(collections.abc.MutableMapping):
    """``os.environ``, except that one variable cannot be changed."""

    def __init__(self, environ, pinned):
        self._environ = environ
        self._pinned = pinned

    def __getitem__(self, key):
        return self._environ[key]

    def __setitem__(self, key, value):
        if key != self._pinned:
            self._environ[key] = value

    def __delitem__(self, key):
        if key != self._pinned:
            del self._environ[key]

    def __iter__(self):
        return iter(self._environ)

    def __len__(self):
        return len(self._environ)

    def __getattr__(self, name):  # copy(), putenv helpers, ...
        return getattr(self._environ, name)


@contextlib.contextmanager
def _pinned(var):
    environ = os.environ
    os.environ = _PinnedEnviron(environ, var)  # noqa: B003 (restored below; putenv unchanged)
    try:
        yield
    finally:
        os.environ = environ  # noqa: B003


def quiet_tensorflow_logs():
    """Set ``TF_CPP_MIN_LOG_LEVEL`` to 2 unless the user chose a level."""
    os.environ.setdefault(LOG_LEVEL_VAR, QUIET_LEVEL)


def import_tensorflow():
    """Import TensorFlow quietly; return the ``tensorflow`` module."""
    quiet_tensorflow_logs()
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    _set_threads(tf)
    return tf


def _set_threads(tf):
    """Give TensorFlow `TF_THREADS` threads per pool, unless the user chose a count.

    This works until TensorFlow's runtime starts (its first operation); in a process
    where something else started it before with other pools, they stay, with a warning.
    """
    threading = tf.config.threading
    wanted = {
        threading.set_intra_op_parallelism_threads: (
            threading.get_intra_op_parallelism_threads,
            os.environ.get(THREAD_VARS[0]),
        ),
        threading.set_inter_op_parallelism_threads: (
            threading.get_inter_op_parallelism_threads,
            os.environ.get(THREAD_VARS[1]),
        ),
    }
    for set_, (get, chosen) in wanted.items():
        if chosen or get() == TF_THREADS:
            continue
        try:
            set_(TF_THREADS)
        except RuntimeError:  # the runtime started already, with its own pools
            warnings.warn(
                "TensorFlow started before nengo-fashion could give it one thread per pool; "
                "its numbers may differ in the last bits from other machines' "
                "(docs/distributed.md)",
                RuntimeWarning,
                stacklevel=3,
            )
            return


def import_nengo_dl():
    """Import TensorFlow and NengoDL quietly; return the ``nengo_dl`` module."""
    import_tensorflow()
    with _pinned(LOG_LEVEL_VAR):
        import nengo_dl
    # a CPU-only machine is a supported set-up here, not something to warn about
    warnings.filterwarnings("ignore", message="No GPU support detected")
    return nengo_dl
