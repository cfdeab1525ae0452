"""choose_k on hand-made selection tables; fewer than 2k units warns or skips the k."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from analysis import AnalysisError, InputWarning, build_dtm
from analysis.topics import UNITS_PER_TOPIC, choose_k, fit_topics, select_k


def selection(rows: dict[int, list[tuple[float, float]]]) -> pd.DataFrame:
    """A select_k-shaped table from ``{k: [(npmi, stability) per seed]}``."""
    out = []
    for k, seeds in rows.items():
        for s, (npmi, stab) in enumerate(seeds):
            out.append(
                dict(
                    method="nmf",
                    k=k,
                    seed=s,
                    npmi=npmi,
                    umass=-1.0 - s,
                    diversity=0.9,
                    stability=stab,
                )
            )
    return pd.DataFrame(out)


def test_the_top_npmi_among_the_stable_k_is_chosen():
    sel = selection(
        {
            3: [(0.10, 0.90), (0.20, 0.80)],  # npmi 0.15, stability 0.85: passes
            4: [(0.40, 0.60), (0.40, 0.50)],  # top npmi 0.40 but stability 0.55: fails
            5: [(0.30, 0.70), (0.20, 0.80)],  # npmi 0.25, stability 0.75: passes -> chosen
        }
    )
    c = choose_k(sel)
    assert (c.k, c.passed, c.unstable, c.rule) == (5, True, False, "npmi_stable")
    assert c.min_stability == 0.7 and "reaches 0.7" in c.rule_text
    t = c.table.set_index("k")
    assert t["npmi"].tolist() == pytest.approx([0.15, 0.40, 0.25])
    assert t["stability"].tolist() == pytest.approx([0.85, 0.55, 0.75])
    assert t["umass"].tolist() == pytest.approx([-1.5, -1.5, -1.5])
    assert t["passes"].tolist() == [True, False, True]
    assert t["chosen"].tolist() == [False, False, True]
    assert t["n_seeds"].tolist() == [2, 2, 2]
    assert c.row()["npmi"] == pytest.approx(0.25) and c.row(4)["stability"] == pytest.approx(0.55)
    assert c.row(9) is None
    # a stricter threshold leaves only k=3; the plain NPMI rule ignores stability
    assert choose_k(sel, min_stability=0.8).k == 3
    plain = choose_k(sel, rule="npmi")
    assert (plain.k, plain.passed) == (4, False)  # k=4 is not stable: passed says so


def test_when_no_k_passes_the_top_npmi_is_returned_as_unstable():
    sel = selection({3: [(0.2, 0.3), (0.2, 0.4)], 4: [(0.5, 0.5), (0.3, 0.5)], 6: [(0.1, 0.6)] * 2})
    c = choose_k(sel)
    assert (c.k, c.passed, c.unstable) == (4, False, True)
    assert not c.table["passes"].any() and c.table["chosen"].sum() == 1


def test_ties_go_to_the_smaller_k():
    sel = selection({6: [(0.3, 0.9)] * 2, 4: [(0.3, 0.9)] * 2, 5: [(0.2, 0.9)] * 2})
    assert choose_k(sel).k == 4
    # equal to 12 decimals counts as a tie, whatever the float noise
    sel.loc[sel["k"] == 6, "npmi"] += 1e-15
    assert choose_k(sel).k == 4
    # a threshold exactly at a k's stability lets it pass
    assert choose_k(selection({3: [(0.1, 0.7)], 4: [(0.2, 0.69)]})).k == 3


def test_a_single_seed_has_no_stability_and_never_passes():
    sel = selection({3: [(0.1, np.nan)], 4: [(0.2, np.nan)]})
    c = choose_k(sel)
    assert (c.k, c.passed) == (4, False)


def test_choose_k_errors():
    sel = selection({3: [(0.1, 0.9)]})
    with pytest.raises(AnalysisError, match=r"rule='best' is not one of npmi_stable, npmi"):
        choose_k(sel, rule="best")
    with pytest.raises(AnalysisError, match=r"min_stability=1.5 must be a number between 0 and 1"):
        choose_k(sel, min_stability=1.5)
    with pytest.raises(AnalysisError, match=r"min_stability='high'"):
        choose_k(sel, min_stability="high")
    with pytest.raises(AnalysisError, match=r"choose_k: the table has no column 'stability'"):
        choose_k(sel.drop(columns="stability"))
    with pytest.raises(AnalysisError, match=r"choose_k: the table is empty"):
        choose_k(sel.iloc[:0])


def test_choose_k_on_a_real_selection_agrees_with_its_rule(seed_corpus):
    dtm = build_dtm(seed_corpus, unit="paragraph", min_df=2)
    sel = select_k(dtm, ks=[2, 3, 4, 5], seeds=(0, 1, 2), progress=False)
    c = choose_k(sel, min_stability=0.5)
    means = sel.groupby("k")[["npmi", "stability"]].mean()
    ok = means[means["stability"] >= 0.5]
    expected = int(ok["npmi"].idxmax()) if len(ok) else int(means["npmi"].idxmax())
    assert c.k == expected and c.passed == bool(len(ok))


def test_fewer_than_2k_units_warns_with_k_and_the_number_of_units(seed_corpus):
    dtm = build_dtm(seed_corpus, unit="document", min_df=1)  # 5 units
    assert UNITS_PER_TOPIC == 2
    with pytest.warns(
        InputWarning, match=r"^k=3 topics on 5 units: fewer than 2k = 6 units"
    ) as rec:
        fit_topics(dtm, 3)
    assert len(rec) == 1 and "\n" not in str(rec[0].message)
    assert str(rec[0].message).endswith("use k <= 2 or a smaller unit (paragraph, sentence)")
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        fit_topics(dtm, 2)  # 5 units >= 4: no warning


def test_select_k_skips_the_k_with_too_few_units(seed_corpus):
    dtm = build_dtm(seed_corpus, unit="document", min_df=1)  # 5 units: only k=2 is fitted
    with pytest.warns(InputWarning, match=r"select_k skips k=3, 4: 5 units") as rec:
        sel = select_k(dtm, ks=[2, 3, 4], seeds=(0, 1), progress=False)
    assert [str(w.message).count("\n") for w in rec] == [0]
    assert sorted(sel["k"].unique()) == [2]
    assert sel.attrs["skipped_k"] == [3, 4] and sel.attrs["n_units"] == 5
    with pytest.raises(
        AnalysisError, match=r"ks=\[3, 4\]: every k needs at least 2k units and this DTM has 5"
    ):
        select_k(dtm, ks=[3, 4], progress=False)
    full = select_k(build_dtm(seed_corpus, unit="paragraph", min_df=2), ks=[2, 3], progress=False)
    assert full.attrs["skipped_k"] == []
