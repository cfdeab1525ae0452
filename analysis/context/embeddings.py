"""Word embeddings: trained on the corpus itself (:func:`fit_embeddings`) or brought by the user
(:func:`load_embeddings`), held as one :class:`Embeddings` type.

Nothing is downloaded. :func:`fit_embeddings` counts the co-occurrences of the corpus's
word tokens within a window, weighs them by positive pointwise mutual information with
context-distribution smoothing and reduces the matrix by a truncated singular value
decomposition, deterministically for a given seed (Levy, Goldberg & Dagan 2015,
"Improving distributional similarity with lessons learned from word embeddings",
*Transactions of the Association for Computational Linguistics* 3). :func:`load_embeddings`
reads the GloVe and word2vec text formats; :meth:`Embeddings.save` writes them.

**From what corpus size such vectors mean anything.** Vectors fitted on a corpus are
a summary of that corpus's co-occurrences, and a small corpus has too few of them for
the summary to be stable. Antoniak & Mimno (2018, "Evaluating the stability of
embedding-based word similarities", *Transactions of the Association for Computational
Linguistics* 6) show that nearest-neighbour similarities change substantially when a
few documents are added or removed, for every algorithm they tried, and the more so
the smaller the corpus; they advise never to rely on a single model and to average
over bootstrap samples. Rodriguez & Spirling (2022, "Word embeddings: What works, what
doesn't, and how to tell the difference for applied research", *Journal of Politics*
84(1)) find that pretrained vectors do as well as or better than vectors fitted locally
on political corpora unless the local corpus is large, and recommend them when it is
not (bring them with :func:`load_embeddings`). The package takes
:data:`MIN_EMBEDDING_TOKENS` (one million word tokens) as the floor below which
fitted vectors are not shown (:func:`embeddings_note`); it is a convention for a
lower bound, not a guarantee: above it, check the neighbours' stability (e.g. refit on
bootstrap samples of documents) before reading anything into them.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import AnalysisError
from ..text import UNITS, segment
from ..tokens import _keep_tokens, stop_word_set, word_tokens
from ..validation import check_choice, check_int, check_top_n
from ._cooc import BLOCK_CELLS, cooccurrence

__all__ = [
    "Embeddings",
    "fit_embeddings",
    "load_embeddings",
    "embeddings_note",
    "MIN_EMBEDDING_TOKENS",
    "FORMATS",
]

#: Fewer word tokens than this and fitted vectors are not shown (see the module docstring).
MIN_EMBEDDING_TOKENS = 1_000_000

#: The text formats :meth:`Embeddings.save` writes and :func:`load_embeddings` reads.
FORMATS = ("glove", "word2vec")

# pandas 3 parses decimals exactly by default (and deprecates float_precision); before, only
# the round-trip converter did.
_EXACT_FLOATS = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}


# --------------------------------------------------------------------------- the type


@dataclass(frozen=True, eq=False)
class Embeddings:
    """Word vectors: one row of ``vectors`` per term of ``terms``.

    Made by :func:`fit_embeddings` or :func:`load_embeddings`, or from arrays
    (``Embeddings(vectors, terms, params)`` copies them). ``index`` maps term -> row;
    ``len``, ``in`` and :attr:`dim` work as expected; :meth:`vector`,
    :meth:`most_similar`, :meth:`normalized` and :meth:`save` do the rest.

    Attributes
    ----------
    vectors : ndarray of float64, shape (n_terms, dim)
        Read-only.
    terms : ndarray of str (object), shape (n_terms,)
        The term of each row, in row order (distinct).
    params : dict
        How the vectors were made (:func:`fit_embeddings`'s parameters, ``n_tokens`` and
        ``method``) or which file they were read from (``path``, ``format``).
    """

    vectors: np.ndarray
    terms: np.ndarray
    params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        vectors = np.array(self.vectors, dtype=np.float64, order="C", copy=True)
        if vectors.ndim != 2:
            raise AnalysisError(
                f"vectors has {vectors.ndim} dimension(s); give a 2-D array (terms x dim)"
            )
        terms = np.empty(len(self.terms), dtype=object)
        terms[:] = [str(t) for t in self.terms]
        if len(terms) != vectors.shape[0]:
            raise AnalysisError(
                f"terms has {len(terms)} entries but vectors has {vectors.shape[0]} rows; "
                "give one term per row"
            )
        vectors.setflags(write=False)
        terms.setflags(write=False)
        object.__setattr__(self, "vectors", vectors)
        object.__setattr__(self, "terms", terms)
        object.__setattr__(self, "params", dict(self.params))

    @classmethod
    def _owned(cls, vectors: np.ndarray, terms: np.ndarray, params: dict) -> Embeddings:
        """An instance over arrays the caller hands over (no copy; made read-only)."""
        obj = cls.__new__(cls)
        vectors.setflags(write=False)
        terms.setflags(write=False)
        for name, value in (("vectors", vectors), ("terms", terms), ("params", dict(params))):
            object.__setattr__(obj, name, value)
        return obj

    def __repr__(self) -> str:
        return f"Embeddings({len(self):,} terms x {self.dim} dimensions, {self.params})"

    def __len__(self) -> int:
        return self.vectors.shape[0]

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and term in self.index

    @property
    def dim(self) -> int:
        """Number of dimensions (columns of ``vectors``)."""
        return self.vectors.shape[1]

    @cached_property
    def index(self) -> dict[str, int]:
        """term -> row, built once."""
        index = {t: i for i, t in enumerate(self.terms.tolist())}
        if len(index) != len(self.terms):
            dup = pd.Index(self.terms).duplicated()
            raise AnalysisError(
                f"term {self.terms[np.flatnonzero(dup)[0]]!r} appears twice; give distinct terms"
            )
        return index

    def vector(self, term: str) -> np.ndarray:
        """The (read-only) vector of ``term``."""
        i = self.index.get(term) if isinstance(term, str) else None
        if i is None:
            raise AnalysisError(
                f"term {term!r} has no vector (not among the {len(self):,} terms; fitted "
                "vectors are lower-case words seen at least min_count times)"
            )
        return self.vectors[i]

    def normalized(self) -> Embeddings:
        """The same terms with every row scaled to unit Euclidean length (zero rows stay zero)."""
        norms = np.linalg.norm(self.vectors, axis=1)
        scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        return Embeddings._owned(
            self.vectors * scale[:, None], self.terms, {**self.params, "normalized": True}
        )

    @cached_property
    def _unit(self) -> np.ndarray:
        return self.normalized().vectors

    def most_similar(
        self,
        term_or_vector: str | np.ndarray | Sequence[float],
        *,
        top_n: int | None = 10,
        exclude: Iterable[str] = (),
    ) -> pd.DataFrame:
        """The terms nearest to a term or a vector by cosine similarity.

        ``similarity(t) = (v_t . q) / (|v_t| |q|)`` for every term ``t`` (0 for a zero
        vector ``v_t``), where ``q`` is the query vector (a term's own vector when a term
        is given). Sorted by similarity descending, ties by term.

        Parameters
        ----------
        term_or_vector : str or array of length ``dim``
            A term (left out of the result) or a vector (nothing left out).
        top_n : int or None, default 10
            How many terms to return; None for all.
        exclude : iterable of str, default ()
            Terms left out of the result (unknown ones are ignored).

        Returns
        -------
        DataFrame
            ``term, similarity``.
        """
        top_n = check_top_n(top_n)
        if isinstance(exclude, str):
            exclude = [exclude]
        drop = {self.index[t] for t in exclude if t in self.index}
        if isinstance(term_or_vector, str):
            query = self.vector(term_or_vector)
            drop.add(self.index[term_or_vector])
        else:
            query = np.asarray(term_or_vector, dtype=np.float64)
            if query.shape != (self.dim,):
                raise AnalysisError(
                    f"term_or_vector has shape {query.shape}; give a term or a vector of "
                    f"length {self.dim}"
                )
        norm = float(np.linalg.norm(query))
        if not np.isfinite(norm) or norm == 0:
            raise AnalysisError(
                "term_or_vector is a zero (or non-finite) vector; cosine similarity is "
                "undefined, query another term"
            )
        sims = self._unit @ (query / norm)
        keep = np.ones(len(self), dtype=bool)
        keep[list(drop)] = False
        cand = np.flatnonzero(keep)
        if top_n is not None and top_n < len(cand):
            # every term tied with the top_n-th similarity stays a candidate
            cut = np.partition(sims[cand], len(cand) - top_n)[len(cand) - top_n]
            cand = cand[sims[cand] >= cut]
        terms = self.terms[cand].astype(str)
        order = np.lexsort((terms, -sims[cand]))[:top_n]
        return pd.DataFrame(
            {"term": self.terms[cand[order]], "similarity": sims[cand[order]]}
        ).reset_index(drop=True)

    def save(self, path: str | Path, *, format: str = "glove") -> Path:
        """Write the vectors as text: ``format="glove"`` or ``"word2vec"``.

        GloVe: one line ``term v1 ... vdim`` per term. word2vec: the same lines after a
        header line ``n_terms dim`` (gensim's ``save_word2vec_format(binary=False)``).
        Values are written as Python's ``repr`` (the shortest decimal that reads back
        to the same float64), so :func:`load_embeddings` returns equal vectors; NaN and
        infinite values cannot be written. A path ending in ``.gz`` is
        gzip-compressed. Terms containing whitespace cannot be written (the formats
        separate fields by spaces).

        Returns
        -------
        Path
            ``path``.
        """
        check_choice("format", format, FORMATS)
        path = Path(path)
        bad = [t for t in self.terms.tolist() if not t or re.search(r"\s", t)]
        if bad:
            raise AnalysisError(
                f"term {bad[0]!r} is empty or contains whitespace; the {format} text format "
                "cannot store it, rename it first"
            )
        finite = np.isfinite(self.vectors).all(axis=1)
        if not finite.all():
            raise AnalysisError(
                f"the vector of {self.terms[np.flatnonzero(~finite)[0]]!r} has NaN or infinite "
                "values; the text formats hold finite numbers only"
            )
        opener = gzip.open if path.suffix == ".gz" else open
        try:
            with opener(path, "wt", encoding="utf-8", newline="\n") as fh:
                if format == "word2vec":
                    fh.write(f"{len(self)} {self.dim}\n")
                step = 4096
                for lo in range(0, len(self), step):
                    fh.write(
                        "".join(
                            f"{term} {' '.join(map(repr, row))}\n"
                            for term, row in zip(
                                self.terms[lo : lo + step].tolist(),
                                self.vectors[lo : lo + step].tolist(),
                                strict=True,
                            )
                        )
                    )
        except OSError as exc:
            raise AnalysisError(f"cannot write {path}: {exc.strerror or exc}") from None
        return path


# --------------------------------------------------------------------------- fitting


def embeddings_note(n_tokens: int) -> str | None:
    """The sentence a report prints instead of fitted embeddings, or None when there are enough tokens.

    None when ``n_tokens >= MIN_EMBEDDING_TOKENS``; otherwise one sentence giving the
    corpus size, the threshold and why (see the module docstring).
    """
    n_tokens = check_int("n_tokens", n_tokens, 0)
    if n_tokens >= MIN_EMBEDDING_TOKENS:
        return None
    return (
        f"Embeddings skipped: the corpus has {n_tokens:,} word tokens; vectors trained on "
        f"fewer than {MIN_EMBEDDING_TOKENS:,} tokens are unstable (nearest neighbours change "
        "when a few documents change; Antoniak & Mimno 2018, Rodriguez & Spirling 2022), so "
        "bring pretrained vectors with load_embeddings instead."
    )


def _vocabulary(
    ids: np.ndarray, types: np.ndarray, min_count: int, drop: frozenset[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of the kept types: ``(row_of_type, terms, counts)``.

    ``row_of_type[t]`` is the vocabulary row of type ``t`` or -1; rows are ordered by
    count descending, then term.
    """
    counts = np.bincount(ids, minlength=len(types)).astype(np.int64)
    keep = counts >= min_count
    if drop:
        keep &= ~np.fromiter((t in drop for t in types.tolist()), dtype=bool, count=len(types))
    kept = np.flatnonzero(keep)
    order = np.lexsort((types[kept].astype(str), -counts[kept]))
    kept = kept[order]
    row_of_type = np.full(len(types), -1, dtype=np.int64)
    row_of_type[kept] = np.arange(len(kept))
    return row_of_type, types[kept], counts[kept]


