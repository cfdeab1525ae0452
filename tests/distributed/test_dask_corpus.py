"""read_corpus(engine="dask"): partitions read and cleaned by the in-memory loader in Dask
workers; computed, the frame equals read_corpus(path) with the same options."""

from __future__ import annotations

import json
import sys
import warnings

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from analysis import AnalysisError, InputWarning, clean_audit, read_corpus
from analysis.cache import cached_corpus

UNGDC_PATTERN = "{year}/{country}_{session}_{year}.txt"
_BASE = " ".join(f"The delegate number {i} spoke about peace and the charter." for i in range(40))


def _computed(ddf, client) -> pd.DataFrame:
    return client.compute(ddf).result()


def _same(ddf, expected: pd.DataFrame, client) -> pd.DataFrame:
    """The Dask corpus declares the in-memory dtypes and computes to the in-memory table."""
    assert list(ddf.columns) == list(expected.columns)
    assert ddf.dtypes.to_dict() == expected.dtypes.to_dict()
    assert ddf.known_divisions and ddf.divisions[0] == 0
    assert ddf.divisions[-1] == len(expected) - 1
    got = _computed(ddf, client)
    assert_frame_equal(got, expected)
    assert got.attrs["clean_rules"] == expected.attrs["clean_rules"]
    return got


def _one_line(exc: pytest.ExceptionInfo) -> str:
    msg = str(exc.value)
    assert "\n" not in msg and "Traceback" not in msg
    return msg


@pytest.fixture(scope="module")
def dloader_tables(tmp_path_factory, mini_dir):
    """ungdc_mini as a CSV, a JSONL and a Parquet table (doc_id, year, country, text)."""
    base = tmp_path_factory.mktemp("dloader_tables")
    mini = read_corpus(mini_dir, pattern=UNGDC_PATTERN, clean=False, dedupe_threshold=None)
    rows = pd.DataFrame(
        {
            "doc_id": list(mini["doc_id"]),
            "year": [int(y) for y in mini["year"]],
            "country": list(mini["country"]),
            "body": list(mini["raw_text"]),
        }
    )
    rows.to_csv(base / "mini.csv", index=False)
    with open(base / "mini.jsonl", "w", encoding="utf-8") as fh:
        for rec in rows.to_dict("records"):
            fh.write(json.dumps(rec) + "\n")
    rows.to_parquet(base / "mini.parquet", index=False)
    return {s: base / f"mini.{s}" for s in ("csv", "jsonl", "parquet")}


# ------------------------------------------------------------------ equality


@pytest.mark.parametrize("size", [1, "64MB", 10000])
def test_seeds_equal_in_memory(dask_client, seeds_dir, seed_corpus, size) -> None:
    ddf = read_corpus(
        seeds_dir, engine="dask", partition_size=size, dedupe_threshold=0.8, client=dask_client
    )
    expected_parts = {1: 5, "64MB": 1}.get(size)
    if expected_parts is not None:  # one file per partition; everything in one
        assert ddf.npartitions == expected_parts
    else:
        assert 1 < ddf.npartitions < 5
    _same(ddf, seed_corpus, dask_client)


@pytest.mark.parametrize("size", [1, "1GiB", 7000])
def test_ungdc_mini_with_its_pattern(dask_client, mini_dir, size) -> None:
    expected = read_corpus(mini_dir, pattern=UNGDC_PATTERN, dedupe_threshold=None)
    ddf = read_corpus(mini_dir, pattern=UNGDC_PATTERN, engine="dask", partition_size=size)
    assert ddf.npartitions == {1: 6, "1GiB": 1}.get(size, ddf.npartitions)
    got = _same(ddf, expected, dask_client)
    assert {"country", "session"} <= set(got.columns)


@pytest.mark.parametrize("kind", ["csv", "jsonl", "parquet"])
def test_tables_equal_in_memory(dask_client, dloader_tables, kind) -> None:
    path = dloader_tables[kind]
    expected = read_corpus(path, text_column="body", dedupe_threshold=None)
    for size in (1, 6000, "64MB"):
        ddf = read_corpus(path, text_column="body", engine="dask", partition_size=size)
        assert ddf.npartitions == {1: 6, "64MB": 1}.get(size, ddf.npartitions)
        _same(ddf, expected, dask_client)


