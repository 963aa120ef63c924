import json
from pathlib import Path

import pytest

from nengo_fashion.config import RECIPES
from nengo_fashion.studies.search import CANDIDATES
from tools import report

ROOT = Path(__file__).resolve().parents[1]


def test_readme_tables_match_results():
    """Every table in the README is what the committed result files say."""
    readme = (ROOT / "README.md").read_text()
    assert (
        report.render(readme, ROOT / "results") == readme
    ), "README tables are stale: run python -m tools.report --write README.md"


def test_report_check_detects_a_hand_edit(tmp_path):
    (tmp_path / "results").mkdir()
    text = "<!-- BEGIN report:recipe_search -->\n| 99.99 |\n<!-- END report:recipe_search -->\n"
    (tmp_path / "R.md").write_text(text)
    assert (
        report.main(["--check", str(tmp_path / "R.md"), "--results", str(tmp_path / "results")])
        == 1
    )
    assert (
        report.main(["--write", str(tmp_path / "R.md"), "--results", str(tmp_path / "results")])
        == 0
    )
    assert "99.99" not in (tmp_path / "R.md").read_text()


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
