"""Shared command-line helpers: argument types, common options, error handling."""

import argparse
import math
import sys

from .config import SpikeSettings
from .errors import NengoFashionError

NO_SYNAPSE = "none"


class ArgumentParser(argparse.ArgumentParser):
    """An `argparse.ArgumentParser` whose errors are one line: ``prog: error: ...``."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def positive_int(text):
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def port_number(text):
    """argparse type: a TCP port, 1-65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port in 1-65535, got {value}")
    return value


def positive_float(text):
    """argparse type: a finite float > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def synapse_value(text):
    """argparse type: a lowpass tau >= 0 in seconds, or ``none``."""
    if text.lower() == NO_SYNAPSE:
        return NO_SYNAPSE
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a time constant in seconds or 'none', got {text!r}"
        ) from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be >= 0 seconds or 'none', got {text}")
    return value


def add_data_args(parser, n_val=True):
    """``--data-dir`` and (for training) ``--n-val``."""
    parser.add_argument(
        "--data-dir",
        default=None,
        help="folder with the four Fashion-MNIST IDX .gz files (default: "
        "$NENGO_FASHION_DATA, then /usr/share/datasets/fashion-mnist, then the Keras cache)",
    )
    if not n_val:
        return
    parser.add_argument(
        "--n-val",
        type=positive_int,
        default=5000,
        help="validation images held out from the end of the training split (default 5000)",
    )


def add_output_args(parser, default_help, files):
    """``--out DIR`` (always a folder) and ``--quiet``.

    Parameters
    ----------
    default_help : str
        What the default folder is, for ``--help``.
    files : str
        The fixed file names written inside the folder, for ``--help``.
    """
    parser.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help=f"output folder, created if missing (default: {default_help}); writes {files}",
    )
    add_quiet_arg(parser)


def add_run_folder_args(parser, out, name, name_help):
    """``--out DIR`` (the folder of run folders), ``--name``, ``--overwrite`` and ``--quiet``."""
    parser.add_argument(
        "--out",
        default=out,
        metavar="DIR",
        help=f"folder that holds run folders, created if missing (default {out}); the run "
        "is written to DIR/NAME/",
    )
    parser.add_argument("--name", default=name, help=f"run name (default {name_help})")
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing run folder of the same name (once the new one is complete)",
    )
    add_quiet_arg(parser)


def train_run_folder(train_func, config, args):
    """The end of a training command: check ``--out``, load the data, train into a run folder.

    ``train_func(config, dataset, out=, name=, overwrite=, log=)`` is `train.train` or
    `teacher.train_teacher`; ``args`` has the options of `add_run_folder_args` and
    `add_data_args`.
    """
    from . import data
    from .atomic import prepare_out_dir
    from .progress import make_log

    prepare_out_dir(args.out)
    dataset = data.load(args.data_dir, n_val=config.n_val)
    return train_func(
        config,
        dataset,
        out=args.out,
        name=args.name,
        overwrite=args.overwrite,
        log=make_log(args.quiet),
    )


def add_quiet_arg(parser):
    """``--quiet``: no progress output (results and errors still print)."""
    parser.add_argument(
        "--quiet", action="store_true", help="print no progress (only results and errors)"
    )


def add_spike_args(parser, defaults_help):
    """Options of one spiking setting (``--dt --steps --synapse --scale``)."""
    g = parser.add_argument_group("spiking inference", f"default: {defaults_help}")
    g.add_argument("--dt", type=positive_float, default=None, help="time step, in seconds")
    g.add_argument("--steps", type=positive_int, default=None, help="timesteps per image")
    g.add_argument(
        "--synapse",
        type=synapse_value,
        default=None,
        help="lowpass tau on the hidden spikes, in seconds, or 'none'",
    )
    g.add_argument("--scale", type=positive_float, default=None, help="firing-rate scale")
    return g


def spike_settings(args, base):
    """A `SpikeSettings` from ``base`` with the options given in ``args``."""
    values = base.asdict()
    given = {k: getattr(args, k) for k in ("dt", "steps", "synapse", "scale")}
    values.update({k: v for k, v in given.items() if v is not None})
    if values["synapse"] == NO_SYNAPSE:
        values["synapse"] = None
    if given["synapse"] is not None:
        values["readout"] = None  # re-derive mean/last from the new synapse
    return SpikeSettings(**values)


def scheduler_address(text):
    """argparse type: ``local`` or ``tcp://HOST:PORT`` (a Dask scheduler)."""
    from .tasks import check_scheduler

    try:
        return check_scheduler(text)
    except NengoFashionError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def add_scheduler_args(parser):
    """``--scheduler`` and ``--workers``: where a command's independent tasks run.

    Without ``--scheduler`` the tasks run one after another in this process (no Dask
    needed); see `nengo_fashion.tasks.TaskRunner` and ``docs/distributed.md``.
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


def run_cli(func):
    """Call ``func()``; turn a user error into one line on stderr and exit code 2."""
    try:
        func()
    except NengoFashionError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing half-written was left behind", file=sys.stderr)
        return 130
    return 0
