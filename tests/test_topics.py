"""Topic models: determinism, display forms, prevalence, selection metrics, CLI."""

from __future__ import annotations

import io
import math
import re
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import analysis
from analysis import AnalysisError, build_dtm, read_corpus
from analysis.dtm import DTM
from analysis.topics import (
    document_topics,
    fit_topics,
    match_topics,
    select_k,
    topic_coherence,
    topic_prevalence,
)

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(scope="module")
def corpus() -> pd.DataFrame:
    return read_corpus(SEEDS)


@pytest.fixture(scope="module")
def para_dtm(corpus) -> DTM:
    return build_dtm(corpus, unit="paragraph", min_df=2)


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


# ----------------------------------------------------------------------------- fitting


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


# ----------------------------------------------------------------------------- prevalence


def _fixed_model(dtm: DTM, theta: np.ndarray):
    """A fitted model whose unit x topic weights are replaced by known values."""
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
    prev = topic_prevalence(m, by="source_type", n_boot=1000, seed=7)
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
    again = topic_prevalence(m, by="source_type", n_boot=1000, seed=7)
    pd.testing.assert_frame_equal(prev, again)
    other = topic_prevalence(m, by="source_type", n_boot=1000, seed=8)
    assert not np.array_equal(other["ci_low"].to_numpy(), prev["ci_low"].to_numpy(), equal_nan=True)


def test_bootstrap_matches_a_direct_resampling_loop():
    # percentile interval of the mean of 2 documents' shares: the resampled means can only
    # be the two values or their average, so the 95% interval spans both values.
    dtm = toy_dtm([[1, 0, 1], [0, 2, 1]], ["A", "B"], [5, 5], g=["x", "x"])
    m = _fixed_model(dtm, np.array([[0.2, 0.8], [0.6, 0.4]]))
    prev = topic_prevalence(m, by="g", n_boot=2000, seed=0)
    row = prev[prev["topic"] == 1].iloc[0]
    assert row["prevalence"] == pytest.approx(0.4)
    assert row["ci_low"] == pytest.approx(0.2)
    assert row["ci_high"] == pytest.approx(0.6)


def test_one_document_group_has_nan_bounds_and_note(para_dtm):
    m = fit_topics(para_dtm, 3)
    prev = topic_prevalence(m, by="year", n_boot=300)
    single = prev[prev["group"] == 2010]
    assert (single["n_docs"] == 1).all()
    assert single["ci_low"].isna().all() and single["ci_high"].isna().all()
    assert single["note"].str.contains("one document").all()
    several = prev[prev["group"] == 2025]
    assert (several["n_docs"] == 3).all()
    assert several["ci_low"].notna().all() and (several["note"] == "").all()


def test_prevalence_errors(para_dtm):
    m = fit_topics(para_dtm, 3)
    with pytest.raises(AnalysisError, match="not a column"):
        topic_prevalence(m, by="nope")
    with pytest.raises(AnalysisError, match="n_boot"):
        topic_prevalence(m, by="year", n_boot=0)
    with pytest.raises(AnalysisError, match="varies within document"):
        topic_prevalence(m, by="unit_index")


# ----------------------------------------------------------------------------- metrics


