"""The GUI's password rules and its defence against password guessing.

nengo GUI's editor runs Python with the rights of whoever started it, so its password is
the key to the account. Two rules (`docs/promises.md`):

- **A password has at least `MIN_PASSWORD_LENGTH` characters**, from every source
  (``--password-file``, ``$NENGO_FASHION_GUI_PASSWORD``, the prompt: `read_password`;
  `make_gui`'s argument): `check_password` refuses a shorter one with one line at
  start-up. It is never a command-line argument (``ps`` shows those to every user).
- **Guessing is slow.** nengo GUI 0.6.0 checks a login (``pw`` of a POST to ``/login``,
  or of its query) at once and as often as asked: about 200 guesses a second. Here
  (`LoginThrottle`, `throttled_handler`) a failed login makes its client's address wait
  `LOGIN_DELAY` seconds before its next guess is even checked, twice as long after each
  further failure in a row (1 s, 2 s, 4 s, ...), up to `MAX_WAIT` (a lockout: from the
  tenth failure on, one guess per `MAX_WAIT`). An attempt during the wait gets
  ``429 Too Many Requests`` with ``Retry-After`` and its password is not read, so it
  costs the server nothing and tells nothing. Other addresses are not held up; a
  successful login clears its address's count, and an address that stops failing is
  forgotten after `FORGET_AFTER`. An IPv6 client counts by its /64 network (one machine
  usually has a whole /64). Each checked failure prints one line on stderr.
"""

import ipaddress
import math
import os
import sys
import threading
import time

from ..errors import ConfigError

PASSWORD_ENV = "NENGO_FASHION_GUI_PASSWORD"
"""The environment variable a password may come from (`read_password`)."""
MIN_PASSWORD_LENGTH = 12
"""Characters a GUI password must have at least."""
MAX_PASSWORD_LENGTH = 4096
LOGIN_DELAY = 1.0
"""Seconds an address waits after its first failed login; doubled with each further one."""
MAX_WAIT = 300.0
"""The longest wait (seconds) between two checked guesses of one address: the lockout."""
FORGET_AFTER = 3600.0
"""Seconds after its last failure when an address's count is forgotten."""
MAX_CLIENTS = 10000
"""Addresses whose failures are remembered at once (the oldest go first)."""


def check_password(password, source):
    """Return ``password`` if it is long enough; else a one-line `ConfigError`.

    ``source`` names where it came from (``--password-file FILE``, the variable, ...).
    """
    n = len(password)
    if n < MIN_PASSWORD_LENGTH:
        raise ConfigError(
            f"{source}: the password has {n} character{'s' * (n != 1)}; use at least "
            f"{MIN_PASSWORD_LENGTH} (nengo GUI's editor runs Python with your rights)"
        )
    if n > MAX_PASSWORD_LENGTH:
        raise ConfigError(f"{source}: the password is over {MAX_PASSWORD_LENGTH} characters")
    return password


def read_password(password_file=None, prompt=False):
    """The GUI password, never from the command line (``ps`` shows that to every user).

    ``password_file``'s first line, else ``$NENGO_FASHION_GUI_PASSWORD``, else (with
    ``prompt``, when stdin is a terminal) typed at a prompt; ``None`` if none of these.
    A password from any of them must be long enough (`auth.check_password`).
    """
    if password_file is not None:
        try:
            with open(password_file, encoding="utf-8") as f:
                line = f.readline(4097)
        except FileNotFoundError:
            raise ConfigError(f"--password-file {password_file} not found") from None
        except IsADirectoryError:
            raise ConfigError(f"--password-file {password_file} is a folder, not a file") from None
        except OSError as e:
            raise ConfigError(
                f"--password-file {password_file} cannot be read ({e.strerror or e})"
            ) from None
        except UnicodeDecodeError:
            raise ConfigError(f"--password-file {password_file} is not UTF-8 text") from None
        password = line.rstrip("\r\n")
        if len(password) > 4096:
            raise ConfigError(f"--password-file {password_file}: first line over 4096 characters")
        if not password:
            raise ConfigError(
                f"--password-file {password_file}: the first line, the password, is empty"
            )
        return check_password(password, f"--password-file {password_file}")
    if os.environ.get(PASSWORD_ENV):
        return check_password(os.environ[PASSWORD_ENV], f"${PASSWORD_ENV}")
    if prompt and sys.stdin is not None and sys.stdin.isatty():
        import getpass

        try:
            password = getpass.getpass("password for the nengo GUI: ")
        except EOFError:
            password = ""
        if not password:
            raise ConfigError("no password typed")
        return check_password(password, "the typed password")
    return None


