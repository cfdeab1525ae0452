"""tfidf_keywords: formula against scikit-learn, tie-breaking, grouping, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfTransformer

from analysis import AnalysisError, tfidf_keywords


def _sklearn_scores(counts: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """Un-normalised smooth TF-IDF of scikit-learn, divided by the group length."""
    tfidf = TfidfTransformer(norm=None, smooth_idf=True, sublinear_tf=False)
    return tfidf.fit_transform(counts).toarray() / tokens[:, None]


def _as_dense(table: pd.DataFrame, groups, terms) -> np.ndarray:
    pivot = table.pivot(index="group", columns="term", values="score")
    return pivot.reindex(index=groups, columns=terms).fillna(0.0).to_numpy()


def test_grouped_scores_equal_sklearn_on_group_sums(toy_dtm, toy):
    out = tfidf_keywords(toy_dtm, by="group_col", top_n=None)
    frame = pd.DataFrame(toy.counts, columns=toy.terms)
    sums = frame.groupby(np.array(toy.group)).sum()
    tokens = pd.Series(toy.tokens).groupby(np.array(toy.group)).sum().to_numpy()
    expected = _sklearn_scores(sums.to_numpy(), tokens)
    got = _as_dense(out, sums.index, toy.terms)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    # counts are the group sums
    counts = out.pivot(index="group", columns="term", values="count")
    counts = counts.reindex(index=sums.index, columns=toy.terms).fillna(0).to_numpy()
    np.testing.assert_array_equal(counts, sums.to_numpy())


def test_per_unit_scores_equal_sklearn(toy_dtm, toy):
    out = tfidf_keywords(toy_dtm, by=None, top_n=None)
    expected = _sklearn_scores(toy.counts, np.asarray(toy.tokens, dtype=float))
    got = _as_dense(out, toy_dtm.docs["unit_id"], toy.terms)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert list(dict.fromkeys(out["group"])) == list(toy_dtm.docs["unit_id"])


def test_term_in_every_group_gets_idf_one(toy):
    counts = np.array([[2, 1], [2, 0], [2, 0]])
    dtm = toy.make_dtm(
        counts, np.array(["common", "rare"], dtype=object), ["x", "y", "z"], [10, 10, 10]
    )
    out = tfidf_keywords(dtm, by="group_col", top_n=None)
    common = out[out["term"] == "common"]["score"].to_numpy()
    np.testing.assert_allclose(common, 2 / 10 * 1.0)  # idf = ln(4/4) + 1
    rare = out[out["term"] == "rare"]["score"].item()
    assert rare == pytest.approx(1 / 10 * (np.log(4 / 2) + 1))


def test_ranks_sorted_by_score_then_term_and_ties_cut_deterministically(toy):
    # four terms tied in one unit; top=2 must keep the two alphabetically first
    terms = np.array(["delta", "bravo", "charlie", "alpha", "echo"], dtype=object)
    counts = np.array([[1, 1, 1, 1, 3]])
    dtm = toy.make_dtm(counts, terms, ["g"], [20])
    out = tfidf_keywords(dtm, by=None, top_n=3)
    assert out["term"].tolist() == ["echo", "alpha", "bravo"]
    assert out["rank"].tolist() == [1, 2, 3]
    # permuting the columns must not change the table
    perm = np.array([3, 0, 4, 2, 1])
    out2 = tfidf_keywords(toy.make_dtm(counts[:, perm], terms[perm], ["g"], [20]), by=None, top_n=3)
    pd.testing.assert_frame_equal(out, out2)


def test_top_limits_rows_per_group_and_ranks_start_at_one(seeds_dtm):
    out = tfidf_keywords(seeds_dtm, by="year", top_n=7)
    assert list(out.columns) == ["group", "term", "score", "rank", "count", "n_docs"]
    for _, sub in out.groupby("group"):
        assert sub["rank"].tolist() == list(range(1, 8))
        assert (np.diff(sub["score"].to_numpy()) <= 0).all()
    assert sorted(out["group"].unique()) == [2010, 2020, 2025]


def test_errors_are_one_line(toy_dtm):
    with pytest.raises(AnalysisError, match="by='nope'"):
        tfidf_keywords(toy_dtm, by="nope")
    with pytest.raises(AnalysisError, match="top_n=0"):
        tfidf_keywords(toy_dtm, top_n=0)
    with pytest.raises(AnalysisError, match="give top_n= only"):
        tfidf_keywords(toy_dtm, top=2, top_n=2)


def test_old_name_top_warns_and_gives_the_same_table(toy_dtm):
    with pytest.warns(DeprecationWarning, match=r"tfidf_keywords\(top=...\) is deprecated"):
        old = tfidf_keywords(toy_dtm, by="group_col", top=2)
    pd.testing.assert_frame_equal(old, tfidf_keywords(toy_dtm, by="group_col", top_n=2))


def test_by_a_list_groups_by_combinations(toy_dtm, toy):
    out = tfidf_keywords(toy_dtm, by=["group_col", "year"], top_n=None)
    # groups: a|2010 (units 0, 1), b|2020 (2), b|2025 (3), c|2025 (4), ordered by values
    assert list(dict.fromkeys(out["group"])) == ["a | 2010", "b | 2020", "b | 2025", "c | 2025"]
    counts = out.pivot(index="group", columns="term", values="count").fillna(0)
    np.testing.assert_array_equal(
        counts.loc["a | 2010", list(toy.terms)].to_numpy(), toy.counts[[0, 1]].sum(axis=0)
    )
    # a one-element list is the same as the column name
    pd.testing.assert_frame_equal(
        tfidf_keywords(toy_dtm, by=["group_col"]), tfidf_keywords(toy_dtm, by="group_col")
    )


def test_n_docs_counts_distinct_documents_per_group(seed_corpus):
    from analysis import build_dtm
    from analysis.keywords import grouped_counts, grouped_doc_counts

    paragraphs = build_dtm(seed_corpus, unit="paragraph")
    for by in ("year", ["year", "source"]):
        groups, _, _ = grouped_counts(paragraphs, by)
        n = grouped_doc_counts(paragraphs, by)
        cols = [by] if isinstance(by, str) else by
        expected = seed_corpus.groupby(cols)["doc_id"].nunique()
        assert sorted(n.tolist()) == sorted(expected.tolist())
        assert n.sum() == len(seed_corpus)
        table = tfidf_keywords(paragraphs, by=by, top_n=2)
        sizes = dict(zip(groups, n, strict=True))
        assert (table["n_docs"] == table["group"].map(sizes)).all()
    year = tfidf_keywords(paragraphs, by="year", top_n=1).set_index("group")["n_docs"]
    assert year.to_dict() == seed_corpus.groupby("year")["doc_id"].nunique().to_dict()
    assert (tfidf_keywords(paragraphs, by=None, top_n=1)["n_docs"] == 1).all()


@pytest.mark.parametrize(("by", "top_n"), [(None, None), (None, 3), ("year", 5), ("source", None)])
def test_scores_ranked_a_block_of_rows_at_a_time_equal_one_pass(seeds_dtm, monkeypatch, by, top_n):
    # rows are scored and ranked a block at a time (a row longer than the block alone)
    import analysis.keywords as keywords_module

    monkeypatch.setattr(keywords_module, "_BLOCK", 1 << 40)  # every row in one block
    whole = tfidf_keywords(seeds_dtm, by=by, top_n=top_n)
    for block in (7, 300, 2000):  # a row a block (rows longer than it), several rows a block
        monkeypatch.setattr(keywords_module, "_BLOCK", block)
        blocks = tfidf_keywords(seeds_dtm, by=by, top_n=top_n)
        pd.testing.assert_frame_equal(whole, blocks)  # the same floats, bit for bit
    if by is None and top_n is None:
        assert len(whole) == seeds_dtm.matrix.nnz


def test_column_nonzeros_counted_in_blocks_equal_bincount(seeds_dtm, monkeypatch):
    import analysis.keywords as keywords_module

    want = np.bincount(seeds_dtm.matrix.indices, minlength=seeds_dtm.shape[1])
    monkeypatch.setattr(keywords_module, "_COUNT_BLOCK", 5)
    got = keywords_module.column_nonzeros(seeds_dtm.matrix)
    assert got.dtype == np.int64 and np.array_equal(got, want)


def test_scoring_holds_about_one_float_per_stored_entry(monkeypatch):
    # the scores are the only matrix-sized array; the row of each entry is not materialised
    # next to three float temporaries the size of the matrix
    import tracemalloc

    import scipy.sparse as sp

    from analysis.dtm import DTM

    rng = np.random.default_rng(0)
    n_docs, n_terms, nnz = 2_000, 200_000, 1_000_000
    indptr = np.linspace(0, nnz, n_docs + 1).astype(np.int64)
    indices = np.concatenate(
        [np.sort(rng.choice(n_terms, nnz // n_docs, replace=False)) for _ in range(n_docs)]
    ).astype(np.int32)
    counts = rng.integers(1, 5, size=nnz).astype(np.int64)
    m = sp.csr_matrix((counts, indices, indptr), shape=(n_docs, n_terms))
    terms = np.array([f"t{i:06d}" for i in range(n_terms)], dtype=object)
    docs = pd.DataFrame({"unit_id": [f"d{i}" for i in range(n_docs)], "doc_id":
                         [f"d{i}" for i in range(n_docs)], "n_tokens": 10_000})  # fmt: skip
    dtm = DTM(matrix=m, terms=terms, docs=docs, keys=terms, params={})
    tracemalloc.start()
    try:
        table = tfidf_keywords(dtm, by=None, top_n=10)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(table) == 10 * n_docs
    # measured 27.4 bytes a stored entry; 32.5 when the scores were computed on whole
    # arrays with an int64 row per entry (30.6 against 18.5 on 20 M entries)
    assert peak < 30 * m.nnz


@pytest.mark.parametrize("block", [1, 3, 4, 5, 100])
def test_top_scores_in_row_blocks_with_empty_rows_equal_one_pass(block):
    # empty rows first, between and last, and a row of exactly the block's length
    import scipy.sparse as sp

    import analysis.keywords as keywords_module

    lengths = [0, 4, 0, 1, 4, 0, 3, 0, 0]
    rng = np.random.default_rng(1)
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    indices = np.concatenate(
        [np.sort(rng.choice(6, n, replace=False)) for n in lengths if n]
    ).astype(np.int32)
    counts = sp.csr_matrix(
        (rng.integers(1, 4, size=len(indices)).astype(np.int64), indices, indptr),
        shape=(len(lengths), 6),
    )
    rows, cols = rng.random(len(lengths)) + 0.5, rng.random(6) + 0.5
    tiebreak = np.arange(6)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keywords_module, "_BLOCK", 1 << 40)
        whole = keywords_module._top_scores(counts, rows, cols, 2, tiebreak)
        patch.setattr(keywords_module, "_BLOCK", block)
        blocks = keywords_module._top_scores(counts, rows, cols, 2, tiebreak)
    for a, b in zip(whole, blocks, strict=True):
        assert np.array_equal(a, b)
    assert sorted(set(whole[0].tolist())) == [i for i, n in enumerate(lengths) if n]
