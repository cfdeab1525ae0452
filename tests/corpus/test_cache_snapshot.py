"""The render's corpus snapshot: its kernels reuse the digests the render took instead of
hashing every file again, read the corpus as it was when the render began, and never
store a table under digests the files no longer have."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import analysis
from analysis import cached_corpus, read_corpus
from analysis.cache import SNAPSHOT_ENV, corpus_key


def _snapshot(tmp_path, corpus, files, listing=None) -> str:
    path = tmp_path / "snapshot.json"
    data = {"corpus": str(corpus.resolve()), "files": files}
    if listing is not None:
        data["listing"] = listing
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


#: the listing options of read_corpus' defaults, as the render records them
DEFAULT_LISTING = {"pattern": None, "manifest": "metadata.csv", "glob": "**/*.txt"}


def _read(corpus) -> dict:
    return analysis.cache._snapshot(corpus.resolve())


def _count_listing(monkeypatch) -> list:
    calls: list = []
    real = analysis.cache.corpus_files

    def counted(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(analysis.cache, "corpus_files", counted)
    return calls


def _count_hashing(monkeypatch) -> list:
    calls: list = []
    real = analysis.cache._sha256

    def counted(path):
        calls.append(path.name)
        return real(path)

    monkeypatch.setattr(analysis.cache, "_sha256", counted)
    return calls


@pytest.fixture
def corpus(make_corpus):
    return make_corpus({"a.txt": "Peace and security for all.\n", "b.txt": "Other words here.\n"})


def test_a_snapshot_spares_hashing_and_gives_the_same_entry(corpus, cache, tmp_path, monkeypatch):
    key, record = corpus_key(corpus)
    cached_corpus(corpus)  # the render's own load fills the cache
    monkeypatch.setenv(SNAPSHOT_ENV, _snapshot(tmp_path, corpus, record["files"]))
    calls = _count_hashing(monkeypatch)
    got = cached_corpus(corpus)
    assert calls == []  # no file hashed: every digest came from the snapshot
    pd.testing.assert_frame_equal(got, read_corpus(corpus))


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps({"corpus": "/elsewhere", "files": {"a.txt": "0" * 64}}),
        json.dumps({"corpus": None, "files": []}),
        json.dumps([1, 2]),
    ],
)
def test_a_snapshot_of_another_corpus_or_unreadable_is_ignored(
    corpus, cache, tmp_path, monkeypatch, content
):
    cached_corpus(corpus)
    path = tmp_path / "snapshot.json"
    path.write_text(content, encoding="utf-8")
    monkeypatch.setenv(SNAPSHOT_ENV, str(path))
    calls = _count_hashing(monkeypatch)
    got = cached_corpus(corpus)
    assert sorted(calls) == ["a.txt", "b.txt"]  # hashed as without a snapshot
    pd.testing.assert_frame_equal(got, read_corpus(corpus))


def test_a_missing_snapshot_file_is_ignored(corpus, cache, tmp_path, monkeypatch):
    monkeypatch.setenv(SNAPSHOT_ENV, str(tmp_path / "gone.json"))
    pd.testing.assert_frame_equal(cached_corpus(corpus), read_corpus(corpus))


def test_the_corpus_as_it_was_when_the_snapshot_was_taken(corpus, cache, tmp_path, monkeypatch):
    # a file edited while a report renders: its sections keep reading the corpus the
    # render began with (the one provenance.json records), not a mix
    _, record = corpus_key(corpus)
    before = cached_corpus(corpus)
    (corpus / "a.txt").write_text("War and peace.\n", encoding="utf-8")
    monkeypatch.setenv(SNAPSHOT_ENV, _snapshot(tmp_path, corpus, record["files"]))
    pd.testing.assert_frame_equal(cached_corpus(corpus), before)
    monkeypatch.delenv(SNAPSHOT_ENV)
    now = cached_corpus(corpus)
    assert now.loc[now["doc_id"] == "a", "text"].item() == "War and peace."


def test_stale_digests_never_label_a_fresh_read(corpus, cache, tmp_path, monkeypatch):
    # no entry for the snapshot's digests (e.g. another process pruned it) and a file
    # changed since: the files are read as they are now, and that table is not stored
    # under the snapshot's key, where it would pass for the old corpus
    old_key, record = corpus_key(corpus)
    (corpus / "a.txt").write_text("War and peace.\n", encoding="utf-8")
    monkeypatch.setenv(SNAPSHOT_ENV, _snapshot(tmp_path, corpus, record["files"]))
    got = cached_corpus(corpus)
    assert got.loc[got["doc_id"] == "a", "text"].item() == "War and peace."
    assert not list(cache.glob(f"??/{old_key}.corpus.arrow"))


def test_a_snapshot_with_the_same_listing_spares_listing_the_folder(
    corpus, cache, tmp_path, monkeypatch
):
    key, record = corpus_key(corpus)
    before = cached_corpus(corpus)
    # a file added after the render listed the corpus is not part of its sections' corpus
    (corpus / "c.txt").write_text("A late arrival.\n", encoding="utf-8")
    monkeypatch.setenv(SNAPSHOT_ENV, _snapshot(tmp_path, corpus, record["files"], DEFAULT_LISTING))
    listed, hashed = _count_listing(monkeypatch), _count_hashing(monkeypatch)
    got = cached_corpus(corpus)
    assert listed == [] and hashed == []
    pd.testing.assert_frame_equal(got, before)
    assert (
        analysis.cache._corpus_key(
            corpus, {}, listed=analysis.cache._snapshot_listed(_read(corpus), {})
        )[0]
        == key
    )  # the same key as the render's


@pytest.mark.parametrize(
    "listing",
    [
        {**DEFAULT_LISTING, "glob": "*.txt"},  # listed with other options
        {**DEFAULT_LISTING, "pattern": "{source}.txt"},
        {"pattern": None},  # not a whole listing record
        ["**/*.txt"],
    ],
)
def test_a_snapshot_listed_otherwise_lists_the_folder_again(
    corpus, cache, tmp_path, monkeypatch, listing
):
    _, record = corpus_key(corpus)
    cached_corpus(corpus)
    (corpus / "c.txt").write_text("A late arrival.\n", encoding="utf-8")
    monkeypatch.setenv(SNAPSHOT_ENV, _snapshot(tmp_path, corpus, record["files"], listing))
    listed, hashed = _count_listing(monkeypatch), _count_hashing(monkeypatch)
    got = cached_corpus(corpus)
    # listed, and only the new file hashed for the key (the store then checks them all)
    assert listed and hashed[0] == "c.txt"
    assert sorted(got["doc_id"]) == ["a", "b", "c"]


def test_a_snapshot_without_digests_lists_the_folder(corpus, cache, tmp_path, monkeypatch):
    cached_corpus(corpus)
    monkeypatch.setenv(SNAPSHOT_ENV, _snapshot(tmp_path, corpus, {}, DEFAULT_LISTING))
    listed = _count_listing(monkeypatch)
    pd.testing.assert_frame_equal(cached_corpus(corpus), read_corpus(corpus))
    assert len(listed) == 1


def test_a_table_corpus_is_keyed_from_the_snapshot_too(tmp_path, cache, monkeypatch):
    table = tmp_path / "speeches.csv"
    table.write_text("doc_id,text\nA,Peace and security.\nB,Other words.\n", encoding="utf-8")
    key, record = corpus_key(table)
    before = cached_corpus(table)
    monkeypatch.setenv(SNAPSHOT_ENV, _snapshot(tmp_path, table, record["files"], DEFAULT_LISTING))
    listed, hashed = _count_listing(monkeypatch), _count_hashing(monkeypatch)
    pd.testing.assert_frame_equal(cached_corpus(table), before)
    assert listed == [] and hashed == [] and list(record["files"]) == ["speeches.csv"]
