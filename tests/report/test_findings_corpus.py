"""Corpus findings: every number in a sentence is the number in the table it cites."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import analysis
from analysis.evidence import COMPARATIVE_WORDS
from analysis.findings import corpus_findings, corpus_groups

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture(scope="module")
def seeds():
    docs = analysis.read_corpus(SEEDS)
    return docs, analysis.corpus_summary(docs)


def _counts_in(text: str) -> dict[str, int]:
    """``group (n)`` pairs of a sentence: ``{"2025": 3, ...}``."""
    body = text.split(": ", 1)[1].split(";")[0]
    return {
        g.strip(): int(n.replace(",", ""))
        for g, n in re.findall(r"(?:, | and |^)([^,()]+?) \(([\d,]+)\)", body)
    }


def test_groups_match_a_reference_count(seeds):
    _, summary = seeds
    groups = corpus_groups(summary, by=["year", "source", "not_a_column"])
    assert set(groups["column"]) == {"year", "source"}
    for column in ("year", "source"):
        ref = summary[column].astype(str).value_counts()
        got = groups[groups["column"] == column].set_index("group")["n_docs"]
        assert got.to_dict() == ref.to_dict()
        tokens = summary.groupby(summary[column].astype(str))["n_tokens"].sum()
        assert (
            groups[groups["column"] == column].set_index("group")["n_tokens"].to_dict()
            == tokens.to_dict()
        )
    years = groups[groups["column"] == "year"]["group"].tolist()
    assert years == sorted(years, key=int)  # numbers in numeric order
    assert groups[groups["column"] == "year"].set_index("group").loc["2025", "n_docs"] == 3


def test_sentences_carry_the_tables_numbers(seeds):
    docs, summary = seeds
    audit = analysis.clean_audit(docs)
    groups = corpus_groups(summary, by=["source", "year"])
    found = corpus_findings(summary, totals=summary.attrs["totals"], audit=audit, groups=groups)
    size = found[0].text
    assert size.startswith(
        f"{len(summary)} documents, {int(summary['n_tokens'].sum()):,} word tokens"
    )
    assert (
        f"{int(audit['chars'].sum()):,} characters" in size
        and f"{audit['rule'].nunique()} cleaning rules" in size
    )
    per = {f.row["column"]: f for f in found if f.table == "corpus-groups"}
    assert set(per) == {"source", "year"}
    for column, f in per.items():
        table = groups[groups["column"] == column].set_index("group")["n_docs"].to_dict()
        assert _counts_in(f.text) == table, f.text
        assert f"({len(table)} groups)" in f.text
    assert "2025 (3)" in per["year"].text  # the 2025 group holds three documents
    assert "every group has fewer than 5 documents" in per["year"].text
    words = re.compile(r"\b(" + "|".join(COMPARATIVE_WORDS) + r")\b", re.I)
    assert not [f.text for f in found if words.search(f.text)]  # describes, never compares
    assert all(f.supported is None for f in found)


def test_small_groups_are_counted_against_min_docs():
    summary = pd.DataFrame(
        {"doc_id": list("abcdefg"), "year": [1, 1, 1, 1, 1, 2, 2], "n_tokens": [10] * 7}
    )
    groups = corpus_groups(summary, by="year")
    (f,) = [x for x in corpus_findings(summary, totals={}, groups=groups, min_docs=5) if x.row]
    assert "1 (5) and 2 (2); 1 of 2 groups have fewer than 5 documents" in f.text
    (f,) = [x for x in corpus_findings(summary, totals={}, groups=groups, min_docs=2) if x.row]
    assert f.text.endswith("every group reaches 2 documents, enough for an interval.")
    with pytest.raises(analysis.AnalysisError, match="min_docs"):
        corpus_findings(summary, totals={}, groups=groups, min_docs=1)


def test_missing_values_are_a_group_of_their_own_listed_last():
    summary = pd.DataFrame(
        {"doc_id": list("abc"), "source": ["x", None, "a"], "n_tokens": [1, 2, 3]}
    )
    groups = corpus_groups(summary, by="source")
    assert groups["group"].tolist() == ["a", "x", "missing"]
