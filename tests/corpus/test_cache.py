"""The corpus cache: equal to read_corpus, keyed by contents, rules, options and code;
atomic, self-repairing, and never writing inside the corpus."""

from __future__ import annotations

import sys
import warnings

import pandas as pd
import pytest

import analysis
from analysis import InputWarning, cached_corpus, read_corpus
from analysis.cache import cache_folder, corpus_key


def _entries(folder):
    return sorted(p.name for p in folder.glob("??/*.corpus.arrow"))


def _no_reading(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("read_corpus was called: the cache was not used")

    monkeypatch.setattr(analysis.cache, "read_corpus", fail)


@pytest.mark.parametrize("which", ["seeds", "mini"])
def test_equal_to_read_corpus_then_served_from_the_cache(
    which, seeds_dir, mini_dir, cache, monkeypatch
):
    path = seeds_dir if which == "seeds" else mini_dir
    ref = read_corpus(path)
    first = cached_corpus(path)
    pd.testing.assert_frame_equal(first, ref)
    assert len(_entries(cache)) == 1
    _no_reading(monkeypatch)
    again = cached_corpus(path)
    pd.testing.assert_frame_equal(again, ref)
    assert again.attrs["clean_rules"] == ref.attrs["clean_rules"]
    assert list(again.dtypes) == list(ref.dtypes)


def test_a_table_corpus_and_text_column_spellings_share_one_entry(tmp_path, mini_dir, cache):
    rows = read_corpus(mini_dir, clean=False)[["doc_id", "year", "raw_text"]]
    path = tmp_path / "speeches.csv"
    rows.rename(columns={"raw_text": "body"}).to_csv(path, index=False)
    ref = read_corpus(path, text_column="body")
    pd.testing.assert_frame_equal(cached_corpus(path, text_column="body"), ref)
    pd.testing.assert_frame_equal(cached_corpus(path, columns={"body": "text"}), ref)
    assert len(_entries(cache)) == 1


def test_a_changed_file_of_the_same_size_is_read_again(make_corpus, cache):
    root = make_corpus({"a.txt": "Peace and security for all.\n", "b.txt": "Other words here.\n"})
    cached_corpus(root)
    (root / "a.txt").write_text("Peace and SECURITY for all.\n", encoding="utf-8")  # same size
    got = cached_corpus(root)
    assert got.loc[got["doc_id"] == "a", "text"].item() == "Peace and SECURITY for all."
    assert len(_entries(cache)) == 1  # the older entry of this corpus is gone, all of it
    assert sorted(p.name.split(".", 1)[1] for p in cache.glob("??/*")) == [
        "audit.arrow", "corpus.arrow", "json", "raw.arrow"
    ]  # fmt: skip


def test_rules_and_options_are_part_of_the_key(make_corpus, tmp_path, cache):
    root = make_corpus(
        {
            "a.txt": "Source: Xinhua\nPeace and security.\nDevelopment too.\n",
            "b.txt": "More text.\n",
        }
    )
    rules = tmp_path / "rules.yml"
    rules.write_text(
        "rules:\n  - name: peace\n    kind: drop_line\n    pattern: 'Peace.*'\n", encoding="utf-8"
    )
    default = corpus_key(root)[0]
    assert corpus_key(root, rules=str(rules))[0] != default
    assert corpus_key(root, dedupe_threshold=0.5)[0] != default
    assert corpus_key(root, clean=False)[0] != default
    assert corpus_key(root)[0] == default  # deterministic
    kept = cached_corpus(root, rules=["default", str(rules)])
    assert "Peace" not in kept.loc[kept["doc_id"] == "a", "text"].item()
    rules.write_text(
        "rules:\n  - name: peace\n    kind: drop_line\n    pattern: 'Nothing.*'\n", encoding="utf-8"
    )  # the same file name, other content: another key
    changed = cached_corpus(root, rules=["default", str(rules)])
    assert "Peace" in changed.loc[changed["doc_id"] == "a", "text"].item()


def _files(cache):
    """The entry's table file and its raw-text file."""
    (entry,) = cache.glob("??/*.corpus.arrow")
    return entry, entry.with_name(entry.name.replace(".corpus.arrow", ".raw.arrow"))


@pytest.mark.parametrize("part", [0, 1])
def test_a_damaged_entry_is_rebuilt(seeds_dir, cache, part):
    ref = read_corpus(seeds_dir)  # not a frame mapped from the file damaged below
    cached_corpus(seeds_dir)
    damaged = _files(cache)[part]
    damaged.write_bytes(b"not arrow at all")
    pd.testing.assert_frame_equal(cached_corpus(seeds_dir), ref)
    assert damaged.read_bytes() != b"not arrow at all"  # repaired
    with pytest.MonkeyPatch.context() as m:
        _no_reading(m)
        pd.testing.assert_frame_equal(cached_corpus(seeds_dir), ref)  # and served


@pytest.mark.parametrize("part", [0, 1])
def test_a_flipped_byte_anywhere_in_a_file_is_rebuilt(seeds_dir, cache, part, monkeypatch):
    """Uncompressed buffers carry no redundancy: only the checksum catches a bit flip,
    in the texts or in Arrow's own metadata (schema, batch header, footer)."""
    import analysis.cache as cache_module

    ref = read_corpus(seeds_dir)  # not a frame mapped from the file damaged below
    cached_corpus(seeds_dir)
    path = _files(cache)[part]
    data = path.read_bytes()
    stores = []
    real_store = cache_module._store
    monkeypatch.setattr(
        cache_module, "_store", lambda *a, **k: stores.append(1) or real_store(*a, **k)
    )
    for i in [*range(0, 64), *range(64, len(data), 499), *range(len(data) - 64, len(data))]:
        path.write_bytes(data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1 :])
        before = len(stores)
        pd.testing.assert_frame_equal(cached_corpus(seeds_dir), ref, check_exact=True)
        assert len(stores) == before + 1  # never trusted: read again and stored anew
        path.write_bytes(data)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
