"""Hostile input, the GUI part: ``python -m nengo_fashion.gui`` against bad options and
against clients that are not browsers. Every case runs the command as a real process
(``tests/hostile.py``) and only ever talks to 127.0.0.1.

- bad options (`BAD_OPTIONS`): one line ``error: ...``, exit status 2, no traceback,
  fast, and no temporary folder made: everything is checked before anything starts;
- the network mode (TLS on 127.0.0.1, a certificate made here): plain HTTP, an idle
  connection, a port scan and a broken handshake each drop only themselves, while a
  real HTTPS client is answered at once; error pages show no traceback;
- passwords: one shorter than 12 characters is refused at start-up from every source
  (`SHORT_PASSWORDS`), and guessing is slow: after a failed login, the client's address
  waits 1 s, 2 s, 4 s, ... before its next guess is even checked, while other clients
  log in at once;
- SIGTERM and Ctrl-C: one line, exit 143 / 130, no temporary folder left behind.

The server's output is polled with a generous deadline (`Server.wait_for`), never read
once after a fixed time: under CPU load a line may come late.
"""

import datetime
import http.client
import json
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from nengo_fashion.config import TrainConfig
from nengo_fashion.gui import HANDSHAKE_TIMEOUT, PASSWORD_ENV
from nengo_fashion.network import Weights

from .hostile import ENV, ROOT, assert_one_line_error, run, run_and_signal

