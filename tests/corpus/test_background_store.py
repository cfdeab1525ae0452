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
    import signal

    marker = tmp_path / "done"

    def work():
        time.sleep(0.5)
        ignores_ctrl_c = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
        streams = [os.readlink(f"/proc/self/fd/{fd}") for fd in (0, 1, 2)]
        marker.write_text(json.dumps([os.getpid(), ignores_ctrl_c, streams]), encoding="utf-8")

    store = BackgroundStore()
    entry = tmp_path / "cache" / "ab" / f"{'ab' * 32}.corpus.arrow"
    store(entry, work)
    assert store.pending["entry"] == str(entry)
    lock = Path(store.pending["lock"])
    assert not marker.exists()  # the caller went on at once
    _await_store(lock)
    pid, ignores_ctrl_c, streams = json.loads(marker.read_text(encoding="utf-8"))
    assert pid == store.pid != os.getpid()
    assert ignores_ctrl_c and streams == [os.devnull] * 3  # not the caller's terminal or pipes
    assert not lock.parent.exists()  # the child removed its lock and folder
    store.wait()
    with pytest.raises(ChildProcessError):  # reaped already: no zombie left behind
        os.waitpid(store.pid, os.WNOHANG)


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
@pytest.mark.parametrize("other", ["options", "cache folder"])
def test_a_section_of_another_entry_does_not_wait(other, mini_dir, cache, tmp_path, monkeypatch):
    _slow_store(monkeypatch, seconds=3.0)
    store = BackgroundStore()
    _, record = _cached_corpus(mini_dir, {}, use_snapshot=False, store_with=store)
    _as_a_section(tmp_path, monkeypatch, record, store)
    monkeypatch.setattr(analysis.cache, "_store", _store)  # this process stores at once
    if other == "options":  # another entry in the same folder: read at once
        got, ref = cached_corpus(mini_dir, clean=False), read_corpus(mini_dir, clean=False)
    else:  # the same key in another folder
        got, ref = cached_corpus(mini_dir, cache_dir=tmp_path / "other"), read_corpus(mini_dir)
    pd.testing.assert_frame_equal(got, ref)
    mine = len(_entries(cache))  # the render's is still being written
    store.wait()
    assert len(_entries(cache)) == mine + 1


def test_where_no_child_can_be_forked_the_entry_is_stored_at_once(mini_dir, cache, monkeypatch):
    monkeypatch.setattr(analysis._parallel, "_in_worker", lambda: True)  # e.g. a Dask worker
    store = BackgroundStore()
    _cached_corpus(mini_dir, {}, use_snapshot=False, store_with=store)
    assert store.pending is None
    assert len(_entries(cache)) == 1
    store.wait()


def test_without_a_lock_folder_the_entry_is_stored_at_once(mini_dir, cache, monkeypatch):
    import tempfile

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "mkdtemp", full)
    store = BackgroundStore()
    _cached_corpus(mini_dir, {}, use_snapshot=False, store_with=store)
    assert store.pending is None
    assert len(_entries(cache)) == 1


@linux
def test_without_a_thread_to_spare_the_store_is_waited_for_at_once(mini_dir, cache, monkeypatch):
    import threading

    def refuse(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refuse)
    store = BackgroundStore()
    _cached_corpus(mini_dir, {}, use_snapshot=False, store_with=store)
    assert len(_entries(cache)) == 1  # the child was waited for: its entry is there
    with pytest.raises(ChildProcessError):  # and reaped
        os.waitpid(store.pid, os.WNOHANG)
    store.wait()
