"""select_k(sample=): the fits use one random sample of the units, coherence all of them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import AnalysisError, build_dtm
from analysis.dtm import DTM
from analysis.topics import fit_topics, match_topics, select_k, topic_coherence


@pytest.fixture(scope="module")
def dtm(seed_corpus):
    return build_dtm(seed_corpus, unit="paragraph", min_df=2, stop_words="english")


def test_a_sample_at_least_the_dtm_is_every_unit(dtm):
    n = dtm.shape[0]
    full = select_k(dtm, ks=[3, 4], seeds=[0, 1], progress=False)
    same = select_k(dtm, ks=[3, 4], seeds=[0, 1], progress=False, sample=n)
    pd.testing.assert_frame_equal(same, full)
    assert same.attrs["n_fitted"] == same.attrs["n_units"] == n


def test_fits_on_one_sample_and_scores_coherence_on_all_units(dtm):
    n = dtm.shape[0]
    table, models = select_k(
        dtm, ks=[3, 4], seeds=[0, 1], progress=False, sample=n // 2, sample_seed=7,
        return_models=True,
    )  # fmt: skip
    assert table.attrs["n_fitted"] == n // 2 and table.attrs["n_units"] == n
    units = [tuple(m.dtm.docs["unit_id"]) for m in models.values()]
    assert len(set(units)) == 1 and len(units[0]) == n // 2  # one sample for every fit
    rows = np.flatnonzero(dtm.docs["unit_id"].isin(units[0]).to_numpy())
    sub = DTM(
        matrix=dtm.matrix[rows], terms=dtm.terms, docs=dtm.docs.iloc[rows].reset_index(drop=True),
        keys=dtm.keys, params=dtm.params,
    )  # fmt: skip
    for (k, s), m in models.items():
        row = table[(table["k"] == k) & (table["seed"] == s)].iloc[0]
        ref = fit_topics(sub, k, seed=s)  # the fit is fit_topics' on the sampled units
        np.testing.assert_array_equal(m.components_, ref.components_)
        coh = topic_coherence(dtm, m, top_n=10)  # ... and coherence counts every unit
        assert row["npmi"] == pytest.approx(np.nanmean(coh["npmi"]), abs=1e-12)
        assert row["umass"] == pytest.approx(np.nanmean(coh["umass"]), abs=1e-12)
        other = models[k, 1 - s]
        agree = match_topics(
            m.top_term_indices(10), other.top_term_indices(10), n_terms=dtm.shape[1]
        )[1]
        assert row["stability"] == pytest.approx(agree, abs=1e-12)
    again = select_k(dtm, ks=[3, 4], seeds=[0, 1], progress=False, sample=n // 2, sample_seed=7)
    pd.testing.assert_frame_equal(again, table)  # deterministic
    other_seed = select_k(dtm, ks=[3], seeds=[0], progress=False, sample=n // 2, sample_seed=8)
    assert other_seed.attrs["n_fitted"] == n // 2


@pytest.mark.parametrize("bad", [0, 1, -5, 2.5, "100", True])
def test_a_bad_sample_is_one_line(dtm, bad):
    with pytest.raises(AnalysisError, match=r"sample=.*whole number of units of at least 2"):
        select_k(dtm, ks=[3], seeds=[0], progress=False, sample=bad)


def test_too_few_sampled_units_say_so(dtm):
    with pytest.raises(AnalysisError, match="in the sample"):
        select_k(dtm, ks=[3], seeds=[0], progress=False, sample=4)
