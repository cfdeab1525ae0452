"""read_corpus with hostile and careless input (issue 10): confinement to the corpus
folder, checked column mappings, one-line errors, the same row checks for tables as for
manifests, and corpus_files() listing exactly the files read."""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path

import pandas as pd
import pytest

import analysis._stream
import analysis.cli as cli
import analysis.corpus
from analysis import AnalysisError, read_corpus
from analysis.corpus import corpus_files


@pytest.fixture
def secret(tmp_path) -> Path:
    """A file beside (outside) the corpus folder that must never be read."""
    f = tmp_path / "secret" / "s.txt"
    f.parent.mkdir()
    f.write_text("Top secret words that must never reach a report.", encoding="utf-8")
    return f


@pytest.fixture
def never_read(monkeypatch, secret):
    """Fail the test if the loader opens ``secret``."""
    real = analysis.corpus._open_file

    def guarded(path, *args):
        assert Path(path).resolve() != secret.resolve(), "read a file outside the corpus"
        return real(path, *args)

    monkeypatch.setattr(analysis.corpus, "_open_file", guarded)


# ----------------------------------------------------------------- confinement (obs. 2)


@pytest.mark.parametrize("kind", ["relative", "absolute"])
def test_manifest_row_outside_the_corpus_is_an_error(
    make_corpus, secret, never_read, kind, read_error
):
    name = "../secret/s.txt" if kind == "relative" else str(secret)
    folder = make_corpus(
        {"a.txt": "Public words."},
        manifest=[{"file": "a.txt", "doc_id": "A"}, {"file": name, "doc_id": "S"}],
    )
    msg = read_error(r"metadata\.csv, line 3: file .* lies outside the corpus folder", folder)
    assert repr(name) in msg and "copy it into the corpus" in msg
    with pytest.raises(AnalysisError, match="lies outside"):
        corpus_files(folder)


def test_etc_passwd_in_a_manifest_is_refused(make_corpus, read_error):
    folder = make_corpus({"a.txt": "Words."}, manifest=[{"file": "/etc/passwd", "doc_id": "P"}])
    read_error(r"line 2: file '/etc/passwd' lies outside the corpus folder", folder)


def test_symlink_inside_pointing_outside_is_an_error(make_corpus, secret, never_read, read_error):
    folder = make_corpus({"a.txt": "Public words."})
    (folder / "b.txt").symlink_to(secret)
    read_error(r"b\.txt: this link lies outside the corpus folder", folder)  # found by glob
    with open(folder / "metadata.csv", "w", encoding="utf-8") as fh:
        fh.write("file,doc_id\na.txt,A\nb.txt,B\n")
    read_error(r"metadata\.csv, line 3: file 'b\.txt' lies outside the corpus folder", folder)


def test_manifest_that_is_a_link_to_outside_is_an_error(
    make_corpus, tmp_path, never_read, read_error
):
    outside = tmp_path / "elsewhere.csv"
    outside.write_text("file,doc_id\na.txt,A\n", encoding="utf-8")
    folder = make_corpus({"a.txt": "Public words."})
    (folder / "metadata.csv").symlink_to(outside)
    read_error(r"metadata\.csv: the manifest lies outside the corpus folder", folder)


def test_links_inside_the_corpus_are_read_and_folder_links_not_followed(
    make_corpus, secret, never_read
):
    folder = make_corpus({"a.txt": "Public words.", "sub/b.txt": "More words here."})
    (folder / "c.txt").symlink_to(folder / "sub" / "b.txt")  # a file link that stays inside
    (folder / "out").symlink_to(secret.parent, target_is_directory=True)
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    corpus = read_corpus(folder, dedupe_threshold=None)
    assert list(corpus["doc_id"]) == ["a", "c", "sub/b"]


def test_glob_cannot_leave_the_corpus(make_corpus, read_error):
    folder = make_corpus({"a.txt": "Words."})
    for bad in ("../*.txt", "/etc/*", "a/../../x.txt"):
        read_error(r"glob .*: not a pattern inside the corpus folder", folder, glob=bad)
    assert list(read_corpus(folder, glob="*.txt")["doc_id"]) == ["a"]


