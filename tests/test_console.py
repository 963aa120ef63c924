"""``nengo-fashion NAME [ARGS]``: one console script over the command layer.

Every row of `COMMANDS` is a command module with ``make_parser`` and ``main``; its ``python -m``
path exists and calls that same ``main``; ``nengo-fashion NAME --help`` works for each;
``nengo-fashion --help`` lists them all with the first sentence of each description; an
unknown name is one line naming the known ones; the README's command table and `COMMANDS`
agree; ``nengo-fashion predict`` imports no other command (its cold start is that of
``python -m nengo_fashion.predict``).
"""

import ast
import importlib
import importlib.metadata
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

import nengo_fashion
from nengo_fashion.commands import COMMANDS, console

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def picture(tmp_path_factory):
    path = tmp_path_factory.mktemp("pictures") / "shirt.png"
    Image.new("RGB", (40, 50), (250, 250, 250)).save(path)
    return path


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_module_has_make_parser_and_main(name):
    module = importlib.import_module(COMMANDS[name][0])
    assert callable(module.make_parser) and callable(module.main)
    assert module.make_parser().description


def _main_file(path):
    """The file that ``python -m path`` runs: a package's ``__main__.py``, or the module."""
    spec = importlib.util.find_spec(path)
    assert spec is not None and spec.origin, f"python -m {path}: no such module"
    if spec.submodule_search_locations:  # a package
        main = importlib.util.find_spec(f"{path}.__main__")
        assert main is not None, f"python -m {path}: the package has no __main__"
        return Path(main.origin)
    return Path(spec.origin)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_python_m_path_calls_the_same_main(name):
    module, path = COMMANDS[name]
    tree = ast.parse(_main_file(path).read_text())
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and any(a.name == "main" for a in node.names)
    }
    assert imported == {module}, f"python -m {path} calls the main of {imported}"
    calls = [
        n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "main"
    ]
    assert calls, f"python -m {path} imports main but does not call it"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_nengo_fashion_name_help(name, capsys):
    with pytest.raises(SystemExit) as e:
        console.main([name, "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: ")
    parser = importlib.import_module(COMMANDS[name][0]).make_parser()
    assert " ".join(parser.description.split())[:40] in " ".join(out.split())


def test_help_lists_every_command_with_its_summary(capsys):
    assert console.main(["--help"]) == 0
    out = capsys.readouterr().out
    listed = re.findall(r"^  (\S+)\s+\S", out, flags=re.M)
    assert listed[: len(COMMANDS)] == list(COMMANDS)
    for name in COMMANDS:
        summary = console.summary(name)
        assert summary and "\n" not in summary
        assert summary in " ".join(out.split())
    assert console.summary("predict").startswith("Classify pictures of clothes")
    assert console.summary("search").startswith("Choose the best training recipe")  # no ``


@pytest.mark.parametrize(
    "argv, words",
    [
        (["nope"], "unknown command 'nope'"),
        (["--bogus"], "unknown option '--bogus'"),
        ([], "give a command"),
    ],
)
def test_unknown_or_missing_command_is_one_line(argv, words, capsys):
    assert console.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith("nengo-fashion: error: ") and words in line
    assert ", ".join(COMMANDS) in line


def test_version(capsys):
    assert console.main(["--version"]) == 0
    assert capsys.readouterr().out == f"nengo-fashion {nengo_fashion.__version__}\n"


def test_exit_status_is_the_commands(picture, tmp_path, capsys):
    assert console.main(["predict", str(picture)]) == 0
    assert capsys.readouterr().out.startswith(f"{picture}: ")
    assert console.main(["predict", str(tmp_path / "missing.png")]) == 1  # one unreadable


def test_the_entry_point_is_the_console():
    (entry,) = (
        e
        for e in importlib.metadata.entry_points(group="console_scripts")
        if e.name == "nengo-fashion"
    )
    assert entry.value == "nengo_fashion.commands.console:main"


def test_installed_script_answers_as_python_m(picture, tmp_path):
    script = shutil.which("nengo-fashion", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the nengo-fashion script is not installed (pip install -e . makes it)")
    a = subprocess.run([script, "predict", str(picture)], capture_output=True, text=True)
    b = subprocess.run(
        [sys.executable, "-m", "nengo_fashion.predict", str(picture)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert (a.returncode, a.stdout, a.stderr) == (b.returncode, b.stdout, b.stderr)
    assert a.returncode == 0 and a.stdout.startswith(f"{picture}: ")


def test_predict_imports_no_other_command(picture, tmp_path):
    code = (
        "import sys\n"
        "from nengo_fashion.commands.console import main\n"
        f"assert main(['predict', {str(picture)!r}]) == 0\n"
        "print(sorted(m for m in sys.modules if m.startswith('nengo_fashion.commands.')))\n"
        "print(sorted(m for m in ('nengo', 'numba', 'tensorflow') if m in sys.modules))\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 0, p.stderr[-2000:]
    commands, heavy = p.stdout.splitlines()[-2:]
    assert commands == "['nengo_fashion.commands.console', 'nengo_fashion.commands.predict']"
    assert heavy == "[]"


def test_readme_command_table_agrees_with_commands():
    """The ``python -m`` commands of the README's table are the rows of `COMMANDS` (besides
    the tooling: tools, tests, benchmarks, pytest, sphinx), and every ``nengo-fashion NAME``
    the README names is one."""
    readme = (ROOT / "README.md").read_text()
    table = re.findall(r"^\| `python -m ([\w.]+)[^`]*` \|", readme, flags=re.M)
    project = {m for m in table if m.split(".")[0] in ("nengo_fashion", "loihi")}
    assert project == {path for _, path in COMMANDS.values()}
    named = set(re.findall(r"`nengo-fashion ([a-z][\w-]*)", readme))
    assert named <= set(COMMANDS), f"the README names unknown commands: {named - set(COMMANDS)}"
