"""Topic coherence (NPMI, UMass) by hand, Hungarian matching, select_k, diversity."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis import AnalysisError, build_dtm
from analysis.dtm import DTM
from analysis.topics import fit_topics, match_topics, select_k, topic_coherence


@pytest.fixture(scope="module")
def para_dtm(seed_corpus) -> DTM:
    return build_dtm(seed_corpus, unit="paragraph", min_df=2)


def _units(toy, rows, doc_ids, n_tokens):
    """A DTM with one unit per row and terms t0, t1, ... (only the matrix matters here)."""
    rows = np.asarray(rows, dtype=np.int64)
    terms = np.asarray([f"t{j}" for j in range(rows.shape[1])], dtype=object)
    return toy.make_dtm(rows, terms, list(doc_ids), list(n_tokens))


def test_npmi_and_umass_by_hand(toy):
    # units x terms (a, b, c, d):  u1 {a, b}  u2 {a, b, c}  u3 {a, c}  u4 {d}
    dtm = _units(
        toy,
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


def test_npmi_is_one_for_terms_in_every_unit(toy):
    dtm = _units(toy, [[1, 1, 0], [2, 1, 1]], ["u1", "u2"], [2, 4])
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


def test_diversity_is_one_for_disjoint_topics(toy):
    rows = np.zeros((60, 50), dtype=np.int64)
    for i in range(60):
        # two disjoint blocks of 25 terms with distinct counts, so the rankings are clear
        rows[i, (i % 2) * 25 : (i % 2) * 25 + 25] = np.arange(25, 0, -1)
    dtm = _units(toy, rows.tolist(), [f"d{i}" for i in range(60)], [25] * 60)
    res = select_k(dtm, ks=[2], seeds=(0, 1), progress=False)
    assert res["diversity"].tolist() == pytest.approx([1.0, 1.0])
    assert res["stability"].tolist() == pytest.approx([1.0, 1.0])
