"""Config fields that are also command-line options, and the checks derived from them.

A knob is declared once, as a field of a frozen config dataclass (`knob` holds its default
and its ``--help``); `nengo_fashion.cli.add_knobs` builds a parser's options from the
fields, `nengo_fashion.cli.knob_values` reads them back, and the checks below derive what
they check from the declarations: `check_field_types` from the fields' annotations,
`check_choices` from a knob's choices, and `check_ranges` from a table of ranges.
"""

import dataclasses
import functools
import math
import numbers
import os
import typing
from pathlib import Path

import numpy as np

from .errors import ConfigError


def is_int(value):
    """An ``int`` (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_finite(value):
    """A finite real number (not a bool or a string)."""
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, (bool, np.bool_))
        and math.isfinite(value)
    )


OPTION_KEYWORDS = {"metavar": None, "aliases": (), "required": False}
"""The argparse keywords a `knob` may pass on, and their defaults."""


def knob(default, help, *, parse=None, group=None, nargs=None, **option):
    """A config field that is also a command-line option.

    The option is ``--`` and the field's name with dashes; `nengo_fashion.cli.add_knobs`
    builds a parser's options from these declarations and `nengo_fashion.cli.knob_values`
    reads the values back, so an option is declared once, on its field. ``parse`` names
    the argparse type (``"positive_int"``, ``"positive_float"``, ``"float"``, ``"seed"``,
    ``"steps"``, ``"synapse"``), ``"flag"`` (``--x``/``--no-x``), None (a string),
    ``"family"`` (a name in `nengo_fashion.families.FAMILIES`) or is a tuple of choices
    (checked by `check_choices` too); ``group`` is the option group in ``--help``
    (``"variants"``, ``"distillation"``); ``nargs`` is argparse's (``"+"``: one or more
    values). ``option`` holds the argparse keywords of `OPTION_KEYWORDS`: ``metavar``,
    ``aliases`` (more option strings) and ``required`` (the option must be given).
    """
    unknown = sorted(set(option) - set(OPTION_KEYWORDS))
    if unknown:
        raise TypeError(f"knob() got unexpected keyword(s) {', '.join(unknown)}")
    cli = dict(OPTION_KEYWORDS, help=help, parse=parse, group=group, nargs=nargs, **option)
    cli["aliases"] = tuple(cli["aliases"])
    return dataclasses.field(default=default, metadata={"cli": cli})


_TYPE_NAMES = {
    str: "a string",
    bool: "true or false",
    float: "a finite number",
    int: "an integer",
    Path: "a path",
    dict: "a mapping",
    tuple: "a list",
}
"""The field types that `check_field_types` checks, and how its errors name them."""


@functools.lru_cache(maxsize=None)
def grid_knob(default, help, parse, metavar):
    """A knob of several values (one or more on the command line): a tuner's grid axis."""
    return knob(default, help, parse=parse, nargs="+", metavar=metavar)


def field_types(cls):
    """``{field: (type, optional)}`` of the dataclass ``cls``, from its annotations.

    ``Optional[X]`` is ``(X, True)``; ``Path`` marks a path (a ``str`` or a path object);
    ``Tuple[...]`` and ``Dict[...]`` are ``tuple`` and ``dict``. Only the types of
    `_TYPE_NAMES` are listed: a field of another type (a `SpikeSettings`) checks itself.
    """
    hints = typing.get_type_hints(cls)
    kinds = {}
    for f in dataclasses.fields(cls):
        hint, optional = hints[f.name], False
        args = typing.get_args(hint)
        if typing.get_origin(hint) is typing.Union and type(None) in args:
            rest = [a for a in args if a is not type(None)]
            hint, optional = (rest[0] if len(rest) == 1 else None), True
        hint = typing.get_origin(hint) or hint
        if hint in _TYPE_NAMES:
            kinds[f.name] = (hint, optional)
    return kinds


def _is_kind(value, kind):
    if kind is float:
        return is_finite(value)
    if kind is int:
        return is_int(value)
    if kind is Path:
        return isinstance(value, (str, os.PathLike))
    return isinstance(value, kind)


def check_field_types(config):
    """A `ConfigError` for a field of ``config`` (a dataclass) whose value has the wrong type
    (e.g. from a hand-edited ``config.json``), from the fields' annotations (`field_types`)."""
    for name, (kind, optional) in field_types(type(config)).items():
        value = getattr(config, name)
        if optional and value is None:
            continue
        if not _is_kind(value, kind):
            what = _TYPE_NAMES[kind] + (" or None" if optional else "")
            raise ConfigError(f"{name} must be {what}, got {value!r}")


def check_choices(config):
    """A `ConfigError` for a knob of ``config`` declared with choices whose value is not one
    (each value, for a knob of several; None passes: `check_field_types` decides)."""
    for f in dataclasses.fields(config):
        spec = f.metadata.get("cli", {})
        choices, value = spec.get("parse"), getattr(config, f.name)
        if not isinstance(choices, tuple) or value is None:
            continue
        for v in value if spec.get("nargs") else (value,):
            if v not in choices:
                raise ConfigError(f"{f.name} must be one of {choices}, got {v!r}")


def check_ranges(config, ranges):
    """A `ConfigError` for a field of ``config`` outside its range: ``ranges`` maps a field
    to ``(ok(value) -> bool, "<name> must be ...")`` (see `TRAIN_RANGES`)."""
    for name, (ok, must) in ranges.items():
        value = getattr(config, name)
        if not ok(value):
            raise ConfigError(f"{must}, got {value!r}")
