"""Term frequencies by group and keyness between groups.

Both work on the group sums of a :class:`analysis.dtm.DTM` (:func:`analysis.group_counts`)
with vectorised numpy/scipy operations over the whole vocabulary.
:func:`keyness_agreement` compares the top terms of the keyness measures.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from .concordance import _QUERY_WORD_RE, query_regex
from .dtm import DTM
from .errors import AnalysisError
from .keywords import grouped_counts, grouped_doc_counts, sorted_strings, term_order
from .validation import check_choice, check_level, check_top_n, renamed

__all__ = [
    "term_frequencies",
    "keyness",
    "keyness_agreement",
    "critical_z",
    "MEASURES",
    "MEASURE_NAMES",
]

MEASURES = ("log_odds_dirichlet", "log_likelihood", "chi2")

#: How sentences and figure titles name each keyness measure.
MEASURE_NAMES = {
    "log_odds_dirichlet": "log-odds with informative Dirichlet prior",
    "log_likelihood": "log-likelihood G²",
    "chi2": "Pearson's chi²",
}

FREQUENCY_COLUMNS = ["group", "term", "count", "tokens", "rate_per_1k"]
KEYNESS_COLUMNS = [
    "term",
    "score",
    "z",
    "p",
    "count_target",
    "count_reference",
    "rate_target",
    "rate_reference",
    "measure",
    "target",
    "reference",
    "n_docs_target",
    "n_docs_reference",
    "level",
    "supported",
]


def critical_z(level: float = 0.95) -> float:
    """The two-sided critical value ``z_crit = Phi^-1(1 - (1 - level) / 2)`` (1.959964 at 0.95).

    ``|z| >= z_crit`` is the same event as ``p <= 1 - level`` for the two-sided normal
    p-value of a z-score and for ``P(chi2(1) > z^2)``, so one threshold serves every
    keyness measure.
    """
    level = check_level(level)
    return float(stats.norm.ppf(1.0 - (1.0 - level) / 2.0))


class _Lookup:
    """``str(value) -> index`` of an array, the last index when a string repeats."""

    def __init__(self, values: np.ndarray):
        self._sorted = sorted_strings(values)
        self._dict = None if self._sorted is not None else {str(t): i for i, t in enumerate(values)}

    def get(self, s: str) -> int | None:
        if self._dict is not None:
            return self._dict.get(s)
        i = bisect.bisect_left(self._sorted, s)
        return i if i < len(self._sorted) and self._sorted[i] == s else None


def _glob_matches(terms: np.ndarray, glob: str, rx: re.Pattern[str]) -> list[int]:
    """Indices of the terms ``rx`` matches whole (``rx = query_regex(glob)``).

    Every such term contains the longest literal run of one of the glob's words
    (case-insensitively, as ``rx`` matches), so only the terms where a search of the
    joined vocabulary finds that run are tried with ``rx``.
    """
    literals = [
        lit for part in _QUERY_WORD_RE.findall(glob) for lit in re.split(r"[*?]", part) if lit
    ]
    items = terms.tolist()
    if not literals or not all(type(t) is str and "\n" not in t for t in items):
        return [i for i, term in enumerate(items) if rx.fullmatch(str(term))]
    literal = max(literals, key=len)
    joined = "\n".join(items)
    starts = np.zeros(len(items), dtype=np.int64)
    np.cumsum(
        np.fromiter(map(len, items[:-1]), dtype=np.int64, count=len(items) - 1) + 1, out=starts[1:]
    )
    hits = [m.start() for m in re.finditer(re.escape(literal), joined, re.IGNORECASE)]
    del joined
    lines = np.unique(np.searchsorted(starts, np.asarray(hits, dtype=np.int64), side="right") - 1)
    return [int(i) for i in lines if rx.fullmatch(items[i])]


def _term_index(dtm: DTM, terms: str | Sequence[str]) -> np.ndarray:
    """Column indices of ``terms``: display forms, internal keys, or globs.

    A term with ``*`` or ``?`` is a glob (:func:`analysis.concordance.query_regex`
    syntax) and stands for every DTM term it matches whole, in alphabetical order.
    """
    if isinstance(terms, str):
        terms = [terms]
    terms = list(terms)
    if not terms:
        raise AnalysisError("terms=[]: give at least one term, or None for all terms")
    display = keys = None
    idx, unknown = [], []
    for t in terms:
        s = str(t)
        if "*" in s or "?" in s:
            rx = query_regex(s)
            found = _glob_matches(np.asarray(dtm.terms, dtype=object), s, rx)
            found.sort(key=lambda i: str(dtm.terms[i]))
            idx.extend(found)
            if not found:
                unknown.append(s)
            continue
        if display is None:
            display = _Lookup(dtm.terms)
        i = display.get(s)
        if i is None:
            i = display.get(s.lower())
        if i is None:
            if keys is None:
                keys = display if dtm.keys is dtm.terms else _Lookup(dtm.keys)
            i = keys.get(s)
            if i is None:
                i = keys.get(s.lower())
        if i is None:
            unknown.append(s)
        else:
            idx.append(i)
    if unknown:
        raise AnalysisError(
            f"terms not in the document-term matrix: {', '.join(map(repr, unknown))}; "
            "check the spelling, stop words, min_df and ngram_range of build_dtm"
        )
    return np.asarray(list(dict.fromkeys(idx)), dtype=np.int64)


def _group_indicator(
    dtm: DTM, by: str | list[str] | None
) -> tuple[np.ndarray, sp.csr_matrix, np.ndarray]:
    """:func:`analysis.keywords.grouped_counts` of the units instead of the terms.

    Returns ``groups, indicator, n_tokens`` where ``indicator`` (groups x units, 0/1)
    says which units each group sums: ``grouped_counts(dtm, by)[1]`` equals
    ``indicator @ dtm.matrix``. The same checks and group order, without the product
    over the whole vocabulary.
    """
    n = dtm.matrix.shape[0]
    units = DTM(
        matrix=sp.identity(n, dtype=np.int64, format="csr"),
        terms=np.arange(n),
        docs=dtm.docs,
        keys=np.arange(n),
        params=dtm.params,
    )
    groups, indicator, n_tokens = grouped_counts(units, by)
    return groups, indicator.tocsr(), n_tokens


def _column_sums(dtm: DTM, weights: np.ndarray) -> np.ndarray:
    """``weights @ dtm.matrix`` as float64 (exact for integer counts below 2**53)."""
    return np.asarray(dtm.matrix.T @ np.asarray(weights, dtype=np.int64), dtype=np.float64).ravel()


def term_frequencies(
    dtm: DTM, *, by: str | list[str] | None = None, terms: str | Sequence[str] | None = None
) -> pd.DataFrame:
    """Counts and rates per 1,000 tokens of terms in each group.

    ``rate_per_1k = 1000 * count / tokens`` where ``tokens`` is the number of word
    tokens of the group before stop-word removal (the sum of ``dtm.docs["n_tokens"]``;
    a word token is a maximal run of ``\\w`` characters, see :mod:`analysis.tokens`),
    so rates of different groups, and of unigrams and phrases, share one denominator.

    Parameters
    ----------
    dtm : DTM
        From :func:`analysis.build_dtm`.
    by : str, list of str or None, default None
        Column(s) of ``dtm.docs`` to group by (``"year"``, ``"source"``, ...; several:
        their combinations, labelled ``"a | b"``); None gives one group per unit
        (``unit_id``).
    terms : str, list of str or None, default None
        Display forms (or, with stemming, stems) to report, phrases as the DTM spells
        them (``"shared future"``), or globs as in :func:`analysis.kwic`
        (``"multilateral*"`` expands to every DTM term it matches, alphabetically).
        Each requested term gets a row for every group, zeros included, in the order
        given (a term asked twice is reported once). None reports every
        term with a non-zero count in a group (sparse), by count descending then term.

    Returns
    -------
    DataFrame
        ``group, term, count, tokens, rate_per_1k, n_docs``, by group (sorted labels,
        or unit order when ``by`` is None); ``n_docs`` is the number of documents in
        the group (whatever the unit), so figures can tell a group of a few documents
        from a summary of many (:mod:`analysis.evidence`).
    """
    if terms is not None:
        # only the requested columns are grouped (same sums as grouping every term)
        groups, indicator, n_tokens = _group_indicator(dtm, by)
        idx = _term_index(dtm, terms)
        sub = (indicator @ dtm.matrix.tocsr()[:, idx]).toarray().astype(np.int64)
    else:
        groups, counts, n_tokens = grouped_counts(dtm, by)
        counts = counts.tocsr()
        counts.sum_duplicates()
    n_docs = np.asarray(grouped_doc_counts(dtm, by), dtype=np.int64)
    tokens = np.asarray(n_tokens, dtype=np.int64)
    groups = np.asarray(groups, dtype=object)
    if terms is not None:
        g = np.repeat(np.arange(len(groups)), len(idx))
        cnt = sub.ravel()
        term = np.tile(np.asarray(dtm.terms, dtype=object)[idx], len(groups))
    else:
        g = np.repeat(np.arange(len(groups)), np.diff(counts.indptr))
        cols = counts.indices
        cnt = counts.data.astype(np.int64)
        order = np.lexsort((term_order(dtm.terms)[cols], -cnt, g))
        g, cols, cnt = g[order], cols[order], cnt[order]
        term = np.asarray(dtm.terms, dtype=object)[cols]
    tok = tokens[g]
    rate = np.divide(1000.0 * cnt, tok, out=np.full(len(cnt), np.nan), where=tok > 0)
    return pd.DataFrame(
        {
            "group": groups[g],
            "term": term,
            "count": cnt,
            "tokens": tok,
            "rate_per_1k": rate,
            "n_docs": n_docs[g],
        }
    )


def _as_list(value: Any) -> list:
    if isinstance(value, str) or not isinstance(value, Sequence | np.ndarray | pd.Index):
        return [value]
    return list(value)


def _resolve(values: Any, groups: np.ndarray, by: str, name: str) -> np.ndarray:
    """Row indices of ``values`` among ``groups``; matches by value, then by str()."""
    wanted = _as_list(values)
    if not wanted:
        raise AnalysisError(f"{name}=[]: give at least one value of column {by!r}")
    as_str = {}
    for i, g in enumerate(groups):
        as_str.setdefault(str(g), i)
    rows, unknown = [], []
    for v in wanted:
        hit = [i for i, g in enumerate(groups) if g == v]
        if not hit and str(v) in as_str:
            hit = [as_str[str(v)]]
        if hit:
            rows.append(hit[0])
        else:
            unknown.append(str(v))
    if unknown:
        shown = ", ".join(map(str, groups[:20])) + (", ..." if len(groups) > 20 else "")
        raise AnalysisError(
            f"{name}={', '.join(unknown)} is not a value of column {by!r}; its values are {shown}"
        )
    return np.unique(np.asarray(rows, dtype=np.int64))


def _plural(by: str | list[str]) -> str:
    """A grouping column's name in the plural, for labels: ``source`` -> ``sources``.

    Several columns, or a name already ending in ``s``, read ``groups`` /
    ``<name> values`` so the label never invents a wrong plural.
    """
    if not isinstance(by, str):
        return "groups"
    name = by.replace("_", " ").strip() or "group"
    if name.endswith("s"):
        return f"{name} values"
    if name.endswith("y") and len(name) > 1 and name[-2] not in "aeiou":
        return name[:-1] + "ies"
    if name.endswith(("x", "z", "ch", "sh")):
        return name + "es"
    return name + "s"


def _label(groups: np.ndarray, rows: np.ndarray, *, rest: bool, by: str | list[str]) -> str:
    """A readable name for the pooled groups ``rows`` of ``groups``.

    One group: its value. The rest of the groups (``reference=None``) with several
    groups: ``the other 4 sources``. Groups named by the caller: ``2010+2020`` for up to
    three, ``the 78 years 1946 to 2023`` beyond (first and last in sort order).
    """
    values = [str(g) for g in groups[rows]]
    if len(values) == 1:
        return values[0]
    if rest:
        return f"the other {len(values)} {_plural(by)}"
    if len(values) <= 3:
        return "+".join(values)
    return f"the {len(values)} {_plural(by)} {values[0]} to {values[-1]}"


@renamed(top="top_n")
def keyness(
    dtm: DTM,
    *,
    by: str | list[str],
    target: Any,
    reference: Any = None,
    measure: str = "log_odds_dirichlet",
    top_n: int | None = None,
    alpha0: float = 1000.0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Terms over- and under-represented in a target group against a reference.

    The counts of the target group(s) and the reference group(s) are summed over their
    units. For each term ``i``, ``y_t``, ``y_r`` are its counts in target and reference.

    ``measure="log_odds_dirichlet"`` (default): the log-odds ratio with an informative
    Dirichlet prior of Monroe, Colaresi & Quinn (2008, "Fightin' Words", *Political
    Analysis* 16(4), eq. 16-22). With ``n_t = sum_i y_t``, ``n_r = sum_i y_r`` the term
    totals of the two sides (after stop-word removal), and the prior
    ``alpha_i = alpha0 * c_i / sum_j c_j`` built from the corpus-wide counts ``c`` (all
    groups of the DTM)::

        delta_i  = ln((y_t + a_i) / (n_t + alpha0 - y_t - a_i))
                   - ln((y_r + a_i) / (n_r + alpha0 - y_r - a_i))
        sigma2_i = 1 / (y_t + a_i) + 1 / (y_r + a_i)
        z_i      = delta_i / sqrt(sigma2_i)

    ``score`` is ``delta`` (the shrunken log-odds ratio), ``z`` its z-score, and ``p``
    the two-sided normal p-value of ``z``. ``alpha0`` (default 1000 pseudo-counts) sets
    the strength of the prior: larger values shrink rare terms harder toward zero.

    ``measure="log_likelihood"``: Dunning's (1993) G² on the 2x2 table of the term
    against all other tokens, with corpus sizes ``N_t``, ``N_r`` = tokens before
    stop-word removal (the summed ``n_tokens``: maximal runs of ``\\w``, see
    :mod:`analysis.tokens`)::

        O = [[y_t, y_r], [N_t - y_t, N_r - y_r]],  E_jk = row_j * col_k / N
        G2 = 2 * sum O_jk * ln(O_jk / E_jk)      (0 * ln 0 = 0)

    ``measure="chi2"``: Pearson's chi² on the same table without continuity correction,
    ``N (ad - bc)² / ((a+b)(c+d)(a+c)(b+d))``. For both, ``score`` is the statistic
    signed by direction (positive: higher rate in the target), ``z = sign * sqrt(stat)``
    (the signed root, standard normal under the null) and ``p = P(chi²(1) > stat)``.

    **The noise floor.** ``supported`` is ``|z| >= z_crit`` with
    ``z_crit = Phi^-1(1 - (1 - level) / 2)`` (:func:`critical_z`; 1.959964 at the default
    ``level=0.95``). For the log-odds measure this is the z-test of Monroe et al.
    (2008, eq. 22) at that level; for G² and chi² it is the same event as
    ``p <= 1 - level``, since ``z`` is the signed root of a chi²(1) statistic. A term
    with ``supported=False`` is inside the band ``|z| < z_crit``: its difference is not
    distinguishable from sampling noise, and reports do not call it "more" frequent on
    either side.

    Every measure treats each token as an independent draw, which words in a text are
    not (a term used by one document repeats within it; Kilgarriff 2001, "Comparing
    corpora", *International Journal of Corpus Linguistics* 6(1)). So z and
    ``supported`` are a *ranking aid with a noise floor*: a term inside the band is
    noise at the token level, and a term outside it is distinctive of these texts; it
    is not a test that the sources or periods the documents come from differ. The
    columns ``n_docs_target`` and ``n_docs_reference`` say how many documents carry
    each side.

    Parameters
    ----------
    dtm : DTM
    by : str or list of str
        The ``dtm.docs`` column(s) that define the groups (several: their
        combinations, labelled ``"a | b"``; target/reference then name those labels).
    target : value or list of values
        Group(s) of ``by`` pooled as the target, e.g. ``2025`` or ``["CGTN", "wire"]``.
        Values match by equality, or by their string form (so ``"2025"`` finds 2025).
    reference : value, list of values or None, default None
        Group(s) pooled as the reference; None takes all groups not in ``target``.
    measure : {"log_odds_dirichlet", "log_likelihood", "chi2"}
    top_n : int or None, default None
        Keep the ``top_n`` terms with the largest ``z`` (characteristic of the target)
        and the ``top_n`` with the smallest (characteristic of the reference); None
        keeps every term that occurs in target or reference. (``top=`` is the
        deprecated old name.)
    alpha0 : float, default 1000
        Total prior pseudo-count of the log-odds measure (ignored by the others).
    level : float, default 0.95
        Level of the noise floor: ``supported = |z| >= critical_z(level)``.

    Returns
    -------
    DataFrame
        ``term, score, z, p, count_target, count_reference, rate_target,
        rate_reference, measure, target, reference, n_docs_target, n_docs_reference,
        level, supported``; rates per 1,000 tokens; ``target`` and ``reference`` are
        readable labels of the pooled groups (``2025``, ``2010+2020``,
        ``the other 4 sources``, ``the 78 years 1946 to 2023``). Sorted by ``z``
        descending, ties by term. ``measure``, ``target`` and ``reference`` hold one
        value each and are categoricals (the label stored once: a string column would
        repeat it on every row, 0.34 GB for the three at 4.8 M terms); compare them with
        strings as usual, and ``pd.concat`` of tables with other labels gives a plain
        column.
    """
    check_choice("measure", measure, MEASURES)
    z_crit = critical_z(level)
    top_n = check_top_n(top_n)
    if not alpha0 > 0:
        raise AnalysisError(f"alpha0={alpha0!r}: give a positive number of prior pseudo-counts")
    sides = _sides(dtm, by=by, target=target, reference=reference)
    score, z, stat = _scores(dtm, sides, measure, alpha0)
    if measure == "log_odds_dirichlet":
        p = _blockwise(lambda zb: 2.0 * stats.norm.sf(np.abs(zb)), z)
    else:
        p = _blockwise(lambda sb: stats.chi2.sf(sb, 1), stat)
    del stat
    order = np.lexsort((term_order(dtm.terms)[sides.idx], -z))
    if top_n is not None and len(order) > 2 * top_n:
        zs = z[order]
        pos, neg = order[zs > 0][:top_n], order[zs < 0][-top_n:]
        order = np.concatenate([pos, neg])
    # Each column is taken in table order and its source let go before the next: at
    # 4.8 M terms the sources and the table at once held about 0.3 GB more.
    n, tok_t, tok_r = len(order), sides.tok_t, sides.tok_r
    cols: dict = {"term": np.asarray(dtm.terms, dtype=object)[sides.idx[order]]}
    sides.idx = None
    cols["score"], score = score[order], None
    cols["z"], z = z[order], None
    cols["p"], p = p[order], None
    for side, tok in (("target", tok_t), ("reference", tok_r)):
        counts = getattr(sides, "y_t" if side == "target" else "y_r")[order]
        setattr(sides, "y_t" if side == "target" else "y_r", None)
        cols[f"count_{side}"] = counts.astype(np.int64)
        cols[f"rate_{side}"] = 1000.0 * counts / tok if tok else np.nan
        del counts
    del order
    cols["measure"] = _constant(measure, n)
    cols["target"] = _constant(sides.t_label, n)
    cols["reference"] = _constant(sides.r_label, n)
    cols["n_docs_target"] = sides.n_docs_t
    cols["n_docs_reference"] = sides.n_docs_r
    cols["level"] = float(level)
    cols["supported"] = np.abs(cols["z"]) >= z_crit
    # one block per column: no 2-D copy of the numbers (0.4 GB at 4.8 M terms)
    return pd.DataFrame({c: cols.pop(c) for c in _KEYNESS_COLUMNS}, copy=False)


