"""The one table mechanism: a `Table` spec says where a table's rows come from, its columns as
``(header, how to get the cell, format)``, which rows it keeps and in what order, and what
stands in its place without results; `render_table` turns any spec into Markdown.

Result files are read through `load` (the checked reader `nengo_fashion.studies.result_files`),
which remembers the files read for the table or fragment being rendered, so that `rendered` can
name them when a field that the checked reader let through is missing or of the wrong type.
"""

from collections import namedtuple
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Union

from nengo_fashion.errors import RunError
from nengo_fashion.studies import result_files as rf

_READ = []
"""The result files read for the table or fragment being rendered (for `rendered`'s errors)."""


def load(path, schema=None):
    """A result file's JSON object whose fields fit ``schema`` (`rf.read_object`), or None."""
    _READ.append(str(path))
    return rf.read_object(path, schema, missing_ok=True)


def rendered(what, func, *args):
    """``func(*args)``: a table or a fragment's text. A result file that the checked reader
    let through but that lacks a field, or has one of the wrong type, for this table is one
    line naming the files it read (a `RunError`), not a traceback."""
    _READ.clear()
    try:
        return func(*args)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as e:
        if not _READ:
            raise
        raise RunError(
            f"{', '.join(dict.fromkeys(_READ))}: a field that {what} needs is missing or of "
            f"the wrong type ({e.__class__.__name__}: {e}); {rf.FIX}"
        ) from None


class Found(dict):
    """A result file's JSON object, with where it was read: ``path`` (the file) and ``root``
    (the results folder)."""

    def __init__(self, doc, path, root):
        super().__init__(doc)
        self.path = Path(path)
        self.root = Path(root)


Entry = namedtuple("Entry", "key value doc")
"""One item of a collection in a result file: its key (or the row's name), the item, and the
whole file (a `Found`)."""


def one(*parts, schema=None, when=None):
    """A reader of the result file ``results/PARTS...``: a `Found`, or None (the table's
    placeholder) when the file is missing or ``when(doc)`` is false."""

    def read(root):
        path = root.joinpath(*parts)
        doc = load(path, schema)
        if doc is None or (when is not None and not when(doc)):
            return None
        return Found(doc, path, root)

    return read


def each(*places, schema=None, where=None):
    """A reader of every result file at ``places`` (glob patterns under the results folder, or
    functions of it that list paths, such as `rf.loihi_files`), one `Found` each, read only as
    the table takes its rows. A file for which ``where(doc)`` is false is skipped before its
    fields are checked against ``schema``."""

    def read(root):
        for place in places:
            for path in place(root) if callable(place) else rf.find(root, place):
                doc = load(path, None if where else schema)
                if where is not None:
                    if not where(doc):
                        continue
                    if schema is not None:
                        rf.check(doc, schema, path)
                yield Found(doc, path, root)

    return read


def entries(field):
    """The rows of a table of one file's object at ``field``: an `Entry` per key."""
    return lambda doc: [Entry(key, value, doc) for key, value in dig(doc, field).items()]


def dig(doc, dotted):
    """``doc["a"]["b"]`` for ``"a.b"``; a name of an `Entry` (``key``, ``value``, ``doc``) is
    its field."""
    for key in dotted.split("."):
        doc = getattr(doc, key) if isinstance(doc, Entry) else doc[key]
    return doc


# --- formats ---------------------------------------------------------------------------------


def pct(x):
    """An accuracy (a fraction) in %, two decimals; "–" for None."""
    return "–" if x is None else f"{x * 100:.2f}"


def synapse(s):
    return "none" if s is None else f"{s:g} s"


def median(values):
    """The upper median (the middle of the sorted values), as the tables have always shown."""
    values = sorted(values)
    return values[len(values) // 2]


def if_present(key, fmt, missing="–"):
    """A cell of ``row[key]`` in the format string ``fmt``, or ``missing`` without the key."""
    return lambda row: fmt.format(row[key]) if key in row else missing


def md(header, rows):
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# --- the spec and its renderer ---------------------------------------------------------------

Getter = Union[str, Callable[[Any], Any]]
Format = Union[None, str, Callable[[Any], Any]]


@dataclass(frozen=True)
class Column:
    """A column: its ``header`` (or a function of the table's source that writes it), how to
    get its cell from a row (a dotted key, see `dig`, or a function of the row), and the cell's
    format (a format string such as ``"{:.1f}"``, a function such as `pct`, or None: as is)."""

    header: Union[str, Callable[[Any], str]]
    get: Getter
    fmt: Format = None

    def title(self, source):
        return self.header(source) if callable(self.header) else self.header

    def cell(self, row):
        value = self.get(row) if callable(self.get) else dig(row, self.get)
        if self.fmt is None:
            return value
        return self.fmt.format(value) if isinstance(self.fmt, str) else self.fmt(value)


@dataclass(frozen=True)
class Table:
    """A generated table, ``<!-- BEGIN report:NAME -->`` ... ``<!-- END report:NAME -->``.

    Attributes
    ----------
    name : str
        The name in its markers.
    read : callable or None
        ``read(results_folder)``: the table's source (`one`, `each`, or a function), or None
        when its result file is missing; None (the attribute): the results folder itself.
    columns : tuple or callable
        The columns: `Column` objects or ``(header, get, fmt)`` tuples; or a function of the
        source that returns them (a table whose columns depend on its file).
    rows : callable or None
        ``rows(source)``: the rows; None: the source itself (the files of `each`).
    keep, order : callable or None
        Which rows to keep, and the sort key of the kept rows (None: as they come).
    placeholder : str or None
        What the block holds without results; `--write` refuses to put it where a table was.
    rows_required : bool
        The placeholder also stands for a table without rows (a table of many files).
    note : str or callable
        Text after the table (a function of the source, or a constant).
    """

    name: str
    read: Optional[Callable[[Path], Any]]
    columns: Union[tuple, Callable[[Any], tuple]]
    rows: Optional[Callable[[Any], Any]] = None
    keep: Optional[Callable[[Any], bool]] = None
    order: Optional[Callable[[Any], Any]] = None
    placeholder: Optional[str] = None
    rows_required: bool = False
    note: Union[str, Callable[[Any], str]] = ""

    def __call__(self, results_dir):
        """The table's Markdown from the result files under ``results_dir``."""
        return render_table(self, results_dir)


def render_table(spec, results_dir):
    """The Markdown of the table ``spec`` from the result files under ``results_dir``: its
    placeholder, or its header and rows, and its note. The rows are taken one at a time, each
    file read just before its cells, so that an error names the files read up to it."""
    root = Path(results_dir)
    source = root if spec.read is None else spec.read(root)
    if source is None:
        return spec.placeholder
    columns = spec.columns(source) if callable(spec.columns) else spec.columns
    columns = [c if isinstance(c, Column) else Column(*c) for c in columns]
    rows = source if spec.rows is None else spec.rows(source)
    if spec.keep is not None:
        rows = (row for row in rows if spec.keep(row))
    if spec.order is not None:
        rows = sorted(rows, key=spec.order)
    cells = [[column.cell(row) for column in columns] for row in rows]
    if not cells and spec.rows_required:
        return spec.placeholder
    text = md([column.title(source) for column in columns], cells)
    return text + (spec.note(source) if callable(spec.note) else spec.note)
