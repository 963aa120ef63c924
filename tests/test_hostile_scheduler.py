"""``--scheduler tcp://HOST:PORT`` where no Dask scheduler listens: one line, within seconds.

Each row runs ``python -m loihi --run results/best-relu ... --scheduler ADDRESS`` as a real
process (it reaches the connection after loading the run and the data, before any
simulation) against a server this test starts on 127.0.0.1: nothing at all, a server that
says nothing, an HTTP server, bytes that are not a Dask message, a server that hangs up.
Before the probe in `nengo_fashion.tasks.probe_scheduler`, these hung for minutes, died of
a ``MemoryError`` (8 bytes of an answer read as a message size) or took 25 s. Every
address here is loopback; the malformed ones are refused before anything connects.
"""

import contextlib
import dataclasses
import http.server
import socket
import struct
import threading
import time

import pytest

from nengo_fashion import tasks
from nengo_fashion.tasks import cluster, probe

from .hostile import ROOT, Snapshot, assert_one_line_error, leftovers, run

pytest.importorskip("distributed")

RUN = ROOT / "results" / "best-relu"
MAX_SECONDS = 15.0
"""Bound on a whole failing command, Python's start included: the probe waits 3 s at most
for the connection and 3 s for an answer; the slowest case (a size header, then silence)
took 6.3 s on a busy 2-core machine, the others 1.1-5.4 s."""


@contextlib.contextmanager
def nothing_listens():
    """A free loopback port, closed again: connecting is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    yield f"tcp://127.0.0.1:{port}"


@contextlib.contextmanager
def tcp_server(on_accept):
    """A TCP server on 127.0.0.1 whose thread calls ``on_accept(conn)`` for each connection.

    Connections stay open until ``on_accept`` closes them or the server stops.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.1)
    stop = threading.Event()
    conns = []

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            conns.append(conn)
            with contextlib.suppress(OSError):
                on_accept(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in conns:
            conn.close()
        listener.close()


def silent(conn):
    """Accept, read nothing, send nothing (the connection stays open)."""


def sends(data):
    def on_accept(conn):
        conn.sendall(data)

    return on_accept


def hangs_up(conn):
    conn.close()


@contextlib.contextmanager
def http_server():
    """Python's own HTTP server, in a thread: it answers a line it cannot parse with a 400."""

    class Quiet(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def no_server(address):
    yield address


@dataclasses.dataclass
class Case:
    id: str
    server: object  # a context manager factory yielding the --scheduler value
    contains: tuple  # words of the last stderr line (besides the address)


CASES = [
    Case("nothing-listens", nothing_listens, ("nothing listens at", "dask scheduler")),
    Case("silent-server", lambda: tcp_server(silent), ("not a Dask scheduler", "sent nothing")),
    Case(  # it answers once the probe's line ends, with an HTML error page (HTTP/0.9)
        "http-server", http_server, ("an HTTP server", "not a Dask scheduler", "<!DOCTYPE HTML>")
    ),
    Case(  # a proxy that answers at once: Dask read "HTTP/1.1" as a size of 3.07 EiB
        "http-answer-at-once",
        lambda: tcp_server(sends(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")),
        ("an HTTP server", "answered 'HTTP/1.1 400 Bad Request'"),
    ),
    Case(
        "ssh-banner",
        lambda: tcp_server(sends(b"SSH-2.0-OpenSSH_9.6\r\n")),
        ("not a Dask scheduler", "SSH-2.0-OpenSSH_9.6"),
    ),
    Case(
        "eight-0xff-bytes",
        lambda: tcp_server(sends(b"\xff" * 8)),
        ("not a Dask scheduler", r"\xff\xff"),
    ),
    Case(  # a plausible size header, then nothing more
        "size-then-silence",
        lambda: tcp_server(sends(struct.pack("<Q", 58))),
        ("not a Dask scheduler", "then nothing for 3 s"),
    ),
    Case(  # a plausible size and frame count, a msgpack frame that is not a map
        "frames-not-a-map",
        lambda: tcp_server(sends(struct.pack("<QQQ", 17, 1, 1) + b"\x01")),
        ("not a Dask scheduler", "answered"),
    ),
    Case("hangs-up-at-once", lambda: tcp_server(hangs_up), ("closed it without a word",)),
    Case(
        "port-out-of-range",
        lambda: no_server("tcp://127.0.0.1:99999"),
        ("--scheduler", "port 1-65535"),
    ),
    Case("no-host", lambda: no_server("tcp://:80"), ("--scheduler", "tcp://HOST:PORT")),
    Case("http-scheme", lambda: no_server("http://127.0.0.1:80"), ("--scheduler", "tcp://HOST")),
]


@pytest.fixture(scope="module")
def run_snapshot():
    """The run folder every case reads: no case may change it."""
    if not (RUN / "weights.npz").exists():
        pytest.skip(f"{RUN} is not here")
    snap = Snapshot(RUN)
    yield snap
    snap.assert_unchanged()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_scheduler_that_is_not_dask_fails_fast_in_one_line(case, run_snapshot, tmp_path):
    out = tmp_path / "out"
    with case.server() as address:
        result = run(
            [
                "-m",
                "loihi",
                "--run",
                RUN,
                "--n-images",
                "10",
                "--scheduler",
                address,
                "--out",
                out,
                "--quiet",
            ],
            timeout=60,
        )
    print(f"{case.id}: rc={result.rc} in {result.seconds:.2f} s: {result.stderr.strip()}")
    assert_one_line_error(result, contains=(address, *case.contains), rc=2, max_seconds=MAX_SECONDS)
    assert "MemoryError" not in result.stderr, str(result)
    assert not (out / "loihi.json").exists()
    assert leftovers(tmp_path) == []
    run_snapshot.assert_unchanged()


# --- the probe alone, in this process ----------------------------------------------------


def _probe_error(address, timeout=1.0):
    t0 = time.monotonic()
    with pytest.raises(tasks.SchedulerError) as info:
        tasks.probe_scheduler(address, timeout=timeout)
    return str(info.value), time.monotonic() - t0


def test_probe_waits_no_longer_than_its_timeout():
    with tcp_server(silent) as address:
        message, seconds = _probe_error(address, timeout=1.0)
    assert "sent nothing in 1 s" in message
    assert 0.9 < seconds < 2.5
    with nothing_listens() as address:
        message, seconds = _probe_error(address)
    assert "nothing listens" in message and seconds < 1.0


def test_probe_accepts_a_dask_handshake_sent_in_pieces():
    """The real handshake (as `TaskRunner`'s own), sent a few bytes at a time."""
    message = probe._handshake_message()

    def trickle(conn):
        for i in range(0, len(message), 5):
            conn.sendall(message[i : i + 5])
            time.sleep(0.01)

    with tcp_server(trickle) as address:
        tasks.probe_scheduler(address, timeout=2.0)  # no error


def test_the_one_line_names_a_client_failure_after_the_probe(monkeypatch):
    """A server that says a Dask hello and nothing more (not a scheduler): one line, soon."""
    monkeypatch.setattr(cluster, "CLIENT_TIMEOUT", 1.0)
    with tcp_server(sends(probe._handshake_message())) as address:
        t0 = time.monotonic()
        with pytest.raises(tasks.SchedulerError, match="answered the handshake") as info:
            with tasks.TaskRunner(address, quiet=True) as runner:
                runner.start()
        seconds = time.monotonic() - t0
    print(info.value)
    assert "\n" not in str(info.value) and address in str(info.value)
    assert seconds < 10
