"""The GUI's server: where it listens, TLS, each connection's handshake, hostile clients.

nengo GUI 0.6.0's server was written for one trusted browser on localhost. Here it is
hardened for a network (`docs/promises.md`): `check_network` checks ``--listen``,
``--cert`` and ``--key`` before anything starts (listening beyond localhost needs TLS);
`free_port` finds a port; with TLS, each connection's handshake runs in that connection's
own thread with a timeout (`tls_handshake`, `HANDSHAKE_TIMEOUT`), so a plain-HTTP request,
a port scan or an idle connection only ever drops itself (`harden_server`,
`safe_handler`); error pages are plain and a browser's disconnect is quiet
(`quiet_disconnects`). The password and the login throttle are `nengo_fashion.gui.auth`'s.
"""

import errno
import html
import os
import socket
import ssl
import sys
import time

from ..errors import ConfigError

HANDSHAKE_TIMEOUT = 5.0
"""Seconds a new TLS connection has to complete its handshake before it is dropped."""
IDLE_TIMEOUT = 60.0
"""Seconds a connection may wait between requests (websockets excepted) before it is closed."""
MAX_POST_BYTES = 16 * 2**20
"""The largest POST body (bytes) a client may send."""


def free_port(host, port, tries=20):
    """``port`` if free, else the next free one (said on stdout); error after ``tries``."""
    last = min(port + tries, 65536) - 1
    for p in range(port, last + 1):
        with socket.socket() as s:
            try:
                s.bind((host or "", p))
            except socket.gaierror as e:
                raise ConfigError(
                    f"cannot listen on {host!r} ({e.strerror}): check --listen"
                ) from None
            except OSError as e:
                if e.errno == errno.EADDRNOTAVAIL:
                    raise ConfigError(
                        f"cannot listen on {host!r} ({e.strerror}): --listen must be an "
                        "address of this machine"
                    ) from None
                if e.errno != errno.EADDRINUSE:
                    raise ConfigError(
                        f"cannot listen on {host or '*'}:{p} ({e.strerror}); pass another --port"
                    ) from None
                continue
        if p != port:
            print(f"port {port} is in use; using port {p}")
        return p
    raise ConfigError(f"ports {port}..{last} are all in use; pass --port")


def tls_context(cert, key):
    """The server-side TLS context of ``--cert`` and ``--key``; ``None`` if neither is given.

    Raises `ConfigError` for one without the other, a missing or unreadable file, a
    file that holds no PEM certificate or key, a key that does not match the
    certificate, or a key protected by a pass phrase (nothing could type it).
    """
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        given, other = ("--cert", "--key") if key is None else ("--key", "--cert")
        raise ConfigError(f"{given} needs {other} too (the certificate and its private key)")
    for option, path, marker, what in (
        ("--cert", cert, b"-----BEGIN CERTIFICATE-----", "a PEM certificate"),
        ("--key", key, b"PRIVATE KEY-----", "a PEM private key"),
    ):
        if not os.path.exists(path):
            raise ConfigError(f"{option} {path} not found")
        if os.path.isdir(path):
            raise ConfigError(f"{option} {path} is a folder, not {what}")
        try:
            with open(path, "rb") as f:
                text = f.read(2**20)
        except OSError as e:
            raise ConfigError(f"{option} {path} cannot be read ({e.strerror or e})") from None
        if marker not in text:
            raise ConfigError(f"{option} {path} is not {what} (no {marker.decode()!r} in it)")

    def no_pass_phrase():
        raise ConfigError(f"--key {key} is protected by a pass phrase; give an unencrypted key")

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(cert, key, password=no_pass_phrase)
    except ssl.SSLError as e:
        raise ConfigError(
            f"cannot use --cert {cert} with --key {key} ({e.reason or e}): they must be a PEM "
            "certificate and its unencrypted private key"
        ) from None
    except OSError as e:
        raise ConfigError(f"cannot read --cert {cert} or --key {key} ({e.strerror or e})") from None
    return context


def check_network(listen, cert, key):
    """Check ``--listen``, ``--cert`` and ``--key``; the TLS context (``None``: plain HTTP)."""
    context = tls_context(cert, key)
    if listen != "localhost" and context is None:
        raise ConfigError("listening beyond localhost needs TLS: pass --cert and --key")
    return context


class ConnectionDropped(Exception):
    """A connection closed before its first request (a failed TLS handshake, plain HTTP
    on the HTTPS port, a port scan). The message is the reason; empty: not worth a line."""


def _answer_plain_http(conn):
    """Tell a plain-HTTP client on the HTTPS port to use https (best effort)."""
    body = b"This nengo GUI server speaks HTTPS only: use https:// instead of http://.\n"
    try:
        conn.settimeout(1.0)
        conn.recv(65536)  # the request: closing with it unread would reset the answer
        conn.sendall(
            b"HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
        )
        conn.shutdown(socket.SHUT_WR)
        for _ in range(16):  # until the client closes too
            if not conn.recv(65536):
                break
    except OSError:
        pass


