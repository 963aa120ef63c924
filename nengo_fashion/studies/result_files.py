"""Result files read back: where the commands put them, and a checked reader of their fields.

The readers of result files (``python -m nengo_fashion.studies.efficiency`` and
``python -m tools.report``) gather them only from the places the commands write them
(`find`, `loihi_files`), so that a folder the project itself leaves behind (a run kept as
``NAME.unsaved-*`` after a clash, an ``unsaved-*`` folder of outputs, a hidden temporary
folder) is never read as a result.

`read_object` reads one file (through `nengo_fashion.atomic.read_json`) and checks it
against a *schema* of the fields its reader uses, so that a truncated, hand-edited or
damaged file ends the command with one line naming the file and the field (`RunError`, exit
status 2), never a traceback deep in a table. A schema is

* ``float`` (a number: an integer or not, but not ``true``/``false``), ``int``, ``str``,
  ``bool``, ``dict`` (any JSON object) or ``list`` (any list);
* a tuple of alternatives, e.g. ``(float, None)``: ``None`` allows ``null``;
* a dict ``{"key": schema, "other?": schema}``: an object with these fields (``?``: the field
  may be missing) and perhaps others; ``{"*": schema}``: an object whose every value is
  ``schema``;
* a list ``[schema]``: a non-empty list whose every item is ``schema``.

The schemas of the files that several readers share are below; each lists the fields its
readers use, not every field the file has.
"""

from pathlib import Path

from ..atomic import read_json
from ..errors import RunError

FIX = "make it again with the command that wrote it"
"""The fix that a damaged result file's error names."""

_JSON_NAMES = {
    float: "a number",
    int: "an integer",
    str: "a string",
    bool: "true or false",
    dict: "an object",
    list: "a list",
    None: "null",
}


