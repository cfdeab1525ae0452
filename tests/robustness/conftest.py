"""Small synthetic corpora for the robustness tests: a planted robust and a planted
fragile theme difference, and a codebook whose entries overlap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.themes.codebook import Codebook, Theme

FILLER = (
    "the delegation spoke about trade budgets rivers schools farming roads weather "
    "markets museums harbours railways forests"
).split()


def _doc(rng: np.random.Generator, n_words: int, inserts: list[str]) -> str:
    """Filler words with ``inserts`` placed at random positions, in three paragraphs."""
    words = list(rng.choice(FILLER, size=n_words))
    for phrase in inserts:
        words.insert(int(rng.integers(0, len(words) + 1)), phrase)
    third = max(1, len(words) // 3)
    paras = [" ".join(words[i : i + third]) for i in range(0, len(words), third)]
    return ".\n\n".join(paras) + "."


def _corpus(texts: list[str], years: list[int]) -> pd.DataFrame:
    n = len(texts)
    raw = [f"Share | Print | Email\n\n{t}\n\nAdvertisement" for t in texts]
    return pd.DataFrame(
        {
            "doc_id": [f"d{i:02d}" for i in range(n)],
            "year": years,
            "source": ["a", "b"] * (n // 2) + ["a"] * (n % 2),
            "text": texts,
            "raw_text": raw,
        }
    )


@pytest.fixture(scope="session")
def order_codebook() -> Codebook:
    """One theme of four entries (globs and phrases) and one unrelated theme."""
    return Codebook(
        (
            Theme(
                "order", "International order", "Appeals to order.",
                ("multilateral*", "security council", "international law", "global governance"),
                core=("multilateral*",),
            ),
            Theme("trade", "Trade", "Trade.", ("trade", "markets")),
        )
    )  # fmt: skip


@pytest.fixture(scope="session")
def robust_corpus() -> pd.DataFrame:
    """2025 (6 documents) uses every entry of 'order' often; 2010 (6) rarely: every
    specification should agree."""
    rng = np.random.default_rng(1)
    texts, years = [], []
    for i in range(12):
        target = i < 6
        k = 6 + i % 3 if target else i % 2
        entries = ["multilateralism", "security council", "international law", "global governance"]
        inserts = [entries[j % 4] for j in range(k * 2)] if target else entries[:k]
        texts.append(_doc(rng, 180 + 10 * i, inserts))
        years.append(2025 if target else 2010)
    return _corpus(texts, years)


@pytest.fixture(scope="session")
def fragile_corpus() -> pd.DataFrame:
    """2025 and 2010 use 'multilateral', 'international law' and 'global governance' at
    the same rate; only 'security council' (target only) carries the difference."""
    rng = np.random.default_rng(2)
    texts, years = [], []
    lengths = [180, 200, 220, 190, 210, 230]  # tokens per document, the same in both years
    for i in range(12):
        target = i < 6
        inserts = ["multilateral", "international law", "global governance"]
        k = 3 + i % 3 if target else 0
        inserts += ["security council"] * k
        texts.append(_doc(rng, lengths[i % 6] - 2 * k, inserts))
        years.append(2025 if target else 2010)
    return _corpus(texts, years)
