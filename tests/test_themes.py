"""Theme codebook, matching semantics, rates, differences, hits and contributions."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import (
    AnalysisError,
    load_themes,
    read_corpus,
    theme_contributions,
    theme_difference,
    theme_hits,
    theme_rates,
)
from analysis.themes import Codebook, Theme

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def corpus(*texts: str, **columns) -> pd.DataFrame:
    """A minimal corpus: doc_id d0, d1, ... plus optional metadata columns."""
    df = pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "text": list(texts)})
    for name, values in columns.items():
        df[name] = values
    return df


def book(*themes: tuple) -> Codebook:
    """themes as (id, entries) or (id, entries, exclusions)."""
    out = []
    for t in themes:
        tid, entries = t[0], t[1]
        excl = t[2] if len(t) > 2 else ()
        out.append(Theme(tid, tid.title(), "test theme", tuple(entries), tuple(excl)))
    return Codebook(tuple(out))


def n_hits(texts, entries, exclusions=(), **kw) -> int:
    c = corpus(*([texts] if isinstance(texts, str) else texts))
    return len(theme_hits(c, book(("t", entries, exclusions)), **kw))


# ----------------------------------------------------------------------------- matching


def test_case_insensitive():
    assert n_hits("PEACE, Peace and peace.", ["peace"]) == 3
    assert n_hits("peace", ["PEACE"]) == 1


def test_word_entry_matches_exact_form_only():
    text = "peace peaceful peacekeeping peaces"
    assert n_hits(text, ["peace"]) == 1
    assert n_hits(text, ["peaceful"]) == 1


def test_glob_matches_any_ending():
    text = "peace peaceful peacekeeping peaces appease"
    assert n_hits(text, ["peace*"]) == 4  # not 'appease': the glob anchors at the word start
    assert n_hits("multilateral multilateralism multilaterally", ["multilateral*"]) == 3
    assert n_hits("democratization democratisation", ["democrati*ation"]) == 2


def test_phrase_across_line_break_and_punctuation():
    text = "a community with a\nshared   future; the community-with a shared\n\nfuture"
    hits = theme_hits(corpus(text), book(("p", ["community with a shared future"])))
    assert len(hits) == 2
    assert hits["match"].iloc[0] == "community with a shared future"  # whitespace collapsed
    # hyphens are not tokens: 'multi-polar' is the phrase 'multi polar'
    assert n_hits("world multi-polarization and a multi-polar process", ["multi polar*"]) == 2
    assert n_hits("the U.N. Security Council", ["u n"]) == 1


def test_phrase_needs_consecutive_tokens():
    assert n_hits("shared common future", ["shared future"]) == 0
    assert n_hits("future shared", ["shared future"]) == 0


def test_phrase_does_not_cross_documents_or_units():
    c = corpus("we want a shared", "future for all")
    assert len(theme_hits(c, book(("p", ["shared future"])))) == 0
    text = "we want a shared\n\nfuture for all"
    assert n_hits(text, ["shared future"], unit="document") == 1
    assert n_hits(text, ["shared future"], unit="paragraph") == 0


def test_lone_star_inside_phrase_matches_one_word():
    text = "interference in the internal affairs; interference in internal affairs"
    assert n_hits(text, ["interference in * internal affairs"]) == 1


def test_nested_entries_count_once_and_longest_wins():
    text = "building a community with a shared future for mankind, a shared future"
    hits = theme_hits(
        corpus(text),
        book(("peace", ["shared future", "community with a shared future for mankind"])),
    )
    assert list(hits["entry"]) == ["community with a shared future for mankind", "shared future"]
    rates = theme_rates(corpus(text), book(("peace", ["shared future", "peace"])), n_boot=0)
    assert rates["hits"].iloc[0] == 2


def test_overlapping_entries_count_once():
    # 'a b' and 'b c' overlap on 'b': one stretch, one count; equal length -> earlier wins
    hits = theme_hits(corpus("x a b c y"), book(("t", ["b c", "a b"])))
    assert list(hits["entry"]) == ["a b"]
    # a longer partly overlapping entry beats an earlier shorter one
    hits = theme_hits(corpus("x a b c d y"), book(("t", ["a b", "b c d"])))
    assert list(hits["entry"]) == ["b c d"]
    # non-overlapping neighbours both count
    assert n_hits("a b c d", ["a b", "c d"]) == 2
    # the same span matched by two entries counts once, for the entry listed first
    hits = theme_hits(corpus("multilateralism"), book(("t", ["multilateral*", "multilateralism"])))
    assert list(hits["entry"]) == ["multilateral*"]


def test_different_themes_count_independently():
    c = corpus("lasting peace and friendship")
    rates = theme_rates(c, book(("a", ["lasting peace"]), ("b", ["peace"])), n_boot=0)
    assert rates.set_index("theme")["hits"].to_dict() == {"a": 1, "b": 1}


def test_exclusions_remove_overlapping_hits():
    text = "peace-keeping forces; peace keepers; keep the peace; the Nobel Peace Prize"
    assert n_hits(text, ["peace"]) == 4
    assert n_hits(text, ["peace"], ["peace keeping", "peace keepers", "peace prize"]) == 1
    # an exclusion only removes hits it overlaps
    assert n_hits("Friends of Europe; our friends", ["friend*"], ["friends of europe"]) == 1
    # glob exclusions on single words
    assert n_hits("memory memorandum memorial", ["memor*"], ["memorandum*"]) == 2


def test_stemmed_matching_is_optional():
    text = "victories and victory; the victor"
    assert n_hits(text, ["victory"]) == 1
    assert n_hits(text, ["victory"], stem=True) == 2  # Snowball: victori, victori, victor
    assert n_hits("remembering remembered", ["remember"], stem=True) == 2
    assert n_hits("remembering remembered", ["remember"]) == 0


def test_hits_table_context_and_order():
    c = corpus("one two three peace four five six", "peace")
    hits = theme_hits(c, book(("p", ["peace"]), ("q", ["three peace"])), window=2)
    assert list(hits.columns) == [
        "doc_id", "unit_id", "theme", "entry", "position", "rel_position",
        "left", "match", "right",
    ]  # fmt: skip
    first = hits.iloc[0]
    assert (first["doc_id"], first["theme"], first["position"]) == ("d0", "q", 2)
    p = hits[(hits["doc_id"] == "d0") & (hits["theme"] == "p")].iloc[0]
    assert (p["left"], p["match"], p["right"]) == ("two three", "peace", "four five")
    assert p["position"] == 3 and p["rel_position"] == pytest.approx(3 / 7)
    assert list(hits["doc_id"]) == ["d0", "d0", "d1"]


def test_positions_are_document_positions_for_smaller_units():
    text = "alpha beta\n\ngamma peace"
    hits = theme_hits(corpus(text), book(("p", ["peace"])), unit="paragraph")
    assert hits["position"].tolist() == [3]
    assert hits["unit_id"].tolist() == ["d0#p1"]


# ----------------------------------------------------------------------------- codebook


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "themes.yml"
    p.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return p


GOOD = """
themes:
  - id: peace
    label: Peace
    definition: Peace.
    entries: [peace]
