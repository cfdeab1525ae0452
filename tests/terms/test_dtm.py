"""build_dtm: equivalence with scikit-learn, stemming, phrases, units, df limits, errors."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from nltk.stem.snowball import SnowballStemmer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from analysis import AnalysisError, build_dtm, group_counts, read_corpus
from analysis.text import TOKEN_PATTERN, tokenize

ROOT = Path(__file__).parents[2]
MINI = ROOT / "tests" / "data" / "ungdc_mini"
UNGDC_PATTERN = "{year}/{country}_{session}_{year}.txt"


@pytest.fixture(scope="module")
def seeds() -> pd.DataFrame:
    return read_corpus(ROOT / "seeds")


@pytest.fixture(scope="module")
def mini() -> pd.DataFrame:
    return read_corpus(MINI, pattern=UNGDC_PATTERN)


def toy(*texts: str, **columns) -> pd.DataFrame:
    """A corpus DataFrame without files."""
    df = pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "text": list(texts)})
    for name, values in columns.items():
        df[name] = values
    return df


def assert_same_as_sklearn(corpus: pd.DataFrame, **kw) -> None:
    """Same vocabulary (and order), same counts, same rows as CountVectorizer."""
    dtm = build_dtm(corpus, **kw)
    kw.setdefault("stop_words", "english")
    cv = CountVectorizer(**kw)
    expected = cv.fit_transform(corpus["text"])
    names = cv.get_feature_names_out()
    assert list(dtm.keys) == list(names)
    assert list(dtm.terms) == list(names)
    assert dtm.matrix.shape == expected.shape
    assert (dtm.matrix != expected).nnz == 0
    assert list(dtm.docs["doc_id"]) == list(corpus["doc_id"])


# ----------------------------------------------------------------------------- sklearn


@pytest.mark.parametrize("ngram_range", [(1, 1), (1, 2), (1, 3), (2, 3)])
@pytest.mark.parametrize("stop_words", [None, "english"])
def test_equivalent_to_countvectorizer_on_seeds(seeds, ngram_range, stop_words):
    assert_same_as_sklearn(seeds, ngram_range=ngram_range, stop_words=stop_words)


@pytest.mark.parametrize(
    "kw",
    [
        dict(token_pattern=r"(?u)\b([a-z]\w+)\b", ngram_range=(1, 2)),  # one capture group
        dict(token_pattern=r"\S+", stop_words=None),
        dict(lowercase=False, ngram_range=(1, 2), stop_words=None),
        dict(lowercase=False, ngram_range=(1, 3)),
        dict(stop_words=["china", "war", "the", "of"], ngram_range=(1, 2)),
    ],
)
def test_equivalent_to_countvectorizer_options(seeds, kw):
    assert_same_as_sklearn(seeds, **kw)


@pytest.mark.parametrize(
    "kw",
    [
        dict(ngram_range=(1, 1)),
        dict(ngram_range=(1, 3), stop_words=None),
        dict(ngram_range=(1, 3), min_df=2),
        dict(ngram_range=(1, 2), min_df=3, max_df=5),
        dict(ngram_range=(1, 3), min_df=0.3, max_df=0.7),
        dict(ngram_range=(2, 3), min_df=2, max_df=0.9, stop_words=None),
        dict(ngram_range=(1, 2), lowercase=False, min_df=2),
    ],
)
def test_equivalent_to_countvectorizer_on_real_speeches(mini, kw):
    assert_same_as_sklearn(mini, **kw)


def test_unicode_edge_cases_match_sklearn():
    # word characters of many scripts, underscores, digits, combining marks, single letters
    corpus = toy(
        "Ça va? naïve café_au_lait x2 a b c 中文 字 ١٢٣ ß straße Über über",
        "e\u0301te\u0301 été ÉTÉ don't U.S. 2020-09-03 __init__ İstanbul ǅemal",
        "",
        "a",
    )
    for kw in (dict(stop_words=None), dict(ngram_range=(1, 3)), dict(lowercase=False)):
        assert_same_as_sklearn(corpus, **kw)


def test_parallel_tokenization_gives_the_same_result(mini):
    # a pattern of its own, so that the regex backend (and its workers) tokenizes
    kw = dict(ngram_range=(1, 3), stem=True, token_pattern=r"(\w\w+)")
    one = build_dtm(mini, n_jobs=1, **kw)
    two = build_dtm(mini, n_jobs=2, **kw)
    assert list(one.keys) == list(two.keys)
    assert list(one.terms) == list(two.terms)
    assert (one.matrix != two.matrix).nnz == 0


@pytest.mark.parametrize(
    "kw",
    [
        dict(ngram_range=(1, 3), stem=True),
        dict(ngram_range=(1, 2), stop_words=None, min_df=2),
        dict(phrases=["general assembly", "united nations"], stem=True, ngram_range=(1, 2)),
        dict(lowercase=False, ngram_range=(1, 2)),
    ],
)
def test_the_default_pattern_without_the_regex_gives_the_regex_matrix(mini, kw):
    # the default pattern's tokens come from the vectorised backend; the same pattern
    # with a capturing group goes through the regex: the same matrix, terms and rows
    fast = build_dtm(mini, **kw)
    slow = build_dtm(mini, token_pattern=r"(\w\w+)", n_jobs=1, **kw)
    assert list(fast.keys) == list(slow.keys) and list(fast.terms) == list(slow.terms)
    assert fast.matrix.shape == slow.matrix.shape and (fast.matrix != slow.matrix).nnz == 0
    assert fast.docs.equals(slow.docs)


def test_deterministic(seeds):
    a = build_dtm(seeds, ngram_range=(1, 2), stem=True)
    b = build_dtm(seeds, ngram_range=(1, 2), stem=True)
    assert list(a.terms) == list(b.terms) and (a.matrix != b.matrix).nnz == 0


# ----------------------------------------------------------------------------- contract


def test_docs_and_params(seeds):
    dtm = build_dtm(seeds, min_df=2)
    expected_cols = [c for c in seeds.columns if c not in ("text", "raw_text")]
    assert {"doc_id", "unit_id", "unit_index", "n_tokens"} <= set(dtm.docs.columns)
    assert set(expected_cols) <= set(dtm.docs.columns)
    assert "text" not in dtm.docs.columns and "raw_text" not in dtm.docs.columns
    # n_tokens: the unit's word tokens (maximal \w runs, one-letter words included), the
    # same number as read_corpus's, not the count of 2+-character DTM tokens (issue 11)
    assert list(dtm.docs["n_tokens"]) == [len(re.findall(r"\w+", t)) for t in seeds["text"]]
    assert list(dtm.docs["n_tokens"]) == list(seeds["n_tokens"])
    assert list(dtm.docs["n_tokens"]) == [566, 573, 1166, 822, 357]
    assert [len(tokenize(t)) for t in seeds["text"]] == [552, 554, 1140, 779, 345]
    assert dtm.matrix.format == "csr" and dtm.matrix.dtype.kind == "i"
    assert list(dtm.keys) == sorted(dtm.keys)
    assert dtm.params["min_df"] == 2 and dtm.params["ngram_range"] == (1, 1)
    assert dtm.params["stop_words"] == "english" and dtm.params["stem"] is False


def test_group_counts_sums_rows(mini):
    dtm = build_dtm(mini, unit="paragraph")
    groups, counts, n_tokens = group_counts(dtm, "country")
    dense = dtm.matrix.toarray()
    for i, g in enumerate(groups):
        rows = (dtm.docs["country"] == g).to_numpy()
        assert (counts[i].toarray().ravel() == dense[rows].sum(axis=0)).all()
        assert n_tokens[i] == dtm.docs.loc[rows, "n_tokens"].sum()
    with pytest.raises(AnalysisError, match="not a column"):
        group_counts(dtm, "nope")


def test_group_counts_by_several_columns(mini):
    dtm = build_dtm(mini)
    dtm.docs["half"] = np.where(dtm.docs["year"] < dtm.docs["year"].median(), "early", "late")
    groups, counts, n_tokens = group_counts(dtm, ["half", "country"])
    labels = dtm.docs["half"] + " | " + dtm.docs["country"]
    assert list(groups) == sorted(set(labels), key=lambda g: (g.split(" | ")[0], g.split(" | ")[1]))
    dense = dtm.matrix.toarray()
    for i, g in enumerate(groups):
        rows = (labels == g).to_numpy()
        assert (counts[i].toarray().ravel() == dense[rows].sum(axis=0)).all()
        assert n_tokens[i] == dtm.docs.loc[rows, "n_tokens"].sum()
    # one column in a list is that column
    one = group_counts(dtm, ["country"])
    ref = group_counts(dtm, "country")
    assert list(one[0]) == list(ref[0]) and (one[1] != ref[1]).nnz == 0
    assert list(one[2]) == list(ref[2])
    assert list(group_counts(dtm)[0]) == list(dtm.docs["unit_id"])
    with pytest.raises(AnalysisError, match="by='nope' is not a column"):
        group_counts(dtm, ["country", "nope"])
    dtm.docs.loc[0, "half"] = None
    with pytest.raises(AnalysisError, match="column 'half' has missing values in 1 units"):
        group_counts(dtm, ["half", "country"])


def test_top_terms_top_n_and_old_n(seeds):
    import warnings

    from analysis import top_terms

    dtm = build_dtm(seeds)
    new = top_terms(dtm, by="source_type", top_n=3)
    assert new.groupby("group").size().max() == 3
    with pytest.warns(DeprecationWarning, match=r"top_terms\(n=...\) is deprecated; use top_n="):
        old = top_terms(dtm, by="source_type", n=3)
    pd.testing.assert_frame_equal(old, new)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        top_terms(dtm, top_n=2)
    # rate_per_1k divides by the group's word tokens (dtm.docs n_tokens)
    _, _, tokens = group_counts(dtm, "source_type")
    first = new[new["group"] == new["group"].iloc[0]].iloc[0]
    assert first["rate_per_1k"] == pytest.approx(1000 * first["count"] / tokens[0])
    with pytest.raises(AnalysisError, match="top_n=0"):
        top_terms(dtm, top_n=0)
    with pytest.raises(AnalysisError, match="give top_n= only"):
        top_terms(dtm, n=2, top_n=2)


# ----------------------------------------------------------------------------- stop words


def test_extra_stop_words_are_removed_before_ngrams():
    corpus = toy("the united nations general assembly meets", "united we stand")
    dtm = build_dtm(corpus, ngram_range=(1, 2), extra_stop_words=["United", "nations"])
    assert "united" not in dtm.keys and "nations" not in dtm.keys
    assert "general assembly" in dtm.keys
    # n-grams are formed after removal, as scikit-learn does with stop_words
    cv = CountVectorizer(
        ngram_range=(1, 2), stop_words=sorted(ENGLISH_STOP_WORDS | {"united", "nations"})
    )
    cv.fit(corpus["text"])
    assert list(dtm.keys) == list(cv.get_feature_names_out())
    assert dtm.params["extra_stop_words"] == ["United", "nations"]


def test_stop_words_none_keeps_everything(seeds):
    dtm = build_dtm(seeds, stop_words=None)
    assert "the" in dtm.keys and "of" in dtm.keys


# ----------------------------------------------------------------------------- stemming


def _surface_stem_table(corpus, ngram_range=(1, 1)):
    """Independent reference: surface n-gram totals and their stem keys (nltk directly)."""
    plain = build_dtm(corpus, ngram_range=ngram_range, stop_words="english")
    totals = np.asarray(plain.matrix.sum(axis=0)).ravel()
    stemmer = SnowballStemmer("english")
    key_of = {t: " ".join(stemmer.stem(w) for w in t.split(" ")) for t in plain.terms}
    return plain, totals, key_of


@pytest.mark.parametrize("ngram_range", [(1, 1), (1, 2)])
def test_stems_merge_inflections_and_display_the_most_frequent_surface(seeds, ngram_range):
    plain, totals, key_of = _surface_stem_table(seeds, ngram_range)
    dtm = build_dtm(seeds, ngram_range=ngram_range, stem=True)
    by_key: dict[str, Counter] = {}
    for term, total in zip(plain.terms, totals, strict=True):
        by_key.setdefault(key_of[term], Counter())[term] += int(total)
    assert set(dtm.keys) == set(by_key)
    stem_totals = np.asarray(dtm.matrix.sum(axis=0)).ravel()
    for key, term, total in zip(dtm.keys, dtm.terms, stem_totals, strict=True):
        surfaces = by_key[key]
        assert total == sum(surfaces.values())  # count of a key = sum of its surfaces
        best = max(surfaces.values())
        assert term == min(s for s, c in surfaces.items() if c == best)


def test_stemmed_display_form_is_a_word(seeds):
    dtm = build_dtm(seeds, stem=True)
    terms = set(dtm.terms)
    assert "rejuvenation" in terms and "rejuven" not in terms
    assert dict(zip(dtm.keys, dtm.terms, strict=True))["rejuven"] == "rejuvenation"
    # per-unit counts of a stem = sum of the per-unit counts of its surface forms
    plain = build_dtm(seeds)
    stemmer = SnowballStemmer("english")
    j = list(dtm.keys).index("commemor")
    cols = [i for i, t in enumerate(plain.terms) if stemmer.stem(t) == "commemor"]
    assert len(cols) >= 2  # e.g. commemorate, commemorating, commemoration
    expected = np.asarray(plain.matrix[:, cols].sum(axis=1)).ravel()
    assert (dtm.matrix[:, j].toarray().ravel() == expected).all()


def test_stem_ties_go_to_the_alphabetically_first_surface():
    corpus = toy("nations nation", "nation nations")  # 2 : 2
    dtm = build_dtm(corpus, stem=True)
    assert list(dtm.keys) == ["nation"] and list(dtm.terms) == ["nation"]
    corpus = toy("nations nation nations", "nationally")  # nations wins 2 : 1
    dtm = build_dtm(corpus, stem=True)
    assert dict(zip(dtm.keys, dtm.terms, strict=True))["nation"] == "nations"


# ----------------------------------------------------------------------------- phrases

PHRASES = ["community with a shared future", "national rejuvenation"]


def _regex_count(text: str, phrase: str) -> int:
    return len(re.findall(r"\b" + r"\W+".join(phrase.split()) + r"\b", text.lower()))


def test_phrases_count_each_occurrence_once(seeds):
    dtm = build_dtm(seeds, phrases=PHRASES)
    for phrase in PHRASES:
        j = list(dtm.terms).index(phrase)
        expected = [_regex_count(t, phrase) for t in seeds["text"]]
        assert sum(expected) > 0
        assert list(dtm.matrix[:, j].toarray().ravel()) == expected


def test_phrase_tokens_are_consumed(seeds):
    with_p = build_dtm(seeds, stop_words=None, phrases=PHRASES)
    without = build_dtm(seeds, stop_words=None)
    n_phrase = np.array([_regex_count(t, PHRASES[0]) for t in seeds["text"]])

    def column(dtm, word):
        keys = list(dtm.keys)
        if word not in keys:  # every occurrence was inside the phrase
            return np.zeros(dtm.shape[0], dtype=np.int64)
        return dtm.matrix[:, keys.index(word)].toarray().ravel()

    for word in ("community", "shared", "future"):
        assert list(column(without, word) - column(with_p, word)) == list(n_phrase)


def test_phrases_greedy_longest_non_overlapping_and_stemmed():
    corpus = toy(
        "We build a community with a shared future, a shared future for all.",
        "Communities with a shared future; national rejuvenation and nations rejuvenated.",
    )
    dtm = build_dtm(corpus, stop_words=None, phrases=["shared future", *PHRASES])
    got = dict(zip(dtm.terms, dtm.matrix.toarray().T.tolist(), strict=True))
    assert got["community with a shared future"] == [1, 0]  # longest wins at the same place
    assert got["shared future"] == [1, 1]  # the second occurrence of doc 0, and doc 1
    assert got["national rejuvenation"] == [0, 1]
    stemmed = build_dtm(corpus, stop_words=None, stem=True, phrases=PHRASES)
    got = dict(zip(stemmed.terms, stemmed.matrix.toarray().T.tolist(), strict=True))
    # stems match inflected forms; the display form is the phrase as given
    assert got["community with a shared future"] == [1, 1]
    assert got["national rejuvenation"] == [0, 2]
    # overlapping candidates: the earlier match wins
    dtm = build_dtm(toy("alpha beta gamma"), stop_words=None, phrases=["beta gamma", "alpha beta"])
    assert sorted(dtm.terms) == ["alpha beta", "gamma"]


def test_phrases_do_not_cross_units():
    corpus = toy("national\n\nrejuvenation")
    par = build_dtm(corpus, unit="paragraph", stop_words=None, phrases=["national rejuvenation"])
    assert "national rejuvenation" not in par.terms
    doc = build_dtm(corpus, stop_words=None, phrases=["national rejuvenation"])
    assert list(doc.terms) == ["national rejuvenation"]


# ----------------------------------------------------------------------------- units


@pytest.mark.parametrize("unit", ["paragraph", "sentence"])
def test_unit_rows_sum_to_the_document_rows(mini, unit):
    doc = build_dtm(mini, stem=True)
    parts = build_dtm(mini, unit=unit, stem=True)
    assert len(parts.docs) > len(doc.docs)
    assert list(parts.keys) == list(doc.keys)
    groups, counts, n_tokens = group_counts(parts, "doc_id")
    order = [list(groups).index(d) for d in doc.docs["doc_id"]]
    assert (counts[order] != doc.matrix).nnz == 0
    assert list(n_tokens[order]) == list(doc.docs["n_tokens"])
    assert parts.docs["unit_id"].is_unique


def test_ngrams_never_cross_units():
    corpus = toy("alpha beta\n\ngamma delta")
    par = build_dtm(corpus, unit="paragraph", ngram_range=(2, 2), stop_words=None)
    assert list(par.keys) == ["alpha beta", "gamma delta"]


# ----------------------------------------------------------------------------- df limits


def test_min_df_max_df_semantics():
    corpus = toy("a1 b1 c1", "a1 b1", "a1", "a1 c1 c1 c1")  # df: a1 4, b1 2, c1 2
    assert list(build_dtm(corpus, min_df=3).keys) == ["a1"]
    assert list(build_dtm(corpus, min_df=np.int64(3)).keys) == ["a1"]  # a count, too
    assert list(build_dtm(corpus, max_df=2).keys) == ["b1", "c1"]
    assert list(build_dtm(corpus, max_df=0.5).keys) == ["b1", "c1"]  # df <= 2.0
    assert list(build_dtm(corpus, min_df=0.75).keys) == ["a1"]  # df >= 3.0
    assert list(build_dtm(corpus, min_df=0.5, max_df=0.5).keys) == ["b1", "c1"]
    # counts, not df, are what the matrix holds
    dtm = build_dtm(corpus, max_df=2)
    assert dtm.matrix.toarray()[:, 1].tolist() == [1, 0, 0, 3]


def test_min_df_prunes_ngrams_exactly():
    # n-grams are pruned level by level; frequent parts do not make a frequent whole
    corpus = toy("x y z", "x y", "y x y", "z x y", "q x", "y z")
    kw = dict(ngram_range=(1, 3), min_df=2, token_pattern=r"\w+", stop_words=None)
    dtm = build_dtm(corpus, **kw)
    cv = CountVectorizer(**kw)
    expected = cv.fit_transform(corpus["text"])
    assert list(dtm.keys) == list(cv.get_feature_names_out())
    assert (dtm.matrix != expected).nnz == 0
    # both bigrams of "x y z" reach min_df (x y: 4 docs, y z: 2), the trigram (1 doc) not
    assert {"x y", "y z"} <= set(dtm.keys) and "x y z" not in dtm.keys


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        (dict(min_df=3, max_df=2), "max_df=2 corresponds to fewer units"),
        (dict(min_df=0.9, max_df=0.1), "max_df=0.1 corresponds to fewer units"),
        (dict(min_df=1.5), "min_df=1.5 is invalid"),
        (dict(max_df=-0.1), "max_df=-0.1 is invalid"),
        (dict(min_df=0), "min_df=0 is invalid"),
        (dict(min_df=True), "min_df=True is invalid"),
        (dict(min_df="2"), "min_df='2' is invalid"),
        (dict(ngram_range=(2, 1)), r"ngram_range=\(2, 1\) is invalid"),
        (dict(ngram_range=(0, 1)), r"ngram_range=\(0, 1\) is invalid"),
        (dict(ngram_range=2), "ngram_range=2 is invalid"),
        (dict(stop_words="french"), "stop_words='french' is not known"),
        (dict(extra_stop_words="the"), "extra_stop_words='the' is a string"),
        (dict(token_pattern=r"(\w)(\w)"), "2 capturing groups"),
        (dict(token_pattern=r"(\w"), "not a valid regular expression"),
        (dict(unit="chapter"), "unit='chapter'"),
        (dict(phrases="national rejuvenation"), "is a string"),
        (dict(phrases=["rejuvenation"]), "needs at least two"),
    ],
)
def test_errors_are_one_line_analysis_errors(seeds, kw, match):
    with pytest.raises(AnalysisError, match=match) as info:
        build_dtm(seeds, **kw)
    assert "\n" not in str(info.value)


def test_empty_vocabulary_is_an_error():
    with pytest.raises(AnalysisError, match="empty vocabulary"):
        build_dtm(toy("the and of", "a"))
    with pytest.raises(AnalysisError, match="no terms remain after pruning"):
        build_dtm(toy("alpha beta", "gamma delta"), min_df=2)


def test_default_token_pattern_is_sklearns():
    assert TOKEN_PATTERN == CountVectorizer().token_pattern


def test_phrase_and_equal_ngram_are_one_term():
    # the bigram formed after removing a stop word has the phrase's key: one column
    corpus = toy("national rejuvenation", "national the rejuvenation")
    dtm = build_dtm(corpus, ngram_range=(1, 2), phrases=["national rejuvenation"])
    assert len(set(dtm.keys)) == len(dtm.keys)
    got = dict(zip(dtm.terms, dtm.matrix.toarray().T.tolist(), strict=True))
    assert got["national rejuvenation"] == [1, 1]
    assert got["national"] == [0, 1] and got["rejuvenation"] == [0, 1]


def test_to_csr_consumes_the_levels_and_equals_the_stacked_permuted_columns():
    import scipy.sparse as sp

    from analysis import _dtm_fast as fast

    rng = np.random.default_rng(3)
    key_ids = rng.integers(0, 40, size=3_000)
    unit_of = np.sort(rng.integers(0, 60, size=3_000)).astype(np.int32)
    levels: list = []
    for _ in fast.count_ngrams(
        key_ids, unit_of, 40, (1, 3), 1, 3_000, keep_elements=False, levels=levels
    ):
        pass
    n_units = int(unit_of[-1]) + 1
    copies = [(lv.indptr.copy(), lv.indices.copy(), lv.data.copy()) for lv in levels]
    blocks = [sp.csc_matrix((d, i, p), shape=(n_units, len(p) - 1)) for p, i, d in copies]
    ref = sp.hstack(blocks, format="csc")
    order = rng.permutation(ref.shape[1])
    got = fast.to_csr(levels, n_units, order)
    want = ref[:, order].tocsr()
    assert got.shape == want.shape and got.nnz == want.nnz > 1_000
    assert got.has_sorted_indices
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(got, part), getattr(want, part)), part
    assert all(lv.indptr is None and lv.indices is None and lv.data is None for lv in levels)


@pytest.mark.parametrize("b_sorted", [True, False])
@pytest.mark.parametrize("b_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("a_bound", [1_000, 1 << 55])  # packed in one int64, or lexsorted
def test_sort_pairs_empties_the_pair_and_sorts_by_a_then_b_keeping_bs_dtype(
    a_bound, b_dtype, b_sorted
):
    from analysis import _dtm_fast as fast

    rng = np.random.default_rng(5)
    a = rng.integers(0, min(a_bound, 50), size=2_000).astype(np.int64)
    b = rng.integers(0, 300, size=2_000).astype(b_dtype)
    if b_sorted:  # positions and units come sorted; surface variants do not
        b = np.sort(b)
    want = sorted(zip(a.tolist(), b.tolist(), strict=True))
    pair = [a.copy(), b]
    got_a, got_b = fast._sort_pairs(pair, a_bound, 300)
    assert pair == []  # the caller's references go, so the arrays are freed once packed
    assert got_b.dtype == b_dtype  # unit ids stay int32: half the memory of int64
    assert list(zip(got_a.tolist(), got_b.tolist(), strict=True)) == want
