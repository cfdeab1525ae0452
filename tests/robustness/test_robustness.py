"""analysis.robustness: each specification equals the direct call, leave-one-entry-out
equals a re-match, summaries equal hand counts, planted robustness and fragility."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import AnalysisError, read_corpus
from analysis.compare import critical_z, keyness
from analysis.dtm import build_dtm
from analysis.robustness import (
    KeynessScore,
    ThemeDifference,
    _prune,
    _Streams,
    default_grid,
    robustness,
)
from analysis.themes import load_themes, match_themes, theme_difference
from analysis.themes.codebook import Codebook, Theme
from analysis.tokens import stem as stem_word

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "ungdc-sample"
N_BOOT = 200


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return read_corpus(SAMPLE, pattern="{year}/{country}_{session}_{year}.txt")


@pytest.fixture(scope="module")
def sample_codebook():
    return load_themes(SAMPLE / "themes.yml")


@pytest.fixture(scope="module")
def sample_result(sample, sample_codebook):
    est = ThemeDifference("multilateralism", by="year", target=[2020, 2024], reference=[2000, 2005])
    return robustness(sample, est, codebook=sample_codebook, n_boot=N_BOOT, seed=3)


def _spec(table: pd.DataFrame, **choices) -> pd.Series:
    rows = table
    for name, value in choices.items():
        rows = rows[[v == value if value is not None else v is None for v in rows[name]]]
    assert len(rows) == 1, choices
    return rows.iloc[0]


def _reduced(codebook: Codebook, theme_id: str, drop: str | None) -> Codebook:
    theme = codebook[theme_id]
    if drop is not None:
        theme = replace(
            theme,
            entries=tuple(e for e in theme.entries if e != drop),
            core=tuple(c for c in theme.core if c != drop),
        )
    return Codebook((theme,))


# ------------------------------------------------------------------ theme differences


@pytest.mark.parametrize(
    ("unit", "clean", "stem", "drop"),
    [
        ("document", True, False, None),
        ("paragraph", True, True, None),
        ("document", False, False, "security council"),
        ("paragraph", False, True, "united nations"),
        ("document", True, True, "multilateral*"),
    ],
)
def test_theme_spec_equals_theme_difference(
    sample, sample_codebook, sample_result, unit, clean, stem, drop
):
    """Pooled groups: the documents of 2020 and 2024 against those of 2000 and 2005."""
    side = [
        "2020+2024" if y in (2020, 2024) else "2000+2005" if y in (2000, 2005) else "other"
        for y in sample["year"]
    ]
    corpus = sample.assign(side=side)
    if not clean:
        corpus = corpus.assign(text=corpus["raw_text"])
    direct = theme_difference(
        corpus, _reduced(sample_codebook, "multilateralism", drop), by="side",
        target="2020+2024", reference="2000+2005", unit=unit, stem=stem, n_boot=N_BOOT,
        n_perm=0, seed=3,
    ).iloc[0]  # fmt: skip
    row = _spec(sample_result.table, unit=unit, clean=clean, stem=stem, drop_entry=drop)
    assert row["estimate"] == direct["diff"]
    assert row["ci_low"] == direct["ci_low"] and row["ci_high"] == direct["ci_high"]
    assert (row["n_docs_target"], row["n_docs_reference"]) == (direct["n_a"], direct["n_b"])


def test_theme_spec_equals_theme_difference_for_single_groups(robust_corpus, order_codebook):
    est = ThemeDifference("order", by="year", target=2025, reference=2010)
    res = robustness(robust_corpus, est, codebook=order_codebook, n_boot=N_BOOT, seed=7)
    for unit, stem in (("document", False), ("paragraph", True)):
        direct = theme_difference(
            robust_corpus, order_codebook, by="year", target=2025, reference=2010, unit=unit,
            stem=stem, n_boot=N_BOOT, n_perm=0, seed=7,
        ).set_index("theme").loc["order"]  # fmt: skip
        row = _spec(res.table, unit=unit, clean=True, stem=stem, drop_entry=None)
        assert (row["estimate"], row["ci_low"], row["ci_high"]) == (
            direct["diff"], direct["ci_low"], direct["ci_high"],
        )  # fmt: skip


OVERLAP_THEME = Theme(
    "council", "Council", "Overlapping entries.",
    (
        "security", "security council", "un security council", "council*", "the * council",
        "peace", "peaceful", "councils",
    ),
    exclusions=("security council resolution",),
    core=("security council",),
)  # fmt: skip
OVERLAP_TEXTS = [
    "The UN Security Council met. The security council resolution passed.\n\n"
    "Councils and council members spoke of peace and peaceful security.",
    "The peace council and the security council; the UN security council's councillors.\n\n"
    "Security, security council resolution, the Security Council again.",
    "No hits here at all.",
    "The Councils of peace. the big council met the UN Security Council",
]


@pytest.mark.parametrize("unit", ["document", "paragraph", "sentence"])
@pytest.mark.parametrize("stem", [False, True])
@pytest.mark.parametrize("derive", [True, False])
def test_leave_one_entry_out_equals_a_full_rematch(unit, stem, derive):
    """Entries found once in the documents' token stream, then kept within the units and
    re-resolved without each entry: the same hits as match_themes with the reduced codebook
    (derive=False: the units tokenized on their own, the fallback path)."""
    corpus = pd.DataFrame(
        {"doc_id": [f"d{i}" for i in range(len(OVERLAP_TEXTS))], "text": OVERLAP_TEXTS}
    )
    streams = _Streams(corpus, OVERLAP_THEME, derive=derive)
    docs = corpus.drop(columns="text")
    for drop in (None, *OVERLAP_THEME.entries):
        ours = streams.matches(docs, unit, stem, drop)
        codebook = _reduced(Codebook((OVERLAP_THEME,)), "council", drop)
        full = match_themes(corpus, codebook, unit=unit, stem=stem)
        assert full.n_hits > 0
        for name in ("start", "length", "entry", "unit_of", "theme"):
            np.testing.assert_array_equal(getattr(ours, name), getattr(full, name), err_msg=name)
        assert ours.entries == full.entries
        np.testing.assert_array_equal(ours.tokens.ids, full.tokens.ids)
        np.testing.assert_array_equal(ours.tokens.offsets, full.tokens.offsets)
        np.testing.assert_array_equal(ours.doc_tokens(), full.doc_tokens())
        np.testing.assert_array_equal(ours.counts().to_numpy(), full.counts().to_numpy())


def test_a_phrase_across_a_paragraph_break_counts_per_document_only():
    corpus = pd.DataFrame({"doc_id": ["d0"], "text": ["the security\n\ncouncil met"]})
    theme = Theme("c", "C", "C.", ("security council", "met"))
    streams = _Streams(corpus, theme)
    docs = corpus.drop(columns="text")
    assert streams.matches(docs, "document", False, None).n_hits == 2
    assert streams.matches(docs, "paragraph", False, None).n_hits == 1


def test_the_overlap_rule_matters_in_this_test():
    """Dropping the longest entry changes which shorter entries count (not only removes hits)."""
    corpus = pd.DataFrame({"doc_id": ["d0"], "text": [OVERLAP_TEXTS[0]]})
    with_all = match_themes(corpus, Codebook((OVERLAP_THEME,)))
    reduced = _reduced(Codebook((OVERLAP_THEME,)), "council", "un security council")
    without = match_themes(corpus, reduced)
    spans_all = set(zip(with_all.start.tolist(), with_all.length.tolist(), strict=True))
    spans_without = set(zip(without.start.tolist(), without.length.tolist(), strict=True))
    assert spans_without - spans_all  # a shorter entry takes the freed span


def test_default_grid_sizes(robust_corpus, order_codebook):
    est = ThemeDifference("order", by="year", target=2025, reference=2010)
    grid = default_grid(est, codebook=order_codebook)
    assert grid == {
        "unit": ["document", "paragraph"], "clean": [True, False], "stem": [False, True],
        "drop_entry": [None, "multilateral*", "security council", "international law",
                       "global governance"],
    }  # fmt: skip
    res = robustness(robust_corpus, est, codebook=order_codebook, n_boot=N_BOOT)
    assert len(res.table) == 2 * 2 * 2 * (1 + 4)
    assert res.table["baseline"].sum() == 1
    base = res.table[res.table["baseline"]].iloc[0]
    assert (base["unit"], base["clean"], base["stem"], base["drop_entry"]) == (
        "document", True, False, None,
    )  # fmt: skip
    kgrid = default_grid(KeynessScore("trade", by="year", target=2025))
    n = 1
    for values in kgrid.values():
        n *= len(values)
    assert n == 48 and set(kgrid) == {"unit", "clean", "stem", "stop_words", "min_df"}


def test_summary_shares_equal_a_hand_count(sample_result):
    t = sample_result.table
    base = t[t["baseline"]].iloc[0]
    same = supported = both = 0
    for _, row in t.iterrows():
        s = not math.isnan(row["estimate"]) and np.sign(row["estimate"]) == np.sign(
            base["estimate"]
        )
        same += s
        supported += bool(row["supported"])
        both += s and bool(row["supported"])
    summary = sample_result.summary.iloc[0]
    assert summary["n_specs"] == len(t)
    assert summary["share_same_sign"] == same / len(t)
    assert summary["share_supported"] == supported / len(t)
    assert summary["share_supported_same_sign"] == both / len(t)
    assert summary["baseline_estimate"] == base["estimate"]
    # supported: interval excludes 0 and both sides have min_docs documents
    for _, row in t.iterrows():
        excludes = row["ci_low"] > 0 or row["ci_high"] < 0
        enough = min(row["n_docs_target"], row["n_docs_reference"]) >= 5
        assert row["supported"] == (excludes and enough)


def test_planted_robustness_every_spec_agrees(robust_corpus, order_codebook):
    est = ThemeDifference("order", by="year", target=2025, reference=2010)
    res = robustness(robust_corpus, est, codebook=order_codebook, n_boot=N_BOOT)
    s = res.summary.iloc[0]
    assert s["baseline_estimate"] > 0 and s["baseline_supported"]
    assert s["share_same_sign"] == 1.0 and s["share_supported_same_sign"] == 1.0
    assert not res.entries["rests_on"].any()
    assert (res.entries["note"] == "").all()


def test_planted_fragility_is_flagged(fragile_corpus, order_codebook):
    est = ThemeDifference("order", by="year", target=2025, reference=2010)
    res = robustness(fragile_corpus, est, codebook=order_codebook, n_boot=N_BOOT)
    assert res.summary.iloc[0]["baseline_supported"]
    e = res.entries
    assert e.iloc[0]["entry"] == "security council"  # the largest |change| first
    assert e.iloc[0]["loses_support"] and e.iloc[0]["rests_on"]
    assert not e.iloc[0]["flips_sign"]  # 0 is no flip
    assert e.iloc[0]["estimate"] == 0.0
    assert e.iloc[0]["note"] == (
        "the difference rests on 'security council': without it the difference is no longer "
        "supported"
    )
    assert not e.iloc[1:]["rests_on"].any()
    # baseline hits of the entry: in the target only
    assert e.iloc[0]["hits_target"] == sum(3 + i % 3 for i in range(6))
    assert e.iloc[0]["hits_reference"] == 0
    assert list(e["change"].abs()) == sorted(e["change"].abs(), reverse=True)
    # every specification without the entry is unsupported, every one with it supported
    t = res.table
    without = t["drop_entry"].eq("security council")
    assert not t.loc[without, "supported"].any() and t.loc[~without, "supported"].all()
    assert res.summary.iloc[0]["share_supported"] == (~without).mean()


def test_deterministic_for_a_seed(robust_corpus, order_codebook):
    est = ThemeDifference("order", by="year", target=2025, reference=2010)
    grid = {"stem": [False, True], "drop_entry": [None, "security council"]}
    runs = [
        robustness(robust_corpus, est, codebook=order_codebook, grid=grid, n_boot=N_BOOT, seed=s)
        for s in (5, 5, 6)
    ]
    pd.testing.assert_frame_equal(runs[0].table, runs[1].table)
    pd.testing.assert_frame_equal(runs[0].summary, runs[1].summary)
    pd.testing.assert_frame_equal(runs[0].entries, runs[1].entries)
    assert not runs[0].table["ci_low"].equals(runs[2].table["ci_low"])
    assert runs[0].table["estimate"].equals(runs[2].table["estimate"])


def test_a_user_grid_fixes_the_other_choices(robust_corpus, order_codebook):
    est = ThemeDifference("order", by="year", target=2025, reference=2010)
    res = robustness(
        robust_corpus, est, codebook=order_codebook, grid={"unit": ["paragraph", "document"]},
        n_boot=N_BOOT,
    )  # fmt: skip
    assert list(res.table.columns[:1]) == ["unit"]
    assert res.table["unit"].tolist() == ["document", "paragraph"]  # the default first
    assert res.table["baseline"].tolist() == [True, False]
    assert res.entries is None
    only = robustness(
        robust_corpus, est, codebook=order_codebook, grid={"unit": ["paragraph"]}, n_boot=N_BOOT
    )
    assert only.table["baseline"].tolist() == [True]  # no default listed: the first value


def test_clean_is_dropped_without_raw_text(robust_corpus, order_codebook):
    est = ThemeDifference("order", by="year", target=2025, reference=2010)
    res = robustness(
        robust_corpus.drop(columns="raw_text"), est, codebook=order_codebook,
        grid={"clean": [True, False], "stem": [False, True]}, n_boot=0,
    )  # fmt: skip
    assert "clean" not in res.table.columns and len(res.table) == 2
    assert res.notes == (
        "clean: the corpus has no raw_text column (the text before cleaning), so only the "
        "cleaned text is used",
    )


def test_raw_text_is_used_when_clean_is_false(robust_corpus, order_codebook):
    est = ThemeDifference("order", by="year", target=2025, reference=2010)
    res = robustness(
        robust_corpus, est, codebook=order_codebook, grid={"clean": [True, False]}, n_boot=0
    )
    raw = robust_corpus.assign(text=robust_corpus["raw_text"])
    for clean, corpus in ((True, robust_corpus), (False, raw)):
        direct = theme_difference(
            corpus, order_codebook, by="year", target=2025, reference=2010, n_boot=0, n_perm=0
        ).iloc[0]
        assert _spec(res.table, clean=clean)["estimate"] == direct["diff"]
    # the furniture adds tokens, so the rates differ
    assert _spec(res.table, clean=False)["estimate"] != _spec(res.table, clean=True)["estimate"]


# ------------------------------------------------------------------ keyness


@pytest.fixture(scope="module")
def keyness_result(sample):
    est = KeynessScore("sovereignty", by="year", target=[2020, 2024], reference=[2000, 2005])
    return robustness(sample, est)


@pytest.mark.parametrize(
    ("unit", "clean", "stem", "stop_words", "min_df"),
    [
        ("document", True, False, "english", 1),
        ("paragraph", True, True, None, 2),
        ("document", False, True, "english", 5),
        ("paragraph", False, False, None, 5),
    ],
)
def test_keyness_spec_equals_keyness(sample, keyness_result, unit, clean, stem, stop_words, min_df):
    corpus = sample if clean else sample.assign(text=sample["raw_text"])
    dtm = build_dtm(corpus, unit=unit, stem=stem, stop_words=stop_words, min_df=min_df)
    k = keyness(dtm, by="year", target=[2020, 2024], reference=[2000, 2005])
    key = stem_word("sovereignty") if stem else "sovereignty"
    term = dtm.terms[list(dtm.keys).index(key)]
    r = k[k["term"] == term].iloc[0]
    row = _spec(
        keyness_result.table, unit=unit, clean=clean, stem=stem, stop_words=stop_words,
        min_df=min_df,
    )  # fmt: skip
    assert row["estimate"] == r["score"]
    half = critical_z() * r["score"] / r["z"]
    assert row["ci_low"] == pytest.approx(r["score"] - abs(half), rel=1e-12)
    assert row["ci_high"] == pytest.approx(r["score"] + abs(half), rel=1e-12)
    assert row["supported"] == (abs(r["z"]) >= critical_z())
    assert (row["n_docs_target"], row["n_docs_reference"]) == (6, 6)


@pytest.mark.parametrize("stem", [False, True])
@pytest.mark.parametrize("min_df", [2, 3, 0.3])
def test_pruning_equals_building_with_min_df(sample, stem, min_df):
    full = build_dtm(sample, unit="paragraph", stem=stem, stop_words=None)
    pruned = _prune(full, min_df)
    built = build_dtm(sample, unit="paragraph", stem=stem, stop_words=None, min_df=min_df)
    np.testing.assert_array_equal(pruned.terms, built.terms)
    np.testing.assert_array_equal(pruned.keys, built.keys)
    assert (pruned.matrix != built.matrix).nnz == 0
    # df by loops
    dense = full.matrix.toarray()
    n_units = dense.shape[0]
    need = min_df if isinstance(min_df, int) else min_df * n_units
    kept = [
        j for j in range(dense.shape[1]) if sum(1 for i in range(n_units) if dense[i, j]) >= need
    ]
    assert len(kept) == len(pruned.terms)


def test_keyness_is_nan_for_a_stop_word(sample):
    est = KeynessScore("against", by="year", target=[2020, 2024], reference=[2000, 2005])
    res = robustness(sample, est, grid={"stop_words": ["english", None]})
    with_stops = _spec(res.table, stop_words="english")
    assert math.isnan(with_stops["estimate"]) and not with_stops["supported"]
    assert with_stops["note"] == "'against': a stop word"
    assert not math.isnan(_spec(res.table, stop_words=None)["estimate"])
    assert res.summary.iloc[0]["share_same_sign"] != res.summary.iloc[0]["share_same_sign"]


def test_keyness_of_a_phrase(sample):
    est = KeynessScore("United Nations", by="year", target=[2020, 2024], reference=[2000, 2005])
    res = robustness(sample, est, grid={"stop_words": [None]})
    dtm = build_dtm(sample, stop_words=None, ngram_range=(1, 2))
    k = keyness(dtm, by="year", target=[2020, 2024], reference=[2000, 2005])
    assert res.table["estimate"].iloc[0] == k.loc[k["term"] == "united nations", "score"].iloc[0]


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("grid", "match"),
    [
        ({"stemm": [True]}, r"grid key 'stemm' is not a choice \(did you mean 'stem'\?\)"),
        ({"min_df": [1, 2]}, r"grid key 'min_df' is not a choice of a ThemeDifference"),
        ({"unit": ["paragraf"]}, r"grid unit: 'paragraf' .*\(did you mean 'paragraph'\?\)"),
        ({"stem": ["yes"]}, r"grid stem: 'yes' is not True or False"),
        ({"drop_entry": ["security councl"]}, r"did you mean 'security council'"),
        ({"unit": []}, r"grid unit: the list is empty"),
        (["stem"], r"grid=\['stem'\]: give a mapping"),
    ],
)
def test_grid_errors(robust_corpus, order_codebook, grid, match):
    est = ThemeDifference("order", by="year", target=2025, reference=2010)
    with pytest.raises(AnalysisError, match=match) as info:
        robustness(robust_corpus, est, codebook=order_codebook, grid=grid, n_boot=0)
    assert "\n" not in str(info.value)


def test_keyness_grid_errors(sample):
    est = KeynessScore("sovereignty", by="year", target=2020)
    with pytest.raises(AnalysisError, match=r"grid key 'drop_entry' is not a choice of a Keyn"):
        robustness(sample, est, grid={"drop_entry": [None]})
    with pytest.raises(AnalysisError, match=r"grid stop_words: 'englsh' .*did you mean 'english'"):
        robustness(sample, est, grid={"stop_words": ["englsh"]})
    with pytest.raises(AnalysisError, match=r"grid min_df=0 is invalid"):
        robustness(sample, est, grid={"min_df": [0]})


def test_argument_errors(robust_corpus, order_codebook):
    est = ThemeDifference("order", by="year", target=2025, reference=2010)
    with pytest.raises(AnalysisError, match="codebook is required for a ThemeDifference"):
        robustness(robust_corpus, est)
    with pytest.raises(AnalysisError, match="codebook has no theme 'ordr'"):
        robustness(robust_corpus, replace(est, theme="ordr"), codebook=order_codebook)
    with pytest.raises(AnalysisError, match="estimate='order': give a ThemeDifference"):
        robustness(robust_corpus, "order", codebook=order_codebook)
    with pytest.raises(AnalysisError, match="n_boot=-1 must be a whole number"):
        robustness(robust_corpus, est, codebook=order_codebook, n_boot=-1)
    with pytest.raises(AnalysisError, match=r"target=1999 is not a group of by='year'"):
        robustness(
            robust_corpus, ThemeDifference("order", by="year", target=[1999], reference=[2010]),
            codebook=order_codebook,
        )  # fmt: skip
    with pytest.raises(AnalysisError, match="target and reference share 2010"):
        robustness(
            robust_corpus,
            ThemeDifference("order", by="year", target=[2010, 2025], reference=[2010]),
            codebook=order_codebook,
        )  # fmt: skip
    with pytest.raises(AnalysisError, match="target=None: give a group of by"):
        ThemeDifference("order", by="year", target=None, reference=2010)
    with pytest.raises(AnalysisError, match="by=None: give the grouping column"):
        KeynessScore("peace", by=None, target=2010)
    one = Codebook((Theme("solo", "Solo", "One entry.", ("peace",)),))
    with pytest.raises(AnalysisError, match="the theme has the one entry 'peace'"):
        robustness(
            robust_corpus, ThemeDifference("solo", by="year", target=2025, reference=2010),
            codebook=one, grid={"drop_entry": [None, "peace"]},
        )  # fmt: skip