"""


def test_default_codebook_has_the_required_themes():
    cb = load_themes()
    for tid in (
        "multilateralism", "unilateralism", "friendship", "rejuvenation",
        "war_memory", "resistance", "peace",
    ):  # fmt: skip
        theme = cb[tid]
        assert theme.entries and theme.definition and theme.sources
    frame = cb.to_frame()
    assert list(frame.columns) == ["theme", "label", "kind", "entry"]
    assert "multi polar*" in set(frame["entry"])
    assert len(frame) == sum(len(t.entries) + len(t.exclusions) for t in cb)


def test_another_study_passes_its_own_codebook(tmp_path):
    cb = load_themes(write(tmp_path, GOOD))
    assert cb.ids == ["peace"]
    rates = theme_rates(corpus("peace now"), write(tmp_path, GOOD), n_boot=0)
    assert rates["hits"].tolist() == [1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            GOOD.replace("    entries", "    colour: red\n    entries"),
            r"line 5: unknown key 'colour'",
        ),
        (GOOD.replace("[peace]", "[]"), r"line 5: theme 'peace': entries is empty"),
        (GOOD.replace("[peace]", ""), r"line 5: theme 'peace': entries is empty"),
        (GOOD.replace("[peace]", "{a: b}"), r"line 5: theme 'peace': entries must be a list"),
        (
            GOOD.replace("[peace]", "[1945]"),
            r"line 5: each item of theme 'peace': entries must be text",
        ),
        (
            GOOD.replace("[peace]", "[peace, Peace]"),
            r"line 5: theme 'peace': entries lists 'Peace' twice",
        ),
        (GOOD.replace("[peace]", "['*']"), r"line 5: theme 'peace': entry '\*' starts or ends"),
        (GOOD.replace("[peace]", "['pea(ce)?']"), r"theme 'peace': entry 'pea\(ce\)\?' contains"),
        (GOOD + GOOD.split("themes:\n")[1], r"line 6: theme id 'peace' repeats line 2"),
        (GOOD.replace("    label: Peace\n", ""), r"line 2: theme 'peace' has no 'label'"),
        (GOOD.replace("id: peace", "id: Peace Theme"), r"line 2: theme id 'Peace Theme'"),
        (GOOD.replace("entries: [peace]", "entries: [peace"), r"line \d+: not valid YAML"),
        ("themes: []\n", r"line 1: 'themes' must be a non-empty list"),
        ("name: x\n", r"no 'themes:' list"),
        ("", r"the file is empty"),
        ("themes:\n  - peace\n", r"line 2: theme #1 must be a mapping"),
    ],
)
def test_invalid_codebooks_name_the_line_or_theme(tmp_path, text, message):
    with pytest.raises(AnalysisError, match=message):
        load_themes(write(tmp_path, text))


def test_missing_codebook_file(tmp_path):
    with pytest.raises(AnalysisError, match="not found"):
        load_themes(tmp_path / "nope.yml")


# ----------------------------------------------------------------------------- rates


@pytest.fixture
def grouped():
    # group A: four documents with different peace rates; group B: one document
    texts = [
        "peace " * 3 + "word " * 97,  # 3 / 100
        "peace " * 1 + "word " * 49,  # 1 / 50
        "peace " * 10 + "word " * 190,  # 10 / 200
        "word " * 100,  # 0 / 100
        "peace " * 2 + "word " * 48,  # B: 2 / 50
    ]
    return corpus(*texts, grp=["A", "A", "A", "A", "B"])


THEMES = book(("peace", ["peace"]), ("none", ["absent"]))


def test_rates_formula_and_columns(grouped):
    r = theme_rates(grouped, THEMES, by="grp", n_boot=100)
    assert list(r.columns) == [
        "group", "theme", "label", "hits", "tokens", "rate_per_1k",
        "ci_low", "ci_high", "n_docs", "n_units", "note",
    ]  # fmt: skip
    a = r[(r["group"] == "A") & (r["theme"] == "peace")].iloc[0]
    assert (a["hits"], a["tokens"], a["n_docs"]) == (14, 450, 4)
    assert a["rate_per_1k"] == pytest.approx(1000 * 14 / 450)
    allr = theme_rates(grouped, THEMES, n_boot=0)
    assert allr["group"].unique().tolist() == ["all"]
    assert allr.iloc[0]["rate_per_1k"] == pytest.approx(1000 * 16 / 500)


def test_tokens_agree_with_read_corpus_n_tokens():
    seeds = read_corpus(SEEDS)
    r = theme_rates(seeds, load_themes(), by="doc_id", n_boot=0)
    tokens = r.drop_duplicates("group").set_index("group")["tokens"]
    assert tokens.to_dict() == seeds.set_index("doc_id")["n_tokens"].to_dict()


def test_one_document_group_has_no_interval(grouped):
    r = theme_rates(grouped, THEMES, by="grp", n_boot=200)
    b = r[r["group"] == "B"]
    assert b["ci_low"].isna().all() and b["ci_high"].isna().all()
    assert (b["note"] == "one document: no interval").all()
    assert (r[r["group"] == "A"]["note"] == "").all()


def test_interval_contains_estimate_and_has_width(grouped):
    r = theme_rates(grouped, THEMES, by="grp", n_boot=500)
    a = r[(r["group"] == "A") & (r["theme"] == "peace")].iloc[0]
    assert a["ci_low"] <= a["rate_per_1k"] <= a["ci_high"]
    assert a["ci_low"] < a["ci_high"]
    # bounds lie within the extreme possible resample rates (all of doc 3 / all of doc 2)
    assert a["ci_low"] >= 0 and a["ci_high"] <= 1000 * 10 / 200


def test_bootstrap_is_deterministic(grouped):
    r1 = theme_rates(grouped, THEMES, by="grp", n_boot=300, seed=7)
    r2 = theme_rates(grouped, THEMES, by="grp", n_boot=300, seed=7)
    pd.testing.assert_frame_equal(r1, r2)
    r3 = theme_rates(grouped, THEMES, by="grp", n_boot=300, seed=8)
    assert not np.allclose(r1["ci_low"].fillna(-1), r3["ci_low"].fillna(-1)) or not np.allclose(
        r1["ci_high"].fillna(-1), r3["ci_high"].fillna(-1)
    )


def test_group_interval_does_not_depend_on_other_groups(grouped):
    full = theme_rates(grouped, THEMES, by="grp", n_boot=300)
    only_a = theme_rates(grouped[grouped["grp"] == "A"], THEMES, by="grp", n_boot=300)
    pd.testing.assert_frame_equal(
        full[full["group"] == "A"].reset_index(drop=True), only_a.reset_index(drop=True)
    )


def test_paragraph_unit_resamples_documents(grouped):
    doc = theme_rates(grouped, THEMES, by="grp", n_boot=200)
    par = theme_rates(grouped, THEMES, by="grp", unit="sentence", n_boot=200)
    cols = ["hits", "tokens", "rate_per_1k", "ci_low", "ci_high", "n_docs"]
    pd.testing.assert_frame_equal(doc[cols], par[cols])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"by": "nope"}, "by='nope' is not a corpus column"),
        ({"n_boot": -1}, "n_boot=-1 must be an integer"),
        ({"unit": "page"}, "unit='page' is not one of"),
    ],
)
def test_rates_parameter_errors(grouped, kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        theme_rates(grouped, THEMES, **kwargs)


# ----------------------------------------------------------------------------- differences


@pytest.fixture
def two_groups():
    texts = [f"{'peace ' * k}{'word ' * (100 - k)}" for k in (8, 6, 9, 7, 1, 2, 0, 1)]
    return corpus(*texts, grp=["x"] * 4 + ["y"] * 4)


def test_difference_point_interval_and_p(two_groups):
    d = theme_difference(two_groups, THEMES, by="grp", a="x", b="y", n_boot=500, n_perm=999)
    row = d.set_index("theme").loc["peace"]
    assert row["rate_a"] == pytest.approx(1000 * 30 / 400)
    assert row["diff"] == pytest.approx(1000 * (30 - 4) / 400)
    assert row["ci_low"] <= row["diff"] <= row["ci_high"]
    assert 0 < row["p_value"] <= 1
    # complete separation of 4 vs 4: only 2 of C(8,4)=70 labelings are as extreme
    assert row["p_value"] < 0.1
    none = d.set_index("theme").loc["none"]
    assert none["diff"] == 0 and none["p_value"] == 1.0  # every permutation ties


def test_difference_one_document_group_is_honest(grouped):
    d = theme_difference(grouped, THEMES, by="grp", a="A", b="B", n_boot=100, n_perm=99)
    assert d["ci_low"].isna().all() and d["p_value"].isna().all()
    assert d["note"].str.contains("one document").all()
    assert d["diff"].notna().all()


def test_difference_unknown_group(two_groups):
    with pytest.raises(AnalysisError, match="a='z' is not a group"):
        theme_difference(two_groups, THEMES, by="grp", a="z", b="y")


# ----------------------------------------------------------------------------- contributions


def test_contributions_add_up(two_groups):
    two_groups = two_groups.assign(text=two_groups["text"] + [" war" * (2 + i) for i in range(8)])
    cb = book(("t", ["peace", "war"]))
    c = theme_contributions(two_groups, cb, by="grp")
    r = theme_rates(two_groups, cb, by="grp", n_boot=0).set_index("group")
    assert c.groupby("group")["hits"].sum().to_dict() == r["hits"].to_dict()
    assert c.groupby("group")["share"].sum().tolist() == pytest.approx([1.0, 1.0])
    d = theme_contributions(two_groups, cb, by="grp", a="x", b="y")
    diff = theme_difference(two_groups, cb, by="grp", a="x", b="y", n_boot=0, n_perm=0)
    assert d["diff"].sum() == pytest.approx(diff["diff"].iloc[0])
    assert d["share_of_diff"].sum() == pytest.approx(1.0)


# ----------------------------------------------------------------------------- tokenizer


def test_vectorised_tokenizer_equals_regex_words(monkeypatch):
    import re

    import analysis.tokens as themes_module

    rng = np.random.default_rng(0)
    alphabet = list("abcXYZ _-.\n\t'’éÉßİ٣中文\u0301\u200b1_") + ["\U0001f600"]
    texts = ["".join(rng.choice(alphabet, size=rng.integers(0, 60))) for _ in range(500)]
    texts += ["", "   ", "Peace-keeping U.N.", "x" * 70000]
    monkeypatch.setattr(themes_module, "_CHUNK_CHARS", 300)  # many chunks, mixed ASCII
    tok = themes_module.word_tokens(texts)
    for i, text in enumerate(texts):
        got = [tok.types[k] for k in tok.ids[tok.offsets[i] : tok.offsets[i + 1]]]
        assert got == [w.lower() for w in re.findall(r"\w+", text)], repr(text)
