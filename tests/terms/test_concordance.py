"""kwic, sample_hits and collocations, checked against independent token counts."""

from __future__ import annotations

import math
import re
from collections import Counter

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import AnalysisError, collocations, kwic
from analysis.concordance import query_regex, sample_hits


@pytest.fixture
def seeds_corpus(seed_corpus):
    return seed_corpus


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
    out = collocations(seeds_corpus, measure="pmi", min_freq=3, top_n=None)
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
    out = collocations(corpus, min_freq=1, top_n=None, stop_words=None)
    # "alpha beta" occurs once, inside c; a->b across the document boundary must not count
    assert out.set_index("ngram").loc["alpha beta", "count"] == 1
    assert out.set_index("ngram").loc["red alpha", "count"] == 2
    out = collocations(corpus, min_freq=1, top_n=None, stop_words=["red"])
    assert not out["ngram"].str.contains("red").any()


def test_trigrams_and_likelihood_ratio(seeds_corpus):
    tri = collocations(seeds_corpus, n=3, min_freq=2, top_n=10)
    assert (tri["ngram"].str.count(" ") == 2).all() and (tri["count"] >= 2).all()
    llr = collocations(seeds_corpus, measure="likelihood_ratio", top_n=5)
    assert len(llr) == 5 and llr["score"].is_monotonic_decreasing
    with pytest.raises(AnalysisError, match="n=4"):
        collocations(seeds_corpus, n=4)
    with pytest.raises(AnalysisError, match="measure='dice'"):
        collocations(seeds_corpus, measure="dice")
    with pytest.raises(AnalysisError, match="span=3"):
        collocations(seeds_corpus, n=3, span=3)


def test_span_counts_pairs_within_that_many_words_and_window_is_its_old_name():
    corpus = pd.DataFrame({"doc_id": ["a", "b"], "text": ["red x alpha", "red alpha"]})
    out = collocations(corpus, min_freq=1, span=3, top_n=None, stop_words=None)
    # red..alpha: adjacent in b, two apart in a (within 3 consecutive words)
    assert out.set_index("ngram").loc["red alpha", "count"] == 2
    assert "alpha red" not in set(out["ngram"])  # the padding keeps documents apart
    with pytest.warns(DeprecationWarning, match=r"collocations\(window=...\)"):
        old = collocations(corpus, min_freq=1, window=3, top_n=None, stop_words=None)
    pd.testing.assert_frame_equal(old, out)
    with pytest.warns(DeprecationWarning, match=r"collocations\(top=...\)"):
        old = collocations(corpus, min_freq=1, top=1, stop_words=None)
    pd.testing.assert_frame_equal(old, collocations(corpus, min_freq=1, top_n=1, stop_words=None))


def test_non_text_values_count_as_empty_documents():
    corpus = pd.DataFrame({"doc_id": ["a", "b", "c"], "text": ["red alpha", None, "red alpha"]})
    out = collocations(corpus, min_freq=1, top_n=None, stop_words=None)
    assert out.set_index("ngram").loc["red alpha", "count"] == 2
    assert kwic(corpus, "alpha")["doc_id"].tolist() == ["a", "c"]


def test_kwic_missing_column_is_one_line():
    with pytest.raises(AnalysisError, match="kwic: the table has no column 'text'"):
        kwic(pd.DataFrame({"doc_id": ["a"], "body": ["x"]}), "x")


# ---------------------------------------------------------------- sample_hits


def _hits():
    # pattern p: doc a has 3 hits, doc b 2, doc c 1; pattern q: doc b 2 hits
    rows = [("a", "p", 0), ("a", "p", 1), ("a", "p", 2), ("b", "p", 0), ("b", "p", 1)]
    rows += [("c", "p", 0), ("b", "q", 0), ("b", "q", 1)]
    return pd.DataFrame(rows, columns=["doc_id", "pattern", "position"])


def test_round_robin_takes_each_documents_first_hit_first():
    out = sample_hits(_hits(), 4, order=["q", "p"])
    assert list(zip(out["pattern"], out["doc_id"], out["position"], strict=True)) == [
        ("q", "b", 0), ("q", "b", 1),
        ("p", "a", 0), ("p", "b", 0), ("p", "c", 0), ("p", "a", 1),
    ]  # fmt: skip
    assert list(out.index) == list(range(6))
    # order=None: patterns in order of first appearance; values not in order are dropped
    assert sample_hits(_hits(), 1)["pattern"].tolist() == ["p", "q"]
    assert sample_hits(_hits(), 9, order=["q"])["pattern"].tolist() == ["q", "q"]


