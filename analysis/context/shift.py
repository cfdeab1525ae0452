"""Embedding regression: how the company of a target differs between groups, with intervals.

The method is conText's (Rodriguez, Spirling & Stewart 2023, "Embedding Regression:
Models for Context-Specific Description and Inference", *American Political Science
Review* 117(4)), built on à la carte embeddings (Khodak, Saunshi, Liang, Ma, Stewart &
Arora 2018, "A La Carte Embedding: Cheap but Effective Induction of Semantic Feature
Vectors", *ACL*):

1. Each occurrence of the target gets an **à la carte embedding**: the mean of the word
   vectors of its context tokens, multiplied by a matrix ``A`` learned from the corpus
   itself (:func:`fit_alacarte`). ``A`` corrects the context average for what every
   context shares (frequent words, the common direction of all vectors), so that the
   result lands near the vector the word would have had.
2. :func:`context_shift` regresses the occurrence embeddings on the indicators of the
   groups of ``by``: the coefficient of a group is a vector, its **norm** says how far
   the target's average context in that group is from the reference group's. A
   bootstrap over documents gives its interval; a permutation test over documents its
   p-value.
3. :func:`context_neighbors` lists, per group, the vocabulary words nearest (cosine) to
   the group's mean embedding; :func:`context_contrast` the words that most separate two
   groups.

**Tokens and windows** are those of :mod:`analysis.context.windows`: word tokens
(:mod:`analysis.tokens`, lower-cased maximal runs of ``\\w``), ``window`` tokens on each
side counted before stop-word removal, clipped at the unit, the target's own tokens left
out; stop words (``stop_words``) and tokens without a vector are then dropped inside the
window. The **embeddings** are any object with ``.terms`` (one word per row) and
``.vectors`` (``n x dim``): :func:`analysis.context.embeddings.fit_embeddings` trained on
the corpus, or vectors a user brings (:func:`~analysis.context.embeddings.load_embeddings`).
Terms are looked up as they are; the tokens are lower-cased, so bring lower-cased
vectors.

**Documents, not occurrences, are the independent units.** A speech that says
"sovereignty" twenty times says it in its own register twenty times; resampling or
permuting occurrences would treat those as twenty independent draws and make every
difference look significant. Intervals resample documents (clustered bootstrap) and the
permutation test permutes group labels over documents.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import AnalysisError
from ..evidence import MIN_DOCS, check_min_docs
from ..grouping import check_by, group_labels, group_order
from ..text import segment
from ..themes.codebook import Codebook
from ..themes.match import ThemeMatches, _ranges
from ..themes.stats import _boot_counts, _perm_members, _rng, holm
from ..tokens import Tokens, stop_word_set, word_tokens
from ..validation import check_choice, check_int, check_level, check_top_n
from ._cooc import cooccurrence as _cooccurrence
from .windows import Contexts, Target, as_contexts

__all__ = [
    "AlaCarte",
    "fit_alacarte",
    "context_shift",
    "context_neighbors",
    "context_contrast",
    "SHIFT_COLUMNS",
    "NEIGHBOR_COLUMNS",
    "CONTRAST_COLUMNS",
]

SHIFT_COLUMNS = [
    "group", "reference", "n_occurrences", "n_docs", "n_occurrences_reference",
    "n_docs_reference", "norm", "ci_low", "ci_high", "p_value", "p_adjusted", "n_perm",
    "level", "supported", "target", "window", "norm_null",
]  # fmt: skip
NEIGHBOR_COLUMNS = [
    "group", "term", "similarity", "ci_low", "ci_high", "rank", "n_occurrences", "n_docs",
    "target",
]  # fmt: skip
CONTRAST_COLUMNS = [
    "term", "closer_to", "diff", "similarity_target", "similarity_reference", "ci_low",
    "ci_high", "supported", "rank", "target_group", "reference", "n_docs_target",
    "n_docs_reference", "level", "target",
]  # fmt: skip

#: Fewest occurrences of a word for it to be a row of the à la carte regression.
MIN_COUNT = 5
#: Permutations (or bootstrap replicates) computed per block: bounds memory to about
#: ``_BLOCK_CELLS`` floats per block whatever ``n_perm`` and the number of documents.
_BLOCK_CELLS = 4_000_000

# --------------------------------------------------------------------------- embeddings


def _vectors(embeddings: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(terms, vectors)`` of a duck-typed embeddings object, checked."""
    terms = getattr(embeddings, "terms", None)
    vectors = getattr(embeddings, "vectors", None)
    if terms is None or vectors is None:
        raise AnalysisError(
            f"embeddings: a {type(embeddings).__name__} has no .terms and .vectors; pass "
            "word vectors from analysis.context.embeddings (fit_embeddings or load_embeddings)"
        )
    vectors = np.asarray(vectors, dtype=np.float64)
    terms = np.asarray(terms, dtype=object)
    if vectors.ndim != 2 or len(terms) != len(vectors) or vectors.shape[1] == 0:
        raise AnalysisError(
            f"embeddings: {len(terms)} terms and vectors of shape {vectors.shape}; give one "
            "vector (a row of .vectors) per term"
        )
    return terms, vectors


def _index(embeddings: Any, terms: np.ndarray) -> dict:
    """term -> row: the object's ``.index`` when it has one, else built (first row wins)."""
    index = getattr(embeddings, "index", None)
    if isinstance(index, dict):
        return index
    out: dict = {}
    for i, t in enumerate(terms.tolist()):
        out.setdefault(str(t), i)
    return out


