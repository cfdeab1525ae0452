"""The fast paths of analysis.compare give the very tables of the previous implementation.

``compare_before`` is the module as it was before the big-vocabulary work (full group x
term sums, dictionaries of the whole vocabulary, three keyness tables per agreement);
every case here compares the two with ``assert_frame_equal(check_exact=True)``.
"""

from __future__ import annotations

import compare_before as before
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import AnalysisError, build_dtm, compare, keyness, read_corpus, term_frequencies
from analysis.compare import _Lookup, _top_by_z, keyness_agreement
from analysis.keywords import sorted_strings


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal values; keyness' label columns are categoricals now (strings before)."""
    labels = [c for c in ("measure", "target", "reference") if c in a.columns]
    for c in labels:
        assert isinstance(a[c].dtype, pd.CategoricalDtype) and len(a[c].cat.categories) <= 1
    a = a.astype({c: b[c].dtype for c in labels})
    pd.testing.assert_frame_equal(a, b, check_exact=True)


@pytest.fixture(scope="module")
def stemmed_dtm(seed_corpus):
    """Stemmed: display forms are not in alphabetical order (the dictionary path)."""
    return build_dtm(seed_corpus, ngram_range=(1, 2), stem=True)


@pytest.fixture(scope="module")
def mini_dtm(mini_dir):
    return build_dtm(
        read_corpus(mini_dir, pattern="{year}/{country}_{session}_{year}.txt"), ngram_range=(1, 2)
    )


@pytest.mark.parametrize("measure", ["log_odds_dirichlet", "log_likelihood", "chi2"])
@pytest.mark.parametrize("top_n", [None, 5])
@pytest.mark.parametrize("block", [None, 7])
def test_keyness_equals_the_previous_tables(
    seeds_dtm, stemmed_dtm, measure, top_n, block, monkeypatch
):
    if block is not None:  # scores and p-values a few terms at a time: the same table
        monkeypatch.setattr(compare, "_SCORE_BLOCK", block)
    for dtm in (seeds_dtm, stemmed_dtm):
        years = sorted(dtm.docs["year"].unique())
        for target, reference in (
            (years[-1], None),
            (years[-1], years[:-1]),
            (years[0], years[1:2]),
        ):
            kw = dict(by="year", target=target, reference=reference, measure=measure, top_n=top_n)
            _same(keyness(dtm, **kw), before.keyness(dtm, **kw))
        kw = dict(
            by=["source", "year"],
            target=dtm.docs["source"].iloc[0] + " | " + str(dtm.docs["year"].iloc[0]),
        )
        _same(keyness(dtm, measure=measure, **kw), before.keyness(dtm, measure=measure, **kw))


def test_keyness_equals_on_real_speeches(mini_dtm):
    by = "year" if mini_dtm.docs["year"].nunique() > 1 else "source"
    groups = sorted(mini_dtm.docs[by].unique())
    for measure in ("log_odds_dirichlet", "log_likelihood", "chi2"):
        kw = dict(by=by, target=groups[-1], measure=measure, alpha0=50.0, level=0.9)
        _same(keyness(mini_dtm, **kw), before.keyness(mini_dtm, **kw))


def test_keyness_errors_unchanged(seeds_dtm):
    with pytest.raises(AnalysisError, match="nothing is left as reference"):
        keyness(seeds_dtm, by="year", target=sorted(seeds_dtm.docs["year"].unique()))
    with pytest.raises(AnalysisError, match="is not a value of column 'year'"):
        keyness(seeds_dtm, by="year", target=1800)
    with pytest.raises(AnalysisError, match="keyness needs a grouping column"):
        keyness(seeds_dtm, by=None, target=1800)


@pytest.mark.parametrize("top_n", [1, 3, 15, 10_000])
@pytest.mark.parametrize("block", [None, 7])
def test_agreement_equals_three_full_tables(
    seeds_dtm, stemmed_dtm, mini_dtm, top_n, block, monkeypatch
):
    if block is not None:  # z a few terms at a time
        monkeypatch.setattr(compare, "_SCORE_BLOCK", block)
    for dtm in (seeds_dtm, stemmed_dtm, mini_dtm):
        by = "year" if dtm.docs["year"].nunique() > 1 else "source"
        target = sorted(dtm.docs[by].unique())[-1]
        for measures in (
            ("log_odds_dirichlet", "log_likelihood", "chi2"),
            ("chi2", "log_likelihood"),
        ):
            kw = dict(by=by, target=target, measures=measures, top_n=top_n)
            _same(keyness_agreement(dtm, **kw), before.keyness_agreement(dtm, **kw))


def test_top_by_z_breaks_ties_alphabetically_like_a_full_sort():
    rng = np.random.default_rng(3)
    terms = np.array([f"t{i:03d}" for i in rng.permutation(300)], dtype=object)
    z = rng.integers(-3, 4, size=300).astype(float)  # many ties, -0.0 and 0.0 alike
    z[z == 0] = np.where(rng.random((z == 0).sum()) < 0.5, -0.0, 0.0)
    full = np.lexsort((before.term_order(terms), -z))
    for top_n in (1, 7, 50, 299, 300, 400):
        assert _top_by_z(z, terms, top_n).tolist() == full[:top_n].tolist()
        # the terms looked up through positions into a larger vocabulary: the same
        vocab = np.concatenate([terms, np.array(["zz", "aa"], dtype=object)])[::-1]
        at = len(vocab) - 1 - np.arange(300)  # vocab[at[i]] == terms[i]
        assert _top_by_z(z, vocab, top_n, at=at).tolist() == full[:top_n].tolist()


