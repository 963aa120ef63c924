"""Which split each command runs on by default, and what it records (`cli.add_split_arg`).

The exploration commands (``studies.sweep``, ``studies.figures``, ``loihi.tune``), where a
user picks a setting, run on the validation split unless told; ``--split test`` needs
``--report-on-test``, is refused without it (one line, exit status 2, before any data is
loaded), and is recorded in the result. The reporting commands (``evaluate``,
``python -m loihi``) stay on the test split by default and say so.
"""

import importlib
import json
import shutil
from pathlib import Path

import pytest

from nengo_fashion import cli

from .hostile import one_line_error

BEST = Path(__file__).resolve().parent.parent / "results" / "best-relu"


@pytest.fixture
def run_copy(tmp_path):
    """The committed ``results/best-relu`` (what a run needs), copied: nothing is written
    into results/."""
    if not (BEST / "weights.npz").exists():
        pytest.skip("results/best-relu not committed")
    dest = tmp_path / "best-relu"
    dest.mkdir()
    for name in ("config.json", "results.json", "weights.npz"):
        shutil.copy2(BEST / name, dest / name)
    return dest


def _main(module):
    if module.startswith("loihi"):
        pytest.importorskip("nengo_loihi")
    if module.startswith("nengo_fashion."):  # the command behind the python -m path
        module = "nengo_fashion.commands." + module.rpartition(".")[2]
    loihi = {"loihi": "loihi", "loihi.tune": "loihi_tune"}
    if module in loihi:
        module = f"nengo_fashion.commands.{loihi[module]}"
    return importlib.import_module(module).main


def _sweep_record(out):
    return json.loads((out / "sweep.json").read_text())


def _figures_record(out):
    from PIL import Image

    (png,) = out.glob("per_image_*.png")
    with Image.open(png) as im:
        text = dict(im.text)
    flag = {"true": True, "false": False}[text["report_on_test"]]
    return {"split": text["split"], "report_on_test": flag}


def _tune_record(out):
    return json.loads((out / "loihi_tune.json").read_text())


# (id, module, cheap argv besides --run/--out, the result's record of the split)
CHOOSE = [
    (
        "sweep",
        "nengo_fashion.studies.sweep",
        ["--n-images", "20", "--steps", "5", "--scale", "100"],
        _sweep_record,
    ),
    (
        "figures",
        "nengo_fashion.studies.figures",
        ["--dt", "0.001", "--steps", "5", "--images", "2"],
        _figures_record,
    ),
    (
        "loihi.tune",
        "loihi.tune",
        ["--n-images", "20", "--input-rate", "250", "--scale", "100"]
        + ["--presentation-time", "0.02", "--skip", "0"],
        _tune_record,
    ),
]
CHOOSE_IDS = [c[0] for c in CHOOSE]


@pytest.mark.parametrize("case", CHOOSE, ids=CHOOSE_IDS)
def test_exploration_defaults_to_val(case, run_copy, tmp_path, fashion):
    _, module, argv, record = case
    out = tmp_path / "out"
    assert _main(module)(["--run", str(run_copy), "--out", str(out), "--quiet", *argv]) == 0
    rec = record(out)
    assert rec["split"] == "val" and rec["report_on_test"] is False


# (id, the split options) refused by every exploration command
REFUSED = [
    ("test-without-flag", ["--split", "test"], ("--split test", "--report-on-test")),
    ("flag-without-test", ["--report-on-test"], ("--report-on-test", "--split test")),
    ("flag-with-val", ["--split", "val", "--report-on-test"], ("--report-on-test",)),
]


@pytest.mark.parametrize("refused", REFUSED, ids=[r[0] for r in REFUSED])
@pytest.mark.parametrize("case", CHOOSE, ids=CHOOSE_IDS)
def test_exploration_on_test_needs_the_flag(case, refused, run_copy, tmp_path, capsys, monkeypatch):
    _, module, argv, _ = case
    main = _main(module)

    def no_data(*args, **kwargs):
        pytest.fail("the data was loaded before --split was checked")

    monkeypatch.setattr("nengo_fashion.data.load", no_data)
    out = tmp_path / "out"
    err = one_line_error(
        capsys, ["--run", str(run_copy), "--out", str(out), *argv, *refused[1]], main
    )
    assert "Traceback" not in err
    for words in refused[2]:
        assert words in err, err
    assert not out.exists()


@pytest.mark.parametrize("case", CHOOSE, ids=CHOOSE_IDS)
def test_exploration_on_test_with_the_flag_is_recorded(case, run_copy, tmp_path, fashion):
    _, module, argv, record = case
    out = tmp_path / "out"
    argv = ["--run", str(run_copy), "--out", str(out), "--quiet", *argv]
    assert _main(module)([*argv, "--split", "test", "--report-on-test"]) == 0
    rec = record(out)
    assert rec["split"] == "test" and rec["report_on_test"] is True


# (id, module, cheap argv besides --run and where the JSON goes)
REPORT = [
    ("evaluate", "nengo_fashion.evaluate", ["--mode", "rate", "--n-images", "20"]),
    ("loihi", "loihi", ["--n-images", "20", "--presentation-time", "0.02"]),
]
NOTE = "reporting on the test split (choose settings on --split val"


@pytest.mark.parametrize("split", [None, "val"], ids=["default", "val"])
@pytest.mark.parametrize("case", REPORT, ids=[c[0] for c in REPORT])
def test_reporting_commands_say_they_report_on_test(
    case, split, run_copy, tmp_path, capsys, fashion
):
    _, module, argv = case
    if module == "loihi":
        out = tmp_path / "out"
        argv = [*argv, "--out", str(out)]
        written = out / "loihi.json"
    else:
        written = tmp_path / "eval.json"
        argv = [*argv, "--json", str(written)]
    if split:
        argv += ["--split", split]
    assert _main(module)(["--run", str(run_copy), *argv]) == 0
    said = capsys.readouterr().out
    assert json.loads(written.read_text())["split"] == (split or "test")
    if split is None:
        assert NOTE in said, said
    else:
        assert "reporting on the test split" not in said, said


def test_reporting_commands_take_no_flag(run_copy, capsys):
    """``--report-on-test`` belongs to the exploration commands only."""
    from nengo_fashion.commands import evaluate

    err = one_line_error(capsys, ["--run", str(run_copy), "--report-on-test"], evaluate.main)
    assert "--report-on-test" in err


def test_pareto_takes_no_split(run_copy, tmp_path, capsys):
    """``studies.pareto`` always chooses on val and reports on test (``pareto.json``'s
    ``chosen_on_val`` and ``chosen_test``; tests/test_sweep.py): no ``--split`` to move it."""
    from nengo_fashion.commands import pareto

    argv = ["--run", str(run_copy), "--out", str(tmp_path / "p"), "--split", "test"]
    assert "unrecognized arguments: --split test" in one_line_error(capsys, argv, pareto.main)


def test_add_split_arg_purposes():
    choose, report = cli.ArgumentParser(prog="c"), cli.ArgumentParser(prog="r")
    cli.add_split_arg(choose, "choose")
    cli.add_split_arg(report, "report", choices=("val", "test"))
    assert choose.parse_args([]).split == "val"
    assert choose.parse_args(["--split", "train"]).split == "train"
    assert choose.parse_args(["--split", "test", "--report-on-test"]).report_on_test
    assert report.parse_args([]).split == "test"
    assert not hasattr(report.parse_args([]), "report_on_test")
    with pytest.raises(ValueError, match="purpose"):
        cli.add_split_arg(cli.ArgumentParser(), "pick")
