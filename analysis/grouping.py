"""Grouping documents by metadata columns (``by=``): checks, labels and their order."""

from __future__ import annotations

import pandas as pd

from .errors import AnalysisError

__all__ = ["check_by", "group_labels", "group_order"]


def check_by(corpus: pd.DataFrame, by) -> list[str]:
    if by is None:
        return []
    cols = [by] if isinstance(by, str) else list(by)
    for c in cols:
        if c not in corpus.columns:
            raise AnalysisError(
                f"by={c!r} is not a corpus column; use one of {', '.join(map(str, corpus.columns[:15]))}"
            )
    return cols


def group_labels(corpus: pd.DataFrame, cols: list[str]) -> pd.Series:
    """One string label per document ('all' without grouping columns)."""
    if not cols:
        return pd.Series("all", index=corpus.index)

    def fmt(v) -> str:
        return "missing" if pd.isna(v) else str(v)

    parts = [corpus[c].map(fmt) for c in cols]
    label = parts[0]
    for p in parts[1:]:
        label = label + " | " + p
    return label


def group_order(corpus: pd.DataFrame, cols: list[str], labels: pd.Series) -> list[str]:
    """Group labels sorted by the grouping columns' values (missing last)."""
    if not cols:
        return ["all"]
    keys = corpus[cols].copy()
    keys["_label"] = labels.to_numpy()
    keys = keys.drop_duplicates("_label").sort_values(cols, na_position="last", kind="stable")
    return keys["_label"].tolist()