GUI = ["-m", "nengo_fashion.gui"]
TEMP_PREFIX = "nengo-fashion-gui-"
PASSWORD = "correct horse battery staple"
NO_PASSWORD_ENV = {PASSWORD_ENV: ""}  # empty: as if unset
MIN_PASSWORD = 12  # characters (docs/promises.md)
LOGIN_DELAY = 1.0  # seconds after a first failed login; doubled with each further one
STARTUP_SECONDS = 120  # generous: the tests may run beside a CPU hog


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pem_files(folder):
    """A self-signed certificate for 127.0.0.1, its key, a key of another certificate and
    a key protected by a pass phrase; paths, or skip when nothing can make them."""
    folder = Path(folder)
    paths = {k: folder / f"{k}.pem" for k in ("cert", "key", "other_key", "enc_key")}
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        x509 = None
    if x509 is not None:
        keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(3)]
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(keys[0].public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(keys[0], hashes.SHA256())
        )
        paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        pem, pkcs8 = serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8
        for k, path, enc in (
            (keys[0], paths["key"], serialization.NoEncryption()),
            (keys[1], paths["other_key"], serialization.NoEncryption()),
            (keys[2], paths["enc_key"], serialization.BestAvailableEncryption(b"secret")),
        ):
            path.write_bytes(k.private_bytes(pem, pkcs8, enc))
        return paths
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the cryptography package or the openssl program to make a certificate")
    ec_key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for cert, key in ((paths["cert"], paths["key"]), (folder / "other.pem", paths["other_key"])):
        subprocess.run(
            [openssl, "req", "-x509", *ec_key, "-keyout", key, "-out", cert, "-days", "1"]
            + ["-subj", "/CN=127.0.0.1"],
            check=True,
            capture_output=True,
        )
    subprocess.run(
        [openssl, "pkey", "-in", paths["key"], "-aes128", "-passout", "pass:secret"]
        + ["-out", paths["enc_key"]],
        check=True,
        capture_output=True,
    )
    return paths


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A run folder (untrained weights: the GUI needs no data until a page opens), broken
    copies of it, PEM files, a password file, an empty file, a junk file."""
    root = tmp_path_factory.mktemp("gui")
    fake = root / "run"
    fake.mkdir()
    (fake / "config.json").write_text(json.dumps(TrainConfig().asdict()))
    Weights.glorot(0).save(fake / "weights.npz")
    bad_config = root / "bad-config"
    shutil.copytree(fake, bad_config)
    (bad_config / "config.json").write_text('{"neuron": ')
    bad_weights = root / "bad-weights"
    shutil.copytree(fake, bad_weights)
    (bad_weights / "weights.npz").write_bytes(b"not an npz file")
    (root / "pw").write_text(PASSWORD + "\n")
    (root / "short").write_text("x" * (MIN_PASSWORD - 1) + "\n")
    (root / "one").write_text("P\n")
    (root / "empty").write_text("")
    (root / "junk.pem").write_text("this is no PEM file\n")
    return {
        "run": fake,
        "bad_config": bad_config,
        "bad_weights": bad_weights,
        "pw": root / "pw",
        "short": root / "short",
        "one": root / "one",
        "empty": root / "empty",
        "junk": root / "junk.pem",
        "dir": root,
        **_pem_files(root),
    }


def _temp_folders(tmpdir):
    return sorted(p.name for p in Path(tmpdir).glob(TEMP_PREFIX + "*"))


# ---- 1. bad options: one line, exit 2, before anything starts ----

LISTEN = ["--listen", "127.0.0.1"]
TLS = ["--cert", "{cert}", "--key", "{key}"]

# (id, argv after --run RUN with {names} of `files`, words of the error line)
BAD_OPTIONS = [
    ("cert-without-key", ["--cert", "{cert}"], ("--cert", "needs --key")),
    ("key-without-cert", ["--key", "{key}"], ("--key", "needs --cert")),
    ("cert-missing", ["--cert", "{dir}/nope.pem", "--key", "{key}"], ("--cert", "not found")),
    ("key-missing", ["--cert", "{cert}", "--key", "{dir}/nope.pem"], ("--key", "not found")),
    ("cert-is-folder", ["--cert", "{dir}", "--key", "{key}"], ("--cert", "folder")),
    ("cert-not-pem", ["--cert", "{junk}", "--key", "{key}"], ("--cert", "not a PEM certificate")),
    ("key-not-pem", ["--cert", "{cert}", "--key", "{junk}"], ("--key", "not a PEM private key")),
    ("cert-and-key-swapped", ["--cert", "{key}", "--key", "{cert}"], ("--cert", "not a PEM")),
    ("key-of-other-cert", ["--cert", "{cert}", "--key", "{other_key}"], ("--key", "mismatch")),
    ("key-with-pass-phrase", ["--cert", "{cert}", "--key", "{enc_key}"], ("pass phrase",)),
    ("password-in-argv", ["--password", "P"], ("--password-file", PASSWORD_ENV, "ps")),
    ("listen-without-password", [*LISTEN, *TLS], ("password", "--password-file", PASSWORD_ENV)),
    ("listen-without-tls", [*LISTEN, "--password-file", "{pw}"], ("--cert", "--key")),
    (
        "listen-cert-without-key",
        [*LISTEN, "--password-file", "{pw}", "--cert", "{cert}"],
        ("--key",),
    ),
    ("password-file-missing", [*LISTEN, *TLS, "--password-file", "{dir}/nope"], ("not found",)),
    ("password-file-empty", [*LISTEN, *TLS, "--password-file", "{empty}"], ("empty",)),
    ("password-file-folder", [*LISTEN, *TLS, "--password-file", "{dir}"], ("folder",)),
    # TEST-NET-1 (RFC 5737): not this machine's, and no name to look up
    (
        "listen-foreign-address",
        ["--listen", "192.0.2.1", "--password-file", "{pw}", *TLS],
        ("--listen",),
    ),
    ("run-config-corrupt", ["--run", "{bad_config}"], ("config.json",)),
    ("run-weights-corrupt", ["--run", "{bad_weights}"], ("weights.npz",)),
]


@pytest.mark.parametrize(
    "argv, words", [c[1:] for c in BAD_OPTIONS], ids=[c[0] for c in BAD_OPTIONS]
)
def test_bad_option_is_one_line(files, tmp_path, argv, words):
    argv = [a.format(**files) for a in argv]
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    result = run(
        [*GUI, "--run", files["run"], "--no-browser", "--port", _free_port(), *argv],
        env={**NO_PASSWORD_ENV, "TMPDIR": str(tmpdir)},
        stdin="",  # not a terminal: no password prompt
        timeout=60,
    )
    assert_one_line_error(result, contains=words, rc=2, max_seconds=20)
    assert len(result.stderr.strip().splitlines()) == 1, str(result)
    assert "nengo GUI for" not in result.stdout, str(result)  # no server was started
    assert _temp_folders(tmpdir) == [], str(result)


# ---- 2. the network mode against clients that are not browsers ----


class Server:
    """``python -m nengo_fashion.gui`` as a real process, its output in files."""

    def __init__(self, argv, tmp_path, env=None):
        self.tmpdir = tmp_path / "tmp"
        self.tmpdir.mkdir()
        self.out, self.err = tmp_path / "stdout", tmp_path / "stderr"
        base = {**ENV, **NO_PASSWORD_ENV, "TMPDIR": str(self.tmpdir), "PYTHONUNBUFFERED": "1"}
        with open(self.out, "w") as fo, open(self.err, "w") as fe:
            self.proc = subprocess.Popen(
                [sys.executable, *GUI, *map(str, argv)],
                cwd=ROOT,
                env={**base, **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=fo,
                stderr=fe,
            )
        self.url = self.wait_for(r"nengo GUI for .* at (\S+)", STARTUP_SECONDS).group(1)
        self.port = int(re.match(r"https?://[^/]+:(\d+)/", self.url).group(1))

    def stdout(self):
        return self.out.read_text()

    def stderr(self):
        return self.err.read_text()

    def wait_for(self, pattern, seconds=30, stream="stdout", count=1):
        """Poll ``stream`` until ``pattern`` is in it ``count`` times (the last match), or
        fail after ``seconds``: output is waited for, never read once after a fixed time."""
        read = self.stdout if stream == "stdout" else self.stderr
        deadline = time.monotonic() + seconds
        while True:
            matches = list(re.finditer(pattern, read()))
            if len(matches) >= count:
                return matches[-1]
            if self.proc.poll() is not None or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        matches = list(re.finditer(pattern, read()))  # what came while it was ending
        if len(matches) >= count:
            return matches[-1]
        raise AssertionError(
            f"{len(matches)} of {count} {pattern!r} in {stream} within {seconds} s "
            f"(rc={self.proc.poll()})\n{self.stdout()}\n{self.stderr()}"
        )

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def _https(port, method="GET", path="/login", body=None, timeout=30.0):
    """One HTTPS request (certificate not verified: it is self-signed); (status, headers, body)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=context)
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


