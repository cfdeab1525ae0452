"""Generated theme findings (analysis.findings.themes) and the tables they read:
theme_comparisons (Holm), theme_document_rates, the core flag of theme_contributions."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from analysis import (
    AnalysisError,
    theme_comparisons,
    theme_contributions,
    theme_difference,
    theme_document_rates,
    theme_rates,
)
from analysis.evidence import COMPARATIVE_WORDS
from analysis.findings import theme_carrier_findings, theme_comparison_findings
from analysis.themes import Codebook, Theme, match_themes
from analysis.themes.stats import holm

COMPARATIVE = re.compile(r"\b(" + "|".join(COMPARATIVE_WORDS) + r")\b", re.IGNORECASE)
NUM = r"([\d,]+\.\d)"


def _num(s: str) -> float:
    return float(s.replace(",", ""))


@pytest.fixture(scope="module")
def three_groups():
    """x: 6 documents dense in 'peace'; y: 6 sparse; z: 2 documents (under min_docs)."""
    ks = [9, 8, 10, 7, 9, 8] + [1, 0, 2, 1, 0, 1] + [15, 14]
    texts = [f"{'peace ' * k}{'calm ' * 2}{'word ' * (98 - k)}" for k in ks]
    docs = pd.DataFrame(
        {
            "doc_id": [f"d{i}" for i in range(len(texts))],
            "text": texts,
            "grp": ["x"] * 6 + ["y"] * 6 + ["z"] * 2,
        }
    )
    book = Codebook(
        (
            Theme("peace", "Peace", "d", ("peace", "calm"), core=("peace",)),
            Theme("none", "Nothing", "d", ("absent",)),
        )
    )
    return match_themes(docs, book)


# ----------------------------------------------------------------------------- Holm


def test_holm_matches_a_hand_computation_and_statsmodels_when_installed():
    p = np.array([0.01, 0.04, 0.03, np.nan, 0.005])
    # sorted 0.005, 0.01, 0.03, 0.04 with m=4: 4*0.005, 3*0.01, 2*0.03, max(2*0.03, 1*0.04)
    expected = np.array([0.03, 0.06, 0.06, np.nan, 0.02])
    np.testing.assert_allclose(holm(p), expected)
    np.testing.assert_allclose(holm([0.5, 0.9]), [1.0, 1.0])  # capped at 1
    assert np.isnan(holm([np.nan, np.nan])).all()
    try:
        from statsmodels.stats.multitest import multipletests
    except ImportError:
        return
    rng = np.random.default_rng(3)
    for _ in range(20):
        q = rng.uniform(0, 0.2, size=rng.integers(1, 8))
        np.testing.assert_allclose(holm(q), multipletests(q, method="holm")[1])


# ----------------------------------------------------------------------------- tables


def test_comparisons_test_only_groups_with_min_docs(three_groups):
    c = theme_comparisons(three_groups, by="grp", n_boot=100, n_perm=999, seed=1)
    assert list(c.columns) == [
        "by", "theme", "label", "group_a", "group_b", "rate_a", "rate_b", "diff",
        "ci_low", "ci_high", "p_value", "p_adjusted", "test", "n_a", "n_b",
        "ci_low_a", "ci_high_a", "supported", "note",
    ]  # fmt: skip
    peace = c[c["theme"] == "peace"].set_index("group_b")
    # z (2 documents) has a higher rate than x but is not tested: x leads the tested groups
    assert set(peace["group_a"]) == {"x"}
    rates = theme_rates(three_groups, by="grp", n_boot=100, seed=1).set_index(["group", "theme"])
    assert rates.loc[("z", "peace"), "rate_per_1k"] > rates.loc[("x", "peace"), "rate_per_1k"]
    assert peace.at["z", "test"] == "none" and not peace.at["z", "supported"]
    assert np.isnan(peace.at["z", "p_value"]) and np.isnan(peace.at["z", "p_adjusted"])
    assert peace.at["z", "note"] == (
        "n=6 and n=2 documents; each group needs 5 for a test: not tested"
    )
    # x vs y: the permutation p-value of theme_difference, Holm over the one test made
    d = theme_difference(three_groups, by="grp", target="x", reference="y", n_boot=100,
                         n_perm=999, seed=1).set_index("theme")  # fmt: skip
    assert peace.at["y", "p_value"] == d.at["peace", "p_value"]
    assert peace.at["y", "p_adjusted"] == d.at["peace", "p_value"]
    assert peace.at["y", "ci_low"] == d.at["peace", "ci_low"]
    assert peace.at["y", "test"] == "permutation" and peace.at["y", "supported"]
    assert peace.at["y", "rate_a"] == rates.loc[("x", "peace"), "rate_per_1k"]
    assert peace.at["y", "ci_low_a"] == rates.loc[("x", "peace"), "ci_low"]
    # a theme without hits: every rate 0, tested but never supported
    none = c[c["theme"] == "none"]
    assert not none["supported"].any()
    assert c.attrs == {"level": 0.95, "alpha": 0.05, "min_docs": 5}
    # deterministic
    pd.testing.assert_frame_equal(
        c, theme_comparisons(three_groups, by="grp", n_boot=100, n_perm=999, seed=1)
    )


def test_comparisons_apply_holm_within_a_theme(three_groups):
    # with min_docs=2 every group is tested: two comparisons, Holm over both
    c = theme_comparisons(three_groups, by="grp", focus="peace", n_boot=0, n_perm=999,
                          min_docs=2)  # fmt: skip
    assert c["group_a"].unique().tolist() == ["z"]
    np.testing.assert_allclose(c["p_adjusted"], holm(c["p_value"]))
    assert (c["supported"] == ((c["p_adjusted"] < 0.05) & (c["diff"] > 0))).all()
    strict = theme_comparisons(three_groups, by="grp", focus="peace", n_boot=0, n_perm=999,
                               min_docs=2, alpha=1e-9)  # fmt: skip
    assert not strict["supported"].any()


def test_comparisons_errors(three_groups):
    with pytest.raises(AnalysisError, match=r"^focus: 'pease' is not a theme of the codebook"):
        theme_comparisons(three_groups, by="grp", focus=["pease"])
    with pytest.raises(AnalysisError, match=r"alpha=5 must be a number between 0 and 1"):
        theme_comparisons(three_groups, by="grp", alpha=5)
    with pytest.raises(AnalysisError, match="by is required"):
        theme_comparisons(three_groups, by=[])


def test_document_rates_list_every_document(three_groups):
    d = theme_document_rates(three_groups, by="grp")
    assert list(d.columns) == [
        "doc_id",
        "group",
        "theme",
        "label",
        "hits",
        "tokens",
        "rate_per_1k",
        "n_docs",
    ]
    assert len(d) == 14 * 2
    peace = d[d["theme"] == "peace"].set_index("doc_id")
    assert peace.at["d12", "hits"] == 15 + 2 and peace.at["d12", "tokens"] == 100
    assert peace.at["d12", "rate_per_1k"] == pytest.approx(170.0)
    assert peace.at["d12", "n_docs"] == 2
    # a group's rate is the token-weighted mean of its documents' rates
    rates = theme_rates(three_groups, by="grp", n_boot=0).set_index(["group", "theme"])
    for g, part in peace.groupby("group"):
        assert part["hits"].sum() * 1000 / part["tokens"].sum() == pytest.approx(
            rates.loc[(g, "peace"), "rate_per_1k"]
        )


def test_contributions_mark_core_entries(three_groups):
    c = theme_contributions(three_groups, by="grp")
    assert c.set_index(["group", "entry"])["core"].to_dict() == {
        (g, e): e == "peace" for g, e in zip(c["group"], c["entry"], strict=True)
    }
    assert c["core"].dtype == bool


# ----------------------------------------------------------------------------- findings


def _comparison_findings(m, **kw):
    rates = theme_rates(m, by="grp", n_boot=200, seed=0, min_docs=kw.get("min_docs", 5))
    comp = theme_comparisons(m, by="grp", n_boot=200, n_perm=999, seed=0, **kw)
    contrib = theme_contributions(m, by="grp")
    cores = {t.id: t.core for t in m.codebook}
    found = theme_comparison_findings(
        rates, comp, by="grp", themes=["peace", "none"], min_docs=kw.get("min_docs", 5),
        contributions=contrib, cores=cores,
    )  # fmt: skip
    return rates, comp, found


def test_supported_finding_numbers_equal_the_tables(three_groups):
    rates, comp, found = _comparison_findings(three_groups)
    f = found[0]
    assert f.supported is True and f.table == "themes-comparisons-by-grp"
    m = re.fullmatch(
        rf"Peace by grp: (\w+) has the highest rate of the (\d) groups that reach (\d) "
        rf"documents \({NUM} per 1,000 words, 95% CI {NUM}-{NUM}, n=(\d+)\) -- higher than "
        r"(\w+) \(permutation test, Holm-adjusted p=([\d.]+)\)\. Not tested \(under 5 "
        r"documents\): (\w+)\.",
        f.text,
    )
    assert m, f.text
    row = comp.set_index(["theme", "group_b"]).loc[("peace", m.group(8))]
    assert f.row == {"by": "grp", "theme": "peace", "group_a": "x", "group_b": "y"}
    assert bool(row["supported"])
    assert m.group(1) == row["group_a"] == "x"
    assert (int(m.group(2)), int(m.group(3))) == (2, 5)
    assert _num(m.group(4)) == round(row["rate_a"], 1)
    assert (_num(m.group(5)), _num(m.group(6))) == (
        round(row["ci_low_a"], 1),
        round(row["ci_high_a"], 1),
    )
    assert int(m.group(7)) == row["n_a"] == 6
    assert float(m.group(9)) == round(row["p_adjusted"], 4)
    assert m.group(8) == "y" and m.group(10) == "z"


def test_unsupported_finding_has_no_comparative_word(three_groups):
    rates, comp, found = _comparison_findings(three_groups)
    f = found[1]  # theme "none": no hits anywhere
    assert f.supported is False and f.row == {"by": "grp", "theme": "none"}
    assert not COMPARATIVE.search(f.text), f.text
    m = re.fullmatch(
        rf"Nothing by grp: the (\d) groups cannot be told apart with these documents \((\d) of "
        rf"(\d) groups reach the 5 documents a test needs; rates from {NUM} to {NUM} per 1,000 words; "
        r"permutation tests, Holm-adjusted p=([\d.]+)\)\.",
        f.text,
    )
    assert m, f.text
    r = rates[rates["theme"] == "none"]
    assert int(m.group(1)) == int(m.group(3)) == len(r) == 3
    assert int(m.group(2)) == int((r["n_docs"] >= 5).sum()) == 2
    assert (_num(m.group(4)), _num(m.group(5))) == (
        round(r["rate_per_1k"].min(), 1),
        round(r["rate_per_1k"].max(), 1),
    )
    tested = comp[(comp["theme"] == "none") & (comp["test"] == "permutation")]
    assert float(m.group(6)) == round(tested["p_adjusted"].iloc[0], 4)


def test_no_group_with_min_docs_means_no_claim(three_groups):
    # with min_docs=7 no group is tested: every sentence is neutral
    rates, comp, found = _comparison_findings(three_groups, min_docs=7)
    assert not comp["supported"].any() and (comp["test"] == "none").all()
    for f in found:
        assert f.supported is False and not COMPARATIVE.search(f.text), f.text
        assert "(0 of 3 groups reach the 7 documents a test needs;" in f.text


def test_comparative_words_only_in_supported_findings(three_groups):
    for kw in ({}, {"min_docs": 2}, {"min_docs": 7}, {"alpha": 1e-9}):
        _, comp, found = _comparison_findings(three_groups, **kw)
        for f in found:
            if COMPARATIVE.search(f.text):
                assert f.supported is True
                row = comp.set_index(["theme", "group_a", "group_b"]).loc[
                    (f.row["theme"], f.row["group_a"], f.row["group_b"])
                ]
                assert bool(row["supported"])


# ----------------------------------------------------------------------------- carriers


def _contrib(rows):
    df = pd.DataFrame(rows, columns=["group", "theme", "label", "entry", "hits", "core"])
    df["share"] = df["hits"] / df.groupby(["group", "theme"])["hits"].transform("sum")
    return df


def test_carrier_flag_when_most_hits_are_outside_the_core():
    c = _contrib(
        [
            ("all", "multi", "Multilateralism", "multi polar*", 4, False),
            ("all", "multi", "Multilateralism", "multilateral*", 2, True),
            ("all", "multi", "Multilateralism", "u n", 1, False),
        ]
    )
    (f,) = theme_carrier_findings(c, themes=["multi"], cores={"multi": ("multilateral*",)})
    assert f.text == (
        "Multilateralism: 7 hits, carried by multi polar* (57%, 4 hits), multilateral* (29%, "
        "2 hits) and u n (14%, 1 hit). 71% of its hits come from entries outside its core "
        "(multilateral*): multi polar* (4), u n (1)."
    )
    assert f.table == "themes-contributions" and f.row == {"group": "all", "theme": "multi"}
    assert f.supported is None and not COMPARATIVE.search(f.text)
    # exactly one half outside the core is not flagged (the flag needs over 50%)
    half = _contrib(
        [
            ("all", "multi", "Multilateralism", "multilateral*", 2, True),
            ("all", "multi", "Multilateralism", "u n", 2, False),
        ]
    )
    (f,) = theme_carrier_findings(half, themes=["multi"], cores={"multi": ("multilateral*",)})
    assert f.text.endswith(" 50% of its hits come from its core entries.")
    assert (
        theme_carrier_findings(
            half, themes=["multi"], cores={"multi": ("multilateral*",)}, only_flagged=True
        )
        == []
    )


def test_carrier_without_core_names_entries_only_and_groups_are_named():
    c = _contrib(
        [
            ("2020", "t", "Theme", "a", 5, False),
            ("2020", "t", "Theme", "b", 3, False),
            ("2020", "t", "Theme", "c", 1, False),
            ("2020", "t", "Theme", "d", 1, False),
        ]
    )
    (f,) = theme_carrier_findings(c, themes=["t", "u"][:1], cores={}, top_n=2)
    assert f.text == (
        "Theme in 2020: 10 hits, carried by a (50%, 5 hits), b (30%, 3 hits) and 2 other "
        "entries (20%, 2 hits)."
    )
    (none,) = theme_carrier_findings(c, themes=["u"], cores={}, labels={"u": "Unused"})
    assert none.text == "Unused in 2020: no hits."


def test_carrier_numbers_equal_the_contributions_table(three_groups):
    c = theme_contributions(three_groups, by="grp")
    cores = {t.id: t.core for t in three_groups.codebook}
    for f in theme_carrier_findings(c, themes=["peace"], cores=cores):
        part = c[(c["group"] == f.row["group"]) & (c["theme"] == "peace")]
        total = int(re.search(r": (\d+) hits?,", f.text).group(1))
        assert total == part["hits"].sum()
        for entry, pct, hits in re.findall(r"(\w+) \((\d+)%, (\d+) hits?\)", f.text):
            row = part.set_index("entry").loc[entry]
            assert int(hits) == row["hits"] and int(pct) == round(100 * row["share"])


def test_highest_only_when_every_tested_comparison_supports_it():
    # x and w are alike (dense), y is sparse: x differs from y, not from w
    ks = [9, 8, 10, 7, 9, 8] + [8, 9, 7, 10, 8, 9] + [1, 0, 2, 1, 0, 1]
    texts = [f"{'peace ' * k}{'word ' * (100 - k)}" for k in ks]
    docs = pd.DataFrame(
        {
            "doc_id": [f"d{i}" for i in range(18)],
            "text": texts,
            "grp": list("x" * 6 + "w" * 6 + "y" * 6),
        }
    )
    m = match_themes(docs, Codebook((Theme("peace", "Peace", "d", ("peace",)),)))
    rates = theme_rates(m, by="grp", n_boot=200, seed=0)
    comp = theme_comparisons(m, by="grp", n_boot=200, n_perm=999, seed=0)
    (f,) = theme_comparison_findings(rates, comp, by="grp", themes=["peace"])
    lead = comp["group_a"].iloc[0]
    assert comp.set_index("group_b").loc["y", "supported"]
    other = "w" if lead == "x" else "x"
    assert not comp.set_index("group_b").loc[other, "supported"]
    assert f.supported is True and "highest" not in f.text
    assert f.text.startswith(f"Peace by grp: the rate of {lead} (")
    assert "is higher than that of y (permutation test" in f.text
    assert f"It cannot be told apart from {other} (Holm-adjusted p=" in f.text
