"""Papermill smoke test of notebooks/03-themes.ipynb on the seeds."""

from __future__ import annotations

import json
import os
import re
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


def _run(tmp_path, **parameters):
    papermill = pytest.importorskip("papermill")
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    return papermill.execute_notebook(
        str(NOTEBOOK),
        str(tmp_path / "03-themes.ipynb"),
        cwd=str(NOTEBOOK_DIR),
        parameters={"corpus": str(ROOT / "seeds"), **parameters},
        progress_bar=False,
    )


def test_notebook_holds_no_study_prose_and_no_default_codebook():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    prose = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    for word in ("Shanxi", "CGTN", "seed", "five articles", "China", "Xi ", "2025", "Moscow"):
        assert word not in prose, word
    for word in ("Shanxi", "CGTN", "five articles", "China", "multilateralism", "rejuvenation"):
        assert word not in code, word  # the seed corpus path and the random seed may stay
    params = "".join(
        next(c["source"] for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    )
    assert "\nthemes: Optional[str] = None" in "\n" + params
    assert "\nfocus: list = []" in "\n" + params


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({}, "AnalysisError: a codebook is required: give the path of a YAML codebook"),
        (
            {"themes": str(ROOT / "seeds" / "themes.yml"), "focus": ["peace", "frendship"]},
            "AnalysisError: focus: 'frendship' is not a theme of the codebook",
        ),
    ],
)
def test_notebook_refuses_a_missing_codebook_and_unknown_focus(tmp_path, parameters, message):
    papermill = pytest.importorskip("papermill")
    with pytest.raises(papermill.PapermillExecutionError, match=message):
        _run(tmp_path, out=str(tmp_path / "report"), **parameters)


def test_notebook_runs_on_the_seeds(tmp_path):
    out = tmp_path / "report"
    nb = _run(
        tmp_path, out=str(out), n_boot=50, n_perm=50, themes=str(ROOT / "seeds" / "themes.yml"),
        focus=["multilateralism", "friendship", "rejuvenation"],
    )  # fmt: skip
    # no cell prints a list of paths (a bare save_figure as a cell's last expression)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert "PosixPath" not in str(output.get("data", {}).get("text/plain", "")), cell.id
    figures = {p.name for p in (out / "figures").iterdir()}
    for name in (
        "themes-heatmap-year", "themes-heatmap-source", "themes-trend-year",
        "themes-contributions", "themes-dispersion",
    ):  # fmt: skip
        assert f"{name}.png" in figures and f"{name}.svg" in figures
    tables = {p.name for p in (out / "tables").iterdir()}
    for name in (
        "rates-by-year", "rates-by-source", "contributions", "difference", "hits", "kwic",
        "comparisons-by-year", "comparisons-by-source", "document-rates-by-year",
        "contributions-by-source",
    ):  # fmt: skip
        assert f"themes-{name}.csv" in tables
    import pandas as pd

    from analysis.evidence import COMPARATIVE_WORDS, MIN_DOCS

    kwic = pd.read_csv(out / "tables" / "themes-kwic.csv")
    assert {"multilateralism", "friendship", "rejuvenation"} <= set(kwic["theme"])
    assert not kwic[["left", "right"]].fillna("").apply(lambda c: c.str.endswith("...")).any().any()
    # no interval from a group under min_docs documents
    for name in ("year", "source"):
        rates = pd.read_csv(out / "tables" / f"themes-rates-by-{name}.csv")
        small = rates[rates["n_docs"] < MIN_DOCS]
        assert small["ci_low"].isna().all() and small["ci_high"].isna().all()
        assert (small["note"] == small["n_docs"].map(lambda n: f"n={n}: per-document values")).all()
    # every finding is generated; comparative words only where the cited row is supported
    findings = json.loads((out / "findings" / "03-themes.json").read_text(encoding="utf-8"))
    assert len(findings) >= 3 + 3 + 3  # 3 focus themes x (2 columns + carriers)
    words = re.compile(r"\b(" + "|".join(COMPARATIVE_WORDS) + r")\b", re.IGNORECASE)
    for f in findings:
        if words.search(f["text"]):
            assert f["supported"] is True
            table = pd.read_csv(out / "tables" / f"{f['table']}.csv", dtype=str)
            row = table
            for k, v in f["row"].items():
                row = row[row[k] == str(v)]
            assert row["supported"].tolist() == ["True"]
    assert any("come from entries outside its core" in f["text"] for f in findings)