@pytest.mark.parametrize("raw_text", [True, False])
def test_a_hit_maps_the_text_columns_and_returns_the_same_frame(
    seeds_dir, cache, monkeypatch, raw_text
):
    import analysis.corpus

    monkeypatch.setattr(analysis.corpus, "_CHUNK_CHARS", 5_000)  # texts read in chunks
    ref = read_corpus(seeds_dir)
    assert ref["raw_text"].array.__arrow_array__().num_chunks > 1
    ref = ref if raw_text else ref.drop(columns="raw_text")
    cached_corpus(seeds_dir)  # the entry
    _no_reading(monkeypatch)
    hit = cached_corpus(seeds_dir, raw_text=raw_text)
    pd.testing.assert_frame_equal(hit, ref)  # values, dtypes and the order of the columns
    files = dict(zip(["text", "raw_text"], _files(cache), strict=True))
    maps = [line.split() for line in open("/proc/self/maps", encoding="utf-8")]
    for column in ["text", "raw_text"] if raw_text else ["text"]:
        chunks = hit[column].array.__arrow_array__().chunks
        if column == "text":  # one array: Arrow takes rows of a chunked column slowly
            assert len(chunks) == 1
        for chunk in chunks:
            data = chunk.buffers()[2]
            # the characters are the entry file's own pages, not a copy in this process
            mapped = [
                m for m in maps
                if len(m) == 6 and m[5] == str(files[column].resolve())
                and int(m[0].split("-")[0], 16) <= data.address
                and data.address + data.size <= int(m[0].split("-")[1], 16)
            ]  # fmt: skip
            assert mapped, f"{column} is not memory-mapped from {files[column].name}"


