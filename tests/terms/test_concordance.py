"""kwic and collocations, checked against independent token counts."""

from __future__ import annotations

import math
import re
from collections import Counter

import fixtures_terms as ft
import pandas as pd
import pytest

from analysis import AnalysisError, collocations, kwic


@pytest.fixture
def seeds_corpus():
    return ft.seeds_corpus()


def _words(text: str) -> list[str]:
    return [w.lower() for w in re.findall(r"\w+", text)]


def _phrase_count(text: str, phrase: list[str]) -> int:
    toks = _words(text)
    k = len(phrase)
    return sum(toks[i : i + k] == phrase for i in range(len(toks) - k + 1))


def test_glob_hits_equal_independent_token_count(seeds_corpus):
    out = kwic(seeds_corpus, "multilateral*")
    expected = sum(
        sum(w.startswith("multilateral") for w in _words(t)) for t in seeds_corpus["text"]
    )
    assert expected > 0
    assert len(out) == expected
    assert out["match"].str.lower().str.startswith("multilateral").all()


def test_phrase_hits_equal_sliding_window_count(seeds_corpus):
    phrase = "community with a shared future"
    out = kwic(seeds_corpus, phrase)
    expected = sum(_phrase_count(t, phrase.split()) for t in seeds_corpus["text"])
    assert expected > 0 and len(out) == expected
    per_doc = out.groupby("doc_id").size().to_dict()
    for doc_id, text in zip(seeds_corpus["doc_id"], seeds_corpus["text"], strict=True):
        assert per_doc.get(doc_id, 0) == _phrase_count(text, phrase.split())


def test_position_and_window_point_at_the_right_words(seeds_corpus):
    out = kwic(seeds_corpus, "victory", window=3)
    texts = dict(zip(seeds_corpus["doc_id"], seeds_corpus["text"], strict=True))
    for row in out.itertuples():
        toks = _words(texts[row.doc_id])
        assert toks[row.position] == "victory"
        assert _words(row.left) == toks[max(0, row.position - 3) : row.position]
        assert _words(row.right) == toks[row.position + 1 : row.position + 4]


def test_case_insensitive_across_line_breaks_whole_words_only():
    corpus = pd.DataFrame(
        {
            "doc_id": ["x", "y"],
            "text": [
                "We build a Shared\n  Future today. Sharedfuture is not it.",
                "shared futures and a shared future.",
            ],
        }
    )
    out = kwic(corpus, "shared future", window=2)
    assert out["doc_id"].tolist() == ["x", "y"]
    assert out["match"].tolist() == ["Shared Future", "shared future"]
    assert out["left"].tolist() == ["build a", "and a"]
    assert out["right"].tolist() == ["today. Sharedfuture", ""]  # two words; none after y
    none = kwic(corpus, "shared future", window=0)
    assert (none["left"] == "").all() and (none["right"] == "").all()


def test_several_patterns_and_errors(seeds_corpus):
    out = kwic(seeds_corpus, ["peace", "fascis*"])
    assert set(out["pattern"]) == {"peace", "fascis*"}
    assert list(out.columns) == ["doc_id", "pattern", "position", "left", "match", "right"]
    with pytest.raises(AnalysisError, match="pattern"):
        kwic(seeds_corpus, "  ** ")
    with pytest.raises(AnalysisError, match="window"):
        kwic(seeds_corpus, "war", window=-1)


# ---------------------------------------------------------------- collocations


def _bigram_counts(texts):
    c = Counter()
    for t in texts:
        toks = _words(t)
        c.update(zip(toks, toks[1:], strict=False))
    return c


def test_bigram_counts_and_pmi_match_independent_computation(seeds_corpus):
    out = collocations(seeds_corpus, measure="pmi", min_freq=3, top=None)
    texts = seeds_corpus["text"].tolist()
    pairs = _bigram_counts(texts)
    unigrams = Counter(w for t in texts for w in _words(t))
    n = sum(unigrams.values())
    assert len(out) > 0
    for row in out.itertuples():
        w1, w2 = row.ngram.split(" ")
        assert row.count == pairs[(w1, w2)] >= 3
        pmi = math.log2(pairs[(w1, w2)] * n / (unigrams[w1] * unigrams[w2]))
        assert row.score == pytest.approx(pmi, rel=1e-9)
    assert (out["score"].diff().dropna() <= 1e-12).all()


def test_collocations_do_not_span_documents_and_filter_stop_words():
    corpus = pd.DataFrame(
        {"doc_id": ["a", "b", "c"], "text": ["red alpha", "beta blue", "red alpha beta blue"]}
    )
    out = collocations(corpus, min_freq=1, top=None, stop_words=None)
    # "alpha beta" occurs once, inside c; a->b across the document boundary must not count
    assert out.set_index("ngram").loc["alpha beta", "count"] == 1
    assert out.set_index("ngram").loc["red alpha", "count"] == 2
    out = collocations(corpus, min_freq=1, top=None, stop_words=["red"])
    assert not out["ngram"].str.contains("red").any()


def test_trigrams_and_likelihood_ratio(seeds_corpus):
    tri = collocations(seeds_corpus, n=3, min_freq=2, top=10)
    assert (tri["ngram"].str.count(" ") == 2).all() and (tri["count"] >= 2).all()
    llr = collocations(seeds_corpus, measure="likelihood_ratio", top=5)
    assert len(llr) == 5 and llr["score"].is_monotonic_decreasing
    with pytest.raises(AnalysisError, match="n=4"):
        collocations(seeds_corpus, n=4)
    with pytest.raises(AnalysisError, match="measure='dice'"):
        collocations(seeds_corpus, measure="dice")