def _wide_dtm(n_docs: int = 200, n_terms: int = 300_000):
    """A DTM of many terms and few documents (the shape of a 1-2-gram matrix)."""
    import scipy.sparse as sp

    from analysis.dtm import DTM

    rng = np.random.default_rng(0)
    per_doc = 3 * n_terms // n_docs
    indices = np.concatenate(
        [np.sort(rng.choice(n_terms, per_doc, replace=False)) for _ in range(n_docs)]
    ).astype(np.int32)
    indptr = np.arange(n_docs + 1, dtype=np.int64) * per_doc
    counts = rng.integers(1, 4, size=len(indices)).astype(np.int64)
    m = sp.csr_matrix((counts, indices, indptr), shape=(n_docs, n_terms))
    terms = np.array([f"t{i:06d}" for i in range(n_terms)], dtype=object)
    docs = pd.DataFrame({
        "unit_id": [f"d{i}" for i in range(n_docs)], "doc_id": [f"d{i}" for i in range(n_docs)],
        "year": np.arange(n_docs) % 10 + 2000, "n_tokens": per_doc * 2,
    })  # fmt: skip
    return DTM(matrix=m, terms=terms, docs=docs, keys=terms, params={})


@pytest.mark.parametrize("measure", ["log_odds_dirichlet", "log_likelihood"])
def test_keyness_holds_little_beside_its_table(measure):
    # each column is taken in table order and its source let go, the p-values are made a
    # block at a time
    import tracemalloc

    dtm = _wide_dtm()
    n = int((dtm.matrix.getnnz(axis=0) > 0).sum())  # the terms that occur
    tracemalloc.start()
    try:
        table = keyness(dtm, by="year", target=2009, measure=measure)
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        keyness_agreement(dtm, by="year", target=2009)
        agreement_peak = tracemalloc.get_traced_memory()[1] - current
    finally:
        tracemalloc.stop()
    assert len(table) == n
    # measured 34 (log-odds) and 61 (G²) bytes a term beside the table; 90 and 82 when
    # every source and the whole table were held at once. The agreement: 137 (161 with
    # the score and statistic arrays and a copy of the terms for each measure)
    assert peak - current < 70 * n
    assert agreement_peak < 150 * n


@pytest.mark.parametrize(
    "terms",
    [
        ["war", "peace"],
        ["War"],
        ["shared future", "war"],
        ["multilateral*"],
        ["wa?", "*ism", "war"],
        "peace",
    ],
)
def test_frequencies_of_terms_equal_previous(seeds_dtm, stemmed_dtm, terms):
    for dtm in (seeds_dtm, stemmed_dtm):
        for by in ("year", "source", None, ["source", "year"], "doc_id"):
            try:
                want = before.term_frequencies(dtm, by=by, terms=terms)
            except AnalysisError as err:
                with pytest.raises(
                    AnalysisError,
                    match=str(err)[:40].replace("(", r"\(").replace("*", r"\*").replace("?", r"\?"),
                ):
                    term_frequencies(dtm, by=by, terms=terms)
                continue
            _same(term_frequencies(dtm, by=by, terms=terms), want)


def test_frequencies_of_all_terms_equal_previous(seeds_dtm, stemmed_dtm):
    for dtm in (seeds_dtm, stemmed_dtm):
        for by in ("year", None):
            _same(term_frequencies(dtm, by=by), before.term_frequencies(dtm, by=by))


def test_lookup_finds_display_forms_and_keys_like_a_dictionary(stemmed_dtm):
    # stemmed display forms may not be sorted; keys (stems) are looked up by the same rule
    for values in (stemmed_dtm.terms, stemmed_dtm.keys, np.array(["b", "a", "b"], dtype=object)):
        want = {str(t): i for i, t in enumerate(values)}
        got = _Lookup(values)
        for s in list(want)[:200] + ["", "zzzz", "a b c"]:
            assert got.get(s) == want.get(s)


def test_sorted_strings_only_for_strictly_increasing_str():
    assert sorted_strings(np.array(["a", "ab", "b"], dtype=object)) == ["a", "ab", "b"]
    assert sorted_strings(np.array(["a", "a"], dtype=object)) is None
    assert sorted_strings(np.array(["b", "a"], dtype=object)) is None
    assert sorted_strings(np.array([1, 2], dtype=object)) is None
    assert sorted_strings(np.array(["a", "a\x00"], dtype=object)) is None  # numpy drops NULs


@settings(max_examples=200, deadline=None)
@given(
    words=st.lists(st.text(alphabet="ab\x00é", max_size=4), min_size=2, max_size=60, unique=True),
    shuffle=st.booleans(),
    swap=st.integers(0, 60),
    block=st.integers(1, 12),
)
def test_sorted_strings_a_block_at_a_time_agrees_with_pythons_order(words, shuffle, swap, block):
    # long vocabularies are checked a block of items at a time on Arrow strings: a pair out
    # of order or a NUL at the end must be found in any block, at any boundary
    import analysis.keywords as keywords_module

    values = sorted(words)
    if shuffle:  # one pair out of order, anywhere
        i = swap % (len(values) - 1)
        values[i], values[i + 1] = values[i + 1], values[i]
    want = all(a < b for a, b in zip(values[:-1], values[1:], strict=True)) and not any(
        v.endswith("\x00") for v in values
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keywords_module, "_CHECK_BLOCK", block)
        patch.setattr(keywords_module, "_CHECK_ARROW", 0)  # every length through the blocks
        got = sorted_strings(np.array(values, dtype=object))
    assert (got is not None) == want
    if want:
        assert got == values