def _type_rows(types: np.ndarray, index: dict, drop: frozenset[str] = frozenset()) -> np.ndarray:
    """Per token type, its row in the embeddings, or -1 (no vector, or in ``drop``).

    One dictionary look-up per distinct type (not per token)."""
    get = index.get
    rows = np.fromiter(
        (-1 if t in drop else get(t, -1) for t in types.tolist()), dtype=np.int64, count=len(types)
    )
    return rows


# --------------------------------------------------------------------------- à la carte


@dataclass(eq=False, repr=False)
class AlaCarte:
    """The à la carte transform learned by :func:`fit_alacarte`.

    Attributes
    ----------
    matrix_ : ndarray, dim x dim
        ``A``: an occurrence's embedding is ``A @ u`` for its context mean ``u``.
    n_words_ : int
        Vocabulary words (rows of the regression) it was learned from.
    rank_ : int
        Numerical rank of the weighted design (``dim`` when ``A`` is determined).
    words_ : ndarray of str
        Those words.
    embeddings : object
        The word vectors (``.terms``, ``.vectors``).
    window, unit, min_count, weighting, stop_words
        The parameters of :func:`fit_alacarte` (``stop_words`` as a sorted tuple).
    """

    matrix_: np.ndarray
    n_words_: int
    rank_: int
    words_: np.ndarray
    embeddings: Any
    window: int
    unit: str
    min_count: int
    weighting: str | float
    stop_words: tuple[str, ...] = ()
    _cache: dict = field(default_factory=dict)

    @property
    def dim(self) -> int:
        return int(self.matrix_.shape[0])

    def embed(self, contexts: Contexts, *, stop_words: Any = "fitted") -> np.ndarray:
        """The à la carte embedding of each occurrence: ``A @ u_i``.

        ``u_i`` is the mean of the vectors of occurrence ``i``'s context tokens that
        have a vector and are not stop words (``stop_words="fitted"``: those this
        transform was fitted with; else as for :func:`analysis.tokens.stop_word_set`).
        Returns ``n_occurrences x dim``; an occurrence with no such token gets a row of
        NaN (:func:`context_shift` drops it and counts it in ``attrs["n_dropped"]``).
        """
        drop = frozenset(self.stop_words) if stop_words == "fitted" else stop_word_set(stop_words)
        means, _ = _context_means(contexts, self.embeddings, drop)
        return means @ self.matrix_.T

    def __repr__(self) -> str:
        return (
            f"<AlaCarte dim={self.dim}: learned from {self.n_words_} words, window="
            f"{self.window}, unit={self.unit!r}, weighting={self.weighting!r}>"
        )


def _check_weighting(weighting: object) -> str | float:
    if isinstance(weighting, str):
        return check_choice("weighting", weighting, ("log", "uniform"))
    if isinstance(weighting, int | float | np.integer | np.floating) and not isinstance(
        weighting, bool
    ):
        if weighting > 0:
            return float(weighting)
    raise AnalysisError(
        f"weighting={weighting!r}: give 'log', 'uniform', or a positive count m "
        "(weights min(count, m) / m)"
    )


def _unit_tokens(data: pd.DataFrame | ThemeMatches | Contexts, unit: str) -> Tokens:
    """The word tokens of the units of ``data`` (reused from matches when given)."""
    if isinstance(data, Contexts):
        data = data.matches
    if isinstance(data, ThemeMatches):
        made = data.params.get("unit")
        if made != unit:
            raise AnalysisError(
                f"unit={unit!r}: these matches were made with unit={made!r}; pass "
                f"unit={made!r} or the corpus"
            )
        return data.tokens
    if not isinstance(data, pd.DataFrame):
        raise AnalysisError(
            "corpus must be a DataFrame from analysis.read_corpus (or the matches of "
            f"analysis.context.find_contexts), not {type(data).__name__}"
        )
    return word_tokens(segment(data, unit)["text"].tolist())


def fit_alacarte(
    corpus: pd.DataFrame | ThemeMatches | Contexts,
    embeddings: Any,
    *,
    window: int = 6,
    unit: str = "document",
    min_count: int = MIN_COUNT,
    weighting: str | float = "log",
    stop_words: str | Sequence[str] | None = None,
) -> AlaCarte:
    """Learn the à la carte transform ``A`` from the corpus itself (Khodak et al. 2018).

    For every vocabulary word ``w`` (a term of ``embeddings`` that occurs at least
    ``min_count`` times as a word token of the corpus) with vector ``v_w``:

    * ``C[w, c]`` = number of (occurrence of ``w``, token of type ``c``) pairs within
      ``window`` tokens of each other in the same unit (the token itself excluded), ``c``
      ranging over the types that have a vector and are not in ``stop_words``;
    * ``u_w = sum_c C[w, c] v_c / sum_c C[w, c]``: the mean of the context vectors over
      all context tokens of all occurrences of ``w`` (occurrences with more usable
      context tokens weigh more, as in conText's ``compute_transform``);
    * ``A = argmin_A sum_w c_w ||v_w - A u_w||^2`` (no intercept), solved as the least
      squares problem ``(sqrt(c) * U) X = sqrt(c) * V`` with :func:`numpy.linalg.lstsq`
      and ``A = X.T``. ``c_w = log(count_w)`` (``weighting="log"``; ``count_w`` is the
      number of occurrences of ``w``), ``1`` (``"uniform"``) or ``min(count_w, m) / m``
      (a number ``m``, Khodak et al.'s and conText's default ``m = 500``).

    conText's ``compute_transform`` takes ``log`` of the co-occurrence row sums
    ``sum_c C[w, c]``; here ``count_w`` is the word's own frequency, so a word's weight
    does not grow with the window. Words with no usable context token are left out.
    ``C`` comes from :func:`analysis.context._cooc.cooccurrence` (each token's ``2 *
    window`` neighbours gathered per block of rows and summed by a sparse product) and
    ``C @ V`` is a sparse matrix product: no loop over tokens.

    Parameters
    ----------
    corpus : DataFrame, ThemeMatches or Contexts
        A corpus (:func:`analysis.read_corpus`), or the matches/contexts of
        :func:`~analysis.context.find_contexts`, whose word tokens are then reused.
    embeddings : object with ``.terms`` and ``.vectors``
        Word vectors (:mod:`analysis.context.embeddings`).
    window : int, default 6
        Tokens on each side; use the window of the contexts the transform will embed.
    unit : {"document", "paragraph", "sentence"}, default "document"
        Windows never cross a unit.
    min_count : int, default 5
        Fewest occurrences of a word to be a row of the regression (at least 1).
    weighting : "log", "uniform" or float, default "log"
    stop_words : "english", list of str or None, default None
        Context tokens left out (counted in the window, as in :mod:`analysis.context`).
        Use the stop words of the contexts the transform will embed.

    Returns
    -------
    AlaCarte
        ``matrix_`` (``A``), ``n_words_``, ``rank_`` and the parameters.

    Raises
    ------
    AnalysisError
        When fewer words qualify than the vectors have dimensions: ``A`` would not be
        determined by the corpus.
    """
    window = check_int("window", window, 1)
    min_count = check_int("min_count", min_count, 1)
    weighting = _check_weighting(weighting)
    check_choice("unit", unit, ("document", "paragraph", "sentence"))
    terms, vectors = _vectors(embeddings)
    drop = stop_word_set(stop_words)
    tokens = _unit_tokens(corpus, unit)
    return _fit(tokens, embeddings, terms, vectors, drop, window, unit, min_count, weighting)


