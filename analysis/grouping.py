"""Grouping documents by metadata columns (``by=``): checks, labels and their order."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .errors import AnalysisError

__all__ = ["check_by", "group_labels", "group_order", "usable_columns", "group_sizes"]


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

    def column(c: str) -> pd.Series:  # each distinct value formatted once
        codes, uniques = pd.factorize(corpus[c], use_na_sentinel=True)
        shown = np.array([fmt(v) for v in uniques] + ["missing"], dtype=object)
        return pd.Series(shown[codes], index=corpus.index, name=c)

    parts = [column(c) for c in cols]
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


def _as_columns(by) -> list:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def usable_columns(
    frame: pd.DataFrame, by: str | Sequence[str] | None, *, allow_missing: bool = False
) -> tuple[list[str], dict[str, str]]:
    """The grouping columns of ``by`` that can group ``frame``, and why the others cannot.

    A column is usable when it is a column of ``frame``, has at least two distinct
    values (missing values not counted) and, unless ``allow_missing``, no missing
    value.

    Parameters
    ----------
    frame : DataFrame
        The corpus or ``dtm.docs``.
    by : str, list of str or None
        Candidate grouping columns, in the order to report them.
    allow_missing : bool, default False
        Keep columns with missing values (the theme statistics label them
        ``"missing"``); the term and topic statistics need complete columns.

    Returns
    -------
    usable : list of str
        The usable columns, in the order of ``by``.
    skipped : dict
        ``{column: reason}`` for the others, e.g. ``"only one value"``; print it, since
        a report shows printed output but not warnings.
    """
    usable: list[str] = []
    skipped: dict[str, str] = {}
    for column in _as_columns(by):
        if column not in frame.columns:
            skipped[column] = "not a column of this corpus"
            continue
        values = frame[column]
        n_missing = int(values.isna().sum())
        if n_missing and not allow_missing:
            skipped[column] = f"{n_missing} units have no value"
        elif values.nunique(dropna=True) < 2:
            skipped[column] = "only one value"
        else:
            usable.append(column)
    return usable, skipped


def group_sizes(frame: pd.DataFrame, by: str | Sequence[str]) -> pd.Series:
    """Number of rows per group of ``by``, largest first (ties by label).

    Labels are strings: a column's values as text, missing values as ``"missing"``;
    several columns are joined with ``" | "`` (:func:`group_labels`). ``sizes.index[:2]``
    are the two largest groups.
    """
    cols = check_by(frame, by)
    if not cols:
        raise AnalysisError("by=None: group_sizes needs a grouping column, e.g. by='year'")
    if len(cols) == 1:
        labels = frame[cols[0]].astype("string").fillna("missing")
    else:
        labels = group_labels(frame, cols).rename(" | ".join(cols))
    sizes = labels.value_counts()
    return sizes.sort_index().sort_values(ascending=False, kind="stable")
