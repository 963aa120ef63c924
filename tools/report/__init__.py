"""Markdown tables for the README and docs/, made from the committed result files.

Every number in the tables of ``README.md`` and ``docs/*.md`` is written by this command
from a ``results/**/*.json`` file, which another committed command wrote::

    python -m tools.report --write README.md docs/*.md   # regenerate the tables and fragments
    python -m tools.report --check README.md docs/*.md   # exit 1 if one is stale

A table lives between ``<!-- BEGIN report:NAME -->`` and ``<!-- END report:NAME -->``, on
whichever page it belongs (see ``docs/development.md``); ``TABLES[NAME]`` is its declarative
spec (`spec.Table`: its source files, its columns as ``(header, how to get the cell, format)``,
its row filter and order, its placeholder), all rendered by `spec.render_table`. A number inside
a sentence is a *fragment*, ``<!-- report:NAME ARG ... -->VALUE<!-- /report -->``:
``FRAGMENTS[NAME](results, *ARGs)`` writes VALUE. A test checks every page, so that a
hand-edited or stale number fails CI. A marker without its pair is refused. Result files are
read by `nengo_fashion.studies.result_files` (only where the commands write them; a damaged one
is one line naming the file and the field).

The modules: `command` (the command and `render`), `markers` (finding and replacing the
markers), `spec` (the table mechanism and the reading of result files), `tables` (the specs)
and `fragments` (the numbers in sentences).
"""

from .command import main, render
from .fragments import FRAGMENTS, fragment
from .markers import _BLOCK, _FRAGMENT, MISSING
from .tables import TABLES

__all__ = ["FRAGMENTS", "MISSING", "TABLES", "fragment", "main", "render", "_BLOCK", "_FRAGMENT"]
