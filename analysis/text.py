"""Segmenting text into units: paragraphs, sentences, :func:`segment`.

Everything here is data-free: it uses regular expressions, nltk's Snowball stemmer and
an *untrained* :class:`nltk.tokenize.PunktSentenceTokenizer` with a fixed list of
abbreviations, so nothing is ever downloaded.

Tokens live in :mod:`analysis.tokens` (one tokenizer, one definition of ``n_tokens``);
``tokenize``, ``stem``, ``WORD_PATTERN`` and ``TOKEN_PATTERN`` are re-exported here.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

from .errors import AnalysisError
from .tokens import TOKEN_PATTERN, WORD_PATTERN, count_words, stem, tokenize

__all__ = [
    "TOKEN_PATTERN",
    "WORD_PATTERN",
    "UNITS",
    "tokenize",
    "stem",
    "split_paragraphs",
    "split_sentences",
    "segment",
]

UNITS = ("document", "paragraph", "sentence")

_BLANK_LINE_RE = re.compile(r"\n[ \t]*\n\s*")

# Abbreviations the untrained Punkt tokenizer must not split after (lower case, no
# final period). Titles, months and the usual suspects of news and diplomatic prose.
_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof gen col lt sgt capt rev st sr jr hon amb excl
    u.s u.k u.n e.u u.s.a u.s.s.r p.r.c d.p.r.k
    jan feb mar apr jun jul aug sep sept oct nov dec
    no nos vol pp fig art para e.g i.e etc vs cf approx est inc ltd co corp dept
    """.split()
)


def split_paragraphs(text: str) -> list[str]:
    """Split ``text`` into paragraphs.

    Paragraphs are blocks separated by one or more blank lines. A text with no blank
    line at all (one paragraph per line, as in many scraped pages) is split on line
    breaks instead. Empty paragraphs are dropped; line breaks inside a paragraph stay.
    """
    text = text.strip()
    if not text:
        return []
    if _BLANK_LINE_RE.search(text):
        parts = _BLANK_LINE_RE.split(text)
    else:
        parts = text.split("\n")
    return [p.strip() for p in parts if p.strip()]


@lru_cache(maxsize=1)
def _punkt():
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    params = PunktParameters()
    params.abbrev_types = set(_ABBREVIATIONS)
    return PunktSentenceTokenizer(params)


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences, paragraph by paragraph.

    Uses an untrained :class:`nltk.tokenize.PunktSentenceTokenizer` with a built-in list
    of abbreviations (``Mr.``, ``U.S.``, ``Sept.`` ...); no nltk data is needed. A
    sentence never spans two paragraphs, so headings stay on their own.
    """
    tok = _punkt()
    out: list[str] = []
    for para in split_paragraphs(text):
        out.extend(s.strip() for s in tok.tokenize(" ".join(para.split())) if s.strip())
    return out


def segment(
    corpus: pd.DataFrame, unit: str = "document", *, text_column: str = "text"
) -> pd.DataFrame:
    """Split a corpus into units of analysis.

    Parameters
    ----------
    corpus : DataFrame
        One row per document, with ``doc_id`` and ``text_column``.
    unit : {"document", "paragraph", "sentence"}
    text_column : str, default "text"

    Returns
    -------
    DataFrame
        One row per unit, with ``unit_id`` (``doc_id`` for documents,
        ``"<doc_id>#p<i>"`` or ``"<doc_id>#s<i>"`` otherwise), ``unit_index`` (0-based
        position in its document), ``text``, and every other column of ``corpus``
        (``raw_text`` excepted). Units are ordered by document, then position.
    """
    return _segment(corpus, unit, text_column=text_column)


def _segment(
    corpus: pd.DataFrame, unit: str, *, text_column: str = "text", n_tokens=None
) -> pd.DataFrame:
    """:func:`segment`; ``n_tokens`` (one count per unit, from tokens the caller made of
    these very units) stands in for counting the units' word tokens again, unless the
    number of units differs."""
    _check_unit(unit)
    missing = {"doc_id", text_column} - set(corpus.columns)
    if missing:
        raise AnalysisError(
            f"corpus has no column {sorted(missing)[0]!r}; load it with analysis.read_corpus"
        )
    meta = corpus.drop(columns=[c for c in ("raw_text",) if c in corpus.columns])
    if unit == "document":
        out = meta.copy()
        out.insert(1, "unit_id", out["doc_id"].astype(str))
        out.insert(2, "unit_index", 0)
        if text_column != "text":
            out["text"] = out[text_column]
        out["n_tokens"] = _counts(out["text"], n_tokens)
        return out.reset_index(drop=True)
    splitter = split_paragraphs if unit == "paragraph" else split_sentences
    tag = "p" if unit == "paragraph" else "s"
    rows_idx: list[int] = []
    unit_ids: list[str] = []
    unit_index: list[int] = []
    texts: list[str] = []
    for i, (doc_id, text) in enumerate(zip(meta["doc_id"], meta[text_column], strict=True)):
        for j, piece in enumerate(splitter(text if isinstance(text, str) else "")):
            rows_idx.append(i)
            unit_ids.append(f"{doc_id}#{tag}{j}")
            unit_index.append(j)
            texts.append(piece)
    columns = list(meta.columns)
    columns[1:1] = ["unit_id", "unit_index"]
    columns += [c for c in ("text", "n_tokens") if c not in columns]
    # the document's text is not repeated on each of its units: with a pyarrow string
    # column, taking its rows would copy the whole text once per unit
    out = meta.drop(columns=["text"], errors="ignore").iloc[rows_idx].reset_index(drop=True)
    out["unit_id"] = unit_ids
    out["unit_index"] = unit_index
    out["text"] = texts
    out["n_tokens"] = _counts(texts, n_tokens)
    return out[columns]


def _check_unit(unit: str) -> None:
    if unit not in UNITS:
        raise AnalysisError(f"unit={unit!r} is not one of {', '.join(UNITS)}; pick one of these")


def _counts(texts, n_tokens) -> np.ndarray:
    """``count_words(texts)``, or the given ``n_tokens`` when there is one per text."""
    if n_tokens is not None and len(n_tokens) == len(texts):
        return np.asarray(n_tokens, dtype=np.int64)
    return count_words(texts)
