"""open_sliced writes the bytes it is given, at most WRITE_SLICE bytes per system call,
and the package's large files go through it (save_table's long tables, cache entries)."""

from __future__ import annotations

import errno
import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import analysis
from analysis import _files, output
from analysis._files import open_sliced


@pytest.fixture
def syscalls(monkeypatch):
    """The size of every write system call of open_sliced's files, with WRITE_SLICE = 64.

    ``short``: when set to n, each call writes at most n bytes (a short write, as a
    signal or a full pipe can make one)."""
    sizes: list[int] = []
    names: list[str] = []
    state = {"short": None}

    def raw_write(self, part):
        sizes.append(len(part))
        names.append(str(self.name))
        if state["short"] is not None:
            part = part[: state["short"]]
        return io.FileIO.write(self, part)

    monkeypatch.setattr(_files, "WRITE_SLICE", 64)
    monkeypatch.setattr(_files._SlicedFileIO, "_raw_write", raw_write)
    sizes_state = type("Syscalls", (), {})()
    sizes_state.sizes, sizes_state.names, sizes_state.state = sizes, names, state
    return sizes_state


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    chunks=st.lists(st.binary(max_size=300), max_size=12),
    short=st.one_of(st.none(), st.integers(1, 70)),
)
def test_bytes_written_are_the_bytes_given(tmp_path, syscalls, chunks, short):
    syscalls.sizes.clear()
    syscalls.state["short"] = short
    path = tmp_path / "f.bin"
    with open_sliced(path) as f:
        for c in chunks:
            assert f.write(c) == len(c)
    assert path.read_bytes() == b"".join(chunks)
    assert all(0 < n <= 64 for n in syscalls.sizes)
    if sum(map(len, chunks)) > 64:
        assert len(syscalls.sizes) >= 2  # a long file is not one call


def test_a_large_buffer_is_cut_into_slices(tmp_path, syscalls):
    data = np.arange(1000, dtype=np.int64)  # 8,000 bytes
    path = tmp_path / "a.bin"
    with open_sliced(path) as f:
        f.write(data)
        f.write(b"!")
    assert path.read_bytes() == data.tobytes() + b"!"
    assert max(syscalls.sizes) == 64
    assert sum(syscalls.sizes) == 8001


@pytest.mark.parametrize("dtype", [np.int64, np.float32, ">i4"])
def test_the_raw_file_counts_bytes_of_any_item_type(tmp_path, dtype):
    data = np.arange(300, dtype=dtype)  # items of 4 or 8 bytes, written unbuffered
    with _files._SlicedFileIO(str(tmp_path / "r.bin"), "w") as raw:
        assert raw.write(data) == data.nbytes
    assert (tmp_path / "r.bin").read_bytes() == data.tobytes()


@pytest.mark.parametrize(
    "size, failing_call, raises",
    [
        (50, 2, True),  # held in the buffer: the flush fails, close writes the rest
        (768, 3, False),  # written past the buffer: the error comes after a slice went through
    ],
)
def test_an_error_after_part_of_a_write_never_writes_a_byte_twice(
    tmp_path, monkeypatch, size, failing_call, raises
):
    """A short write, then a full disk (once): every byte is written once."""
    calls = []

    def raw_write(self, part):
        calls.append(len(part))
        if len(calls) == 1:
            return io.FileIO.write(self, part[:10])  # a short write
        if len(calls) == failing_call:
            raise OSError(errno.ENOSPC, "No space left on device")
        return io.FileIO.write(self, part)

    monkeypatch.setattr(_files, "WRITE_SLICE", 64)
    monkeypatch.setattr(_files._SlicedFileIO, "_raw_write", raw_write)
    data = (bytes(range(256)) * 3)[:size]
    path = tmp_path / "e.bin"
    f = open_sliced(path)
    if raises:
        f.write(data)
        with pytest.raises(OSError, match="No space left"):
            f.flush()
    else:
        f.write(data)
    f.close()  # the rest, once the disk has room
    assert path.read_bytes() == data
    assert len(calls) > failing_call  # the failing call was made, and more after it


def test_truncates_like_open_wb(tmp_path):
    path = tmp_path / "old.txt"
    path.write_bytes(b"x" * 1000)
    with open_sliced(path) as f:
        f.write(b"new")
    assert path.read_bytes() == b"new"


def test_a_write_that_would_block_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(_files._SlicedFileIO, "_raw_write", lambda self, part: None)
    with pytest.raises(BlockingIOError, match="without blocking"):
        with open_sliced(tmp_path / "b.bin") as f:
            f.write(b"x" * 10)
            f.flush()


def test_npz_arrow_and_parquet_round_trip(tmp_path, syscalls):
    import pyarrow as pa

    arrays = {"ids": np.arange(5000, dtype=np.int32), "w": np.linspace(0, 1, 777)}
    with open_sliced(tmp_path / "a.npz") as f:  # zipfile seeks and tells
        np.savez(f, **arrays)
    with np.load(tmp_path / "a.npz") as z:
        for name, a in arrays.items():
            np.testing.assert_array_equal(z[name], a)
    assert syscalls.sizes and max(syscalls.sizes) == 64
    syscalls.sizes.clear()
    table = pa.table({"text": ["é" * i for i in range(300)], "n": np.arange(300)})
    with open_sliced(tmp_path / "t.arrow") as sink, pa.ipc.new_file(sink, table.schema) as w:
        w.write_table(table)
    assert pa.ipc.open_file(pa.memory_map(str(tmp_path / "t.arrow"))).read_all().equals(table)
    assert syscalls.sizes and max(syscalls.sizes) == 64
    syscalls.sizes.clear()
    frame = pd.DataFrame({"terms": pd.array([f"t{i}" for i in range(2000)], dtype="str")})
    with open_sliced(tmp_path / "t.parquet") as f:
        frame.to_parquet(f, index=False, compression=None)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "t.parquet"), frame)
    assert syscalls.sizes and max(syscalls.sizes) == 64


def test_save_table_writes_a_long_table_in_slices(tmp_path, syscalls, monkeypatch):
    monkeypatch.setattr(output, "_FAST_CSV_ROWS", 0)  # the fast writer, on a small table
    table = pd.DataFrame({"term": [f"w{i}" for i in range(500)], "z": np.arange(500) / 7})
    path = analysis.save_table(table, "long", out=tmp_path)
    expected = table.to_csv(index=False, float_format=output.FLOAT_FORMAT, lineterminator="\n")
    assert path.read_text() == expected
    assert max(syscalls.sizes) == 64
    assert sum(syscalls.sizes) == len(expected.encode())


def test_cache_entries_are_written_in_slices(cache, syscalls, mini_dir):
    docs = analysis.cached_corpus(mini_dir, progress=False)
    analysis.cached_dtm(docs, unit="document", ngram_range=(1, 2), min_df=1)
    assert max(syscalls.sizes) == 64
    # each large file of an entry, by its temporary name (".<final name>.<tag>.tmp")
    kinds = {".".join(n.rsplit("/", 1)[-1].split(".")[2:-3]) for n in syscalls.names}
    assert {
        "corpus.arrow",
        "raw.arrow",
        "tokens.npz",
        "dtm.matrix.npz",
        "dtm.terms.parquet",
    } <= kinds, kinds
