import json
from pathlib import Path

import pytest

from nengo_fashion.config import RECIPES
from nengo_fashion.studies.search import CANDIDATES
from tools import report

ROOT = Path(__file__).resolve().parents[1]


PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
"""Every page that may hold a generated table: the README and the manual's pages."""


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_page_tables_match_results(page):
    """Every table on every page is what the committed result files say."""
    text = page.read_text()
    assert report.render(text, ROOT / "results") == text, (
        f"{page.relative_to(ROOT)}: tables are stale: run "
        "python -m tools.report --write README.md docs/*.md"
    )


def test_every_table_is_on_a_page():
    """No table was lost when the README became a front page: each one lives on some page."""
    names = set()
    for page in PAGES:
        names.update(m.group("name") for m in report._BLOCK.finditer(page.read_text()))
    assert names == set(report.TABLES), set(report.TABLES) ^ names


@pytest.fixture
def results(tmp_path):
    """A results folder with one file: a recipe search whose one candidate scored 50 %."""
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "recipe_search.json").write_text(
        json.dumps({"best": "a", "candidates": {"a": {"overrides": {}, "val_acc": 0.5}}})
    )
    return folder


STALE = "<!-- BEGIN report:recipe_search -->\n| 99.99 |\n<!-- END report:recipe_search -->\n"


def test_report_check_detects_a_hand_edit(tmp_path, results):
    (tmp_path / "R.md").write_text(STALE)
    assert report.main(["--check", str(tmp_path / "R.md"), "--results", str(results)]) == 1
    assert report.main(["--write", str(tmp_path / "R.md"), "--results", str(results)]) == 0
    assert "99.99" not in (tmp_path / "R.md").read_text()
    assert report.main(["--check", str(tmp_path / "R.md"), "--results", str(results)]) == 0


def test_report_takes_several_files(tmp_path, results):
    """``--write`` and ``--check`` take several files; one stale file fails the check."""
    pages = [tmp_path / "A.md", tmp_path / "B.md"]
    for page in pages:
        page.write_text("# page\n\n" + STALE)
    files = [str(p) for p in pages]
    assert report.main(["--check", *files, "--results", str(results)]) == 1
    assert report.main(["--write", *files, "--results", str(results)]) == 0
    assert all("50.00" in p.read_text() and "99.99" not in p.read_text() for p in pages)
    assert report.main(["--check", *files, "--results", str(results)]) == 0
    pages[1].write_text(STALE)  # one stale page among fresh ones
    assert report.main(["--check", *files, "--results", str(results)]) == 1


def test_report_writes_nothing_if_one_file_is_bad(tmp_path, results, capsys):
    good = tmp_path / "good.md"
    good.write_text(STALE)
    argv = ["--write", str(good), str(tmp_path / "missing.md"), "--results", str(results)]
    assert report.main(argv) == 2
    assert good.read_text() == STALE
    assert "missing.md not found" in capsys.readouterr().err


def test_unknown_table():
    with pytest.raises(KeyError, match="nope"):
        report.render("<!-- BEGIN report:nope -->\nx\n<!-- END report:nope -->")


def test_best_recipe_is_the_validation_winner():
    path = ROOT / "results" / "recipe_search.json"
    if not path.exists():
        pytest.skip("results/recipe_search.json not written yet")
    search = json.loads(path.read_text())
    best = CANDIDATES[search["best"]]
    assert RECIPES["best"] == best
    # the search used the validation split, never the test split
    assert search["n_val"] == 5000


def test_distill_recipe_is_the_validation_winner():
    from nengo_fashion.studies.search import DISTILL_CANDIDATES, best_distilled

    path = ROOT / "results" / "distill_search.json"
    if not path.exists():
        pytest.skip("results/distill_search.json not written yet")
    search = json.loads(path.read_text())
    winner = dict(DISTILL_CANDIDATES[best_distilled(search)])
    assert winner.pop("teacher", "unset") == "unset", "the winner must be a distilled candidate"
    recipe = dict(RECIPES["distill"])
    defaults = {"kd_alpha": 0.5, "kd_temperature": 4.0, "label_smoothing": 0.0, "kd_copies": 10}
    for key, value in defaults.items():  # TrainConfig's defaults, unless the recipe sets them
        recipe.setdefault(key, value)
        winner.setdefault(key, value)
    assert recipe == winner
    assert search["n_val"] == 5000
    assert all(
        c["overrides"].get("teacher") in (None, "results/teacher")
        for c in search["candidates"].values()
    )


def test_headline_without_our_results_is_a_placeholder(tmp_path):
    """The literature rows alone are no headline: with none of our result files the table is a
    placeholder, so that ``--write`` refuses to replace the README's table with it."""
    assert "|" not in report.TABLES["headline"](tmp_path)
