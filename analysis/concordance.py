"""Keyword in context and collocations.

:func:`kwic` searches the cleaned text with a regular expression built from the query,
so that the left and right contexts show the original words (whitespace normalised).
:func:`collocations` wraps nltk's data-free collocation finders.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence

import pandas as pd

from .errors import AnalysisError
from .text import WORD_PATTERN

__all__ = ["kwic", "collocations", "query_regex"]

KWIC_COLUMNS = ["doc_id", "pattern", "position", "left", "match", "right"]
COLLOCATION_COLUMNS = ["ngram", "score", "count"]
_WORD_RE = re.compile(WORD_PATTERN)
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
    missing = {"doc_id", text_column} - set(corpus.columns)
    if missing:
        raise AnalysisError(
            f"corpus has no column {sorted(missing)[0]!r}; load it with analysis.read_corpus"
        )
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
            spans = [m.span() for m in _WORD_RE.finditer(text)]
            starts = [s for s, _ in spans]
            for m in hits:
                first = bisect.bisect_left(starts, m.start())
                last = bisect.bisect_left(starts, m.end())  # one past the last word
                lo = max(0, first - window)
                hi = min(len(spans), last + window)
                left = text[spans[lo][0] : m.start()] if first > lo else ""
                right = text[m.end() : spans[hi - 1][1]] if hi > last else ""
                rows.append(
                    (doc_id, query, first, _squash(left), _squash(m.group()), _squash(right))
                )
    return pd.DataFrame(rows, columns=KWIC_COLUMNS).astype({"position": "int64"})


def _stop_set(stop_words: str | Iterable[str] | None) -> frozenset[str]:
    if stop_words is None:
        return frozenset()
    if isinstance(stop_words, str):
        if stop_words != "english":
            raise AnalysisError(
                f"stop_words={stop_words!r}: use 'english', a list of words, or None"
            )
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        return frozenset(ENGLISH_STOP_WORDS)
    return frozenset(w.lower() for w in stop_words)


def collocations(
    corpus: pd.DataFrame,
    *,
    n: int = 2,
    measure: str = "pmi",
    min_freq: int = 3,
    window: int | None = None,
    top: int | None = 20,
    stop_words: str | Iterable[str] | None = "english",
    text_column: str = "text",
) -> pd.DataFrame:
    """Collocations (word pairs or triples) ranked by an association measure.

    Tokens are the lower-cased ``\\w+`` words of each document; documents are
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
    window : int or None, default None
        Bigrams only: count pairs up to ``window - 1`` words apart (nltk's
        ``window_size``, Church & Hanks' association ratio); None means adjacent words.
    top : int or None, default 20
        Rows to return; None returns all.
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
    if measure not in ("pmi", "likelihood_ratio"):
        raise AnalysisError(f"measure={measure!r} is not one of pmi, likelihood_ratio")
    if isinstance(min_freq, bool) or not isinstance(min_freq, int) or min_freq < 1:
        raise AnalysisError(f"min_freq={min_freq!r}: give a whole number, 1 or more")
    if window is not None and (n != 2 or not isinstance(window, int) or window < 2):
        raise AnalysisError(f"window={window!r}: give a whole number >= 2, for bigrams only")
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise AnalysisError(f"top={top!r}: give a positive whole number or None")
    if text_column not in corpus.columns:
        raise AnalysisError(
            f"corpus has no column {text_column!r}; load it with analysis.read_corpus"
        )
    stops = _stop_set(stop_words)
    docs = [
        [w.lower() for w in _WORD_RE.findall(t)] if isinstance(t, str) else []
        for t in corpus[text_column]
    ]
    if n == 2:
        size = window or 2
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
    if top is not None:
        scored = scored[:top]
    return pd.DataFrame(
        {
            "ngram": [" ".join(g) for g, _ in scored],
            "score": [float(s) for _, s in scored],
            "count": [int(finder.ngram_fd[g]) for g, _ in scored],
        },
        columns=COLLOCATION_COLUMNS,
    ).astype({"score": "float64", "count": "int64"})
