"""Descriptive statistics of a corpus: the first look before any modelling."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .dtm import DTM, group_counts

__all__ = ["top_terms"]


def top_terms(dtm: DTM, *, by: str | None = None, n: int = 10) -> pd.DataFrame:
    """The ``n`` most frequent terms of each unit (``by=None``) or group.

    Returns
    -------
    DataFrame
        ``group, rank, term, count, rate_per_1k`` where ``rate_per_1k`` is
        ``1000 * count / tokens`` and ``tokens`` counts all tokens of the group before
        stop-word removal. Ties are broken alphabetically, so the table is deterministic.
    """
    groups, counts, tokens = group_counts(dtm, by)
    rows = []
    for g in range(counts.shape[0]):
        row = counts.getrow(g)
        idx, vals = row.indices, row.data
        terms = dtm.terms[idx]
        order = np.lexsort((terms, -vals))[:n]
        for r, j in enumerate(order, 1):
            rows.append(
                (groups[g], r, terms[j], int(vals[j]), 1000.0 * vals[j] / max(tokens[g], 1))
            )
    return pd.DataFrame(rows, columns=["group", "rank", "term", "count", "rate_per_1k"])
