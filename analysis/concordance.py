"""Keyword in context, samples of KWIC lines, and collocations.

:func:`kwic` searches the cleaned text with a regular expression built from the query,
so that the left and right contexts show the original words (whitespace normalised).
:func:`sample_hits` picks a few lines of a hit table, spread over documents or over the
table. :func:`collocations` counts word pairs and triples in numpy and scores them with
the association measures of nltk's collocation finders (same counts, same formulas, same
order). Words are the word tokens of :mod:`analysis.tokens` (maximal runs of ``\\w``).
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .errors import AnalysisError
from .keywords import bincount
from .tokens import Tokens, spans, stop_word_set, word_tokens
from .validation import check_choice, check_int, check_top_n, renamed, require_columns

__all__ = ["kwic", "collocations", "query_regex", "sample_hits"]

KWIC_COLUMNS = ["doc_id", "pattern", "position", "left", "match", "right"]
COLLOCATION_COLUMNS = ["ngram", "score", "count"]
_QUERY_WORD_RE = re.compile(r"[\w*?]+")


def query_regex(pattern: str) -> re.Pattern[str]:
    """Compile a KWIC query into a case-insensitive regular expression.

    The query is split into words (runs of ``\\w``, ``*`` and ``?``; anything else
    separates words). Within a word ``*`` stands for any run of word characters and
    ``?`` for exactly one. The words must appear in sequence as whole ``\\w+`` tokens,
    separated by anything that is not a word character (spaces, line breaks,
    punctuation): ``"shared future"`` matches "shared future", "shared\\nfuture" and
    "shared, future"; ``"anti-fascist"`` matches "anti-fascist" and "anti fascist".
    """
    return re.compile(r"(?<!\w)" + _query_core(pattern) + r"(?!\w)", re.IGNORECASE)


def _query_core(pattern: str) -> str:
    """The regular expression of a query's words, without :func:`query_regex`'s
    assertions that they are whole tokens: it matches wherever the query matches."""
    parts = _QUERY_WORD_RE.findall(pattern or "")
    if not parts or all(set(p) <= {"*", "?"} for p in parts):
        raise AnalysisError(
            f"pattern={pattern!r}: give a word, a glob such as 'multilateral*' or a phrase"
        )
    words = [re.escape(p).replace(r"\*", r"\w*").replace(r"\?", r"\w") for p in parts]
    return r"\W+".join(words)


def _prefilter(pattern: str) -> str:
    """:func:`_query_core` without its leading ``*`` globs (``\\w*``): a text in which the
    query matches contains a match of this, and a search for it does not run a word
    tail ``\\w*`` from every position inside every word."""
    core = _query_core(pattern)
    while core.startswith(r"\w*") and len(core) > 3:
        core = core[3:]
    return core


def _squash(text: str) -> str:
    return " ".join(text.split())


def kwic(
    corpus: pd.DataFrame,
    pattern: str | Sequence[str],
    *,
    window: int = 8,
    text_column: str = "text",
    max_docs: int | None = None,
) -> pd.DataFrame:
    """Keyword in context: every occurrence of a word, glob or phrase with its context.

    Matching (see :func:`query_regex`) is case-insensitive, works across line breaks
    and finds non-overlapping occurrences from left to right. ``left`` and ``right``
    are the ``window`` words (``\\w+`` tokens) before and after the match, as they
    appear in the text (punctuation kept, whitespace collapsed to single spaces).

    Parameters
    ----------
    corpus : DataFrame
        One row per document (or unit) with ``doc_id`` and ``text_column``, e.g. from
        :func:`analysis.read_corpus` or :func:`analysis.segment`.
    pattern : str or list of str
        One query or several; each is searched separately.
    window : int, default 8
        Words of context on each side.
    text_column : str, default "text"
    max_docs : int or None, default None
        Keep, for each query, the lines of the first ``max_docs`` documents (distinct
        ``doc_id``, in corpus order) in which it occurs, and stop reading the corpus once
        every query has them; None keeps every line. ``sample_hits(kwic(c, q,
        max_docs=n), n)`` equals ``sample_hits(kwic(c, q), n)`` (round robin takes the
        first hit of the first ``n`` such documents before any second hit), at the cost
        of those documents instead of every occurrence of a frequent word.

    Returns
    -------
    DataFrame
        ``doc_id, pattern, position, left, match, right``; ``position`` is the 0-based
        index of the first matched word among the document's ``\\w+`` tokens. Rows are
        ordered by pattern (as given), then corpus order, then position.
    """
    if isinstance(window, bool) or not isinstance(window, int) or window < 0:
        raise AnalysisError(f"window={window!r}: give a whole number of words, 0 or more")
    if max_docs is not None:
        max_docs = check_int("max_docs", max_docs, 1)
    require_columns(corpus, ["doc_id", text_column], "kwic", empty_ok=True)
    patterns = [pattern] if isinstance(pattern, str) else list(pattern)
    if not patterns:
        raise AnalysisError("pattern=[]: give at least one word, glob or phrase")
    regexes = [query_regex(q) for q in patterns]
    # Texts where no query's words occur at all are skipped after one search for them
    # all: query_regex opens with a look-behind, which the regex engine checks at every
    # position, while this alternation of the bare words fails at most positions on
    # their first letter. It finds every text in which some query matches. Each
    # query's bare words are searched for again before its own regex runs: a rare
    # query next to a common one (the report's "covid" next to "united") is otherwise
    # looked for at every position of every text the common one occurs in.
    cores = [re.compile(_prefilter(q), re.IGNORECASE) for q in patterns]
    anywhere = re.compile("|".join(f"(?:{c.pattern})" for c in cores), re.IGNORECASE)
    found: list[list[tuple]] = [[] for _ in patterns]  # per query, in corpus order
    seen: list[set] = [set() for _ in patterns]  # per query, documents with a line
    full = [False] * len(patterns)  # per query: max_docs documents found
    for doc_id, text in zip(corpus["doc_id"], corpus[text_column], strict=True):
        if max_docs is not None and all(full):
            break
        if not isinstance(text, str) or not text or not anywhere.search(text):
            continue
        words = None  # the text's word spans, computed once for all queries
        for i, (query, rx, rows) in enumerate(zip(patterns, regexes, found, strict=True)):
            if full[i] and doc_id not in seen[i]:
                continue
            if len(patterns) > 1 and not cores[i].search(text):
                continue
            hits = list(rx.finditer(text))
            if not hits:
                continue
            if max_docs is not None:
                seen[i].add(doc_id)
                full[i] = len(seen[i]) >= max_docs
            if words is None:
                words = spans(text)
            starts = words[:, 0]
            for m in hits:
                first = int(np.searchsorted(starts, m.start(), "left"))
                last = int(np.searchsorted(starts, m.end(), "left"))  # one past the last word
                lo = max(0, first - window)
                hi = min(len(words), last + window)
                left = text[words[lo, 0] : m.start()] if first > lo else ""
                right = text[m.end() : words[hi - 1, 1]] if hi > last else ""
                rows.append(
                    (doc_id, query, first, _squash(left), _squash(m.group()), _squash(right))
                )
    rows = [row for rows in found for row in rows]
    return pd.DataFrame(rows, columns=KWIC_COLUMNS).astype({"position": "int64"})


def sample_hits(
    table: pd.DataFrame,
    n_per_group: int,
    *,
    by: str = "pattern",
    how: str = "round_robin",
    order: Sequence | None = None,
) -> pd.DataFrame:
    """A few rows of a hit table (KWIC lines, theme hits) per value of ``by``.

    ``how="round_robin"`` spreads the rows over documents: for each value of ``by``
    the first hit of every document comes first (documents in table order), then the
    second hit of every document, and so on, and the first ``n_per_group`` are kept.
    ``how="even"`` keeps ``n_per_group`` (``n``) evenly spaced rows of each value's hits,
    in table order: with ``m > n`` hits, rows ``int(i * (m / n))`` for ``i = 0..n-1``;
    all of them when ``m <= n``.

    Parameters
    ----------
    table : DataFrame
        From :func:`kwic` (``by="pattern"``) or :func:`analysis.theme_hits`
        (``by="theme"``); round robin also needs ``doc_id``.
    n_per_group : int
        Rows kept per value of ``by`` (at most).
    by : str, default "pattern"
        The one column whose values are sampled separately (the hit table's
        ``pattern`` or ``theme``; not a list, unlike the statistics' ``by``).
    how : {"round_robin", "even"}
    order : sequence or None, default None
        The values of ``by`` to keep, in this order (e.g. the queries, or
        ``codebook.ids``); None keeps every value in order of first appearance.

    Returns
    -------
    DataFrame
        The chosen rows with the table's columns, grouped by ``by`` value in
        ``order``; a fresh 0..n-1 index.
    """
    n = check_int("n_per_group", n_per_group, 0)
    check_choice("how", how, ("round_robin", "even"))
    require_columns(
        table, [by, "doc_id"] if how == "round_robin" else [by], "sample_hits", empty_ok=True
    )
    values = list(dict.fromkeys(table[by])) if order is None else list(order)
    if how == "even":
        samples = []
        for value in values:
            h = table[table[by] == value]
            if len(h) > n:
                step = len(h) / n
                h = h.iloc[[int(i * step) for i in range(n)]]
            samples.append(h)
        if not samples:
            return table.iloc[:0].reset_index(drop=True)
        return pd.concat(samples, ignore_index=True)
    rank = {v: i for i, v in enumerate(values)}
    lines = table[table[by].isin(values)].reset_index(drop=True)
    nth = lines.groupby([by, "doc_id"], sort=False).cumcount()
    key = pd.DataFrame({"value": lines[by].map(rank), "nth": nth}, index=lines.index)
    keep = key.sort_values(["value", "nth"], kind="stable").index
    lines = lines.loc[keep].groupby(by, sort=False).head(n)
    return lines.reset_index(drop=True)


@renamed(window="span", top="top_n")
def collocations(
    corpus: pd.DataFrame,
    *,
    n: int = 2,
    measure: str = "pmi",
    min_freq: int = 3,
    span: int | None = None,
    top_n: int | None = 20,
    stop_words: str | Iterable[str] | None = "english",
    text_column: str = "text",
    tokens: Tokens | None = None,
) -> pd.DataFrame:
    """Collocations (word pairs or triples) ranked by an association measure.

    Tokens are the lower-cased word tokens (:func:`analysis.tokens.word_tokens`) of each
    document; no n-gram spans two documents. Candidates seen fewer than ``min_freq``
    times are dropped, and so is every candidate that contains a stop word or a
    one-character word.

    Counts (as nltk's ``BigramCollocationFinder.from_words`` over the documents, each
    followed by ``span - 1`` empty slots, and ``TrigramCollocationFinder.from_documents``):
    ``N`` is the number of tokens and ``f(w)`` the count of word ``w``; ``f(w1 w2)``
    counts the positions ``p`` with ``w1`` at ``p`` and ``w2`` at ``p + d`` for
    ``d = 1 .. span - 1`` (adjacent words when ``span`` is None); for triples, ``f(w1 w2
    w3)`` counts adjacent triples, ``f(w1 w2)`` and ``f(w2 w3)`` adjacent pairs and
    ``f(w1 _ w3)`` pairs two apart. For pairs with a span the pair count is divided by
    ``span - 1`` (Church & Hanks 1990) before scoring.

    Measures (Manning & Schütze 1999, ch. 5; nltk's ``BigramAssocMeasures`` /
    ``TrigramAssocMeasures``):

    * ``"pmi"``, pointwise mutual information (Church & Hanks 1990)::

          log2(f(w1..wn) * N^(n-1)) - log2(f(w1) * ... * f(wn))

      which favours rare exclusive pairs — keep ``min_freq`` at 3 or more;
    * ``"likelihood_ratio"``, Dunning's (1993) log-likelihood ratio
      ``G2 = 2 * sum_cells O * ln(O / (E + 1e-20) + 1e-20)`` over the 2x2 (pairs) or
      2x2x2 (triples) contingency table of the n-gram's words, with expected counts
      from the margins under independence; it favours frequent pairs.

    Scores equal nltk's for the same tokens, ``span`` and filters (tested on the seeds
    and on UN speeches); nltk is not used here. Counting is vectorised: each n-gram is
    an integer key of its word ids, counted with one sort, so the cost grows with the
    number of tokens but no Python code runs per token.

    Parameters
    ----------
    corpus : DataFrame
        One row per document with ``doc_id`` and ``text_column``.
    n : {2, 3}
        Bigrams or trigrams.
    measure : {"pmi", "likelihood_ratio"}
    min_freq : int, default 3
        Minimum count of the n-gram (before the division by ``span - 1``).
    span : int or None, default None
        Bigrams only: count pairs within ``span`` consecutive words, i.e. up to
        ``span - 1`` words apart (nltk's ``window_size``, Church & Hanks' association
        ratio); None means adjacent words. (``window=`` is its deprecated old name;
        ``window`` means context words, as in :func:`kwic`.)
    top_n : int or None, default 20
        Rows to return; None returns all. (``top=`` is the deprecated old name.)
    stop_words : "english", list of str or None
        scikit-learn's English list, your own list, or no filter.
    tokens : Tokens, optional
        ``analysis.tokens.word_tokens(corpus[text_column])``, when several calls share
        one corpus: tokenizing is most of the cost, so give it once (one entry per row
        of ``corpus``; its vocabulary must be the lower-cased word tokens).

    Returns
    -------
    DataFrame
        ``ngram, score, count``: the n-gram as space-joined words, sorted by score
        descending, then by the words (nltk's order), so the table is deterministic.
        ``count`` is the n-gram's count ``f(w1..wn)``. In a corpus of a handful of
        words a likelihood-ratio table can have a negative cell (the pair counts are not
        bounded by ``N``); such a candidate gets no score (NaN, ranked last) where nltk
        raises an error.
    """
    if n not in (2, 3):
        raise AnalysisError(f"n={n!r}: collocations are bigrams (n=2) or trigrams (n=3)")
    check_choice("measure", measure, ("pmi", "likelihood_ratio"))
    min_freq = check_int("min_freq", min_freq, 1)
    if span is not None and (
        n != 2 or isinstance(span, bool) or not isinstance(span, int) or span < 2
    ):
        raise AnalysisError(f"span={span!r}: give a whole number >= 2, for bigrams only")
    top_n = check_top_n(top_n)
    require_columns(corpus, [text_column], "collocations", empty_ok=True)
    stops = stop_word_set(stop_words)
    if tokens is None:
        tokens = word_tokens([t if isinstance(t, str) else "" for t in corpus[text_column]])
    elif not isinstance(tokens, Tokens) or len(tokens.offsets) - 1 != len(corpus):
        got = len(tokens.offsets) - 1 if isinstance(tokens, Tokens) else type(tokens).__name__
        raise AnalysisError(
            f"tokens: give analysis.tokens.word_tokens(corpus[{text_column!r}]) for these "
            f"{len(corpus)} rows (got {got})"
        )
    prep = _Prepared.of(tokens, stops)
    types, ids, n_words, unigram, bad = prep.types, prep.ids, prep.n_words, prep.unigram, prep.bad
    if n == 2:
        size = span or 2
        keys, counts = prep.pairs(range(1, size))
        keep = counts >= min_freq
        keys, counts = keys[keep], counts[keep]
        w = [keys // n_words, keys % n_words]
        scores = _bigram_score(
            measure, counts / (size - 1.0), unigram[w[0]], unigram[w[1]], len(ids)
        )
    else:
        keys, counts, w = _triple_counts(ids, prep.starts, n_words, bad, min_freq)
        # the margins of candidates without a flagged word: pairs of unflagged words
        pair_keys, pair_counts = prep.pairs([1])
        gap_keys, gap_counts = prep.pairs([2])
        scores = _trigram_score(
            measure,
            counts,
            (
                _lookup(pair_keys, pair_counts, w[0] * n_words + w[1]),
                _lookup(gap_keys, gap_counts, w[0] * n_words + w[2]),
                _lookup(pair_keys, pair_counts, w[1] * n_words + w[2]),
            ),
            (unigram[w[0]], unigram[w[1]], unigram[w[2]]),
            len(ids),
        )
    rank = prep.rank
    order = np.lexsort([rank[c] for c in reversed(w)] + [-scores])
    if top_n is not None:
        order = order[:top_n]
    return pd.DataFrame(
        {
            "ngram": [" ".join(g) for g in zip(*(types[c[order]] for c in w), strict=True)],
            "score": scores[order],
            "count": counts[order],
        },
        columns=COLLOCATION_COLUMNS,
    ).astype({"score": "float64", "count": "int64"})


class _Prepared:
    """What every :func:`collocations` call on the same tokens and stop words shares:
    the unigram counts, the flagged words, the alphabetical rank of each
    type, where each text starts, and the pair counts for each gap asked so far.

    Kept on the :class:`~analysis.tokens.Tokens` (one entry: the last stop words), so
    the report's three tables (pairs by PMI and by likelihood ratio, triples, whose
    margins are the same adjacent pairs) count the adjacent pairs once, not three times.
    Only the adjacent pairs' counts are kept (on the UN General Debate's 32 M tokens
    about 0.1 GB, with a byte per token for the text starts), as long as the tokens are.
    They are made again when the tokens' arrays are other objects than those they were
    made from (a :class:`~analysis.tokens.Tokens`' arrays are not changed in place, as for
    its other caches).
    """

    def __init__(self, tokens: Tokens, stops: frozenset) -> None:
        self.stops = stops
        self.source = (tokens.ids, tokens.offsets, tokens.types)  # what these are made of
        self.types = np.asarray(tokens.types, dtype=object)
        self.ids = tokens.ids
        self.n_words = n_words = len(self.types)
        self.unigram = bincount(self.ids, n_words)
        self.bad = np.fromiter(
            (t in stops or len(t) < 2 for t in self.types), dtype=bool, count=n_words
        )
        self.rank = np.argsort(np.argsort(self.types.astype(str), kind="stable"), kind="stable")
        self.starts = _text_starts(tokens.offsets, len(self.ids))
        self._pairs: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray]] = {}

    @classmethod
    def of(cls, tokens: Tokens, stops: frozenset) -> _Prepared:
        prep = getattr(tokens, "_collocations", None)
        arrays = (tokens.ids, tokens.offsets, tokens.types)
        same = isinstance(prep, cls) and all(map(operator.is_, prep.source, arrays))
        if not (same and prep.stops == stops):
            prep = cls(tokens, stops)
            tokens._collocations = prep
        return prep

    def pairs(self, gaps) -> tuple[np.ndarray, np.ndarray]:
        """:func:`_pair_counts` for ``gaps``; the adjacent pairs' counted once."""
        key = tuple(gaps)
        if key in self._pairs:
            return self._pairs[key]
        counted = _pair_counts(self.ids, self.starts, key, self.n_words, self.bad)
        if key == (1,):
            self._pairs[key] = counted
        return counted


