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


def test_every_fragment_is_used_on_a_page():
    """Each registered fragment writes a number in some page's prose, and no page holds an
    unknown one (``report.render`` would refuse it)."""
    names = set()
    for page in PAGES:
        names.update(m.group("name") for m in report._FRAGMENT.finditer(page.read_text()))
    assert names == set(report.FRAGMENTS), set(report.FRAGMENTS) ^ names


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


@pytest.fixture
def run_results(tmp_path):
    """A results folder with one run folder whose rate test accuracy is 50 %."""
    folder = tmp_path / "results"
    (folder / "r").mkdir(parents=True)
    (folder / "r" / "results.json").write_text(json.dumps({"rate_test_acc": 0.5}))
    return folder


FRAGMENT = "The net scores <!-- report:run r rate_test_acc -->{}<!-- /report --> % on test.\n"


def test_fragment_check_detects_a_stale_value(tmp_path, run_results):
    """A hand-typed or stale number inside a sentence fails --check; --write corrects it and
    leaves the sentence around it as it was."""
    page = tmp_path / "R.md"
    page.write_text(FRAGMENT.format("99.99"))
    argv = ["--results", str(run_results)]
    assert report.main(["--check", str(page), *argv]) == 1
    assert report.main(["--write", str(page), *argv]) == 0
    assert page.read_text() == FRAGMENT.format("50.00")
    assert report.main(["--check", str(page), *argv]) == 0


def test_fragment_render_and_arguments(run_results):
    text = FRAGMENT.format("1") + "| table | 2 |\n" + FRAGMENT.format("3")
    assert report.render(text, run_results) == (
        FRAGMENT.format("50.00") + "| table | 2 |\n" + FRAGMENT.format("50.00")
    )
    # a fragment lies on one line: markers split over lines, or around code, are left alone
    for text in (
        "<!-- report:run r rate_test_acc -->\n1<!-- /report -->",
        "`<!-- report:run r rate_test_acc -->` and `<!-- /report -->`",
    ):
        assert report.render(text, run_results) == text


def test_fragment_whose_file_is_missing_is_refused(tmp_path, run_results, capsys):
    """A fragment that would become "(no results)" means a result file is missing: --write
    refuses and writes nothing, unless --allow-empty."""
    page = tmp_path / "R.md"
    page.write_text(FRAGMENT.format("50.00").replace("run r", "run gone"))
    before = page.read_text()
    argv = ["--write", str(page), "--results", str(run_results)]
    assert report.main(argv) == 2
    assert page.read_text() == before
    assert "fragment run gone rate_test_acc" in capsys.readouterr().err
    assert report.main([*argv, "--allow-empty"]) == 0
    assert report.MISSING in page.read_text()


def test_unknown_fragment():
    with pytest.raises(KeyError, match="nope"):
        report.render("x <!-- report:nope -->1<!-- /report --> y")


def test_fragment_that_begins_a_line_is_refused(run_results):
    """Markdown reads a line that begins with ``<!--`` as an HTML block, which would show the
    rest of the paragraph as raw HTML: a fragment needs a word before it on its line."""
    fragment = "<!-- report:run r rate_test_acc -->1<!-- /report --> %"
    for text in (fragment, "a sentence\n   " + fragment):
        with pytest.raises(KeyError, match="begins a line"):
            report.render(text, run_results)
    assert report.render("a sentence " + fragment, run_results).endswith("50.00<!-- /report --> %")


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