def _fit(
    tokens: Tokens,
    embeddings: Any,
    terms: np.ndarray,
    vectors: np.ndarray,
    drop: frozenset[str],
    window: int,
    unit: str,
    min_count: int,
    weighting: str | float,
    type_rows: np.ndarray | None = None,
) -> AlaCarte:
    index = _index(embeddings, terms)
    emb_of_type = _type_rows(tokens.types, index)  # rows: every type with a vector
    col_of = _type_rows(tokens.types, index, drop) if type_rows is None else type_rows
    count = np.bincount(tokens.ids, minlength=len(tokens.types)).astype(np.int64)
    word_types = np.flatnonzero((emb_of_type >= 0) & (count >= min_count))
    row_of = np.full(len(tokens.types), -1, dtype=np.int64)
    row_of[word_types] = np.arange(len(word_types))
    C = _cooccurrence(
        tokens.ids, tokens.offsets, row_of, col_of, len(word_types), len(vectors), window
    )
    n_ctx = np.asarray(C.sum(axis=1)).ravel()
    used = n_ctx > 0
    U = np.asarray(C[used] @ vectors) / n_ctx[used][:, None]
    word_types = word_types[used]
    V = vectors[emb_of_type[word_types]]
    cnt = count[word_types].astype(np.float64)
    if weighting == "log":
        weight = np.log(cnt)
    elif weighting == "uniform":
        weight = np.ones_like(cnt)
    else:
        weight = np.minimum(cnt, weighting) / weighting
    dim = vectors.shape[1]
    n_words = int(np.count_nonzero(weight > 0))
    if n_words < dim:
        raise AnalysisError(
            f"embeddings: only {n_words} words with a vector occur at least min_count="
            f"{min_count} times (with context) in the corpus, fewer than the {dim} "
            "dimensions of the vectors, so the transform is not determined; use a larger "
            "corpus, a lower min_count, or transform='identity'"
        )
    sw = np.sqrt(weight)[:, None]
    X, _, rank, _ = np.linalg.lstsq(sw * U, sw * V, rcond=None)
    return AlaCarte(
        matrix_=np.ascontiguousarray(X.T),
        n_words_=n_words,
        rank_=int(rank),
        words_=tokens.types[word_types[weight > 0]],
        embeddings=embeddings,
        window=window,
        unit=unit,
        min_count=min_count,
        weighting=weighting,
        stop_words=tuple(sorted(drop)),
    )


