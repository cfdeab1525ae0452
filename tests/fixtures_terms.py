"""Shared data for the term-statistics tests (issue 3, part B).

Plain functions, wrapped as fixtures by each test module. The toy DTM is built by hand
from a dense array, independently of ``build_dtm``; the seed corpus and DTM are cached
(treat them as read-only).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analysis.dtm import DTM

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

TOY_TERMS = np.array(["alpha", "beta", "gamma", "delta", "epsilon", "zeta"], dtype=object)
TOY_COUNTS = np.array(
    [
        [3, 0, 1, 0, 2, 0],
        [1, 2, 0, 0, 0, 1],
        [0, 4, 2, 1, 0, 0],
        [5, 1, 0, 3, 1, 0],
        [0, 0, 2, 2, 0, 4],
    ],
    dtype=np.int64,
)
TOY_GROUP = ["a", "a", "b", "b", "c"]
TOY_YEAR = [2010, 2010, 2020, 2025, 2025]
# tokens before stop-word removal: larger than the counted terms
TOY_TOKENS = [10, 7, 12, 15, 11]


def make_dtm(counts=TOY_COUNTS, terms=TOY_TERMS, group=TOY_GROUP, tokens=TOY_TOKENS) -> DTM:
    n = len(counts)
    docs = pd.DataFrame(
        {
            "doc_id": [f"d{i}" for i in range(n)],
            "unit_id": [f"d{i}" for i in range(n)],
            "unit_index": 0,
            "group_col": group,
            "year": pd.array([TOY_YEAR[i % len(TOY_YEAR)] for i in range(n)], dtype="Int64"),
            "n_tokens": tokens,
        }
    )
    return DTM(
        matrix=sp.csr_matrix(np.asarray(counts)),
        terms=np.asarray(terms, dtype=object),
        docs=docs,
        keys=np.asarray(terms, dtype=object),
        params={"unit": "document"},
    )


@cache
def seeds_corpus() -> pd.DataFrame:
    from analysis import read_corpus

    return read_corpus(SEEDS)


@cache
def seeds_dtm() -> DTM:
    from analysis import build_dtm

    return build_dtm(seeds_corpus(), ngram_range=(1, 2))
