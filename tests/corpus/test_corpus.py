"""read_corpus: the three layouts, normalisation, near-duplicates, progress, bad input."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import analysis.corpus
from analysis import AnalysisError, InputWarning, read_corpus
from analysis.clean import normalize_text

REQUIRED = ["doc_id", "source", "source_type", "date", "year", "title", "text", "raw_text", "n_tokens"]  # fmt: skip
UNGDC_PATTERN = "{year}/{country}_{session}_{year}.txt"


# ----------------------------------------------------------------- layouts


def test_manifest_folder_has_required_columns(seed_corpus) -> None:
    assert set(REQUIRED) <= set(seed_corpus.columns)
    assert len(seed_corpus) == 5 and seed_corpus["doc_id"].is_unique
    assert str(seed_corpus["year"].dtype) == "Int64"
    assert pd.api.types.is_datetime64_any_dtype(seed_corpus["date"])
    assert seed_corpus.loc[seed_corpus["doc_id"] == "pd2010_veterans", "date"].iloc[0] == (
        pd.Timestamp("2010-05-09")
    )
    assert (seed_corpus["n_tokens"] > 300).all()
    # the cleaned text is shorter than the raw text, never longer
    assert (seed_corpus["text"].str.len() <= seed_corpus["raw_text"].str.len()).all()


def test_seed_load_emits_no_warnings(seeds_dir) -> None:
    # valid UTF-8, no near-duplicates: a clean load must be silent (no pandas warnings)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_corpus(seeds_dir)


def test_pattern_folder_gives_metadata_columns(make_corpus) -> None:
    folder = make_corpus(
        {
            "2024/CHN_79_2024.txt": "China speaks of peace and development in the assembly.",
            "2024/USA_79_2024.txt": "The United States speaks about security and trade.",
            "1946/FRA_1_1946.txt": "France addresses the first session of the assembly.",
        }
    )
    corpus = read_corpus(folder, pattern=UNGDC_PATTERN)
    assert list(corpus["doc_id"]) == ["FRA_1_1946", "CHN_79_2024", "USA_79_2024"]
    assert list(corpus["country"]) == ["FRA", "CHN", "USA"]
    assert list(corpus["session"]) == ["1", "79", "79"]
    assert list(corpus["year"]) == [1946, 2024, 2024]
    assert str(corpus["year"].dtype) == "Int64"
    assert list(corpus["file"]) == ["1946/FRA_1_1946.txt", "2024/CHN_79_2024.txt", "2024/USA_79_2024.txt"]  # fmt: skip
    assert set(REQUIRED) <= set(corpus.columns)


def test_pattern_repeated_field_must_agree(make_corpus) -> None:
    folder = make_corpus({"2024/CHN_79_2024.txt": "Fine.", "2023/FRA_78_2022.txt": "Wrong year."})
    with pytest.raises(AnalysisError, match=r"FRA_78_2022\.txt.*does not fit pattern") as info:
        read_corpus(folder, pattern=UNGDC_PATTERN)
    assert "\n" not in str(info.value)


def test_pattern_without_fields_is_an_error(make_corpus) -> None:
    folder = make_corpus({"a.txt": "Text."})
    with pytest.raises(AnalysisError, match="pattern 'a.txt' has no"):
        read_corpus(folder, pattern="a.txt")


def test_plain_folder_names_documents_after_files(make_corpus) -> None:
    folder = make_corpus({"b.txt": "Second text.", "a.txt": "First text.", "sub/c.txt": "Third."})
    corpus = read_corpus(folder)
    assert list(corpus["doc_id"]) == ["a", "b", "sub/c"]
    assert list(corpus["text"]) == ["First text.", "Second text.", "Third."]


def test_hidden_files_and_folders_are_not_documents(make_corpus) -> None:
    # JupyterLab leaves .ipynb_checkpoints/ copies next to files opened in it
    folder = make_corpus(
        {
            "a.txt": "The real document.",
            ".ipynb_checkpoints/a-checkpoint.txt": "An editor's copy.",
            ".hidden.txt": "A hidden file.",
        },
        manifest=[{"file": "a.txt", "doc_id": "A"}],
    )
    corpus = read_corpus(folder)
    assert list(corpus["doc_id"]) == ["A"]
    (folder / "metadata.csv").unlink()
    assert list(read_corpus(folder)["doc_id"]) == ["a"]


TABLE_ROWS = [
    {"id": "a", "published": "Aug 25, 2022", "headline": "Talks resume", "body": "Talks resumed in Geneva on Thursday.\n\nBoth sides met.", "outlet": "Wire"},
    {"id": "b", "published": "2010-05-09", "headline": "Veterans honoured", "body": "Veterans were honoured in Moscow.", "outlet": "Daily"},
    {"id": "c", "published": "", "headline": "Undated", "body": "A piece without a date at all.", "outlet": "Blog"},
]  # fmt: skip
MAPPING = {"id": "doc_id", "published": "date", "headline": "title", "body": "text"}


def _write_table(tmp_path, fmt: str):
    df = pd.DataFrame(TABLE_ROWS)
    path = tmp_path / f"docs.{fmt}"
    if fmt == "csv":
        df.to_csv(path, index=False)
    elif fmt == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in TABLE_ROWS), encoding="utf-8")
    else:
        df.to_parquet(path)
    return path


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_table_files_with_column_mapping(tmp_path, fmt) -> None:
    corpus = read_corpus(_write_table(tmp_path, fmt), columns=MAPPING)
    assert set(REQUIRED) <= set(corpus.columns)
    assert list(corpus["doc_id"]) == ["a", "b", "c"]
    assert list(corpus["title"]) == ["Talks resume", "Veterans honoured", "Undated"]
    assert list(corpus["text"]) == [
        "Talks resumed in Geneva on Thursday.\n\nBoth sides met.",
        "Veterans were honoured in Moscow.",
        "A piece without a date at all.",
    ]
    assert list(corpus["date"][:2]) == [pd.Timestamp("2022-08-25"), pd.Timestamp("2010-05-09")]
    assert pd.isna(corpus["date"][2]) and pd.isna(corpus["year"][2])
    assert list(corpus["year"][:2]) == [2022, 2010]
    assert list(corpus["outlet"]) == ["Wire", "Daily", "Blog"]  # extra metadata kept
    assert list(corpus["n_tokens"]) == [9, 5, 7]
    assert "published" not in corpus.columns and "body" not in corpus.columns


def test_table_formats_agree(tmp_path) -> None:
    frames = [read_corpus(_write_table(tmp_path, f), columns=MAPPING) for f in ("csv", "jsonl", "parquet")]  # fmt: skip
    cols = ["doc_id", "date", "year", "title", "text", "n_tokens", "outlet"]
    for other in frames[1:]:
        pd.testing.assert_frame_equal(frames[0][cols], other[cols], check_dtype=False)


def test_table_without_text_column_says_how_to_map(tmp_path) -> None:
    path = _write_table(tmp_path, "csv")
    with pytest.raises(AnalysisError, match=r"docs\.csv: no 'text' column.*body.*columns="):
        read_corpus(path)


def test_text_column_is_the_checked_text_mapping(tmp_path) -> None:
    path = _write_table(tmp_path, "csv")
    rest = {k: v for k, v in MAPPING.items() if v != "text"}
    short = read_corpus(path, columns=rest, text_column="body")
    pd.testing.assert_frame_equal(short, read_corpus(path, columns=MAPPING))
    alone = read_corpus(path, text_column="body")
    assert list(alone["text"]) == [r["body"] for r in TABLE_ROWS]
    assert "body" not in alone.columns and list(alone["id"]) == ["a", "b", "c"]
    # "text" (or None) changes nothing; the mapping is checked like columns=
    assert read_corpus(path, columns=MAPPING, text_column="text").equals(
        read_corpus(path, columns=MAPPING)
    )
    with pytest.raises(AnalysisError, match="no column 'bdy'.*did you mean 'body'"):
        read_corpus(path, text_column="bdy")
    with pytest.raises(AnalysisError, match="text_column='body' but columns maps it to 'old'"):
        read_corpus(path, columns={"body": "old"}, text_column="body")
    with pytest.raises(AnalysisError, match="text_column=3"):
        read_corpus(path, text_column=3)


# ----------------------------------------------------------------- normalisation


def test_unicode_normalisation_in_folder(make_corpus) -> None:
    raw = "\ufeffFirst\u00a0line with\u200b zero\u2060width.\r\nSecond line\u00a0 \r\n\r\nThird paragraph\u200d."
    folder = make_corpus({"a.txt": raw.encode("utf-8")})
    (text,) = read_corpus(folder)["raw_text"]
    assert text == "First line with zerowidth.\nSecond line\n\nThird paragraph."
    for ch in ("\ufeff", "\u00a0", "\r", "\u200b", "\u200d", "\u2060"):
        assert ch not in text


def test_unicode_normalisation_in_table(tmp_path) -> None:
    path = tmp_path / "t.csv"
    pd.DataFrame({"text": ["A\u00a0B\r\nC\u200bD"]}).to_csv(path, index=False)
    corpus = read_corpus(path)
    assert corpus["text"][0] == "A B\n\nCD"  # one line per paragraph -> blank-line paragraphs
    assert corpus["raw_text"][0] == "A B\nCD"


def test_normalize_text_nfc_and_crs() -> None:
    assert normalize_text("cafe\u0301") == "caf\u00e9"  # NFC composition
    assert normalize_text("a\rb\r\nc") == "a\nb\nc"
    assert normalize_text("soft\u00adhyphen") == "softhyphen"
    assert normalize_text("trailing  \nx") == "trailing\nx"


def test_utf16_with_bom_is_read(make_corpus) -> None:
    folder = make_corpus({"a.txt": "Grüße aus Genf.".encode("utf-16")})
    assert read_corpus(folder)["text"][0] == "Grüße aus Genf."


def test_seeds_have_no_near_duplicates(seed_corpus) -> None:
    assert (seed_corpus["duplicate_of"] == "").all()


# ----------------------------------------------------------------- progress, determinism


def test_progress_bar_for_large_folders(make_corpus, monkeypatch, capsys) -> None:
    folder = make_corpus({f"d{i}.txt": f"Document {i} text number {i * 7}." for i in range(4)})
    read_corpus(folder)
    assert "4/4" not in capsys.readouterr().err  # below the threshold: silent
    monkeypatch.setattr(analysis.corpus, "PROGRESS_THRESHOLD", 4)
    read_corpus(folder)
    err = capsys.readouterr().err
    assert "reading" in err and "4/4" in err
    read_corpus(folder, progress=False)
    assert "4/4" not in capsys.readouterr().err


def test_two_loads_are_identical(seeds_dir, make_corpus) -> None:
    pd.testing.assert_frame_equal(read_corpus(seeds_dir), read_corpus(seeds_dir))
    folder = make_corpus({"2024/CHN_79_2024.txt": "Alpha beta.", "2023/USA_78_2023.txt": "Gamma."})
    pd.testing.assert_frame_equal(
        read_corpus(folder, pattern=UNGDC_PATTERN), read_corpus(folder, pattern=UNGDC_PATTERN)
    )


# ----------------------------------------------------------------- bad input


def test_missing_path(tmp_path, read_error) -> None:
    read_error(r"nowhere: no such file or folder", tmp_path / "nowhere")


def test_empty_folder(tmp_path, read_error) -> None:
    (tmp_path / "empty").mkdir()
    read_error(r"empty: folder has no \*\.txt files", tmp_path / "empty")


@pytest.mark.parametrize("content", [b"", b"  \n\t\r\n \n", "\u00a0\n".encode()])
def test_empty_or_whitespace_file(make_corpus, content, read_error) -> None:
    folder = make_corpus({"good.txt": "Some text.", "blank.txt": content})
    read_error(r"blank\.txt: file is empty", folder)


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        b"text then \x00\x00\x00 NULs",
        bytes(range(1, 32)) * 20,
    ],
)
def test_binary_file(make_corpus, content, read_error) -> None:
    folder = make_corpus({"good.txt": "Some text.", "image.txt": content})
    read_error(r"image\.txt: looks like a binary file", folder)


def test_manifest_row_without_file(make_corpus, read_error) -> None:
    folder = make_corpus(
        {"a.txt": "Text A."},
        manifest=[{"file": "a.txt", "doc_id": "A"}, {"file": "b.txt", "doc_id": "B"}],
    )
    read_error(r"metadata\.csv, line 3: file 'b\.txt' not found", folder)


def test_file_without_manifest_row(make_corpus, read_error) -> None:
    folder = make_corpus({"a.txt": "Text A.", "b.txt": "Text B."}, manifest=[{"file": "a.txt", "doc_id": "A"}])  # fmt: skip
    read_error(r"b\.txt: not listed in metadata\.csv", folder)


def test_duplicate_doc_ids(make_corpus, tmp_path, read_error) -> None:
    folder = make_corpus(
        {"a.txt": "Text A.", "b.txt": "Text B."},
        manifest=[{"file": "a.txt", "doc_id": "X"}, {"file": "b.txt", "doc_id": "X"}],
    )
    read_error(r"metadata\.csv, line 3: doc_id 'X' repeats line 2", folder)
    table = tmp_path / "dups.csv"
    pd.DataFrame({"doc_id": ["p", "q", "p"], "text": ["one", "two", "three"]}).to_csv(table, index=False)  # fmt: skip
    read_error(r"dups\.csv, row 4: doc_id 'p' repeats row 2", table)


def test_unparseable_manifest_date(make_corpus, read_error) -> None:
    folder = make_corpus(
        {"a.txt": "Text A.", "b.txt": "Text B."},
        manifest=[
            {"file": "a.txt", "doc_id": "A", "date": "2020-09-04"},
            {"file": "b.txt", "doc_id": "B", "date": "sometime in spring"},
        ],
    )
    read_error(r"metadata\.csv, line 3: cannot parse date 'sometime in spring'", folder)


def test_manifest_year_disagreeing_with_date_names_the_row(make_corpus, read_error) -> None:
    folder = make_corpus(
        {"a.txt": "Text A.", "b.txt": "Text B."},
        manifest=[
            {"file": "a.txt", "doc_id": "A", "date": "2020-09-04", "year": "2020"},
            {"file": "b.txt", "doc_id": "B", "date": "2021-01-01", "year": "2019"},
        ],
    )
    read_error(r"metadata\.csv, line 3 \(B\): year 2019 disagrees with date 2021-01-01", folder)  # fmt: skip


def test_empty_table_row_and_unsupported_file(tmp_path, read_error) -> None:
    table = tmp_path / "t.csv"
    pd.DataFrame({"doc_id": ["a", "b"], "text": ["fine", ""]}).to_csv(table, index=False)
    read_error(r"t\.csv, row 3: empty text", table)
    other = tmp_path / "notes.docx"
    other.write_bytes(b"PK\x03\x04")
    read_error(r"notes\.docx: unsupported corpus file", other)
    broken = tmp_path / "b.jsonl"
    broken.write_text("{not json\n")
    read_error(r"b\.jsonl, line 1: cannot read it as JSONL", broken)


def test_latin1_file_is_read_with_a_warning(make_corpus) -> None:
    folder = make_corpus({"good.txt": "Plain text.", "latin.txt": "Un café à Genève.".encode("latin-1")})  # fmt: skip
    with pytest.warns(InputWarning, match=r"latin\.txt: not valid UTF-8"):
        corpus = read_corpus(folder)
    assert corpus.set_index("doc_id").loc["latin", "text"] == "Un café à Genève."


def test_home_relative_path_is_expanded(make_corpus, monkeypatch) -> None:
    # e.g. a notebook parameter corpus = "~/.cache/framing-analysis"
    folder = make_corpus({"a.txt": "Text in the home folder."})
    monkeypatch.setenv("HOME", str(folder.parent))
    assert list(read_corpus("~/corpus")["text"]) == ["Text in the home folder."]
