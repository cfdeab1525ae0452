"""collocations counts n-grams in numpy and must equal nltk's collocation finders, score
for score (bit for bit) and row for row, nltk being the reference implementation."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.collocations import (
    BigramAssocMeasures,
    BigramCollocationFinder,
    TrigramAssocMeasures,
    TrigramCollocationFinder,
)

from analysis import collocations, read_corpus
from analysis.tokens import stop_word_set, word_tokens


def nltk_collocations(corpus, *, n=2, measure="pmi", min_freq=3, span=None, stop_words="english"):
    """The finders as the package used them before it counted in numpy."""
    stops = stop_word_set(stop_words)
    toks = word_tokens([t if isinstance(t, str) else "" for t in corpus["text"]])
    words, b = toks.types[toks.ids].tolist(), toks.offsets.tolist()
    docs = [words[b[i] : b[i + 1]] for i in range(len(b) - 1)]
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
    return pd.DataFrame(
        {
            "ngram": [" ".join(g) for g, _ in scored],
            "score": [float(s) for _, s in scored],
            "count": [int(finder.ngram_fd[g]) for g, _ in scored],
        }
    )


def assert_same(ours: pd.DataFrame, ref: pd.DataFrame) -> None:
    assert list(ours["ngram"]) == list(ref["ngram"])
    assert ours["score"].tolist() == ref["score"].tolist()  # bit for bit
    assert ours["count"].tolist() == ref["count"].tolist()


@pytest.fixture(scope="module")
def corpora(seeds_dir, mini_dir):
    return {"seeds": read_corpus(seeds_dir), "mini": read_corpus(mini_dir)}


CASES = [
    dict(n=2), dict(n=2, span=3), dict(n=2, span=5), dict(n=2, span=8), dict(n=3),
    dict(n=2, stop_words=None), dict(n=3, stop_words=["nations", "united"]),
]  # fmt: skip


@pytest.mark.parametrize("which", ["seeds", "mini"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(f"{k}{v}" for k, v in c.items()))
@pytest.mark.parametrize("measure", ["pmi", "likelihood_ratio"])
@pytest.mark.parametrize("min_freq", [1, 2, 3])
def test_equal_to_nltk(corpora, which, case, measure, min_freq):
    corpus = corpora[which]
    ours = collocations(corpus, measure=measure, min_freq=min_freq, top_n=None, **case)
    assert_same(ours, nltk_collocations(corpus, measure=measure, min_freq=min_freq, **case))


def test_top_n_is_the_head_of_the_full_ranking(corpora):
    full = collocations(corpora["seeds"], measure="likelihood_ratio", top_n=None)
    pd.testing.assert_frame_equal(
        collocations(corpora["seeds"], measure="likelihood_ratio", top_n=7), full.head(7)
    )


words = st.sampled_from(["peace", "war", "Peace", "nations", "of", "a", "united", "x1", "é"])
documents = st.lists(st.lists(words, max_size=25).map(" ".join), min_size=0, max_size=6)


@settings(max_examples=120, deadline=None)
@given(
    documents,
    st.sampled_from([dict(n=2), dict(n=2, span=2), dict(n=2, span=4), dict(n=3)]),
    st.sampled_from(["pmi", "likelihood_ratio"]),
    st.integers(1, 3),
)
def test_random_documents_equal_nltk(texts, case, measure, min_freq):
    corpus = pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "text": texts})
    ours = collocations(corpus, measure=measure, min_freq=min_freq, top_n=None, **case)
    try:
        ref = nltk_collocations(corpus, measure=measure, min_freq=min_freq, **case)
    except ValueError:  # nltk: math domain error on a negative contingency cell
        assert ours["score"].isna().any()
        return
    assert_same(ours, ref)


def test_a_negative_cell_gives_nan_where_nltk_raises():
    corpus = pd.DataFrame({"doc_id": ["a"], "text": ["peace peace"]})
    with pytest.raises(ValueError, match="math domain error"):
        nltk_collocations(corpus, measure="likelihood_ratio", min_freq=1)
    got = collocations(corpus, measure="likelihood_ratio", min_freq=1, top_n=None)
    assert got["ngram"].tolist() == ["peace peace"] and got["score"].isna().all()


def test_no_ngram_spans_two_documents():
    corpus = pd.DataFrame({"doc_id": ["a", "b"], "text": ["alpha beta", "gamma delta"]})
    got = collocations(corpus, min_freq=1, top_n=None, stop_words=None, span=4)
    assert set(got["ngram"]) == {"alpha beta", "gamma delta"}
    assert collocations(corpus, n=3, min_freq=1, top_n=None, stop_words=None).empty


def test_tokens_given_once_give_the_same_tables(corpora):
    from analysis import AnalysisError

    corpus = corpora["mini"]
    toks = word_tokens(corpus["text"])
    for case in CASES[:4]:
        pd.testing.assert_frame_equal(
            collocations(corpus, tokens=toks, top_n=None, **case),
            collocations(corpus, top_n=None, **case),
        )
    with pytest.raises(
        AnalysisError, match=r"tokens: give analysis.tokens.word_tokens\(corpus\['text'\]\)"
    ):
        collocations(corpus.head(2), tokens=toks)
