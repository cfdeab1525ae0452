"""Shared fixtures of the context tests: the UN mini corpus and a planted-difference corpus."""

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
