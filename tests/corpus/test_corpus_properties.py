"""Property-based tests of the loader (issue 10): whatever the bytes, names, nesting or
table cells, read_corpus returns a corpus or raises AnalysisError, never another
exception and never hangs; parse_date never raises."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from analysis import AnalysisError, parse_date, read_corpus
from analysis.clean import normalize_text
from analysis.corpus import corpus_files

# random bytes are often not UTF-8: the loader warns (InputWarning) and reads them anyway
pytestmark = pytest.mark.filterwarnings("ignore::analysis.errors.InputWarning")

SETTINGS = settings(
    max_examples=120,
    deadline=5000,  # ms per example: a hang or a quadratic blow-up fails the test
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _load(path: Path, **kwargs) -> pd.DataFrame | None:
    """read_corpus, where an AnalysisError (a one-line message) is a valid outcome."""
    try:
        corpus = read_corpus(path, dedupe_threshold=None, progress=False, **kwargs)
    except AnalysisError as exc:
        assert "\n" not in str(exc) and str(exc).strip()
        event("AnalysisError")
        return None
    event("loaded")
    assert corpus["doc_id"].is_unique and len(corpus) > 0
    assert all(isinstance(t, str) and t.strip() and "\x00" not in t for t in corpus["text"])
    return corpus


# byte soup with the ingredients of real trouble: BOMs, NULs, broken UTF-8 and UTF-16
_CHUNKS = st.sampled_from(
    [b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00", b"\xd8", b"\xdc\x00", b"\xc3",
     b"\xe9", b"\r\n", b"\n\n", b"word ", b"Published: May 09, 2010\n", b"   "]
)  # fmt: skip
_BYTES = st.one_of(
    st.binary(max_size=600),
    st.lists(st.one_of(_CHUNKS, st.binary(max_size=8)), max_size=60).map(b"".join),
)


@SETTINGS
@given(content=_BYTES)
def test_random_bytes_as_a_text_file(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "c"
        folder.mkdir()
        (folder / "a.txt").write_bytes(content)
        corpus = _load(folder)
        if corpus is not None:
            assert list(corpus["doc_id"]) == ["a"]


_NAME = st.text(alphabet="ab.-_ 1{}", min_size=1, max_size=4).filter(lambda s: s not in (".", ".."))


@SETTINGS
@given(
    tree=st.lists(st.tuples(st.lists(_NAME, min_size=0, max_size=6), _NAME, _BYTES), max_size=6),
    manifest=st.one_of(st.none(), st.binary(max_size=200), st.text(max_size=200)),
    pattern=st.sampled_from([None, "{x}.txt", "{a}/{b}.txt", "{year}/{x}.txt"]),
)
def test_random_nesting_and_manifests(tree, manifest, pattern) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "c"
        folder.mkdir()
        for parts, name, content in tree:
            target = folder.joinpath(*parts, name + ".txt")
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
            except (FileExistsError, NotADirectoryError, IsADirectoryError):
                continue  # a file and a folder of the same name: the tree cannot be built
        if manifest is not None:
            data = manifest if isinstance(manifest, bytes) else manifest.encode("utf-8")
            (folder / "metadata.csv").write_bytes(data)
        corpus = _load(folder, pattern=pattern)
        if corpus is not None:
            files = corpus_files(folder, pattern=pattern)
            assert all(p.is_relative_to(folder.resolve()) for p in files)


_CELL = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "\x00", "\ufeff", '"', '""', ",", "\n", "2020-01-02", "2019",
                     "May 09, 2010", "text", "doc_id", "year", "date"]),
)  # fmt: skip
_HEADER = st.lists(
    st.sampled_from(["doc_id", "text", "date", "year", "title", "source", "", "text ", "x"]),
    min_size=1,
    max_size=5,
)


@SETTINGS
@given(
    header=_HEADER,
    data=st.data(),
    bom=st.booleans(),
    raw_tail=st.binary(max_size=20),
    columns=st.one_of(st.none(), st.dictionaries(_CELL, _CELL, max_size=2)),
)
def test_random_csv(header, data, bom, raw_tail, columns) -> None:
    n = len(header)
    row = st.one_of(st.lists(_CELL, min_size=n, max_size=n), st.lists(_CELL, max_size=6))
    rows = data.draw(st.lists(row, max_size=5))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    content = (b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8") + raw_tail
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.csv"
        path.write_bytes(content)
        corpus = _load(path, columns=columns)
    stripped = [h.strip() for h in header]
    if corpus is not None and not columns and not raw_tail:
        # the documents are exactly the cells of the file's one 'text' column
        assert stripped.count("text") == 1
        j = stripped.index("text")
        cells = [r[j] for r in rows if r]
        assert list(corpus["raw_text"]) == [normalize_text(c) for c in cells]


_JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), _CELL),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_CELL, inner, max_size=3)),
    max_leaves=8,
)


@SETTINGS
@given(
    records=st.lists(
        st.one_of(
            st.dictionaries(
                st.sampled_from(["doc_id", "text", "date", "year", "title", "k"]), _JSON
            ),
            _JSON,
        ),
        max_size=5,
    ),
    junk=st.lists(
        st.sampled_from(["", "{", "\x00", "[[[", '{"text": "a", "text": "b"}', "\ufeff{}"]),
        max_size=2,
    ),  # fmt: skip
)
def test_random_jsonl(records, junk) -> None:
    lines = [json.dumps(r) for r in records] + junk
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.jsonl"
        path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
        _load(path)


@settings(max_examples=300, deadline=1000)
@given(value=st.one_of(st.text(max_size=60), st.integers(), st.floats(), st.none(), st.binary(max_size=20)))  # fmt: skip
def test_parse_date_never_raises(value) -> None:
    out = parse_date(value)
    assert out is None or isinstance(out, pd.Timestamp)


@SETTINGS
@given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=200))
def test_control_character_check_counts_exactly_the_non_whitespace_c0_characters(text):
    from analysis.corpus import _CONTROL_RE

    expected = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f\v")
    assert len(_CONTROL_RE.findall(text)) == expected


@given(st.text(alphabet=" \n\tab\u00a0\r", max_size=60))
def test_trailing_spaces_go_as_the_regex_removes_them(text: str) -> None:
    import re

    from analysis.clean import _strip_trailing_spaces

    assert _strip_trailing_spaces(text) == re.sub(r"[ ]+\n", "\n", text)


# line ends, exotic spaces, invisibles, combining marks before and after line ends, Hangul
# jamo that compose, characters beyond the BMP
_NORMALIZE_ALPHABET = list(
    " \n\r\t\u2028\u00a0\u200b\u00adaeAÅé\u0301\u0327\u030a\u1100\u1161\u11a8𝐀"
)


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(_NORMALIZE_ALPHABET), max_size=80),
    piece=st.integers(1, 12),
)
def test_a_long_text_is_normalised_in_pieces_as_a_whole(text: str, piece: int) -> None:
    import unicodedata

    import analysis.clean as clean

    whole = clean._normalize_piece(text)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(clean, "_NORMALIZE_PIECE", piece)
        assert normalize_text(text) == whole
    # and what a piece does is the documented normalisation of the whole text
    expected = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    expected = clean._INVISIBLE_RE.sub(
        "", clean._SPACE_RE.sub(" ", expected.replace("\u2028", "\n"))
    )
    lines = expected.split("\n")
    expected = "\n".join([line.rstrip(" ") for line in lines[:-1]] + lines[-1:])
    assert whole == expected


def test_a_long_text_is_normalised_piece_by_piece(monkeypatch) -> None:
    import analysis.clean as clean

    seen = []
    real = clean._normalize_piece
    monkeypatch.setattr(clean, "_normalize_piece", lambda t: seen.append(t) or real(t))
    monkeypatch.setattr(clean, "_NORMALIZE_PIECE", 10)
    text = "line one\r\n" * 6 + "e\u0301 last line  "
    assert normalize_text(text) == "line one\n" * 6 + "\u00e9 last line  "
    assert len(seen) > 1 and "".join(seen) == text
    assert all(p.endswith("\n") for p in seen[:-1])  # each piece ends just after a line end