def _cooccurrence(
    ids: np.ndarray,
    offsets: np.ndarray,
    n_vocab: int,
    window: int,
    *,
    block_cells: int = BLOCK_CELLS,
) -> sp.csr_matrix:
    """Symmetric co-occurrence counts within ``window`` positions, never across units.

    ``C[w, c]`` is the number of ordered pairs of positions ``(i, j)`` with
    ``0 < |i - j| <= window`` in the same unit, ``ids[i] == w`` and ``ids[j] == c``
    (unweighted; a word next to itself counts twice, once from each side). So ``C`` is
    symmetric and ``C.sum()`` is twice the number of unordered pairs. Counted by
    :func:`analysis.context._cooc.cooccurrence` (the same counts as the à la carte
    transform's), in blocks of about ``block_cells`` neighbour cells.

    Parameters
    ----------
    ids : int array
        Vocabulary rows of the kept tokens, all units concatenated.
    offsets : int array, length n_units + 1
        Unit ``u`` is ``ids[offsets[u]:offsets[u + 1]]``.
    n_vocab : int
    window : int
    block_cells : int
        Bounds the memory of one block.

    Returns
    -------
    csr_matrix of int64, shape (n_vocab, n_vocab)
        Canonical (sorted indices, no duplicates).
    """
    every = np.arange(n_vocab, dtype=np.int64)
    counts = cooccurrence(
        np.asarray(ids, dtype=np.int32), np.asarray(offsets, dtype=np.int64), every, every,
        n_vocab, n_vocab, window, block_cells=block_cells,
    )  # fmt: skip
    counts = sp.csr_matrix(counts, dtype=np.int64)
    counts.sum_duplicates()
    counts.sort_indices()
    return counts


