"""Papermill smoke test of notebooks/03-themes.ipynb on the seeds."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from analysis.report import NOTEBOOK_DIR

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = NOTEBOOK_DIR / "03-themes.ipynb"


def test_notebook_is_stored_clean_with_one_parameters_cell():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    for name in ("corpus", "themes", "by", "unit", "n_boot", "seed", "out"):
        assert f"\n{name}: " in "\n" + "".join(tagged[0]["source"])


def test_notebook_runs_on_the_seeds(tmp_path):
    papermill = pytest.importorskip("papermill")
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    out = tmp_path / "report"
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(tmp_path / "03-themes.ipynb"),
        cwd=str(NOTEBOOK_DIR),
        parameters={"corpus": str(ROOT / "seeds"), "out": str(out), "n_boot": 50, "n_perm": 50},
        progress_bar=False,
    )
    figures = {p.name for p in (out / "figures").iterdir()}
    for name in (
        "themes-heatmap-year", "themes-heatmap-source", "themes-trend-year",
        "themes-contributions", "themes-dispersion",
    ):  # fmt: skip
        assert f"{name}.png" in figures and f"{name}.svg" in figures
    tables = {p.name for p in (out / "tables").iterdir()}
    for name in ("rates-by-year", "rates-by-source", "contributions", "difference", "hits", "kwic"):
        assert f"themes-{name}.csv" in tables
    import pandas as pd

    kwic = pd.read_csv(out / "tables" / "themes-kwic.csv")
    assert {"multilateralism", "friendship", "rejuvenation"} <= set(kwic["theme"])
