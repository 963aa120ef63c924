"""Shared command-line helpers: argument types, common options, error handling."""

import argparse
import dataclasses
import math
import sys

from .atomic import NAME_HINT, name_problem
from .config import MAX_SEED, MAX_STEPS, SpikeSettings
from .errors import NengoFashionError
from .extras import missing_dependency

NO_SYNAPSE = "none"


class ArgumentParser(argparse.ArgumentParser):
    """An `argparse.ArgumentParser` whose errors are one line: ``prog: error: ...``."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _int_at_least(text, low):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < low:
        raise argparse.ArgumentTypeError(f"must be >= {low}, got {value}")
    return value


def positive_int(text):
    """argparse type: an integer >= 1."""
    return _int_at_least(text, 1)


def non_negative_int(text):
    """argparse type: an integer >= 0."""
    return _int_at_least(text, 0)


def seed_value(text):
    """argparse type: a seed, an integer in 0..2**32 - 1 (what numpy's RandomState takes)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer seed, got {text!r}") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(
            f"a seed must be in 0..{MAX_SEED} (2**32 - 1), got {value}"
        )
    return value


def steps_value(text):
    """argparse type: timesteps per image, an integer in 1..`MAX_STEPS`."""
    value = positive_int(text)
    if value > MAX_STEPS:
        raise argparse.ArgumentTypeError(
            f"must be at most {MAX_STEPS} steps per image, got {value}"
        )
    return value


def run_name(text):
    """argparse type: a run name, one folder inside ``--out`` (`atomic.check_name`)."""
    bad = name_problem(text)
    if bad:
        raise argparse.ArgumentTypeError(f"{text!r} {bad}; {NAME_HINT}")
    return text


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


KNOB_TYPES = {
    "int": int,
    "positive_int": positive_int,
    "non_negative_int": non_negative_int,
    "positive_float": positive_float,
    "float": float,
    "seed": seed_value,
    "steps": steps_value,
    "synapse": synapse_value,
    "port": port_number,
}
"""The argparse types a `TrainConfig` knob may name (``parse`` in its declaration)."""


def add_knobs(parser, config_cls, groups=None, *, exclude=()):
    """One option per field of ``config_cls`` declared a knob (field metadata ``"cli"``).

    The option is ``--`` and the field's name with dashes, its value lands in
    ``args.<field>`` (None when not given); ``groups`` maps a knob's ``group`` to an
    argparse group; the fields in ``exclude`` get no option. A knob without a default
    (``knob(dataclasses.MISSING, ...)``) is a required option. Read the values back with
    `knob_values`.
    """
    groups = groups or {}
    for f in dataclasses.fields(config_cls):
        spec = f.metadata.get("cli")
        if spec is None or f.name in exclude:
            continue
        kwargs = dict(dest=f.name, default=None, help=spec["help"])
        parse = spec["parse"]
        if parse == "flag":
            kwargs["action"] = argparse.BooleanOptionalAction
        elif parse == "family":
            from .families import FAMILIES  # the family table imports Nengo: only here

            kwargs["choices"] = tuple(sorted(FAMILIES))
        elif isinstance(parse, tuple):
            kwargs["choices"] = parse
        elif parse is not None:
            kwargs["type"] = KNOB_TYPES[parse]
        if spec["metavar"]:
            kwargs["metavar"] = spec["metavar"]
        if spec.get("nargs"):
            kwargs["nargs"] = spec["nargs"]
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            kwargs["required"] = True  # a field without a default: a required option
        flag = "--" + f.name.replace("_", "-")
        groups.get(spec["group"], parser).add_argument(flag, *spec["aliases"], **kwargs)


def knob_values(args, config_cls, *, given=False):
    """``{field: value}`` of the knobs of ``config_cls`` in ``args`` (None: not given).

    Only the knobs that ``args`` has (`add_knobs` may have excluded some); with ``given``,
    only those given on the command line (not None): overrides, e.g. of a `TrainConfig`.
    """
    values = {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(config_cls)
        if "cli" in f.metadata and hasattr(args, f.name)
    }
    return {k: v for k, v in values.items() if v is not None} if given else values


