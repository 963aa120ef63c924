"""The layers of the code, as folder rules on the import graph.

The graph is read from the AST of every module of ``nengo_fashion/``, ``loihi/`` and
``tools/``: an import inside a function is an edge like any other, and so is a module
that ``importlib`` loads by name (every string in a module that calls
``importlib.import_module`` and names a project module counts as an import of it).

The layers, from the top:

- **commands**: ``nengo_fashion/commands/``, the thin ``python -m`` entries (every
  ``__main__`` module, and every module whose only code is one ``if __name__ ==
  "__main__":`` block, such as ``nengo_fashion/predict.py``: importing it runs nothing), and
  the repository tooling ``tools/``: they may import anything;
- **studies** (``nengo_fashion/studies/``): the layers below (a study of the public API,
  such as the photos study, measures ``predict``);
- **front-ends** (``nengo_fashion/classify/``, ``nengo_fashion/gui/``, the package's face
  ``nengo_fashion/__init__.py``) and the table of
  inference backends (``nengo_fashion/classify/backends.py``): the backends and the library;
- **backends** (``loihi/``, ``nengo_fashion/spinnaker/``): the library only;
- **the library**: everything else in ``nengo_fashion/``, which imports only the library.

Neuron types never import an engine (``inference/``): engines hold the tables of the types
they run. Nothing installed imports the tooling. No import circle anywhere.
"""

import ast
import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("nengo_fashion", "loihi", "tools")

COMMANDS = ("nengo_fashion.commands", "tools")
STUDIES = ("nengo_fashion.studies",)
FRONT_ENDS = ("nengo_fashion.classify", "nengo_fashion.gui")
BACKENDS = ("loihi", "nengo_fashion.spinnaker")


