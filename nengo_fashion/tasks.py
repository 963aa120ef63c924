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
- a worker runs one task at a time (`_call` holds a per-process lock), so
  TensorFlow's process-wide seeds are never shared by two trainings;
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
"""

import argparse
import contextlib
import dataclasses
import functools
import hashlib
import json
import logging
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
import uuid
from pathlib import Path

from .atomic import _to_jsonable, read_json, write_json
from .cli import positive_int
from .errors import ConfigError, DataError, MissingDependencyError, NengoFashionError, RunError
from .progress import Progress

LOCAL = "local"
"""The ``--scheduler`` value that starts a local cluster."""

INSTALL = 'pip install -e ".[distributed]"'
"""How to install Dask (the ``distributed`` extra pins ``dask[distributed]``)."""

WORKER_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
}
"""Environment of a local cluster's workers: one thread each for TensorFlow and BLAS.

TensorFlow reads ``TF_NUM_*_THREADS`` when it starts, so they must be set before it
is imported: the nanny sets them in the worker process's environment before spawn.
"""

_SCHEDULER = re.compile(r"^tcp://(?P<host>\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.-]+):(?P<port>[0-9]{1,5})$")


def check_scheduler(text):
    """Return ``text`` if it is ``local`` or ``tcp://HOST:PORT``, else raise `ConfigError`."""
    if text == LOCAL:
        return text
    m = _SCHEDULER.match(str(text))
    if not m or not 1 <= int(m.group("port")) <= 65535:
        raise ConfigError(
            f"scheduler must be 'local' or tcp://HOST:PORT (port 1-65535), got {text!r}"
        )
    return text


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


# --- is a Dask scheduler listening there? ------------------------------------------

PROBE_TIMEOUT = 3.0
"""Seconds `probe_scheduler` waits for the TCP connection, then for the server's handshake."""

CLIENT_TIMEOUT = 5.0
"""Seconds `distributed.Client` may take to connect once the probe found a Dask server."""

MAX_HANDSHAKE = 1 << 20
"""The largest first message a Dask server is believed to send (its handshake is ~60 bytes)."""

_START_HINT = "start one with `dask scheduler` (see docs/distributed.md) or use --scheduler local"


class SchedulerError(RunError):
    """``--scheduler tcp://HOST:PORT`` does not lead to a usable Dask scheduler."""


def _handshake_message():
    """This side's comm handshake, framed as `distributed.comm.tcp.TCP.write` frames it.

    A Dask client sends it as soon as it connects; sending it too makes a server that
    waits for a request (HTTP, a proxy) answer as it would answer the real client.
    """
    import pickle

    import msgpack  # a dependency of distributed

    info = {
        "compression": None,
        "python": tuple(sys.version_info)[:3],
        "pickle-protocol": pickle.HIGHEST_PROTOCOL,
    }
    frame = msgpack.packb(info, use_bin_type=True)
    # 8 bytes: size of what follows; then the frame count and each frame's size; then the frames
    return struct.pack("<QQQ", 16 + len(frame), 1, len(frame)) + frame


def _dask_message_size(data):
    """Bytes of the Dask message that ``data`` starts with (known from its first 8 bytes).

    None if its 8-byte size header is not plausible for a first message (an HTTP
    answer's ``HTTP/1.1`` read as a size is 3.07 EiB).
    """
    if len(data) < 8:
        return 8
    (size,) = struct.unpack_from("<Q", data)
    if not 16 <= size <= MAX_HANDSHAKE:
        return None
    return 8 + size


def _is_dask_message(data):
    """Whether ``data`` (a whole message by its size header) is a Dask comm message.

    The layout (`distributed.protocol.utils.pack_frames_prelude`): the size header,
    the frame count, each frame's size, the frames; the frames inside the size are a
    prefix of all frames, and the first is a msgpack map.
    """
    size = len(data) - 8
    (n_frames,) = struct.unpack_from("<Q", data, 8)
    if not 1 <= n_frames <= (size - 8) // 8:
        return False
    lengths = struct.unpack_from(f"<{n_frames}Q", data, 16)
    prelude = 8 + 8 * n_frames
    if not any(prelude + sum(lengths[:k]) == size for k in range(1, n_frames + 1)):
        return False
    try:
        import msgpack
    except ImportError:  # the frame layout alone has to do
        return True
    start = 8 + prelude
    try:
        header = msgpack.unpackb(data[start : start + lengths[0]], raw=False, use_list=False)
    except Exception:  # any garbage: msgpack's ExtraData, FormatError, ValueError, ...
        return False
    return isinstance(header, dict)