def config_from_args(args, config_cls, **values):
    """A ``config_cls`` from parsed ``args``: each field that ``args`` holds a value for.

    The knobs given (None: not given, the field's default) and the shared options whose
    destination is a field's name (``--out``, ``--overwrite``, ``--data-dir``, ``--split``,
    the spiking options...), then ``values``, which replace them.
    """
    fields = {f.name for f in dataclasses.fields(config_cls)}
    found = {k: v for k, v in vars(args).items() if k in fields and v is not None}
    return config_cls(**{**found, **values})


TRAIN_GROUPS = {
    "distillation": ("distillation", "a CNN teacher's softened outputs in the loss"),
    "variants": ("thesis variants", "training knobs; --variant sets them as the thesis did"),
    "pruning": ("pruning", "sparse first-layer weights (fewer synaptic operations on a chip)"),
}
"""The option groups of the training knobs in ``--help``: ``group`` -> (title, description)."""


def add_train_knobs(parser, config_cls, *, title=None, exclude=()):
    """The options of every training knob (the fields of ``config_cls``, a `TrainConfig`,
    declared with `nengo_fashion.config.knob`), in the groups of `TRAIN_GROUPS`.

    A command that trains adds them all, so that a knob declared in `TrainConfig` is an
    option of each with no edit there; ``title`` puts the knobs of no group in a group of
    that title (a study's own options stay apart); ``exclude`` names the fields a study
    sets itself. Read them back with ``knob_values(args, config_cls, given=True)``.
    """
    groups = {None: parser.add_argument_group(title)} if title else {}
    for key, (name, description) in TRAIN_GROUPS.items():
        groups[key] = parser.add_argument_group(name, description)
    add_knobs(parser, config_cls, groups, exclude=exclude)


