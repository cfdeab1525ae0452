"""select_k's shared-input NMF path equals scikit-learn's NMF and the per-fit reference."""

from __future__ import annotations

import math
import warnings
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning

import analysis
from analysis import build_dtm
from analysis.topics import fit_topics, match_topics, model, select_k, topic_coherence
from analysis.topics.metrics import _diversity
from analysis.topics.model import (
    _fit_nmf_many,
    _nmf_cd_many,
    _NMFInput,
    _Product,
    _row_blocks,
    _tfidf,
)

PATTERN = "{year}/{country}_{session}_{year}.txt"


def _nmf_cd(data, k, *, seed, tol, max_iter):
    """One fit alone (no other fit shares its products), single-threaded."""
    [(_, w, h, n_iter)] = _nmf_cd_many(data, [(k, seed)], tol=tol, max_iter=max_iter)
    return w, h, n_iter


def _sklearn_nmf(dtm, k, *, seed, tol, max_iter):
    """scikit-learn's NMF on the same float32 TF-IDF: (W, H, n_iter)."""
    x = _tfidf(dtm.matrix.tocsr().astype(np.float64)).astype(np.float32)
    est = NMF(n_components=k, random_state=seed, init="random", max_iter=max_iter, tol=tol)
    return est.fit_transform(x), est.components_, est.n_iter_


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


@pytest.mark.parametrize("options", [{}, {"max_iter": 7}, {"alpha_W": 0.01}])
def test_fit_topics_nmf_is_sklearns_nmf(dtm, options):
    # fit_topics takes the shared-input path for its default options: every attribute
    # scikit-learn's fit sets is the same, bit for bit (and the estimator path for others)
    x = _tfidf(dtm.matrix.tocsr().astype(np.float64)).astype(np.float32)
    params = dict(init="random", max_iter=400, tol=1e-3) | options
    ref = NMF(n_components=4, random_state=1, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        w = ref.fit_transform(x)
    if ref.n_iter_ == params["max_iter"]:  # scikit-learn warned: fit_topics must too
        warned = pytest.warns(ConvergenceWarning, match="Maximum number of iterations")
    else:
        warned = warnings.catch_warnings()
    with warned:
        model = fit_topics(dtm, 4, seed=1, **options)
    est = model.estimator_
    for attr in (
        "components_",
        "n_iter_",
        "n_components_",
        "n_features_in_",
        "reconstruction_err_",
    ):
        assert np.array_equal(getattr(est, attr), getattr(ref, attr)), attr
    assert np.array_equal(model.components_, ref.components_[model.order_].astype(np.float64))
    w = w.astype(np.float64)
    with np.errstate(invalid="ignore"):
        theta = w / w.sum(axis=1, keepdims=True)  # units without counts: NaN
    np.testing.assert_array_equal(model.doc_topic_, theta[:, model.order_])
    np.testing.assert_array_equal(est.transform(x[:5]), ref.transform(x[:5]))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_iter": 0}, r"^NMF rejected its options \(The 'max_iter' parameter"),
        ({"tol": -1.0}, r"^NMF rejected its options \(The 'tol' parameter"),
        ({"max_itre": 10}, r"^NMF rejected its options \(.*max_itre"),
    ],
)
def test_bad_nmf_options_are_one_line_errors(dtm, options, message):
    with pytest.raises(analysis.AnalysisError, match=message):
        fit_topics(dtm, 3, **options)
    with pytest.raises(analysis.AnalysisError, match=message):
        select_k(dtm, ks=[2, 3], seeds=[0], progress=False, **options)


def test_prepared_model_equals_fit_topics(dtm):
    data = _NMFInput(dtm)
    a = fit_topics(dtm, 4, seed=1)
    [(_, b)] = list(_fit_nmf_many(dtm, [(4, 1)], data=data))
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


