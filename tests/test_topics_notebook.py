"""Smoke test: notebooks/04-topics.ipynb runs on the seeds by its parameters alone."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from analysis.report import NOTEBOOK_DIR

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = NOTEBOOK_DIR / "04-topics.ipynb"


def test_notebook_is_stored_clean_with_one_parameters_cell():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c.get("outputs") == [] and c.get("execution_count") is None for c in code)
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    src = "".join(tagged[0]["source"])
    for name in ("corpus", "out", "method", "k", "ks", "unit", "ngram_range", "min_df", "seed"):
        assert f"\n{name}: " in f"\n{src}", name


def test_notebook_runs_on_seeds(tmp_path, monkeypatch):
    papermill = pytest.importorskip("papermill")
    monkeypatch.setenv("PYTHONPATH", str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = tmp_path / "report"
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(tmp_path / "04-topics.ipynb"),
        parameters=dict(
            corpus=str(ROOT / "seeds"), out=str(out), ks=[3, 4], seeds=[0, 1], k=4, n_boot=200
        ),
        cwd=str(NOTEBOOK.parent),
        progress_bar=False,
        kernel_name="python3",
    )
    for name in ("topics-select-k", "topics-terms", "topics-prevalence-year"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 0
        assert (out / "figures" / f"{name}.svg").exists()
    terms = pd.read_csv(out / "tables" / "topics-terms.csv")
    assert terms["topic"].nunique() == 4
    sel = pd.read_csv(out / "tables" / "topics-select-k.csv")
    assert sorted(sel["k"].unique()) == [3, 4]
    prev = pd.read_csv(out / "tables" / "topics-prevalence-year.csv")
    assert set(prev["group"]) == {2010, 2020, 2025}
