"""TensorFlow's thread pools are the same in every process (`nengo_fashion.quiet`), so a
task's numbers do not depend on where it ran: on a Dask worker (`tasks.WORKER_ENV`), in a
serial run, or in ``python -m nengo_fashion.train``, on a machine of any core count."""

import subprocess
import sys

import pytest

from nengo_fashion import quiet, tasks

from .hostile import ENV, ROOT

PROBE = (
    "from nengo_fashion.quiet import import_tensorflow as i; tf = i(); "
    "t = tf.config.threading; tf.constant(1.0) + 1.0; "
    "print(t.get_intra_op_parallelism_threads(), t.get_inter_op_parallelism_threads())"
)


def _pools(**env):
    clean = {k: v for k, v in ENV.items() if k not in quiet.THREAD_VARS}
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return out.stdout.split()


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, [str(quiet.TF_THREADS)] * 2),  # a command or a serial run: the workers' pools
        (dict(TF_NUM_INTRAOP_THREADS="2", TF_NUM_INTEROP_THREADS="3"), ["0", "0"]),  # user's
    ],
    ids=["default", "user-override"],
)
def test_every_process_gets_the_workers_thread_pools(env, expected):
    assert _pools(**env) == expected


def test_the_workers_environment_is_the_same_policy():
    for var in quiet.THREAD_VARS:
        assert tasks.WORKER_ENV[var] == str(quiet.TF_THREADS)
