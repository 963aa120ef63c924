"""Import TensorFlow and NengoDL without their start-up log lines.

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
    return tf


def import_nengo_dl():
    """Import TensorFlow and NengoDL quietly; return the ``nengo_dl`` module."""
    import_tensorflow()
    with _pinned(LOG_LEVEL_VAR):
        import nengo_dl
    # a CPU-only machine is a supported set-up here, not something to warn about
    warnings.filterwarnings("ignore", message="No GPU support detected")
    return nengo_dl