def _remove_deep(root: Path) -> None:
    """Remove a tree of nested ``d`` folders without recursion (pytest's rmtree recurses)."""
    os.chdir(root)
    depth = 0
    while os.path.isdir("d"):
        os.chdir("d")
        depth += 1
    for name in os.listdir("."):
        os.remove(name)
    for _ in range(depth):
        os.chdir("..")
        os.rmdir("d")


def test_deep_folder_is_read_without_recursion_error(tmp_path, monkeypatch):
    # 1,200 nested one-letter folders: Path.glob('**') recursed and hit RecursionError
    root = tmp_path / "deep"
    root.mkdir()
    monkeypatch.chdir(root)
    try:
        for _ in range(1200):
            os.mkdir("d")
            os.chdir("d")
        Path("x.txt").write_text("A document at the bottom of a deep tree.", encoding="utf-8")
        os.chdir(tmp_path)
        assert sys.getrecursionlimit() < 1200 * 2
        corpus = read_corpus(root)
        assert len(corpus) == 1 and corpus["doc_id"][0] == "d/" * 1200 + "x"
        assert corpus_files(root) == [(root / ("d/" * 1200 + "x.txt")).resolve()]
    finally:
        _remove_deep(root)


# ----------------------------------------------------------------- corpus_files = files read


def _recording(monkeypatch) -> list[Path]:
    opened: list[Path] = []
    real = analysis.corpus._open_file

    def record(path, *args):
        opened.append(Path(path))
        return real(path, *args)

    monkeypatch.setattr(analysis.corpus, "_open_file", record)
    return opened


@pytest.mark.parametrize("long", [False, True])
def test_corpus_files_are_exactly_the_files_read(
    seeds_dir, make_corpus, tmp_path, monkeypatch, long
):
    """Each file once, in order, whether it is read whole or a block at a time (every
    document counted as a long file)."""
    if long:
        monkeypatch.setattr(analysis._stream, "LONG_BYTES", -1)
    manifest_folder = make_corpus(
        {
            "a.txt": "First words.",
            "sub/b.txt": "Second words.",
            "notes.md": "not a document",
            ".ipynb_checkpoints/a-checkpoint.txt": "an editor's copy",
        },
        manifest=[{"file": "sub/b.txt", "doc_id": "B"}, {"file": "a.txt", "doc_id": "A"}],
        name="m",
    )
    pattern_folder = make_corpus(
        {"2024/CHN_79_2024.txt": "Peace.", "1946/FRA_1_1946.txt": "Charter."}, name="p"
    )
    table = tmp_path / "t.csv"
    pd.DataFrame({"doc_id": ["x", "y"], "text": ["one text", "two text"]}).to_csv(
        table, index=False
    )
    cases = [
        (seeds_dir, {}),
        (manifest_folder, {}),
        (pattern_folder, {"pattern": "{year}/{country}_{session}_{year}.txt"}),
        (table, {}),
    ]
    for path, opts in cases:
        opened = _recording(monkeypatch)
        read_corpus(path, **opts)
        got = [p.resolve() for p in opened]
        listed = corpus_files(path, **opts)
        assert got == listed, path
        assert all(p.is_absolute() for p in listed)
    assert corpus_files(manifest_folder) == [
        (manifest_folder / n).resolve() for n in ("metadata.csv", "sub/b.txt", "a.txt")
    ]
    assert corpus_files(seeds_dir)[0].name == "metadata.csv" and len(corpus_files(seeds_dir)) == 6


# ----------------------------------------------------------------- column mapping (obs. 3)


@pytest.fixture
def body_and_text(tmp_path) -> Path:
    path = tmp_path / "docs.csv"
    pd.DataFrame(
        {"doc_id": ["a", "b"], "text": ["short", "teaser"], "body": ["Full body one.", "Body two."]}
    ).to_csv(path, index=False)
    return path


def test_mapping_onto_an_existing_column_is_an_error(body_and_text, read_error):
    msg = read_error(
        r"columns: 'body' -> 'text' but docs\.csv already has a 'text' column", body_and_text,
        columns={"body": "text"},
    )  # fmt: skip
    assert "columns={'body': 'text', 'text': 'old_text'}" in msg


