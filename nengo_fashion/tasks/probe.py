"""Where the tasks run: the ``--scheduler`` address, and a plain-socket check that a Dask
scheduler answers there before `distributed.Client` is trusted with the connection.

`distributed.Client` trusts whatever accepts the connection: its handshake has no
timeout (a silent server hangs it), and it reads the first 8 bytes of the answer as a
message size (an HTTP answer makes it allocate exabytes). `probe_scheduler` speaks the
first step of Dask's wire protocol itself, with timeouts, so that anything but a Dask
server fails within seconds, in one line that says what is there instead.
"""

import contextlib
import re
import socket
import struct
import sys
import time

from ..errors import ConfigError, RunError

LOCAL = "local"
"""The ``--scheduler`` value that starts a local cluster."""

PROBE_TIMEOUT = 3.0
"""Seconds `probe_scheduler` waits for the TCP connection, then for the server's handshake."""

MAX_HANDSHAKE = 1 << 20
"""The largest first message a Dask server is believed to send (its handshake is ~60 bytes)."""

START_HINT = "start one with `dask scheduler` (see docs/distributed.md) or use --scheduler local"
"""The end of every error about a ``tcp://`` scheduler: how to get a working one."""

_SCHEDULER = re.compile(r"^tcp://(?P<host>\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.-]+):(?P<port>[0-9]{1,5})$")


class SchedulerError(RunError):
    """``--scheduler tcp://HOST:PORT`` does not lead to a usable Dask scheduler."""


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


def _connect(address, timeout):
    """A socket connected to ``tcp://HOST:PORT`` within ``timeout`` s, or `SchedulerError`."""
    m = _SCHEDULER.match(str(address))
    if not m:
        check_scheduler(address)  # raises the ConfigError
        raise ConfigError(f"not a tcp://HOST:PORT address: {address!r}")
    host, port = m.group("host").strip("[]"), int(m.group("port"))
    try:
        return socket.create_connection((host, port), timeout=timeout)
    except socket.gaierror as e:
        why = f"cannot find the host of {address} ({e.strerror})"
    except ConnectionRefusedError:
        why = f"nothing listens at {address} (connection refused)"
    except socket.timeout:  # TimeoutError from Python 3.10
        why = (
            f"no answer from {address} within {timeout:g} s (a wrong host, or a firewall "
            f"that drops the connection?)"
        )
    except OSError as e:
        why = f"cannot connect to {address} ({e.strerror or e})"
    raise SchedulerError(f"{why}; {START_HINT}")


def _first_message(sock, timeout):
    """Send the handshake and read the server's first message within ``timeout`` s.

    Returns ``(data, need, ended)``: the bytes read, the size of the message they
    start with (None if implausible), and ``"timeout"``, ``"closed"`` or None (read
    whole). A server still silent halfway gets an end of line, so that one which
    reads a line first (HTTP) answers and can be named.
    """
    data, ended = b"", None
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
    return data, need, ended


def _not_a_scheduler(address, data, need, ended, timeout):
    """The `SchedulerError` that says what answered at ``address`` instead of Dask."""
    waited = f"{timeout:g} s"
    if not data:
        if ended == "closed":
            return SchedulerError(
                f"a server at {address} accepted the connection and closed it without a word: "
                f"it is not a Dask scheduler; {START_HINT}"
            )
        return SchedulerError(
            f"a server at {address} accepted the connection but is not a Dask scheduler (it "
            f"sent nothing in {waited}); {START_HINT}"
        )
    page = data.lstrip()[:9].lower()  # an HTTP/0.9 answer is only the page
    http = data.startswith(b"HTTP/") or page.startswith((b"<!doctype", b"<html"))
    what = "an HTTP server" if http else "a server"
    then = ""
    if need is not None and len(data) < need:  # a plausible size, then too few bytes
        then = " then closed the connection" if ended == "closed" else f" then nothing for {waited}"
    hint = " (a dashboard? a scheduler's own port is 8786 by default)" if http else ""
    return SchedulerError(
        f"{what} at {address} is not a Dask scheduler (it answered {_quote(data)}{then})"
        f"{hint}; {START_HINT}"
    )


def probe_scheduler(address, timeout=PROBE_TIMEOUT):
    """Check that a Dask server listens at ``tcp://HOST:PORT``, with a plain socket.

    This connects with ``timeout`` seconds, sends the handshake a Dask client sends,
    and reads the server's first message within ``timeout`` seconds more (a Dask
    server sends its handshake as soon as it accepts), then hangs up.

    Raises
    ------
    SchedulerError
        One line saying what is there instead: nothing (connection refused), no
        answer, a server that said nothing, or what a non-Dask server answered.
    """
    with _connect(address, timeout) as sock:
        data, need, ended = _first_message(sock, timeout)
    if need is not None and len(data) >= need and _is_dask_message(data[:need]):
        return
    raise _not_a_scheduler(address, data, need, ended, timeout)


__all__ = ["LOCAL", "PROBE_TIMEOUT", "SchedulerError", "check_scheduler", "probe_scheduler"]
