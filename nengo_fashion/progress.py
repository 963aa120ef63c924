"""Progress of long work: a bar on a terminal, one line per finished item elsewhere.

Every command that runs many items (candidates of ``search``, points of ``sweep``
and ``pareto``, chunks of images on the Loihi emulator) reports through
`Progress`, so they all look alike and all obey ``--quiet``:

- when the stream is a terminal: one line redrawn in place, with a bar, the count,
  the elapsed time and an ETA;
- otherwise (a log file, CI): one line per finished item,
  ``<what>: 3/11 done (cosine-40), 0:04:12 elapsed, ETA 0:09:48``;
- ``quiet=True``: nothing.

Example::

    with Progress(len(candidates), "search") as bar:
        for name in candidates:
            ...
            bar.update(name)
"""

import sys
import time


def format_seconds(seconds):
    """``h:mm:ss`` for a duration in seconds."""
    seconds = int(round(max(seconds, 0)))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class Progress:
    """Count finished items of known total, showing progress on ``stream``.

    Parameters
    ----------
    total : int
        How many items there are.
    what : str
        A short name of the work (``"search"``, ``"emulator"``).
    quiet : bool
        Show nothing.
    stream : file, optional
        Where to write (default ``sys.stderr``, so that stdout keeps only results).
    width : int
        Width of the bar on a terminal, in characters.
    """

    def __init__(self, total, what, quiet=False, stream=None, width=30):
        self.total = max(int(total), 0)
        self.what = what
        self.quiet = quiet
        self.stream = sys.stderr if stream is None else stream
        self.width = width
        self.done = 0
        self.start = time.monotonic()
        isatty = getattr(self.stream, "isatty", None)
        self.tty = bool(isatty and isatty())

    def __enter__(self):
        if self.tty and not self.quiet:
            self._draw("")
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def eta(self):
        """Estimated seconds left, from the mean time per finished item (None before one)."""
        if self.done == 0:
            return None
        elapsed = time.monotonic() - self.start
        return elapsed / self.done * (self.total - self.done)

    def update(self, label="", n=1):
        """Mark ``n`` more items finished; ``label`` names the last one."""
        self.done = min(self.done + n, self.total)
        if self.quiet:
            return
        if self.tty:
            self._draw(label)
        else:
            self.stream.write(self._line(label) + "\n")
            self.stream.flush()

    def _line(self, label):
        elapsed = format_seconds(time.monotonic() - self.start)
        eta = self.eta()
        eta = "?" if eta is None else format_seconds(eta)
        label = f" ({label})" if label else ""
        return f"{self.what}: {self.done}/{self.total} done{label}, {elapsed} elapsed, ETA {eta}"

    def _draw(self, label):
        filled = self.width * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r\033[K[{bar}] {self._line(label)}")
        self.stream.flush()

    def close(self):
        """End the terminal line (nothing to do otherwise)."""
        if self.tty and not self.quiet:
            self.stream.write("\n")
            self.stream.flush()
            self.tty = False


def make_log(quiet=False, stream=None):
    """A ``log(line)`` function for commands: prints unless ``quiet``."""
    if quiet:
        return lambda *args, **kwargs: None
    return lambda line: print(line, file=stream or sys.stdout, flush=True)


def epoch_line(epoch, epochs, history):
    """The one line a training loop logs after epoch ``epoch`` (0-based) of ``epochs``.

    ``history`` holds per-epoch lists ``loss``, ``train_acc``, ``val_acc`` and ``seconds``,
    and ``kept`` (the fraction of first-layer weights kept) when the run prunes.
    """
    kept = f"  kept {history['kept'][-1]:.1%}" if history.get("kept") else ""
    return (
        f"epoch {epoch + 1:3d}/{epochs}  loss {history['loss'][-1]:.4f}  "
        f"train acc {history['train_acc'][-1]:.4f}  val acc {history['val_acc'][-1]:.4f}"
        f"{kept}  ({history['seconds'][-1]:.1f} s)"
    )
