"""term_frequencies and keyness: formulas checked against independent computations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from analysis import AnalysisError, build_dtm, keyness, term_frequencies
from analysis.compare import keyness_agreement


def _side(toy, groups):
    rows = np.isin(np.array(toy.group), groups)
    return toy.counts[rows].sum(axis=0), float(np.asarray(toy.tokens)[rows].sum())


# ---------------------------------------------------------------- frequencies


def test_frequencies_of_chosen_terms_include_zeros_and_use_token_denominator(toy_dtm):
    out = term_frequencies(toy_dtm, by="group_col", terms=["zeta", "alpha"])
    assert list(out.columns) == ["group", "term", "count", "tokens", "rate_per_1k", "n_docs"]
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


def test_frequencies_count_the_documents_of_each_group_whatever_the_unit(seed_corpus):
    dtm = build_dtm(seed_corpus, unit="paragraph")
    out = term_frequencies(dtm, by="year", terms=["war"])
    assert (
        out.set_index("group")["n_docs"].to_dict()
        == seed_corpus.groupby("year")["doc_id"].nunique().to_dict()
    )


def test_frequencies_unknown_terms_named_in_one_line(toy_dtm):
    with pytest.raises(AnalysisError, match="'omega', 'psi'") as err:
        term_frequencies(toy_dtm, by="group_col", terms=["alpha", "omega", "psi"])
    assert "\n" not in str(err.value)


# ---------------------------------------------------------------- keyness


def test_log_odds_dirichlet_matches_direct_formula(toy_dtm, toy):
    alpha0 = 50.0
    out = keyness(toy_dtm, by="group_col", target="b", alpha0=alpha0).set_index("term")
    yt, _ = _side(toy, ["b"])
    yr, _ = _side(toy, ["a", "c"])
    corpus = toy.counts.sum(axis=0)
    nt, nr = yt.sum(), yr.sum()
    for i, term in enumerate(toy.terms):
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
def test_two_by_two_statistics_match_scipy(toy_dtm, measure, toy):
    out = keyness(toy_dtm, by="group_col", target="a", reference=["c"], measure=measure)
    out = out.set_index("term")
    yt, nt = _side(toy, ["a"])
    yr, nr = _side(toy, ["c"])
    for i, term in enumerate(toy.terms):
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


def test_g2_against_hand_computed_table(toy):
    # target: 10 of 1000 tokens, reference: 5 of 2000 tokens
    # G2 = 2 * sum O ln(O/E), E from the margins (15, 2985; 1000, 2000; N = 3000)
    obs = [10, 5, 990, 1995]
    exp = [15 * 1000 / 3000, 15 * 2000 / 3000, 2985 * 1000 / 3000, 2985 * 2000 / 3000]
    g2 = 2 * sum(o * math.log(o / e) for o, e in zip(obs, exp, strict=True))
    dtm = toy.make_dtm(
        np.array([[10], [5]]), np.array(["w"], dtype=object), ["t", "r"], [1000, 2000]
    )
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
    out = keyness(seeds_dtm, by="year", target="2025", top_n=5)
    assert len(out) == 10
    assert (out["z"].iloc[:5] > 0).all() and (out["z"].iloc[5:] < 0).all()
    assert out["target"].iloc[0] == "2025"
    full = keyness(seeds_dtm, by="year", target=2025)
    assert out["term"].iloc[:5].tolist() == full["term"].iloc[:5].tolist()
    assert out["term"].iloc[5:].tolist() == full["term"].iloc[-5:].tolist()


def test_keyness_errors(toy_dtm, toy):
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
    counts = toy.counts.copy()
    counts[4] = 0  # group c has units but no counted terms
    with pytest.raises(AnalysisError, match="reference c has no counted terms"):
        keyness(toy.make_dtm(counts), by="group_col", target="a", reference="c")


def test_frequencies_accept_stems_when_terms_are_display_forms(toy):
    counts = [[2, 1], [0, 3]]
    dtm = toy.make_dtm(
        counts, np.array(["rejuvenation", "nations"], dtype=object), ["a", "b"], [9, 9]
    )
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


def test_many_reference_groups_get_a_short_label(toy):
    n = 6
    counts = np.arange(1, 2 * n + 1).reshape(n, 2)
    groups = [f"g{i}" for i in range(n)]
    dtm = toy.make_dtm(counts, np.array(["x", "y"], dtype=object), groups, [100] * n)
    out = keyness(dtm, by="group_col", target="g5")
    assert out["reference"].iloc[0] == "the other 5 group cols"
    out = keyness(dtm, by="group_col", target="g5", reference=["g0", "g1"])
    assert out["reference"].iloc[0] == "g0+g1"
    out = keyness(dtm, by="group_col", target="g5", reference=["g0", "g1", "g2", "g3"])
    assert out["reference"].iloc[0] == "the 4 group cols g0 to g3"
    out = keyness(dtm, by="group_col", target="g5", reference=["g4"])
    assert out["reference"].iloc[0] == "g4"


def test_old_name_top_warns_and_gives_the_same_table(seeds_dtm):
    with pytest.warns(DeprecationWarning, match=r"keyness\(top=...\)"):
        old = keyness(seeds_dtm, by="year", target=2025, top=4)
    pd.testing.assert_frame_equal(old, keyness(seeds_dtm, by="year", target=2025, top_n=4))
    with pytest.raises(AnalysisError, match="top_n=0"):
        keyness(seeds_dtm, by="year", target=2025, top_n=0)


def test_frequencies_by_defaults_to_units_and_accepts_a_list(toy_dtm, toy):
    per_unit = term_frequencies(toy_dtm, terms=["alpha"])
    assert per_unit["group"].tolist() == list(toy_dtm.docs["unit_id"])
    assert per_unit["count"].tolist() == list(toy.counts[:, 0])
    out = term_frequencies(toy_dtm, by=["group_col", "year"], terms=["alpha"])
    assert out["group"].tolist() == ["a | 2010", "b | 2020", "b | 2025", "c | 2025"]
    assert out["count"].tolist() == [4, 0, 5, 0]
    assert out["tokens"].tolist() == [17, 12, 15, 11]


def test_frequencies_expand_globs_and_find_phrases(seeds_dtm):
    out = term_frequencies(seeds_dtm, by="year", terms=["multilateral*", "shared future"])
    terms = list(dict.fromkeys(out["term"]))
    expected = sorted(t for t in seeds_dtm.terms if t.startswith("multilateral") and " " not in t)
    assert expected and terms == [*expected, "shared future"]
    one = term_frequencies(seeds_dtm, by="year", terms=expected + ["shared future"])
    pd.testing.assert_frame_equal(out, one)
    with pytest.raises(AnalysisError, match="'zzz\\*'"):
        term_frequencies(seeds_dtm, by="year", terms=["zzz*"])


def test_keyness_by_a_list_pools_the_combination(toy_dtm):
    out = keyness(toy_dtm, by=["group_col", "year"], target="b | 2025", measure="log_likelihood")
    assert out["target"].iloc[0] == "b | 2025"
    assert out["reference"].iloc[0] == "the other 3 groups"
    # the combination b | 2025 is unit d3 alone: the same statistics as by doc_id
    same = keyness(toy_dtm, by="doc_id", target="d3", measure="log_likelihood")
    cols = ["term", "score", "z", "p", "count_target", "count_reference"]
    pd.testing.assert_frame_equal(out[cols], same[cols])


def test_keyness_agreement_counts_shared_top_terms(seeds_dtm):
    out = keyness_agreement(seeds_dtm, by="year", target=2025, top_n=10)
    assert list(out.columns) == ["measure_a", "measure_b", "shared_top_terms", "top_n"]
    assert list(zip(out["measure_a"], out["measure_b"], strict=True)) == [
        ("log_odds_dirichlet", "log_likelihood"),
        ("log_odds_dirichlet", "chi2"),
        ("log_likelihood", "chi2"),
    ]
    tops = {
        m: set(keyness(seeds_dtm, by="year", target=2025, measure=m)["term"][:10])
        for m in ("log_odds_dirichlet", "log_likelihood", "chi2")
    }
    assert out["shared_top_terms"].tolist() == [
        len(tops["log_odds_dirichlet"] & tops["log_likelihood"]),
        len(tops["log_odds_dirichlet"] & tops["chi2"]),
        len(tops["log_likelihood"] & tops["chi2"]),
    ]
    assert (out["top_n"] == 10).all()
    with pytest.raises(AnalysisError, match="at least two"):
        keyness_agreement(seeds_dtm, by="year", target=2025, measures=["chi2"])


# ---------------------------------------------------------------- noise floor


def test_critical_z_is_the_normal_quantile_and_level_is_checked():
    from scipy import stats

    from analysis.compare import critical_z

    assert critical_z() == pytest.approx(1.959964, abs=1e-6)
    assert critical_z(0.99) == pytest.approx(stats.norm.isf(0.005))
    for bad in (1.5, 0, "0.95", True):
        with pytest.raises(AnalysisError, match=r"^level=.* between 0 and 1"):
            critical_z(bad)


@pytest.mark.parametrize("measure", ["log_odds_dirichlet", "log_likelihood", "chi2"])
def test_supported_is_outside_the_noise_band_and_matches_the_p_value(seeds_dtm, measure):
    out = keyness(seeds_dtm, by="source", target="CGTN", measure=measure)
    assert (out["supported"] == (out["z"].abs() >= 1.959963984540054)).all()
    # the same event as p <= 1 - level (up to rounding exactly at the threshold)
    assert (out["supported"] == (out["p"] <= 0.05 + 1e-12)).all()
    assert out["supported"].any() and not out["supported"].all()
    assert set(out["level"]) == {0.95}
    strict = keyness(seeds_dtm, by="source", target="CGTN", measure=measure, level=0.999)
    assert strict["supported"].sum() < out["supported"].sum()
    assert (strict["supported"] == (strict["p"] <= 0.001 + 1e-12)).all()


def test_keyness_counts_the_documents_of_each_side(seeds_dtm, seed_corpus):
    out = keyness(seeds_dtm, by="year", target=2025)
    years = seed_corpus["year"]
    assert set(out["n_docs_target"]) == {int((years == 2025).sum())}
    assert set(out["n_docs_reference"]) == {int((years != 2025).sum())}
    assert list(out.columns[-4:]) == ["n_docs_target", "n_docs_reference", "level", "supported"]


def test_documents_are_counted_once_whatever_the_unit(seed_corpus):
    from analysis import build_dtm

    paragraphs = build_dtm(seed_corpus, unit="paragraph")
    out = keyness(paragraphs, by="source", target="CGTN")
    assert out["n_docs_target"].iloc[0] == 1
    assert out["n_docs_reference"].iloc[0] == seed_corpus["source"].ne("CGTN").sum()
    assert out["reference"].iloc[0] == f"the other {seed_corpus['source'].nunique() - 1} sources"


def test_plural_labels():
    from analysis.compare import _plural

    assert [_plural(b) for b in ("source", "year", "country", "day", "box", "status")] == [
        "sources", "years", "countries", "days", "boxes", "status values",
    ]  # fmt: skip
    assert _plural(["source", "year"]) == "groups"


# ---------------------------------------------------------------- memory


@pytest.mark.parametrize("measure", ["log_odds_dirichlet", "log_likelihood", "chi2"])
def test_scores_in_blocks_equal_one_pass(seeds_dtm, measure, monkeypatch):
    """The formulas run over blocks of terms (bounded temporaries); values are those of
    one pass over the whole vocabulary, bit for bit."""
    from analysis import compare

    whole = keyness(seeds_dtm, by="year", target=2025, measure=measure)
    monkeypatch.setattr(compare, "_SCORE_BLOCK", 7)  # many blocks, the last one short
    assert len(whole) > 10 * 7
    blocked = keyness(seeds_dtm, by="year", target=2025, measure=measure)
    pd.testing.assert_frame_equal(blocked, whole, check_exact=True)
    agreement = keyness_agreement(seeds_dtm, by="year", target=2025, top_n=10)
    monkeypatch.setattr(compare, "_SCORE_BLOCK", 1 << 20)
    pd.testing.assert_frame_equal(
        agreement, keyness_agreement(seeds_dtm, by="year", target=2025, top_n=10)
    )


def test_label_columns_hold_their_label_once(seeds_dtm):
    table = keyness(seeds_dtm, by="year", target=2025, reference=[2010, 2020])
    for column, label in (
        ("measure", "log_odds_dirichlet"),
        ("target", "2025"),
        ("reference", "2010+2020"),
    ):
        assert isinstance(table[column].dtype, pd.CategoricalDtype)
        assert list(table[column].cat.categories) == [label]
        assert (table[column] == label).all()
