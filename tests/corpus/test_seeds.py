"""The seed articles are the study's immutable inputs; their manifest records what is known."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from analysis import read_corpus

# The five seed files as copied from ../shared/seeds/. These hashes are the inputs'
# identity: if one changes, every figure of the study changes with it.
SEED_SHA256 = {
    "000_13f6d71d8b7c22bb.txt": "4a916b808c31cd5a3a1df9ac5abededb4b2a4ce7de07a8867fa87a3f86d19be0",
    "001_b5c1e5e3e03559da.txt": "6200a8809d5ded94060b785fd4dbe77d6b626891b7d9042dc0aab6275106a2b5",
    "002_0a50a29a47c1f7ef.txt": "b0c3d8fb899a3b75c6cfe816cbc2171cf0f66c6f3404fabf3463cab9d51923dc",
    "003_4639ece3f68d5da3.txt": "aa7223281f39fc02bb975764c18e8aeb4e9c6f0c3d5986c9a06047676b2839e6",
    "004_60a9945cbf12d15d.txt": "fc943192b61bb760ac9c6f94e2d9ce43244cc433dd6652fe12d34680b1b7b77f",
}
MANIFEST_COLUMNS = [
    "doc_id", "file", "source", "source_type", "date", "date_basis", "year", "title",
    "language", "notes",
]  # fmt: skip


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Every entry under ``folder`` with its mtime (ns), size and sha256."""
    out = {}
    for p in sorted(folder.rglob("*")):
        st = p.stat()
        out[p.relative_to(folder).as_posix()] = (
            st.st_mtime_ns,
            st.st_size,
            _sha(p) if p.is_file() else "",
        )
    return out


@pytest.fixture(scope="module")
def manifest(seeds_dir: Path) -> pd.DataFrame:
    return pd.read_csv(seeds_dir / "metadata.csv", dtype=str, keep_default_na=False)


def test_seed_files_are_exactly_the_five_committed_articles(seeds_dir: Path) -> None:
    texts = sorted(p.name for p in seeds_dir.glob("*.txt"))
    assert texts == sorted(SEED_SHA256)
    for name, digest in SEED_SHA256.items():
        assert _sha(seeds_dir / name) == digest, f"seeds/{name} changed"


def test_seed_files_equal_shared_originals_byte_for_byte(seeds_dir: Path) -> None:
    shared = seeds_dir.parent.parent / "shared" / "seeds"
    if not shared.is_dir():
        pytest.skip(f"{shared} not present on this machine; byte-for-byte check skipped")
    for name in SEED_SHA256:
        assert (seeds_dir / name).read_bytes() == (shared / name).read_bytes(), name


def test_read_corpus_never_writes_into_the_input_folder(seeds_dir: Path, make_corpus) -> None:
    before = _snapshot(seeds_dir)
    read_corpus(seeds_dir)
    assert _snapshot(seeds_dir) == before
    # same for a folder without manifest, and one read through a pattern
    folder = make_corpus({"2020/A_1_2020.txt": "Some words here.", "2021/B_2_2021.txt": "Other."})
    before = _snapshot(folder)
    read_corpus(folder)
    read_corpus(folder, pattern="{year}/{country}_{session}_{year}.txt")
    assert _snapshot(folder) == before


def test_manifest_has_the_documented_columns(manifest: pd.DataFrame) -> None:
    assert list(manifest.columns) == MANIFEST_COLUMNS


def test_manifest_one_row_per_seed_file(manifest: pd.DataFrame) -> None:
    assert sorted(manifest["file"]) == sorted(SEED_SHA256)
    assert manifest["doc_id"].is_unique
    assert (manifest["doc_id"].str.strip() != "").all()


def test_manifest_date_basis_and_years(manifest: pd.DataFrame) -> None:
    assert set(manifest["date_basis"]) <= {"header", "dateline", "inferred from text"}
    assert set(manifest["year"].astype(int)) == {2010, 2020, 2025}
    assert (manifest["language"] == "en").all()
    assert (manifest["title"].str.strip() != "").all()
    assert (manifest["notes"].str.strip() != "").all()


def test_manifest_records_what_is_known(manifest: pd.DataFrame) -> None:
    """Facts stated in issue 2 about each seed (dates, outlets, year inference)."""
    by_prefix = {
        f[:3]: row for f, (_, row) in zip(manifest["file"], manifest.iterrows(), strict=True)
    }
    assert by_prefix["000"]["date"] == "2020-09-04"
    assert by_prefix["000"]["source"] == "Shanghai Daily"
    assert "infer" in by_prefix["000"]["notes"].lower()  # the outlet is an inference
    assert by_prefix["001"]["date"] == "2010-05-09"
    assert by_prefix["001"]["source"] == "People's Daily Online"
    assert by_prefix["002"]["date"] == "2025-05-12"
    assert "moscow" in by_prefix["002"]["notes"].lower()
    # 003 is undated: the year is inferred from the text, the date stays empty
    assert by_prefix["003"]["date"] == ""
    assert by_prefix["003"]["date_basis"] == "inferred from text"
    assert by_prefix["003"]["year"] == "2025"
    assert by_prefix["003"]["source"] == "CGTN"
    assert by_prefix["004"]["date"] == "2025-09-07"
    # every dated row's year agrees with its date
    dated = manifest[manifest["date"] != ""]
    assert (dated["date"].str[:4] == dated["year"]).all()


def test_seed_corpus_carries_manifest_metadata(seed_corpus: pd.DataFrame, manifest) -> None:
    assert list(seed_corpus["doc_id"]) == list(manifest["doc_id"])
    assert list(seed_corpus["year"]) == [int(y) for y in manifest["year"]]
    assert list(seed_corpus["date_basis"]) == list(manifest["date_basis"])
    assert list(seed_corpus["notes"]) == list(manifest["notes"])
    assert seed_corpus["date"].isna().sum() == 1  # only the undated CGTN piece