def _quote(data):
    """The start of a server's answer, for an error message: its first line, or its bytes."""
    line = bytes(data[:200]).split(b"\n", 1)[0].rstrip(b"\r")
    text = line.decode("latin-1")
    if line and line.isascii() and text.isprintable():
        return repr(text if len(text) <= 60 else text[:57] + "...")
    return repr(bytes(data[:16])) + ("..." if len(data) > 16 else "")


def probe_scheduler(address, timeout=PROBE_TIMEOUT):
    """Check that a Dask server listens at ``tcp://HOST:PORT``, with a plain socket.

    `distributed.Client` trusts whatever accepts the connection: its handshake has no
    timeout (a silent server hangs it), and it reads the first 8 bytes of the answer as
    a message size (an HTTP answer makes it allocate exabytes). This connects with
    ``timeout`` seconds, sends the handshake a Dask client sends, and reads the server's
    first message within ``timeout`` seconds more (a Dask server sends its handshake as
    soon as it accepts), then hangs up. A server still silent halfway gets an end of
    line, so that one which reads a line first (HTTP) answers and can be named.

    Raises
    ------
    SchedulerError
        One line saying what is there instead: nothing (connection refused), no
        answer, a server that said nothing, or what a non-Dask server answered.
    """
    m = _SCHEDULER.match(str(address))
    if not m:
        check_scheduler(address)  # raises the ConfigError
        raise ConfigError(f"not a tcp://HOST:PORT address: {address!r}")
    host, port = m.group("host").strip("[]"), int(m.group("port"))
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except socket.gaierror as e:
        raise SchedulerError(
            f"cannot find the host of {address} ({e.strerror}); {_START_HINT}"
        ) from None
    except ConnectionRefusedError:
        raise SchedulerError(
            f"nothing listens at {address} (connection refused); {_START_HINT}"
        ) from None
    except socket.timeout:  # TimeoutError from Python 3.10
        raise SchedulerError(
            f"no answer from {address} within {timeout:g} s (a wrong host, or a firewall "
            f"that drops the connection?); {_START_HINT}"
        ) from None
    except OSError as e:
        raise SchedulerError(
            f"cannot connect to {address} ({e.strerror or e}); {_START_HINT}"
        ) from None

    data, ended = b"", None
    with sock:
        deadline = time.monotonic() + timeout
        try:
            sock.sendall(_handshake_message())
        except OSError:
            pass  # it hung up already: the read below says so
        nudge_at, nudged = deadline - timeout / 2, False
        need = 8
        while need is not None and len(data) < need:
            now = time.monotonic()
            if not data and not nudged and now >= nudge_at:
                # silent so far: no Dask server (it speaks at once); end the line, so that a
                # line-based server (HTTP, ...) says what it is
                nudged = True
                with contextlib.suppress(OSError):
                    sock.sendall(b"\r\n\r\n")
            if now >= deadline:
                ended = "timeout"
                break
            wake = deadline if data or nudged else nudge_at
            sock.settimeout(max(wake - now, 0.01))
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                continue  # the nudge is due, or the deadline has passed
            except OSError:  # reset by the peer
                ended = "closed"
                break
            if not chunk:
                ended = "closed"
                break
            data += chunk
            need = _dask_message_size(data)

    waited = f"{timeout:g} s"
    if not data:
        if ended == "closed":
            raise SchedulerError(
                f"a server at {address} accepted the connection and closed it without a word: "
                f"it is not a Dask scheduler; {_START_HINT}"
            )
        raise SchedulerError(
            f"a server at {address} accepted the connection but is not a Dask scheduler (it "
            f"sent nothing in {waited}); {_START_HINT}"
        )
    if need is not None and len(data) >= need and _is_dask_message(data[:need]):
        return
    page = data.lstrip()[:9].lower()  # an HTTP/0.9 answer is only the page
    http = data.startswith(b"HTTP/") or page.startswith((b"<!doctype", b"<html"))
    what = "an HTTP server" if http else "a server"
    then = ""
    if need is not None and len(data) < need:  # a plausible size, then too few bytes
        then = " then closed the connection" if ended == "closed" else f" then nothing for {waited}"
    hint = " (a dashboard? a scheduler's own port is 8786 by default)" if what != "a server" else ""
    raise SchedulerError(
        f"{what} at {address} is not a Dask scheduler (it answered {_quote(data)}{then})"
        f"{hint}; {_START_HINT}"
    )


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


