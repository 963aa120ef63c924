"""The layers of the code, as folder rules on the import graph (imports inside functions count).

The graph is read from the AST of every module of ``nengo_fashion/``, ``loihi/`` and
``tools/``, so an import that hides inside a function is an edge like any other.

- no import circle anywhere;
- the library (plumbing, data, families, config, network, runs, the task runner, neuron
  types, the inference engines, image transforms, training) never imports the commands
  on top of it, the studies, ``loihi`` or the repository tooling;
- neuron types never import an engine (``inference/``): engines hold the tables of the
  types they run;
- ``loihi/`` imports only the library;
- only front-ends (the GUI, ``predict``, the notebooks' helpers, the tooling) import
  ``loihi``.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("nengo_fashion", "loihi", "tools")

LIBRARY = (
    "nengo_fashion",  # the package's face (its __init__)
    "nengo_fashion.errors",
    "nengo_fashion.atomic",
    "nengo_fashion.progress",
    "nengo_fashion.plots",
    "nengo_fashion.quiet",
    "nengo_fashion.data",
    "nengo_fashion.families",
    "nengo_fashion.config",
    "nengo_fashion.weights",
    "nengo_fashion.network",
    "nengo_fashion.runs",
    "nengo_fashion.cli",
    "nengo_fashion.tasks",
    "nengo_fashion.train",
    "nengo_fashion.neurons",
    "nengo_fashion.inference",
    "nengo_fashion.images",
    "nengo_fashion.teacher",
    "nengo_fashion.sparsity",
)
FRONT_ENDS = ("nengo_fashion.gui", "nengo_fashion.predict", "nengo_fashion.studies.notebook")


def module_graph(root, packages=PACKAGES):
    """``{module: set of project modules it imports}`` from the AST of every file."""
    root = Path(root)
    files = {}
    for package in packages:
        for f in (root / package).rglob("*.py"):
            parts = list(f.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            files[".".join(parts)] = f
    graph = {m: set() for m in files}
    for m, f in files.items():
        is_package = f.name == "__init__.py"
        for node in ast.walk(ast.parse(f.read_text(), str(f))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = m.split(".")
                    parts = parts[: len(parts) - node.level + (1 if is_package else 0)]
                    base = ".".join(parts + ([base] if base else []))
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names
                ]
            for t in targets:
                while t and t not in files:
                    t = t.rpartition(".")[0]
                if t and t != m:
                    graph[m].add(t)
    return graph


def cycles(graph):
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _in(module, prefixes):
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _is_library(module):
    return _in(module, LIBRARY[1:]) or module == LIBRARY[0]


@pytest.fixture(scope="module")
def graph():
    return module_graph(ROOT)


def test_no_import_circle(graph):
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_circle(tmp_path):
    """A test of the test: two modules that import each other, one inside a function."""
    pkg = tmp_path / "nengo_fashion"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from . import b\n")
    (pkg / "b.py").write_text("def f():\n    from .a import x\n")
    assert cycles(module_graph(tmp_path, ["nengo_fashion"])) == [
        ["nengo_fashion.a", "nengo_fashion.b"]
    ]


def _edges(graph, source, target):
    return sorted(f"{m} -> {t}" for m, ts in graph.items() if source(m) for t in ts if target(t))


def test_library_imports_no_layer_above_it(graph):
    above = _edges(graph, _is_library, lambda t: not _is_library(t))
    assert above == []


def test_neuron_types_import_no_engine(graph):
    assert (
        _edges(
            graph,
            lambda m: _in(m, ["nengo_fashion.neurons"]),
            lambda t: _in(t, ["nengo_fashion.inference"]),
        )
        == []
    )


def test_loihi_imports_only_the_library(graph):
    assert (
        _edges(
            graph,
            lambda m: _in(m, ["loihi"]),
            lambda t: _in(t, ["nengo_fashion", "tools"]) and not _is_library(t),
        )
        == []
    )


def test_only_front_ends_import_loihi(graph):
    importers = _edges(graph, lambda m: not _in(m, ["loihi"]), lambda t: _in(t, ["loihi"]))
    assert [e for e in importers if not _in(e.split(" -> ")[0], [*FRONT_ENDS, "tools"])] == []


def test_nothing_installed_imports_the_tooling(graph):
    assert _edges(graph, lambda m: not _in(m, ["tools"]), lambda t: _in(t, ["tools"])) == []


def test_the_package_stays_small_at_the_top():
    top = [f for f in (ROOT / "nengo_fashion").glob("*.py") if f.name != "__init__.py"]
    assert len(top) <= 16, sorted(f.name for f in top)
    for sub in (ROOT / "nengo_fashion").iterdir():
        if sub.is_dir() and (sub / "__init__.py").exists():
            doc = ast.get_docstring(ast.parse((sub / "__init__.py").read_text()))
            assert doc, f"{sub.name}/__init__.py has no docstring saying what lives there"
