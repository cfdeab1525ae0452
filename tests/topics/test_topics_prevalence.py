"""document_topics and topic_prevalence: aggregation, bootstrap, grouping, exemplars."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from analysis import AnalysisError, InputWarning, build_dtm
from analysis.dtm import DTM
from analysis.evidence import MIN_DOCS
from analysis.topics import (
    document_topics,
    fit_topics,
    topic_exemplars,
    topic_leaders,
    topic_prevalence,
)


@pytest.fixture(scope="module")
def para_dtm(seed_corpus) -> DTM:
    return build_dtm(seed_corpus, unit="paragraph", min_df=2)


def toy_dtm(rows: list[list[int]], doc_ids: list[str], n_tokens: list[int], **meta) -> DTM:
    m = sp.csr_matrix(np.asarray(rows, dtype=np.int64))
    terms = np.asarray([f"t{j}" for j in range(m.shape[1])], dtype=object)
    counter: dict[str, int] = {}
    unit_index = []
    for d in doc_ids:
        unit_index.append(counter.get(d, 0))
        counter[d] = unit_index[-1] + 1
    docs = pd.DataFrame(
        {
            "doc_id": doc_ids,
            "unit_id": [f"{d}#p{i}" for d, i in zip(doc_ids, unit_index, strict=True)],
            "unit_index": unit_index,
            "n_tokens": n_tokens,
            **meta,
        }
    )
    return DTM(matrix=m, terms=terms, docs=docs, keys=terms.copy(), params={"unit": "paragraph"})


def _fixed_model(dtm: DTM, theta: np.ndarray):
    """A fitted model whose unit x topic weights are replaced by known values."""
    with warnings.catch_warnings():  # toy DTMs have fewer than 2k units
        warnings.simplefilter("ignore", InputWarning)
        m = fit_topics(dtm, theta.shape[1], seed=0)
    m.doc_topic_ = np.asarray(theta, dtype=float)
    return m


def test_units_are_aggregated_to_documents_by_tokens():
    dtm = toy_dtm(
        [[1, 0, 1], [0, 2, 0], [1, 1, 0], [0, 0, 3], [2, 0, 0]],
        ["A", "A", "B", "B", "C"],
        [10, 30, 5, 5, 8],
        year=[2020, 2020, 2020, 2020, 2021],
    )
    theta = np.array([[1.0, 0.0], [0.0, 1.0], [0.2, 0.8], [0.6, 0.4], [0.5, 0.5]])
    m = _fixed_model(dtm, theta)
    dt = document_topics(m)
    assert list(dt["doc_id"]) == ["A", "B", "C"]
    # A: (10 * 1 + 30 * 0) / 40 = 0.25 ; B: (5 * .2 + 5 * .6) / 10 = 0.4
    assert dt["topic_1"].tolist() == pytest.approx([0.25, 0.4, 0.5])
    assert dt["n_tokens"].tolist() == [40, 10, 8]
    long = document_topics(m, long=True)
    assert list(long["doc_id"]) == ["A", "A", "B", "B", "C", "C"]
    assert long["topic"].tolist() == [1, 2] * 3
    assert long["prevalence"].tolist() == pytest.approx([0.25, 0.75, 0.4, 0.6, 0.5, 0.5])
    assert long["year"].tolist() == [2020, 2020, 2020, 2020, 2021, 2021]
    prev = topic_prevalence(m, by="year", n_boot=500, seed=0)
    p2020 = prev[(prev["group"] == 2020) & (prev["topic"] == 1)].iloc[0]
    assert p2020["prevalence"] == pytest.approx((0.25 + 0.4) / 2)  # documents count once
    assert p2020["n_docs"] == 2


def test_units_without_topic_mix_are_skipped():
    dtm = toy_dtm(
        [[1, 0, 1], [0, 0, 0], [1, 1, 0], [0, 0, 3]],
        ["A", "A", "B", "B"],
        [10, 50, 5, 5],
    )
    m = fit_topics(dtm, 2)
    assert np.isnan(m.doc_topic_[1]).all()
    m.doc_topic_ = np.array([[1.0, 0.0], [np.nan, np.nan], [0.0, 1.0], [0.0, 1.0]])
    dt = document_topics(m)
    assert dt["topic_1"].tolist() == pytest.approx([1.0, 0.0])


def test_bootstrap_interval_contains_point_and_is_deterministic(para_dtm):
    m = fit_topics(para_dtm, 4)
    prev = topic_prevalence(m, by="source_type", n_boot=1000, seed=7, min_docs=2)
    assert list(prev.columns) == [
        "group",
        "topic",
        "label",
        "prevalence",
        "ci_low",
        "ci_high",
        "n_docs",
        "note",
    ]
    multi = prev[prev["n_docs"] >= 2]
    assert len(multi) > 0
    assert (multi["ci_low"] <= multi["prevalence"]).all()
    assert (multi["prevalence"] <= multi["ci_high"]).all()
    assert (multi["ci_high"] - multi["ci_low"] > 0).all()
    # shares of each group sum to one across topics
    assert prev.groupby("group")["prevalence"].sum().to_numpy() == pytest.approx(1.0)
    again = topic_prevalence(m, by="source_type", n_boot=1000, seed=7, min_docs=2)
    pd.testing.assert_frame_equal(prev, again)
    other = topic_prevalence(m, by="source_type", n_boot=1000, seed=8, min_docs=2)
    assert not np.array_equal(other["ci_low"].to_numpy(), prev["ci_low"].to_numpy(), equal_nan=True)


def test_bootstrap_matches_a_direct_resampling_loop():
    # percentile interval of the mean of 2 documents' shares: the resampled means can only
    # be the two values or their average, so the 95% interval spans both values.
    dtm = toy_dtm([[1, 0, 1], [0, 2, 1]], ["A", "B"], [5, 5], g=["x", "x"])
    m = _fixed_model(dtm, np.array([[0.2, 0.8], [0.6, 0.4]]))
    prev = topic_prevalence(m, by="g", n_boot=2000, seed=0, min_docs=2)
    row = prev[prev["topic"] == 1].iloc[0]
    assert row["prevalence"] == pytest.approx(0.4)
    assert row["ci_low"] == pytest.approx(0.2)
    assert row["ci_high"] == pytest.approx(0.6)


def test_groups_below_min_docs_have_nan_bounds_and_a_per_document_note(para_dtm):
    m = fit_topics(para_dtm, 3)
    prev = topic_prevalence(m, by="year", n_boot=300)  # default min_docs = MIN_DOCS = 5
    assert prev.attrs["min_docs"] == MIN_DOCS == 5
    assert prev["ci_low"].isna().all() and prev["ci_high"].isna().all()
    single = prev[prev["group"] == 2010]
    assert (single["n_docs"] == 1).all() and (single["note"] == "n=1: per-document values").all()
    three = prev[prev["group"] == 2025]
    assert (three["n_docs"] == 3).all() and (three["note"] == "n=3: per-document values").all()
    # min_docs=3: the three-document group gets an interval, the single documents none
    low = topic_prevalence(m, by="year", n_boot=300, min_docs=3)
    several = low[low["group"] == 2025]
    assert several["ci_low"].notna().all() and (several["note"] == "").all()
    assert low[low["n_docs"] == 1]["ci_low"].isna().all()
    pd.testing.assert_series_equal(low["prevalence"], prev["prevalence"])
    with pytest.raises(AnalysisError, match="min_docs=1 must be a whole number >= 2"):
        topic_prevalence(m, by="year", min_docs=1)


def test_prevalence_errors(para_dtm):
    m = fit_topics(para_dtm, 3)
    with pytest.raises(AnalysisError, match="by=.nope. is not a corpus column"):
        topic_prevalence(m, by="nope")
    with pytest.raises(AnalysisError, match="n_boot=-1"):
        topic_prevalence(m, by="year", n_boot=-1)
    with pytest.raises(AnalysisError, match="level=1.5"):
        topic_prevalence(m, by="year", level=1.5)
    with pytest.raises(AnalysisError, match="varies within document"):
        topic_prevalence(m, by="unit_index")


def test_n_boot_zero_gives_points_without_intervals(para_dtm):
    m = fit_topics(para_dtm, 3)
    full = topic_prevalence(m, by="year", n_boot=200, seed=1, level=0.9, min_docs=2)
    none = topic_prevalence(m, by="year", n_boot=0, min_docs=2)
    pd.testing.assert_series_equal(none["prevalence"], full["prevalence"])
    assert none["ci_low"].isna().all() and none["ci_high"].isna().all()
    several = none[none["n_docs"] >= 2]
    assert len(several) and (several["note"] == "n_boot=0: no interval").all()
    assert (none[none["n_docs"] == 1]["note"] == "n=1: per-document values").all()
    assert full.attrs["level"] == 0.9 and none.attrs["level"] == 0.95


def test_by_a_list_groups_by_combinations():
    dtm = toy_dtm(
        [[1, 0, 1], [0, 2, 0], [1, 1, 0], [0, 0, 3], [2, 0, 0]],
        ["A", "A", "B", "C", "D"],
        [10, 30, 5, 5, 8],
        year=[2021, 2021, 2020, 2020, 2020],
        src=["x", "x", "y", "y", "x"],
    )
    theta = np.array([[1.0, 0.0], [0.0, 1.0], [0.2, 0.8], [0.6, 0.4], [0.5, 0.5]])
    m = _fixed_model(dtm, theta)
    prev = topic_prevalence(m, by=["year", "src"], n_boot=50)
    assert list(dict.fromkeys(prev["group"])) == ["2020 | x", "2020 | y", "2021 | x"]
    t1 = prev[prev["topic"] == 1].set_index("group")
    assert t1.loc["2020 | y", "prevalence"] == pytest.approx((0.2 + 0.6) / 2)
    assert t1.loc["2021 | x", "prevalence"] == pytest.approx(0.25)
    assert t1["n_docs"].tolist() == [1, 2, 1]
    one = topic_prevalence(m, by=["year"], n_boot=50)
    pd.testing.assert_frame_equal(one, topic_prevalence(m, by="year", n_boot=50))


def test_exemplars_are_the_heaviest_units_of_each_topic(seed_corpus, para_dtm):
    m = fit_topics(para_dtm, 3)
    ex = topic_exemplars(m, seed_corpus, top_n=2, chars=50)
    assert list(ex.columns) == ["topic", "label", "doc_id", "unit_id", "weight", "text"]
    assert ex["topic"].tolist() == [1, 1, 2, 2, 3, 3]
    weights = m.doc_topics()
    for t, sub in ex.groupby("topic"):
        best = weights[weights["topic"] == t]["weight"].nlargest(2).to_numpy()
        np.testing.assert_allclose(sub["weight"].to_numpy(), best)
    assert (ex["text"].str.len() <= 50).all() and (ex["text"].str.len() > 0).all()
    with pytest.raises(AnalysisError, match="top_n=0"):
        topic_exemplars(m, seed_corpus, top_n=0)


def _leader_model(groups: list[str], theta: list[list[float]]):
    n = len(groups)
    dtm = toy_dtm(
        [[1 + (i % 3), 1, (i % 2)] for i in range(n)],
        [f"d{i}" for i in range(n)],
        [10] * n,
        g=groups,
    )
    return _fixed_model(dtm, np.asarray(theta))


def test_leaders_match_a_direct_computation_of_the_paired_bootstrap():
    # group "x": 6 documents where topic 2 carries most of every document; "y": 2 documents
    theta = [
        [0.1, 0.7, 0.2],
        [0.2, 0.6, 0.2],
        [0.1, 0.8, 0.1],
        [0.3, 0.5, 0.2],
        [0.2, 0.7, 0.1],
        [0.1, 0.6, 0.3],
        [0.5, 0.3, 0.2],
        [0.4, 0.2, 0.4],
    ]
    m = _leader_model(["x"] * 6 + ["y"] * 2, theta)
    lead = topic_leaders(m, by="g", n_boot=500, seed=3, level=0.9)
    assert list(lead.columns) == [
        "group", "topic", "label", "runner_up", "runner_up_label", "prevalence",
        "runner_up_prevalence", "diff", "ci_low", "ci_high", "n_docs", "supported", "note",
    ]  # fmt: skip
    x = lead.set_index("group").loc["x"]
    t = np.asarray(theta)[:6]
    assert (x["topic"], x["runner_up"]) == (2, 3)  # means 0.17, 0.65, 0.18
    assert x["prevalence"] == pytest.approx(t[:, 1].mean())
    assert x["runner_up_prevalence"] == pytest.approx(t[:, 2].mean())
    assert x["diff"] == pytest.approx(t[:, 1].mean() - t[:, 2].mean())
    # reference: the same multinomial draws, the difference against the top other topic
    counts = np.random.default_rng(3).multinomial(6, np.full(6, 1 / 6), size=500)
    ref = []
    for c in counts:
        means = [(c * t[:, j]).sum() / 6 for j in range(3)]
        ref.append(means[1] - max(means[0], means[2]))
    assert x["ci_low"] == pytest.approx(np.quantile(ref, 0.05))
    assert x["ci_high"] == pytest.approx(np.quantile(ref, 0.95))
    assert x["supported"] and x["ci_low"] > 0 and x["note"] == ""
    # the two-document group is below min_docs: no interval, not supported, per-document note
    y = lead.set_index("group").loc["y"]
    assert np.isnan(y["ci_low"]) and np.isnan(y["ci_high"]) and not y["supported"]
    assert y["note"] == "n=2: per-document values" and (y["topic"], y["runner_up"]) == (1, 3)
    # prevalence and runner-up prevalence are the rows of topic_prevalence
    prev = topic_prevalence(m, by="g", n_boot=0).set_index(["group", "topic"])["prevalence"]
    for r in lead.itertuples():
        assert r.prevalence == prev[(r.group, r.topic)]
        assert r.runner_up_prevalence == prev[(r.group, r.runner_up)]
    pd.testing.assert_frame_equal(lead, topic_leaders(m, by="g", n_boot=500, seed=3, level=0.9))
    assert lead.attrs["test"] == "paired document bootstrap" and lead.attrs["min_docs"] == 5


def test_leaders_are_not_supported_when_the_top_two_alternate():
    # topics 1 and 2 swap places from one document to the next: the interval includes 0
    theta = [[0.6, 0.3, 0.1], [0.3, 0.6, 0.1]] * 4
    m = _leader_model(["x"] * 8, theta)
    row = topic_leaders(m, by="g", n_boot=1000).iloc[0]
    assert row["diff"] == pytest.approx(0.0, abs=1e-12) and (row["topic"], row["runner_up"]) == (
        1,
        2,
    )
    assert row["ci_low"] <= 0 <= row["ci_high"] and not row["supported"]
    none = topic_leaders(m, by="g", n_boot=0).iloc[0]
    assert none["note"] == "n_boot=0: no interval" and not none["supported"]
    with pytest.raises(AnalysisError, match="min_docs=0 must be a whole number >= 2"):
        topic_leaders(m, by="g", min_docs=0)
