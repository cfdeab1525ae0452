"""What a group needs before the report summarises it, in one place.

Every interval in the toolkit is a bootstrap over **documents** (Efron & Tibshirani
1993). With very few documents a percentile interval is just the range of the values
that happen to be there: with three documents, the 2.5% and 97.5% bootstrap quantiles
are (nearly) the smallest and the largest document, whatever the population looks
like, and the nominal 95% coverage does not hold (the bootstrap's coverage error is of
order 1/n; Hall 1992, ch. 3). Below :data:`MIN_DOCS` documents a group is therefore
*shown, not summarised*: no interval, the documents are listed one by one, and tables
say ``n=3: per-document values``.

The default of 5 is a floor, not a recommendation: with 5 documents a bootstrap
interval is still wide and rough, but it is no longer a restatement of the extremes.
Every function that computes intervals takes ``min_docs``.
"""

from __future__ import annotations

from .validation import check_int

__all__ = ["MIN_DOCS", "check_min_docs", "per_document_note", "COMPARATIVE_WORDS"]

#: Fewest documents for which a group gets an interval or a test (see the module text).
MIN_DOCS = 5

#: Words that claim a difference; a generated sentence uses one only when a test or
#: non-overlapping intervals support it (checked by the report's end-to-end test).
COMPARATIVE_WORDS = (
    "higher", "highest", "lower", "lowest", "more", "most", "less", "least", "rises",
    "rise", "falls", "fall", "increase", "increases", "decrease", "decreases", "leads",
    "exceeds", "greater", "larger", "smaller", "above", "below",
)  # fmt: skip


def check_min_docs(min_docs: object) -> int:
    """``min_docs`` as an int >= 2 (an interval needs at least two documents)."""
    return check_int("min_docs", min_docs, 2)


def per_document_note(n_docs: int) -> str:
    """The note of a group too small for an interval: ``"n=3: per-document values"``."""
    return f"n={int(n_docs)}: per-document values"