def _context_means(
    ctx: Contexts, embeddings: Any, drop: frozenset[str], type_rows: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per occurrence, the mean vector of its usable context tokens (NaN row when none),
    and the number of those tokens."""
    terms, vectors = _vectors(embeddings)
    if type_rows is None:
        type_rows = _type_rows(ctx.matches.tokens.types, _index(embeddings, terms), drop)
    n = ctx.n_occurrences
    col = type_rows[ctx.ids]
    ok = col >= 0
    occ = ctx.occurrence[ok]
    M = sp.csr_matrix(
        (np.ones(len(occ), dtype=np.float64), (occ, col[ok])), shape=(n, len(vectors))
    )
    used = np.bincount(occ, minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.asarray(M @ vectors) / used[:, None]
    means[used == 0] = np.nan
    return means, used


# --------------------------------------------------------------------------- occurrences


@dataclass
class _Occurrences:
    """The embedded occurrences of a target, per document, with the documents' groups."""

    target: str
    window: int
    emb: np.ndarray  # kept occurrences x dim
    doc: np.ndarray  # per kept occurrence, its row in docs
    labels: np.ndarray  # per document (row of docs), its group label
    order: list[str]  # group labels in order
    n_dropped: int
    transform: str
    ctx: Contexts
    terms: np.ndarray
    vectors: np.ndarray
    drop: frozenset[str]

    def doc_sums(self, group: str | None = None, exclude: str | None = None):
        """Documents with kept occurrences (of ``group``, or of every group but
        ``exclude``): their rows in ``docs``, the sums of their occurrences' embeddings
        (n x dim) and their numbers of occurrences."""
        docs = np.unique(self.doc)
        if group is not None:
            docs = docs[self.labels[docs] == group]
        elif exclude is not None:
            docs = docs[self.labels[docs] != exclude]
        where = np.full(len(self.labels), -1, dtype=np.int64)
        where[docs] = np.arange(len(docs))
        pos = where[self.doc]
        inside = np.flatnonzero(pos >= 0)
        n = np.bincount(pos[inside], minlength=len(docs)).astype(np.float64)
        member = sp.csr_matrix(
            (np.ones(len(inside)), (pos[inside], inside)), shape=(len(docs), len(self.doc))
        )
        return docs, np.asarray(member @ self.emb), n


def _check_transform(transform: object) -> None:
    if transform is None or isinstance(transform, AlaCarte):
        return
    if isinstance(transform, str) and transform == "identity":
        return
    if isinstance(transform, np.ndarray) and transform.ndim == 2:
        return
    raise AnalysisError(
        f"transform={transform!r}: give None (learned from the corpus), an AlaCarte from "
        "analysis.context.shift.fit_alacarte, a dim x dim array, or 'identity'"
    )


def _occurrences(
    data: pd.DataFrame | ThemeMatches | Contexts,
    target: Target | None,
    *,
    by: str | Sequence[str] | None,
    embeddings: Any,
    window: int | None,
    unit: str,
    codebook: Codebook | str | Path | None,
    transform: Any,
    stop_words: Any,
    required_by: bool,
) -> _Occurrences:
    _check_transform(transform)
    terms, vectors = _vectors(embeddings)
    drop = stop_word_set(stop_words)
    if isinstance(data, Contexts) and window is not None and window != data.window:
        raise AnalysisError(
            f"window={window!r}: these contexts were found with window={data.window}; drop "
            "window= or find the contexts again"
        )
    if not isinstance(data, Contexts):
        window = check_int("window", 6 if window is None else window, 1)
    ctx = as_contexts(data, target, codebook=codebook, window=window or 6, unit=unit)
    window = ctx.window
    frame = ctx.matches.docs
    cols = check_by(frame, by)
    if required_by and not cols:
        raise AnalysisError("by is required: the column whose groups are compared, e.g. by='year'")
    labels = group_labels(frame, cols).to_numpy()
    order = group_order(frame, cols, pd.Series(labels))
    if ctx.n_occurrences == 0:
        raise AnalysisError(
            f"target={ctx.target!r} does not occur in the corpus; check the spelling or use "
            "a glob such as 'sovereign*'"
        )
    tokens = ctx.matches.tokens
    type_rows = _type_rows(tokens.types, _index(embeddings, terms), drop)
    means, _ = _context_means(ctx, embeddings, drop, type_rows)
    if transform is None:
        fitted = _fit(
            tokens, embeddings, terms, vectors, drop, window, ctx.matches.params["unit"],
            MIN_COUNT, "log", type_rows,
        )  # fmt: skip
        A, how = fitted.matrix_, f"à la carte, learned from {fitted.n_words_} words of the corpus"
    elif isinstance(transform, AlaCarte):
        A, how = transform.matrix_, f"à la carte, given (learned from {transform.n_words_} words)"
    elif isinstance(transform, str):
        A, how = np.eye(vectors.shape[1]), "identity (plain context means)"
    else:
        A, how = np.asarray(transform, dtype=np.float64), "given matrix"
    if A.shape != (vectors.shape[1], vectors.shape[1]):
        raise AnalysisError(
            f"transform: a {A.shape[0]} x {A.shape[1]} matrix for vectors of "
            f"{vectors.shape[1]} dimensions; fit it with these embeddings"
        )
    emb = means @ A.T
    keep = ~np.isnan(emb).any(axis=1)
    return _Occurrences(
        target=ctx.target,
        window=window,
        emb=emb[keep],
        doc=ctx.doc_index[keep],
        labels=labels,
        order=order,
        n_dropped=int((~keep).sum()),
        transform=how,
        ctx=ctx,
        terms=terms,
        vectors=vectors,
        drop=drop,
    )


def _blocks(n_total: int, width: int) -> list[tuple[int, int]]:
    """Consecutive ``[a, b)`` blocks of ``n_total`` rows of ``width`` cells each."""
    step = max(1, _BLOCK_CELLS // max(width, 1))
    return [(a, min(a + step, n_total)) for a in range(0, n_total, step)]


def _boot_means(rng: np.random.Generator, S: np.ndarray, n: np.ndarray, n_boot: int) -> np.ndarray:
    """n_boot x dim occurrence-weighted means of documents resampled with replacement."""
    out = np.empty((n_boot, S.shape[1]))
    for a, b in _blocks(n_boot, len(n)):
        counts = _boot_counts(rng, b - a, len(n))
        out[a:b] = (counts @ S) / (counts @ n)[:, None]
    return out


def _perm_norms(
    rng: np.random.Generator, S: np.ndarray, n: np.ndarray, k: int, n_perm: int
) -> np.ndarray:
    """Norms of mean(first k) - mean(rest) after permuting document labels ``n_perm`` times.

    A permutation is a uniformly random set of ``k`` of the pooled documents (ranks of
    uniform draws below ``k``); each group's mean is its documents' summed embeddings
    over their summed occurrences: two matrix products per block of permutations."""
    total_s, total_n = S.sum(axis=0), n.sum()
    out = np.empty(n_perm)
    for a, b in _blocks(n_perm, len(n)):
        member = _perm_members(rng, b - a, len(n), k).astype(np.float64)
        sg, ng = member @ S, member @ n
        diff = sg / ng[:, None] - (total_s - sg) / (total_n - ng)[:, None]
        out[a:b] = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    return out


def _check_common(n_boot, seed, level, min_docs) -> tuple[int, int, float, int]:
    return (
        check_int("n_boot", n_boot, 0),
        check_int("seed", seed, 0),
        check_level(level),
        check_min_docs(min_docs),
    )


def _check_group(name: str, value: object, occ: _Occurrences, by) -> str:
    g = str(value)
    if g not in set(occ.labels.tolist()):
        shown = ", ".join(occ.order[:12])
        raise AnalysisError(f"{name}={value!r} is not a group of by={by!r}; groups: {shown}")
    if not np.any(occ.labels[occ.doc] == g):
        raise AnalysisError(
            f"{name}={value!r}: the target {occ.target!r} has no embedded occurrence in this "
            "group; pick a group where it occurs"
        )
    return g


# --------------------------------------------------------------------------- shift


def context_shift(
    data: pd.DataFrame | ThemeMatches | Contexts,
    target: Target | None = None,
    *,
    by: str | Sequence[str],
    embeddings: Any,
    reference: object = None,
    window: int | None = None,
    unit: str = "document",
    codebook: Codebook | str | Path | None = None,
    transform: Any = None,
    stop_words: str | Sequence[str] | None = "english",
    n_boot: int = 200,
    n_perm: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    min_docs: int = MIN_DOCS,
) -> pd.DataFrame:
    """How far the target's context in each group is from the reference group's (conText).

    Each occurrence ``i`` of ``target`` gets its à la carte embedding
    ``e_i = A @ u_i`` (``u_i``: mean vector of its context tokens; see
    :meth:`AlaCarte.embed`). The embedding regression of conText (Rodriguez, Spirling &
    Stewart 2023) is ``e_i = beta_0 + sum_g beta_g [group(i) = g] + error``, with the
    reference group's indicator left out. With one categorical regressor the OLS
    solution is ``beta_g = mean_g - mean_ref`` (the mean of ``e_i`` over the occurrences
    of group ``g`` minus that of the reference), so it is computed that way, not by
    solving the least squares problem. ``norm = ||beta_g||`` (Euclidean).

    **Interval**: basic bootstrap interval clustered by document (Davison & Hinkley
    1997, *Bootstrap Methods and their Application*, eq. 5.6): ``n_boot`` times, the
    documents of ``g`` and those of the reference are resampled with replacement
    (separately, keeping all the occurrences of a drawn document) and the norm is
    recomputed; with ``q_lo``, ``q_hi`` the ``(1 - level) / 2`` and ``(1 + level) / 2``
    quantiles of those norms, the interval is ``[max(0, 2 norm - q_hi), 2 norm - q_lo]``.
    **p-value**: permutation test over documents: the group labels of the
    documents of ``g`` and of the reference are permuted (``n_perm`` times, group sizes
    fixed) and ``p = (1 + #{norm_perm >= norm}) / (1 + n_perm)``. Documents, not
    occurrences, are exchangeable under the null: the occurrences of one document share
    its author, topic and register. Every non-reference group is one test, so
    ``p_adjusted`` is Holm's step-down adjustment over the groups of the table (Holm
    1979; :func:`analysis.themes.stats.holm`) and ``supported = p_adjusted <= 1 - level``:
    with twenty years against one, a group is not called different by chance alone.

    **The norm is biased upward**: ``||mean_g - mean_ref||`` is positive even when both
    groups come from the same population (noise in ``dim`` directions adds up), more so
    for small groups, and its bootstrap interval does not cover 0. Read the norm against
    the permutation null (``p_value``), as conText does, not against zero; compare norms
    only between groups of similar size. Each bootstrap replicate adds resampling noise
    in the same way, so the replicates' norms sit above the estimate (a percentile
    interval, as conText reports, can lie entirely above it for a small shift); the basic
    interval reflects the quantiles around the estimate and so corrects that shift to
    first order. It describes the sampling variability of the norm; it is not a test.

    Parameters
    ----------
    data : DataFrame, ThemeMatches or Contexts
        A corpus (:func:`analysis.read_corpus`), or one-theme matches of
        :func:`analysis.context.target_codebook` (reused).
    target : str or list of str
        A word, ``*`` glob, phrase, list, or theme id of ``codebook``
        (:mod:`analysis.context.windows`).
    by : str or list of str
        Grouping column(s) of the corpus; labels as :func:`analysis.grouping.group_labels`.
    embeddings : object with ``.terms`` and ``.vectors``
        Word vectors (:mod:`analysis.context.embeddings`).
    reference : optional
        The reference group; default the first group (in the order of the ``by``
        columns' values) in which the target occurs in at least ``min_docs``
        documents (with ``by="year"``: the first year with enough documents to
        compare against), or, if none has that many, the first in which it occurs.
    window : int, optional
        Word tokens on each side (default 6); contexts from
        :func:`~analysis.context.find_contexts` keep their own.
    unit : {"document", "paragraph", "sentence"}, default "document"
        Windows never cross a unit; the bootstrap and permutations are over documents
        whatever the unit.
    codebook : Codebook or path, optional
        Where a theme id given as ``target`` is looked up.
    transform : None, AlaCarte, array or "identity", default None
        None: :func:`fit_alacarte` on this corpus (same window, unit and stop words,
        ``min_count=5``, log weights). An :class:`AlaCarte` or a ``dim x dim`` array:
        used as given (fit once, reuse across calls). ``"identity"``: plain context
        means, no transform.
    stop_words : "english", list of str or None, default "english"
        Context tokens left out of the means (see :func:`analysis.tokens.stop_word_set`).
    n_boot : int, default 200
        Bootstrap replicates (0: no interval).
    n_perm : int, default 1000
        Permutations (0: no test).
    level : float, default 0.95
    seed : int, default 0
        Results are identical for the same seed; each group's streams are derived from
        the seed and the group's label (so they do not depend on the other groups).
    min_docs : int, default :data:`analysis.evidence.MIN_DOCS`
        A group (or reference) with fewer documents gets no interval and no test.

    Returns
    -------
    DataFrame
        One row per non-reference group in which the target occurs, in group order:
        ``group, reference, n_occurrences, n_docs, n_occurrences_reference,
        n_docs_reference, norm, ci_low, ci_high, p_value, p_adjusted, n_perm, level,
        supported, target, window, norm_null`` (``norm_null``: the mean norm
        over the permutations, what the norm is expected to be with no shift at all;
        NaN without a test). ``attrs``: ``by``, ``reference``,
        ``n_occurrences_reference``, ``n_docs_reference``, ``n_dropped`` (occurrences
        without a usable context token, left out), ``transform``, ``n_boot``,
        ``n_perm``, ``seed``, ``min_docs``, ``level``, ``groups_without_occurrences``.

    Examples
    --------
    >>> emb = analysis.context.embeddings.fit_embeddings(docs)
    >>> shift = context_shift(docs, "sovereignty", by="period", embeddings=emb)
    """
    n_boot, seed, level, min_docs = _check_common(n_boot, seed, level, min_docs)
    n_perm = check_int("n_perm", n_perm, 0)
    occ = _occurrences(
        data, target, by=by, embeddings=embeddings, window=window, unit=unit,
        codebook=codebook, transform=transform, stop_words=stop_words, required_by=True,
    )  # fmt: skip
    if not len(occ.doc):
        raise AnalysisError(
            f"target={occ.target!r}: none of its {occ.n_dropped} occurrences has a context "
            "word with a vector; use a larger window or other embeddings"
        )
    present = set(occ.labels[occ.doc].tolist())
    groups = [g for g in occ.order if g in present]
    if reference is None:
        n_docs = pd.Series(occ.labels[np.unique(occ.doc)]).value_counts()
        ref = next((g for g in groups if n_docs.get(g, 0) >= min_docs), groups[0])
    else:
        ref = _check_group("reference", reference, occ, by)
    r_docs, r_S, r_n = occ.doc_sums(ref)
    r_mean = r_S.sum(axis=0) / r_n.sum()
    r_ok = len(r_docs) >= min_docs
    r_boot = _boot_means(_rng(seed, f"boot:{ref}"), r_S, r_n, n_boot) if r_ok and n_boot else None
    alpha = (1 - level) / 2
    rows = []
    for g in groups:
        if g == ref:
            continue
        g_docs, g_S, g_n = occ.doc_sums(g)
        norm = float(np.linalg.norm(g_S.sum(axis=0) / g_n.sum() - r_mean))
        lo = hi = p = null = np.nan
        if r_ok and len(g_docs) >= min_docs:
            if n_boot:
                g_boot = _boot_means(_rng(seed, f"boot:{g}"), g_S, g_n, n_boot)
                boot = np.linalg.norm(g_boot - r_boot, axis=1)
                q_lo, q_hi = (float(v) for v in np.quantile(boot, [alpha, 1 - alpha]))
                # basic (reverse-percentile) interval: corrects the upward shift that each
                # replicate's resampling noise adds to the norm; a norm is never below 0
                lo, hi = max(0.0, 2 * norm - q_hi), 2 * norm - q_lo
            if n_perm:
                perm = _perm_norms(
                    _rng(seed, f"perm:{ref}:{g}"),
                    np.vstack([g_S, r_S]),
                    np.concatenate([g_n, r_n]),
                    len(g_docs),
                    n_perm,
                )
                extreme = perm >= norm - 1e-12 * max(1.0, norm)
                p = float((1 + extreme.sum()) / (1 + n_perm))
                null = float(perm.mean())
        rows.append(
            {
                "group": g,
                "reference": ref,
                "n_occurrences": int(g_n.sum()),
                "n_docs": len(g_docs),
                "n_occurrences_reference": int(r_n.sum()),
                "n_docs_reference": len(r_docs),
                "norm": norm,
                "ci_low": lo,
                "ci_high": hi,
                "p_value": p,
                "n_perm": n_perm,
                "level": level,
                "supported": False,  # set below, from the Holm-adjusted p-values
                "target": occ.target,
                "window": occ.window,
                "norm_null": null,
            }
        )
    for row, adjusted in zip(rows, holm([r["p_value"] for r in rows]), strict=True):
        row["p_adjusted"] = adjusted
        row["supported"] = bool(adjusted <= 1 - level) if not np.isnan(adjusted) else False
    out = pd.DataFrame(rows, columns=SHIFT_COLUMNS)
    out = out.astype({"n_occurrences": np.int64, "n_docs": np.int64, "supported": bool})
    out.attrs.update(
        {
            "target": occ.target,
            "by": by,
            "reference": ref,
            "n_occurrences_reference": int(r_n.sum()),
            "n_docs_reference": len(r_docs),
            "n_dropped": occ.n_dropped,
            "transform": occ.transform,
            "n_boot": n_boot,
            "n_perm": n_perm,
            "seed": seed,
            "min_docs": min_docs,
            "level": level,
            "window": occ.window,
            "groups_without_occurrences": [g for g in occ.order if g not in present],
        }
    )
    return out


# --------------------------------------------------------------------------- neighbours


def _target_words(occ: _Occurrences) -> set[str]:
    """The words of the target, lower-cased: every matched token type, and every
    vocabulary term that a one-word entry (word or glob) of the target matches."""
    m = occ.ctx.matches
    pos = _ranges(m.start, m.start + m.length)
    words = set(m.tokens.types[np.unique(m.tokens.ids[pos])].tolist()) if len(pos) else set()
    lowered = [str(t).lower() for t in occ.terms.tolist()]
    for entry in m.entries[0]:
        entry = entry.strip().lower()
        if " " in entry:
            continue
        if any(ch in entry for ch in "*?["):
            words.update(fnmatch.filter(lowered, entry))
        else:
            words.add(entry)
    return words


def _candidates(occ: _Occurrences) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the candidate neighbours (not stop words, not the target, non-zero vector)
    and the unit-length vectors of all terms (zero rows stay zero)."""
    norms = np.linalg.norm(occ.vectors, axis=1)
    unit_vectors = occ.vectors / np.where(norms > 0, norms, 1.0)[:, None]
    exclude = _target_words(occ) | set(occ.drop)
    keep = np.fromiter(
        (str(t).lower() not in exclude for t in occ.terms.tolist()),
        dtype=bool,
        count=len(occ.terms),
    )
    return np.flatnonzero(keep & (norms > 0)), unit_vectors


def _unit(x: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(x, axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return x / norm


def _top(scores: np.ndarray, terms: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest scores, by score descending then term."""
    k = min(k, len(scores))
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    # ties at the cut: take every index scoring at least the k-th, then sort and cut
    cut = scores[part].min()
    part = np.flatnonzero(scores >= cut)
    order = np.lexsort((terms[part].astype(str), -scores[part]))
    return part[order][:k]


def context_neighbors(
    data: pd.DataFrame | ThemeMatches | Contexts,
    target: Target | None = None,
    *,
    by: str | Sequence[str] | None,
    embeddings: Any,
    window: int | None = None,
    unit: str = "document",
    codebook: Codebook | str | Path | None = None,
    transform: Any = None,
    stop_words: str | Sequence[str] | None = "english",
    top_n: int = 10,
    n_boot: int = 100,
    level: float = 0.95,
    seed: int = 0,
    min_docs: int = MIN_DOCS,
) -> pd.DataFrame:
    """Per group, the words nearest to the target's mean à la carte embedding.

    For group ``g``, ``m_g`` is the mean of the occurrence embeddings ``e_i`` (see
    :func:`context_shift`) over the group's occurrences, and each candidate word ``w``
    scores ``cos(v_w, m_g) = v_w . m_g / (||v_w|| ||m_g||)``; the ``top_n`` highest are
    listed (ties by term). This is conText's ``nns``. Candidates are all the terms of
    ``embeddings`` except the stop words, the words of the target (its matched tokens
    and the terms its one-word entries and globs match) and zero vectors.

    The interval of each listed similarity is a percentile bootstrap over documents:
    the group's documents are resampled with replacement (all their occurrences kept)
    ``n_boot`` times and ``cos(v_w, m_g*)`` recomputed. The words are chosen on the
    full sample, so the intervals describe the listed words' similarities, not how
    surely each would be listed again.

    Parameters
    ----------
    data, target, embeddings, window, unit, codebook, transform, stop_words
        As for :func:`context_shift`.
    by : str, list of str or None
        Grouping column(s); None: all documents as one group ``"all"``.
    top_n : int, default 10
        Words per group.
    n_boot : int, default 100
        Bootstrap replicates (0: no interval).
    level, seed, min_docs
        As for :func:`context_shift`; a group with fewer than ``min_docs`` documents
        gets its words without intervals.

    Returns
    -------
    DataFrame
        ``group, term, similarity, ci_low, ci_high, rank, n_occurrences, n_docs,
        target``: ``top_n`` rows per group in which the target occurs, groups in order,
        rank 1 the nearest.
    """
    n_boot, seed, level, min_docs = _check_common(n_boot, seed, level, min_docs)
    top_n = check_top_n(top_n, allow_none=False)
    occ = _occurrences(
        data, target, by=by, embeddings=embeddings, window=window, unit=unit,
        codebook=codebook, transform=transform, stop_words=stop_words, required_by=False,
    )  # fmt: skip
    cand, unit_vectors = _candidates(occ)
    W = unit_vectors[cand]
    cand_terms = occ.terms[cand]
    present = set(occ.labels[occ.doc].tolist())
    alpha = (1 - level) / 2
    frames = []
    for g in (g for g in occ.order if g in present):
        docs, S, n = occ.doc_sums(g)
        mean = S.sum(axis=0) / n.sum()
        sims = W @ _unit(mean)
        top = _top(sims, cand_terms, top_n)
        lo = hi = np.full(len(top), np.nan)
        if n_boot and len(docs) >= min_docs:
            boot = _unit(_boot_means(_rng(seed, f"nn:{g}"), S, n, n_boot)) @ W[top].T
            lo, hi = np.quantile(boot, [alpha, 1 - alpha], axis=0)
        frames.append(
            pd.DataFrame(
                {
                    "group": g,
                    "term": cand_terms[top].astype(str),
                    "similarity": sims[top],
                    "ci_low": lo,
                    "ci_high": hi,
                    "rank": np.arange(1, len(top) + 1, dtype=np.int64),
                    "n_occurrences": int(n.sum()),
                    "n_docs": len(docs),
                    "target": occ.target,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)[NEIGHBOR_COLUMNS]
    out.attrs.update(
        {
            "target": occ.target,
            "by": by,
            "level": level,
            "n_boot": n_boot,
            "seed": seed,
            "min_docs": min_docs,
            "n_dropped": occ.n_dropped,
            "transform": occ.transform,
            "window": occ.window,
        }
    )
    return out


def context_contrast(
    data: pd.DataFrame | ThemeMatches | Contexts,
    target: Target | None = None,
    *,
    by: str | Sequence[str],
    target_group: object,
    embeddings: Any,
    reference: object = None,
    window: int | None = None,
    unit: str = "document",
    codebook: Codebook | str | Path | None = None,
    transform: Any = None,
    stop_words: str | Sequence[str] | None = "english",
    top_n: int = 10,
    n_boot: int = 100,
    level: float = 0.95,
    seed: int = 0,
    min_docs: int = MIN_DOCS,
) -> pd.DataFrame:
    """The words that most separate the target's context in two groups.

    With ``m_a`` and ``m_b`` the mean occurrence embeddings of ``target_group`` and
    ``reference`` (see :func:`context_neighbors`), each candidate word scores
    ``diff_w = cos(v_w, m_a) - cos(v_w, m_b)``; the ``top_n`` highest (closer to the
    target group) and the ``top_n`` lowest (closer to the reference) are listed. The
    interval of each listed ``diff_w`` is a percentile bootstrap over documents, each
    group's documents resampled separately; ``supported`` when it excludes 0.

    This is the analogue of conText's ``get_nns_ratio``, which differs in three ways:
    conText takes the *ratio* ``cos(v_w, m_a) / cos(v_w, m_b)`` (unstable when a
    similarity is near 0, undefined in sign when one is negative; a difference is not);
    it scores only the union of the two groups' nearest neighbours (here every candidate
    of :func:`context_neighbors`); and it tests with permutations of occurrences (here
    a bootstrap over documents, for the reason in :mod:`analysis.context.shift`). The
    words are chosen for their large ``diff`` on the full sample, so the intervals of
    the listed words lean away from 0 (a selection effect): read them as descriptions.

    Parameters
    ----------
    target_group : group of ``by``
        The group compared.
    reference : group of ``by``, optional
        Default: all the other documents (labelled ``"all other groups"``).
    data, target, by, embeddings, window, unit, codebook, transform, stop_words, n_boot,
    level, seed, min_docs
        As for :func:`context_shift`; when either side has fewer than ``min_docs``
        documents, no intervals.
    top_n : int, default 10
        Words on each side.

    Returns
    -------
    DataFrame
        ``term, closer_to, diff, similarity_target, similarity_reference, ci_low,
        ci_high, supported, rank, target_group, reference, n_docs_target,
        n_docs_reference, level, target``; the target group's words first (rank 1 the
        largest ``diff``), then the reference's (rank 1 the most negative).
    """
    n_boot, seed, level, min_docs = _check_common(n_boot, seed, level, min_docs)
    top_n = check_top_n(top_n, allow_none=False)
    occ = _occurrences(
        data, target, by=by, embeddings=embeddings, window=window, unit=unit,
        codebook=codebook, transform=transform, stop_words=stop_words, required_by=True,
    )  # fmt: skip
    a = _check_group("target_group", target_group, occ, by)
    if reference is None:
        b = "all other groups"
        b_docs, b_S, b_n = occ.doc_sums(exclude=a)
        if not len(b_docs):
            raise AnalysisError(
                f"target_group={target_group!r}: the target occurs in no other group; "
                "there is nothing to contrast"
            )
    else:
        b = _check_group("reference", reference, occ, by)
        if a == b:
            raise AnalysisError(
                f"target_group and reference are both {a!r}; compare two different groups"
            )
        b_docs, b_S, b_n = occ.doc_sums(b)
    a_docs, a_S, a_n = occ.doc_sums(a)
    cand, unit_vectors = _candidates(occ)
    W = unit_vectors[cand]
    cand_terms = occ.terms[cand]
    sim_a = W @ _unit(a_S.sum(axis=0) / a_n.sum())
    sim_b = W @ _unit(b_S.sum(axis=0) / b_n.sum())
    diff = sim_a - sim_b
    top_a = _top(diff, cand_terms, top_n)
    top_a = top_a[diff[top_a] > 0]  # a word is closer to a side only where diff says so
    top_b = _top(-diff, cand_terms, top_n)
    top_b = top_b[diff[top_b] < 0]
    picked = np.concatenate([top_a, top_b])
    lo = hi = np.full(len(picked), np.nan)
    if n_boot and min(len(a_docs), len(b_docs)) >= min_docs:
        boot_a = _unit(_boot_means(_rng(seed, f"contrast:a:{a}"), a_S, a_n, n_boot))
        boot_b = _unit(_boot_means(_rng(seed, f"contrast:b:{b}"), b_S, b_n, n_boot))
        boot = (boot_a - boot_b) @ W[picked].T
        lo, hi = np.quantile(boot, [(1 - level) / 2, 1 - (1 - level) / 2], axis=0)
    supported = (lo > 0) | (hi < 0)
    out = pd.DataFrame(
        {
            "term": cand_terms[picked].astype(str),
            "closer_to": [a] * len(top_a) + [b] * len(top_b),
            "diff": diff[picked],
            "similarity_target": sim_a[picked],
            "similarity_reference": sim_b[picked],
            "ci_low": lo,
            "ci_high": hi,
            "supported": supported,
            "rank": np.concatenate(
                [np.arange(1, len(top_a) + 1), np.arange(1, len(top_b) + 1)]
            ).astype(np.int64),
            "target_group": a,
            "reference": b,
            "n_docs_target": len(a_docs),
            "n_docs_reference": len(b_docs),
            "level": level,
            "target": occ.target,
        }
    )[CONTRAST_COLUMNS]
    out.attrs.update(
        {
            "target": occ.target,
            "by": by,
            "target_group": a,
            "reference": b,
            "level": level,
            "n_boot": n_boot,
            "seed": seed,
            "min_docs": min_docs,
            "n_dropped": occ.n_dropped,
            "transform": occ.transform,
            "window": occ.window,
        }
    )
    return out