def _ppmi(counts: sp.csr_matrix, cds: float) -> sp.csr_matrix:
    """Positive PMI with context-distribution smoothing of a co-occurrence matrix.

    With ``#(w, c)`` = ``counts[w, c]``, ``#(w) = sum_c #(w, c)``, ``#(c) = sum_w #(w, c)``,
    ``a = cds`` and ``Z_a = sum_c #(c)^a``::

        PPMI(w, c) = max(0, ln(#(w, c) * Z_a / (#(w) * #(c)^a)))

    which is Levy et al.'s (2015) ``max(0, ln(P(w, c) / (P(w) * P_a(c))))`` with
    ``P(w, c) = #(w, c) / D``, ``P(w) = #(w) / D``, ``P_a(c) = #(c)^a / Z_a`` and
    ``D = sum #(w, c)`` (``D`` cancels). With ``a = 1`` it is the plain PPMI
    ``max(0, ln(#(w, c) * D / (#(w) * #(c))))``. Pairs never seen get 0 (``ln 0`` is
    ``-inf``); zeros are not stored.
    """
    counts = counts.tocsr()
    row_tot = np.asarray(counts.sum(axis=1), dtype=np.float64).ravel()
    col_tot = np.asarray(counts.sum(axis=0), dtype=np.float64).ravel()
    col_a = np.zeros_like(col_tot)
    np.power(col_tot, cds, out=col_a, where=col_tot > 0)
    log_z = np.log(col_a.sum()) if col_a.sum() > 0 else 0.0
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    cols = counts.indices
    with np.errstate(divide="ignore"):
        pmi = (
            np.log(counts.data.astype(np.float64))
            + log_z
            - np.log(row_tot)[rows]
            - np.log(col_a)[cols]
        )
    keep = pmi > 0
    indptr = np.zeros(counts.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[keep], minlength=counts.shape[0]), out=indptr[1:])
    return sp.csr_matrix((pmi[keep], cols[keep], indptr), shape=counts.shape)