def test_two_sources_mapped_to_one_column_is_an_error(body_and_text, read_error):
    read_error(
        r"columns: 'body' and 'doc_id' are both mapped to 'text'", body_and_text,
        columns={"body": "text", "doc_id": "text"},
    )  # fmt: skip


def test_mapping_that_also_moves_the_old_column_away_is_accepted(body_and_text):
    corpus = read_corpus(body_and_text, columns={"body": "text", "text": "teaser"})
    assert list(corpus["text"]) == ["Full body one.", "Body two."]
    assert list(corpus["teaser"]) == ["short", "teaser"]
    swapped = read_corpus(body_and_text, columns={"body": "text", "text": "body"})
    assert list(swapped["body"]) == ["short", "teaser"]
    assert list(read_corpus(body_and_text, columns={"text": "text"})["text"]) == ["short", "teaser"]


def test_mapping_a_missing_column_suggests_the_nearest(body_and_text, read_error):
    read_error(r"columns: docs\.csv has no column 'bdy' \(did you mean 'body'\?\)", body_and_text,
              columns={"bdy": "text"})  # fmt: skip


def test_cli_text_column_goes_through_the_check(body_and_text, capsys, monkeypatch):
    monkeypatch.setattr(cli, "COMMANDS", ("corpus",))
    code = cli.main(["corpus", "--corpus", str(body_and_text), "--text-column", "body"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: columns: 'body' -> 'text' but docs.csv already has a 'text'")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_options_for_the_other_layout_are_errors(make_corpus, body_and_text, read_error):
    folder = make_corpus({"a.txt": "Words."})
    read_error(r"columns: a column mapping applies to a CSV/JSONL/Parquet corpus", folder,
              columns={"body": "text"})  # fmt: skip
    read_error(r"pattern '\{year\}.txt': a file-name pattern applies to a folder", body_and_text,
              pattern="{year}.txt")  # fmt: skip


# ----------------------------------------------------------------- one-line errors (obs. 7)


def _deny(monkeypatch, name: str, exc: OSError) -> None:
    """Opening the file ``name`` (as the loader opens every file it reads) raises ``exc``."""
    real = Path.open

    def open_(self, *args, **kwargs):
        if self.name == name:
            raise exc
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_)


@pytest.mark.parametrize("name", ["b.txt", "metadata.csv"])
def test_unreadable_document_or_manifest(make_corpus, monkeypatch, name, read_error):
    folder = make_corpus(
        {"a.txt": "Words.", "b.txt": "More."},
        manifest=[{"file": "a.txt", "doc_id": "A"}, {"file": "b.txt", "doc_id": "B"}],
    )
    _deny(monkeypatch, name, PermissionError(errno.EACCES, "Permission denied"))
    read_error(
        rf"{name}: (manifest )?cannot be read \(permission denied\); make it readable", folder
    )


def test_unreadable_table_and_other_os_errors(tmp_path, monkeypatch, read_error):
    table = tmp_path / "t.csv"
    table.write_text("text\nhello\n", encoding="utf-8")
    _deny(monkeypatch, "t.csv", PermissionError(errno.EACCES, "Permission denied"))
    read_error(r"t\.csv: cannot be read \(permission denied\)", table)
    _deny(monkeypatch, "t.csv", OSError(errno.EIO, os.strerror(errno.EIO)))
    read_error(r"t\.csv: cannot be read \(Input/output error\); check the file", table)


def test_unreadable_subfolder(make_corpus, monkeypatch, read_error):
    folder = make_corpus({"a.txt": "Words.", "locked/b.txt": "More."})
    real = os.scandir

    def scandir(path):
        if Path(path).name == "locked":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(analysis.corpus.os, "scandir", scandir)
    read_error(r"locked: folder cannot be read \(permission denied\)", folder)


@pytest.mark.parametrize("content", [b"", b"\n\n", b"\xef\xbb\xbf"])
def test_empty_or_headerless_manifest(make_corpus, content, read_error):
    folder = make_corpus({"a.txt": "Words.", "metadata.csv": content})
    read_error(r"metadata\.csv: manifest is empty \(no header row\)", folder)


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xfe" + "Gr\u00fc\u00dfe".encode("utf-16-le") + b"!",  # odd byte count
        b"\xff\xfe" + "ok".encode("utf-16-le") + b"\x00\xd8",  # truncated surrogate pair
        b"\xfe\xff\xdc\x00\x00a",  # a lone low surrogate (UTF-16 BE)
    ],
)
def test_damaged_utf16_isread_error(make_corpus, content, read_error):
    folder = make_corpus({"a.txt": "Words.", "b.txt": content})
    read_error(r"b\.txt: starts with a UTF-16 byte-order mark but is not valid UTF-16", folder)