def _text_starts(offsets: np.ndarray, n: int) -> np.ndarray:
    """``starts[p]``: a text (other than the first) starts at token ``p``; ``n + 1`` long.

    Tokens ``p`` and ``p + d`` are in the same text exactly when no text starts at
    ``p + 1 .. p + d`` (:func:`_same_text`): one byte per token instead of the text
    number of each token (eight).
    """
    starts = np.zeros(n + 1, dtype=bool)
    starts[np.asarray(offsets[1:-1], dtype=np.int64)] = True
    return starts


def _same_text(starts: np.ndarray, d: int) -> np.ndarray:
    """For each ``p < n - d``: whether tokens ``p`` and ``p + d`` are in the same text."""
    n = len(starts) - 1
    if d > 4:  # a wide span: starts counted up to each position, compared d apart
        seen = np.cumsum(starts.view(np.uint8), dtype=np.int32)
        return seen[d:n] == seen[: n - d]
    crossed = starts[1 : n - d + 1].copy()
    for j in range(2, d + 1):
        crossed |= starts[j : n - d + j]
    return ~crossed


def _pair_counts(
    ids: np.ndarray, starts: np.ndarray, gaps, n_words: int, bad: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Counts of the word pairs ``(w_p, w_{p+d})`` for ``d`` in ``gaps``, within texts.

    Pairs are int64 keys ``id1 * n_words + id2`` (in no particular order); pairs with a
    word flagged in ``bad`` are left out (their counts are never needed). ``starts``
    from :func:`_text_starts`.
    """
    parts = []
    for d in gaps:
        if d >= len(ids):
            continue
        first, second = ids[:-d], ids[d:]
        ok = _same_text(starts, d)
        if bad is not None:
            ok &= ~bad[first] & ~bad[second]
        parts.append(first[ok].astype(np.int64) * n_words + second[ok])
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return _count(np.concatenate(parts))


def _count(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct keys and their counts (hashing, not sorting: linear time)."""
    codes, uniques = pd.factorize(keys)
    return np.asarray(uniques, dtype=np.int64), np.bincount(codes).astype(np.int64)


def _triple_counts(ids, starts, n_words, bad, min_freq):
    """Counts of the adjacent triples without a ``bad`` word that reach ``min_freq``:
    their keys, counts and the ids of their three words."""
    if len(ids) < 3:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, [empty, empty, empty]
    a, b, c = ids[:-2], ids[1:-1], ids[2:]
    ok = _same_text(starts, 2) & ~bad[a] & ~bad[b] & ~bad[c]
    a, b, c = a[ok].astype(np.int64), b[ok].astype(np.int64), c[ok].astype(np.int64)
    pair_code, pairs = pd.factorize(a * n_words + b)  # no overflow: codes, not ids
    keys, counts = _count(pair_code.astype(np.int64) * n_words + c)
    keep = counts >= min_freq
    keys, counts = keys[keep], counts[keep]
    first_two = np.asarray(pairs, dtype=np.int64)[keys // n_words]
    return keys, counts, [first_two // n_words, first_two % n_words, keys % n_words]


def _lookup(keys: np.ndarray, counts: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """``counts`` of the ``wanted`` keys (each one among ``keys``)."""
    return counts[pd.Index(keys).get_indexer(wanted)]


_SMALL = 1e-20  # nltk's guard against log(0) and division by zero


def _bigram_score(measure, n_ii, n_ix, n_xi, n_xx):
    """nltk's ``BigramAssocMeasures`` pmi / likelihood_ratio, term by term, in float64."""
    n_ii = np.asarray(n_ii, dtype=np.float64)
    if measure == "pmi":
        return _libm(math.log2, n_ii * n_xx) - _libm(math.log2, _exact_product([n_ix, n_xi]))
    # contingency table (n_ii, n_oi, n_io, n_oo), in nltk's order of operations
    n_oi = n_xi - n_ii
    n_io = n_ix - n_ii
    n_oo = n_xx - n_ii - n_oi - n_io
    cont = [n_ii, n_oi, n_io, n_oo]
    total = ((cont[0] + cont[1]) + cont[2]) + cont[3]
    out = np.zeros_like(n_ii)
    for i in range(4):
        exp = (cont[i] + cont[i ^ 1]) * (cont[i] + cont[i ^ 2]) / total
        out = out + _g2_term(cont[i], exp)
    return 2 * out


def _trigram_score(measure, n_iii, pairs, words, n_xxx):
    """nltk's ``TrigramAssocMeasures`` pmi / likelihood_ratio, term by term, in float64."""
    n_iii = np.asarray(n_iii, dtype=np.int64)
    if measure == "pmi":
        # n_iii * N^2 and the product of the word counts, as exact as nltk's Python ints
        # allow in float64 (exact while N < 9.4e7 tokens)
        return _libm(math.log2, n_iii * float(n_xxx**2)) - _libm(math.log2, _exact_product(words))
    n_iix, n_ixi, n_xii = pairs
    n_ixx, n_xix, n_xxi = words
    n_oii = n_xii - n_iii
    n_ioi = n_ixi - n_iii
    n_iio = n_iix - n_iii
    n_ooi = n_xxi - n_iii - n_oii - n_ioi
    n_oio = n_xix - n_iii - n_oii - n_iio
    n_ioo = n_ixx - n_iii - n_ioi - n_iio
    n_ooo = n_xxx - n_iii - n_oii - n_ioi - n_iio - n_ooi - n_oio - n_ioo
    cont = [
        np.asarray(c, dtype=np.int64)
        for c in (n_iii, n_oii, n_ioi, n_ooi, n_iio, n_oio, n_ioo, n_ooo)
    ]
    n_all2 = int(n_xxx) ** 2  # the cells sum to N exactly (integers)
    out = np.zeros(len(n_iii), dtype=np.float64)
    for i in range(8):
        margins = [
            sum(cont[x] for x in range(8) if (x & bit) == (i & bit)).tolist() for bit in (1, 2, 4)
        ]
        # product of three integer margins over N^2, rounded once as Python's exact
        # integers are (the product can exceed int64; one Python step per candidate)
        exp = np.fromiter(
            (a * b * c / n_all2 for a, b, c in zip(*margins, strict=True)),
            dtype=np.float64,
            count=len(n_iii),
        )
        out = out + _g2_term(cont[i].astype(np.float64), exp)
    return 2 * out


def _exact_product(factors) -> np.ndarray:
    """The product of integer arrays as float64, rounded once (as Python's exact ints
    are): in int64 when it cannot overflow, else with Python integers."""
    factors = [np.asarray(f, dtype=np.int64) for f in factors]
    top = max((int(f.max()) for f in factors if len(f)), default=0)
    if top < 2 ** (62 // len(factors)):
        out = factors[0].copy()
        for f in factors[1:]:
            out *= f
        return out.astype(np.float64)
    return np.array(
        [float(a * b * c) for a, b, c in zip(*(f.tolist() for f in factors), strict=True)],
        dtype=np.float64,
    )


def _g2_term(obs: np.ndarray, exp: np.ndarray) -> np.ndarray:
    """``obs * ln(obs / (exp + 1e-20) + 1e-20)``, one cell of the likelihood ratio.

    The logarithm is the C library's (``math.log``, one call per candidate and cell, not
    per token): numpy's vectorised ``log`` may differ in the last bit, which would
    reorder ties."""
    return obs * _libm(math.log, obs / (exp + _SMALL) + _SMALL)


def _libm(func, x: np.ndarray) -> np.ndarray:
    """``func`` (``math.log`` or ``math.log2``) of each value; NaN where it is not positive
    (a negative contingency cell, possible only in a corpus of a few words, where nltk
    raises a math domain error)."""
    nan = float("nan")
    return np.fromiter(
        (func(v) if v > 0 else nan for v in x.tolist()), dtype=np.float64, count=len(x)
    )
