"""Descriptive statistics of a corpus: the first look before any modelling."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .dtm import DTM, group_counts
from .validation import check_top_n, renamed

__all__ = ["top_terms"]


@renamed(n="top_n")
def top_terms(dtm: DTM, *, by: str | Sequence[str] | None = None, top_n: int = 10) -> pd.DataFrame:
    """The ``top_n`` most frequent terms of each unit (``by=None``) or group.

    Parameters
    ----------
    dtm : DTM
    by : str, list of str or None, default None
        Grouping column(s) of ``dtm.docs`` (see :func:`analysis.dtm.group_counts`);
        None ranks each unit on its own.
    top_n : int, default 10
        Terms kept per group (``n=`` is its deprecated old name).

    Returns
    -------
    DataFrame
        ``group, rank, term, count, rate_per_1k`` where
        ``rate_per_1k = 1000 * count / n_tokens`` and ``n_tokens`` is the group's word
        tokens (maximal runs of ``\\w`` before stop-word removal, the sum of
        ``dtm.docs["n_tokens"]``; see :mod:`analysis.tokens`). Ties are broken
        alphabetically, so the table is deterministic.
    """
    top_n = check_top_n(top_n, allow_none=False)
    groups, counts, tokens = group_counts(dtm, by)
    rows = []
    for g in range(counts.shape[0]):
        row = counts.getrow(g)
        idx, vals = row.indices, row.data
        terms = dtm.terms[idx]
        order = np.lexsort((terms, -vals))[:top_n]
        for r, j in enumerate(order, 1):
            rows.append(
                (groups[g], r, terms[j], int(vals[j]), 1000.0 * vals[j] / max(tokens[g], 1))
            )
    return pd.DataFrame(rows, columns=["group", "rank", "term", "count", "rate_per_1k"])