def _module_files(root, packages):
    files = {}
    for package in packages:
        for f in (root / package).rglob("*.py"):
            parts = list(f.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            files[".".join(parts)] = f
    return files


def _targets(node, module, is_package, files):
    """The project modules an import node names (relative imports resolved)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        parts = module.split(".")
        parts = parts[: len(parts) - node.level + (1 if is_package else 0)]
        base = ".".join(parts + ([base] if base else []))
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names]


def _uses_importlib(tree):
    return any(
        isinstance(n, ast.Attribute) and n.attr == "import_module" for n in ast.walk(tree)
    ) or any(isinstance(n, ast.ImportFrom) and n.module == "importlib" for n in ast.walk(tree))


def module_graph(root, packages=PACKAGES):
    """``{module: set of project modules it imports}`` from the AST of every file."""
    root = Path(root)
    files = _module_files(root, packages)
    graph = {m: set() for m in files}
    for m, f in files.items():
        tree = ast.parse(f.read_text(), str(f))
        names = []
        for node in ast.walk(tree):
            names += _targets(node, m, f.name == "__init__.py", files)
        if _uses_importlib(tree):  # modules loaded by name: every string naming one
            names += [
                n.value
                for n in ast.walk(tree)
                if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in files
            ]
        for t in names:
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


def _is_main_block(node):
    """``if __name__ == "__main__":`` with no ``else``."""
    test = getattr(node, "test", None)
    return (
        isinstance(node, ast.If)
        and not node.orelse
        and isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Eq)
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


def is_entry(tree):
    """Whether a module is a thin ``python -m`` entry: its only code, besides its docstring,
    is one ``if __name__ == "__main__":`` block (importing it runs nothing)."""
    body = list(tree.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return len(body) == 1 and _is_main_block(body[0])


@functools.lru_cache(maxsize=None)
def _entry_module(module, root=ROOT):
    """Whether the project module ``module`` (a ``.py`` file, not a package) is a thin entry."""
    f = Path(root, *module.split(".")).with_suffix(".py")
    return f.is_file() and is_entry(ast.parse(f.read_text(), str(f)))


def layer(module):
    """The layer of a module, by its folder (a thin entry is a command wherever it is)."""
    if _in(module, COMMANDS) or module.endswith(".__main__") or _entry_module(module):
        return "command"
    if module == "nengo_fashion":  # the package's face: nf.load, nf.Classifier, ...
        return "front-end"
    if _in(module, STUDIES):
        return "study"
    if _in(module, FRONT_ENDS):
        return "front-end"
    if _in(module, BACKENDS):
        return "backend"
    return "library"


ALLOWED = {
    "command": {"command", "study", "front-end", "backend", "library"},
    "study": {"study", "front-end", "backend", "library"},
    "front-end": {"front-end", "backend", "library"},
    "backend": {"backend", "library"},
    "library": {"library"},
}
"""Which layers each layer may import."""


@pytest.fixture(scope="module")
def graph():
    return module_graph(ROOT)


def test_thin_entries_are_commands():
    """A test of the test: only a module whose sole code is the ``__main__`` block is an
    entry; one that also defines or imports something at import time is not."""
    entry = '''"""doc"""\n\nif __name__ == "__main__":\n    import sys\n    sys.exit(0)\n'''
    assert is_entry(ast.parse(entry))
    assert not is_entry(ast.parse("import sys\n" + entry))
    assert not is_entry(ast.parse(entry + "else:\n    pass\n"))
    assert not is_entry(ast.parse('if __name__ != "__main__":\n    pass\n'))
    assert layer("nengo_fashion.predict") == "command"  # python -m nengo_fashion.predict
    assert layer("nengo_fashion.classify.classifier") == "front-end"


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


def test_importlib_edges_count(tmp_path):
    """A test of the test: a module loaded by name is an edge, and a layer breach."""
    pkg = tmp_path / "nengo_fashion"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text(
        "import importlib\nTABLE = {'x': 'nengo_fashion.commands'}\n"
        "def f(k):\n    return importlib.import_module(TABLE[k])\n"
    )
    (pkg / "commands.py").write_text("")
    graph = module_graph(tmp_path, ["nengo_fashion"])
    assert graph["nengo_fashion.a"] == {"nengo_fashion.commands"}
    assert _breaches(graph) == ["nengo_fashion.a (library) -> nengo_fashion.commands (command)"]


def _breaches(graph):
    return sorted(
        f"{m} ({layer(m)}) -> {t} ({layer(t)})"
        for m, ts in graph.items()
        for t in ts
        if layer(t) not in ALLOWED[layer(m)]
    )


def test_every_layer_imports_only_the_layers_below_it(graph):
    assert _breaches(graph) == []


def test_the_layer_rules_see_every_layer(graph):
    """The folders the rules name exist, so that a rule cannot pass by naming nothing."""
    layers = {layer(m) for m in graph}
    assert layers == set(ALLOWED), layers


def test_neuron_types_import_no_engine(graph):
    edges = [
        f"{m} -> {t}"
        for m, ts in graph.items()
        if _in(m, ["nengo_fashion.neurons"])
        for t in ts
        if _in(t, ["nengo_fashion.inference"])
    ]
    assert edges == []


def test_nothing_installed_imports_the_tooling(graph):
    edges = [
        f"{m} -> {t}"
        for m, ts in graph.items()
        if not _in(m, ["tools"])
        for t in ts
        if _in(t, ["tools"])
    ]
    assert edges == []


def test_the_package_stays_small_at_the_top():
    """At most 16 modules at the top (thin ``python -m`` entries are paths, not modules, and
    do not count), and every subpackage says what lives in it."""
    top = [
        f
        for f in (ROOT / "nengo_fashion").glob("*.py")
        if f.name != "__init__.py" and not is_entry(ast.parse(f.read_text()))
    ]
    assert len(top) <= 16, sorted(f.name for f in top)
    for sub in (ROOT / "nengo_fashion").iterdir():
        if sub.is_dir() and (sub / "__init__.py").exists():
            doc = ast.get_docstring(ast.parse((sub / "__init__.py").read_text()))
            assert doc, f"{sub.name}/__init__.py has no docstring saying what lives there"