def add_data_args(parser, n_val=True):
    """``--data-dir``, ``--unverified-data`` and (for training) ``--n-val``.

    ``--unverified-data`` sets ``$NENGO_FASHION_UNVERIFIED_DATA=1`` when parsed, so that
    every `nengo_fashion.data.load` of the command (and its local Dask workers, which
    load the data themselves) accepts IDX files that are not the published Fashion-MNIST.
    """

    class AllowUnverified(argparse.Action):
        def __call__(self, parser, namespace, values, option_string=None):
            import os

            from .data import UNVERIFIED_ENV_VAR

            setattr(namespace, self.dest, True)
            os.environ[UNVERIFIED_ENV_VAR] = "1"

    parser.add_argument(
        "--data-dir",
        default=None,
        help="folder with the four Fashion-MNIST IDX .gz files (default: "
        "$NENGO_FASHION_DATA, then /usr/share/datasets/fashion-mnist, then the Keras cache)",
    )
    parser.add_argument(
        "--unverified-data",
        action=AllowUnverified,
        nargs=0,
        default=False,
        help="accept IDX files that are not the published Fashion-MNIST (checked by MD5 / "
        "SHA-256); results then say 'unverified' in data_source. Same as "
        "NENGO_FASHION_UNVERIFIED_DATA=1, which remote Dask workers need in their environment",
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
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace those files if they exist (default: refuse, so that no result made "
        "before is replaced)",
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
    parser.add_argument(
        "--name", default=name, type=run_name, help=f"run name (default {name_help})"
    )
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
    g.add_argument(
        "--steps", type=steps_value, default=None, help=f"timesteps per image (1..{MAX_STEPS})"
    )
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


def add_split_arg(parser, purpose, choices=("val", "test", "train")):
    """``--split``, the same in every command that takes it; ``purpose`` says its default.

    ``purpose="choose"`` (the exploration commands: ``studies.sweep``, ``studies.figures``,
    ``loihi.tune``; what a user picks a setting from): the default is ``val``, and also adds
    ``--report-on-test``. ``--split test`` is refused unless ``--report-on-test`` is given
    too (and ``--report-on-test`` without ``--split test``): one line and exit status 2
    from ``parse_args``, before any run or data is loaded. The command records the choice
    in its result (``"split"``, ``"report_on_test"``).

    ``purpose="report"`` (``evaluate``, ``python -m loihi``: they report, they choose
    nothing): the default is ``test``; the command says so in its output.
    """
    if purpose not in ("choose", "report"):
        raise ValueError(f"purpose must be 'choose' or 'report', got {purpose!r}")
    if purpose == "report":
        parser.add_argument(
            "--split",
            choices=choices,
            default="test",
            help="the split to report on (default test; this command chooses nothing: "
            "choose settings on val with the exploration commands)",
        )
        return
    parser.add_argument(
        "--split",
        choices=choices,
        default="val",
        help="the split to explore (default val: choose settings there); test needs "
        "--report-on-test",
    )
    parser.add_argument(
        "--report-on-test",
        action="store_true",
        help="with --split test: run on the test split to report, not to choose (recorded "
        "in the result as report_on_test)",
    )
    parse_known_args = parser.parse_known_args

    def checked(args=None, namespace=None):
        ns, extras = parse_known_args(args, namespace)
        if ns.split == "test" and not ns.report_on_test:
            parser.error(
                "--split test chooses on the test split: explore on --split val (the "
                "default), or add --report-on-test to report on test"
            )
        if ns.report_on_test and ns.split != "test":
            parser.error(f"--report-on-test goes with --split test, not --split {ns.split}")
        return ns, extras

    parser.parse_known_args = checked  # parse_args goes through it


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like Ctrl-C, so that the same clean-up runs."""


def run_cli(func):
    """Call ``func()``; turn a user error into one line on stderr and exit status 2.

    A user error is a `NengoFashionError`, or a `ModuleNotFoundError` for a module of an extra
    (`nengo_fashion.extras`): ``error: this needs the [train] extra: pip install ...``.

    Ctrl-C (SIGINT) and SIGTERM end the command the same way: every temporary file
    and folder is removed by the writes that made them (`nengo_fashion.atomic`), the
    results already complete are kept, one line is printed, and the exit status is
    130 (SIGINT) or 143 (SIGTERM). A signal that lands inside a library (an import, a
    compiled loop) may come out as another exception: it is still reported as the
    signal it was. One that a library swallows (an exception raised inside a callback
    is only printed, "Exception ignored in ...") is raised again every 0.25 s until it
    unwinds the command, and a command that finishes anyway still exits with the
    signal's status; Python's report of the swallowed one is not printed (it would be a
    traceback on stderr).
    """
    import signal
    import threading

    received = []

    def stop_exception(signum):
        return Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()

    def on_signal(signum, frame):
        received.append(signum)
        if hasattr(signal, "setitimer"):  # raise it again if a library swallows it
            signal.setitimer(signal.ITIMER_REAL, 0.25, 0.25)
        raise stop_exception(signum)

    unwound = []

    def on_again(signum, frame):
        if not unwound:
            raise stop_exception(received[0])

    previous_hook = sys.unraisablehook

    def unraisable(info):  # Python's "Exception ignored in ...": not for our own stop
        if not (received and isinstance(info.exc_value, KeyboardInterrupt)):
            previous_hook(info)

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, on_signal)
        if hasattr(signal, "SIGALRM"):
            previous[signal.SIGALRM] = signal.signal(signal.SIGALRM, on_again)
        sys.unraisablehook = unraisable

    def stopped(by_term):
        what = "terminated" if by_term else "interrupted"
        print(
            f"error: {what}; no partial output was left behind (files already complete are kept)",
            file=sys.stderr,
        )
        return 143 if by_term else 130

    try:
        try:
            func()
        finally:
            unwound.append(True)  # from here on, the repeated signal does nothing
    except NengoFashionError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as e:
        return stopped(isinstance(e, Terminated))
    except Exception as e:
        if received:  # the signal was turned into another error on its way up
            return stopped(received[0] == signal.SIGTERM)
        missing = missing_dependency(e)  # a module of an extra that is not installed
        if missing is None:
            raise
        print(f"error: {missing}", file=sys.stderr)
        return 2
    finally:
        if received and hasattr(signal, "setitimer"):
            signal.setitimer(signal.ITIMER_REAL, 0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if previous:
            sys.unraisablehook = previous_hook
    if received:  # swallowed all the way: the work finished, but it was asked to stop
        return stopped(received[0] == signal.SIGTERM)
    return 0
