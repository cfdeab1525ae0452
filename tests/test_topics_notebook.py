"""Smoke test: notebooks/04-topics.ipynb runs on the seeds by its parameters alone."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest

from analysis.evidence import COMPARATIVE_WORDS
from analysis.report import NOTEBOOK_DIR
from analysis.topics import choose_k

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
    assert "\nk: Optional[int] = None  # None: chosen by the rule" in src
    assert "\nmin_stability: float = 0.7  #" in src and "\nmin_docs: int = 5  #" in src


def test_notebook_prose_is_methods_only():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    ids = [c["id"] for c in nb["cells"]]
    assert len(ids) == len(set(ids)) and "topics-16" in ids
    text = "\n".join("".join(c["source"]) for c in nb["cells"])
    for word in ("seed study", "five", "article", "Shanxi", "China", "Conclusion", "leads with"):
        assert word.lower() not in text.lower(), word
    # no cell ends with a bare save_figure(...) call, whose value (a list of paths) would print
    for c in nb["cells"]:
        if c["cell_type"] == "code":
            last = "".join(c["source"]).strip().splitlines()[-1]
            assert not last.startswith("analysis.save_figure("), c["id"]


def _run_on_seeds(tmp_path, monkeypatch, **parameters) -> Path:
    """Execute the notebook on the seeds with ``parameters``; the report folder it wrote."""
    papermill = pytest.importorskip("papermill")
    monkeypatch.setenv("PYTHONPATH", str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = tmp_path / "report"
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(tmp_path / "04-topics.ipynb"),
        parameters=dict(corpus=str(ROOT / "seeds"), out=str(out), **parameters),
        cwd=str(NOTEBOOK.parent),
        progress_bar=False,
        kernel_name="python3",
    )
    return out


def test_notebook_runs_on_seeds(tmp_path, monkeypatch):
    out = _run_on_seeds(tmp_path, monkeypatch, ks=[3, 4, 60], seeds=[0, 1], n_boot=200)
    for name in ("topics-select-k", "topics-terms", "topics-prevalence-year"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 0
        assert (out / "figures" / f"{name}.svg").exists()
    sel = pd.read_csv(out / "tables" / "topics-select-k.csv")
    assert sorted(sel["k"].unique()) == [3, 4]  # k=60 needs 120 units: skipped
    # k is chosen by the rule from the saved selection table
    choice = pd.read_csv(out / "tables" / "topics-k-choice.csv")
    expected = choose_k(sel, min_stability=0.7)
    assert choice["chosen"].sum() == 1
    k = int(choice.loc[choice["chosen"], "k"].iloc[0])
    assert k == expected.k
    terms = pd.read_csv(out / "tables" / "topics-terms.csv")
    assert terms["topic"].nunique() == k
    prev = pd.read_csv(out / "tables" / "topics-prevalence-year.csv")
    assert set(prev["group"]) == {2010, 2020, 2025}
    # every group has fewer than min_docs=5 documents: no interval anywhere, a per-document note
    assert prev["ci_low"].isna().all() and prev["ci_high"].isna().all()
    assert (prev["note"] == "n=" + prev["n_docs"].astype(str) + ": per-document values").all()
    leaders = pd.read_csv(out / "tables" / "topics-leaders-year.csv")
    assert not leaders["supported"].any() and len(leaders) == 3
    docs = pd.read_csv(out / "tables" / "topics-documents.csv")
    assert len(docs) == 5 and {"doc_id", "year", f"topic_{k}"} <= set(docs.columns)
    # the findings: generated from the tables, no comparison without support
    findings = json.loads((out / "findings" / "04-topics.json").read_text(encoding="utf-8"))
    texts = [f["text"] for f in findings]
    row = choice.set_index("k").loc[k]
    assert texts[0].startswith(f"NMF topic model with k={k} topics on ")
    assert "k was chosen by the rule: the k with the top mean NPMI" in texts[0]
    assert texts[1] == (
        f"At k={k}, mean over 2 seeds: NPMI {row['npmi']:.2f}, UMass {row['umass']:.2f}, "
        f"diversity {row['diversity']:.2f}, stability {row['stability']:.2f}."
    )
    assert "k=60 not fitted: " in " ".join(texts)
    pattern = re.compile(r"\b(" + "|".join(COMPARATIVE_WORDS) + r")\b", re.IGNORECASE)
    for f in findings:
        assert not pattern.search(f["text"]) or f["supported"] is True, f["text"]
    assert any("cannot be told apart with this many documents" in t for t in texts)
    # no printed list of paths
    run = json.loads((tmp_path / "04-topics.ipynb").read_text(encoding="utf-8"))
    printed = json.dumps([c.get("outputs", []) for c in run["cells"]])
    assert "PosixPath" not in printed


def test_notebook_chooses_k_on_a_sample_and_says_so(tmp_path, monkeypatch):
    out = _run_on_seeds(tmp_path, monkeypatch, ks=[3, 4], seeds=[0, 1], n_boot=50, k_sample=30)
    texts = [
        f["text"] for f in json.loads((out / "findings" / "04-topics.json").read_text("utf-8"))
    ]
    sampled = [
        t for t in texts if t.startswith("The candidate k were fitted on a random sample of 30 of")
    ]
    assert len(sampled) == 1 and "is fitted on all" in sampled[0]
    assert "Another random sample can choose another k" in sampled[0]
    docs = pd.read_csv(out / "tables" / "topics-documents.csv")
    assert len(docs) == 5  # the interpreted model covers every document, not the sample


def test_a_k_sample_typo_is_a_one_line_error(tmp_path, monkeypatch):
    papermill = pytest.importorskip("papermill")
    with pytest.raises(
        papermill.PapermillExecutionError, match=r"k_sample='lots' must be a whole number >= 2"
    ):
        _run_on_seeds(tmp_path, monkeypatch, k_sample="lots")