def client_key(host):
    """Whose failures an attempt from ``host`` counts as: the IPv4 address (also when
    written as IPv4-mapped IPv6), an IPv6 address's /64 network, else ``host`` itself."""
    try:
        address = ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        return str(host)
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class LoginThrottle:
    """Per-address back-off of failed logins (thread-safe).

    Parameters
    ----------
    delay : float
        Seconds of wait after the first failure in a row; each further one doubles it.
    max_wait : float
        The longest wait.
    forget_after : float
        Seconds after its last failure when an address starts again from nothing.
    max_clients : int
        Addresses remembered at once; when full, the one that failed longest ago goes.
    clock : callable
        Seconds, monotonic (`time.monotonic`; tests give their own).
    """

    def __init__(
        self,
        delay=LOGIN_DELAY,
        max_wait=MAX_WAIT,
        forget_after=FORGET_AFTER,
        max_clients=MAX_CLIENTS,
        clock=time.monotonic,
    ):
        self.delay, self.max_wait, self.forget_after = delay, max_wait, forget_after
        self.max_clients, self.clock = max_clients, clock
        self._lock = threading.Lock()
        self._clients = {}  # key: (failures in a row, time of the last, next allowed time)

    def wait_after(self, failures):
        """Seconds of wait after ``failures`` failed logins in a row."""
        return min(self.delay * 2.0 ** (failures - 1), self.max_wait) if failures > 0 else 0.0

    def attempt(self, host, check):
        """Run ``check()`` (true: the login succeeded) for ``host`` unless it must wait.

        Returns ``(ok, failures, wait)``: ``ok`` is ``None`` if ``check`` was not run
        (``wait`` is then the seconds left), else its result; ``failures`` is the count
        in a row after it and ``wait`` the seconds before the next attempt is checked.
        Attempts are checked one at a time, so parallel connections gain nothing.
        """
        key = client_key(host)
        with self._lock:
            now = self.clock()
            failures, last, allowed = self._clients.get(key, (0, now, now))
            if failures and now - last > self.forget_after:
                failures, allowed = 0, now
            if now < allowed:
                return None, failures, allowed - now
            ok = bool(check())
            if ok:
                self._clients.pop(key, None)
                return True, 0, 0.0
            failures += 1
            wait = self.wait_after(failures)
            self._clients.pop(key, None)  # re-inserted last: the dict stays oldest first
            self._clients[key] = (failures, now, now + wait)
            self._forget(now)
            return False, failures, wait

    def _forget(self, now):
        for key in [
            k for k, (_, last, _) in self._clients.items() if now - last > self.forget_after
        ]:
            del self._clients[key]
        while len(self._clients) > self.max_clients:
            del self._clients[next(iter(self._clients))]

    def __len__(self):
        return len(self._clients)


def throttled_handler(handler_cls):
    """A subclass of nengo GUI's request handler whose login page goes through the
    server's ``login_throttle`` (a `LoginThrottle`; none: nengo GUI's own behaviour)."""
    from nengo_gui import server as gui_server

    class Handler(handler_cls):
        def login_page(self):
            throttle = getattr(self.server, "login_throttle", None)
            if throttle is None or "pw" not in self.db or self.get_session().authenticated:
                return super().login_page()
            response = []

            def check():
                response.append(super(Handler, self).login_page())
                return isinstance(response[0], gui_server.HttpRedirect)

            host = self.client_address[0] if self.client_address else "?"
            ok, failures, wait = throttle.attempt(host, check)
            if ok is None:
                seconds = max(1, math.ceil(wait))
                body = (
                    "<p><strong>Too many failed logins from your address: try again in "
                    f"{seconds} s.</strong></p>"
                ).encode()
                return gui_server.HtmlResponse(
                    body, code=429, headers=(("Retry-After", str(seconds)),)
                )
            if not ok:
                print(
                    f"nengo GUI: failed login from {host} ({failures} in a row; its next "
                    f"guess is checked after {wait:g} s)",
                    file=sys.stderr,
                    flush=True,
                )
            return response[0]

    return Handler
