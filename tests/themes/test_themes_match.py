"""Theme matching semantics and the ThemeMatches object (analysis.themes.match)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import AnalysisError, theme_hits, theme_rates
from analysis.themes import ThemeMatches, match_themes

# ----------------------------------------------------------------------------- matching


def test_case_insensitive(n_hits):
    assert n_hits("PEACE, Peace and peace.", ["peace"]) == 3
    assert n_hits("peace", ["PEACE"]) == 1


def test_word_entry_matches_exact_form_only(n_hits):
    text = "peace peaceful peacekeeping peaces"
    assert n_hits(text, ["peace"]) == 1
    assert n_hits(text, ["peaceful"]) == 1


def test_glob_matches_any_ending(n_hits):
    text = "peace peaceful peacekeeping peaces appease"
    assert n_hits(text, ["peace*"]) == 4  # not 'appease': the glob anchors at the word start
    assert n_hits("multilateral multilateralism multilaterally", ["multilateral*"]) == 3
    assert n_hits("democratization democratisation", ["democrati*ation"]) == 2


def test_phrase_across_line_break_and_punctuation(corpus, book, n_hits):
    text = "a community with a\nshared   future; the community-with a shared\n\nfuture"
    hits = theme_hits(corpus(text), book(("p", ["community with a shared future"])))
    assert len(hits) == 2
    assert hits["match"].iloc[0] == "community with a shared future"  # whitespace collapsed
    # hyphens are not tokens: 'multi-polar' is the phrase 'multi polar'
    assert n_hits("world multi-polarization and a multi-polar process", ["multi polar*"]) == 2
    assert n_hits("the U.N. Security Council", ["u n"]) == 1


def test_phrase_needs_consecutive_tokens(n_hits):
    assert n_hits("shared common future", ["shared future"]) == 0
    assert n_hits("future shared", ["shared future"]) == 0


def test_phrase_does_not_cross_documents_or_units(corpus, book, n_hits):
    c = corpus("we want a shared", "future for all")
    assert len(theme_hits(c, book(("p", ["shared future"])))) == 0
    text = "we want a shared\n\nfuture for all"
    assert n_hits(text, ["shared future"], unit="document") == 1
    assert n_hits(text, ["shared future"], unit="paragraph") == 0


def test_lone_star_inside_phrase_matches_one_word(n_hits):
    text = "interference in the internal affairs; interference in internal affairs"
    assert n_hits(text, ["interference in * internal affairs"]) == 1


def test_nested_entries_count_once_and_longest_wins(corpus, book):
    text = "building a community with a shared future for mankind, a shared future"
    hits = theme_hits(
        corpus(text),
        book(("peace", ["shared future", "community with a shared future for mankind"])),
    )
    assert list(hits["entry"]) == ["community with a shared future for mankind", "shared future"]
    rates = theme_rates(corpus(text), book(("peace", ["shared future", "peace"])), n_boot=0)
    assert rates["hits"].iloc[0] == 2


def test_overlapping_entries_count_once(corpus, book, n_hits):
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


def test_different_themes_count_independently(corpus, book):
    c = corpus("lasting peace and friendship")
    rates = theme_rates(c, book(("a", ["lasting peace"]), ("b", ["peace"])), n_boot=0)
    assert rates.set_index("theme")["hits"].to_dict() == {"a": 1, "b": 1}


def test_exclusions_remove_overlapping_hits(n_hits):
    text = "peace-keeping forces; peace keepers; keep the peace; the Nobel Peace Prize"
    assert n_hits(text, ["peace"]) == 4
    assert n_hits(text, ["peace"], ["peace keeping", "peace keepers", "peace prize"]) == 1
    # an exclusion only removes hits it overlaps
    assert n_hits("Friends of Europe; our friends", ["friend*"], ["friends of europe"]) == 1
    # glob exclusions on single words
    assert n_hits("memory memorandum memorial", ["memor*"], ["memorandum*"]) == 2


def test_stemmed_matching_is_optional(n_hits):
    text = "victories and victory; the victor"
    assert n_hits(text, ["victory"]) == 1
    assert n_hits(text, ["victory"], stem=True) == 2  # Snowball: victori, victori, victor
    assert n_hits("remembering remembered", ["remember"], stem=True) == 2
    assert n_hits("remembering remembered", ["remember"]) == 0


def test_hits_table_context_and_order(corpus, book):
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


def test_positions_are_document_positions_for_smaller_units(corpus, book):
    text = "alpha beta\n\ngamma peace"
    hits = theme_hits(corpus(text), book(("p", ["peace"])), unit="paragraph")
    assert hits["position"].tolist() == [3]
    assert hits["unit_id"].tolist() == ["d0#p1"]


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


# ----------------------------------------------------------------------------- ThemeMatches


def test_match_themes_gives_a_documents_by_themes_count_matrix(corpus, book):
    docs = corpus(
        "peace and war. peace!\n\nwar", "no hits here", "war war", year=[2010, 2020, 2020]
    )
    m = match_themes(docs, book(("peace", ["peace"]), ("war", ["war"]), ("none", ["absent"])))
    assert isinstance(m, ThemeMatches)
    counts = m.counts()
    assert counts.index.name == "doc_id" and counts.columns.tolist() == ["peace", "war", "none"]
    assert counts.to_dict("index") == {
        "d0": {"peace": 2, "war": 2, "none": 0},
        "d1": {"peace": 0, "war": 0, "none": 0},
        "d2": {"peace": 0, "war": 2, "none": 0},
    }
    assert counts.dtypes.eq(np.int64).all()
    assert m.doc_tokens().tolist() == [5, 3, 2]
    assert m.n_hits == 6 == int(counts.to_numpy().sum())
    # the documents keep their metadata but not their text; the units keep the text
    assert m.docs.columns.tolist() == ["doc_id", "year"]
    assert "text" in m.units.columns
    assert m.params == {"unit": "document", "stem": False}
    assert repr(m) == ("<ThemeMatches 3 documents x 3 themes, 6 hits (unit=document, stem=False)>")


def test_unit_level_counts_add_up_to_document_counts(corpus, book):
    docs = corpus("peace\n\nwar and peace", "war")
    m = match_themes(docs, book(("peace", ["peace"]), ("war", ["war"])), unit="paragraph")
    units = m.counts(level="unit")
    assert units.index.name == "unit_id" and units.index.tolist() == ["d0#p0", "d0#p1", "d1#p0"]
    assert units["peace"].tolist() == [1, 1, 0]
    by_doc = units.groupby(m.units["doc_id"].to_numpy()).sum()
    pd.testing.assert_frame_equal(by_doc, m.counts(), check_names=False)
    with pytest.raises(AnalysisError, match="level='page' is not one of document, unit"):
        m.counts(level="page")


def test_seed_counts_agree_with_rates_and_read_corpus(seed_corpus, seed_codebook):
    m = match_themes(seed_corpus, seed_codebook)
    rates = theme_rates(seed_corpus, seed_codebook, by="doc_id", n_boot=0)
    hits = rates.pivot(index="group", columns="theme", values="hits")
    counts = m.counts()
    pd.testing.assert_frame_equal(hits.loc[counts.index, counts.columns], counts, check_names=False)
    assert m.doc_tokens().tolist() == seed_corpus["n_tokens"].tolist()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"unit": "page"}, "unit='page' is not one of document, paragraph, sentence"),
        ({"stem": "yes"}, "stem='yes' must be True or False"),
        ({"codebook": 3}, "codebook must be a Codebook"),
    ],
)
def test_match_themes_parameter_errors(corpus, peace_book, kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        match_themes(corpus("peace"), **{"codebook": peace_book, **kwargs})


def test_match_themes_refuses_empty_or_ambiguous_corpora(corpus, peace_book):
    with pytest.raises(AnalysisError, match="corpus has no documents"):
        match_themes(corpus(), peace_book)
    twice = corpus("a", "b").assign(doc_id=["x", "x"])
    with pytest.raises(AnalysisError, match="doc_id 'x' twice"):
        match_themes(twice, peace_book)
    with pytest.raises(AnalysisError, match="corpus must be a DataFrame"):
        match_themes(["peace"], peace_book)
