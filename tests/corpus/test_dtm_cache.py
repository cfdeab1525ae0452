"""The DTM cache: cached_dtm equals build_dtm, is keyed by the corpus' content and the
options, repairs a damaged entry, and keeps only its most recently used entries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import analysis
from analysis import AnalysisError, build_dtm, cached_dtm
from analysis.cache import MAX_DTM_ENTRIES


def _records(folder):
    return sorted(p for p in folder.glob("??/*.dtm.json") if len(p.name) == 64 + len(".dtm.json"))


def _assert_same(a, b):
    assert type(a.matrix) is type(b.matrix)
    assert a.matrix.dtype == b.matrix.dtype and a.matrix.indices.dtype == b.matrix.indices.dtype
    assert a.matrix.shape == b.matrix.shape
    for part in ("data", "indices", "indptr"):
        assert np.array_equal(getattr(a.matrix, part), getattr(b.matrix, part))
    assert a.terms.dtype == b.terms.dtype and a.terms.tolist() == b.terms.tolist()
    assert a.keys.dtype == b.keys.dtype and a.keys.tolist() == b.keys.tolist()
    pd.testing.assert_frame_equal(a.docs, b.docs)
    assert [repr(t) for t in a.docs.dtypes] == [repr(t) for t in b.docs.dtypes]
    assert a.docs.attrs == b.docs.attrs
    assert a.params == b.params


def _no_building(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("build_dtm was called: the cache was not used")

    monkeypatch.setattr(analysis.dtm, "build_dtm", fail)


OPTIONS = [
    {},
    {"ngram_range": (1, 2), "min_df": 1},
    {"unit": "paragraph", "stem": True, "stop_words": None},
    {"ngram_range": (1, 2), "min_df": 2, "max_df": 0.9, "phrases": ["united nations"]},
    {"group_by": ["source"]},
]


def test_python_objects_in_docs_are_not_stored_but_the_dtm_is_given(seed_corpus, cache):
    ref = build_dtm(seed_corpus, group_by=["year"])  # unit_id: the group labels, objects
    assert any(dt == np.dtype(object) for dt in ref.docs.dtypes)
    _assert_same(cached_dtm(seed_corpus, group_by=["year"]), ref)
    assert _records(cache) == []


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "defaults")
@pytest.mark.parametrize("which", ["seeds", "mini"])
def test_equal_to_build_dtm_then_loaded(which, options, seed_corpus, mini, cache, monkeypatch):
    corpus = seed_corpus if which == "seeds" else mini
    ref = build_dtm(corpus, **options)
    _assert_same(cached_dtm(corpus, **options), ref)
    assert len(_records(cache)) == 1
    _no_building(monkeypatch)
    _assert_same(cached_dtm(corpus, **options), ref)


def test_a_changed_text_or_option_is_a_new_entry_and_n_jobs_is_not(mini, cache):
    cached_dtm(mini)
    cached_dtm(mini, n_jobs=1)  # where it is computed, not what: the same entry
    assert len(_records(cache)) == 1
    edited = mini.copy()
    edited.loc[0, "text"] = edited.loc[0, "text"] + " extraordinarily"
    got = cached_dtm(edited)
    assert "extraordinarily" in got.terms.tolist()
    _assert_same(got, build_dtm(edited))
    cached_dtm(mini, min_df=2)
    relabelled = mini.assign(source="renamed")  # metadata is part of the key too
    assert set(cached_dtm(relabelled).docs["source"]) == {"renamed"}
    assert len(_records(cache)) == 4


def test_a_damaged_entry_is_rebuilt(mini, cache):
    ref = cached_dtm(mini)
    (matrix,) = cache.glob("??/*.dtm.matrix.npz")
    matrix.write_bytes(matrix.read_bytes()[:100])
    _assert_same(cached_dtm(mini), ref)
    data = bytearray(matrix.read_bytes())
    data[len(data) // 2] ^= 0xFF  # a flipped bit in a value: the zip member's CRC fails
    matrix.write_bytes(bytes(data))
    _assert_same(cached_dtm(mini), ref)
    (terms,) = cache.glob("??/*.dtm.terms.parquet")
    data = bytearray(terms.read_bytes())
    data[len(data) // 2] ^= 0xFF
    terms.write_bytes(bytes(data))
    _assert_same(cached_dtm(mini), ref)


def test_only_the_most_recent_entries_are_kept_and_other_files_never_touched(
    mini, cache, monkeypatch
):
    monkeypatch.setattr(analysis.cache, "MAX_DTM_ENTRIES", 2)
    cached_dtm(mini, min_df=1)
    (cache / "ab").mkdir(parents=True, exist_ok=True)
    mine = cache / "ab" / "notes.dtm.txt"
    mine.write_text("the user's")
    theirs = cache / "ab" / "notes.dtm.json"  # looks like a record, is not one of ours
    theirs.write_text("{}")
    cached_dtm(mini, min_df=2)
    cached_dtm(mini, min_df=3)
    assert len(_records(cache)) == 2
    assert len(list(cache.glob("??/*.dtm.matrix.npz"))) == 2
    assert mine.read_text() == "the user's" and theirs.read_text() == "{}"
    assert MAX_DTM_ENTRIES >= 2


def test_unknown_option_is_one_line_with_a_suggestion(mini, cache):
    with pytest.raises(AnalysisError, match=r"unknown option 'min_dff'.*did you mean 'min_df'"):
        cached_dtm(mini, min_dff=2)


def test_a_cache_that_cannot_be_written_still_gives_the_dtm(mini, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("keep me")
    monkeypatch.setenv("ANALYSIS_CACHE", str(blocker))
    _assert_same(cached_dtm(mini), build_dtm(mini))
    assert blocker.read_text() == "keep me"


def test_categories_and_label_types_are_part_of_the_key(mini, cache):
    cat = mini.assign(
        source=pd.Categorical(["a", "b"] * (len(mini) // 2) + ["a"] * (len(mini) % 2))
    )
    _assert_same(cached_dtm(cat), build_dtm(cat))
    reordered = cat.assign(source=cat["source"].cat.set_categories(["b", "a", "ZZZ"], ordered=True))
    _assert_same(cached_dtm(reordered), build_dtm(reordered))  # not the first entry
    labelled = mini.assign(**{"7": "x"})
    _assert_same(cached_dtm(labelled), build_dtm(labelled))
    numbered = mini.copy()
    numbered[7] = "x"
    _assert_same(cached_dtm(numbered), build_dtm(numbered))  # 7 is not "7"


def test_what_parquet_would_not_return_is_built_again(mini, cache):
    odd = mini.assign(stamp=pd.to_datetime(["2020-01-01"] * len(mini)).astype("datetime64[s]"))
    _assert_same(cached_dtm(odd), build_dtm(odd))
    _assert_same(cached_dtm(odd), build_dtm(odd))  # the entry comes back as [ms]: rebuilt
    listed = mini.assign(tags=[["a"]] * len(mini))  # unhashable: no cache, same DTM
    _assert_same(cached_dtm(listed), build_dtm(listed))


def test_nothing_is_written_inside_the_corpus(make_corpus, monkeypatch):
    corpus = make_corpus(
        {"a.txt": "Peace and sovereignty. Peace again.", "b.txt": "Development and peace."}
    )
    inside = corpus / ".cache"
    monkeypatch.setenv("ANALYSIS_CACHE", str(inside))
    with pytest.warns(analysis.InputWarning, match="inside the corpus"):
        docs = analysis.cached_corpus(corpus)
    before = sorted(p.relative_to(corpus) for p in corpus.rglob("*"))
    _assert_same(cached_dtm(docs), build_dtm(docs))
    assert sorted(p.relative_to(corpus) for p in corpus.rglob("*")) == before


@pytest.mark.parametrize("stem", [False, True])
def test_a_hit_shares_term_strings_with_keys_exactly_when_build_dtm_does(stem, mini, cache):
    built = cached_dtm(mini, stem=stem)
    loaded = cached_dtm(mini, stem=stem)
    assert _records(cache)
    _assert_same(built, loaded)
    shared = all(t is k for t, k in zip(loaded.terms, loaded.keys, strict=True))
    assert shared == (not stem)  # the stemmed keys are stems, not the display forms
    assert loaded.keys is not loaded.terms  # two arrays, as build_dtm returns
    import pyarrow.parquet as pq

    (terms,) = cache.glob("??/*.dtm.terms.parquet")
    assert ("keys" in pq.read_schema(terms).names) == stem  # written once when the same


@pytest.mark.parametrize(
    ("values", "stored"),
    [
        ([1, 255], np.uint8),
        ([0, 256], np.uint16),
        ([3, 65_536], np.uint32),
        ([1, 2**32], np.int64),  # needs 64 bits: kept
        ([-1, 2], np.int64),  # negative: kept
    ],
)
def test_counts_are_stored_in_the_narrowest_unsigned_type_that_holds_them(values, stored):
    import scipy.sparse as sp

    from analysis.cache import _narrow_counts

    matrix = sp.csr_matrix(np.array([[values[0], 0], [0, values[1]]], dtype=np.int64))
    narrow = _narrow_counts(matrix)
    assert narrow.dtype == stored and type(narrow) is type(matrix)
    assert np.array_equal(narrow.data.astype(np.int64), matrix.data)
    assert np.shares_memory(narrow.indices, matrix.indices)  # not copied
    assert np.shares_memory(narrow.indptr, matrix.indptr)
    floats = sp.csr_matrix(np.array([[0.5, 0.0]]))
    assert _narrow_counts(floats) is floats


@pytest.mark.parametrize("repeats", [3, 300, 70_000])  # uint8, uint16, uint32 on disk
def test_a_hit_gives_back_int64_counts_whatever_width_they_were_stored_in(
    repeats, mini, cache, monkeypatch
):
    corpus = mini.copy()
    corpus.loc[0, "text"] = corpus.loc[0, "text"] + " frequent" * repeats
    ref = build_dtm(corpus)
    assert ref.matrix.dtype == np.int64 and ref.matrix.max() >= repeats
    _assert_same(cached_dtm(corpus), ref)
    (matrix,) = cache.glob("??/*.dtm.matrix.npz")
    with np.load(matrix) as stored:
        width = {3: np.uint8, 300: np.uint16, 70_000: np.uint32}[repeats]
        assert stored["data"].dtype == width
    _no_building(monkeypatch)
    _assert_same(cached_dtm(corpus), ref)


@pytest.mark.parametrize("recorded", ["<f8", "<i1"])  # floats; not wider than uint8
def test_an_entry_whose_stored_counts_are_not_a_narrower_unsigned_type_is_rebuilt(
    recorded, mini, cache, monkeypatch
):
    import json

    ref = cached_dtm(mini)
    with np.load(next(cache.glob("??/*.dtm.matrix.npz"))) as stored:
        assert stored["data"].dtype == np.uint8
    (record,) = _records(cache)
    info = json.loads(record.read_text(encoding="utf-8"))
    record.write_text(json.dumps({**info, "data_dtype": recorded}), encoding="utf-8")
    calls = []
    real = analysis.dtm.build_dtm
    monkeypatch.setattr(analysis.dtm, "build_dtm", lambda *a, **k: calls.append(1) or real(*a, **k))
    _assert_same(cached_dtm(mini), ref)
    assert calls == [1]


def test_an_entry_whose_stored_counts_are_signed_is_rebuilt(mini, cache, monkeypatch):
    """Only this cache's narrowing (to an unsigned type) is undone on load: a matrix file
    with int8 values and a record saying int64 is another writer's, and is rebuilt."""
    import scipy.sparse as sp

    ref = cached_dtm(mini)
    (matrix,) = cache.glob("??/*.dtm.matrix.npz")
    m = ref.matrix
    signed = sp.csr_matrix((m.data.astype(np.int8), m.indices, m.indptr), shape=m.shape)
    with open(matrix, "wb") as fh:
        sp.save_npz(fh, signed, compressed=False)
    calls = []
    real = analysis.dtm.build_dtm
    monkeypatch.setattr(analysis.dtm, "build_dtm", lambda *a, **k: calls.append(1) or real(*a, **k))
    _assert_same(cached_dtm(mini), ref)
    assert calls == [1]