def test_npmi_and_umass_by_hand():
    # units x terms (a, b, c, d):  u1 {a, b}  u2 {a, b, c}  u3 {a, c}  u4 {d}
    dtm = toy_dtm(
        [[1, 2, 0, 0], [1, 1, 1, 0], [3, 0, 1, 0], [0, 0, 0, 1]],
        ["u1", "u2", "u3", "u4"],
        [3, 3, 4, 1],
    )
    eps = 1e-12
    n = 4
    # document frequencies by hand: D(a)=3, D(b)=2, D(c)=2, D(d)=1;
    # D(a,b)=2, D(a,c)=2, D(b,c)=1, D(a,d)=0
    p = {"a": 3 / n, "b": 2 / n, "c": 2 / n, "d": 1 / n}
    pj = {("a", "b"): 2 / n, ("a", "c"): 2 / n, ("b", "c"): 1 / n, ("a", "d"): 0.0}

    def npmi(x, y):
        q = pj[tuple(sorted((x, y)))]
        return math.log((q + eps) / (p[x] * p[y])) / -math.log(q + eps)

    # topic 1 ranked c > b > a ; topic 2 ranked d > a
    top = np.array([[2, 1, 0], [3, 0, 0]])[:, :3]
    res = topic_coherence(dtm, np.array([[2, 1, 0]]), top_n=3)
    expected_npmi = (npmi("c", "b") + npmi("c", "a") + npmi("b", "a")) / 3
    # UMass: ordered pairs (w_m | w_l), w_l ranked higher: (b|c) (a|c) (a|b)
    expected_umass = (math.log((1 + 1) / 2) + math.log((2 + 1) / 2) + math.log((2 + 1) / 2)) / 3
    assert res["npmi"].iloc[0] == pytest.approx(expected_npmi)
    assert res["umass"].iloc[0] == pytest.approx(expected_umass)
    assert expected_npmi == pytest.approx((2 * math.log(4 / 3) / math.log(2) + 0) / 3)
    res2 = topic_coherence(dtm, top[1:, :2], top_n=2)
    assert res2["npmi"].iloc[0] == pytest.approx(npmi("d", "a"))
    assert res2["npmi"].iloc[0] < -0.9
    assert res2["umass"].iloc[0] == pytest.approx(math.log((0 + 1) / 1))
    # weights over terms give the same ranking as the indices
    w = np.array([[0.1, 0.2, 0.7, 0.0]])
    assert topic_coherence(dtm, w, top_n=3)["npmi"].iloc[0] == pytest.approx(expected_npmi)


def test_npmi_is_one_for_terms_in_every_unit():
    dtm = toy_dtm([[1, 1, 0], [2, 1, 1]], ["u1", "u2"], [2, 4])
    res = topic_coherence(dtm, np.array([[0, 1]]), top_n=2)
    assert res["npmi"].iloc[0] == pytest.approx(1.0)


def test_hungarian_recovers_a_known_permutation():
    rng = np.random.default_rng(0)
    k, n, n_terms = 8, 10, 500
    a = np.stack([rng.choice(n_terms, n, replace=False) for _ in range(k)])
    perm = rng.permutation(k)
    b = a[perm].copy()
    # perturb each topic a little: swap its last two terms for unused ones
    used = set(a.ravel())
    spare = [t for t in range(n_terms) if t not in used]
    for i in range(k):
        b[i, -2:] = spare[2 * i : 2 * i + 2]
    assignment, agreement = match_topics(a, b, n_terms=n_terms)
    # topic i of a is row j of b where perm[j] == i
    assert np.array_equal(assignment, np.argsort(perm))
    assert agreement == pytest.approx(8 / 12)  # 8 shared of 12 in the union
    assert match_topics(a, a)[1] == pytest.approx(1.0)


def test_select_k_columns_and_ranges(para_dtm):
    res = select_k(para_dtm, ks=[2, 4, 6], seeds=(0, 1, 2), progress=False)
    assert list(res.columns) == ["method", "k", "seed", "npmi", "umass", "diversity", "stability"]
    assert len(res) == 9
    assert res[["k", "seed"]].drop_duplicates().shape[0] == 9
    assert res["npmi"].between(-1, 1).all()
    assert (res["umass"] <= math.log(2)).all()
    assert ((res["diversity"] > 0) & (res["diversity"] <= 1)).all()
    assert res["stability"].between(0, 1).all()
    # deterministic
    again = select_k(para_dtm, ks=[2, 4, 6], seeds=(0, 1, 2), progress=False)
    pd.testing.assert_frame_equal(res, again)
    # processes do not change the results
    par = select_k(para_dtm, ks=[2, 4, 6], seeds=(0, 1, 2), progress=False, n_jobs=2)
    pd.testing.assert_frame_equal(res, par)
    # the rows' NPMI equals the mean of the per-topic coherence of the same model
    m = fit_topics(para_dtm, 4, seed=1)
    row = res[(res["k"] == 4) & (res["seed"] == 1)].iloc[0]
    assert row["npmi"] == pytest.approx(topic_coherence(para_dtm, m)["npmi"].mean())


def test_select_k_rows_follow_the_given_order_whatever_the_schedule(para_dtm):
    # fits run largest k first; rows and models still follow ks, then seeds, as given
    res, models = select_k(para_dtm, ks=[3, 5, 2], seeds=(1, 0), progress=False, return_models=True)
    order = [(3, 1), (3, 0), (5, 1), (5, 0), (2, 1), (2, 0)]
    assert list(zip(res["k"], res["seed"], strict=True)) == order
    assert list(models) == order
    assert all(models[k, s].k == k and models[k, s].seed == s for k, s in order)