@pytest.mark.parametrize("n_threads", [1, 2, 3])
def test_lockstep_fits_equal_the_one_by_one_fits_bit_for_bit(dtm, n_threads):
    data = _NMFInput(dtm)
    fits = [(5, 0), (2, 1), (3, 0), (3, 2)]
    got = {
        key: (w, h, n_iter)
        for key, w, h, n_iter in _nmf_cd_many(
            data, fits, tol=1e-3, max_iter=400, n_threads=n_threads
        )
    }
    assert sorted(got) == sorted(fits)  # each fit once
    for k, seed in fits:
        w, h, n_iter = _nmf_cd(data, k, seed=seed, tol=1e-3, max_iter=400)
        assert got[k, seed][2] == n_iter
        assert np.array_equal(got[k, seed][0], w)
        assert np.array_equal(got[k, seed][1], h)


def test_lockstep_fits_stop_at_max_iter_with_sklearns_warning(dtm):
    data = _NMFInput(dtm)
    with pytest.warns(ConvergenceWarning, match="Maximum number of iterations 3 reached"):
        got = list(_nmf_cd_many(data, [(4, 0), (2, 1)], tol=1e-12, max_iter=3, n_threads=2))
    assert [(key, n) for key, _, _, n in got] == [((4, 0), 3), ((2, 1), 3)]
    with pytest.warns(ConvergenceWarning):
        w, h, _ = _sklearn_nmf(dtm, 4, seed=0, tol=1e-12, max_iter=3)
    assert np.array_equal(got[0][1], w) and np.array_equal(got[0][2], h)


def test_lockstep_warns_as_sklearn_when_a_fit_converges_at_max_iter(dtm):
    # scikit-learn warns whenever the count reaches max_iter, even on the converging step
    data = _NMFInput(dtm)
    _, _, m = _sklearn_nmf(dtm, 3, seed=0, tol=1e-3, max_iter=400)
    with pytest.warns(ConvergenceWarning):
        w, h, n_iter = _sklearn_nmf(dtm, 3, seed=0, tol=1e-3, max_iter=m)
    with pytest.warns(ConvergenceWarning, match=f"Maximum number of iterations {m} reached"):
        got = list(_nmf_cd_many(data, [(3, 0)], tol=1e-3, max_iter=m))
    assert got[0][3] == n_iter == m
    assert np.array_equal(got[0][1], w) and np.array_equal(got[0][2], h)


@given(
    n_rows=st.integers(1, 40),
    n_cols=st.integers(1, 12),
    density=st.floats(0.0, 1.0),
    n=st.integers(1, 5),
    seed=st.integers(0, 2**16),
    scatter=st.booleans(),
)
@settings(max_examples=80, deadline=None)
def test_products_in_row_blocks_either_form_equal_scipys_bit_for_bit(
    n_rows, n_cols, density, n, seed, scatter
):
    x = sp.random(
        n_rows, n_cols, density=density, format="csr", random_state=seed, dtype=np.float32
    )
    blocks = _row_blocks(x, n)
    assert 1 <= len(blocks) <= n
    assert all(b.shape[0] > 0 for b in blocks)
    assert (sp.vstack(blocks) != x).nnz == 0
    product = _Product(x, x.T.tocsr(), n)
    dense = np.random.default_rng(seed).random((n_cols, 3), dtype=np.float32)
    with mock.patch.object(model, "_SCATTER_BYTES", 1 << 40 if scatter else -1):
        chosen = product.blocks(dense)
        assert all(sp.issparse(b) and b.format == ("csc" if scatter else "csr") for b in chosen)
        with ThreadPoolExecutor(2) as pool:
            assert np.array_equal(product(dense, pool), x @ dense)
        assert np.array_equal(product(dense, None), x @ dense)


def _unsorted(x: sp.csr_matrix, seed: int) -> sp.csr_matrix:
    """``x`` with the entries of each row stored in a shuffled order (the same matrix)."""
    rng = np.random.default_rng(seed)
    order = np.concatenate(
        [a + rng.permutation(b - a) for a, b in zip(x.indptr[:-1], x.indptr[1:], strict=True)]
        or [np.zeros(0, dtype=np.int64)]
    ).astype(np.int64)
    out = sp.csr_matrix((x.data[order], x.indices[order], x.indptr.copy()), shape=x.shape)
    out.has_sorted_indices = False  # scipy would otherwise trust a cached flag
    return out


