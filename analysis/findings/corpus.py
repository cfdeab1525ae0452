"""Findings of the corpus section: what was read and how the documents fall into groups.

Every number comes from the table the sentence cites: :func:`corpus_groups` computes the
documents and word tokens per value of each grouping column (saved as ``corpus-groups``),
and :func:`corpus_findings` writes one sentence per column from it, listing every group
with its count. Nothing is compared, so no sentence uses a comparative word; groups with
fewer documents than ``min_docs`` are named, since the later sections show them document
by document instead of giving an interval (see :mod:`analysis.evidence`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from ..evidence import MIN_DOCS, check_min_docs
from ..grouping import group_order
from ..validation import as_list
from ._base import Finding, join_names

__all__ = ["corpus_groups", "corpus_findings", "group_findings"]

MISSING = "missing"


def corpus_groups(summary: pd.DataFrame, *, by: str | Sequence[str]) -> pd.DataFrame:
    """Documents and word tokens per value of each grouping column.

    Parameters
    ----------
    summary : DataFrame
        :func:`analysis.corpus_summary` (one row per document, ``n_tokens``).
    by : str or list of str
        Grouping columns; each is counted on its own. Columns the summary lacks, or
        that hold no value at all, are skipped.

    Returns
    -------
    DataFrame
        ``column, group, n_docs, n_tokens, share_docs`` with ``share_docs = n_docs / N``
        (``N`` documents in the corpus); groups in the column's value order (numbers
        numerically), missing values last as ``"missing"``.
    """
    rows = []
    n = len(summary)
    for column in as_list(by, "by"):
        if column not in summary.columns or summary[column].isna().all():
            continue
        values = summary[column]
        if values.dtype == object and values.map(lambda v: v == "").all():
            continue
        labels = values.map(lambda v: MISSING if pd.isna(v) or v == "" else str(v))
        frame = summary.assign(_label=labels.to_numpy())
        order = group_order(
            frame.assign(**{column: values.where(labels != MISSING)}), [column], labels
        )
        counts = frame.groupby("_label", sort=False).agg(
            n_docs=("_label", "size"), n_tokens=("n_tokens", "sum")
        )
        for label in order:
            rows.append(
                {
                    "column": column,
                    "group": label,
                    "n_docs": int(counts.loc[label, "n_docs"]),
                    "n_tokens": int(counts.loc[label, "n_tokens"]),
                    "share_docs": counts.loc[label, "n_docs"] / n if n else float("nan"),
                }
            )
    return pd.DataFrame(rows, columns=["column", "group", "n_docs", "n_tokens", "share_docs"])


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def group_findings(
    groups: pd.DataFrame,
    *,
    table: str = "corpus-groups",
    min_docs: int = MIN_DOCS,
    limit: int = 12,
) -> list[Finding]:
    """One sentence per column of :func:`corpus_groups`: every group and its documents.

    ``"Documents per year (3 groups): 2010 (1), 2020 (1), 2025 (3); 3 of 3 groups have
    fewer than 5 documents, so later sections show them document by document."``
    More than ``limit`` groups are listed up to ``limit`` and counted. Each Finding cites
    ``table`` and the row ``{"column": <column>}`` (the rows of that column).
    """
    min_docs = check_min_docs(min_docs)
    out = []
    for column, rows in groups.groupby("column", sort=False):
        items = [f"{g} ({int(n):,})" for g, n in zip(rows["group"], rows["n_docs"], strict=True)]
        shown = join_names(items, limit=limit) if len(items) > 1 else items[0]
        small = int((rows["n_docs"] < min_docs).sum())
        text = f"Documents per {column} ({_plural(len(rows), 'group')}): {shown}"
        if small == len(rows):
            text += (
                f"; every group has fewer than {min_docs} documents, so later sections show "
                "them document by document, without intervals or tests."
            )
        elif small:
            text += (
                f"; {small} of {len(rows)} groups have fewer than {min_docs} documents and "
                "are shown document by document in later sections."
            )
        else:
            text += f"; every group reaches {min_docs} documents, enough for an interval."
        out.append(Finding(text, table=table, row={"column": column}))
    return out


def corpus_findings(
    summary: pd.DataFrame,
    *,
    totals: Mapping,
    audit: pd.DataFrame | None = None,
    groups: pd.DataFrame | None = None,
    min_docs: int = MIN_DOCS,
) -> list[Finding]:
    """The corpus section's findings: size, cleaning, dates, and the documents per group.

    Parameters
    ----------
    summary : DataFrame
        :func:`analysis.corpus_summary` (saved as ``corpus-documents``).
    totals : mapping
        ``summary.attrs["totals"]`` (documents, tokens, chars_removed, missing_dates,
        unparsed_dates, near_duplicates).
    audit : DataFrame, optional
        :func:`analysis.clean_audit` (saved as ``corpus-cleaning-audit``); gives the
        number of cleaning rules that removed something.
    groups : DataFrame, optional
        :func:`corpus_groups` (saved as ``corpus-groups``).
    min_docs : int, default :data:`analysis.evidence.MIN_DOCS`

    Returns
    -------
    list of Finding
    """
    n_docs = len(summary)
    n_tokens = int(summary["n_tokens"].sum())
    text = f"{_plural(n_docs, 'document')}, {n_tokens:,} word tokens after cleaning"
    if audit is not None:
        removed = int(audit["chars"].sum()) if len(audit) else 0
        rules = int(audit["rule"].nunique()) if len(audit) else 0
        text += (
            f"; {removed:,} characters of page furniture removed by "
            f"{_plural(rules, 'cleaning rule')}"
        )
    out = [Finding(text + ".", table="corpus-documents")]
    out.append(
        Finding(
            f"Dates: {int(totals.get('missing_dates', 0))} without an exact date, "
            f"{int(totals.get('unparsed_dates', 0))} unparseable; "
            f"near-duplicates: {int(totals.get('near_duplicates', 0))}.",
            table="corpus-documents",
        )
    )
    if groups is not None and len(groups):
        out.extend(group_findings(groups, min_docs=min_docs))
    return out