def _svd(matrix: sp.csr_matrix, dim: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Top ``dim`` singular triplets: ``(U, s)``, s descending, signs fixed.

    ARPACK (scipy's ``svds``) started from a vector drawn from ``seed``, so the result
    is the same for the same input and seed. The sign of each singular pair is fixed
    so that the entry of largest absolute value of each column of ``U`` (the first such
    entry on ties) is positive.
    """
    from scipy.sparse.linalg import svds

    rng = np.random.default_rng(np.random.SeedSequence(seed))
    v0 = rng.standard_normal(min(matrix.shape))
    u, s, _ = svds(matrix, k=dim, v0=v0, solver="arpack", return_singular_vectors="u")
    order = np.argsort(-s, kind="stable")
    u, s = u[:, order], s[order]
    big = np.argmax(np.abs(u), axis=0)
    signs = np.where(u[big, np.arange(u.shape[1])] < 0, -1.0, 1.0)
    return u * signs, s


def _counts(
    corpus: pd.DataFrame,
    *,
    window: int,
    min_count: int,
    unit: str,
    drop: frozenset[str],
    dim: int = 0,
) -> tuple[np.ndarray, sp.csr_matrix, int, int]:
    """Steps 1-3 of :func:`fit_embeddings`: ``(terms, counts, n_tokens, n_units)``.

    ``counts`` is :func:`_cooccurrence` of the filtered token stream of each unit over
    the vocabulary ``terms``; ``n_tokens`` counts the word tokens before filtering.
    A vocabulary of ``dim`` words or fewer is an error.
    """
    units = segment(corpus, unit)
    toks = word_tokens(units["text"])
    n_tokens = int(len(toks.ids))
    row_of_type, terms, _ = _vocabulary(toks.ids, toks.types, min_count, drop)
    if len(terms) <= dim:
        raise AnalysisError(
            f"dim={dim}: the vocabulary has only {len(terms):,} words with min_count={min_count} "
            f"(corpus of {n_tokens:,} word tokens); give dim below {len(terms):,} or lower "
            "min_count"
        )
    rows = row_of_type[toks.ids]
    stream, offsets = _keep_tokens(rows, toks.offsets, rows >= 0)
    del toks, rows
    return terms, _cooccurrence(stream, offsets, len(terms), window), n_tokens, len(units)


def fit_embeddings(
    corpus: pd.DataFrame,
    *,
    dim: int = 100,
    window: int = 6,
    min_count: int = 5,
    unit: str = "document",
    stop_words: str | Iterable[str] | None = None,
    cds: float = 0.75,
    seed: int = 0,
) -> Embeddings:
    """Word vectors fitted on the corpus: PPMI of windowed co-occurrences reduced by truncated SVD.

    The method of Levy, Goldberg & Dagan (2015, "Improving distributional similarity
    with lessons learned from word embeddings", *TACL* 3): a count-based model that,
    with their hyperparameters, performs on par with word2vec's skip-gram; nothing is
    downloaded and the result is bit-identical for the same corpus and seed.

    1. **Tokens.** The units of :func:`analysis.text.segment` (``unit``) are tokenized
       with :func:`analysis.tokens.word_tokens`, the package's one token definition:
       lower-cased maximal ``\\w`` runs. ``n_tokens`` (recorded in ``params``) is the
       number of these word tokens, before any removal.
    2. **Vocabulary.** The types with at least ``min_count`` occurrences, minus the
       ``stop_words`` when given (as :func:`analysis.build_dtm`'s ``stop_words``:
       ``"english"`` or a list of words); rows ordered by count descending, then term.
       Every other token (stop words and rare words) is **dropped from the stream
       before windowing**, as word2vec does, so a window of 6 spans 6 vocabulary words
       on each side, and windows never cross a unit.
    3. **Co-occurrence counts.** ``#(w, c)`` is the number of ordered pairs of positions
       ``(i, j)`` in one unit's filtered stream with ``0 < |i - j| <= window``, word
       ``w`` at ``i`` and ``c`` at ``j``: symmetric, unweighted.
    4. **PPMI with context-distribution smoothing** (``a = cds``)::

           #(w) = sum_c #(w, c),   #(c) = sum_w #(w, c),   Z_a = sum_c #(c)^a
           PPMI(w, c) = max(0, ln(#(w, c) * Z_a / (#(w) * #(c)^a)))

       that is ``max(0, ln(P(w, c) / (P(w) P_a(c))))`` with ``P_a(c) = #(c)^a / Z_a``;
       ``a = 0.75`` raises the probability of rare contexts and so damps PMI's bias
       toward them (Levy et al. 2015, section 3.2); ``a = 1`` is plain PPMI.
    5. **Truncated SVD.** ``PPMI ~ U S V^T`` with the ``dim`` largest singular values
       (ARPACK via ``scipy.sparse.linalg.svds``, started from a vector drawn from
       ``seed``); ``vectors = U S^0.5`` (eigenvalue weighting ``p = 0.5``, Levy et al.
       2015, section 3.3); columns by singular value descending, each sign fixed so
       that the column's entry of largest absolute value is positive.

    Words that never co-occur with another vocabulary word (all their units hold a
    single kept token) get a zero vector.

    **Corpus size.** Below :data:`MIN_EMBEDDING_TOKENS` (one million word tokens) the
    vectors are fitted but not meaningful; see the module docstring and
    :func:`embeddings_note`.

    Parameters
    ----------
    corpus : DataFrame
        ``doc_id``, ``text`` (from :func:`analysis.read_corpus`).
    dim : int, default 100
        Dimensions; the vocabulary must have more than ``dim`` words.
    window : int, default 6
        Positions on each side.
    min_count : int, default 5
        Occurrences a word needs to get a vector.
    unit : {"document", "paragraph", "sentence"}, default "document"
        Windows never cross a unit.
    stop_words : "english", list of str or None, default None
        Words dropped before windowing (see 2).
    cds : float, default 0.75
        Context-distribution smoothing exponent ``a``, ``0 < a <= 1``.
    seed : int, default 0
        Starting vector of the SVD.

    Returns
    -------
    Embeddings
        ``params``: ``method``, ``dim``, ``window``, ``min_count``, ``unit``,
        ``stop_words``, ``cds``, ``seed``, ``n_tokens``, ``n_units``.
    """
    dim = check_int("dim", dim, 1)
    window = check_int("window", window, 1)
    min_count = check_int("min_count", min_count, 1)
    seed = check_int("seed", seed, 0)
    check_choice("unit", unit, UNITS)
    if isinstance(cds, bool) or not isinstance(cds, int | float | np.floating) or not 0 < cds <= 1:
        raise AnalysisError(f"cds={cds!r} must be a number with 0 < cds <= 1, e.g. 0.75")
    drop = stop_word_set(stop_words)
    terms, counts, n_tokens, n_units = _counts(
        corpus, window=window, min_count=min_count, unit=unit, drop=drop, dim=dim
    )
    ppmi = _ppmi(counts, float(cds))
    del counts
    if ppmi.nnz == 0:
        raise AnalysisError(
            f"window={window}: no two vocabulary words co-occur with positive PMI in any "
            f"{unit}; give a larger corpus, a larger unit or a lower min_count"
        )
    u, s = _svd(ppmi, dim, seed)
    vectors = u * np.sqrt(s)
    params: dict[str, Any] = {
        "method": "ppmi-svd",
        "dim": dim,
        "window": window,
        "min_count": min_count,
        "unit": unit,
        "stop_words": stop_words
        if stop_words is None or isinstance(stop_words, str)
        else sorted(drop),
        "cds": float(cds),
        "seed": seed,
        "n_tokens": n_tokens,
        "n_units": n_units,
    }
    return Embeddings._owned(np.ascontiguousarray(vectors), terms, params)


# --------------------------------------------------------------------------- loading


_READ_BYTES = 1 << 26  # bytes per block of the checking pass
_LOAD_CHUNK_VALUES = 1 << 22  # values per block of parsed lines (rows = this // (dim + 1))


def _open(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


@dataclass
class _Scan:
    """What one pass over the bytes of a vectors file tells: its first two lines and size."""

    first: list[bytes]  # fields of line 1
    second: list[bytes]  # fields of line 2 (empty if none)
    n_lines: int  # lines up to the last one that is not blank


def _scan_file(path: Path) -> _Scan:
    """Check that the file exists, is UTF-8 and not blank; its first lines and line count.

    Reads the file once in blocks (decompressing ``.gz``), so memory does not grow with
    the file.
    """
    if not path.exists():
        raise AnalysisError(f"{path}: no such file; check the path to the vectors")
    if path.is_dir():
        raise AnalysisError(f"{path} is a folder; give the vectors file itself")
    decoder = codecs.getincrementaldecoder("utf-8")()
    head = b""
    lines_before = 0  # newlines in the blocks read so far
    n_lines = 0
    try:
        with _open(path) as fh:
            while True:
                block = fh.read(_READ_BYTES)
                final = not block
                try:
                    decoder.decode(block, final=final)
                except UnicodeDecodeError as exc:
                    pos = max(0, exc.start)  # may point into the previous block
                    line = lines_before + block.count(b"\n", 0, pos) + 1
                    raise AnalysisError(
                        f"{path}, line {line}: bytes that are not UTF-8 text; binary word2vec "
                        "files are not supported: save the vectors as text (gensim: "
                        "model.wv.save_word2vec_format(path, binary=False))"
                    ) from None
                if final:
                    break
                if head.count(b"\n") < 2:
                    head += block[: 1 << 20]
                content = len(block.rstrip())
                if content:
                    n_lines = lines_before + block.count(b"\n", 0, content) + 1
                lines_before += block.count(b"\n")
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise AnalysisError(f"{path}: cannot read it ({exc}); check the file") from None
    if not n_lines:
        raise AnalysisError(f"{path} is empty; give a GloVe or word2vec text file")
    lines = head.split(b"\n", 2)
    return _Scan(lines[0].split(), lines[1].split() if len(lines) > 1 else [], n_lines)


def load_embeddings(path: str | Path) -> Embeddings:
    """Read word vectors from a GloVe or word2vec text file (``.gz`` too), detected automatically.

    - **GloVe**: one line ``word v1 ... vdim`` per word (``dim`` taken from the first
      line).
    - **word2vec text**: a first line ``n_words dim``, then the GloVe lines (gensim's
      ``KeyedVectors.save_word2vec_format(path, binary=False)``). A first line of two
      whole numbers is read as this header when the next line has ``dim`` values (and,
      for ``dim = 1``, where such a line could be a GloVe word with one value, when
      ``n_words`` is the number of lines after it).

    Fields are separated by spaces or tabs; trailing whitespace, ``\\r`` and blank lines
    at the end are ignored; words are kept as written (no lower-casing), so a word
    cannot contain a space. Values are parsed exactly (each decimal string to the
    nearest float64) by pandas' C parser, block by block into one preallocated array:
    a 400,000 x 300 file needs its 0.96 GB of vectors plus a few tens of MB.

    Raises :class:`~analysis.errors.AnalysisError`, naming the file and the line, for a
    missing or empty file, a blank line, a line with the wrong number of values, a value
    that is not a finite number, a word2vec header whose word count does not match the
    lines, a repeated word (both lines), and a binary word2vec file (not supported:
    save it as text).

    Returns
    -------
    Embeddings
        ``params``: ``path``, ``format`` (``"glove"`` or ``"word2vec"``).
    """
    path = Path(path).expanduser()
    scan = _scan_file(path)
    first, second = scan.first, scan.second
    if not first:
        raise AnalysisError(f"{path}, line 1: the line is blank; remove blank lines")
    header = None
    if len(first) == 2 and all(re.fullmatch(rb"[0-9]+", f) for f in first):
        n_words, dim = int(first[0]), int(first[1])
        if not second or len(second) == dim + 1:
            header = (n_words, dim)
        if header is not None and dim == 1 and scan.n_lines - 1 != n_words:
            header = None  # "5 1" is also a GloVe line: word "5", value 1
    if header is not None:
        n_words, dim = header
        if dim < 1:
            raise AnalysisError(
                f"{path}, line 1: the word2vec header gives dim={dim}; it must be at least 1"
            )
        if scan.n_lines == 1:
            raise AnalysisError(
                f"{path}: the word2vec header says {n_words} words but no vectors follow"
            )
    else:
        dim = len(first) - 1
        if dim < 1:
            raise AnalysisError(
                f"{path}, line 1: a word without values; each line must be 'word v1 ... vd'"
            )
    skip = 1 if header is not None else 0
    given_by = "the header gives" if header is not None else "line 1 has"
    n_rows = scan.n_lines - skip
    read = dict(
        sep=r"\s+", header=None, skiprows=skip, names=range(dim + 1), index_col=False,
        na_filter=False, quoting=csv.QUOTE_NONE, encoding="utf-8", engine="c",
        skip_blank_lines=False, compression="gzip" if path.suffix == ".gz" else None,
    )  # fmt: skip
    vectors = np.empty((n_rows, dim), dtype=np.float64)
    words = np.empty(n_rows, dtype=object)
    chunk = max(1, _LOAD_CHUNK_VALUES // (dim + 1))
    start = 0
    reader = pd.read_csv(
        path,
        dtype={0: object, **{c: np.float64 for c in range(1, dim + 1)}},
        nrows=n_rows,
        chunksize=chunk,
        **read,
        **_EXACT_FLOATS,
    )
    try:
        with reader:
            while start < n_rows:
                try:
                    block = next(reader)
                    values = block.iloc[:, 1:].to_numpy(dtype=np.float64)
                    ok = bool(np.isfinite(values).all())
                except StopIteration:  # pragma: no cover - nrows guarantees the rows
                    break
                except pd.errors.ParserError as exc:  # its line counts the skipped header
                    m = re.search(r"line (\d+), saw (\d+)", str(exc))
                    if not m:
                        raise AnalysisError(
                            f"{path}: cannot parse it ({exc}); give a GloVe or word2vec text file"
                        ) from None
                    raise AnalysisError(
                        f"{path}, line {int(m.group(1))}: {int(m.group(2)) - 1} values "
                        f"where {given_by} {dim}; every line must be 'word v1 ... v{dim}'"
                    ) from None
                except (ValueError, TypeError):
                    ok = False
                if not ok:  # read the block again as text to say which line and why
                    rows = min(chunk, n_rows - start)
                    text = pd.read_csv(
                        path, dtype=str, nrows=rows, **{**read, "skiprows": skip + start}
                    )
                    _raise_bad_value(text, skip + start, dim, given_by, path)
                vectors[start : start + len(block)] = values
                words[start : start + len(block)] = block[0].to_numpy(dtype=object)
                start += len(block)
    except (OSError, EOFError) as exc:
        raise AnalysisError(f"{path}: cannot read it ({exc}); check the file") from None
    vectors, words = vectors[:start], words[:start]
    if header is not None and header[0] != len(words):
        raise AnalysisError(
            f"{path}, line 1: the word2vec header says {header[0]} words but the file has "
            f"{len(words)} vector lines; fix the header"
        )
    dup = pd.Index(words).duplicated(keep="first")
    if dup.any():
        second_i = int(np.flatnonzero(dup)[0])
        first_i = int(np.flatnonzero(words[:second_i] == words[second_i])[0])
        raise AnalysisError(
            f"{path}: the word {words[second_i]!r} appears twice, on lines "
            f"{first_i + 1 + skip} and {second_i + 1 + skip}; keep one"
        )
    return Embeddings._owned(
        vectors, words, {"path": str(path), "format": "word2vec" if skip else "glove"}
    )


def _raise_bad_value(table: pd.DataFrame, skip: int, dim: int, given_by: str, path: Path) -> None:
    """The first line of ``table`` (read as text, line ``skip + 1`` of the file) that is blank,
    has too few values or a value that is not a finite number, as an error."""
    values = table.iloc[:, 1:].astype(object).to_numpy()
    missing = pd.isna(values) | (values == "")
    numbers = table.iloc[:, 1:].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    bad = missing | ~np.isfinite(numbers)
    r = int(np.flatnonzero(bad.any(axis=1))[0])
    line = r + 1 + skip
    word = table.iloc[r, 0]
    if missing[r].all() and (pd.isna(word) or word == ""):
        raise AnalysisError(f"{path}, line {line}: the line is blank; remove blank lines")
    if missing[r].any():
        raise AnalysisError(
            f"{path}, line {line}: {int((~missing[r]).sum())} values where {given_by} {dim}; "
            f"every line must be 'word v1 ... v{dim}'"
        )
    value = values[r][np.flatnonzero(bad[r])[0]]
    raise AnalysisError(
        f"{path}, line {line}: {str(value)!r} is not a finite number; every value after the "
        "word must be a number"
    )
