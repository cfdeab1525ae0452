"""The token cache: cached_tokens equals word_tokens of the units' texts, is keyed by the
texts, repairs a damaged entry, writes nothing inside the corpus, and feeds
match_themes the same hits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import analysis
from analysis import AnalysisError, cached_tokens, match_themes, read_corpus, segment
from analysis.cache import MAX_DTM_ENTRIES
from analysis.tokens import word_tokens


def _entries(folder):
    return sorted(folder.glob("??/*.tokens.npz"))


def _assert_same(a, b):
    for part in ("ids", "offsets", "n_tokens"):
        x, y = getattr(a, part), getattr(b, part)
        assert x.dtype == y.dtype and np.array_equal(x, y), part
    assert a.types.dtype == b.types.dtype and a.types.tolist() == b.types.tolist()


def _no_tokenizing(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("word_tokens was called: the cache was not used")

    monkeypatch.setattr(analysis.tokens, "word_tokens", fail)


@pytest.mark.parametrize("unit", ["document", "paragraph", "sentence"])
def test_a_miss_then_a_hit_equal_word_tokens(mini, cache, monkeypatch, unit):
    ref = word_tokens(segment(mini, unit)["text"].tolist())
    _assert_same(cached_tokens(mini, unit=unit), ref)
    assert len(_entries(cache)) == 1
    _no_tokenizing(monkeypatch)
    _assert_same(cached_tokens(mini, unit=unit), ref)


def test_keyed_by_the_texts_and_the_unit(mini, cache):
    cached_tokens(mini)
    cached_tokens(mini.assign(year=0))  # metadata does not matter
    assert len(_entries(cache)) == 1
    cached_tokens(mini, unit="paragraph")
    edited = mini.copy()
    edited.loc[0, "text"] = edited.loc[0, "text"] + " Zyxwv"
    got = cached_tokens(edited)
    assert len(_entries(cache)) == 3
    assert "zyxwv" in got.types.tolist()
    _assert_same(got, word_tokens(edited["text"]))


def test_missing_texts_count_as_empty(cache):
    docs = pd.DataFrame({"doc_id": ["a", "b", "c"], "text": ["One two", None, "two İx ς"]})
    ref = word_tokens(["One two", "", "two İx ς"])
    _assert_same(cached_tokens(docs), ref)
    _assert_same(cached_tokens(docs), ref)  # from the entry
    assert cached_tokens(docs).n_tokens.tolist() == [2, 0, 3]


def test_a_damaged_entry_is_tokenized_again(mini, cache):
    ref = cached_tokens(mini)
    (entry,) = _entries(cache)
    entry.write_bytes(entry.read_bytes()[:100])
    _assert_same(cached_tokens(mini), ref)
    assert np.load(entry)["ids"].shape == ref.ids.shape  # rewritten whole


def test_nothing_is_written_inside_the_corpus(mini_dir, tmp_path, monkeypatch):
    inside = mini_dir / ".cache-here"
    monkeypatch.setenv("ANALYSIS_CACHE", str(inside))
    docs = read_corpus(mini_dir).copy()
    docs.attrs["corpus_folder"] = str(mini_dir)
    _assert_same(cached_tokens(docs), word_tokens(docs["text"]))
    assert not inside.exists()


def test_only_the_newest_entries_are_kept_and_nothing_else_is_touched(mini, cache):
    cached_tokens(pd.DataFrame({"doc_id": ["a"], "text": ["zero"]}))
    (cache / "ab").mkdir(parents=True, exist_ok=True)
    others = {
        cache / "ab" / "notes.tokens.npz": "a user's file, in a sub-folder the cache uses",
        cache / "cd" / ("ab" + "0" * 62 + ".tokens.npz"): "a cache-like name in the wrong folder",
    }
    for path, text in others.items():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    analysis.cached_dtm(mini)  # an entry of the other kind, pruned by its own count
    for i in range(MAX_DTM_ENTRIES + 2):
        cached_tokens(pd.DataFrame({"doc_id": ["a"], "text": [f"text number {i}"]}))
    assert len([p for p in _entries(cache) if p not in others]) == MAX_DTM_ENTRIES
    for path, text in others.items():
        assert path.read_text() == text
    assert len(list(cache.glob("??/*.dtm.json"))) == 1


def test_bad_arguments_are_named(mini):
    with pytest.raises(AnalysisError, match="unit='page' is not one of"):
        cached_tokens(mini, unit="page")
    with pytest.raises(AnalysisError, match="corpus must be a DataFrame"):
        cached_tokens(mini["text"])


@pytest.mark.parametrize("unit", ["document", "paragraph"])
def test_match_themes_with_cached_tokens_finds_the_same_hits(mini, cache, seed_codebook, unit):
    ref = match_themes(mini, seed_codebook, unit=unit)
    got = match_themes(mini, seed_codebook, unit=unit, tokens=cached_tokens(mini, unit=unit))
    for part in ("unit_of", "theme", "entry", "start", "length"):
        assert np.array_equal(getattr(got, part), getattr(ref, part)), part
    assert len(ref.start) > 0  # the codebook finds something to compare
    pd.testing.assert_frame_equal(got.counts(), ref.counts())
    pd.testing.assert_frame_equal(analysis.theme_hits(got), analysis.theme_hits(ref))


def test_match_themes_spot_checks_the_tokens_themselves(seed_corpus, cache, seed_codebook):
    # the same word counts, other words: caught by re-tokenizing units spread over the corpus
    edited = seed_corpus.copy()
    edited["text"] = edited["text"].str.replace(r"(?i)\bmultilateral\w*", "zzzzzz", regex=True)
    assert (edited["text"] != seed_corpus["text"]).any()
    with pytest.raises(AnalysisError, match="tokens are not those of these 5 document units"):
        match_themes(edited, seed_codebook, tokens=cached_tokens(seed_corpus))


def test_match_themes_refuses_tokens_of_other_units(mini, cache, seed_codebook):
    with pytest.raises(AnalysisError, match="tokens are not those of these .* paragraph units"):
        match_themes(mini, seed_codebook, unit="paragraph", tokens=cached_tokens(mini))
    other = mini.copy()
    other["text"] = other["text"].str.replace(r"\w+", "x y", n=1, regex=True)
    with pytest.raises(AnalysisError, match="give analysis.cached_tokens"):
        match_themes(mini, seed_codebook, tokens=cached_tokens(other))
    with pytest.raises(AnalysisError, match="tokens are not those"):
        match_themes(mini, seed_codebook, tokens="not tokens")
