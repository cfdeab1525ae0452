"""Bag-of-words context comparison: which words surround a target more in one group.

:func:`context_dtm` counts the words inside the context windows of a target
(:func:`analysis.context.windows.find_contexts`) into a document-term matrix with one
row per document that contains the target, the quanteda analogue of
``dfm(tokens_select(toks, pattern, window = w))`` with the target's own tokens removed.
:func:`context_keyness` runs the package's keyness (:func:`analysis.keyness`, log-odds
with an informative Dirichlet prior; Monroe, Colaresi & Quinn 2008, "Fightin' Words",
*Political Analysis* 16(4)) on that matrix and adds a document-level bootstrap interval
for each reported term's score (Efron & Tibshirani 1993, *An Introduction to the
Bootstrap*, Chapman & Hall).

**A token is counted once per document.** Where the windows of two occurrences overlap
("peace and war and peace"), the shared tokens count once, as ``tokens_select(window=)``
keeps each token once; conText's ``tokens_context`` instead makes one pseudo-document
per occurrence and counts them twice. Counting once keeps the counts a sample of the
text rather than of the occurrences, so a document that repeats the target in a short
stretch does not multiply its words.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..compare import KEYNESS_COLUMNS, _group_indicator, critical_z, keyness
from ..dtm import DTM
from ..errors import AnalysisError
from ..evidence import MIN_DOCS, check_min_docs
from ..grouping import group_labels, group_order
from ..themes.codebook import Codebook, entry_tokens
from ..themes.match import ThemeMatches
from ..tokens import WORD_PATTERN, stop_word_set
from ..validation import check_int, check_level, check_top_n
from .windows import Contexts, Target, as_contexts, find_contexts, target_codebook

__all__ = ["context_dtm", "context_keyness", "CONTEXT_KEYNESS_COLUMNS"]

#: Columns of :func:`context_keyness`: those of :func:`analysis.keyness`, then these.
CONTEXT_KEYNESS_COLUMNS = [
    *KEYNESS_COLUMNS,
    "ci_low",
    "ci_high",
    "n_occurrences_target",
    "n_occurrences_reference",
    "window",
    "context_target",
]

#: Bootstrap replicates x terms held in memory at once.
_BLOCK = 4_000_000


def _by_columns(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    cols = [by] if isinstance(by, str) else list(by)
    if not cols or not all(isinstance(c, str) for c in cols):
        raise AnalysisError(f"by={by!r}: give a column name (e.g. by='year') or a list of them")
    return cols


def _check_by(docs: pd.DataFrame, cols: list[str]) -> None:
    for c in cols:
        if c not in docs.columns:
            raise AnalysisError(
                f"by={c!r} is not a column of the corpus; use one of "
                f"{', '.join(map(str, docs.columns[:15]))}"
            )


def _build(
    data: pd.DataFrame | ThemeMatches | Contexts,
    target: Target | None,
    *,
    window: int | None,
    unit: str,
    codebook: Codebook | str | Path | None,
    stop_words: str | Sequence[str] | None,
    by: str | Sequence[str] | None,
) -> tuple[DTM, Contexts]:
    """:func:`context_dtm`, the :class:`Contexts` it was counted from, and the metadata
    of every document of the corpus (for the error messages about groups)."""
    cols = _by_columns(by)
    stops = stop_word_set(stop_words)  # checked before the (longer) matching
    if isinstance(data, Contexts):
        ctx = as_contexts(data, target)
        if window is not None and window != ctx.window:
            raise AnalysisError(
                f"window={window!r}: these contexts were found with window={ctx.window}; drop "
                "window= or find the contexts again"
            )
        all_docs = ctx.matches.docs
    else:
        window = check_int("window", 6 if window is None else window, 1)
        if target is None:
            raise AnalysisError("target: give the word, glob, phrase or theme id to look at")
        if isinstance(data, pd.DataFrame):
            _check_by(data, cols)
            text_cols = [c for c in ("text", "raw_text") if c in data.columns]
            all_docs = data.drop(columns=text_cols).reset_index(drop=True)
            data = _may_hold(data, target_codebook(target, codebook))
        else:
            all_docs = data.docs
        ctx = find_contexts(data, target, codebook=codebook, window=window, unit=unit)
    m = ctx.matches
    _check_by(m.docs, cols)
    if ctx.n_occurrences == 0:
        raise AnalysisError(
            f"the target {ctx.target!r} does not occur in the corpus (unit={m.params['unit']}); "
            "check its spelling, or use a glob such as 'japan*'"
        )
    tokens = m.tokens
    # each context token once, even where the windows of two occurrences overlap
    pos = np.unique(ctx.positions)
    doc_of_unit = m.units["doc_index"].to_numpy().astype(np.int64)
    doc = doc_of_unit[np.searchsorted(tokens.offsets, pos, "right") - 1]
    with_target = np.unique(ctx.doc_index)
    row_of_doc = np.full(len(m.docs), -1, dtype=np.int64)
    row_of_doc[with_target] = np.arange(len(with_target))
    row = row_of_doc[doc]
    n_rows = len(with_target)
    n_tokens = np.bincount(row, minlength=n_rows).astype(np.int64)
    n_occ = np.bincount(row_of_doc[ctx.doc_index], minlength=n_rows).astype(np.int64)
    types = tokens.types
    ids = tokens.ids[pos].astype(np.int64)
    if stops:
        is_stop = np.fromiter((t in stops for t in types), dtype=bool, count=len(types))
        keep = ~is_stop[ids]
        ids, row = ids[keep], row[keep]
    used = np.unique(ids)
    if not len(used):
        raise AnalysisError(
            f"the context windows of {ctx.target!r} hold no word after stop-word removal; "
            "widen window= or pass stop_words=None"
        )
    used_str = np.asarray(types, dtype=object)[used]
    order = np.asarray(sorted(range(len(used)), key=used_str.__getitem__), dtype=np.int64)
    terms = used_str[order]
    col_of_type = np.full(len(types), -1, dtype=np.int64)
    col_of_type[used[order]] = np.arange(len(used))
    matrix = sp.csr_matrix(
        (np.ones(len(ids), dtype=np.int64), (row, col_of_type[ids])),
        shape=(n_rows, len(terms)),
    )
    matrix.sum_duplicates()
    docs = m.docs.iloc[with_target].reset_index(drop=True)
    for name, value, at in (("unit_id", docs["doc_id"].astype(str), 1), ("unit_index", 0, 2)):
        if name in docs.columns:
            docs = docs.drop(columns=name)
        docs.insert(at, name, value)
    docs["n_tokens"] = n_tokens
    docs["n_occurrences"] = n_occ
    params = dict(
        unit="document",
        ngram_range=(1, 1),
        stem=False,
        stop_words=stop_words if isinstance(stop_words, str | None) else list(stop_words),
        min_df=1,
        max_df=1.0,
        token_pattern=WORD_PATTERN,
        lowercase=True,
        phrases=None,
        extra_stop_words=None,
        target=ctx.target,
        window=ctx.window,
        window_unit=m.params["unit"],
    )
    dtm = DTM(matrix=matrix.tocsr(), terms=terms, docs=docs, keys=terms, params=params)
    return dtm, ctx, all_docs


def _may_hold(corpus: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """The documents of ``corpus`` whose lower-cased text contains, for some entry of the
    target, that entry's longest literal run (the text between ``*``); only they can hold
    an occurrence. Windows never cross a document, so matching only them gives the same
    contexts, without tokenizing the documents that cannot hold the target."""
    if len(corpus) == 0 or "text" not in corpus.columns:
        return corpus  # match_themes says what is wrong
    literals = []
    for entry in codebook.themes[0].entries:
        pieces = [p for tok in entry_tokens(entry) for p in tok.split("*") if p]
        if not pieces:
            return corpus
        literals.append(max(pieces, key=len))
    literals = list(dict.fromkeys(literals))
    keep = np.fromiter(
        (isinstance(t, str) and any(lit in t.lower() for lit in literals) for t in corpus["text"]),
        dtype=bool,
        count=len(corpus),
    )
    if keep.all() or not keep.any():
        return corpus  # nothing to save, or let the matcher find no occurrence
    return corpus[keep]


def context_dtm(
    data: pd.DataFrame | ThemeMatches | Contexts,
    target: Target | None = None,
    *,
    window: int | None = None,
    unit: str = "document",
    codebook: Codebook | str | Path | None = None,
    stop_words: str | Sequence[str] | None = "english",
    by: str | Sequence[str] | None = None,
) -> DTM:
    """The words around ``target``, counted per document, as a document-term matrix.

    For each document that contains the target, the row counts the word tokens inside
    the context windows of the target's occurrences in it
    (:func:`~analysis.context.windows.find_contexts`: ``window`` tokens on each side,
    clipped at the unit, the target's own tokens left out), each token position once
    even where two windows overlap, after dropping stop words. Tokens are the package's
    word tokens (maximal runs of ``\\w``, lower-cased; :mod:`analysis.tokens`), so
    one-letter tokens and numbers are terms too unless they are stop words. The quanteda
    analogue is ``dfm(tokens_remove(tokens_select(toks, target, window = w), target))``.

    Parameters
    ----------
    data : DataFrame, ThemeMatches or Contexts
        A corpus (:func:`analysis.read_corpus`), the matches of the one-theme codebook
        of :func:`analysis.context.windows.target_codebook`, or the contexts of
        :func:`~analysis.context.find_contexts` (then ``target`` may be left out).
    target : str or list of str
        A word, ``*`` glob, phrase, list of them, or a theme id of ``codebook``
        (:mod:`analysis.context.windows`).
    window : int, optional
        Word tokens on each side of an occurrence (at least 1; default 6); contexts
        from :func:`~analysis.context.find_contexts` keep their own.
    unit : {"document", "paragraph", "sentence"}, default "document"
        Windows never cross a unit; rows are documents whatever the unit.
    codebook : Codebook or path, optional
        Where a theme id given as ``target`` is looked up.
    stop_words : "english", list of str or None, default "english"
        Dropped from the counts, as :func:`analysis.build_dtm` drops them
        (:func:`analysis.tokens.stop_word_set`).
    by : str or list of str, optional
        Grouping column(s) the caller will use; checked to be corpus columns.

    Returns
    -------
    DTM
        The :mod:`analysis.dtm` contract: ``matrix`` (CSR int64, documents x terms),
        ``terms`` = ``keys`` (sorted as :func:`analysis.build_dtm` sorts them), ``docs``
        (``doc_id``, ``unit_id``, ``unit_index``, the corpus metadata, ``n_tokens`` and
        ``n_occurrences``), ``params``. ``n_tokens`` of a row is its number of context
        tokens *before* stop-word removal, so every ``rate_per_1k`` computed from it is per
        1,000 context tokens; ``n_occurrences`` is the number of occurrences of the
        target in the document. Rows in corpus order.

    Raises
    ------
    AnalysisError
        When the target does not occur, or its windows hold no word after stop-word
        removal.
    """
    dtm, _, _ = _build(
        data, target, window=window, unit=unit, codebook=codebook, stop_words=stop_words, by=by
    )
    return dtm


def _log_odds(y_t, n_t, y_r, n_r, a, alpha0):
    """``delta`` of :func:`analysis.keyness` (log-odds with informative Dirichlet prior)."""
    return np.log((y_t + a) / (n_t + alpha0 - y_t - a)) - np.log(
        (y_r + a) / (n_r + alpha0 - y_r - a)
    )


def _boot_weights(rng: np.random.Generator, n: int, n_boot: int) -> np.ndarray:
    """``(n_boot, n)`` int64: how often each of ``n`` documents is drawn in each replicate."""
    draws = rng.integers(0, n, size=(n_boot, n))
    flat = (np.arange(n_boot, dtype=np.int64)[:, None] * n + draws).ravel()
    return np.bincount(flat, minlength=n_boot * n).reshape(n_boot, n)


def _side_rows(values: Any, groups: np.ndarray, all_groups: np.ndarray, by, name: str, target):
    """Rows of ``groups`` (the groups with the target) named by ``values``, with errors
    that tell a value missing from the corpus from one whose documents lack the target."""
    wanted = values if isinstance(values, list | tuple | np.ndarray | pd.Index) else [values]
    wanted = list(wanted)
    if not wanted:
        raise AnalysisError(f"{name}=[]: give at least one value of column {by!r}")
    as_str = {str(g): i for i, g in reversed(list(enumerate(groups)))}
    all_str = {str(g) for g in all_groups}
    rows = []
    for v in wanted:
        hit = [i for i, g in enumerate(groups) if g == v] or (
            [as_str[str(v)]] if str(v) in as_str else []
        )
        if hit:
            rows.append(hit[0])
            continue
        if any(g == v for g in all_groups) or str(v) in all_str:
            shown = ", ".join(map(str, groups[:20])) + (", ..." if len(groups) > 20 else "")
            raise AnalysisError(
                f"{name}={v}: no document with {by}={v} contains the target {target!r}; "
                f"the values whose documents contain it are {shown}"
            )
        shown = ", ".join(map(str, all_groups[:20])) + (", ..." if len(all_groups) > 20 else "")
        raise AnalysisError(f"{name}={v} is not a value of column {by!r}; its values are {shown}")
    return np.unique(np.asarray(rows, dtype=np.int64))


def _all_groups(docs: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """The groups of the whole corpus (not only the documents with the target), sorted."""
    if len(cols) == 1:
        _, values = pd.factorize(docs[cols[0]], sort=True)
        return np.asarray(values, dtype=object)
    labels = group_labels(docs, cols)
    return np.asarray(group_order(docs, cols, labels), dtype=object)


def _keyness_on(
    dtm: DTM,
    ctx: Contexts,
    all_docs: pd.DataFrame,
    *,
    by: str | list[str],
    target_group: Any,
    reference: Any,
    alpha0: float,
    top_n: int | None,
    n_boot: int,
    level: float,
    seed: int,
    min_docs: int,
) -> pd.DataFrame:
    """:func:`context_keyness` on a context DTM built by :func:`_build`."""
    cols = _by_columns(by)
    if not cols:
        raise AnalysisError("by=None: context keyness needs a grouping column, e.g. by='year'")
    by_arg = cols[0] if isinstance(by, str) else cols
    z_crit = critical_z(level)
    groups, indicator, _ = _group_indicator(dtm, by_arg)
    groups = np.asarray(groups, dtype=object)
    all_groups = _all_groups(all_docs, cols)
    by_name = by if isinstance(by, str) else " | ".join(cols)
    t_rows = _side_rows(target_group, groups, all_groups, by_name, "target_group", ctx.target)
    if reference is None:
        r_rows = np.setdiff1d(np.arange(len(groups)), t_rows)
        if not len(r_rows):
            raise AnalysisError(
                f"every document that contains {ctx.target!r} is in target_group="
                f"{target_group}; nothing is left as reference (the target occurs only there)"
            )
    else:
        r_rows = _side_rows(reference, groups, all_groups, by_name, "reference", ctx.target)
    counted = np.asarray(dtm.matrix.sum(axis=1)).ravel().astype(np.int64)
    member = indicator.tocsr()
    in_t = np.asarray(member[t_rows].sum(axis=0)).ravel() > 0
    in_r = np.asarray(member[r_rows].sum(axis=0)).ravel() > 0
    for side, mask, values in (
        ("target_group", in_t, target_group),
        ("reference", in_r, reference),
    ):
        if counted[mask].sum() == 0:
            shown = "the other groups" if values is None else values
            raise AnalysisError(
                f"{side}={shown}: the context windows of {ctx.target!r} there hold no word "
                "after stop-word removal; widen window= or pass stop_words=None"
            )
    table = keyness(
        dtm,
        by=by_arg,
        target=target_group,
        reference=reference,
        measure="log_odds_dirichlet",
        top_n=top_n,
        alpha0=alpha0,
        level=level,
    )
    docs_t, docs_r = np.flatnonzero(in_t), np.flatnonzero(in_r)
    k = len(table)
    ci_low = np.full(k, np.nan)
    ci_high = np.full(k, np.nan)
    enough = len(docs_t) >= min_docs and len(docs_r) >= min_docs
    if enough and k:
        col = pd.Index(dtm.terms).get_indexer(table["term"])
        corpus = np.asarray(dtm.matrix.sum(axis=0), dtype=np.float64).ravel()
        a_all = alpha0 * corpus[col] / corpus.sum()  # the prior, held fixed
        x_t, x_r = dtm.matrix[docs_t], dtm.matrix[docs_r]
        rng_t, rng_r = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
        w_t = _boot_weights(rng_t, len(docs_t), n_boot)
        w_r = _boot_weights(rng_r, len(docs_r), n_boot)
        n_t = (w_t @ counted[docs_t]).astype(np.float64)[:, None]  # totals over all terms
        n_r = (w_r @ counted[docs_r]).astype(np.float64)[:, None]
        q = [(1.0 - level) / 2.0, 1.0 - (1.0 - level) / 2.0]
        step = max(1, _BLOCK // n_boot)
        for lo in range(0, k, step):
            c = col[lo : lo + step]
            y_t = np.asarray(x_t[:, c].T @ w_t.T, dtype=np.float64).T  # n_boot x block
            y_r = np.asarray(x_r[:, c].T @ w_r.T, dtype=np.float64).T
            delta = _log_odds(y_t, n_t, y_r, n_r, a_all[lo : lo + step], alpha0)
            ci_low[lo : lo + step], ci_high[lo : lo + step] = np.quantile(delta, q, axis=0)
    occ = dtm.docs["n_occurrences"].to_numpy()
    table["ci_low"] = ci_low
    table["ci_high"] = ci_high
    table["n_occurrences_target"] = int(occ[docs_t].sum())
    table["n_occurrences_reference"] = int(occ[docs_r].sum())
    table["window"] = ctx.window
    table["context_target"] = ctx.target
    excludes_zero = (ci_low > 0) | (ci_high < 0)  # NaN compares False
    table["supported"] = (np.abs(table["z"].to_numpy()) >= z_crit) & excludes_zero & enough
    table.attrs.update(
        {
            "target": ctx.target,
            "window": ctx.window,
            "level": float(level),
            "n_boot": n_boot,
            "seed": seed,
            "min_docs": min_docs,
            "by": by,
        }
    )
    return table


def context_keyness(
    data: pd.DataFrame | ThemeMatches | Contexts,
    target: Target | None = None,
    *,
    by: str | list[str],
    target_group: Any,
    reference: Any = None,
    window: int | None = None,
    unit: str = "document",
    codebook: Codebook | str | Path | None = None,
    stop_words: str | Sequence[str] | None = "english",
    alpha0: float = 1000.0,
    top_n: int | None = 20,
    n_boot: int = 500,
    level: float = 0.95,
    seed: int = 0,
    min_docs: int = MIN_DOCS,
) -> pd.DataFrame:
    """Words that surround ``target`` more in one group than in the others, with intervals.

    The context counts of :func:`context_dtm` (one row per document containing the
    target) go into :func:`analysis.keyness` with the log-odds ratio with an informative
    Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin' Words", *Political
    Analysis* 16(4), eq. 16-22), the prior built from all context counts (every document
    with the target, whatever its group). With ``y_t``, ``y_r`` a term's context counts
    on the two sides, ``n_t``, ``n_r`` the sides' totals over all terms and
    ``a_i = alpha0 * c_i / sum_j c_j``::

        delta_i  = ln((y_t + a_i) / (n_t + alpha0 - y_t - a_i))
                   - ln((y_r + a_i) / (n_r + alpha0 - y_r - a_i))
        z_i      = delta_i / sqrt(1 / (y_t + a_i) + 1 / (y_r + a_i))

    ``score`` is ``delta``. The z-score treats every context token as an independent
    draw, which it is not: words cluster by document (one speech repeats its phrasing
    around the target). So each reported term also gets a **document-level bootstrap
    interval** (Efron & Tibshirani 1993, *An Introduction to the Bootstrap*, ch. 13,
    percentile interval): in each of ``n_boot`` replicates the documents of the target
    side are resampled with replacement, and separately those of the reference side
    (a stratified cluster bootstrap: a document's context words travel together),
    ``delta`` is recomputed from the resampled counts and totals with the prior ``a``
    held fixed, and ``ci_low``, ``ci_high`` are the ``(1 - level) / 2`` and
    ``1 - (1 - level) / 2`` quantiles of the replicates. The interval reflects how much
    the score depends on which documents happen to be in the sample; it does not
    reflect the choice of ``window``, ``alpha0`` or stop words.

    ``supported`` is ``|z| >= critical_z(level)`` **and** the interval excludes 0
    **and** both sides hold at least ``min_docs`` documents with the target. Below
    ``min_docs`` documents on a side there is no interval (NaN) and nothing is
    supported: a percentile interval from a handful of documents restates their extremes
    and its nominal coverage does not hold (:mod:`analysis.evidence`; Hall 1992, *The
    Bootstrap and Edgeworth Expansion*, ch. 3); such a table describes those documents,
    it compares no groups.

    Parameters
    ----------
    data : DataFrame, ThemeMatches or Contexts
        A corpus (:func:`analysis.read_corpus`), the target's matches, or its contexts
        (:func:`~analysis.context.find_contexts`; then ``target`` may be left out).
    target : str or list of str
        A word, ``*`` glob, phrase, list of them, or a theme id of ``codebook``.
    by : str or list of str
        Document column(s) that define the groups, e.g. ``"year"`` or ``"country"``.
    target_group : value or list of values
        Group(s) of ``by`` pooled as the target side (``2015``, ``["CHN", "RUS"]``).
    reference : value, list of values or None, default None
        Group(s) pooled as the reference; None takes every other group whose documents
        contain the target.
    window : int, optional
        Word tokens on each side of an occurrence (default 6); contexts from
        :func:`~analysis.context.find_contexts` keep their own.
    unit : {"document", "paragraph", "sentence"}, default "document"
        Windows never cross a unit.
    codebook : Codebook or path, optional
        Where a theme id given as ``target`` is looked up.
    stop_words : "english", list of str or None, default "english"
    alpha0 : float, default 1000
        Total prior pseudo-count (:func:`analysis.keyness`).
    top_n : int or None, default 20
        Terms on each side (largest and smallest ``z``); None: every context term
        (intervals for all of them: ``n_boot`` x terms work).
    n_boot : int, default 500
        Bootstrap replicates (at least 10; 500 or more for a 95% interval).
    level : float, default 0.95
        Level of the interval and of the noise floor ``critical_z(level)``.
    seed : int, default 0
        Seed of the resampling; the same seed gives the same table, bit for bit.
    min_docs : int, default :data:`analysis.evidence.MIN_DOCS`
        Fewest documents with the target on each side for an interval.

    Returns
    -------
    DataFrame
        The columns of :func:`analysis.keyness` (``term, score, z, p, count_target,
        count_reference, rate_target, rate_reference, measure, target, reference,
        n_docs_target, n_docs_reference, level, supported``; counts and rates of context
        words, rates per 1,000 context tokens, ``n_docs_*`` the documents containing the
        target) then ``ci_low, ci_high, n_occurrences_target, n_occurrences_reference,
        window, context_target`` (the target's label). Sorted by ``z`` descending.
        ``attrs``: ``target``, ``window``, ``level``, ``n_boot``, ``seed``,
        ``min_docs``, ``by``.

    Examples
    --------
    >>> analysis.context_keyness(docs, "sovereign*", by="country", target_group="CHN",
    ...                          reference="USA", window=8)
    """
    if window is not None:
        window = check_int("window", window, 1)
    top_n = check_top_n(top_n)
    n_boot = check_int("n_boot", n_boot, 10)
    seed = check_int("seed", seed, 0)
    level = check_level(level)
    min_docs = check_min_docs(min_docs)
    if not _by_columns(by):
        raise AnalysisError("by=None: context keyness needs a grouping column, e.g. by='year'")
    if not isinstance(alpha0, int | float) or isinstance(alpha0, bool) or not alpha0 > 0:
        raise AnalysisError(f"alpha0={alpha0!r}: give a positive number of prior pseudo-counts")
    dtm, ctx, all_docs = _build(
        data, target, window=window, unit=unit, codebook=codebook, stop_words=stop_words, by=by
    )
    return _keyness_on(
        dtm,
        ctx,
        all_docs,
        by=by,
        target_group=target_group,
        reference=reference,
        alpha0=float(alpha0),
        top_n=top_n,
        n_boot=n_boot,
        level=level,
        seed=seed,
        min_docs=min_docs,
    )
