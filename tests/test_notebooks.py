"""The notebooks run top to bottom (fast mode) and their committed outputs are clean."""

from pathlib import Path

import nbformat
import pytest

from tools import notebooks

PATHS = notebooks.notebook_paths()


def test_there_are_four_notebooks():
    assert [p.name[:2] for p in PATHS] == ["01", "02", "03", "04"]


@pytest.mark.slow  # about 4 minutes: CI runs it in its slow step (python -m pytest --slow -m slow)
@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_notebook_runs_in_fast_mode(path, fashion):
    pytest.importorskip("nbclient")
    nb = notebooks.execute(path, fast=True, timeout=600)  # raises on any cell error
    assert not [p for p in notebooks.problems(nb, path.name) if "markdown" not in p]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_committed_outputs_are_clean(path):
    """No number typed into markdown, no absolute path or token, outputs present."""
    assert notebooks.problems(nbformat.read(path, as_version=4), path.name) == []


def test_check_finds_a_typed_number(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("we got 91.2 %")])
    assert any("typed into markdown" in p for p in notebooks.problems(nb))


def test_full_mode_reads_the_repositorys_results(monkeypatch):
    """Without $NENGO_FASHION_RESULTS the notebooks read the committed ``results/`` (a helper
    that moved into a subpackage once pointed at ``nengo_fashion/results``)."""
    from nengo_fashion.studies import notebook

    monkeypatch.delenv(notebook.RESULTS_ENV, raising=False)
    root = Path(__file__).resolve().parents[1]
    assert notebook.results_dir() == root / "results"
    assert notebook.read("best-relu/results.json")["rate_test_acc"] > 0.5