def test_select_k_single_seed_has_no_stability(para_dtm):
    res = select_k(para_dtm, ks=[3], seeds=(5,), progress=False)
    assert res["stability"].isna().all()


def test_select_k_rejects_impossible_k(para_dtm):
    with pytest.raises(AnalysisError, match="k="):
        select_k(para_dtm, ks=[1, 3], progress=False)


def test_diversity_is_one_for_disjoint_topics():
    rows = np.zeros((60, 50), dtype=np.int64)
    for i in range(60):
        # two disjoint blocks of 25 terms with distinct counts, so the rankings are clear
        rows[i, (i % 2) * 25 : (i % 2) * 25 + 25] = np.arange(25, 0, -1)
    dtm = toy_dtm(rows.tolist(), [f"d{i}" for i in range(60)], [25] * 60)
    res = select_k(dtm, ks=[2], seeds=(0, 1), progress=False)
    assert res["diversity"].tolist() == pytest.approx([1.0, 1.0])
    assert res["stability"].tolist() == pytest.approx([1.0, 1.0])


# ----------------------------------------------------------------------------- CLI


def _run_cli(argv, monkeypatch):
    from analysis import cli

    monkeypatch.setattr(cli, "COMMANDS", ("topics",))
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(argv)
    return code, out.getvalue(), err.getvalue()


def test_cli_prints_top_terms(monkeypatch):
    code, out, err = _run_cli(
        ["topics", "--corpus", str(SEEDS), "--k", "4", "--unit", "paragraph", "--top", "6"]
        + ["--format", "csv"],
        monkeypatch,
    )
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns) == ["topic", "label", "rank", "term", "weight"]
    assert len(table) == 24
    corpus = read_corpus(SEEDS)
    expected = fit_topics(build_dtm(corpus, unit="paragraph", min_df=2), 4).top_terms(6)
    assert table["term"].tolist() == expected["term"].tolist()


def test_cli_shares_the_term_commands_dtm_options(monkeypatch):
    code, out, err = _run_cli(
        ["topics", "--corpus", str(SEEDS), "--k", "3", "--unit", "paragraph", "--top", "5"]
        + ["--ngram", "2", "2", "--stem", "--format", "csv"],
        monkeypatch,
    )
    assert code == 0, err
    terms = pd.read_csv(io.StringIO(out))["term"]
    assert terms.str.contains(" ").all()  # bigrams only, shown as readable words
    corpus = read_corpus(SEEDS)
    dtm = build_dtm(corpus, unit="paragraph", ngram_range=(2, 2), stem=True, min_df=2)
    assert terms.tolist() == fit_topics(dtm, 3).top_terms(5)["term"].tolist()

    code, out, err = _run_cli(
        ["topics", "--corpus", str(SEEDS), "--k", "3", "--ngram", "2", "1"], monkeypatch
    )
    assert code == 2 and out == ""
    assert [line for line in err.splitlines() if line.startswith("error:")] == [
        "error: --ngram 2 1: the first number must not exceed the second"
    ]


def test_cli_keeps_the_old_ngram_range_spelling(monkeypatch):
    new = _run_cli(
        ["topics", "--corpus", str(SEEDS), "--k", "3", "--unit", "paragraph"]
        + ["--ngram", "1", "2", "--format", "csv"],
        monkeypatch,
    )
    old = _run_cli(
        ["topics", "--corpus", str(SEEDS), "--k", "3", "--unit", "paragraph"]
        + ["--ngram-range", "1,2", "--format", "csv"],
        monkeypatch,
    )
    assert new[0] == old[0] == 0 and new[1] == old[1]
    assert " " in "".join(pd.read_csv(io.StringIO(old[1]))["term"])  # bigrams were counted
    # argparse reports a bad value itself: usage line, one error line, exit status 2
    with pytest.raises(SystemExit) as exit_info:
        _run_cli(
            ["topics", "--corpus", str(SEEDS), "--k", "3", "--ngram-range", "a,2"], monkeypatch
        )
    assert exit_info.value.code == 2


def test_cli_error_exits_2(monkeypatch):
    code, out, err = _run_cli(["topics", "--corpus", str(SEEDS), "--k", "9"], monkeypatch)
    assert code == 2
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: k=9")
    assert "Traceback" not in err and out == ""


def test_public_names():
    for name in ["fit_topics", "topic_prevalence", "select_k", "TopicModel", "topic_coherence"]:
        assert name in analysis.__all__ and hasattr(analysis, name)
