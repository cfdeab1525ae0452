"""TF-IDF keywords per unit or per group of units.

Everything is computed on the sparse counts of a :class:`analysis.dtm.DTM` with
vectorised scipy/numpy operations (no Python loop over terms), so keywords by year on the
full UN General Debate matrix (10,952 speeches x ~500k terms) take well under a second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .dtm import DTM, group_counts
from .errors import AnalysisError
from .grouping import check_by, group_labels, group_order
from .validation import check_top_n, renamed

__all__ = ["tfidf_keywords", "top_per_row", "grouped_doc_counts"]

KEYWORD_COLUMNS = ["group", "term", "score", "rank", "count", "n_docs"]


def grouped_counts(
    dtm: DTM, by: str | list[str] | None
) -> tuple[np.ndarray, sp.csr_matrix, np.ndarray]:
    """:func:`analysis.group_counts` for one grouping column or several.

    Several columns group by their combinations, labelled ``"a | b"``
    (:func:`analysis.grouping.group_labels`) and ordered by the columns' values; rows
    with a missing value in any of them are an error, as for one column.
    """
    cols = check_by(dtm.docs, by)
    if len(cols) <= 1:
        return group_counts(dtm, cols[0] if cols else None)
    docs = dtm.docs
    n_missing = int(docs[cols].isna().any(axis=1).sum())
    if n_missing:
        raise AnalysisError(
            f"columns {cols} have missing values in {n_missing} units; fill them or pick other columns"
        )
    labels = group_labels(docs, cols)
    order = group_order(docs, cols, labels)
    key = "\x00by"  # a column name no corpus uses
    keyed = DTM(
        matrix=dtm.matrix,
        terms=dtm.terms,
        docs=pd.DataFrame(
            {key: pd.Categorical(labels, categories=order), "n_tokens": docs["n_tokens"]}
        ),
        keys=dtm.keys,
        params=dtm.params,
    )
    groups, counts, n_tokens = group_counts(keyed, key)
    return np.asarray(groups, dtype=object), counts, n_tokens


def grouped_doc_counts(dtm: DTM, by: str | list[str] | None) -> np.ndarray:
    """Number of distinct documents (``doc_id``) in each group of :func:`grouped_counts`.

    Aligned with the groups :func:`grouped_counts` returns for the same ``by``. With
    ``by=None`` every unit is its own group and holds (part of) one document. On a
    grouped DTM (``build_dtm(..., group_by=...)``, ``params["unit"] == "group"``) each
    row carries ``n_docs``, the distinct documents of its group; a document belongs to
    one group, so the count of a coarser group is the sum of ``n_docs`` over its rows
    (and ``by=None`` gives ``n_docs`` itself).
    """
    cols = check_by(dtm.docs, by)
    docs = dtm.docs
    grouped = dtm.params.get("unit") == "group" and "n_docs" in docs.columns
    if not cols:
        if grouped:
            return docs["n_docs"].to_numpy(dtype=np.int64)
        return np.ones(len(docs), dtype=np.int64)
    if grouped:
        codes, n_groups = _group_codes(docs, cols)
        return np.bincount(
            codes, weights=docs["n_docs"].to_numpy(dtype=np.int64), minlength=n_groups
        ).astype(np.int64)
    ids = docs["doc_id"] if "doc_id" in docs.columns else docs["unit_id"]
    codes, n_groups = _group_codes(docs, cols)
    per_group = pd.Series(ids.to_numpy()).groupby(np.asarray(codes)).nunique()
    return per_group.reindex(range(n_groups), fill_value=0).to_numpy(dtype=np.int64)


def _group_codes(docs: pd.DataFrame, cols: list[str]) -> tuple[np.ndarray, int]:
    """Group code of each row and the number of groups, in :func:`grouped_counts` order."""
    if len(cols) == 1:
        codes, groups = pd.factorize(docs[cols[0]], sort=True)
        return np.asarray(codes), len(groups)
    labels = group_labels(docs, cols)
    order = group_order(docs, cols, labels)
    return np.asarray(pd.Index(order).get_indexer(labels)), len(order)


def sorted_strings(values: np.ndarray) -> list[str] | None:
    """``values`` as a list when it holds ``str`` in strictly increasing order, else None.

    A DTM built without stemming has its vocabulary in this order (as scikit-learn's),
    so its alphabetical ranks are its positions and a term is found by bisection.
    Strings ending in NUL are refused: numpy's ``str`` arrays drop trailing NULs, so
    their order could differ from :func:`term_order`'s.
    """
    if not _increasing_strings(values):
        return None
    return values.tolist() if isinstance(values, np.ndarray) else list(values)


_CHECK_BLOCK = 1 << 18  # items of a long vocabulary checked at a time by _increasing_strings
_CHECK_ARROW = 1000  # vocabularies longer than this are checked on Arrow strings


def _increasing_strings(values) -> bool:
    """True when ``values`` are ``str`` in strictly increasing order, none ending in NUL.

    A long vocabulary is checked ``_CHECK_BLOCK`` items at a time (each block with the
    next block's first item), on Arrow strings (UTF-8 byte order is code point order):
    the 4.8 million 1-2-grams of the UN General Debate as one Arrow array and a list
    held 0.28 GB more for a moment. The item types are checked per distinct type, not
    with an isinstance call per item.
    """
    n = len(values)
    if n <= _CHECK_ARROW:
        return _increasing_strings_slowly(values)
    import pyarrow as pa
    import pyarrow.compute as pc

    for start in range(0, n - 1, _CHECK_BLOCK):
        part = values[start : start + _CHECK_BLOCK + 1]
        if not all(issubclass(t, str) for t in set(map(type, part))):
            return False
        try:
            arr = pa.array(part, type=pa.large_string())
        except (pa.ArrowException, UnicodeError):  # e.g. a lone surrogate
            return _increasing_strings_slowly(values)
        if (
            not pc.all(pc.less(arr[:-1], arr[1:])).as_py()
            or pc.any(pc.ends_with(arr, "\x00")).as_py()
        ):
            return False
    return True


def _increasing_strings_slowly(values) -> bool:
    """:func:`_increasing_strings` with Python's comparisons (short vocabularies, and
    strings Arrow cannot hold)."""
    items = values.tolist() if isinstance(values, np.ndarray) else list(values)
    if not all(issubclass(t, str) for t in set(map(type, items))):
        return False
    if not all(map(str.__lt__, items[:-1], items[1:])):
        return False
    return "\x00\n" not in "\n".join(items) + "\n"


def term_order(terms: np.ndarray) -> np.ndarray:
    """Alphabetical rank of each term (0 = first), the deterministic tie-breaker.

    The rank in ``np.argsort(np.asarray(terms, dtype=str), kind="stable")`` order. A
    vocabulary already in strictly increasing order (any DTM built without stemming) is
    recognised in one pass and ranked by position, without the fixed-width ``str``
    array (4 bytes x the longest term for every term: about 1.6 GB for the UN General
    Debate's 4.8 million 1-2-grams).
    """
    if sorted_strings(terms) is not None:
        return np.arange(len(terms), dtype=np.int64)
    order = np.argsort(np.asarray(terms, dtype=str), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def top_per_row(
    scores: sp.csr_matrix, top: int | None, tiebreak: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The ``top`` largest stored entries of each row of a canonical CSR ``scores``.

    (An internal building block: its positional ``top`` is the ``top_n`` of the public
    functions.) Ties are broken by ``tiebreak`` (smaller first), and every entry tied
    with the ``top``-th one is ranked before the cut, so the result does not depend on storage
    order. Returns ``(row, col, rank, pos)`` arrays, rank starting at 1, rows in
    order; ``pos`` indexes ``scores.data``.
    """
    n_rows = scores.shape[0]
    indptr, indices, data = scores.indptr, scores.indices, scores.data
    lengths = np.diff(indptr)
    row_of = np.repeat(np.arange(n_rows, dtype=np.int32 if n_rows < 2**31 else np.int64), lengths)
    if top is not None:
        # Per-row threshold: the top-th largest value of each long row (vectorised over
        # rows by partitioning each row's slice; only rows longer than ``top`` need it).
        keep = np.ones(len(data), dtype=bool)
        for r in np.flatnonzero(lengths > top):
            seg = data[indptr[r] : indptr[r + 1]]
            kth = np.partition(seg, len(seg) - top)[len(seg) - top]
            keep[indptr[r] : indptr[r + 1]] = seg >= kth
        sel = np.flatnonzero(keep)
    else:
        sel = np.arange(len(data))
    rows, cols, vals = row_of[sel], indices[sel], data[sel]
    order = np.lexsort((tiebreak[cols], -vals, rows))
    rows, cols, pos = rows[order], cols[order], sel[order]
    # rank within row = position since the row's first selected entry
    starts = np.searchsorted(rows, rows, side="left")
    rank = np.arange(len(rows)) - starts + 1
    if top is not None:
        ok = rank <= top
        rows, cols, rank, pos = rows[ok], cols[ok], rank[ok], pos[ok]
    return rows.astype(np.int64), cols, rank, pos


@renamed(top="top_n")
def tfidf_keywords(
    dtm: DTM, *, by: str | list[str] | None = None, top_n: int | None = 20
) -> pd.DataFrame:
    """The terms with the highest TF-IDF in each unit or each group of units.

    With ``by=None`` each unit of the DTM (document, paragraph or sentence) is a
    "document" of the TF-IDF; with ``by="source"``, ``"year"`` or any ``dtm.docs``
    column (or a list of columns), the units of each group are concatenated (their counts summed) and the
    groups are the documents.

    Formulas (``g`` a group, ``t`` a term, ``G`` the number of groups, ``df_t`` the
    number of groups in which ``t`` occurs)::

        tf(t, g)  = count(t, g) / n_tokens(g)
        idf(t)    = ln((1 + G) / (1 + df_t)) + 1
        score     = tf(t, g) * idf(t)

    ``n_tokens(g)`` is the number of word tokens of the group before stop-word removal
    (the sum of ``dtm.docs["n_tokens"]``; a word token is a maximal run of ``\\w``
    characters, see :mod:`analysis.tokens`), so ``tf`` is a relative frequency and scores are
    comparable between groups of different lengths. The idf is scikit-learn's smooth
    idf (``TfidfTransformer(smooth_idf=True)``): within a group the ranking equals that
    of scikit-learn's un-normalised TF-IDF on the group counts. When grouped, the idf
    is computed over the *groups*, not the units: a keyword of a group should
    distinguish it from the other groups, so a term that every group uses gets the
    minimum idf of 1, whatever its spread over the units. With few groups the idf takes
    few values (with 3 groups: 1, 1.29 or 1.69), so keywords of small corpora lean on
    frequency; they describe the texts and are no test of difference (see
    :func:`analysis.keyness` for that).

    Parameters
    ----------
    dtm : DTM
        From :func:`analysis.build_dtm`.
    by : str, list of str or None, default None
        Column(s) of ``dtm.docs`` to group by (several: their combinations, labelled
        ``"a | b"``); None ranks terms per unit.
    top_n : int or None, default 20
        Terms per group; None keeps every term that occurs in the group. (``top=`` is
        the deprecated old name.)

    Returns
    -------
    DataFrame
        ``group, term, score, rank, count, n_docs``, by group (sorted labels, or unit
        order when ``by`` is None), then rank; ``n_docs`` is the number of documents of
        the group (1 when ``by`` is None). ``group`` is the
        ``unit_id`` when ``by`` is None. Ties are ranked by score descending, then term
        alphabetically, so the table is deterministic. Groups with no terms are absent.
    """
    top_n = check_top_n(top_n)
    groups, counts, n_tokens = grouped_counts(dtm, by)
    counts = counts.tocsr()  # no duplicate entries (DTM contract); order within rows is free
    n_groups = counts.shape[0]
    if n_groups == 0 or counts.shape[1] == 0:
        return _empty()
    tiebreak = term_order(dtm.terms)  # first: its temporaries go before the scores come
    df = column_nonzeros(counts)
    idf = np.log((1.0 + n_groups) / (1.0 + df)) + 1.0
    length = np.asarray(n_tokens, dtype=np.float64)
    inv = np.divide(1.0, length, out=np.zeros_like(length), where=length > 0)
    # score = count / n_tokens * idf, entry by entry, ranked a block of rows at a time
    rows, cols, rank, pos, score = _top_scores(counts, inv, idf, top_n, tiebreak)
    out = pd.DataFrame(
        {
            "group": np.asarray(groups, dtype=object)[rows],
            "term": np.asarray(dtm.terms, dtype=object)[cols],
            "score": score,
            "rank": rank.astype(np.int64),
            "count": counts.data[pos].astype(np.int64),
            "n_docs": grouped_doc_counts(dtm, by)[rows],
        }
    )
    return out.reset_index(drop=True)


_BLOCK = 1 << 20  # stored entries scored at a time by _top_scores (whole rows)
_COUNT_BLOCK = 1 << 22  # stored entries counted at a time by column_nonzeros


def column_nonzeros(matrix: sp.csr_matrix) -> np.ndarray:
    """Stored entries of each column of a CSR matrix (a DTM's document frequencies), int64.

    ``np.bincount(matrix.indices)`` first makes the int32 column indices int64, a copy
    the size of the matrix (0.18 GB for the UN General Debate's 23 M entries); here
    ``_COUNT_BLOCK`` of them are converted at a time (:func:`bincount`). The counts are
    the same.
    """
    return bincount(matrix.indices, matrix.shape[1])


def bincount(values: np.ndarray, n: int) -> np.ndarray:
    """``np.bincount(values, minlength=n)`` as int64, ``_COUNT_BLOCK`` values at a time:
    bincount makes narrower integers int64 first, a copy of them all."""
    out = np.zeros(n, dtype=np.int64)
    for start in range(0, len(values), _COUNT_BLOCK):
        out += np.bincount(values[start : start + _COUNT_BLOCK], minlength=n)
    return out


def _top_scores(
    counts: sp.csr_matrix,
    row_scale: np.ndarray,
    col_scale: np.ndarray,
    top: int | None,
    tiebreak: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`top_per_row` of the scores ``count * row_scale[row] * col_scale[col]``.

    Each score is computed in float64 in that order (so equal, bit for bit, to the
    whole-matrix expression), for the rows of about ``_BLOCK`` stored entries at a time
    (a row longer than that alone): each row is ranked on its own, so ranking the blocks
    one after the other gives the rows in order, as one pass would, while only a block's
    scores exist at once (23 M entries of the UN General Debate's 1-2-grams: 0.18 GB of
    scores and as much again of temporaries for one pass). Returns ``(row, col, rank,
    pos, score)``, ``pos`` indexing ``counts.data``.
    """
    indptr, n_rows = counts.indptr, counts.shape[0]
    parts = []
    r0 = 0
    while r0 < n_rows:
        # the rows that end within _BLOCK entries of this block's start (at least one)
        end = min(int(indptr[r0]) + _BLOCK, int(indptr[-1]))  # within indptr's dtype
        r1 = int(np.searchsorted(indptr, end, side="right")) - 1
        r1 = min(max(r1, r0 + 1), n_rows)
        lo, hi = int(indptr[r0]), int(indptr[r1])
        sub_ptr = indptr[r0 : r1 + 1] - lo
        score = counts.data[lo:hi].astype(np.float64)
        score *= np.repeat(row_scale[r0:r1], np.diff(sub_ptr))
        score *= col_scale[counts.indices[lo:hi]]
        block = sp.csr_matrix(
            (score, counts.indices[lo:hi], sub_ptr), shape=(r1 - r0, counts.shape[1])
        )
        rows, cols, rank, pos = top_per_row(block, top, tiebreak)
        parts.append((rows + r0, cols, rank, pos + lo, score[pos]))
        r0 = r1
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty, np.zeros(0, dtype=np.float64)
    return tuple(np.concatenate(p) for p in zip(*parts, strict=True))  # type: ignore[return-value]


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": pd.Series([], dtype=object),
            "term": pd.Series([], dtype=object),
            "score": pd.Series([], dtype=np.float64),
            "rank": pd.Series([], dtype=np.int64),
            "count": pd.Series([], dtype=np.int64),
            "n_docs": pd.Series([], dtype=np.int64),
        }
    )