def tls_handshake(conn, context, timeout=HANDSHAKE_TIMEOUT):
    """Secure an accepted connection ``conn``; the `ssl.SSLSocket`.

    Runs in the connection's own thread (not in the server's accept loop, where one
    bad or idle client would stop every other), and takes at most ``timeout``
    seconds. A client that is not a TLS client gets `ConnectionDropped`, ``conn``
    closed; plain HTTP gets a short 400 answer first.
    """
    deadline = time.monotonic() + timeout
    try:
        conn.settimeout(timeout)
        first = conn.recv(1, socket.MSG_PEEK)
        if not first:
            raise ConnectionDropped("")  # connected and closed: a port scan
        if first != b"\x16":  # a TLS connection starts with a handshake record
            if first.isalpha():
                _answer_plain_http(conn)
                raise ConnectionDropped("plain HTTP on the HTTPS port (answered: use https://)")
            raise ConnectionDropped("not a TLS client")
        conn.settimeout(max(0.1, deadline - time.monotonic()))
        tls = context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        try:
            tls.do_handshake()
        except BaseException:
            tls.close()
            raise
        return tls
    except ConnectionDropped:
        conn.close()
        raise
    except TimeoutError:
        conn.close()
        raise ConnectionDropped(f"no TLS handshake within {timeout:g} s") from None
    except ssl.SSLError as e:
        conn.close()
        raise ConnectionDropped(f"TLS handshake failed ({e.reason or e})") from None
    except OSError:  # the client reset the connection
        conn.close()
        raise ConnectionDropped("") from None


def harden_server(server, context=None):
    """Make nengo GUI's ``server`` survive what a client does before its first request.

    nengo GUI 0.6.0 accepts connections in one loop, outside any ``try``: with TLS,
    its listening sockets did each handshake inside ``accept()``, so plain HTTP
    stopped the server with a traceback and an idle connection blocked everyone.
    Here the listening sockets stay plain and non-blocking (an ``accept()`` error
    ends that ``accept()`` only), and with ``context`` each connection's handshake
    runs in its own thread (`safe_handler`, `tls_handshake`).
    """
    server.tls_context = context
    for b in server.bindings:
        b.socket.setblocking(False)
    accept_one = server._handle_request_noblock

    def handle_request_noblock(sock):
        try:
            accept_one(sock)
        except (BlockingIOError, ConnectionAbortedError, InterruptedError):
            pass  # the client left between select() and accept()
        except OSError as e:  # out of file descriptors, say: wait, the loop retries
            print(f"nengo GUI: cannot accept a connection ({e})", file=sys.stderr, flush=True)
            time.sleep(0.1)

    server._handle_request_noblock = handle_request_noblock
    return quiet_disconnects(server)


def quiet_disconnects(server):
    """Make ``server`` drop a browser's disconnect silently.

    nengo GUI 0.6.0 means to ignore a client that goes away (its ``handle_error``
    checks ``exc_type is socket.error``), but the error raised is a subclass
    (`ConnectionResetError`, `BrokenPipeError`), so it prints a traceback every time
    a browser closes. Only those expected errors (and timeouts and TLS errors of a
    client) are silenced; a `ConnectionDropped` prints its one line; others print.
    """
    handle_error = server.handle_error

    def handle(request, client_address):
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionDropped):
            if str(error):
                host = client_address[0] if client_address else "?"
                print(
                    f"nengo GUI: dropped a connection from {host}: {error}",
                    file=sys.stderr,
                    flush=True,
                )
            return
        if isinstance(error, (ConnectionError, TimeoutError, ssl.SSLError)):
            return
        handle_error(request, client_address)

    server.handle_error = handle
    return server


def safe_handler(handler_cls):
    """A subclass of nengo GUI's request handler for clients that may be hostile.

    - with TLS (``server.tls_context``), the handshake runs here, in the
      connection's thread (`tls_handshake`);
    - a connection idle for `IDLE_TIMEOUT` seconds between requests is closed;
    - error pages are plain: status and message (escaped), never a traceback
      with local paths (nengo GUI's 500 page), a missing static file is a 404;
    - a POST without a sane Content-Length or Content-Type gets 400.
    """
    from urllib.parse import parse_qs, urlparse

    from nengo_gui import server as gui_server

    class Handler(handler_cls):
        timeout = IDLE_TIMEOUT  # StreamRequestHandler.setup applies it; websockets unset it

        def setup(self):
            context = getattr(self.server, "tls_context", None)
            if context is not None:
                self.request = tls_handshake(self.request, context)
            super().setup()

        def finish(self):
            try:
                super().finish()
            finally:
                if getattr(self.server, "tls_context", None) is not None:
                    self.request.close()  # the server closes only the plain socket

        def send_plain_error(self, code, message):
            body = f"<h1>{code}</h1><p>{html.escape(str(message))}</p>".encode()
            gui_server.HtmlResponse(body, code=code).send(self)

        def do_POST(self):
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                length = -1
            kind = self.headers.get("Content-Type")
            if not 0 <= length <= MAX_POST_BYTES or kind is None or "multipart/" in kind:
                self.close_connection = True
                return self.send_plain_error(400, "Bad request")
            try:
                super().do_POST()
            except ValueError:  # a body that is not ASCII form data
                self.send_plain_error(400, "Bad request")

        def do_GET(self):
            # nengo GUI 0.6.0's do_GET, with plain error pages
            try:
                parsed = urlparse(self.path)
                self.resource = parsed.path
                self.query = parse_qs(parsed.query)
                self.db.update({k: v[0] for k, v in self.query.items() if k not in self.db})
                if "Cookie" in self.headers:
                    self.request_cookies.parse_request(self.headers.get("Cookie"))
                if "upgrade" in self.headers.get("Connection", "close").lower():
                    self.handle_upgrade()
                else:
                    self.http_GET()
            except gui_server.HttpError as err:
                self.send_plain_error(err.code, err.msg)
            except (ConnectionError, TimeoutError, ssl.SSLError):
                raise  # the client went away: nothing to answer
            except Exception:
                gui_server.logger.exception("Error response")
                self.send_plain_error(500, "Internal server error")

        def serve_static(self):
            try:
                return super().serve_static()
            except (OSError, ValueError):  # no such file, or a folder
                raise gui_server.HttpError(404, f"Not found: {self.resource}") from None

    return Handler
