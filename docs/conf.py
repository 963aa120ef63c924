"""Sphinx settings: the pages of docs/ (MyST Markdown), the executed notebooks, and the API.

Build (``bash scripts/setup.sh --with-docs`` installs what it needs)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The Markdown pages are the same files that GitHub shows; ``notebooks`` here is a link to
the repository's ``notebooks/``, rendered as committed, never re-executed.
"""

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# the API reference imports TensorFlow through nengo_dl: keep its start-up quiet
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

project = "nengo-fashion"
author = "nengo-fashion contributors"
copyright = "nengo-fashion contributors; nengo and NengoDL: non-commercial use only"

extensions = [
    "myst_nb",  # MyST Markdown pages and the notebooks (it includes myst_parser)
    "sphinx.ext.autodoc",
    "numpydoc",
]

root_doc = "index"
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**/.ipynb_checkpoints"]

# ---- MyST: GitHub-style heading anchors, so that page.md#heading links work here too
myst_heading_anchors = 4
myst_enable_extensions = ["colon_fence"]

# ---- myst-nb: show the committed outputs, run nothing
nb_execution_mode = "off"
nb_merge_streams = True

# ---- API reference
default_role = "py:obj"  # `name` in a docstring is a cross-reference, as numpydoc expects
autodoc_member_order = "bysource"
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = set()

# ---- HTML
html_theme = "furo"
html_title = "nengo-fashion"
html_static_path = []


_NOTEBOOK_LINK = re.compile(r"\[([^\]]+)\]\(\.\./notebooks/([\w.-]+)\.ipynb\)")


def _links_into_the_site(app, docname, source):
    """A page's link ``[text](../notebooks/X.ipynb)`` (right on GitHub) is the site's page.

    ``docs/notebooks`` is a symbolic link to the repository's ``notebooks/``, so the site
    renders them as its own pages; but Sphinx resolves a linked path to the real file, outside
    ``docs/``, so a Markdown link cannot reach them. It becomes a ``{doc}`` reference here,
    while the Markdown files keep the paths that work in the repository.
    """

    def to_doc(m):
        text = m.group(1).replace("`", "")
        return f"{{doc}}`{text} <notebooks/{m.group(2)}>`"

    source[0] = _NOTEBOOK_LINK.sub(to_doc, source[0])


def setup(app):
    app.connect("source-read", _links_into_the_site)
