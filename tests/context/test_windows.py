"""Context windows against an independent count: tokens by regex, windows by slicing."""

from __future__ import annotations

import fnmatch
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import analysis
from analysis.context import context_windows, find_contexts, target_codebook
from analysis.errors import AnalysisError


def _reference(texts: list[str], glob: str, window: int) -> list[tuple[int, int, str, str]]:
    """(text, position, left, right) for every token matching ``glob``, by plain slicing."""
    rows = []
    for d, text in enumerate(texts):
        toks = [t.lower() for t in re.findall(r"\w+", text)]
        hit = [fnmatch.fnmatchcase(t, glob.lower()) for t in toks]
        for i in range(len(toks)):
            if not hit[i]:
                continue
            left = [toks[j] for j in range(max(0, i - window), i) if not hit[j]]
            right = [toks[j] for j in range(i + 1, min(len(toks), i + 1 + window)) if not hit[j]]
            rows.append((d, i, " ".join(left), " ".join(right)))
    return rows


def _table(texts, glob, window):
    corpus = pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "text": texts})
    out = context_windows(corpus, glob, window=window)
    return [
        (int(d[1:]), int(p), left, right)
        for d, p, left, right in out[["doc_id", "position", "left", "right"]].itertuples(
            index=False
        )
    ]


def test_windows_equal_plain_slicing_on_the_seeds(seed_corpus):
    texts = seed_corpus["text"].tolist()
    for glob, window in (("japan*", 6), ("war", 3), ("peace", 10), ("china", 1)):
        assert _table(texts, glob, window) == _reference(texts, glob, window)
    assert len(_reference(texts, "japan*", 6)) > 5


@settings(max_examples=60, deadline=None)
@given(
    words=st.lists(st.sampled_from(["ab", "Abc", "x", "y", "z", "ab-ab", "q"]), max_size=30),
    window=st.integers(1, 5),
)
def test_windows_property(words, window):
    texts = [" ".join(words), " ".join(reversed(words))]
    assert _table(texts, "ab*", window) == _reference(texts, "ab*", window)


def test_metadata_phrase_and_units():
    corpus = pd.DataFrame(
        {
            "doc_id": ["a", "b"],
            "text": ["We build a community with a shared future. Next sentence here.", "x y"],
            "year": [2019, 2020],
        }
    )
    out = context_windows(corpus, "community with a shared future", window=3)
    assert out[["doc_id", "year", "match", "left", "right"]].values.tolist() == [
        ["a", 2019, "community with a shared future", "we build a", "next sentence here"]
    ]
    by_sentence = context_windows(corpus, "community with a shared future", unit="sentence")
    assert by_sentence["right"].tolist() == [""]  # never crosses into the next sentence
    assert by_sentence["unit_id"].tolist() == ["a#s0"]


def test_theme_id_target_uses_entries_and_exclusions(seed_codebook, seed_corpus):
    cb = analysis.load_themes(seed_codebook)
    theme = cb.themes[0]
    ctx = find_contexts(seed_corpus, theme.id, codebook=cb)
    matches = analysis.match_themes(seed_corpus, cb.select([theme.id]))
    assert ctx.n_occurrences == matches.n_hits
    assert ctx.target == f"{theme.id} (theme)"
    # a one-item list is the word itself, never the theme of that id
    word = target_codebook([theme.id], cb)
    assert word.themes[0].entries == (theme.id,) and word.ids == [theme.id]


def test_context_excludes_target_and_stays_in_unit():
    corpus = pd.DataFrame({"doc_id": ["a"], "text": ["Japan Japan and the Japanese"]})
    ctx = find_contexts(corpus, "japan*", window=4)
    types = ctx.matches.tokens.types
    assert sorted(types[ctx.ids].tolist()) == sorted(["and", "the"] * 3)
    assert np.array_equal(np.diff(ctx.ptr), [2, 2, 2])


def test_target_errors(seed_corpus):
    with pytest.raises(AnalysisError, match=r"target=3: give a word"):
        target_codebook(3)
    with pytest.raises(AnalysisError, match=r"bare wildcard"):
        target_codebook("*")
    with pytest.raises(AnalysisError, match=r"window=0"):
        context_windows(seed_corpus, "war", window=0)


def test_no_occurrence_gives_an_empty_table(seed_corpus):
    out = context_windows(seed_corpus, "zzzzqqq")
    assert len(out) == 0
    assert {"doc_id", "left", "right", "match"} <= set(out.columns)


def test_core_target(seed_codebook):
    cb = analysis.load_themes(seed_codebook)
    theme = next(t for t in cb if t.core)
    one = target_codebook(f"{theme.id}:core", cb)
    assert one.themes[0].entries == theme.core
    assert one.themes[0].exclusions == theme.exclusions
    assert one.ids == [f"{theme.id} (core)"]
    # without a codebook it is not a theme reference but an entry, and ':' is refused
    with pytest.raises(AnalysisError, match=r"contains ':'"):
        target_codebook(f"{theme.id}:core")
