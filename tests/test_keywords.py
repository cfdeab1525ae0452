"""tfidf_keywords: formula against scikit-learn, tie-breaking, grouping, errors."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from fixtures_terms import TOY_COUNTS, TOY_GROUP, TOY_TERMS, TOY_TOKENS, make_dtm
from sklearn.feature_extraction.text import TfidfTransformer

from analysis import AnalysisError, tfidf_keywords


def _sklearn_scores(counts: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """Un-normalised smooth TF-IDF of scikit-learn, divided by the group length."""
    tfidf = TfidfTransformer(norm=None, smooth_idf=True, sublinear_tf=False)
    return tfidf.fit_transform(counts).toarray() / tokens[:, None]


def _as_dense(table: pd.DataFrame, groups, terms) -> np.ndarray:
    pivot = table.pivot(index="group", columns="term", values="score")
    return pivot.reindex(index=groups, columns=terms).fillna(0.0).to_numpy()


def test_grouped_scores_equal_sklearn_on_group_sums(toy_dtm):
    out = tfidf_keywords(toy_dtm, by="group_col", top=None)
    frame = pd.DataFrame(TOY_COUNTS, columns=TOY_TERMS)
    sums = frame.groupby(np.array(TOY_GROUP)).sum()
    tokens = pd.Series(TOY_TOKENS).groupby(np.array(TOY_GROUP)).sum().to_numpy()
    expected = _sklearn_scores(sums.to_numpy(), tokens)
    got = _as_dense(out, sums.index, TOY_TERMS)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    # counts are the group sums
    counts = out.pivot(index="group", columns="term", values="count")
    counts = counts.reindex(index=sums.index, columns=TOY_TERMS).fillna(0).to_numpy()
    np.testing.assert_array_equal(counts, sums.to_numpy())


def test_per_unit_scores_equal_sklearn(toy_dtm):
    out = tfidf_keywords(toy_dtm, by=None, top=None)
    expected = _sklearn_scores(TOY_COUNTS, np.asarray(TOY_TOKENS, dtype=float))
    got = _as_dense(out, toy_dtm.docs["unit_id"], TOY_TERMS)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert list(dict.fromkeys(out["group"])) == list(toy_dtm.docs["unit_id"])


def test_term_in_every_group_gets_idf_one():
    counts = np.array([[2, 1], [2, 0], [2, 0]])
    dtm = make_dtm(
        counts, np.array(["common", "rare"], dtype=object), ["x", "y", "z"], [10, 10, 10]
    )
    out = tfidf_keywords(dtm, by="group_col", top=None)
    common = out[out["term"] == "common"]["score"].to_numpy()
    np.testing.assert_allclose(common, 2 / 10 * 1.0)  # idf = ln(4/4) + 1
    rare = out[out["term"] == "rare"]["score"].item()
    assert rare == pytest.approx(1 / 10 * (np.log(4 / 2) + 1))


def test_ranks_sorted_by_score_then_term_and_ties_cut_deterministically():
    # four terms tied in one unit; top=2 must keep the two alphabetically first
    terms = np.array(["delta", "bravo", "charlie", "alpha", "echo"], dtype=object)
    counts = np.array([[1, 1, 1, 1, 3]])
    dtm = make_dtm(counts, terms, ["g"], [20])
    out = tfidf_keywords(dtm, by=None, top=3)
    assert out["term"].tolist() == ["echo", "alpha", "bravo"]
    assert out["rank"].tolist() == [1, 2, 3]
    # permuting the columns must not change the table
    perm = np.array([3, 0, 4, 2, 1])
    out2 = tfidf_keywords(make_dtm(counts[:, perm], terms[perm], ["g"], [20]), by=None, top=3)
    pd.testing.assert_frame_equal(out, out2)


def test_top_limits_rows_per_group_and_ranks_start_at_one(seeds_dtm):
    out = tfidf_keywords(seeds_dtm, by="year", top=7)
    assert list(out.columns) == ["group", "term", "score", "rank", "count"]
    for _, sub in out.groupby("group"):
        assert sub["rank"].tolist() == list(range(1, 8))
        assert (np.diff(sub["score"].to_numpy()) <= 0).all()
    assert sorted(out["group"].unique()) == [2010, 2020, 2025]


def test_errors_are_one_line(toy_dtm):
    with pytest.raises(AnalysisError, match="by='nope'"):
        tfidf_keywords(toy_dtm, by="nope")
    with pytest.raises(AnalysisError, match="top=0"):
        tfidf_keywords(toy_dtm, top=0)