def test_without_raw_text_the_raw_file_is_not_needed(seeds_dir, cache, monkeypatch):
    ref = read_corpus(seeds_dir)
    cached_corpus(seeds_dir)
    _, raw = _files(cache)
    raw.unlink()
    with monkeypatch.context() as m:
        _no_reading(m)
        hit = cached_corpus(seeds_dir, raw_text=False)
    pd.testing.assert_frame_equal(hit, ref.drop(columns="raw_text"))
    # with raw_text the entry is incomplete: read again, stored whole
    pd.testing.assert_frame_equal(cached_corpus(seeds_dir), ref)
    assert raw.is_file()


def test_an_entry_of_the_earlier_parquet_format_is_replaced(seeds_dir, cache):
    ref = read_corpus(seeds_dir)
    cached_corpus(seeds_dir)
    entry, raw = _files(cache)
    legacy = entry.with_name(entry.name.replace(".corpus.arrow", ".corpus.parquet"))
    legacy.write_bytes(b"PAR1")  # the name earlier versions wrote under the same key
    key = entry.name[: -len(".corpus.arrow")]
    other = entry.with_name(f"{key}.parquet")  # the key, but not a name this cache writes
    other.write_bytes(b"a user's file")
    entry.unlink()
    pd.testing.assert_frame_equal(cached_corpus(seeds_dir), ref)
    assert entry.is_file() and raw.is_file() and not legacy.exists()
    assert other.read_bytes() == b"a user's file"


def test_an_older_parquet_entry_of_the_corpus_is_pruned(make_corpus, cache):
    """The upgrade path: an entry of an earlier version under another key (its code or
    pandas/pyarrow versions differ) goes when the corpus is cached anew."""
    import json

    root = make_corpus({"a.txt": "Peace and security for all.\n", "b.txt": "Other words.\n"})
    cached_corpus(root)
    entry, _ = _files(cache)
    record = json.loads(entry.with_name(entry.name.replace(".corpus.arrow", ".json")).read_text())
    old = "ab" + "0" * 62  # an older key: a Parquet table and its record
    (cache / "ab").mkdir()
    (cache / "ab" / f"{old}.corpus.parquet").write_bytes(b"PAR1")
    (cache / "ab" / f"{old}.json").write_text(
        json.dumps({k: record[k] for k in ("corpus", "options", "files", "warnings")})
    )
    (root / "a.txt").write_text("Peace and SECURITY for all.\n", encoding="utf-8")
    cached_corpus(root)
    assert not list((cache / "ab").iterdir())


def test_an_entry_whose_file_cannot_be_deleted_keeps_its_record(make_corpus, cache, monkeypatch):
    """Pruning finds an entry through its record: a file that cannot be deleted (mapped
    on Windows, say) keeps it, so a later prune deletes the file."""
    from pathlib import Path

    root = make_corpus({"a.txt": "Peace and security for all.\n", "b.txt": "Other words.\n"})
    cached_corpus(root)
    old_entry, old_raw = _files(cache)
    old_meta = old_entry.with_name(old_entry.name.replace(".corpus.arrow", ".json"))
    real_unlink = Path.unlink

    def locked(self, missing_ok=False):
        if self == old_entry:
            raise PermissionError(13, "in use", str(self))
        return real_unlink(self, missing_ok=missing_ok)

    (root / "a.txt").write_text("Peace and SECURITY for all.\n", encoding="utf-8")
    with monkeypatch.context() as m:
        m.setattr(Path, "unlink", locked)
        cached_corpus(root)
    assert old_entry.is_file() and old_meta.is_file() and not old_raw.exists()
    (root / "b.txt").write_text("Other WORDS.\n", encoding="utf-8")
    cached_corpus(root)  # the next prune deletes it, then its record
    assert not old_entry.exists() and not old_meta.exists()
    assert len(_entries(cache)) == 1