def test_plain_folder_and_options(dask_client, make_corpus) -> None:
    """No manifest nor pattern (doc_id from paths), infer_title, custom rules, clean=False."""
    folder = make_corpus(
        {
            "a/one.txt": "Short headline\n\nBody of the first text. Share this article",
            "a/two.txt": "Another title\n\nSecond body, with words.\nAdvertisement",
            "b/one.txt": "Third text here.\n",
        }
    )
    for opts in ({"infer_title": True}, {"clean": False}, {"rules": "none"}):
        expected = read_corpus(folder, dedupe_threshold=None, **opts)
        ddf = read_corpus(folder, engine="dask", partition_size=1, **opts)
        got = _same(ddf, expected, dask_client)
        assert list(got["doc_id"]) == ["a/one", "a/two", "b/one"]


def test_computes_on_the_local_scheduler_too(seeds_dir, seed_corpus) -> None:
    pytest.importorskip("distributed")
    ddf = read_corpus(seeds_dir, engine="dask", partition_size=1, dedupe_threshold=0.8)
    assert_frame_equal(ddf.compute(scheduler="sync"), seed_corpus)


# ------------------------------------------------------------------ near-duplicates


def test_dedupe_explicit_equals_in_memory_default_off(dask_client, make_corpus) -> None:
    folder = make_corpus(
        {
            "a.txt": "Opening remark. " + _BASE,
            "c.txt": " ".join(f"Unrelated report {i} on harvests and rainfall." for i in range(60)),
            "b.txt": "A different opening. " + _BASE + " Closing.",
            "d.txt": "Opening words. " + _BASE + " Thanks.",
        }
    )
    with pytest.warns(InputWarning, match="near-duplicate"):
        expected = read_corpus(folder)
    assert list(expected["duplicate_of"]) == ["", "a", "", "a"]
    for size in (1, 2000, "64MB"):  # pairs within and across partitions
        with pytest.warns(InputWarning, match=r"2 near-duplicate.*'b' ~ 'a'"):
            ddf = read_corpus(
                folder, engine="dask", partition_size=size, dedupe_threshold=0.8, client=dask_client
            )
        _same(ddf, expected, dask_client)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the default: no check, so no warning
        off = _computed(read_corpus(folder, engine="dask", partition_size=1), dask_client)
    assert_frame_equal(off, read_corpus(folder, dedupe_threshold=None))
    assert (off["duplicate_of"] == "").all()


# ------------------------------------------------------------------ clean_audit


def test_clean_audit_equals_in_memory(dask_client, seeds_dir, seed_corpus) -> None:
    expected = clean_audit(seed_corpus, rules="default")
    assert len(expected) > 5
    ddf = read_corpus(seeds_dir, engine="dask", partition_size=10000)
    for rules in (None, "default"):  # None: the rules the loader kept
        assert_frame_equal(clean_audit(ddf, rules=rules, client=dask_client), expected)
    # a pandas corpus with client= is partitioned and audited on the cluster
    assert_frame_equal(clean_audit(seed_corpus, rules="default", client=dask_client), expected)
    # other rules: a different audit (only the headlines), equal again
    few = clean_audit(seed_corpus, rules="none")
    assert 0 < len(few) < len(expected)
    assert_frame_equal(clean_audit(ddf, rules="none", client=dask_client), few)


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("bad", [0, -5, 1.5, True, "64 apples", "MB", "", None, "0.1B"])
def test_bad_partition_size(seeds_dir, bad) -> None:
    pytest.importorskip("distributed")
    with pytest.raises(AnalysisError, match=r"partition_size=.*'64MB'") as info:
        read_corpus(seeds_dir, engine="dask", partition_size=bad)
    _one_line(info)


def test_parse_size() -> None:
    from analysis.distributed.corpus import parse_size, partition_bounds

    assert parse_size("64MB") == 64_000_000
    assert parse_size("1 GiB") == 2**30
    assert parse_size("512kb") == 512_000
    assert parse_size("1.5MB") == 1_500_000
    assert parse_size(100) == parse_size("100") == 100
    assert partition_bounds([5, 5, 5, 5], 1) == [(0, 1), (1, 2), (2, 3), (3, 4)]
    assert partition_bounds([5, 5, 5, 5], 10) == [(0, 2), (2, 4)]
    assert partition_bounds([5, 5, 5, 5], 100) == [(0, 4)]
    assert partition_bounds([], 10) == []


