"""build_dtm(tokens=...): the matrix made from the units' word tokens equals the matrix made
from the texts; wrong tokens are refused; cached_dtm builds from the cached tokens."""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import analysis
from analysis import AnalysisError, build_dtm, cached_dtm
from analysis.dtm import HandedTokens
from analysis.text import segment
from analysis.tokens import word_tokens

#: words whose lower case changes where words break (İ -> "i̇"), or depends on the
#: letters around them (Σ -> σ or ς); and ones that do not
UNICODE_TEXTS = [
    "İstanbul and İZMİR met ΣΟΦΙΑ in ΟΔΥΣΣΕΥΣ' Σ-land. The Treaty of Sèvres, 1920.",
    "Paragraph one: the treaty, the TREATY and the Treaty.\n\nParagraph two: naïve CAFÉ a b.",
    "Nothing special here. Plain words only, twice: plain WORDS.",
    "ΣΑΣ σας ΣΑΣ. Straße STRASSE ǅemal ǄEMAL x_y_z 12 3a",
    "",
]


def _corpus(texts) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_id": [f"d{i}" for i in range(len(texts))],
            "text": texts,
            "year": [2000 + i % 3 for i in range(len(texts))],
        }
    )


def _assert_same(a, b) -> None:
    assert a.matrix.dtype == b.matrix.dtype and a.matrix.shape == b.matrix.shape
    for part in ("data", "indices", "indptr"):
        assert np.array_equal(getattr(a.matrix, part), getattr(b.matrix, part))
    assert a.terms.tolist() == b.terms.tolist() and a.keys.tolist() == b.keys.tolist()
    pd.testing.assert_frame_equal(a.docs, b.docs)
    assert a.params == b.params


def _words(corpus: pd.DataFrame, unit: str = "document"):
    return word_tokens(segment(corpus, unit)["text"])


OPTIONS = [
    {},
    {"ngram_range": (1, 3), "min_df": 1, "stop_words": None},
    {"stem": True, "ngram_range": (1, 2)},
    {"token_pattern": r"\w+", "stop_words": None, "extra_stop_words": ["and"]},
    {"phrases": ["the treaty", "plain words"], "ngram_range": (1, 2)},
    {"group_by": "year", "min_df": 1},
]


@pytest.mark.parametrize("unit", ["document", "paragraph", "sentence"])
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "defaults")
def test_from_tokens_equals_from_texts(unit, options):
    corpus = _corpus(UNICODE_TEXTS)
    ref = build_dtm(corpus, unit=unit, **options)
    _assert_same(build_dtm(corpus, unit=unit, tokens=_words(corpus, unit), **options), ref)


def test_from_tokens_equals_from_texts_in_a_column_of_python_strings():
    corpus = _corpus(UNICODE_TEXTS)
    corpus["text"] = corpus["text"].astype(object)  # not Arrow: searched string by string
    for unit in ("document", "sentence"):
        got = build_dtm(corpus, unit=unit, tokens=_words(corpus, unit))
        _assert_same(got, build_dtm(corpus, unit=unit))


@pytest.mark.parametrize("which", ["seeds", "mini"])
def test_from_tokens_equals_from_texts_on_real_corpora(which, seed_corpus, mini):
    corpus = seed_corpus if which == "seeds" else mini
    for options in ({"unit": "paragraph"}, {"ngram_range": (1, 2), "min_df": 2}):
        words = _words(corpus, options.get("unit", "document"))
        _assert_same(build_dtm(corpus, tokens=words, **options), build_dtm(corpus, **options))


ANY_OPTIONS = [
    {"min_df": 1, "stop_words": None, "ngram_range": (1, 2)},
    {"min_df": 1, "ngram_range": (2, 2), "token_pattern": r"\w+", "stop_words": None},
    {"min_df": 1, "stem": True, "phrases": ["ab cd", "σας a"]},
    {"min_df": 1, "token_pattern": r"(?u)\b\w+\b", "extra_stop_words": ["aa"], "group_by": "year"},
]


