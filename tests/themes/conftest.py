"""Fixtures of the theme tests: tiny corpora and codebooks written inline."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.themes import Codebook, Theme, theme_hits


def _docs(*texts: str, **columns) -> pd.DataFrame:
    df = pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "text": list(texts)})
    for name, values in columns.items():
        df[name] = values
    return df


def _book(*themes: tuple) -> Codebook:
    out = []
    for t in themes:
        tid, entries = t[0], t[1]
        excl = t[2] if len(t) > 2 else ()
        out.append(Theme(tid, tid.title(), "test theme", tuple(entries), tuple(excl)))
    return Codebook(tuple(out))


@pytest.fixture(scope="session")
def corpus():
    """``corpus("text 0", "text 1", grp=[...])``: a corpus with doc_id d0, d1, ... and columns."""
    return _docs


@pytest.fixture(scope="session")
def book():
    """``book(("id", entries), ("id", entries, exclusions), ...)``: a codebook."""
    return _book


@pytest.fixture(scope="session")
def n_hits():
    """``n_hits(text or texts, entries, exclusions=(), **theme_hits_kwargs)``: hit count."""

    def count(texts, entries, exclusions=(), **kw) -> int:
        c = _docs(*([texts] if isinstance(texts, str) else texts))
        return len(theme_hits(c, _book(("t", entries, exclusions)), **kw))

    return count


@pytest.fixture
def grouped():
    """Group A: four documents with different peace rates; group B: one document."""
    texts = [
        "peace " * 3 + "word " * 97,  # 3 / 100
        "peace " * 1 + "word " * 49,  # 1 / 50
        "peace " * 10 + "word " * 190,  # 10 / 200
        "word " * 100,  # 0 / 100
        "peace " * 2 + "word " * 48,  # B: 2 / 50
    ]
    return _docs(*texts, grp=["A", "A", "A", "A", "B"])


@pytest.fixture
def two_groups():
    """Two groups of four 100-word documents, x with many more 'peace' than y."""
    texts = [f"{'peace ' * k}{'word ' * (100 - k)}" for k in (8, 6, 9, 7, 1, 2, 0, 1)]
    return _docs(*texts, grp=["x"] * 4 + ["y"] * 4)


@pytest.fixture(scope="session")
def peace_book():
    """Two themes: 'peace' (entry peace) and 'none' (an entry that never occurs)."""
    return _book(("peace", ["peace"]), ("none", ["absent"]))
