"""Papermill smoke tests of notebook 07-robustness on the seeds: with the authors' coded
sheet (precision table) and without one (a blank sheet, and the finding that says so)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from analysis.report import NOTEBOOK_DIR

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
NAME = "07-robustness.ipynb"

papermill = pytest.importorskip("papermill")


def _findings(out: Path) -> list[dict]:
    return json.loads((out / "findings" / "07-robustness.json").read_text(encoding="utf-8"))


def test_stored_without_outputs_and_one_parameters_cell():
    nb = json.loads((NOTEBOOK_DIR / NAME).read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    tagged = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1 and "min_docs: int = 5" in "".join(tagged[0]["source"])
    text = "".join("".join(c["source"]) for c in nb["cells"] if c not in tagged).lower()
    for word in ("five articles", "shanxi", "chinese", "japan"):
        assert word not in text


def _run(run_notebook, **params) -> Path:
    seeds = {"corpus": str(SEEDS), "themes": str(SEEDS / "themes.yml"), "n_boot": 50}
    return run_notebook(NAME, **seeds, **params)


def test_seeds_with_the_coded_sheet(run_notebook):
    out = _run(run_notebook, focus=["friendship"], coding=str(SEEDS / "coding.csv"))
    tables = {p.stem for p in (out / "tables").glob("*.csv")}
    assert {"robustness-theme-friendship", "robustness-theme-friendship-entries",
            "robustness-summary-themes", "coding-precision", "coding-sample"} <= tables  # fmt: skip
    curve = pd.read_csv(out / "tables" / "robustness-theme-friendship.csv")
    assert curve["baseline"].sum() == 1 and len(curve) > 8
    # every side has fewer than 5 documents: no interval, nothing supported
    assert curve["ci_low"].isna().all() and not curve["supported"].any()
    precision = pd.read_csv(out / "tables" / "coding-precision.csv")
    assert set(precision[precision["level"] == "theme"]["theme"]) >= {"friendship", "peace"}
    texts = [f["text"] for f in _findings(out)]
    assert any("no specification has 5 documents on each side" in t for t in texts)
    assert any(t.startswith("Hand-coded precision of 'rejuvenation': 4 of 6") for t in texts)
    assert (out / "figures" / "robustness-theme-friendship.svg").is_file()


def test_seeds_without_a_coded_sheet(run_notebook):
    out = _run(run_notebook, focus=["peace"], terms=["peace"])
    assert not (out / "tables" / "coding-precision.csv").exists()
    sheet = pd.read_csv(out / "tables" / "coding-sample.csv")
    assert sheet["valid"].isna().all() and len(sheet) > 0
    texts = [f["text"] for f in _findings(out)]
    assert any(t.startswith("No hand-coded hits were given") for t in texts)