def _raw(port, data, timeout=30.0):
    """Send ``data`` on a plain TCP connection; all it gets back until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


@pytest.fixture
def tls_server(files, tmp_path):
    server = Server(
        [
            "--run",
            files["run"],
            "--no-browser",
            "--listen",
            "127.0.0.1",
            "--port",
            _free_port(),
            "--password-file",
            files["pw"],
            "--cert",
            files["cert"],
            "--key",
            files["key"],
        ],
        tmp_path,
    )
    yield server
    server.stop()


def test_tls_server_survives_non_tls_clients(tls_server):
    port = tls_server.port
    assert tls_server.url.startswith("https://127.0.0.1:")

    # (a) plain HTTP on the HTTPS port: a short answer, the server lives on
    answer = _raw(port, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert answer.startswith(b"HTTP/1.0 400") and b"https://" in answer, answer
    time.sleep(0.2)
    assert tls_server.alive(), tls_server.stderr()

    # a port scan (connect, close) and a broken handshake drop only themselves
    for _ in range(5):
        socket.create_connection(("127.0.0.1", port), timeout=30).close()
    # (a TLS alert at most: a handshake record of nonsense)
    assert _raw(port, b"\x16\x03\x01\x00\x05hello" + b"\x00" * 64)[:1] in (b"", b"\x15")
    assert _raw(port, b"\x00\x01\x02 not tls") == b""

    # (b) an idle connection, kept open ...
    idle = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        # (c) ... does not stop a real HTTPS client: answered before the idle one is dropped
        t0 = time.monotonic()
        status, _, body = _https(port, "GET", "/login")
        assert status == 200 and b'type="password"' in body, body
        assert time.monotonic() - t0 < HANDSHAKE_TIMEOUT

        # the password from --password-file logs in; a wrong one does not
        status, headers, _ = _https(port, "POST", "/login", body="pw=" + PASSWORD.replace(" ", "+"))
        assert status == 303 and headers["Location"].endswith("/"), (status, headers)
        status, _, body = _https(port, "POST", "/login", body="pw=wrong")
        assert status == 200 and b"Invalid password" in body

        # error pages: plain, no traceback, no local path, the path escaped
        status, _, body = _https(port, "GET", "/static/<b>nope.js")
        assert status == 404 and b"&lt;b&gt;" in body, body
        for bad in (b"Traceback", b"<b>", str(ROOT).encode(), b"site-packages"):
            assert bad not in body, body
        status, _, body = _https(port, "POST", "/login", body=None)  # no Content-Length
        assert status in (400, 411) and b"Traceback" not in body, (status, body)
    finally:
        # (d) the idle client goes away: the server is still there and still answers
        idle.close()
    time.sleep(0.3)
    assert tls_server.alive(), tls_server.stderr()
    status, _, _ = _https(port, "GET", "/login")
    assert status == 200

    tls_server.wait_for(r"dropped a connection .*plain HTTP", stream="stderr")
    err = tls_server.stderr()
    assert "Traceback" not in err, err
    dropped = [line for line in err.splitlines() if "dropped a connection" in line]
    assert len(dropped) <= 5, err  # at most one line per bad connection; none for the scan
    assert any("plain HTTP" in line for line in dropped), err


def test_idle_connection_is_dropped_after_handshake_timeout(tls_server):
    """A connection that never starts its handshake holds nothing for long."""
    port = tls_server.port
    with socket.create_connection(("127.0.0.1", port), timeout=HANDSHAKE_TIMEOUT + 30) as idle:
        t0 = time.monotonic()
        assert _https(port, "GET", "/login")[0] == 200  # answered while it waits
        try:
            closed = idle.recv(1) == b""
        except ConnectionResetError:
            closed = True
        waited = time.monotonic() - t0
    # (the bound is loose: under CPU load the server's timer fires late, not never)
    assert closed and waited < HANDSHAKE_TIMEOUT + 20, waited
    # the line is written after the connection is closed: wait for it
    tls_server.wait_for(
        r"dropped a connection from 127\.0\.0\.1: no TLS handshake", stream="stderr"
    )
    assert tls_server.alive()
    assert "Traceback" not in tls_server.stderr()


# ---- 3. passwords: long enough, and slow to guess ----

# (id, argv after --run RUN with {names} of `files`, the environment): every source of a
# password (the prompt's case is tests/test_gui.py's: it needs a terminal)
SHORT_PASSWORDS = [
    ("file-11-chars", [*LISTEN, *TLS, "--password-file", "{short}"], {}),
    ("file-1-char", [*LISTEN, *TLS, "--password-file", "{one}"], {}),
    ("env-11-chars", [*LISTEN, *TLS], {PASSWORD_ENV: "x" * (MIN_PASSWORD - 1)}),
    ("env-1-char", [*LISTEN, *TLS], {PASSWORD_ENV: "P"}),
    # on localhost a password is optional, but one that is given must be long enough
    ("env-localhost", [], {PASSWORD_ENV: "secret"}),
    ("file-localhost", ["--password-file", "{one}"], {}),
]


@pytest.mark.parametrize(
    "argv, env", [c[1:] for c in SHORT_PASSWORDS], ids=[c[0] for c in SHORT_PASSWORDS]
)
def test_short_password_is_refused(files, tmp_path, argv, env):
    argv = [a.format(**files) for a in argv]
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    result = run(
        [*GUI, "--run", files["run"], "--no-browser", "--port", _free_port(), *argv],
        env={**NO_PASSWORD_ENV, "TMPDIR": str(tmpdir), **env},
        stdin="",
        timeout=60,
    )
    assert_one_line_error(result, contains=("password", f"at least {MIN_PASSWORD}"), rc=2)
    assert len(result.stderr.strip().splitlines()) == 1, str(result)
    assert "nengo GUI for" not in result.stdout, str(result)
    assert _temp_folders(tmpdir) == [], str(result)


def _login(port, password, *, source="127.0.0.1", method="POST"):
    """One login attempt from ``source`` (another loopback address is another client):
    ``(status, Retry-After or None, body)``."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection(
        "127.0.0.1", port, timeout=30, context=context, source_address=(source, 0)
    )
    form = urllib.parse.urlencode({"pw": password})
    try:
        if method == "POST":
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            conn.request("POST", "/login", body=form, headers=headers)
        else:  # nengo GUI also takes the password from the query
            conn.request("GET", "/login?" + form)
        r = conn.getresponse()
        return r.status, r.getheader("Retry-After"), r.read()
    finally:
        conn.close()