def _openblas_controls():
    """``(set, get)`` thread-count functions of each OpenBLAS loaded in this process.

    numpy's matrix products run in OpenBLAS, whose summation order depends on its
    thread count, so the last bit of a product can differ between 1 and 2 threads.
    Found through ``/proc/self/maps`` (Linux); elsewhere the list is empty.
    """
    import ctypes

    import numpy  # noqa: F401 (loads numpy's OpenBLAS)

    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return []
    paths = sorted(
        {
            line.split()[-1]
            for line in maps.splitlines()
            if "openblas" in line.lower() and line.split()[-1].startswith("/")
        }
    )
    controls = []
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for suffix in ("64_", ""):
            set_ = getattr(lib, f"openblas_set_num_threads{suffix}", None)
            get = getattr(lib, f"openblas_get_num_threads{suffix}", None)
            if set_ is not None and get is not None:
                controls.append((set_, get))
                break
    return controls


@contextlib.contextmanager
def single_threaded_blas():
    """Within this block numpy's OpenBLAS uses one thread (then its count is restored).

    Every task runs in it, here and on the workers (whose BLAS is one thread
    anyway), so a task's floating-point results do not depend on where it ran.
    """
    controls = _openblas_controls()
    before = [get() for _, get in controls]
    for set_, _ in controls:
        set_(1)
    try:
        yield
    finally:
        for (set_, _), n in zip(controls, before):
            set_(n)


_TASK_LOCK = threading.Lock()
_WORKER_READY = False


def _setup_worker():
    """Once per worker process, before TensorFlow starts: one thread per task for TF.

    A local cluster's workers already have `WORKER_ENV`; this covers workers
    started by hand (``dask worker``) too, as long as TensorFlow is not imported yet.
    """
    global _WORKER_READY
    if _WORKER_READY:
        return
    from .quiet import quiet_tensorflow_logs

    quiet_tensorflow_logs()
    for var, value in WORKER_ENV.items():
        if var.startswith("TF_"):
            os.environ.setdefault(var, value)
    _WORKER_READY = True


def _call(func, kwargs):
    """Run one task on a worker: one at a time per process (TensorFlow's seeds are global)."""
    _setup_worker()
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
            require_dask()
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

        A worker process runs one task at a time (`_call`), whatever its threads.
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
        import dask
        import distributed

        # Dask's INFO lines (workers starting and closing) are not this command's output
        logger = logging.getLogger("distributed")
        self._log_level = logger.level
        logger.setLevel(logging.ERROR)

        try:
            if self.scheduler == LOCAL:
                env = dict(WORKER_ENV)
                env["TF_CPP_MIN_LOG_LEVEL"] = os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")
                with dask.config.set({"distributed.worker.multiprocessing-method": "spawn"}):
                    self.cluster = distributed.LocalCluster(
                        n_workers=self.workers,
                        threads_per_worker=1,
                        processes=True,
                        host="127.0.0.1",
                        dashboard_address=None,  # no dashboard; its HTTP server on a free port:
                        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                        memory_limit=0,
                        silence_logs=logging.ERROR,
                        env=env,
                        preload=["nengo_fashion.tasks"],  # dask_setup: Ctrl-C is the client's
                    )
                self.client = distributed.Client(self.cluster, set_as_default=False)
                self.log(
                    f"local Dask cluster: {self.workers} worker(s) at "
                    f"{self.cluster.scheduler_address}"
                )
            else:
                # Client alone would hang on a silent server, or allocate exabytes on bytes
                probe_scheduler(self.scheduler, min(self.connect_timeout, PROBE_TIMEOUT))
                try:
                    self.client = distributed.Client(
                        self.scheduler,
                        timeout=min(self.connect_timeout, CLIENT_TIMEOUT),
                        set_as_default=False,
                    )
                except Exception as e:  # whatever the server did: one line, not a traceback
                    _close_unfinished_client(e)
                    text = " ".join(str(e).split())[:200]
                    detail = f"{type(e).__name__}: {text}" if text else type(e).__name__
                    raise SchedulerError(
                        f"the Dask server at {self.scheduler} answered the handshake, but a "
                        f"client cannot connect to it ({detail}); is it a "
                        f"scheduler, not a worker? If not, {_START_HINT}"
                    ) from None
                try:
                    self.client.wait_for_workers(1, timeout=self.connect_timeout)
                except TimeoutError:
                    raise RunError(
                        f"the Dask scheduler at {self.scheduler} has no workers after "
                        f"{self.connect_timeout:g} s; start some with "
                        f"'dask worker {self.scheduler}'"
                    ) from None
                try:  # the same Python, Dask, numpy, ... everywhere (docs/distributed.md)
                    self.client.get_versions(check=True)
                except ValueError as e:
                    raise RunError(
                        f"the Dask cluster at {self.scheduler} runs other package versions than "
                        f"this machine; install the same pinned venv everywhere ({e})"
                    ) from None
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
                    _call, task.func, task.kwargs, key=f"{prefix}-{task.key}-{token}", pure=False
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


