"""select_k's shared-input NMF path equals scikit-learn's NMF and the per-fit reference."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import NMF

import analysis
from analysis import build_dtm
from analysis.topics import fit_topics, match_topics, select_k, topic_coherence
from analysis.topics.metrics import _diversity
from analysis.topics.model import _fit_nmf_prepared, _nmf_cd, _NMFInput, _tfidf

PATTERN = "{year}/{country}_{session}_{year}.txt"


@pytest.fixture(scope="module", params=["seeds", "ungdc_mini"])
def dtm(request, seed_corpus, mini_dir):
    if request.param == "seeds":
        docs = seed_corpus
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", analysis.InputWarning)
            docs = analysis.read_corpus(mini_dir, pattern=PATTERN)
    return build_dtm(docs, unit="paragraph", min_df=2, stop_words="english")


def reference_select_k(dtm, ks, seeds, top_n=10) -> pd.DataFrame:
    """select_k as it was: fit_topics per (k, seed), then the public metric functions."""
    rows, tops = [], {}
    for k in ks:
        for s in seeds:
            m = fit_topics(dtm, k, seed=s)
            coh = topic_coherence(dtm, m, top_n=top_n)
            tops[k, s] = m.top_term_indices(top_n)
            rows.append(
                dict(
                    method="nmf",
                    k=k,
                    seed=s,
                    npmi=float(np.nanmean(coh["npmi"])),
                    umass=float(np.nanmean(coh["umass"])),
                    diversity=_diversity(m.topic_term_),
                )
            )
    for row in rows:
        agree = [
            match_topics(tops[row["k"], row["seed"]], tops[row["k"], o], n_terms=dtm.shape[1])[1]
            for o in seeds
            if o != row["seed"]
        ]
        row["stability"] = float(np.mean(agree)) if agree else math.nan
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("k", "seed"), [(2, 0), (5, 1), (8, 2)])
def test_shared_input_cd_is_sklearn_nmf_bit_for_bit(dtm, k, seed):
    data = _NMFInput(dtm)
    x = _tfidf(dtm.matrix.tocsr().astype(np.float64)).astype(np.float32)
    est = NMF(n_components=k, random_state=seed, init="random", max_iter=400, tol=1e-3)
    w_ref = est.fit_transform(x)
    w, h, n_iter = _nmf_cd(data, k, seed=seed, tol=1e-3, max_iter=400)
    assert n_iter == est.n_iter_
    assert np.array_equal(w, w_ref)
    assert np.array_equal(h, est.components_)


def test_prepared_model_equals_fit_topics(dtm):
    data = _NMFInput(dtm)
    a = fit_topics(dtm, 4, seed=1)
    b = _fit_nmf_prepared(dtm, 4, seed=1, data=data)
    for attr in ("components_", "topic_term_", "doc_topic_", "order_"):
        assert np.array_equal(getattr(a, attr), getattr(b, attr), equal_nan=True), attr
    assert list(a.labels_) == list(b.labels_)
    assert a.n_iter_ == b.n_iter_ and a.params == b.params
    pd.testing.assert_frame_equal(a.top_terms(10), b.top_terms(10))
    # the estimator carried by the prepared model transforms like the fitted one
    x = _tfidf(dtm.matrix.tocsr().astype(np.float64)).astype(np.float32)
    np.testing.assert_array_equal(a.estimator_.transform(x[:5]), b.estimator_.transform(x[:5]))


def test_select_k_equals_the_per_fit_reference(dtm):
    ks, seeds = [2, 3, 5], [0, 1, 2]
    ref = reference_select_k(dtm, ks, seeds)
    new = select_k(dtm, ks=ks, seeds=seeds, progress=False)
    pd.testing.assert_frame_equal(new, ref, check_exact=True)
    threads = select_k(dtm, ks=ks, seeds=seeds, progress=False, n_jobs=2)
    pd.testing.assert_frame_equal(threads, ref, check_exact=True)


def test_select_k_other_options_take_the_estimator_path(dtm):
    # an option the shared path does not reproduce goes through fit_topics, unchanged
    res, models = select_k(
        dtm, ks=[3], seeds=(0, 1), progress=False, return_models=True, init="nndsvda"
    )
    m = fit_topics(dtm, 3, seed=0, init="nndsvda")
    assert np.array_equal(models[3, 0].topic_term_, m.topic_term_)
    assert res["npmi"].iloc[0] == topic_coherence(dtm, m)["npmi"].mean()
