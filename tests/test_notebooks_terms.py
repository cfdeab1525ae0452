"""Papermill smoke tests: notebooks 02-keywords and 05-compare run on the seeds."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from analysis.report import NOTEBOOK_DIR

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = NOTEBOOK_DIR
SEEDS = ROOT / "seeds"

papermill = pytest.importorskip("papermill")


def _run(name: str, tmp_path: Path, monkeypatch, **params) -> Path:
    # the kernel must import this checkout's analysis package
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    out = tmp_path / "report"
    papermill.execute_notebook(
        str(NOTEBOOKS / name),
        str(tmp_path / name),
        parameters={"corpus": str(SEEDS), "out": str(out), **params},
        cwd=str(NOTEBOOKS),
        kernel_name="python3",
        progress_bar=False,
    )
    return out


@pytest.mark.parametrize("name", ["02-keywords.ipynb", "05-compare.ipynb"])
def test_stored_without_outputs_and_one_parameters_cell(name):
    nb = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    tagged = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1
    assert "out: Optional[str] = None" in "".join(tagged[0]["source"])
    assert nb["cells"][-1]["cell_type"] == "markdown" and "Conclusion" in "".join(
        nb["cells"][-1]["source"]
    )


def test_keywords_notebook_on_seeds(tmp_path, monkeypatch):
    out = _run(
        "02-keywords.ipynb",
        tmp_path,
        monkeypatch,
        group_cols=["year", "not_a_column"],
        ngram_range=[1, 2],
        top_n=5,
    )
    figures = {p.name for p in (out / "figures").iterdir()}
    assert {"keywords-by-year.png", "keywords-by-year.svg"} <= figures
    tables = out / "tables"
    by_year = pd.read_csv(tables / "keywords-by-year.csv")
    assert sorted(by_year["group"].unique()) == [2010, 2020, 2025]
    assert (by_year["rank"] <= 5).all()
    for name in (
        "keywords-collocations-bigrams-likelihood",
        "keywords-by-document",
        "keywords-kwic-top-keywords",
    ):
        assert len(pd.read_csv(tables / f"{name}.csv")) > 0
    findings = json.loads((out / "findings" / "02-keywords.json").read_text(encoding="utf-8"))
    assert any("by year" in f["text"] for f in findings)


def test_compare_notebook_on_seeds(tmp_path, monkeypatch):
    out = _run(
        "05-compare.ipynb",
        tmp_path,
        monkeypatch,
        max_groups=2,
        ngram_range=[1, 1],
        rate_terms=["war", "multilateralism"],
    )
    figures = {p.name for p in (out / "figures").iterdir()}
    assert {"compare-keyness-year-2025.png", "compare-term-rates-by-year.png"} <= figures
    assert sum(n.startswith("compare-keyness-source-") and n.endswith(".png") for n in figures) == 2
    tables = out / "tables"
    key = pd.read_csv(tables / "compare-keyness-year-2025.csv")
    assert set(key["target"].astype(str)) == {"2025"}
    rates = pd.read_csv(tables / "compare-term-rates-by-year.csv")
    assert sorted(rates["term"].unique()) == ["multilateralism", "war"]
    assert len(rates) == 6
    findings = json.loads((out / "findings" / "05-compare.json").read_text(encoding="utf-8"))
    assert findings and findings[0]["text"].startswith("year 2025 against 2010+2020")
