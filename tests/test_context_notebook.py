"""Papermill smoke tests of notebook 06-context: the seeds (embeddings skipped, said why)
and a planted corpus with a vectors file (the embedding-regression part runs)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.context import Embeddings
from analysis.report import NOTEBOOK_DIR

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
NAME = "06-context.ipynb"
STUDY_WORDS = ("five articles", "Shanxi", "Chinese", "CGTN", "People's Daily", "Japan")

papermill = pytest.importorskip("papermill")


def _findings(out: Path) -> list[dict]:
    return json.loads((out / "findings" / "06-context.json").read_text(encoding="utf-8"))


def test_stored_without_outputs_one_parameters_cell_and_no_study():
    nb = json.loads((NOTEBOOK_DIR / NAME).read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    tagged = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1
    params = "".join(tagged[0]["source"])
    assert "out: Optional[str] = None" in params and "min_docs: int = 5" in params
    text = "".join("".join(c["source"]) for c in nb["cells"] if c not in tagged)
    for word in STUDY_WORDS:
        assert word.lower() not in text.lower(), word


def test_seeds_context_keyness_and_embeddings_skipped_with_the_reason(run_notebook, seed_codebook):
    out = run_notebook(
        NAME, corpus=str(SEEDS), themes=str(seed_codebook),
        targets=["friendship:core", "Japan*"], by=["year"], n_boot=50,
    )  # fmt: skip
    tables = {p.stem for p in (out / "tables").glob("*.csv")}
    assert {"context-targets", "context-keyness-japan-year", "context-windows-japan"} <= tables
    assert not any(t.startswith("context-shift") for t in tables)
    targets = pd.read_csv(out / "tables" / "context-targets.csv")
    assert targets["target"].tolist() == ["friendship (core)", "Japan*"]
    assert (targets["occurrences"] > 0).all()
    texts = [f["text"] for f in _findings(out)]
    assert any(t.startswith("Embeddings skipped: the corpus has") for t in texts)
    # every year holds fewer than min_docs documents: nothing is compared
    assert all(f["supported"] is not True for f in _findings(out))
    assert any("not compared" in t for t in texts)


def _planted(tmp_path: Path) -> tuple[Path, Path]:
    """40 documents; 'bank' sits among river words in A, among money words in B."""
    rng = np.random.default_rng(7)
    river, money = ["river", "water", "fish", "shore"], ["money", "loan", "credit", "cash"]
    filler = ["today", "people", "city", "work", "time", "place", "road", "house"]
    rows = []
    for group, near in (("A", river), ("B", money)):
        for i in range(20):
            words = []
            for _ in range(6):
                words += [
                    *rng.choice(filler, 3),
                    *rng.choice(near, 2),
                    "bank",
                    *rng.choice(near, 2),
                ]
                words += [*rng.choice(filler, 4), *rng.choice(river + money, 2), "."]
            rows.append({"doc_id": f"{group}{i:02d}", "text": " ".join(words), "group": group,
                         "year": 2000 + i % 4})  # fmt: skip
    corpus = tmp_path / "planted.csv"
    pd.DataFrame(rows).to_csv(corpus, index=False)
    vocab = sorted({w for r in rows for w in r["text"].split() if w != "."})
    vecs = rng.normal(size=(len(vocab), 6))
    for j, w in enumerate(vocab):  # the two senses on their own axes
        if w in river:
            vecs[j, 0] += 4
        if w in money:
            vecs[j, 1] += 4
    path = tmp_path / "vectors.txt"
    Embeddings(vectors=vecs, terms=np.array(vocab, dtype=object)).save(path, format="word2vec")
    return corpus, path


def test_planted_shift_found_with_a_vectors_file(tmp_path, run_notebook):
    corpus, vectors = _planted(tmp_path)
    out = run_notebook(
        NAME, corpus=str(corpus), targets=["bank"], by=["group"],
        time_col="year", embeddings=str(vectors), n_boot=50, n_perm=199, top_n=4,
    )  # fmt: skip
    shift = pd.read_csv(out / "tables" / "context-shift-bank-group.csv")
    assert shift[["group", "reference"]].values.tolist() == [["B", "A"]]
    assert bool(shift["supported"].iloc[0]) and shift["p_value"].iloc[0] <= 0.01
    keyness = pd.read_csv(out / "tables" / "context-keyness-bank-group.csv")
    # a two-valued column is compared once (B against A): A's words are B's negative side
    assert set(keyness["target"]) == {"B"} and set(keyness["reference"]) == {"A"}
    top_a = keyness[keyness["supported"] & (keyness["z"] < 0)]["term"]
    top_b = keyness[keyness["supported"] & (keyness["z"] > 0)]["term"]
    assert set(top_a) & {"river", "water", "fish", "shore"}
    assert set(top_b) & {"money", "loan", "credit", "cash"}
    neighbors = pd.read_csv(out / "tables" / "context-neighbors-bank-group.csv")
    assert set(neighbors[neighbors["group"] == "B"]["term"]) & {"money", "loan", "credit", "cash"}
    texts = [f["text"] for f in _findings(out)]
    assert any("differ beyond what random groups of these documents give" in t for t in texts)
    assert (out / "figures" / "context-shift-bank-group.svg").is_file()
