"""The harness of the hostile-input suites (``tests/test_hostile*.py``): run a command as a
user would (a real process), then check the promises of ``docs/promises.md``:

- the exit status is the documented one (2 for a user error, 130 for an interrupt);
- stderr ends with one line naming the problem (``error: ...``) and no Python traceback;
- nothing of value was replaced or deleted (`Snapshot`), nothing half-written is left
  (`leftovers`);
- it failed within a time bound.

A case is a row of a table: ``Case(id, argv, contains, ...)``; `check_case` runs it.
"""

import dataclasses
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

ENV = {
    **os.environ,
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "PYTHONWARNINGS": "ignore",
    "PYTHONUNBUFFERED": "1",  # progress lines arrive as printed, for `run_and_signal`
    # nothing a test runs may use a real cluster or the network
    "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "5s",
}


@dataclasses.dataclass
class Result:
    argv: list
    rc: int
    stdout: str
    stderr: str
    seconds: float

    def __str__(self):
        return (
            f"$ {' '.join(map(str, self.argv))}\nrc={self.rc} in {self.seconds:.1f} s\n"
            f"--- stdout\n{self.stdout[-3000:]}\n--- stderr\n{self.stderr[-3000:]}"
        )


def run(argv, *, timeout=120, cwd=None, env=None, stdin=None):
    """Run ``python -m ...`` (``argv`` without the interpreter) to the end; a `Result`."""
    cmd = [sys.executable, *map(str, argv)]
    t0 = time.monotonic()
    p = subprocess.run(
        cmd,
        cwd=cwd or ROOT,
        env={**ENV, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
    )
    return Result(cmd, p.returncode, p.stdout, p.stderr, time.monotonic() - t0)


def run_and_signal(argv, *, when, sig=signal.SIGINT, timeout=180, cwd=None, env=None):
    """Start a command, send it ``sig`` once ``when(stdout_so_far, stderr_so_far)`` is true
    (polled), and wait for it to end; a `Result`. ``when`` may be a number of seconds."""
    cmd = [sys.executable, *map(str, argv)]
    out_f = Path(os.environ.get("TMPDIR", "/tmp")) / f"hostile-{os.getpid()}-{time.time_ns()}"
    t0 = time.monotonic()
    with open(f"{out_f}.out", "w+") as fo, open(f"{out_f}.err", "w+") as fe:
        p = subprocess.Popen(cmd, cwd=cwd or ROOT, env={**ENV, **(env or {})}, stdout=fo, stderr=fe)
        try:
            while p.poll() is None and time.monotonic() - t0 < timeout:
                so, se = Path(f"{out_f}.out").read_text(), Path(f"{out_f}.err").read_text()
                ready = (
                    (time.monotonic() - t0 >= when)
                    if isinstance(when, (int, float))
                    else when(so, se)
                )
                if ready:
                    p.send_signal(sig)
                    break
                time.sleep(0.05)
            p.wait(timeout=max(1.0, timeout - (time.monotonic() - t0)))
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        so, se = Path(f"{out_f}.out").read_text(), Path(f"{out_f}.err").read_text()
    for suffix in (".out", ".err"):
        Path(f"{out_f}{suffix}").unlink()
    return Result(cmd, p.returncode, so, se, time.monotonic() - t0)


def assert_one_line_error(result, *, contains=(), rc=2, max_seconds=None):
    """The command failed cleanly: exit ``rc``, no traceback, and stderr's last line says
    ``error: ...`` with every string of ``contains`` (case-insensitive) in it."""
    assert result.rc == rc, str(result)
    assert "Traceback" not in result.stderr, str(result)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines, f"no message on stderr\n{result}"
    last = lines[-1]
    assert "error" in last.lower(), f"last stderr line is not an error: {last!r}\n{result}"
    if isinstance(contains, str):
        contains = (contains,)
    for word in contains:
        assert word.lower() in last.lower(), f"{word!r} not in {last!r}\n{result}"
    if max_seconds is not None:
        assert (
            result.seconds <= max_seconds
        ), f"took {result.seconds:.1f} s > {max_seconds}\n{result}"


def one_line_error(capsys, argv, main):
    """In-process: ``main(argv)`` exits with status 2 and one line on stderr; that line."""
    import pytest

    with pytest.raises(SystemExit) as e:
        code = main(argv)
        raise SystemExit(code)
    err = capsys.readouterr().err.strip()
    assert e.value.code == 2
    assert len(err.splitlines()) == 1, err
    return err


class Snapshot:
    """The bytes of every file under some folders (or of some files), to show that a command
    changed none of them."""

    def __init__(self, *paths):
        self.paths = [Path(p) for p in paths]
        self.digests = self._take()

    def _take(self):
        out = {}
        for p in self.paths:
            files = [p] if p.is_file() else sorted(f for f in p.rglob("*") if f.is_file())
            for f in files:
                out[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
        return out

    def changes(self):
        now = self._take()
        return sorted(k for k in set(now) | set(self.digests) if now.get(k) != self.digests.get(k))

    def assert_unchanged(self):
        changed = self.changes()
        assert not changed, f"files changed, added or removed: {changed}"


def leftovers(*folders):
    """Temporary files and folders a write left behind (``.NAME.XXXX.tmp``, ``.old``, locks)."""
    found = []
    for folder in folders:
        folder = Path(folder)
        if not folder.exists():
            continue
        for p in folder.rglob(".*"):
            if p.name.endswith((".tmp", ".old")) or ".write-check." in p.name:
                found.append(str(p))
    return found
