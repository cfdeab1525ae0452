"""Document-term matrices.

CONTRACT (shared by keywords, compare, themes and topics; keep it stable):

``DTM`` is an immutable container with

``matrix``  scipy.sparse CSR (units x terms), integer counts.
``terms``   numpy array of str, the display form of each column.
``keys``    numpy array of str, the internal key of each column (the stem when
            ``stem=True``; otherwise equal to ``terms``).
``docs``    DataFrame, one row per unit, in matrix row order: ``doc_id``, ``unit_id``,
            ``unit_index``, ``n_tokens`` (tokens of the unit before stop-word removal)
            and every corpus column except ``text``/``raw_text``.
``params``  dict of the arguments that built it.

``group_counts(dtm, by)`` sums rows by a ``docs`` column and is the one place where
grouping happens.

NOTE: this first implementation is a straightforward reference version; issue #3
replaces the internals of ``build_dtm`` with a fast one, keeping this contract.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .errors import AnalysisError
from .text import TOKEN_PATTERN, ngrams, segment, stem, tokenize

__all__ = ["DTM", "build_dtm", "group_counts"]


@dataclass(frozen=True, eq=False)
class DTM:
    """A document-term matrix with its unit metadata. See the module docstring."""

    matrix: sp.csr_matrix
    terms: np.ndarray
    docs: pd.DataFrame
    keys: np.ndarray
    params: dict = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    def __repr__(self) -> str:
        n, m = self.matrix.shape
        return f"<DTM {n} {self.params.get('unit', 'document')}s x {m} terms, {self.matrix.nnz} non-zeros>"


def build_dtm(
    corpus: pd.DataFrame,
    *,
    unit: str = "document",
    ngram_range: tuple[int, int] = (1, 1),
    stem: bool = False,
    stop_words: str | Sequence[str] | None = "english",
    min_df: int | float = 1,
    max_df: int | float = 1.0,
    token_pattern: str = TOKEN_PATTERN,
    lowercase: bool = True,
    phrases: Sequence[str] | None = None,
) -> DTM:
    """Reference implementation; see issue #3 for the full specification."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    do_stem = stem
    units = segment(corpus, unit)
    if stop_words == "english":
        stops = set(ENGLISH_STOP_WORDS)
    elif stop_words is None:
        stops = set()
    elif isinstance(stop_words, str):
        raise AnalysisError(f"stop_words={stop_words!r}: use 'english', a list of words, or None")
    else:
        stops = {w.lower() for w in stop_words}
    counts: list[Counter] = []
    surface: dict[str, Counter] = {}
    n_tokens: list[int] = []
    for text in units["text"]:
        toks = tokenize(text, token_pattern=token_pattern, lowercase=lowercase)
        n_tokens.append(len(toks))
        toks = [t for t in toks if t not in stops]
        if do_stem:
            keyed = [_stem(t) for t in toks]
            for t, k in zip(toks, keyed, strict=True):
                surface.setdefault(k, Counter())[t] += 1
            toks = keyed
        counts.append(Counter(ngrams(toks, ngram_range)))
    vocab = sorted(set().union(*counts)) if counts else []
    index = {t: i for i, t in enumerate(vocab)}
    rows, cols, vals = [], [], []
    for r, c in enumerate(counts):
        for t, v in c.items():
            rows.append(r)
            cols.append(index[t])
            vals.append(v)
    m = sp.csr_matrix((vals, (rows, cols)), shape=(len(counts), len(vocab)), dtype=np.int64)
    df = np.asarray((m > 0).sum(axis=0)).ravel()
    n = m.shape[0]
    lo = min_df if isinstance(min_df, int) else int(np.ceil(min_df * n))
    hi = max_df if isinstance(max_df, int) else int(np.floor(max_df * n))
    keep = np.flatnonzero((df >= lo) & (df <= hi))
    keys = np.asarray(vocab, dtype=object)[keep]
    if do_stem:
        terms = np.asarray(
            [" ".join(surface[p].most_common(1)[0][0] for p in k.split(" ")) for k in keys],
            dtype=object,
        )
    else:
        terms = keys.copy()
    docs = units.drop(columns=["text"]).copy()
    docs["n_tokens"] = n_tokens
    params = dict(
        unit=unit,
        ngram_range=tuple(ngram_range),
        stem=do_stem,
        stop_words=stop_words if isinstance(stop_words, str | None) else list(stop_words),
        min_df=min_df,
        max_df=max_df,
        token_pattern=token_pattern,
        lowercase=lowercase,
        phrases=list(phrases) if phrases else None,
    )
    return DTM(matrix=m[:, keep].tocsr(), terms=terms, docs=docs, keys=keys, params=params)


_stem = stem


def group_counts(dtm: DTM, by: str | None) -> tuple[np.ndarray, sp.csr_matrix, np.ndarray]:
    """Sum the rows of ``dtm`` by the ``docs`` column ``by``.

    Returns
    -------
    groups : ndarray
        Sorted group labels (``unit_id`` values when ``by`` is None).
    counts : csr_matrix
        groups x terms counts.
    n_tokens : ndarray
        Tokens per group (before stop-word removal), the denominator of rates.
    """
    if by is None:
        return (
            dtm.docs["unit_id"].to_numpy(),
            dtm.matrix.tocsr(),
            dtm.docs["n_tokens"].to_numpy(),
        )
    if by not in dtm.docs.columns:
        raise AnalysisError(
            f"by={by!r} is not a column of the corpus; use one of {', '.join(map(str, dtm.docs.columns))}"
        )
    codes, groups = pd.factorize(dtm.docs[by], sort=True)
    if (codes < 0).any():
        raise AnalysisError(
            f"column {by!r} has missing values in {int((codes < 0).sum())} units; fill them or pick another column"
        )
    indicator = sp.csr_matrix(
        (np.ones(len(codes), dtype=np.int64), (codes, np.arange(len(codes)))),
        shape=(len(groups), len(codes)),
    )
    counts = (indicator @ dtm.matrix).tocsr()
    n_tokens = np.bincount(codes, weights=dtm.docs["n_tokens"].to_numpy(), minlength=len(groups))
    return np.asarray(groups), counts, n_tokens.astype(np.int64)
