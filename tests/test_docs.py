"""The manual's links: nothing in the README, the docs or the code points to a missing page.

- every relative link of ``README.md`` and ``docs/*.md`` (``[text](path)``, images too) names a
  file or folder that exists, and its ``#anchor``, if any, is a heading of that Markdown file,
  slugged as GitHub slugs headings (the Sphinx site uses the same anchors, see ``docs/conf.py``);
- every source file those pages name in backticks (``nengo_fashion/inference/synops.py``,
  ...) exists;
- every path under ``docs/`` ending in ``.md`` that the code, tests, benchmarks, scripts,
  notebooks or pages name exists.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^(```|~~~)")
_INLINE_CODE = re.compile(r"(`+)(.+?)\1")
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)  # http:, https:, mailto:, ...
_DOC_PATH = re.compile(r"(?<![\w/.-])(?:\.\./)*(docs/[\w-][\w./-]*?\.md)\b")
_SOURCE_PATH = re.compile(
    r"(?<![\w/.-])((?:nengo_fashion|loihi|tests|benchmarks|scripts|notebooks)/[\w./-]*?"
    r"\.(?:py|sh|ipynb))\b"
)


def prose_lines(text):
    """The lines of a Markdown text outside fenced code blocks, with their numbers."""
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip()
        m = _FENCE.match(stripped)
        if m:
            if fence is None:
                fence = m.group(1)
            elif stripped.startswith(fence) and not stripped[len(fence) :].strip():
                fence = None
            continue
        if fence is None:
            yield number, line


def slug(heading):
    """GitHub's anchor for a heading: its text, lower case, punctuation dropped, '-' for ' '."""
    text = _INLINE_CODE.sub(lambda m: m.group(2), heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link's text stays
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(path):
    """Every anchor of a Markdown file, duplicates numbered as GitHub numbers them."""
    seen, result = {}, set()
    for _, line in prose_lines(path.read_text()):
        m = _HEADING.match(line)
        if not m:
            continue
        base = slug(m.group(2))
        n = seen.get(base, 0)
        seen[base] = n + 1
        result.add(base if n == 0 else f"{base}-{n}")
    return result


def links(path):
    """(line number, target) of every Markdown link on the page, code left out."""
    for number, line in prose_lines(path.read_text()):
        line = _INLINE_CODE.sub("", line)
        for m in _LINK.finditer(line):
            yield number, m.group(1)


def test_slug_is_githubs():
    assert slug("The thesis, re-measured") == "the-thesis-re-measured"
    assert slug("Choosing the `best` recipe (validation split only)") == (
        "choosing-the-best-recipe-validation-split-only"
    )
    assert slug("Latency at a real time step: within 0.5 % of the rate net") == (
        "latency-at-a-real-time-step-within-05--of-the-rate-net"
    )
    assert slug("On Loihi (nengo-loihi's emulator)") == "on-loihi-nengo-loihis-emulator"


def test_prose_skips_code_blocks():
    text = "# Title\n\n```bash\n# a comment, not a heading\n[x](nope.md)\n```\n## Next\n"
    page_lines = [line for _, line in prose_lines(text)]
    assert "# a comment, not a heading" not in page_lines
    assert "## Next" in page_lines


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_relative_links_resolve(page):
    broken = []
    for number, target in links(page):
        if _EXTERNAL.match(target):
            continue
        where = f"{page.relative_to(ROOT)}:{number}: {target}"
        file, _, anchor = target.partition("#")
        path = (page.parent / file).resolve() if file else page
        if not path.exists():
            broken.append(f"{where}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append(f"{where}: no heading with the anchor #{anchor} in {path.name}")
    assert not broken, "broken links:\n" + "\n".join(broken)


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_named_source_files_exist(page):
    missing = [
        f"{page.relative_to(ROOT)}:{number}: {m.group(1)}"
        for number, line in prose_lines(page.read_text())
        for m in _SOURCE_PATH.finditer(line)
        if not (ROOT / m.group(1)).exists()
    ]
    assert not missing, "pages name source files that do not exist:\n" + "\n".join(missing)


def repository_texts():
    """(name, text) of the code, tests, benchmarks, scripts, notebooks and pages."""
    for folder in ("nengo_fashion", "loihi", "tests", "benchmarks", "scripts"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".py", ".sh", ".md", ".cfg") and "__pycache__" not in path.parts:
                yield str(path.relative_to(ROOT)), path.read_text()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        yield str(path.relative_to(ROOT)), "\n".join("".join(c["source"]) for c in cells)
    for path in (*PAGES, ROOT / "setup.py", ROOT / ".ci" / "run"):
        if path.exists():
            yield str(path.relative_to(ROOT)), path.read_text()


def test_named_doc_pages_exist():
    """Every ``docs/<name>.md`` that the repository names (in a docstring, a comment, an error
    message, a notebook or a page) exists."""
    texts = dict(repository_texts())
    assert "nengo_fashion/tasks/runner.py" in texts  # the scan reads the code ...
    assert "notebooks/01-data-and-analog-baseline.ipynb" in texts  # ... and the notebooks
    missing = sorted(
        f"{name}: {m.group(1)}"
        for name, text in texts.items()
        for m in _DOC_PATH.finditer(text)
        if not (ROOT / m.group(1)).is_file()
    )
    assert not missing, "named pages that do not exist:\n" + "\n".join(missing)


def test_every_page_is_in_the_sites_table_of_contents():
    """Each page under docs/ is reachable on the Sphinx site (also checked by sphinx -W)."""
    index = (ROOT / "docs" / "index.md").read_text()
    listed = set(re.findall(r"^([\w-]+)$", index, re.M))
    pages = {p.stem for p in PAGES if p.parent.name == "docs"} - {"index"}
    assert pages <= listed, f"not in docs/index.md's toctree: {sorted(pages - listed)}"


def test_the_readme_is_a_front_page():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 200
    assert "python -m nengo_fashion.train" in readme
    assert "python -m pytest" in readme
    assert readme.count("<!-- BEGIN report:") == 1  # the headline; the rest live in docs/
    for page in PAGES[1:]:
        if page.name not in ("index.md", "api.md"):
            assert f"(docs/{page.name})" in readme, f"the README's map lacks docs/{page.name}"


def _readme_commands():
    """The ``python -m MODULE`` commands of the README's command table."""
    text = (ROOT / "README.md").read_text()
    mods = re.findall(r"^\| `python -m ([\w.]+)[^`]*` \|", text, flags=re.M)
    return sorted({m for m in mods if m not in ("pytest", "sphinx")})


def test_every_command_in_the_readme_table_runs():
    """Each command of the README's table answers ``--help`` (exit 0), as a real process."""
    import subprocess
    import sys
    from concurrent.futures import ThreadPoolExecutor

    mods = _readme_commands()
    assert len(mods) >= 20, mods
    mods = [m.replace("NAME", "predict_cold_start") for m in mods]

    def run(mod):
        p = subprocess.run(
            [sys.executable, "-m", mod, "--help"], cwd=ROOT, capture_output=True, text=True
        )
        return mod, p.returncode, p.stderr[-500:]

    with ThreadPoolExecutor(2) as pool:
        failed = [r for r in pool.map(run, mods) if r[1] != 0]
    assert failed == []
