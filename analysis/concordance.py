"""Keyword in context, samples of KWIC lines, and collocations.

:func:`kwic` searches the cleaned text with a regular expression built from the query,
so that the left and right contexts show the original words (whitespace normalised).
:func:`sample_hits` picks a few lines of a hit table, spread over documents or over the
table. :func:`collocations` wraps nltk's data-free collocation finders. Words are the
word tokens of :mod:`analysis.tokens` (maximal runs of ``\\w``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .errors import AnalysisError
from .tokens import spans, stop_word_set, word_tokens
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
    parts = _QUERY_WORD_RE.findall(pattern or "")
    if not parts or all(set(p) <= {"*", "?"} for p in parts):
        raise AnalysisError(
            f"pattern={pattern!r}: give a word, a glob such as 'multilateral*' or a phrase"
        )
    words = [re.escape(p).replace(r"\*", r"\w*").replace(r"\?", r"\w") for p in parts]
    return re.compile(r"(?<!\w)" + r"\W+".join(words) + r"(?!\w)", re.IGNORECASE)


def _squash(text: str) -> str:
    return " ".join(text.split())


def kwic(
    corpus: pd.DataFrame,
    pattern: str | Sequence[str],
    *,
    window: int = 8,
    text_column: str = "text",
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

    Returns
    -------
    DataFrame
        ``doc_id, pattern, position, left, match, right``; ``position`` is the 0-based
        index of the first matched word among the document's ``\\w+`` tokens. Rows are
        ordered by pattern (as given), then corpus order, then position.
    """
    if isinstance(window, bool) or not isinstance(window, int) or window < 0:
        raise AnalysisError(f"window={window!r}: give a whole number of words, 0 or more")
    require_columns(corpus, ["doc_id", text_column], "kwic", empty_ok=True)
    patterns = [pattern] if isinstance(pattern, str) else list(pattern)
    if not patterns:
        raise AnalysisError("pattern=[]: give at least one word, glob or phrase")
    rows: list[tuple] = []
    texts = list(zip(corpus["doc_id"], corpus[text_column], strict=True))
    for query in patterns:
        rx = query_regex(query)
        for doc_id, text in texts:
            if not isinstance(text, str) or not text:
                continue
            hits = list(rx.finditer(text))
            if not hits:
                continue
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
) -> pd.DataFrame:
    """Collocations (word pairs or triples) ranked by an association measure.

    Tokens are the lower-cased word tokens (:func:`analysis.tokens.word_tokens`) of each document; documents are
    separated by padding so that no n-gram spans two documents (nltk's
    ``from_documents``). Candidates seen fewer than ``min_freq`` times are dropped,
    and so is every candidate that contains a stop word or a one-character word.

    Measures (nltk's ``BigramAssocMeasures`` / ``TrigramAssocMeasures``):
    ``"pmi"``, pointwise mutual information ``log2(p(w1..wn) / (p(w1)...p(wn)))``
    (Church & Hanks 1990), which favours rare exclusive pairs — keep ``min_freq`` at 3
    or more; ``"likelihood_ratio"``, Dunning's (1993) log-likelihood ratio, which
    favours frequent pairs.

    Parameters
    ----------
    corpus : DataFrame
        One row per document with ``doc_id`` and ``text_column``.
    n : {2, 3}
        Bigrams or trigrams.
    measure : {"pmi", "likelihood_ratio"}
    min_freq : int, default 3
        Minimum count of the n-gram (``apply_freq_filter``).
    span : int or None, default None
        Bigrams only: count pairs within ``span`` consecutive words, i.e. up to
        ``span - 1`` words apart (nltk's ``window_size``, Church & Hanks' association
        ratio); None means adjacent words. (``window=`` is its deprecated old name;
        ``window`` means context words, as in :func:`kwic`.)
    top_n : int or None, default 20
        Rows to return; None returns all. (``top=`` is the deprecated old name.)
    stop_words : "english", list of str or None
        scikit-learn's English list, your own list, or no filter.

    Returns
    -------
    DataFrame
        ``ngram, score, count``: the n-gram as space-joined words, sorted by score
        descending, then n-gram (nltk's order), so the table is deterministic.
    """
    from nltk.collocations import (
        BigramAssocMeasures,
        BigramCollocationFinder,
        TrigramAssocMeasures,
        TrigramCollocationFinder,
    )

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
    texts = [t if isinstance(t, str) else "" for t in corpus[text_column]]
    toks = word_tokens(texts)
    words = toks.types[toks.ids].tolist()
    bounds = toks.offsets.tolist()
    docs = [words[bounds[i] : bounds[i + 1]] for i in range(len(texts))]
    if n == 2:
        size = span or 2
        pad = (None,) * (size - 1)
        stream = [w for doc in docs for w in (*doc, *pad)]
        finder = BigramCollocationFinder.from_words(stream, window_size=size)
        measures = BigramAssocMeasures
    else:
        finder = TrigramCollocationFinder.from_documents(docs)
        measures = TrigramAssocMeasures
    finder.apply_freq_filter(min_freq)
    finder.apply_word_filter(lambda w: w in stops or len(w) < 2)
    scored = finder.score_ngrams(getattr(measures, measure))
    if top_n is not None:
        scored = scored[:top_n]
    return pd.DataFrame(
        {
            "ngram": [" ".join(g) for g, _ in scored],
            "score": [float(s) for _, s in scored],
            "count": [int(finder.ngram_fd[g]) for g, _ in scored],
        },
        columns=COLLOCATION_COLUMNS,
    ).astype({"score": "float64", "count": "int64"})
