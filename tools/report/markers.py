"""Finding and replacing the report markers of a Markdown page.

A table is a block, ``<!-- BEGIN report:NAME -->`` and ``<!-- END report:NAME -->`` each alone
on its line; a number in a sentence is a fragment, ``<!-- report:NAME ARG ... -->VALUE<!--
/report -->`` on one line, never at the start of one. A block marker without its pair is
refused (`unpaired`), and so is a fragment that begins a line or a name without a table or
fragment: the page is left as it is.
"""

import re

from .spec import rendered

_BLOCK = re.compile(
    r"(<!-- BEGIN report:(?P<name>[\w-]+) -->\n)(?P<body>.*?)\n?(<!-- END report:(?P=name) -->)",
    re.S,
)

_FRAGMENT = re.compile(
    r"(?P<open><!-- report:(?P<name>[\w-]+)(?P<args>(?: [\w.-]+)*) -->)"
    r"(?P<body>[^<>`\n]*)(?P<close><!-- /report -->)"
)
"""A number in a sentence: ``<!-- report:NAME ARG ... -->VALUE<!-- /report -->``, on one line."""

_MARKER = re.compile(r"^<!-- (BEGIN|END) report:([\w-]+) -->[ \t]*$", re.M)
"""A block's marker, alone on its line (one inside a sentence or code span is text)."""

MISSING = "(no results)"
"""What a fragment becomes when its result file is missing."""


def unpaired(text):
    """The first block marker of ``text`` that is no block's, as a message; or None."""
    blocks = list(_BLOCK.finditer(text))
    paired = {m.start(1) for m in blocks} | {m.start(4) for m in blocks}
    for m in _MARKER.finditer(text):
        if m.start() not in paired:
            other = "END" if m.group(1) == "BEGIN" else "BEGIN"
            return (
                f"{m.group(0).strip()} (line {text.count(chr(10), 0, m.start()) + 1}) has no "
                f"<!-- {other} report:{m.group(2)} --> to pair with; nothing was regenerated"
            )
    return None


def regenerate(text, tables, fragments, results_dir):
    """``text`` with every block's body written by ``tables[NAME](results_dir)`` and every
    fragment's value by ``fragments[NAME](results_dir, *ARGs)`` (`MISSING` for None).

    Raises
    ------
    KeyError
        A marker without its pair, an unknown name, or a fragment that begins a line.
    nengo_fashion.errors.RunError
        A damaged result file.
    """
    problem = unpaired(text)
    if problem:
        raise KeyError(problem)

    def sub(m):
        name = m.group("name")
        if name not in tables:
            raise KeyError(f"unknown report table {name!r}; known: {', '.join(tables)}")
        body = rendered(f"the table {name}", tables[name], results_dir)
        return m.group(1) + body + "\n" + m.group(4)

    def sub_fragment(m):
        name, args = m.group("name"), m.group("args").split()
        if name not in fragments:
            raise KeyError(f"unknown report fragment {name!r}; known: {', '.join(fragments)}")
        line_start = m.string.rfind("\n", 0, m.start()) + 1  # in the text being rendered
        if not m.string[line_start : m.start()].strip():
            # a line that begins with "<!--" starts an HTML block in Markdown (CommonMark, GitHub,
            # MyST): the rest of the paragraph would be shown as raw HTML
            raise KeyError(f"report fragment {name!r} begins a line; put a word before it")
        value = rendered(f"the fragment {name}", fragments[name], results_dir, *args)
        return m.group("open") + (MISSING if value is None else value) + m.group("close")

    return _FRAGMENT.sub(sub_fragment, _BLOCK.sub(sub, text))


def placeholders(old, new):
    """The report blocks that hold a table in ``old`` and only a placeholder in ``new``, and the
    fragments that hold a value in ``old`` and `MISSING` in ``new``."""
    before = {m.group("name"): m.group("body") for m in _BLOCK.finditer(old)}
    lost = []
    for m in _BLOCK.finditer(new):
        name = m.group("name")
        if "|" in before.get(name, "") and "|" not in m.group("body"):
            lost.append(name)
    for was, now in zip(_FRAGMENT.finditer(old), _FRAGMENT.finditer(new)):
        if was.group("body") != MISSING and now.group("body") == MISSING:
            lost.append(f"fragment {now.group('name')}{now.group('args')}")
    return lost
