"""A long file is read, cleaned and counted a block at a time (analysis._stream, issue
13) with the same corpus, errors and warnings as reading it at once."""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import AnalysisError, _stream, read_corpus
from analysis.corpus import _read_text_file

SETTINGS = settings(
    max_examples=150,
    deadline=5000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _outcome(fn, *args, **kwargs):
    """``("ok", result, warnings)`` or ``("error", message, warnings)``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            got = ("ok", fn(*args, **kwargs))
        except AnalysisError as exc:
            got = ("error", str(exc))
    return (*got, [(str(w.message), w.category) for w in caught])


def _read(path: Path, **kwargs):
    return _outcome(read_corpus, path, progress=False, **kwargs)


@pytest.fixture
def streamed(monkeypatch):
    """Every file counts as long, and is read 7 bytes and cleaned 5 bytes at a time."""

    def use(on: bool) -> None:
        monkeypatch.setattr(_stream, "LONG_BYTES", -1 if on else 1 << 62)
        monkeypatch.setattr(_stream, "BLOCK_BYTES", 7 if on else 1 << 22)

    return use


def _same_corpus(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs == b.attrs


#: Files that exercise the decoding, normalising and cleaning steps, and each error.
FILES = {
    "crlf.txt": "Short Heading\r\n\r\nDATE 2020-01-02 Body é line.  \r\nnext\u00a0line\r\n",
    "bom.txt": b"\xef\xbb\xbfA heading\n\nBody text, one.\nTwo.\n",
    "utf16le.txt": "\ufeffTitle line\n\nSome body, \u00e9t\u00e9.\n".encode("utf-16-le"),
    "utf16be.txt": "\ufeffTitle line\n\nSome body \u4e2d\u6587.\n".encode("utf-16-be"),
    "cp1252.txt": b"Heading\n\nCaf\xe9 \x93quoted\x94 text.\n",
    "latin1.txt": b"Heading\n\nBody \x81 and \xe9.\n",
    "combining.txt": "Cafe\u0301 au lait\r\n\r\nno\u200bspace and soft\u00adhyphen\n",
    "furniture.txt": (
        "Home > World > Asia\nReal Title Here\n\nFirst paragraph of the body.\n\n"
        "\u2022 one (Xinhua/Li Wei)\n\u2022 two\n\nSecond paragraph.\n"
        "Source: Agency\nRelated Articles\nnot kept\n"
    ),
    "one_paragraph_per_line.txt": "No blank lines here\nline two.\nline three.",
}
BAD = {
    "empty.txt": b"",
    "spaces.txt": b"  \n\t \r\n",
    "unicode_spaces.txt": "\u3000\u00a0\n".encode(),
    "nul.txt": b"text\x00more",
    "nul16.txt": "\ufeffab\x00cd".encode("utf-16-le"),
    "control.txt": b"\x01\x02\x03\x04 binary-ish " * 10,
    "bad_bom.txt": b"\xef\xbb\xbfok then \xff\xfe broken",
    "rules_eat_all.txt": b"Source: Agency\n",
}


@pytest.mark.filterwarnings("ignore::analysis.errors.InputWarning")
def test_long_files_make_the_same_corpus(make_corpus, streamed) -> None:
    root = make_corpus(FILES)
    streamed(False)
    whole = _read(root, infer_title=True, dedupe_threshold=0.5)
    streamed(True)
    blocks = _read(root, infer_title=True, dedupe_threshold=0.5)
    assert whole[0] == blocks[0] == "ok"
    _same_corpus(whole[1], blocks[1])
    assert whole[2] == blocks[2]  # the same warnings (not UTF-8), in the same order
    assert len(whole[2]) == 2
    corpus = whole[1].set_index("file")
    assert corpus.loc["cp1252.txt", "text"] == "Café “quoted” text."
    assert "Related" not in corpus.loc["furniture.txt", "text"]
    assert corpus.loc["one_paragraph_per_line.txt", "text"] == "line two.\n\nline three."


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_a_long_file_among_others_is_read_alone_in_this_process(
    make_corpus, streamed, monkeypatch, n_jobs: int
) -> None:
    """Only the files above the size are read in blocks, each as a chunk of its own and
    in the calling process (a worker would hand its texts back, held twice); the others
    as usual, in workers, and the corpus (sketches and near-duplicates included) is the
    same."""
    body = "\n\n".join(f"Paragraph {i} of a speech on peace and security." for i in range(40))
    files = {f"{i}.txt": body + ("" if i % 2 else f"\n\nEnding {i}.") for i in range(5)}
    files["3.txt"] = "\n\n".join(f"Another text, part {i}, on trade." for i in range(40))
    root = make_corpus(files)
    streamed(False)
    whole = _read(root, n_jobs=n_jobs)
    size = (root / "2.txt").stat().st_size
    monkeypatch.setattr(_stream, "LONG_BYTES", size - 1)  # 0, 2 and 4 are longer
    monkeypatch.setattr(_stream, "BLOCK_BYTES", 64)
    calls = []
    real = _stream.normalized
    monkeypatch.setattr(
        _stream, "normalized", lambda p: calls.append((p.name, os.getpid())) or real(p)
    )
    blocks = _read(root, n_jobs=n_jobs)
    _same_corpus(whole[1], blocks[1])
    assert calls == [("0.txt", os.getpid()), ("2.txt", os.getpid()), ("4.txt", os.getpid())]
    assert whole[1]["duplicate_of"].tolist() == ["", "0", "0", "", "0"]  # the copies found


def test_long_files_are_chunks_of_their_own() -> None:
    from analysis.corpus import _own_chunks

    assert _own_chunks([(0, 4), (4, 6)], {0, 2, 5}) == [
        (0, 1),
        (1, 2),
        (2, 3),
        (3, 4),
        (4, 5),
        (5, 6),
    ]
    assert _own_chunks([(0, 3), (3, 9)], {4}) == [(0, 3), (3, 4), (4, 5), (5, 9)]
    assert _own_chunks([(0, 3)], set()) == [(0, 3)]


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_long_file_fails_with_the_same_message(make_corpus, streamed, name: str) -> None:
    root = make_corpus({name: BAD[name], "fine.txt": "Some text.\n"})
    streamed(False)
    whole = _read(root)
    streamed(True)
    assert _read(root) == whole
    assert whole[0] == "error" and name in whole[1]


def test_the_audit_of_a_long_file_is_the_same(make_corpus, streamed, cache) -> None:
    """The cleaning audit the corpus cache stores, a title without words included."""
    from analysis import cached_corpus, clean_audit

    files = dict(FILES, **{"stars.txt": "* * *\n\nBody of the starred text.\nSource: Me\n"})
    files = {k: v for k, v in files.items() if k not in ("cp1252.txt", "latin1.txt")}
    root = make_corpus(files)
    streamed(True)
    audit = clean_audit(cached_corpus(root, infer_title=True, progress=False))
    streamed(False)
    fresh = clean_audit(read_corpus(root, infer_title=True, progress=False))
    pd.testing.assert_frame_equal(audit, fresh)
    assert set(audit["rule"]) >= {"breadcrumb", "caption_list", "source_line", "headline"}


@SETTINGS
@given(
    data=st.binary(max_size=300)
    | st.text(
        alphabet=st.sampled_from(list("ab \n\r\t\u00a0\u200b\u0301e\u00e9\u4e2d\U0001f600\x00\x01"))
    ).map(lambda t: t.encode("utf-8")),
    block=st.integers(1, 9),
    bom=st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe"]),
)
def test_normalized_equals_reading_at_once(data: bytes, block: int, bom: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.txt"
        path.write_bytes(bom + data)
        whole = _outcome(_read_text_file, path)
        got = _outcome(_stream.normalized, path, block)
    if whole[0] == "ok":
        raw, n_chars = got[1]
        got = ("ok", bytes(raw).decode("utf-8"), got[2])
        assert n_chars == len(whole[1])
    assert got[:2] == whole[:2]
    assert [m for m, _ in got[2]] == [m for m, _ in whole[2]]


def test_old_mac_line_ends_are_normalised_a_block_at_a_time(tmp_path, monkeypatch) -> None:
    """A lone CR ends a line too: a file of CR line ends is not carried over whole."""
    path = tmp_path / "mac.txt"
    path.write_bytes(b"A line of text, then a CR.  \r" * 500 + b"last")
    pieces = []
    real = _stream.normalize_text
    monkeypatch.setattr(_stream, "normalize_text", lambda t: pieces.append(len(t)) or real(t))
    raw, n_chars = _stream.normalized(path, 64)
    assert bytes(raw).decode() == _read_text_file(path)
    assert n_chars == len(_read_text_file(path))
    assert max(pieces) <= 64 + 30  # a block, and what was left of the one before
