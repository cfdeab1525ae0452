"""Findings of the topics section: numbers equal the tables; comparisons only where supported."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from analysis.evidence import COMPARATIVE_WORDS
from analysis.findings import (
    Finding,
    k_choice_findings,
    topic_label_findings,
    topic_leader_findings,
)
from analysis.topics import choose_k

COMPARATIVE = re.compile(r"\b(" + "|".join(COMPARATIVE_WORDS) + r")\b", re.IGNORECASE)
NUMBER = re.compile(r"-?\d+\.\d+")


def comparative(f: Finding) -> bool:
    return bool(COMPARATIVE.search(f.text))


def selection(rows: dict[int, list[tuple[float, float]]]) -> pd.DataFrame:
    out = []
    for k, seeds in rows.items():
        for s, (npmi, stab) in enumerate(seeds):
            out.append(
                dict(k=k, seed=s, npmi=npmi, umass=-1.25 - s / 10, diversity=0.875, stability=stab)
            )
    return pd.DataFrame(out)


STABLE = selection(
    {3: [(0.10, 0.90), (0.20, 0.80)], 4: [(0.40, 0.50)] * 2, 5: [(0.31, 0.71), (0.21, 0.81)]}
)
UNSTABLE = selection({3: [(0.2, 0.3)] * 2, 4: [(0.5, 0.45), (0.3, 0.45)]})


def test_k_chosen_by_the_rule_names_the_rule_and_the_metrics_of_its_table():
    c = choose_k(STABLE)
    fs = k_choice_findings(c, method="nmf", unit="paragraph", n_units=94, n_docs=5)
    assert len(fs) == 2 and not any(comparative(f) for f in fs)
    assert fs[0].text.startswith(
        "NMF topic model with k=5 topics on 94 paragraph units of 5 documents"
    )
    assert "k was chosen by the rule: " + c.rule_text in fs[0].text
    row = c.table.set_index("k").loc[5]
    assert fs[1].table == "topics-k-choice" and fs[1].row == {"k": 5}
    expected = [round(row[m], 2) for m in ("npmi", "umass", "diversity", "stability")]
    assert [float(x) for x in NUMBER.findall(fs[1].text)] == pytest.approx(expected)
    assert fs[1].text.startswith("At k=5, mean over 2 seeds: NPMI 0.26, UMass -1.30")


def test_no_k_passing_marks_the_topics_unstable_with_the_table_numbers():
    c = choose_k(UNSTABLE)
    fs = k_choice_findings(
        c, method="lda", unit="document", n_units=40, n_docs=40, skipped=[21, 25]
    )
    texts = [f.text for f in fs]
    assert texts[2] == (
        "No k reaches mean stability 0.70. The topics at k=4 are unstable: mean stability "
        "across seeds is 0.45, under the threshold 0.70, so other seeds find partly different topics."
    )
    assert texts[3] == "k=21, 25 not fitted: 40 units, and k topics need 2k units."
    assert not any(comparative(f) for f in fs)


def test_k_fixed_by_the_user_is_said_and_checked_against_the_threshold():
    c = choose_k(STABLE)  # the rule gives 5
    fs = k_choice_findings(c, k=4, method="nmf", unit="paragraph", n_units=94, n_docs=5)
    assert "k was fixed by the user; the rule (" in fs[0].text and "gives k=5" in fs[0].text
    assert fs[0].row == {"k": 4} and "stability 0.50" in fs[1].text
    assert fs[2].text.startswith(
        "The topics at k=4 are unstable: mean stability across seeds is 0.50"
    )
    same = k_choice_findings(c, k=5, method="nmf", unit="paragraph", n_units=94, n_docs=5)
    assert "fixed by the user and equals the rule's choice" in same[0].text and len(same) == 2
    absent = k_choice_findings(c, k=7, method="nmf", unit="paragraph", n_units=94, n_docs=5)
    assert absent[1].text.startswith("k=7 was not among the k scored (3, 4, 5)")
    few = k_choice_findings(c, k=50, method="nmf", unit="paragraph", n_units=94, n_docs=5)
    assert few[1].text.startswith("k=50 was not scored: 94 units, and k topics need 2k units, so")
    one_seed = choose_k(selection({3: [(0.1, np.nan)], 4: [(0.2, np.nan)]}))
    fs = k_choice_findings(one_seed, method="nmf", unit="paragraph", n_units=94, n_docs=5)
    assert "stability n/a" in fs[1].text and "not measured (one seed)" in fs[2].text


def test_labels_are_the_overview_labels():
    overview = pd.DataFrame(
        {"topic": [1, 2], "label": ["a · b · c", "d · e · f"], "share": [0.6, 0.4]}
    )
    (f,) = topic_label_findings(overview)
    assert f.text == "Topics (labelled by their three heaviest terms): 1: a · b · c; 2: d · e · f."
    assert f.table == "topics-overview" and f.supported is None


def leaders_table() -> pd.DataFrame:
    rows = [
        # group, topic, runner_up, prevalence, runner_up_prevalence, ci_low, ci_high, n_docs, supported
        (2000, 2, 1, 0.5512, 0.2049, 0.1212, 0.5031, 12, True),
        (2005, 1, 3, 0.4011, 0.3502, -0.0520, 0.1490, 9, False),
        (2010, 3, 2, 0.6104, 0.1500, np.nan, np.nan, 3, False),
        (2015, 1, 2, 0.5000, 0.2500, np.nan, np.nan, 1, False),
    ]
    t = pd.DataFrame(
        rows,
        columns=[
            "group",
            "topic",
            "runner_up",
            "prevalence",
            "runner_up_prevalence",
            "ci_low",
            "ci_high",
            "n_docs",
            "supported",
        ],
    )
    t["diff"] = t["prevalence"] - t["runner_up_prevalence"]
    labels = {1: "war · peace · world", 2: "trade · growth · market", 3: "climate · energy · water"}
    t["label"] = t["topic"].map(labels)
    t["runner_up_label"] = t["runner_up"].map(labels)
    t["note"] = ["", "", "n=3: per-document values", "n=1: per-document values"]
    t.attrs.update(level=0.95, min_docs=5)
    return t


def test_leaders_use_a_comparative_word_only_on_supported_rows_with_the_table_numbers():
    t = leaders_table()
    fs = topic_leader_findings(t, column="year")
    assert [f.supported for f in fs] == [True, False, False]
    for f in fs:
        assert comparative(f) == bool(f.supported)
        assert f.table == "topics-leaders-year"
    sup, apart, small = fs
    r = t.iloc[0]
    assert sup.row == {"group": 2000} and type(sup.row["group"]) is int
    assert "topic 2 (trade · growth · market) has a larger share than every other topic" in sup.text
    nums = [float(x) for x in NUMBER.findall(sup.text)]
    assert nums == pytest.approx(
        [
            round(r[c], 2)
            for c in ("prevalence", "runner_up_prevalence", "diff", "ci_low", "ci_high")
        ]
    )
    assert "95% CI" in sup.text and "paired document bootstrap" in sup.text
    r = t.iloc[1]
    assert (
        apart.row == {"group": 2005}
        and "cannot be told apart with this many documents" in apart.text
    )
    nums = [float(x) for x in NUMBER.findall(apart.text)]
    assert nums == pytest.approx(
        [
            round(r[c], 2)
            for c in ("prevalence", "runner_up_prevalence", "diff", "ci_low", "ci_high")
        ]
    )
    assert small.text == (
        "year: 2010 (n=3) and 2015 (n=1) have under 5 documents, so topic shares are shown per "
        "document, without an interval, and the topics' shares cannot be told apart with this "
        "many documents."
    )


def test_many_unsupported_groups_are_summarised_by_name_and_size():
    t = leaders_table()
    many = pd.concat([t.iloc[[1]]] * 10, ignore_index=True)
    many["group"] = [f"g{i}" for i in range(10)]
    many.attrs.update(level=0.9, min_docs=5)
    (f,) = topic_leader_findings(many, column="source", max_listed=6)
    assert f.text.startswith(
        "source: in 10 of 10 groups (g0 (n=9), g1 (n=9), g2 (n=9), g3 (n=9), g4 (n=9), g5 (n=9), "
        "g6 (n=9), g7 (n=9) and 2 others)"
    )
    assert "the 90% CI of their difference includes 0" in f.text and not comparative(f)
    # the level and min_docs come from the arguments when the table lost its attrs (CSV)
    plain = pd.DataFrame(t)
    plain.attrs = {}
    fs = topic_leader_findings(plain, column="year", min_docs=4, level=0.8, table="x")
    assert [f.supported for f in fs] == [True, False, False] and "80% CI" in fs[0].text
    assert fs[-1].text.startswith("year: 2010 (n=3) and 2015 (n=1) have under 4 documents")
    assert fs[0].table == "x"


def test_findings_from_a_real_leaders_table_match_it(seed_corpus):
    from analysis import build_dtm
    from analysis.topics import fit_topics, topic_leaders

    model = fit_topics(build_dtm(seed_corpus, unit="paragraph", min_df=2), 3)
    lead = topic_leaders(model, by="source_type", n_boot=300, min_docs=2)
    fs = topic_leader_findings(lead, column="source_type")
    assert all(comparative(f) == bool(f.supported) for f in fs)
    for f in fs:
        if f.row:
            r = lead.set_index("group").loc[f.row["group"]]
            assert bool(r["supported"]) == f.supported
            assert f"{r['prevalence']:.2f}" in f.text