def runner_from_args(args, log=None):
    """A `TaskRunner` from the ``--scheduler``/``--workers``/``--quiet`` options."""
    return TaskRunner(
        getattr(args, "scheduler", None),
        getattr(args, "workers", None),
        quiet=getattr(args, "quiet", False),
        log=log,
    )


# --- data on the workers ---------------------------------------------------------


@functools.lru_cache(maxsize=2)
def load_dataset(data_dir=None, n_val=5000):
    """`nengo_fashion.data.load`, cached per process: a worker reads the files once."""
    from . import data

    return data.load(data_dir, n_val=n_val)


def fingerprint(dataset):
    """A short digest of a `FashionMNIST`'s labels and a sample of its pixels."""
    h = hashlib.sha1()
    for split in (dataset.train, dataset.val, dataset.test):
        h.update(f"{split.name}:{len(split)};".encode())
        h.update(split.labels.tobytes())
        h.update(split.images[::97, ::7].tobytes())
    return h.hexdigest()[:16]


class DataRef:
    """Fashion-MNIST (or one split of it) as a task argument that does not carry the images.

    In this process it holds the loaded data; sent to a worker it is only the folder,
    ``n_val``, the split and a fingerprint, and the worker loads the files from its own
    disk (`load_dataset`, once per process) and checks the fingerprint.

    Parameters
    ----------
    dataset : nengo_fashion.data.FashionMNIST
        The data loaded here.
    data_dir : str or Path, optional
        Where it was loaded from (None: each machine's own search order).
    split : {"train", "val", "test"}, optional
        Refer to one split (its first ``n_images``) instead of the whole set.
    n_images : int, optional
        How many images of ``split`` (all if None).
    """

    def __init__(self, dataset, data_dir=None, split=None, n_images=None, _fingerprint=None):
        self.data_dir = None if data_dir is None else os.path.abspath(data_dir)
        self.n_val = len(dataset.val)
        self.split = split
        self.n_images = n_images
        self.fingerprint = _fingerprint or fingerprint(dataset)
        self._local = dataset

    def subset(self, split, n_images=None):
        """A reference to the first ``n_images`` of ``split``."""
        return DataRef(self._local, self.data_dir, split, n_images, self.fingerprint)

    def __len__(self):
        return len(self.load()) if self.split else len(self.load().train)

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_local"] = None  # the images stay here; the worker loads its own
        return state

    def load(self):
        """The `FashionMNIST`, or the `Split` if this refers to one."""
        dataset = self._local
        if dataset is None:
            dataset = load_dataset(self.data_dir, self.n_val)
            found = fingerprint(dataset)
            if found != self.fingerprint:
                import socket

                raise DataError(
                    f"the Fashion-MNIST on {socket.gethostname()} ({dataset.source}, n_val "
                    f"{self.n_val}) differs from the client's (fingerprint {found} != "
                    f"{self.fingerprint}): install the same data on every machine"
                )
            self._local = dataset
        if self.split is None:
            return dataset
        return dataset.split(self.split).subset(self.n_images)


def resolve(data):
    """A task's data argument: a `DataRef` is loaded, anything else is returned as is."""
    return data.load() if isinstance(data, DataRef) else data


# --- resuming ----------------------------------------------------------------------


def _jsonable(value):
    return json.loads(json.dumps(_to_jsonable(value)))


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
        if not isinstance(stored, dict) or stored.get("args") != _jsonable(args):
            return None
        return stored.get("result")

    def put(self, key, args, result):
        """Write ``result`` with its ``args``, atomically."""
        write_json(self.path(key), {"args": _to_jsonable(args), "result": _to_jsonable(result)})


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


# --- trained runs as task results ----------------------------------------------------


def _silent(*args, **kwargs):
    pass


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
]