@pytest.mark.parametrize("raw_text", [True, False])
def test_a_loaded_table_stays_readable_after_its_entry_is_pruned(make_corpus, cache, raw_text):
    root = make_corpus({"a.txt": "Peace and security for all.\n", "b.txt": "Other words.\n"})
    cached_corpus(root)
    hit = cached_corpus(root, raw_text=raw_text)  # maps the entry
    expected = read_corpus(root)
    mapped = _files(cache)
    (root / "a.txt").write_text("Peace and SECURITY for all.\n", encoding="utf-8")
    cached_corpus(root)  # a new entry; the one hit maps is deleted
    assert not any(p.exists() for p in mapped) and len(_entries(cache)) == 1
    columns = ["text", "raw_text"] if raw_text else ["text"]
    assert hit[columns].equals(expected[columns])  # its pages are still there


def test_on_a_network_file_system_an_entry_is_read_not_mapped(seeds_dir, cache, monkeypatch):
    import analysis.cache as cache_module

    ref = read_corpus(seeds_dir)
    cached_corpus(seeds_dir)
    monkeypatch.setattr(cache_module, "_local", lambda path: False)
    _no_reading(monkeypatch)
    hit = cached_corpus(seeds_dir)
    pd.testing.assert_frame_equal(hit, ref)
    if sys.platform.startswith("linux"):
        entry, raw = _files(cache)
        named = {line.split()[-1] for line in open("/proc/self/maps", encoding="utf-8")}
        assert str(entry.resolve()) not in named and str(raw.resolve()) not in named


def test_the_mount_table_decides_what_is_local():
    from analysis.cache import _local

    mounts = (
        "/dev/vda / ext4 rw 0 0\n"
        "server:/home /home nfs4 rw 0 0\n"
        "/dev/vdb /home/me/local\\040disk xfs rw 0 0\n"
        "server:/scratch /scratch lustre rw 0 0\n"
    )
    assert _local("/tmp/cache", mounts)
    assert not _local("/home/me/.cache", mounts)
    assert _local("/home/me/local disk/cache", mounts)  # a local disk mounted under NFS
    assert not _local("/scratch", mounts) and _local("/scratchy", mounts)
    assert _local("/anywhere", "")  # no table: local


def test_never_writes_inside_the_corpus(make_corpus, monkeypatch):
    root = make_corpus({"a.txt": "Peace and security.\n", "b.txt": "More words.\n"})
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    monkeypatch.setenv("ANALYSIS_CACHE", str(root / "cache"))
    with pytest.warns(InputWarning, match=r"cache folder .* is inside the corpus .*ANALYSIS_CACHE"):
        got = cached_corpus(root)
    pd.testing.assert_frame_equal(got, read_corpus(root))
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_loader_warnings_are_given_again_from_the_cache(make_corpus, cache):
    root = make_corpus(
        {"a.txt": "Caf\xe9 for the delegates.\n".encode("latin-1"), "b.txt": "x y z\n"}
    )
    for _ in range(2):
        with pytest.warns(InputWarning, match=r"a\.txt: not valid UTF-8; read as"):
            cached_corpus(root)


def test_errors_are_the_loaders(tmp_path, cache):
    with pytest.raises(analysis.AnalysisError, match="not found|does not exist|no such"):
        cached_corpus(tmp_path / "missing")
    with pytest.raises(analysis.AnalysisError, match=r"unknown option 'patern'"):
        corpus_key(tmp_path, patern="x")