def _checked(answer):
    """Whether the server checked the password of an attempt (else it said: wait)."""
    status, retry_after, body = answer
    if status == 429:
        assert retry_after is not None and int(retry_after) >= 1, answer
        assert b"Traceback" not in body, answer
        return False
    assert status in (200, 303), answer
    return True


def test_password_guessing_is_throttled(tls_server):
    """20 rapid wrong guesses from one address: after the n-th failed one, the address's
    next guess is checked only 2**(n-1) s later (until then: 429 and Retry-After, the
    password unread). Another address logs in meanwhile; the first does after its wait."""
    port = tls_server.port
    t0 = time.monotonic()
    times = []  # when each guess that was checked was answered
    for i in range(20):
        answer = _login(port, f"wrong guess {i}", method="POST" if i % 2 else "GET")
        if _checked(answer):
            assert answer[0] == 200 and b"Invalid password" in answer[2], answer
            times.append(time.monotonic() - t0)
    assert 1 <= len(times) < 20, times
    for n in range(1, len(times)):  # the n-th failure's wait, less this machine's slack
        assert times[n] - times[n - 1] >= LOGIN_DELAY * 2 ** (n - 1) - 0.25, times

    # wait until the next guess is checked, fail it: now the wait is at least 2 s ...
    while not _checked(answer := _login(port, "one more wrong guess")):
        time.sleep(0.2)
    failures = len(times) + 1
    # ... and even the right password is not checked during it
    status, retry_after, _ = _login(port, PASSWORD)
    assert status == 429 and int(retry_after) >= 1, (status, retry_after)

    # another client is not held up
    t1 = time.monotonic()
    status, _, _ = _login(port, PASSWORD, source="127.0.0.2")
    assert status == 303 and time.monotonic() - t1 < HANDSHAKE_TIMEOUT, status

    # after the wait, the first address logs in (and its count starts again)
    time.sleep(int(retry_after))
    while (answer := _login(port, PASSWORD))[0] == 429:
        time.sleep(0.2)
    assert answer[0] == 303, answer
    assert time.monotonic() - t0 < 45, time.monotonic() - t0

    # one line on stderr per checked failure, none per refused guess; no traceback
    tls_server.wait_for(r"failed login from 127\.0\.0\.1", stream="stderr", count=failures)
    err = tls_server.stderr()
    assert err.count("failed login from") == failures, err
    assert "Traceback" not in err and tls_server.alive(), err


# ---- 4. SIGTERM and Ctrl-C: one line, the temporary folder removed ----


@pytest.mark.parametrize(
    "sig, rc", [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["term", "int"]
)
def test_signal_cleans_up(files, tmp_path, sig, rc):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    seen, signalled = [], []

    def started(stdout, stderr):
        if "nengo GUI for" in stdout:
            seen.extend(_temp_folders(tmpdir))  # the folder exists while it serves
            signalled.append(time.monotonic())
            return True
        return False

    result = run_and_signal(
        [*GUI, "--run", files["run"], "--no-browser", "--port", _free_port()],
        when=started,
        sig=sig,
        timeout=STARTUP_SECONDS + 30,
        env={"TMPDIR": str(tmpdir), "PYTHONUNBUFFERED": "1"},
    )
    assert seen, f"no temporary folder while serving?\n{result}"
    assert_one_line_error(result, rc=rc)
    # it stops soon after the signal (its start-up, slow under load, is not timed)
    assert time.monotonic() - signalled[0] < 30, str(result)
    assert len(result.stderr.strip().splitlines()) == 1, str(result)
    assert _temp_folders(tmpdir) == [], str(result)