def test_even_takes_evenly_spaced_rows_per_value():
    table = pd.DataFrame({"theme": ["t"] * 10 + ["u"] * 2, "doc_id": "d", "i": range(12)})
    out = sample_hits(table, 4, by="theme", how="even", order=["u", "t"])
    # u: 2 <= 4 rows, all kept; t: 10 rows, step 2.5 -> 0, 2, 5, 7
    assert out["i"].tolist() == [10, 11, 0, 2, 5, 7]
    with pytest.raises(AnalysisError, match="how='spread'"):
        sample_hits(table, 2, by="theme", how="spread")
    with pytest.raises(AnalysisError, match="sample_hits: the table has no column 'pattern'"):
        sample_hits(table, 2)


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(
        st.text(st.sampled_from(list("abKkſsSİi -,\n.é*")), max_size=40), min_size=1, max_size=5
    ),
    queries=st.lists(
        st.sampled_from(
            ["k", "s", "ks", "i", "a*", "?s", "ab", "k s", "é", "si*k", "İ", "*s", "* k"]
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_kwic_finds_every_match_of_every_query_in_every_text(texts, queries):
    """kwic skips texts in which none of the queries' words occur (one search for them
    all), and for each query the texts without its own words (leading ``*`` globs
    aside); no text with a match is skipped, whatever the case folding (Kelvin sign,
    long s, dotted I), and the rows of several queries are those of each query on its
    own."""
    corpus = pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "text": texts})
    table = kwic(corpus, queries)
    for q in queries:
        got = table[table["pattern"] == q].groupby("doc_id").size().to_dict()
        expected = {  # a query given twice gives its rows twice
            d: len(query_regex(q).findall(t)) * queries.count(q)
            for d, t in zip(corpus["doc_id"], texts, strict=True)
            if query_regex(q).search(t)
        }
        assert got == expected
    alone = pd.concat([kwic(corpus, q) for q in queries], ignore_index=True)
    assert table.to_dict("records") == alone.to_dict("records")


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(
        st.text(st.sampled_from(list("abks -\n.")), max_size=30), min_size=1, max_size=8
    ),
    doc_of=st.lists(st.integers(0, 4), min_size=8, max_size=8),
    queries=st.lists(st.sampled_from(["k", "s", "ks", "a*", "k s"]), min_size=1, max_size=3),
    n=st.integers(1, 4),
)
def test_max_docs_gives_the_same_round_robin_sample(texts, doc_of, queries, n):
    """Reading only up to the first n documents with a hit per query changes no line
    of the round-robin sample of n, also when units share a doc_id or a query repeats."""
    corpus = pd.DataFrame({"doc_id": [f"d{doc_of[i]}" for i in range(len(texts))], "text": texts})
    order = list(dict.fromkeys(queries))
    everything = kwic(corpus, queries)
    few = kwic(corpus, queries, max_docs=n)
    assert len(few) <= len(everything)
    want = sample_hits(everything, n, by="pattern", order=order)
    got = sample_hits(few, n, by="pattern", order=order)
    pd.testing.assert_frame_equal(got, want)
    for q in order:  # the lines kept are those of the first n documents with a hit
        docs = list(dict.fromkeys(everything.loc[everything["pattern"] == q, "doc_id"]))[:n]
        assert set(few.loc[few["pattern"] == q, "doc_id"]) == set(docs)


def test_max_docs_stops_reading_and_checks_its_value(seeds_corpus):
    one = kwic(seeds_corpus, ["china", "war"], max_docs=1)
    assert one.groupby("pattern")["doc_id"].nunique().to_dict() == {"china": 1, "war": 1}
    with pytest.raises(AnalysisError, match="max_docs"):
        kwic(seeds_corpus, "china", max_docs=0)


@settings(max_examples=200, deadline=None)
@given(lengths=st.lists(st.integers(0, 9), min_size=1, max_size=12), d=st.integers(1, 8))
def test_same_text_mask_equals_comparing_text_numbers(lengths, d):
    # pairs (p, p + d) within a text, from the text starts (a byte per token), equal the
    # comparison of each token's text number; empty texts included; d > 4 counts starts
    import numpy as np

    from analysis.concordance import _same_text, _text_starts

    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    n = int(offsets[-1])
    text_of = np.repeat(np.arange(len(lengths)), lengths)
    want = text_of[:-d] == text_of[d:] if n > d else np.zeros(0, dtype=bool)
    got = _same_text(_text_starts(offsets, n), d) if n > d else np.zeros(0, dtype=bool)
    assert np.array_equal(got, want)


def test_collocations_on_the_same_tokens_share_their_counts_and_agree(seed_corpus):
    from analysis.tokens import word_tokens

    tokens = word_tokens(seed_corpus["text"])
    fresh = {  # each on its own tokens: nothing shared
        (n, m, sw): collocations(
            seed_corpus, tokens=word_tokens(seed_corpus["text"]), n=n, measure=m,
            min_freq=2, stop_words=sw,
        )
        for n, m, sw in [(2, "pmi", "english"), (2, "likelihood_ratio", "english"),
                         (3, "likelihood_ratio", "english"), (2, "pmi", None)]
    }  # fmt: skip
    for (n, m, sw), want in fresh.items():  # one tokens object: counted once, same tables
        got = collocations(seed_corpus, tokens=tokens, n=n, measure=m, min_freq=2, stop_words=sw)
        pd.testing.assert_frame_equal(got, want)
    # the last call's stop words are kept; other stop words made them again
    assert tokens._collocations.stops == frozenset()


def test_collocations_made_again_for_tokens_whose_arrays_were_replaced(seed_corpus):
    # the shared counts belong to the arrays they were made from: other offsets (here the
    # texts in another order) are counted afresh
    import numpy as np

    from analysis.tokens import word_tokens

    tokens = word_tokens(seed_corpus["text"])
    collocations(seed_corpus, tokens=tokens, n=2, measure="pmi", min_freq=2)
    order = list(range(len(seed_corpus)))[::-1]
    flipped = seed_corpus.iloc[order].reset_index(drop=True)
    again = word_tokens(flipped["text"])
    tokens.ids, tokens.offsets = again.ids, again.offsets
    tokens.types = again.types
    want = collocations(
        flipped, tokens=word_tokens(flipped["text"]), n=2, measure="pmi", min_freq=2
    )
    got = collocations(flipped, tokens=tokens, n=2, measure="pmi", min_freq=2)
    pd.testing.assert_frame_equal(got, want)
    assert np.array_equal(tokens._collocations.source[1], again.offsets)