def test_engine_typo_is_one_line(seeds_dir) -> None:
    with pytest.raises(AnalysisError, match=r"engine='dusk' \(did you mean 'dask'\?\)") as info:
        read_corpus(seeds_dir, engine="dusk")
    _one_line(info)


def test_planning_fails_at_once_with_the_loader_message(make_corpus, monkeypatch) -> None:
    pytest.importorskip("distributed")
    folder = make_corpus(
        {"a.txt": "One text.", "b.txt": "Two text."},
        manifest=[{"file": "a.txt", "doc_id": "X"}, {"file": "b.txt", "doc_id": "X"}],
    )
    with pytest.raises(AnalysisError) as mem:
        read_corpus(folder)
    import analysis.distributed.corpus as dcorpus

    def no_tasks(*args, **kwargs):
        raise AssertionError("a task graph was built for a bad corpus")

    monkeypatch.setattr(dcorpus, "_frame", no_tasks)
    with pytest.raises(AnalysisError) as lazy:
        read_corpus(folder, engine="dask")
    assert _one_line(lazy) == str(mem.value)
    assert "repeats line 2" in str(lazy.value)


@pytest.mark.parametrize(
    "content, match",
    [
        (b"text\x00\x01\x02 binary", "looks like a binary file"),
        (b"   \n  ", "file is empty"),
    ],
)
def test_error_inside_a_partition_is_one_line(dask_client, make_corpus, content, match) -> None:
    folder = make_corpus({"a.txt": "A good text.", "b.txt": "Another one.", "c.txt": content})
    with pytest.raises(AnalysisError, match=match) as mem:
        read_corpus(folder)
    ddf = read_corpus(folder, engine="dask", partition_size=1)  # planning does not open files
    with pytest.raises(AnalysisError, match=match) as got:
        _computed(ddf, dask_client)
    assert _one_line(got) == str(mem.value)
    with pytest.raises(AnalysisError, match=match) as got:
        ddf.compute(scheduler="sync")
    assert _one_line(got) == str(mem.value)


def test_cleaning_that_empties_a_file_is_one_line(dask_client, make_corpus, tmp_path) -> None:
    rules = tmp_path / "rules.yml"
    rules.write_text(
        "rules:\n  - name: drop_bye\n    kind: drop_line\n    pattern: '^Bye\\.$'\n",
        encoding="utf-8",
    )
    folder = make_corpus({"a.txt": "A good text.", "b.txt": "Bye."})
    with pytest.raises(AnalysisError, match="no text left after cleaning") as mem:
        read_corpus(folder, rules=rules)
    ddf = read_corpus(folder, engine="dask", rules=rules, partition_size=1)
    with pytest.raises(AnalysisError, match="no text left after cleaning") as got:
        _computed(ddf, dask_client)
    assert _one_line(got) == str(mem.value)


def test_in_memory_options_are_refused(seeds_dir, dask_client) -> None:
    with pytest.raises(AnalysisError, match=r"client= is for engine='dask'"):
        read_corpus(seeds_dir, client=dask_client)
    with pytest.raises(AnalysisError, match=r"n_jobs=2 is for engine='pandas'"):
        read_corpus(seeds_dir, engine="dask", n_jobs=2)
    with pytest.raises(AnalysisError, match=r"client=.*is not a distributed.Client"):
        read_corpus(seeds_dir, engine="dask", client="tcp://nowhere:1")


def test_cached_corpus_stays_in_memory(seeds_dir) -> None:
    with pytest.raises(AnalysisError, match=r"read_corpus\(path, engine='dask'\)") as info:
        cached_corpus(seeds_dir, engine="dask")
    _one_line(info)
    with pytest.raises(AnalysisError, match=r"engine='dusk' \(did you mean"):
        cached_corpus(seeds_dir, engine="dusk")


def test_without_dask_the_error_names_the_install_command(monkeypatch, seeds_dir) -> None:
    from analysis.distributed import INSTALL_HINT

    monkeypatch.setitem(sys.modules, "dask.dataframe", None)  # import dask.dataframe fails
    with pytest.raises(AnalysisError, match=r"read_corpus\(engine='dask'\) needs Dask") as info:
        read_corpus(seeds_dir / "no-such-folder", engine="dask")  # checked before the path
    assert INSTALL_HINT in _one_line(info)
    assert "pip install -e '.[dask]'" in str(info.value)
