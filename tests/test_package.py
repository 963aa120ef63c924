"""The package people install: the model inside it, a lean core with extras, one version.

- the run shipped in the package (`nengo_fashion.models`) is byte for byte the committed
  ``results/best-relu`` (``python -m tools.package_models`` refreshes it), and ``nf.load()``
  reads it; a name that is no packaged run and no folder is one line listing the packaged
  runs;
- ``pyproject.toml``'s core needs only numpy and Pillow, and its extras agree with the table
  of `nengo_fashion.extras` (each module's distribution is in its extra, each extra's
  requirement brings a module of the table);
- a mode or command whose extra is missing (its module made unimportable by
  ``sys.modules[name] = None``, in a new process) ends with the one line naming the extra.

``scripts/wheel-check.sh`` (in CI) installs the built wheel into a clean venv with the core
dependencies only and runs it from outside the repository.
"""

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

import nengo_fashion as nf
from nengo_fashion import classify, extras, models
from nengo_fashion.cli import run_cli
from nengo_fashion.errors import MissingDependencyError, RunError
from tools import package_models

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pyproject():
    tomllib = pytest.importorskip("tomllib")
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


@pytest.fixture(scope="module")
def picture(tmp_path_factory):
    path = tmp_path_factory.mktemp("pictures") / "shirt.png"
    Image.new("RGB", (40, 50), (250, 250, 250)).save(path)
    return path


# --- the model inside the package


def test_packaged_run_equals_the_committed_run():
    """A retrained, committed results/best-relu cannot silently differ from the package's."""
    assert package_models.differences() == [], "run python -m tools.package_models"
    for run in models.RUNS:
        shipped = sorted(p.name for p in (ROOT / "nengo_fashion" / "models" / run).iterdir())
        assert shipped == sorted(models.FILES)


def test_package_data_ships_every_packaged_file(pyproject):
    """Each file of `models.FILES` matches a package-data pattern (and the folders hold only
    those files: `test_packaged_run_equals_the_committed_run`)."""
    import fnmatch

    patterns = pyproject["tool"]["setuptools"]["package-data"]["nengo_fashion.models"]
    for f in models.FILES:
        assert any(fnmatch.fnmatch(f"best-relu/{f}", p) for p in patterns), f


def test_load_reads_the_packaged_run():
    folder = models.run_folder(classify.DEFAULT_RUN)
    assert folder == ROOT / "nengo_fashion" / "models" / "best-relu"
    assert nf.load().path == folder
    assert nf.load("best-relu").path == folder
    assert nf.load(ROOT / "results" / "best-relu").path == ROOT / "results" / "best-relu"
    # a name, not a path of the machine that built it (the API reference shows it)
    assert classify.DEFAULT_RUN == "best-relu" and classify.DEFAULT_RUN in models.RUNS


def test_unknown_run_name_lists_the_packaged_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RunError) as e:
        nf.load("no-such-run")
    assert "\n" not in str(e.value)
    assert "'no-such-run'" in str(e.value) and "packaged runs are best-relu" in str(e.value)
    (tmp_path / "best-relu").mkdir()  # a folder of that name is a folder, as before
    with pytest.raises(RunError, match="config.json not found"):
        nf.load("best-relu")


def test_package_models_check_and_refresh(tmp_path):
    """The refresh step copies what differs; --check lists it (and exits 1)."""
    results, packaged = tmp_path / "results", tmp_path / "nengo_fashion" / "models"
    for run in models.RUNS:
        (results / run).mkdir(parents=True)
        for f in models.FILES:
            (results / run / f).write_bytes((ROOT / "results" / run / f).read_bytes())
    old_root = package_models.ROOT
    package_models.ROOT = tmp_path
    try:
        assert len(package_models.differences(results, packaged)) == len(models.FILES)
        package_models.refresh(results, packaged)
        assert package_models.differences(results, packaged) == []
        (results / "best-relu" / "results.json").write_text("{}")
        assert package_models.differences(results, packaged) == [
            "nengo_fashion/models/best-relu/results.json"
        ]
    finally:
        package_models.ROOT = old_root


# --- metadata: one version, a lean core, the extras