def _kind(value):
    """What a JSON value is, in words (for error messages)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"a number ({value!r})"
    if isinstance(value, str):
        shown = value if len(value) <= 20 else value[:17] + "..."
        return f"a string ({shown!r})"
    if isinstance(value, list):
        return "an empty list" if not value else "a list"
    return "an object"


def _matches(value, kind):
    """Whether ``value`` is of the plain type ``kind`` (see the module's schema)."""
    if kind is None:
        return value is None
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def _expected(schema):
    if isinstance(schema, tuple):
        return " or ".join(_expected(s) for s in schema)
    if isinstance(schema, dict):
        return "an object"
    if isinstance(schema, list):
        return "a non-empty list"
    return _JSON_NAMES[schema]


def check(value, schema, path, where="", fix=FIX):
    """Raise `RunError` unless ``value`` (read from ``path``, at field ``where``) fits
    ``schema``; return ``value``."""

    def fail(problem):
        field = f"field {where} " if where else ""
        raise RunError(f"{path}: {field}{problem}; {fix}")

    if isinstance(schema, tuple):
        for alternative in schema:  # the first alternative of the value's JSON type
            if _matches(value, _base(alternative)):
                return check(value, alternative, path, where, fix)
        fail(f"is {_kind(value)}, expected {_expected(schema)}")
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            if not where:
                fail(f"holds {_kind(value)}, expected a JSON object")
            fail(f"is {_kind(value)}, expected an object")
        for key, sub in schema.items():
            if key == "*":
                for k, v in value.items():
                    check(v, sub, path, f"{where}.{k}" if where else k, fix)
                continue
            optional = key.endswith("?")
            key = key.rstrip("?")
            inner = f"{where}.{key}" if where else key
            if key not in value:
                if not optional:
                    raise RunError(f"{path}: field {inner} is missing; {fix}")
                continue
            check(value[key], sub, path, inner, fix)
        return value
    if isinstance(schema, list):
        if not isinstance(value, list) or not value:
            fail(f"is {_kind(value)}, expected a non-empty list")
        for i, item in enumerate(value):
            check(item, schema[0], path, f"{where}[{i}]", fix)
        return value
    if not _matches(value, schema):
        fail(f"is {_kind(value)}, expected {_JSON_NAMES[schema]}")
    return value


def _base(schema):
    """The plain type of a schema's values: ``dict`` for an object schema, ``list`` for a
    list schema, the type itself otherwise."""
    if isinstance(schema, dict):
        return dict
    if isinstance(schema, list):
        return list
    return schema


def read_object(path, schema=None, *, missing_ok=False, fix=FIX):
    """Read the result file ``path``: a JSON object whose fields fit ``schema``.

    Parameters
    ----------
    path : str or Path
        The file.
    schema : dict, optional
        The fields to check (see the module's docstring); None checks only that the file
        holds a JSON object.
    missing_ok : bool
        Return None for a file that does not exist (instead of a `RunError`).
    fix : str
        How to fix a damaged file, for the error message.

    Returns
    -------
    dict or None
        The file's object.

    Raises
    ------
    RunError
        One line naming the file, and the field when one is wrong: the file cannot be read,
        is not valid JSON (e.g. truncated), is not a JSON object, or a field is missing or
        of the wrong type.
    """
    path = Path(path)
    if missing_ok and not path.exists():
        return None
    try:
        doc = read_json(path)
    except (OSError, UnicodeDecodeError) as e:
        reason = getattr(e, "strerror", None) or e.__class__.__name__
        raise RunError(f"{path}: cannot be read ({reason}); {fix}") from None
    return check(doc, {} if schema is None else schema, path, fix=fix)


# --- where the commands write their results ----------------------------------------------


def is_left_behind(part):
    """Whether a path component is a folder or file that no command writes results to: hidden
    (temporary files and folders, locks, staging folders start with a dot) or ``unsaved``
    (``NAME.unsaved-*``, ``unsaved-*``: what a command keeps after a clash)."""
    return part.startswith((".", "unsaved-")) or ".unsaved-" in part


def find(results_dir, pattern):
    """The files under ``results_dir`` that match the glob ``pattern``, sorted, without the
    ones in folders that the project leaves behind (`is_left_behind`)."""
    root = Path(results_dir)
    return sorted(
        p
        for p in root.glob(pattern)
        if not any(is_left_behind(part) for part in p.relative_to(root).parts)
    )


RUN_FOLDERS = ("*", "seeds/*/*")
"""Where run folders lie in a results folder: ``NAME`` (``train --out results``) and
``seeds/RECIPE/seed-N`` (``python -m nengo_fashion.studies.seeds``)."""


def loihi_files(results_dir):
    """Every ``loihi.json`` that ``python -m loihi`` wrote into a run folder of
    ``results_dir`` (`RUN_FOLDERS`; a folder with ``config.json``), or into a folder of its
    own inside one (``--out RUN/loihi-ttfs``)."""
    found = set()
    for runs in RUN_FOLDERS:
        for depth in ("loihi.json", "*/loihi.json"):
            for path in find(results_dir, f"{runs}/{depth}"):
                run = path.parent if depth == "loihi.json" else path.parent.parent
                if (run / "config.json").is_file():
                    found.add(path)
    return sorted(found)


# --- the fields that the readers use ----------------------------------------------------

ACCURACIES = {"rate_val_acc": float, "rate_test_acc": float, "spiking_test_acc": float}

RUN_SPIKING = {
    "rate_val_acc": float,
    "rate_test_acc": float,
    "spiking_test_acc": float,
    "spiking": {"dt": float, "steps": int, "scale": float, "synapse": (float, None)},
    "hidden_rate_hz": {"mean": float},
    "spikes_per_image?": (float, None),
    "n_test?": (int, None),
    "seconds": float,
    "config": {"recipe": str, "neuron": str, "epochs": int, "variant?": str},
}
"""A run folder's ``results.json`` (``train``) with a spiking swap (``"spiking"`` not null;
the CNN teacher's has none)."""

SEEDS = {
    "recipe": str,
    "neuron": str,
    "seeds": [int],
    "per_seed": [{"run": str, "spiking_test_acc": float}],
    "mean": ACCURACIES,
    "std": ACCURACIES,
    "spiking?": ({"steps?": int, "dt?": float, "scale?": float}, None),
    "teacher?": (str, None),
    "prune_keep?": float,
}
"""``seeds/*/seeds.json`` (``python -m nengo_fashion.studies.seeds``)."""

SEARCH = {"best": str, "candidates": {"*": {"overrides": dict, "val_acc": float}}}
"""``recipe_search.json`` (``python -m nengo_fashion.studies.search``)."""

DISTILL_SEARCH = {
    "best": str,
    "candidates": {"*": {"overrides": dict, "val_acc": float, "seconds": float}},
}
"""``distill_search.json`` (``python -m nengo_fashion.studies.search --space distill``)."""

_PARETO_POINT = {
    "steps": int,
    "dt": float,
    "synapse": (float, None),
    "scale": float,
    "accuracy": float,
    "spikes_per_image": float,
}

PARETO = {
    "run?": str,
    "neuron": str,
    "rate_test_acc": float,
    "chosen_on_val": (_PARETO_POINT, None),
    "chosen_test": (_PARETO_POINT, None),
}
"""``pareto/*/pareto.json`` (``python -m nengo_fashion.studies.pareto``)."""

LOIHI = {
    "accuracy": float,
    "n_images": int,
    "steps": int,
    "split?": str,
    "run?": str,
    "chosen?": (str, None),
    "rate_test_acc": (float, None),
    "nengo_dl_spiking_test_acc": (float, None),
    "synops_per_image?": float,
    "synops_ratio?": float,
    "wall_seconds": float,
    "spikes_per_image": float,
    "input_spikes_per_image": float,
    "settings": {
        "neuron": str,
        "steps": int,
        "skip": int,
        "scale": float,
        "processes": int,
        "input_rate": float,
        "presentation_time?": float,
        "input_code?": str,
        "ttfs_threshold?": float,
    },
    "resources": {
        "totals": {k: int for k in ("cores", "compartments", "in_axons", "synapse_bits")}
    },
    "energy": {"loihi": {"energy_j": float}, "rate_cpu_gpu": {"energy_j": float}},
}
"""A ``loihi.json`` (``python -m loihi``)."""

LOIHI_TUNE = {
    "n_images": int,
    "best": {k: float for k in ("input_rate", "scale", "presentation_time", "skip")},
}
"""A ``loihi_tune.json`` (``python -m loihi.tune``), as far as the efficiency study reads it."""

_POINT = {
    "label": str,
    "kind": str,
    "source": str,
    "steps": int,
    "test_acc": float,
    "chosen": str,
    "test_acc_std?": (float, None),
    "rate_test_acc?": (float, None),
    "synops_per_image?": float,
    "synops_ratio?": float,
    "zero_skip_macs_per_image?": float,
    "first_layer_density?": float,
    "synops_over_zero_skip?": float,
    "energy_uj?": float,
    "energy_uj_baselines?": {"*": float},
    "seeds?": int,
}

EFFICIENCY = {"points": [_POINT]}
"""``efficiency/efficiency.json`` (``python -m nengo_fashion.studies.efficiency``)."""
