"""The render's background store of the corpus entry: a child process writes it while
the caller goes on, and a section of the render waits for it before loading the entry."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import analysis
from analysis import cached_corpus, read_corpus
from analysis.cache import SNAPSHOT_ENV, BackgroundStore, _await_store, _cached_corpus, _store

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork and flock: Linux")


def _entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("??/*.corpus.arrow"))


def _slow_store(monkeypatch, seconds: float = 0.5) -> None:
    """Make the (forked) store start late, so that a reader that does not wait misses it."""
    real = analysis.cache._store

    def slow(*args, **kwargs):
        time.sleep(seconds)
        real(*args, **kwargs)

    monkeypatch.setattr(analysis.cache, "_store", slow)


def _as_a_section(tmp_path: Path, monkeypatch, record: dict, store: BackgroundStore) -> None:
    """Set up this process as one of the render's kernels: the snapshot names the files'
    digests and the store under way."""
    snapshot = {"corpus": record["corpus"], "files": record["files"], "store": store.pending}
    path = tmp_path / "corpus-snapshot.json"
    path.write_text(json.dumps(snapshot), encoding="utf-8")
    monkeypatch.setenv(SNAPSHOT_ENV, str(path))


@linux
def test_the_work_runs_in_a_child_that_holds_the_lock_until_it_is_done(tmp_path):
    marker = tmp_path / "done"

    def work():
        time.sleep(0.5)
        marker.write_text(str(os.getpid()), encoding="utf-8")

    store = BackgroundStore()
    store("k" * 64, work)
    assert store.pending["key"] == "k" * 64
    lock = Path(store.pending["lock"])
    assert not marker.exists()  # the caller went on at once
    _await_store(lock)
    assert int(marker.read_text(encoding="utf-8")) != os.getpid()
    assert not lock.parent.exists()  # the child removed its lock and folder
    store.wait()
    assert not store._reaper.is_alive()  # reaped: no zombie left behind


@linux
def test_a_section_waits_for_the_render_store_then_loads_the_entry(
    mini_dir, cache, tmp_path, monkeypatch
):
    _slow_store(monkeypatch)
    store = BackgroundStore()
    table, record = _cached_corpus(mini_dir, {}, use_snapshot=False, store_with=store)
    assert store.pending is not None and _entries(cache) == []  # being written
    _as_a_section(tmp_path, monkeypatch, record, store)

    def no_reading(*args, **kwargs):
        raise AssertionError("read_corpus was called: the section did not wait for the entry")

    monkeypatch.setattr(analysis.cache, "read_corpus", no_reading)
    got = cached_corpus(mini_dir)
    pd.testing.assert_frame_equal(got, table)
    assert len(_entries(cache)) == 1
    store.wait()


@linux
def test_a_store_that_fails_leaves_the_section_to_read_the_corpus(
    mini_dir, cache, tmp_path, monkeypatch
):
    def broken(*args, **kwargs):
        time.sleep(0.2)
        raise OSError("disk full")

    monkeypatch.setattr(analysis.cache, "_store", broken)
    store = BackgroundStore()
    table, record = _cached_corpus(mini_dir, {}, use_snapshot=False, store_with=store)
    lock = Path(store.pending["lock"])
    _as_a_section(tmp_path, monkeypatch, record, store)
    monkeypatch.setattr(analysis.cache, "_store", _store)  # the child has the broken one
    got = cached_corpus(mini_dir)  # waits, finds no entry, reads the corpus itself
    pd.testing.assert_frame_equal(got, read_corpus(mini_dir))
    store.wait()
    assert not lock.parent.exists()


@linux
def test_a_section_of_another_entry_does_not_wait(mini_dir, cache, tmp_path, monkeypatch):
    _slow_store(monkeypatch, seconds=3.0)
    store = BackgroundStore()
    _, record = _cached_corpus(mini_dir, {}, use_snapshot=False, store_with=store)
    _as_a_section(tmp_path, monkeypatch, record, store)
    monkeypatch.setattr(analysis.cache, "_store", _store)  # this process stores at once
    got = cached_corpus(mini_dir, clean=False)  # other options: another entry, read at once
    pd.testing.assert_frame_equal(got, read_corpus(mini_dir, clean=False))
    assert len(_entries(cache)) == 1  # its own: the render's is still being written
    store.wait()
    assert len(_entries(cache)) == 2


def test_where_no_child_can_be_forked_the_entry_is_stored_at_once(mini_dir, cache, monkeypatch):
    monkeypatch.setattr(analysis._parallel, "_in_worker", lambda: True)  # e.g. a Dask worker
    store = BackgroundStore()
    _cached_corpus(mini_dir, {}, use_snapshot=False, store_with=store)
    assert store.pending is None
    assert len(_entries(cache)) == 1
    store.wait()
