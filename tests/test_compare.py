"""term_frequencies and keyness: formulas checked against independent computations."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from fixtures_terms import TOY_COUNTS, TOY_GROUP, TOY_TERMS, TOY_TOKENS, make_dtm
from scipy.stats import chi2_contingency

from analysis import AnalysisError, keyness, term_frequencies

GROUP = np.array(TOY_GROUP)


def _side(groups):
    rows = np.isin(GROUP, groups)
    return TOY_COUNTS[rows].sum(axis=0), float(np.asarray(TOY_TOKENS)[rows].sum())


# ---------------------------------------------------------------- frequencies


def test_frequencies_of_chosen_terms_include_zeros_and_use_token_denominator(toy_dtm):
    out = term_frequencies(toy_dtm, by="group_col", terms=["zeta", "alpha"])
    assert list(out.columns) == ["group", "term", "count", "tokens", "rate_per_1k"]
    assert out["group"].tolist() == ["a", "a", "b", "b", "c", "c"]
    assert out["term"].tolist() == ["zeta", "alpha"] * 3
    # by hand from the fixture: zeta a=1, alpha a=4; b: 0, 5; c: 4, 0; tokens 17, 27, 11
    assert out["count"].tolist() == [1, 4, 0, 5, 4, 0]
    assert out["tokens"].tolist() == [17, 17, 27, 27, 11, 11]
    np.testing.assert_allclose(out["rate_per_1k"], 1000 * out["count"] / out["tokens"])


def test_frequencies_all_terms_are_sparse_and_sum_to_the_matrix(seeds_dtm):
    out = term_frequencies(seeds_dtm, by="source")
    assert (out["count"] > 0).all()
    assert out["count"].sum() == seeds_dtm.matrix.sum()
    # tokens per group = sum of the units' n_tokens
    tok = seeds_dtm.docs.groupby("source")["n_tokens"].sum()
    assert out.groupby("group")["tokens"].first().to_dict() == tok.to_dict()


def test_frequencies_unknown_terms_named_in_one_line(toy_dtm):
    with pytest.raises(AnalysisError, match="'omega', 'psi'") as err:
        term_frequencies(toy_dtm, by="group_col", terms=["alpha", "omega", "psi"])
    assert "\n" not in str(err.value)


# ---------------------------------------------------------------- keyness


def test_log_odds_dirichlet_matches_direct_formula(toy_dtm):
    alpha0 = 50.0
    out = keyness(toy_dtm, by="group_col", target="b", alpha0=alpha0).set_index("term")
    yt, _ = _side(["b"])
    yr, _ = _side(["a", "c"])
    corpus = TOY_COUNTS.sum(axis=0)
    nt, nr = yt.sum(), yr.sum()
    for i, term in enumerate(TOY_TERMS):
        a = alpha0 * corpus[i] / corpus.sum()
        lt = math.log((yt[i] + a) / (nt + alpha0 - yt[i] - a))
        lr = math.log((yr[i] + a) / (nr + alpha0 - yr[i] - a))
        delta = lt - lr
        z = delta / math.sqrt(1 / (yt[i] + a) + 1 / (yr[i] + a))
        assert out.loc[term, "score"] == pytest.approx(delta, rel=1e-12)
        assert out.loc[term, "z"] == pytest.approx(z, rel=1e-12)
        assert out.loc[term, "count_target"] == yt[i]
        assert out.loc[term, "count_reference"] == yr[i]


@pytest.mark.parametrize("measure", ["log_likelihood", "chi2"])
def test_two_by_two_statistics_match_scipy(toy_dtm, measure):
    out = keyness(toy_dtm, by="group_col", target="a", reference=["c"], measure=measure)
    out = out.set_index("term")
    yt, nt = _side(["a"])
    yr, nr = _side(["c"])
    for i, term in enumerate(TOY_TERMS):
        if yt[i] + yr[i] == 0:
            assert term not in out.index
            continue
        table = np.array([[yt[i], yr[i]], [nt - yt[i], nr - yr[i]]])
        lam = "log-likelihood" if measure == "log_likelihood" else None
        stat, p, _, _ = chi2_contingency(table, correction=False, lambda_=lam)
        sign = np.sign(yt[i] / nt - yr[i] / nr)
        assert out.loc[term, "score"] == pytest.approx(sign * stat, rel=1e-9, abs=1e-12)
        assert out.loc[term, "p"] == pytest.approx(p, rel=1e-9)
        assert out.loc[term, "rate_target"] == pytest.approx(1000 * yt[i] / nt)


def test_g2_against_hand_computed_table():
    # target: 10 of 1000 tokens, reference: 5 of 2000 tokens
    # G2 = 2 * sum O ln(O/E), E from the margins (15, 2985; 1000, 2000; N = 3000)
    obs = [10, 5, 990, 1995]
    exp = [15 * 1000 / 3000, 15 * 2000 / 3000, 2985 * 1000 / 3000, 2985 * 2000 / 3000]
    g2 = 2 * sum(o * math.log(o / e) for o, e in zip(obs, exp, strict=True))
    dtm = make_dtm(np.array([[10], [5]]), np.array(["w"], dtype=object), ["t", "r"], [1000, 2000])
    out = keyness(dtm, by="group_col", target="t", measure="log_likelihood")
    assert out["score"].item() == pytest.approx(g2, rel=1e-12)
    assert out["z"].item() == pytest.approx(math.sqrt(g2), rel=1e-12)


def test_reference_none_is_all_other_groups_and_sign_shows_direction(toy_dtm):
    a = keyness(toy_dtm, by="group_col", target="a")
    b = keyness(toy_dtm, by="group_col", target=["a"], reference=["b", "c"])
    pd.testing.assert_frame_equal(a.drop(columns="reference"), b.drop(columns="reference"))
    g2 = keyness(toy_dtm, by="group_col", target="a", measure="log_likelihood")
    diff = g2["rate_target"] - g2["rate_reference"]
    assert (np.sign(g2["z"]) == np.sign(diff)).all()
    zero_target = a[a["count_target"] == 0]
    assert (zero_target["z"] < 0).all()
    assert (np.diff(a["z"].to_numpy()) <= 0).all()


def test_string_target_matches_integer_year_and_top_keeps_both_ends(seeds_dtm):
    out = keyness(seeds_dtm, by="year", target="2025", top=5)
    assert len(out) == 10
    assert (out["z"].iloc[:5] > 0).all() and (out["z"].iloc[5:] < 0).all()
    assert out["target"].iloc[0] == "2025"
    full = keyness(seeds_dtm, by="year", target=2025)
    assert out["term"].iloc[:5].tolist() == full["term"].iloc[:5].tolist()
    assert out["term"].iloc[5:].tolist() == full["term"].iloc[-5:].tolist()


def test_keyness_errors(toy_dtm):
    with pytest.raises(AnalysisError, match="target=zz is not a value of column 'group_col'"):
        keyness(toy_dtm, by="group_col", target="zz")
    with pytest.raises(AnalysisError, match="share b"):
        keyness(toy_dtm, by="group_col", target="b", reference=["a", "b"])
    with pytest.raises(AnalysisError, match="nothing is left"):
        keyness(toy_dtm, by="group_col", target=["a", "b", "c"])
    with pytest.raises(AnalysisError, match="measure='tfidf'"):
        keyness(toy_dtm, by="group_col", target="a", measure="tfidf")
    with pytest.raises(AnalysisError, match="by='nope'"):
        keyness(toy_dtm, by="nope", target="a")
    counts = TOY_COUNTS.copy()
    counts[4] = 0  # group c has units but no counted terms
    with pytest.raises(AnalysisError, match="reference c has no counted terms"):
        keyness(make_dtm(counts), by="group_col", target="a", reference="c")


def test_frequencies_accept_stems_when_terms_are_display_forms():
    counts = [[2, 1], [0, 3]]
    dtm = make_dtm(counts, np.array(["rejuvenation", "nations"], dtype=object), ["a", "b"], [9, 9])
    dtm = type(dtm)(
        matrix=dtm.matrix,
        terms=dtm.terms,
        docs=dtm.docs,
        keys=np.array(["rejuven", "nation"], dtype=object),
        params=dtm.params,
    )
    by_form = term_frequencies(dtm, by="group_col", terms=["rejuvenation"])
    by_stem = term_frequencies(dtm, by="group_col", terms=["rejuven"])
    pd.testing.assert_frame_equal(by_form, by_stem)
    assert by_stem["term"].tolist() == ["rejuvenation", "rejuvenation"]  # never the bare stem


def test_many_reference_groups_get_a_short_label():
    n = 6
    counts = np.arange(1, 2 * n + 1).reshape(n, 2)
    groups = [f"g{i}" for i in range(n)]
    dtm = make_dtm(counts, np.array(["x", "y"], dtype=object), groups, [100] * n)
    out = keyness(dtm, by="group_col", target="g5")
    assert out["reference"].iloc[0] == "rest (g0...g4 (5 groups))"
    out = keyness(dtm, by="group_col", target="g5", reference=["g0", "g1"])
    assert out["reference"].iloc[0] == "g0+g1"