@settings(max_examples=120, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.text(alphabet="İΣσςIiAaß\u0307ǅ_1 .\n-𝐀😀cdb", max_size=40)),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from(ANY_OPTIONS),
    st.sampled_from(["document", "sentence"]),
)
def test_from_tokens_equals_from_texts_on_any_text(texts, options, unit):
    corpus = _corpus(texts)
    try:
        ref = build_dtm(corpus, unit=unit, **options)
    except AnalysisError:  # no term at all: the same error either way
        with pytest.raises(AnalysisError):
            build_dtm(corpus, unit=unit, tokens=_words(corpus, unit), **options)
        return
    _assert_same(build_dtm(corpus, unit=unit, tokens=_words(corpus, unit), **options), ref)


def test_tokens_of_other_units_or_texts_are_refused():
    corpus = _corpus(UNICODE_TEXTS)
    with pytest.raises(
        AnalysisError, match=r"not the word tokens of these \d+ units \(unit='paragraph'\)"
    ):
        build_dtm(corpus, unit="paragraph", tokens=_words(corpus, "document"))
    other = _corpus(UNICODE_TEXTS[::-1])
    with pytest.raises(AnalysisError, match=r"cached_tokens\(corpus, unit='document'\)"):
        build_dtm(corpus, tokens=_words(other))
    kept_case = word_tokens(corpus["text"], lowercase=False)  # same counts, upper-case types
    with pytest.raises(AnalysisError, match="not the word tokens"):
        build_dtm(corpus, tokens=kept_case)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"lowercase": False}, r"serves lowercase=True .*lowercase=False"),
        ({"token_pattern": r"(?u)\b[a-z]+\b"}, r"drop tokens="),
    ],
)
def test_tokens_with_other_tokenizing_options_are_refused(options, message):
    corpus = _corpus(UNICODE_TEXTS)
    with pytest.raises(AnalysisError, match=message):
        build_dtm(corpus, tokens=_words(corpus), **options)
    with pytest.raises(AnalysisError, match="must be analysis.tokens.Tokens"):
        build_dtm(corpus, tokens=["a", "b"])


def test_handed_tokens_are_let_go_by_the_build():
    corpus = _corpus(UNICODE_TEXTS)
    handed = HandedTokens(_words(corpus))
    alive = weakref.ref(handed.held[0])
    build_dtm(corpus, tokens=handed)
    assert handed.held == [] and alive() is None


def test_cached_dtm_builds_from_the_cached_tokens(seed_corpus, cache, monkeypatch):
    given = []
    real = analysis.dtm.build_dtm

    def spy(corpus, **options):
        given.append(options.get("tokens"))
        return real(corpus, **options)

    monkeypatch.setattr(analysis.dtm, "build_dtm", spy)
    _assert_same(cached_dtm(seed_corpus, unit="paragraph"), real(seed_corpus, unit="paragraph"))
    assert isinstance(given[-1], HandedTokens)
    # the tokens are in the cache now: another matrix of the same units does not tokenize
    monkeypatch.setattr(analysis.tokens, "_run_ids", _no_tokenizing)
    other = cached_dtm(seed_corpus, unit="paragraph", ngram_range=(1, 2), min_df=2)
    monkeypatch.undo()
    _assert_same(other, real(seed_corpus, unit="paragraph", ngram_range=(1, 2), min_df=2))
    # a matrix of other tokens (kept case) is built from the texts
    given.clear()
    monkeypatch.setattr(analysis.dtm, "build_dtm", spy)
    cached_dtm(seed_corpus, lowercase=False)
    assert given == [None]
    assert len(list(cache.glob("??/*.tokens.npz"))) == 1  # the paragraphs' tokens, once


def _no_tokenizing(*args, **kwargs):
    raise AssertionError("the texts were tokenized again")


def test_cached_dtm_counts_the_words_from_the_cached_tokens(seed_corpus, cache, monkeypatch):
    ref = build_dtm(seed_corpus, ngram_range=(1, 2))
    cached_dtm(seed_corpus)  # stores the documents' tokens
    monkeypatch.setattr(analysis.text, "count_words", _no_tokenizing)
    monkeypatch.setattr(analysis.tokens, "_run_ids", _no_tokenizing)
    _assert_same(cached_dtm(seed_corpus, ngram_range=(1, 2)), ref)  # n_tokens included


def test_cached_dtm_takes_no_tokens_from_the_caller(seed_corpus, cache):
    with pytest.raises(AnalysisError, match="cached_dtm: unknown option 'tokens'"):
        cached_dtm(seed_corpus, tokens=_words(seed_corpus))