@given(
    n_rows=st.integers(1, 30),
    n_cols=st.integers(1, 12),
    density=st.floats(0.0, 1.0),
    n=st.integers(1, 4),
    seed=st.integers(0, 2**16),
    scatter=st.booleans(),
)
@settings(max_examples=60, deadline=None)
def test_products_of_the_transpose_and_of_unsorted_rows_equal_scipys(
    n_rows, n_cols, density, n, seed, scatter
):
    # xᵀ @ W with x's rows unsorted: its scattering form reads x's arrays column by column
    # (units ascending), as the gathering form reads xᵀ's sorted rows
    x = _unsorted(
        sp.random(
            n_rows, n_cols, density=density, format="csr", random_state=seed, dtype=np.float32
        ),
        seed,
    )
    xt = x.T.tocsr()
    dense = np.random.default_rng(seed).random((n_rows, 4), dtype=np.float32)
    with mock.patch.object(model, "_SCATTER_BYTES", 1 << 40 if scatter else -1):
        assert np.array_equal(_Product(xt, x, n)(dense, None), xt @ dense)
        # x itself, unsorted: gathered whatever the size, in any number of blocks
        product = _Product(x, xt, n)
        assert product.scatter is None
        other = np.random.default_rng(seed + 1).random((n_cols, 3), dtype=np.float32)
        assert all(b.format == "csr" for b in product.blocks(other))
        assert np.array_equal(product(other, None), x @ other)


def test_products_scatter_small_results_and_gather_large_ones():
    x = sp.random(100, 50, density=0.2, format="csr", random_state=0, dtype=np.float32)
    product = _Product(x, x.T.tocsr())
    small = np.ones((50, model._SCATTER_BYTES // (100 * 4)), dtype=np.float32)
    large = np.ones((50, small.shape[1] + 1), dtype=np.float32)
    assert product.blocks(small)[0].format == "csc"
    assert product.blocks(large)[0].format == "csr"
    assert np.array_equal(product(large, None), x @ large)


def test_products_in_blocks_convert_to_columns_only_when_they_scatter():
    # in blocks the scattering form is a copy of the input: made only when a product needs it
    x = sp.random(200, 50, density=0.2, format="csr", random_state=0, dtype=np.float32)
    product = _Product(x, x.T.tocsr(), 2)
    assert len(product.gather) == 2 and product._scatter is None
    large = np.ones((50, model._SCATTER_BYTES // (100 * 4) + 1), dtype=np.float32)
    assert product.blocks(large) is product.gather and product._scatter is None
    small = np.ones((50, 3), dtype=np.float32)
    assert [b.format for b in product.blocks(small)] == ["csc", "csc"]
    assert np.array_equal(product(small, None), x @ small)


def test_products_of_unsorted_rows_only_gather():
    # scattering adds a row's terms by column; CSR with unsorted indices adds them as
    # stored, so only the gathering form reproduces scipy's (and scikit-learn's) sums
    x = sp.csr_matrix(
        (np.array([0.1, 1e8, -1e8], dtype=np.float32), np.array([2, 0, 1]), np.array([0, 3])),
        shape=(1, 3),
    )
    assert not x.has_sorted_indices
    product = _Product(x, x.T.tocsr())
    assert product.scatter is None
    dense = np.ones((3, 1), dtype=np.float32)
    assert product.blocks(dense) == product.gather
    assert np.array_equal(product(dense, None), x @ dense)
    assert (x.sorted_indices() @ dense)[0, 0] != (x @ dense)[0, 0]  # the order matters here


def test_row_blocks_balance_the_non_zeros():
    x = sp.random(1000, 50, density=0.1, format="csr", random_state=0)
    blocks = _row_blocks(x, 2)
    assert len(blocks) == 2
    assert abs(blocks[0].nnz - blocks[1].nnz) <= x.getnnz(axis=1).max()
