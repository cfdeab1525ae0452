"""fit_topics and TopicModel: determinism, shapes, labels, top terms, errors."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import analysis
from analysis import AnalysisError, build_dtm
from analysis.dtm import DTM
from analysis.topics import fit_topics, topic_prevalence


@pytest.fixture(scope="module")
def para_dtm(seed_corpus) -> DTM:
    return build_dtm(seed_corpus, unit="paragraph", min_df=2)


@pytest.fixture
def corpus(seed_corpus) -> pd.DataFrame:
    return seed_corpus


@pytest.mark.parametrize("method", ["nmf", "lda"])
def test_same_seed_gives_identical_results(para_dtm, method):
    a = fit_topics(para_dtm, 4, method=method, seed=3)
    b = fit_topics(para_dtm, 4, method=method, seed=3)
    assert np.array_equal(a.components_, b.components_)
    assert np.array_equal(a.doc_topic_, b.doc_topic_, equal_nan=True)
    pd.testing.assert_frame_equal(a.top_terms(10), b.top_terms(10))
    pd.testing.assert_frame_equal(a.doc_topics(), b.doc_topics())
    pd.testing.assert_frame_equal(
        topic_prevalence(a, by="year", n_boot=200, seed=1),
        topic_prevalence(b, by="year", n_boot=200, seed=1),
    )


@pytest.mark.parametrize("method", ["nmf", "lda"])
def test_different_seed_gives_a_different_start(para_dtm, method):
    a = fit_topics(para_dtm, 4, method=method, seed=0)
    b = fit_topics(para_dtm, 4, method=method, seed=1)
    assert not np.array_equal(a.components_, b.components_)


@pytest.mark.parametrize("method", ["nmf", "lda"])
def test_model_shapes_and_normalisation(para_dtm, method):
    m = fit_topics(para_dtm, 5, method=method)
    n_units, n_terms = para_dtm.shape
    assert m.components_.shape == (5, n_terms)
    assert m.doc_topic_.shape == (n_units, 5)
    empty = np.asarray(para_dtm.matrix.sum(axis=1)).ravel() == 0
    ok = ~empty
    assert np.allclose(m.doc_topic_[ok].sum(axis=1), 1.0)
    assert (m.doc_topic_[ok] >= 0).all()
    # units with no vocabulary term have no topic mix
    assert np.isnan(m.doc_topic_[empty]).all()
    # topics are ordered by mean share (topic 1 most prevalent)
    share = np.nanmean(m.doc_topic_, axis=0)
    assert (np.diff(share) <= 1e-12).all()
    assert np.allclose(m.topic_term_.sum(axis=1), 1.0)
    assert m.doc_topic_.dtype == m.topic_term_.dtype == m.components_.dtype == np.float64


def test_nmf_is_fitted_in_single_precision(para_dtm):
    from analysis.topics import _tfidf

    m = fit_topics(para_dtm, 3, method="nmf")
    assert m.estimator_.components_.dtype == np.float32
    x = _tfidf(para_dtm.matrix.astype(np.float64)).astype(np.float32)
    assert m.estimator_.transform(x).shape == (para_dtm.matrix.shape[0], 3)


def test_labels_are_top_three_terms(para_dtm):
    m = fit_topics(para_dtm, 4)
    top = m.top_terms(3)
    for t, d in top.groupby("topic"):
        assert m.labels_[t - 1].startswith(" · ".join(d.sort_values("rank")["term"]))
    assert len(set(m.labels_)) == 4


def test_top_terms_table(para_dtm):
    m = fit_topics(para_dtm, 3)
    tt = m.top_terms(7)
    assert list(tt.columns) == ["topic", "label", "rank", "term", "weight"]
    assert len(tt) == 21
    for _, d in tt.groupby("topic"):
        assert list(d["rank"]) == list(range(1, 8))
        assert (np.diff(d["weight"].to_numpy()) <= 0).all()
    assert set(tt["term"]) <= set(para_dtm.terms)


def test_top_terms_are_display_forms_when_stemming(corpus):
    dtm = build_dtm(corpus, unit="paragraph", min_df=2, stem=True, ngram_range=(1, 2))
    # the test is meaningful only if stemming changed some keys
    assert (dtm.keys != dtm.terms).any()
    m = fit_topics(dtm, 5)
    surface = {w for t in corpus["text"] for w in re.findall(r"\w+", t.lower())}
    terms = m.top_terms(15)["term"]
    for term in terms:
        for word in term.split(" "):
            assert word in surface, f"{word!r} of {term!r} is not a word of the corpus"
    assert set(m.labels_) and all(" · " in lab for lab in m.labels_)


def test_doc_topics_tidy_and_wide(para_dtm):
    m = fit_topics(para_dtm, 3)
    tidy = m.doc_topics()
    assert len(tidy) == para_dtm.shape[0] * 3
    assert {"doc_id", "unit_id", "year", "source", "topic", "label", "weight"} <= set(tidy.columns)
    wide = m.doc_topics(wide=True)
    assert len(wide) == para_dtm.shape[0]
    assert [c for c in wide.columns if c.startswith("topic_")] == ["topic_1", "topic_2", "topic_3"]
    assert np.allclose(wide["topic_2"].to_numpy(), m.doc_topic_[:, 1], equal_nan=True)


@pytest.mark.parametrize("k", [1, 0, -3])
def test_k_too_small(para_dtm, k):
    with pytest.raises(AnalysisError, match="k="):
        fit_topics(para_dtm, k)


def test_k_larger_than_units(corpus):
    dtm = build_dtm(corpus, unit="document")
    with pytest.raises(AnalysisError, match=r"between 2 and 5") as err:
        fit_topics(dtm, 6)
    assert "\n" not in str(err.value)


def test_bad_method(para_dtm):
    with pytest.raises(AnalysisError, match="method"):
        fit_topics(para_dtm, 3, method="pca")


def test_top_terms_old_name_n_warns_and_gives_the_same_table(para_dtm):
    m = fit_topics(para_dtm, 3)
    with pytest.warns(DeprecationWarning, match=r"top_terms\(n=...\)"):
        old = m.top_terms(n=4)
    pd.testing.assert_frame_equal(old, m.top_terms(top_n=4))
    with pytest.warns(DeprecationWarning, match=r"top_term_indices\(n=...\)"):
        idx = m.top_term_indices(n=4)
    np.testing.assert_array_equal(idx, m.top_term_indices(4))
    with pytest.raises(AnalysisError, match="top_n=0"):
        m.top_terms(0)
    assert m.top_term_indices(10**6).shape == (3, para_dtm.matrix.shape[1])  # capped


def test_public_names():
    for name in ["fit_topics", "topic_prevalence", "select_k", "TopicModel", "topic_coherence"]:
        assert name in analysis.__all__ and hasattr(analysis, name)