#: The columns of :func:`keyness`, in order.
_KEYNESS_COLUMNS = (
    "term", "score", "z", "p", "count_target", "count_reference", "rate_target",
    "rate_reference", "measure", "target", "reference", "n_docs_target", "n_docs_reference",
    "level", "supported",
)  # fmt: skip


def _blockwise(func: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """``func(x)`` for an elementwise ``func``, computed :data:`_SCORE_BLOCK` elements at a
    time into one float64 array (the temporaries stay a few MB)."""
    out = np.empty(len(x))
    for lo in range(0, len(x), _SCORE_BLOCK):
        out[lo : lo + _SCORE_BLOCK] = func(x[lo : lo + _SCORE_BLOCK])
    return out


class _Sides:
    """Summed counts of the target and reference groups of :func:`keyness`."""

    __slots__ = (
        "idx", "y_t", "y_r", "tok_t", "tok_r", "corpus", "t_label", "r_label", "n_docs_t",
        "n_docs_r",
    )  # fmt: skip


def _sides(dtm: DTM, *, by: Any, target: Any, reference: Any) -> _Sides:
    """Check the groups and sum the counts of each side over the terms occurring in either.

    Equal to summing the rows of :func:`analysis.keywords.grouped_counts`, computed as two
    matrix-vector products over the units (no groups x terms matrix).
    """
    if by is None:
        raise AnalysisError("by=None: keyness needs a grouping column, e.g. by='year'")
    groups, indicator, n_tokens = _group_indicator(dtm, by)
    groups = np.asarray(groups, dtype=object)
    t_rows = _resolve(target, groups, by, "target")
    if reference is None:
        r_rows = np.setdiff1d(np.arange(len(groups)), t_rows)
        if len(r_rows) == 0:
            raise AnalysisError(
                f"target covers every value of column {by!r}; nothing is left as reference"
            )
    else:
        r_rows = _resolve(reference, groups, by, "reference")
        both = np.intersect1d(t_rows, r_rows)
        if len(both):
            raise AnalysisError(
                f"reference and target share {', '.join(str(g) for g in groups[both])}; "
                "a group can be on one side only"
            )
    out = _Sides()
    y_t = _column_sums(dtm, np.asarray(indicator[t_rows].sum(axis=0)).ravel())
    y_r = _column_sums(dtm, np.asarray(indicator[r_rows].sum(axis=0)).ravel())
    out.tok_t = float(np.sum(np.asarray(n_tokens)[t_rows]))
    out.tok_r = float(np.sum(np.asarray(n_tokens)[r_rows]))
    n_docs = grouped_doc_counts(dtm, by)
    out.t_label = _label(groups, t_rows, rest=False, by=by)
    out.r_label = _label(groups, r_rows, rest=reference is None, by=by)
    for side, total, label in (
        ("target", y_t.sum(), out.t_label),
        ("reference", y_r.sum(), out.r_label),
    ):
        if total == 0:
            raise AnalysisError(
                f"{side} {label} has no counted terms; pick groups with text or relax "
                "stop_words/min_df"
            )
    out.idx = np.flatnonzero((y_t + y_r) > 0)  # terms that occur in target or reference
    out.y_t, out.y_r = y_t[out.idx], y_r[out.idx]
    del y_t, y_r
    out.corpus = None  # the corpus-wide counts, summed when the log-odds prior needs them
    out.n_docs_t = int(n_docs[t_rows].sum())
    out.n_docs_r = int(n_docs[r_rows].sum())
    return out


#: Terms scored per block: the formulas' temporaries stay a few MB whatever the vocabulary
#: (at 4.8 M terms, whole-array temporaries held about 0.6 GB at once). Every formula is
#: elementwise, so the blocks give the values of one pass.
_SCORE_BLOCK = 1 << 20


def _scores(
    dtm: DTM, sides: _Sides, measure: str, alpha0: float, *, z_only: bool = False
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray | None]:
    """``score, z, stat`` of each term of ``sides`` for ``measure`` (see :func:`keyness`).

    ``stat`` is the G² or chi² statistic (None for the log-odds measure). ``z_only``:
    ``(None, z, None)``, the same ``z`` without holding the other two arrays.
    """
    y_t, y_r = sides.y_t, sides.y_r
    blocks = [slice(lo, lo + _SCORE_BLOCK) for lo in range(0, len(y_t), _SCORE_BLOCK)]
    z = np.empty(len(y_t))
    score = None if z_only else np.empty(len(y_t))
    if measure == "log_odds_dirichlet":
        if sides.corpus is None:  # corpus-wide counts: every unit belongs to a group
            corpus = _column_sums(dtm, np.ones(dtm.matrix.shape[0], dtype=np.int64))
            sides.corpus = (corpus[sides.idx], corpus.sum())
            del corpus
        corpus_idx, corpus_sum = sides.corpus
        n_t, n_r = y_t.sum(), y_r.sum()
        for b in blocks:
            yt, yr = y_t[b], y_r[b]
            a = alpha0 * corpus_idx[b] / corpus_sum
            sc = np.log((yt + a) / (n_t + alpha0 - yt - a)) - np.log(
                (yr + a) / (n_r + alpha0 - yr - a)
            )
            z[b] = sc / np.sqrt(1.0 / (yt + a) + 1.0 / (yr + a))
            if score is not None:
                score[b] = sc
        return score, z, None
    tok_t, tok_r = sides.tok_t, sides.tok_r
    stat = None if z_only else np.empty(len(y_t))
    for b in blocks:
        st = _two_by_two(y_t[b], y_r[b], tok_t, tok_r, measure)
        sign = np.sign(y_t[b] * tok_r - y_r[b] * tok_t)
        z[b] = sign * np.sqrt(st)
        if score is not None:
            stat[b], score[b] = st, sign * st
    return score, z, stat


def keyness_agreement(
    dtm: DTM,
    *,
    by: str | list[str],
    target: Any,
    reference: Any = None,
    measures: Sequence[str] = MEASURES,
    top_n: int = 15,
) -> pd.DataFrame:
    """How many top terms the keyness measures share, for every pair of measures.

    For each measure, :func:`keyness` (same ``by``, ``target``, ``reference``) is
    sorted by ``z`` descending and its first ``top_n`` terms are taken; for each pair
    of measures ``(a, b)`` (in the order given, ``a`` before ``b``)::

        shared_top_terms = |top_n(a) & top_n(b)|

    Parameters
    ----------
    dtm : DTM
    by, target, reference
        As in :func:`keyness`.
    measures : sequence of str, default MEASURES
        At least two of ``"log_odds_dirichlet"``, ``"log_likelihood"``, ``"chi2"``.
    top_n : int, default 15
        Terms per measure (characteristic of the target).

    Returns
    -------
    DataFrame
        ``measure_a, measure_b, shared_top_terms, top_n``, one row per pair.
    """
    measures = [check_choice("measures", m, MEASURES) for m in measures]
    if len(measures) < 2:
        raise AnalysisError(f"measures={measures!r}: give at least two keyness measures")
    top_n = check_top_n(top_n, allow_none=False)
    # the sums of both sides once; per measure only z and its first top_n terms
    sides = _sides(dtm, by=by, target=target, reference=reference)
    terms = np.asarray(dtm.terms, dtype=object)
    tops = {}
    for m in measures:
        if m in tops:
            continue
        _, z, _ = _scores(dtm, sides, m, 1000.0, z_only=True)
        tops[m] = set(terms[sides.idx[_top_by_z(z, terms, top_n, at=sides.idx)]])
        del z
    rows = [
        {"measure_a": a, "measure_b": b, "shared_top_terms": len(tops[a] & tops[b]), "top_n": top_n}
        for i, a in enumerate(tops)
        for b in list(tops)[i + 1 :]
    ]
    return pd.DataFrame(rows, columns=["measure_a", "measure_b", "shared_top_terms", "top_n"])


def _top_by_z(
    z: np.ndarray, terms: np.ndarray, top_n: int, *, at: np.ndarray | None = None
) -> np.ndarray:
    """Positions of the first ``top_n`` of ``np.lexsort((term_order(terms), -z))``.

    Only the terms with ``z`` at least the ``top_n``-th largest (ties included) are
    sorted, with their alphabetical order among themselves, which is their order in
    the whole vocabulary. With ``at``, position ``i``'s term is ``terms[at[i]]`` (only
    the candidates' terms are looked up: no copy of the vocabulary).
    """
    neg = -z
    if len(neg) > top_n and not np.isnan(neg).any():
        kth = np.partition(neg, top_n - 1)[top_n - 1]
        cand = np.flatnonzero(neg <= kth)
    else:
        cand = np.arange(len(neg))
    order = np.lexsort((term_order(terms[cand if at is None else at[cand]]), neg[cand]))
    return cand[order[:top_n]]


def _constant(label: str, n: int) -> pd.Categorical:
    """``n`` copies of ``label`` as a categorical: the label is stored once, not per row
    (a string column repeats it: 0.34 GB for three such columns at 4.8 M terms)."""
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[label])


def _two_by_two(a: np.ndarray, b: np.ndarray, n_a: float, n_b: float, measure: str) -> np.ndarray:
    """G² or Pearson chi² of the tables [[a, b], [n_a - a, n_b - b]], vectorised."""
    c, d = n_a - a, n_b - b
    n = n_a + n_b
    if measure == "chi2":
        num = n * (a * d - b * c) ** 2
        den = (a + b) * (c + d) * n_a * n_b
        return np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    g = np.zeros_like(a)
    for obs, row, col in ((a, a + b, n_a), (b, a + b, n_b), (c, c + d, n_a), (d, c + d, n_b)):
        exp = row * col / n
        ok = obs > 0
        g[ok] += obs[ok] * np.log(obs[ok] / exp[ok])
    return np.maximum(2.0 * g, 0.0)