def test_one_version(pyproject):
    assert pyproject["project"]["dynamic"] == ["version"]
    attr = pyproject["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "nengo_fashion.version.__version__"
    assert importlib.metadata.version("nengo-fashion") == nf.__version__
    assert "version" not in (ROOT / "setup.py").read_text()


def test_core_is_numpy_and_pillow_with_lower_bounds(pyproject):
    from packaging.requirements import Requirement

    core = [Requirement(r) for r in pyproject["project"]["dependencies"]]
    assert sorted(r.name.lower() for r in core) == ["numpy", "pillow"]
    assert all(s.operator == ">=" for r in core for s in r.specifier)
    assert pyproject["project"]["license"] == "MIT"
    scripts = pyproject["project"]["scripts"]
    assert scripts == {"nengo-fashion": "nengo_fashion.commands.console:main"}


def _canonical(name):
    return name.lower().replace("_", "-").replace(".", "-")


def _closure(requirements, extra_env=""):
    """The distributions ``requirements`` (strings) bring, through the installed metadata."""
    from packaging.requirements import Requirement

    seen, todo = set(), [(Requirement(r), extra_env) for r in requirements]
    while todo:
        req, env = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": env}):
            continue
        name = _canonical(req.name)
        for extra in ("", *sorted(req.extras)):
            if (name, extra) in seen:
                continue
            seen.add((name, extra))
            try:
                requires = importlib.metadata.requires(name) or []
            except importlib.metadata.PackageNotFoundError:
                continue
            todo += [(Requirement(r), extra) for r in requires]
    return {name for name, _ in seen}


def _extra_requirements(pyproject, extra):
    """The requirements of ``extra`` and of the extras it brings (no self-references)."""
    out = []
    for e in extras.closure(extra):
        out += [r for r in pyproject["project"]["optional-dependencies"][e]]
    return [r for r in out if not r.startswith("nengo-fashion[")]


def test_extras_table_agrees_with_pyproject(pyproject):
    optional = pyproject["project"]["optional-dependencies"]
    for extra, brought in extras.INCLUDES.items():
        assert f"nengo-fashion[{brought}]" in optional[extra]
    for extra, reqs in optional.items():
        refs = [r for r in reqs if r.startswith("nengo-fashion[")]
        if extra != "all":
            assert refs == ([f"nengo-fashion[{extras.INCLUDES[extra]}]"] if refs else [])
    from packaging.requirements import Requirement

    (everything,) = (Requirement(r) for r in optional["all"])
    assert everything.name == "nengo-fashion"
    assert everything.extras == set(extras.EXTRAS.values()) - {"distributed"}
    assert set(extras.MODES) <= set(optional)


def test_each_module_of_the_table_comes_with_its_extra(pyproject):
    """The distribution of each module of `extras.EXTRAS` is brought by its extra, the
    smallest that brings it, and not by the core."""
    where = importlib.metadata.packages_distributions()
    core = _closure(pyproject["project"]["dependencies"])
    for module, extra in extras.EXTRAS.items():
        dists = {_canonical(d) for d in where.get(module, ())}
        assert dists, f"{module} is not installed here: the test needs the whole stack"
        assert dists & _closure(_extra_requirements(pyproject, extra)), (module, extra)
        if extra in extras.INCLUDES:  # and the smallest extra that brings it
            smaller = _closure(_extra_requirements(pyproject, extras.INCLUDES[extra]))
            assert not dists & smaller, f"{module} comes with [{extras.INCLUDES[extra]}]"
        assert not dists & core, f"{module} comes with the core, not only with [{extra}]"


def test_each_requirement_of_an_extra_brings_a_module_of_the_table(pyproject):
    from packaging.requirements import Requirement

    where = importlib.metadata.packages_distributions()
    modules_of = {}
    for module, dists in where.items():
        for d in dists:
            modules_of.setdefault(_canonical(d), set()).add(module)
    core = {_canonical(Requirement(r).name) for r in pyproject["project"]["dependencies"]}
    for extra in set(extras.EXTRAS.values()):
        for r in pyproject["project"]["optional-dependencies"][extra]:
            if r.startswith("nengo-fashion["):
                continue
            name = _canonical(Requirement(r).name)
            if name in core:  # a pin of the tested stack on a core dependency
                continue
            found = {extras.EXTRAS.get(m) for m in modules_of.get(name, ())}
            assert extra in found, f"[{extra}]'s {name} brings no module of extras.EXTRAS"


# --- a missing extra says which one to install

COMMAND = """
import sys
for name in {blocked!r}:
    sys.modules[name] = None
from nengo_fashion.commands.console import main
sys.exit(main({argv!r}))
"""

API = """
import sys
for name in {blocked!r}:
    sys.modules[name] = None
import nengo_fashion as nf
from nengo_fashion.errors import MissingDependencyError
try:
    nf.load().predict({picture!r}, mode={mode!r})
except MissingDependencyError as e:
    print(e)
    sys.exit(3)
"""

COMMAND_CASES = [
    # (id, arguments (PICTURE, IDX replaced), unimportable modules, the extra named)
    ("predict-spiking-no-numba", ["predict", "--mode", "spiking", "PICTURE"], ["numba"], "spiking"),
    ("predict-spiking-no-nengo", ["predict", "--mode", "spiking", "PICTURE"], ["nengo"], "spiking"),
    (
        "predict-loihi-no-nengo-loihi",
        ["predict", "--mode", "loihi", "PICTURE"],
        ["nengo_loihi"],
        "loihi",
    ),
    (
        "predict-loihi-no-tensorflow",
        ["predict", "--mode", "loihi", "PICTURE"],
        ["tensorflow"],
        "loihi",
    ),
    ("sweep-no-nengo", ["sweep", "--help"], ["nengo"], "spiking"),
    ("seeds-no-threadpoolctl", ["seeds", "--help"], ["threadpoolctl"], "spiking"),
    (
        "train-no-tensorflow",
        [
            "train",
            "--epochs",
            "1",
            "--n-val",
            "10",
            "--data-dir",
            "IDX",
            "--unverified-data",
            "--out",
            "OUT",
            "--quiet",
        ],
        ["tensorflow"],
        "train",
    ),
]


@pytest.mark.parametrize(
    "argv, blocked, extra", [c[1:] for c in COMMAND_CASES], ids=[c[0] for c in COMMAND_CASES]
)
def test_command_without_its_extra_names_it(argv, blocked, extra, picture, idx_dir, tmp_path):
    values = {"PICTURE": str(picture), "IDX": str(idx_dir), "OUT": str(tmp_path / "out")}
    argv = [values.get(a, a) for a in argv]
    p = subprocess.run(
        [sys.executable, "-c", COMMAND.format(blocked=blocked, argv=argv)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert (p.returncode, p.stderr) == (2, f"error: {extras.hint(extra)}\n")
    assert extras.hint(extra) == (
        f'this needs the [{extra}] extra: pip install "nengo-fashion[{extra}]"'
    )


@pytest.mark.parametrize(
    "mode, blocked, extra",
    [
        ("spiking", ["nengo"], "spiking"),
        ("spiking", ["numba"], "spiking"),
        ("loihi", ["nengo_loihi"], "loihi"),
        ("loihi", ["nengo_extras"], "loihi"),
        ("loihi", ["tensorflow", "nengo_dl"], "loihi"),
    ],
)
def test_api_mode_without_its_extra_raises_missing_dependency(mode, blocked, extra, picture):
    code = API.format(blocked=blocked, picture=str(picture), mode=mode)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (p.returncode, p.stdout) == (3, f"{extras.hint(extra)}\n"), p.stderr[-2000:]


def test_rate_mode_needs_no_extra(picture, tmp_path):
    blocked = ["nengo", "numba", "tensorflow", "nengo_dl", "nengo_loihi", "matplotlib", "scipy"]
    p = subprocess.run(
        [sys.executable, "-c", COMMAND.format(blocked=blocked, argv=["predict", str(picture)])],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.startswith(f"{picture}: ")


def test_other_missing_modules_are_not_an_extra(monkeypatch):
    """Only a module of the table that is absent is a missing extra: an unknown module, or a
    submodule missing from an installed package (a version problem), stays an error."""
    assert extras.missing_dependency(ModuleNotFoundError("x", name="no_such_module_x")) is None
    assert extras.missing_dependency(ModuleNotFoundError("x", name="numpy.nope")) is None
    assert extras.missing_dependency(ModuleNotFoundError("x", name="nengo.nope")) is None
    assert extras.missing_dependency(ValueError("nengo")) is None
    monkeypatch.setitem(sys.modules, "nir", None)
    error = extras.missing_dependency(ModuleNotFoundError("x", name="nir.io"))
    assert isinstance(error, MissingDependencyError) and str(error) == extras.hint("nir")

    def missing():
        import no_such_module_x  # noqa: F401

    with pytest.raises(ModuleNotFoundError):
        run_cli(missing)


def test_closure_and_require(monkeypatch):
    assert extras.closure("loihi") == ["loihi", "train", "spiking"]
    extras.require("loihi")  # the whole stack is installed here
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(MissingDependencyError, match=r"\[loihi\] extra"):
        extras.require("loihi")
    extras.require_mode("spiking")  # spiking mode itself needs only nengo and numba
    extras.require_mode("rate")