def test_default_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("ANALYSIS_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_folder() == tmp_path / "framing-analysis-cache" / "corpora"
    monkeypatch.setenv("ANALYSIS_CACHE", str(tmp_path / "c"))
    assert cache_folder() == tmp_path / "c"
    assert cache_folder(tmp_path / "d") == tmp_path / "d"
    with warnings.catch_warnings():
        warnings.simplefilter("error")


def test_nothing_is_stored_when_a_file_changes_while_it_is_read(make_corpus, cache, monkeypatch):
    root = make_corpus({"a.txt": "Peace and security.\n", "b.txt": "More words here.\n"})
    real = analysis.cache.read_corpus

    def read_then_edit(*args, **kwargs):
        table = real(*args, **kwargs)
        (root / "a.txt").write_text("Peace and SECURITY.\n", encoding="utf-8")  # during the load
        return table

    monkeypatch.setattr(analysis.cache, "read_corpus", read_then_edit)
    cached_corpus(root)
    assert _entries(cache) == []
    monkeypatch.setattr(analysis.cache, "read_corpus", real)
    got = cached_corpus(root)
    assert got.loc[got["doc_id"] == "a", "text"].item() == "Peace and SECURITY."


def test_raw_text_false_leaves_out_that_column_from_a_miss_and_a_hit(seeds_dir, cache, monkeypatch):
    ref = read_corpus(seeds_dir).drop(columns="raw_text")
    missed = cached_corpus(seeds_dir, raw_text=False)
    pd.testing.assert_frame_equal(missed, ref)
    assert missed.attrs["clean_rules"] == read_corpus(seeds_dir).attrs["clean_rules"]
    _no_reading(monkeypatch)
    hit = cached_corpus(seeds_dir, raw_text=False)
    pd.testing.assert_frame_equal(hit, ref)
    assert "raw_text" in cached_corpus(seeds_dir).columns  # one entry serves both
    assert len(_entries(cache)) == 1
    with pytest.raises(analysis.AnalysisError, match="raw_text='no': give True or False"):
        cached_corpus(seeds_dir, raw_text="no")


@pytest.mark.parametrize("column", ["text", "raw_text"])
def test_an_entry_without_a_text_column_is_read_again(seeds_dir, cache, column):
    """An entry intact by its checksums but without a text column is not one this cache
    wrote: read again, stored whole."""
    import json

    import pyarrow as pa

    from analysis.cache import _write_arrow

    ref = read_corpus(seeds_dir)
    cached_corpus(seeds_dir)
    entry, _ = _files(cache)
    meta = entry.with_name(entry.name.replace(".corpus.arrow", ".json"))
    info = json.loads(meta.read_text(encoding="utf-8"))
    if column == "text":
        table = pa.ipc.open_file(pa.memory_map(str(entry))).read_all().drop_columns(["text"])
        new = entry.with_name("new.arrow")  # the cache's way: a new file renamed over it
        info["crc32"]["table"] = _write_arrow(table.to_pandas(), new, combine=True)
        del table  # no mapping left of the file replaced (Windows would refuse)
        new.replace(entry)
    info["columns"].remove(column)
    meta.write_text(json.dumps(info), encoding="utf-8")
    pd.testing.assert_frame_equal(cached_corpus(seeds_dir), ref)
    assert column in json.loads(meta.read_text(encoding="utf-8"))["columns"]  # stored again


# ----------------------------------------------------------------------------- cleaning audit


def _audit_file(cache):
    (entry,) = cache.glob("??/*.corpus.arrow")
    return entry.with_name(entry.name.replace(".corpus.arrow", ".audit.arrow"))


def _no_cleaning(monkeypatch):
    import analysis.clean as clean_module

    def fail(*args, **kwargs):
        raise AssertionError("clean_text was called: the stored audit was not used")

    monkeypatch.setattr(clean_module, "clean_text", fail)


@pytest.mark.parametrize("which", ["seeds", "mini"])
@pytest.mark.parametrize("infer_title", [False, True])
def test_the_audit_of_a_cached_corpus_is_the_loaders_own(
    which, infer_title, seeds_dir, mini_dir, cache, monkeypatch
):
    # the removals the loader made, stored with the entry, equal the audit that cleans
    # every text again; a corpus loaded from the entry is audited without cleaning
    path = seeds_dir if which == "seeds" else mini_dir
    expect = analysis.clean_audit(read_corpus(path, infer_title=infer_title))
    fresh = cached_corpus(path, infer_title=infer_title)
    pd.testing.assert_frame_equal(analysis.clean_audit(fresh), expect)  # computed
    assert _audit_file(cache).is_file()
    hit = cached_corpus(path, infer_title=infer_title)
    with monkeypatch.context() as m:
        _no_cleaning(m)
        pd.testing.assert_frame_equal(analysis.clean_audit(hit), expect)
        pd.testing.assert_frame_equal(analysis.clean_audit(hit.copy()), expect)
    assert len(expect) > 0 or which == "mini"


def test_a_stored_audit_serves_only_the_very_texts_titles_and_rules_it_was_made_for(
    seeds_dir, cache, monkeypatch
):
    cached_corpus(seeds_dir)
    hit = cached_corpus(seeds_dir)
    rows = hit.iloc[::-1].reset_index(drop=True)
    retitled = hit.assign(title=hit["title"].str.upper())
    edited = hit.copy()
    edited.loc[0, "raw_text"] = "Email this article\n" + edited.loc[0, "raw_text"]
    renamed = hit.assign(doc_id=hit["doc_id"] + "-x")
    expected = {
        "rows": analysis.clean_audit(read_corpus(seeds_dir).iloc[::-1].reset_index(drop=True)),
        "title": None,
        "text": None,
        "doc_id": None,
    }
    calls = _counting_cleaning(monkeypatch)
    for name, frame in [("rows", rows), ("title", retitled), ("text", edited), ("doc_id", renamed)]:
        before = len(calls)
        got = analysis.clean_audit(frame)
        assert len(calls) == before + len(frame), name  # cleaned again, every text
        if expected[name] is not None:
            pd.testing.assert_frame_equal(got, expected[name])
    before = len(calls)
    analysis.clean_audit(hit, rules=[])  # other rules than the loader's
    assert len(calls) == before + len(hit)
    before = len(calls)
    analysis.clean_audit(hit)
    assert len(calls) == before  # and the loaded frame itself is still served


def _counting_cleaning(monkeypatch) -> list:
    import analysis.clean as clean_module

    calls: list = []
    real = clean_module.clean_text
    monkeypatch.setattr(
        clean_module, "clean_text", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    return calls


def test_a_damaged_or_missing_audit_file_is_computed_instead(seeds_dir, cache, monkeypatch):
    expect = analysis.clean_audit(read_corpus(seeds_dir))
    cached_corpus(seeds_dir)
    path = _audit_file(cache)
    data = path.read_bytes()
    removed = expect["text"].iloc[0].encode("utf-8")
    at = data.index(removed)  # a byte of a removed line's text
    path.write_bytes(data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :])
    calls = _counting_cleaning(monkeypatch)
    hit = cached_corpus(seeds_dir)
    pd.testing.assert_frame_equal(analysis.clean_audit(hit), expect)
    assert len(calls) == len(hit)  # the checksum failed: every text cleaned again
    path.unlink()
    hit = cached_corpus(seeds_dir)
    pd.testing.assert_frame_equal(analysis.clean_audit(hit), expect)
    assert len(calls) == 2 * len(hit)


def test_a_stored_audit_is_served_only_under_the_rules_it_was_made_with(
    seeds_dir, cache, monkeypatch
):
    # the record names the rules of the stored audit; a corpus loaded while the rules
    # read now differ (a rules file edited after the key was taken) is audited afresh
    import json

    cached_corpus(seeds_dir)
    (record,) = cache.glob("??/*.json")
    info = json.loads(record.read_text(encoding="utf-8"))
    assert info["audit_rules"][0]["name"] == analysis.load_rules()[0].name
    info["audit_rules"][0]["pattern"] += "|never"
    record.write_text(json.dumps(info), encoding="utf-8")
    calls = _counting_cleaning(monkeypatch)
    hit = cached_corpus(seeds_dir)
    analysis.clean_audit(hit)
    assert len(calls) == len(hit)


def test_no_audit_is_stored_for_a_corpus_read_without_cleaning(seeds_dir, cache):
    cached_corpus(seeds_dir, clean=False)
    assert not _audit_file(cache).exists()
    hit = cached_corpus(seeds_dir, clean=False)
    pd.testing.assert_frame_equal(
        analysis.clean_audit(hit), analysis.clean_audit(read_corpus(seeds_dir, clean=False))
    )