def test_damaged_utf8_after_bom_isread_error(make_corpus, read_error):
    folder = make_corpus({"b.txt": b"\xef\xbb\xbfcaf\xe9 \xff"})
    read_error(r"b\.txt: starts with a UTF-8 byte-order mark but is not valid UTF-8", folder)


def test_nul_after_the_first_8_kib_is_binary(make_corpus, read_error):
    folder = make_corpus({"a.txt": b"word " * 2000 + b"\x00 tail"})
    read_error(r"a\.txt: looks like a binary file", folder)


def test_nul_in_utf16_text_is_binary(make_corpus, read_error):
    folder = make_corpus({"a.txt": "text\x00more".encode("utf-16")})
    read_error(r"a\.txt: looks like a binary file", folder)


# ----------------------------------------------------------------- table checks (obs. 10)


def _csv(tmp_path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _jsonl(tmp_path, rows, name: str = "t.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_table_bad_date_names_row_and_value(tmp_path, read_error):
    path = _csv(tmp_path, "doc_id,date,text\na,2020-01-02,one\nb,31/31/2020x,two\n")
    read_error(r"t\.csv, row 3: cannot parse date '31/31/2020x'", path)


def test_table_year_date_clash_names_the_row(tmp_path, read_error):
    path = _csv(tmp_path, "doc_id,date,year,text\na,2020-01-02,2020,one\nb,2021-05-01,2019,two\n")
    read_error(r"t\.csv, row 3 \(b\): year 2019 disagrees with date 2021-05-01", path)
    jl = _jsonl(tmp_path, [{"doc_id": "a", "date": "2020-01-02", "year": 2021, "text": "x"}])
    read_error(r"t\.jsonl, row 1 \(a\): year 2021 disagrees with date 2020-01-02", jl)


def test_table_year_that_is_not_a_year(tmp_path, read_error):
    path = _csv(tmp_path, "doc_id,year,text\na,2020,one\nb,twenty,two\n")
    read_error(r"t\.csv, row 3: year 'twenty' is not a year", path)
    ok = read_corpus(_jsonl(tmp_path, [{"year": 2020.0, "text": "x"}, {"year": None, "text": "y"}]))
    assert list(ok["year"].astype("float").fillna(0)) == [2020, 0]


@pytest.mark.parametrize(
    "rows",
    [
        [{"doc_id": "a", "text": "one"}, {"doc_id": None, "text": "two"}],
        [{"doc_id": "a", "text": "one"}, {"doc_id": "  ", "text": "two"}],
        [{"doc_id": "a", "text": "one"}, {"text": "two"}],
    ],
)
def test_table_null_doc_id(tmp_path, rows, read_error):
    read_error(r"t\.jsonl, row 2: empty doc_id", _jsonl(tmp_path, rows))


def test_table_empty_doc_id_in_csv_and_duplicate(tmp_path, read_error):
    read_error(r"t\.csv, row 3: empty doc_id", _csv(tmp_path, "doc_id,text\na,one\n,two\n"))
    jl = _jsonl(tmp_path, [{"doc_id": 1, "text": "x"}, {"doc_id": 1, "text": "y"}])
    read_error(r"t\.jsonl, row 2: doc_id '1' repeats row 1", jl)


@pytest.mark.parametrize(
    ("value", "what"),
    [(42, r"a number \(42\)"), (True, r"a true/false value"), (["a"], r"a list"),
     ({"k": 1}, r"an object")],
)  # fmt: skip
def test_non_string_text_says_what_it_is(tmp_path, value, what, read_error):
    path = _jsonl(tmp_path, [{"doc_id": "a", "text": "fine"}, {"doc_id": "b", "text": value}])
    msg = read_error(rf"t\.jsonl, row 2: text is {what}.*, not a string", path)
    assert "empty text" not in msg


def test_duplicated_csv_header_is_an_error(tmp_path, read_error):
    path = _csv(tmp_path, "doc_id,source,source,text\na,x,y,one\n")
    read_error(r"t\.csv: column 'source' appears twice in the header", path)
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "a.txt").write_text("Words.", encoding="utf-8")
    _csv(folder, "file,doc_id,doc_id\na.txt,A,B\n", "metadata.csv")
    read_error(r"metadata\.csv: column 'doc_id' appears twice in the header", folder)


def test_nul_in_a_table_cell_names_the_row(tmp_path, read_error):
    path = tmp_path / "t.csv"
    path.write_bytes(b"doc_id,text\na,fine\nb," + b"x" * 9000 + b"\x00y\n")
    read_error(r"t\.csv, row 3: text contains a NUL character", path)
    meta = tmp_path / "m.csv"
    meta.write_bytes(b"doc_id,source,text\na,wi\x00re,fine\n")
    read_error(r"m\.csv, row 2: column 'source' contains a NUL character", meta)


def test_csv_row_with_wrong_field_count(tmp_path, read_error):
    path = _csv(tmp_path, "doc_id,text\na,one\nb,two, and more\n")
    read_error(r"t\.csv, line 3: 3 fields but the header has 2; quote values", path)


def test_csv_trailing_empty_column_is_dropped_but_named_values_required(tmp_path, read_error):
    ok = read_corpus(_csv(tmp_path, "doc_id,text,\na,one,\nb,two,\n"))
    assert list(ok["text"]) == ["one", "two"] and not any(c.startswith("Unnamed") for c in ok)
    bad = _csv(tmp_path, "doc_id,text,\na,one,stray\n", "bad.csv")
    read_error(r"bad\.csv: column 3 has values but no name", bad)


def test_jsonl_lines_must_be_objects_without_repeated_keys(tmp_path, read_error):
    path = tmp_path / "t.jsonl"
    path.write_text('{"text": "ok"}\n\n[1, 2]\n', encoding="utf-8")
    read_error(r"t\.jsonl, line 3: cannot read it as JSONL \(found a list", path)
    path.write_text('{"text": "ok", "text": "shadowed"}\n', encoding="utf-8")
    read_error(r"t\.jsonl, line 1: key 'text' appears twice in one object", path)
    path.write_text("[" * 100_000 + "\n", encoding="utf-8")
    read_error(r"t\.jsonl, line 1: cannot read it as JSONL", path)


def test_long_csv_cells_are_read(tmp_path):
    # the csv module's default field limit is 128 KiB; documents can be longer
    path = tmp_path / "t.csv"
    pd.DataFrame({"text": ["word " * 60_000]}).to_csv(path, index=False)
    assert read_corpus(path)["n_tokens"][0] == 60_000


def test_files_listed_as_resolved_paths_resolving_only_the_links(
    make_corpus, tmp_path, monkeypatch
):
    """A regular file found by the walk is the resolved root plus its relative path (every
    folder on the way is real); only links are resolved, one by one."""
    folder = make_corpus({f"s{i}/d{j}.txt": f"Words {i} {j}." for i in range(3) for j in range(4)})
    (folder / "s0" / "link.txt").symlink_to(folder / "s2" / "d3.txt")
    alias = tmp_path / "alias"
    alias.symlink_to(folder, target_is_directory=True)
    given = alias / ".." / "alias"  # a root reached through a link and a ".."
    expected = [  # in walk order (by relative path), links resolved
        p.resolve()
        for p in sorted(folder.rglob("*.txt"), key=lambda p: str(p.relative_to(folder)).split("/"))
    ]
    calls = []
    real_resolve = Path.resolve
    monkeypatch.setattr(
        Path, "resolve", lambda self, *a, **k: calls.append(self) or real_resolve(self, *a, **k)
    )
    listed = corpus_files(given)
    assert [str(p) for p in listed] == [str(real_resolve(p)) for p in expected]
    assert len(calls) <= 3  # the root and the link (not each of the 13 files)
    monkeypatch.undo()
    assert list(read_corpus(given, dedupe_threshold=None)["doc_id"])[:2] == ["s0/d0", "s0/d1"]
