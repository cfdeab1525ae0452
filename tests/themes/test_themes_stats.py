"""Theme statistics: rates, intervals, differences and contributions (analysis.themes.stats)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import (
    AnalysisError,
    load_themes,
    theme_contributions,
    theme_difference,
    theme_hits,
    theme_rates,
)
from analysis.themes import match_themes

# ----------------------------------------------------------------------------- rates


def test_rates_formula_and_columns(grouped, peace_book):
    r = theme_rates(grouped, peace_book, by="grp", n_boot=100)
    assert list(r.columns) == [
        "group", "theme", "label", "hits", "tokens", "rate_per_1k",
        "ci_low", "ci_high", "n_docs", "n_units", "note",
    ]  # fmt: skip
    a = r[(r["group"] == "A") & (r["theme"] == "peace")].iloc[0]
    assert (a["hits"], a["tokens"], a["n_docs"]) == (14, 450, 4)
    assert a["rate_per_1k"] == pytest.approx(1000 * 14 / 450)
    allr = theme_rates(grouped, peace_book, n_boot=0)
    assert allr["group"].unique().tolist() == ["all"]
    assert allr.iloc[0]["rate_per_1k"] == pytest.approx(1000 * 16 / 500)


def test_tokens_agree_with_read_corpus_n_tokens(seed_corpus, seed_codebook):
    seeds = seed_corpus
    r = theme_rates(seeds, load_themes(seed_codebook), by="doc_id", n_boot=0)
    tokens = r.drop_duplicates("group").set_index("group")["tokens"]
    assert tokens.to_dict() == seeds.set_index("doc_id")["n_tokens"].to_dict()


def test_one_document_group_has_no_interval(grouped, peace_book):
    r = theme_rates(grouped, peace_book, by="grp", n_boot=200, min_docs=2)
    b = r[r["group"] == "B"]
    assert b["ci_low"].isna().all() and b["ci_high"].isna().all()
    assert (b["note"] == "n=1: per-document values").all()
    assert (r[r["group"] == "A"]["note"] == "").all()


def test_groups_under_min_docs_get_no_interval(grouped, peace_book):
    # the default min_docs (5) leaves group A (4 documents) without an interval too
    r = theme_rates(grouped, peace_book, by="grp", n_boot=200)
    assert r["ci_low"].isna().all() and r["ci_high"].isna().all()
    assert r.set_index(["group", "theme"])["note"].to_dict() == {
        ("A", "peace"): "n=4: per-document values", ("A", "none"): "n=4: per-document values",
        ("B", "peace"): "n=1: per-document values", ("B", "none"): "n=1: per-document values",
    }  # fmt: skip
    assert r.attrs["min_docs"] == 5
    a4 = theme_rates(grouped, peace_book, by="grp", n_boot=200, min_docs=4)
    assert a4.loc[a4["group"] == "A", "ci_low"].notna().all()
    # rates themselves do not depend on min_docs
    assert a4["rate_per_1k"].tolist() == r["rate_per_1k"].tolist()
    with pytest.raises(AnalysisError, match="min_docs"):
        theme_rates(grouped, peace_book, by="grp", min_docs=1)


def test_interval_contains_estimate_and_has_width(grouped, peace_book):
    r = theme_rates(grouped, peace_book, by="grp", n_boot=500, min_docs=2)
    a = r[(r["group"] == "A") & (r["theme"] == "peace")].iloc[0]
    assert a["ci_low"] <= a["rate_per_1k"] <= a["ci_high"]
    assert a["ci_low"] < a["ci_high"]
    # bounds lie within the extreme possible resample rates (all of doc 3 / all of doc 2)
    assert a["ci_low"] >= 0 and a["ci_high"] <= 1000 * 10 / 200


def test_bootstrap_is_deterministic(grouped, peace_book):
    r1 = theme_rates(grouped, peace_book, by="grp", n_boot=300, seed=7, min_docs=2)
    r2 = theme_rates(grouped, peace_book, by="grp", n_boot=300, seed=7, min_docs=2)
    pd.testing.assert_frame_equal(r1, r2)
    r3 = theme_rates(grouped, peace_book, by="grp", n_boot=300, seed=8, min_docs=2)
    assert not np.allclose(r1["ci_low"].fillna(-1), r3["ci_low"].fillna(-1)) or not np.allclose(
        r1["ci_high"].fillna(-1), r3["ci_high"].fillna(-1)
    )


def test_group_interval_does_not_depend_on_other_groups(grouped, peace_book):
    full = theme_rates(grouped, peace_book, by="grp", n_boot=300, min_docs=2)
    only_a = theme_rates(
        grouped[grouped["grp"] == "A"], peace_book, by="grp", n_boot=300, min_docs=2
    )
    pd.testing.assert_frame_equal(
        full[full["group"] == "A"].reset_index(drop=True), only_a.reset_index(drop=True)
    )


def test_paragraph_unit_resamples_documents(grouped, peace_book):
    doc = theme_rates(grouped, peace_book, by="grp", n_boot=200)
    par = theme_rates(grouped, peace_book, by="grp", unit="sentence", n_boot=200)
    cols = ["hits", "tokens", "rate_per_1k", "ci_low", "ci_high", "n_docs"]
    pd.testing.assert_frame_equal(doc[cols], par[cols])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"by": "nope"}, "by='nope' is not a corpus column"),
        ({"n_boot": -1}, "n_boot=-1 must be a whole number"),
        ({"unit": "page"}, "unit='page' is not one of"),
    ],
)
def test_rates_parameter_errors(grouped, kwargs, message, peace_book):
    with pytest.raises(AnalysisError, match=message):
        theme_rates(grouped, peace_book, **kwargs)


def test_difference_point_interval_and_p(two_groups, peace_book):
    d = theme_difference(
        two_groups, peace_book, by="grp", target="x", reference="y", n_boot=500, n_perm=999,
        min_docs=4,
    )  # fmt: skip
    row = d.set_index("theme").loc["peace"]
    assert row["rate_a"] == pytest.approx(1000 * 30 / 400)
    assert row["diff"] == pytest.approx(1000 * (30 - 4) / 400)
    assert row["ci_low"] <= row["diff"] <= row["ci_high"]
    assert 0 < row["p_value"] <= 1
    # complete separation of 4 vs 4: only 2 of C(8,4)=70 labelings are as extreme
    assert row["p_value"] < 0.1
    none = d.set_index("theme").loc["none"]
    assert none["diff"] == 0 and none["p_value"] == 1.0  # every permutation ties


def test_difference_one_document_group_is_honest(grouped, peace_book):
    d = theme_difference(
        grouped, peace_book, by="grp", target="A", reference="B", n_boot=100, n_perm=99,
        min_docs=2,
    )  # fmt: skip
    assert d["ci_low"].isna().all() and d["p_value"].isna().all()
    assert (d["note"] == "n=4 and n=1 documents; each group needs 2 for an "
            "interval and a test: none computed").all()  # fmt: skip
    assert d["diff"].notna().all()


def test_difference_needs_min_docs_in_both_groups(two_groups, peace_book):
    kw = {"by": "grp", "target": "x", "reference": "y", "n_boot": 50, "n_perm": 99}
    small = theme_difference(two_groups, peace_book, **kw)  # 4 and 4 < 5
    assert small["p_value"].isna().all() and small["ci_low"].isna().all()
    assert small["note"].str.contains("each group needs 5 for an interval").all()
    ok = theme_difference(two_groups, peace_book, **kw, min_docs=4)
    assert ok.set_index("theme").loc["peace", "p_value"] < 0.1
    assert (ok["note"] == "").all()


def test_difference_unknown_group(two_groups, peace_book):
    with pytest.raises(AnalysisError, match="target='z' is not a group of by='grp'; groups: x, y"):
        theme_difference(two_groups, peace_book, by="grp", target="z", reference="y")


def test_contributions_add_up(two_groups, book):
    two_groups = two_groups.assign(text=two_groups["text"] + [" war" * (2 + i) for i in range(8)])
    cb = book(("t", ["peace", "war"]))
    c = theme_contributions(two_groups, cb, by="grp")
    r = theme_rates(two_groups, cb, by="grp", n_boot=0).set_index("group")
    assert c.groupby("group")["hits"].sum().to_dict() == r["hits"].to_dict()
    assert c.groupby("group")["share"].sum().tolist() == pytest.approx([1.0, 1.0])
    d = theme_contributions(two_groups, cb, by="grp", target="x", reference="y")
    diff = theme_difference(two_groups, cb, by="grp", target="x", reference="y", n_boot=0, n_perm=0)
    assert d["diff"].sum() == pytest.approx(diff["diff"].iloc[0])
    assert d["share_of_diff"].sum() == pytest.approx(1.0)


# ----------------------------------------------------------------------------- matches


def _stat_calls(by="year"):
    """Each statistic with the keyword arguments it needs on the seeds."""
    return [
        (theme_rates, {"by": by, "n_boot": 50}),
        (
            theme_difference,
            {"by": by, "target": 2025, "reference": 2010, "n_boot": 50, "n_perm": 99},
        ),
        (theme_hits, {"window": 3}),
        (theme_contributions, {"by": by}),
        (theme_contributions, {"by": by, "target": 2025, "reference": 2010}),
    ]


@pytest.mark.parametrize("unit", ["document", "paragraph"])
def test_statistics_from_matches_equal_those_from_the_corpus(seed_corpus, seed_codebook, unit):
    codebook = load_themes(seed_codebook)
    matches = match_themes(seed_corpus, codebook, unit=unit)
    for fn, kwargs in _stat_calls():
        from_corpus = fn(seed_corpus, codebook, unit=unit, **kwargs)
        from_matches = fn(matches, **kwargs)
        pd.testing.assert_frame_equal(from_matches, from_corpus, obj=fn.__name__)
        # the same codebook and unit may be repeated
        pd.testing.assert_frame_equal(fn(matches, codebook, unit=unit, **kwargs), from_corpus)


def test_matches_are_not_matched_again(seed_corpus, seed_codebook, monkeypatch):
    import analysis.themes.stats as stats

    calls = []
    real = stats.match_themes

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(stats, "match_themes", counting)
    matches = match_themes(seed_corpus, seed_codebook)  # the public name, not the counted one
    for fn, kwargs in _stat_calls():
        fn(matches, **kwargs)
    assert calls == []
    for fn, kwargs in _stat_calls():
        fn(seed_corpus, seed_codebook, **kwargs)
    assert len(calls) == len(_stat_calls())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"unit": "sentence"}, "unit='sentence': these matches were made with unit='document'"),
        ({"stem": True}, "stem=True: these matches were made with stem=False"),
        ({"codebook": "BOOK"}, "these matches were made with another codebook"),
    ],
)
def test_matches_with_other_settings_are_an_error(grouped, peace_book, book, kwargs, message):
    matches = match_themes(grouped, peace_book)
    if kwargs.get("codebook") == "BOOK":
        kwargs = {"codebook": book(("peace", ["peace", "war"]))}
    for fn, extra in ((theme_rates, {}), (theme_hits, {}), (theme_contributions, {})):
        with pytest.raises(AnalysisError, match=message):
            fn(matches, **kwargs, **extra)
    with pytest.raises(AnalysisError, match=message):
        theme_difference(matches, by="grp", target="A", reference="B", **kwargs)


def test_data_must_be_a_corpus_or_matches():
    with pytest.raises(AnalysisError, match="data must be a corpus DataFrame .* not list"):
        theme_rates(["peace"], by="year")


# ----------------------------------------------------------------------------- glossary


@pytest.mark.parametrize(
    ("fn", "old", "new"),
    [
        (theme_rates, {"themes": "BOOK"}, {"codebook": "BOOK"}),
        (theme_hits, {"themes": "BOOK"}, {"codebook": "BOOK"}),
        (theme_rates, {"corpus": "DOCS", "n_boot": 20}, {"data": "DOCS", "n_boot": 20}),
        (
            theme_difference,
            {"by": "grp", "a": "x", "b": "y", "n_boot": 20, "n_perm": 19},
            {"by": "grp", "target": "x", "reference": "y", "n_boot": 20, "n_perm": 19},
        ),
        (
            theme_contributions,
            {"by": "grp", "a": "x", "b": "y"},
            {"by": "grp", "target": "x", "reference": "y"},
        ),
    ],
)
def test_old_keyword_names_warn_and_give_the_same_table(two_groups, peace_book, fn, old, new):
    def fill(kwargs):
        out = {k: {"BOOK": peace_book, "DOCS": two_groups}.get(v, v) for k, v in kwargs.items()}
        args = () if "corpus" in kwargs or "data" in kwargs else (two_groups,)
        if "codebook" not in kwargs and "themes" not in kwargs:
            out["codebook"] = peace_book
        return args, out

    args, kw = fill(new)
    expected = fn(*args, **kw)
    args, kw = fill(old)
    with pytest.warns(DeprecationWarning) as record:
        got = fn(*args, **kw)
    warned = {str(w.message).split("(")[1].split("=")[0] for w in record}
    assert warned == set(old) - set(new)
    pd.testing.assert_frame_equal(got, expected)
    assert set(old) - set(new) <= set(fn.__renamed__)


def test_old_and_new_name_together_is_an_error(two_groups, peace_book):
    with pytest.raises(AnalysisError, match="give target= only"):
        theme_difference(two_groups, peace_book, by="grp", a="x", target="x", reference="y")


def test_level_is_checked_and_kept_in_attrs(two_groups, peace_book):
    rates = theme_rates(two_groups, peace_book, by="grp", n_boot=50, level=0.9)
    assert rates.attrs["level"] == 0.9
    diff = theme_difference(
        two_groups, peace_book, by="grp", target="x", reference="y", n_boot=50, n_perm=0,
        min_docs=4,
    )  # fmt: skip
    assert diff.attrs["level"] == 0.95
    narrow = theme_difference(
        two_groups, peace_book, by="grp", target="x", reference="y", n_boot=50, n_perm=0,
        level=0.5, min_docs=4,
    )  # fmt: skip
    assert (narrow["ci_high"] - narrow["ci_low"]).iloc[0] < (diff["ci_high"] - diff["ci_low"]).iloc[
        0
    ]
    for bad in (1.5, 0, "95%"):
        with pytest.raises(AnalysisError, match="level=.* between 0 and 1"):
            theme_difference(two_groups, peace_book, by="grp", target="x", reference="y", level=bad)
        with pytest.raises(AnalysisError, match="level=.* between 0 and 1"):
            theme_rates(two_groups, peace_book, level=bad)


def test_difference_needs_two_different_groups(two_groups, peace_book):
    with pytest.raises(AnalysisError, match="target and reference are both 'x'"):
        theme_difference(two_groups, peace_book, by="grp", target="x", reference="x")
    with pytest.raises(AnalysisError, match="give both target and reference"):
        theme_contributions(two_groups, peace_book, by="grp", target="x")


# ----------------------------------------------------------------------------- permutations


class _Draws:
    """A stand-in generator whose ``random`` returns given draws."""

    def __init__(self, draws: np.ndarray) -> None:
        self.draws = draws

    def random(self, shape) -> np.ndarray:
        assert tuple(shape) == self.draws.shape
        return self.draws.copy()


@settings(max_examples=150, deadline=None)
@given(
    n_perm=st.integers(0, 40),
    n=st.integers(1, 700),
    k_share=st.floats(0, 1),
    seed=st.integers(0, 2**32 - 1),
)
def test_permutation_members_equal_the_argsort_of_the_same_draws(n_perm, n, k_share, seed):
    from analysis.themes.stats import _perm_members

    k = round(k_share * n)
    expect = np.argsort(np.random.default_rng(seed).random((n_perm, n)), axis=1) < k
    got = _perm_members(np.random.default_rng(seed), n_perm, n, k)
    assert got.dtype == bool and got.shape == (n_perm, n)
    assert np.array_equal(got, expect)
    assert (got.sum(axis=1) == k).all()


def test_permutation_members_of_draws_that_agree_in_their_top_bits(monkeypatch):
    # draws one unit in the last place apart share their top bits: those rows are ranked
    # by argsort itself, equal draws included, and the other rows by the packed sort
    import analysis.themes.stats as stats

    monkeypatch.setattr(stats, "_PERM_ROWS", 3)  # rows in several blocks
    rng = np.random.default_rng(7)
    draws = rng.random((7, 300))
    x = 0.5 + 2.0**-30
    draws[1, [5, 17, 200]] = [np.nextafter(np.nextafter(x, 1), 1), x, np.nextafter(x, 1)]
    draws[6, :] = np.nextafter(0.75, 1) - np.arange(300) * 2.0**-53
    # equal draws that argsort ranks later column first (the packed sort would not)
    for i, j in zip(rng.choice(150, 50), 150 + rng.choice(150, 50), strict=True):
        row = draws[4].copy()
        row[[i, j]] = 0.25
        order = np.argsort(row).tolist()
        if order.index(j) < order.index(i):
            draws[4] = row
            break
    else:
        pytest.fail("no pair of equal draws that argsort ranks against column order")
    for k in (0, 1, 150, 299, 300):
        expect = np.argsort(draws, axis=1) < k
        assert np.array_equal(stats._perm_members(_Draws(draws), 7, 300, k), expect), k
