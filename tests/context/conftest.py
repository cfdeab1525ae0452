"""Shared fixtures of the context tests: the UN mini corpus and corpora with planted structure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

MINI_PATTERN = "{year}/{country}_{session}_{year}.txt"


@pytest.fixture(scope="session")
def mini_corpus(mini_dir) -> pd.DataFrame:
    """``tests/data/ungdc_mini`` read with its file-name pattern (six speeches). Read-only."""
    from analysis import read_corpus

    return read_corpus(mini_dir, pattern=MINI_PATTERN)


@pytest.fixture(scope="session")
def planted_corpus() -> pd.DataFrame:
    """20 documents per group; "peace" sits next to "war" in group A, "trade" in group B.

    Every document also holds filler words drawn at random (fixed seed), some of them
    near the target, so the other context words vary by document without a group
    difference.
    """
    rng = np.random.default_rng(12345)
    filler = np.array(
        "river stone cloud garden window paper lamp forest bridge valley harbor meadow".split()
    )
    rows = []
    for group, partner in (("A", "war"), ("B", "trade")):
        for i in range(20):
            parts = []
            for _ in range(int(rng.integers(2, 5))):  # 2 to 4 occurrences per document
                left = " ".join(rng.choice(filler, size=3))
                right = " ".join(rng.choice(filler, size=2))
                parts.append(f"{left} peace {partner} {right}.")
                parts.append(" ".join(rng.choice(filler, size=12)) + ".")
            rows.append({"doc_id": f"{group}{i:02d}", "text": " ".join(parts), "group": group})
    return pd.DataFrame(rows)


@pytest.fixture(scope="session")
def family_corpus() -> pd.DataFrame:
    """200 documents where "apple"/"pear" share one set of contexts and "car"/"truck" another.

    Each document is 30 sentences of five words: a target drawn from one family, then
    four words drawn from that family's contexts, with filler words mixed in. Built from
    a fixed seed, so the corpus is the same in every run.
    """
    rng = np.random.default_rng(20240514)
    families = {
        ("apple", "pear"): ["eat", "juice", "sweet", "ripe", "orchard", "peel", "tree", "fruit"],
        ("car", "truck"): ["drive", "road", "engine", "fuel", "garage", "wheel", "park", "speed"],
    }
    filler = ["the", "a", "of", "and", "very", "with"]
    docs = []
    for d in range(200):
        words = []
        for _ in range(30):
            targets, contexts = list(families.items())[rng.integers(2)]
            words.append(str(rng.choice(targets)))
            words.extend(str(w) for w in rng.choice(contexts + filler, size=4))
            words.append(".")
        docs.append(
            {"doc_id": f"d{d:03d}", "text": " ".join(words), "year": 2000 + d % 2, "source": "s"}
        )
    return pd.DataFrame(docs)
