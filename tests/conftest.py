"""Small shared fixtures: the seed folder, the loaded seed corpus, a corpus-folder builder."""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout's root folder."""
    return ROOT


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The study's read-only seed folder (five articles and metadata.csv)."""
    return SEEDS


@pytest.fixture(scope="session")
def seed_corpus() -> pd.DataFrame:
    """``read_corpus("seeds")``, loaded once per session. Do not modify it; copy first."""
    from analysis import read_corpus

    return read_corpus(SEEDS)


@pytest.fixture
def make_corpus(tmp_path: Path) -> Callable[..., Path]:
    """Build a corpus folder under ``tmp_path`` and return its path.

    ``make_corpus(files={"a.txt": "text" or b"bytes", "sub/b.txt": ...},
    manifest=[{"file": "a.txt", "doc_id": "A", ...}, ...] or None, name="corpus")``.
    ``manifest`` rows are written to ``metadata.csv`` (columns in first-seen order).
    """

    def build(
        files: Mapping[str, str | bytes],
        manifest: Sequence[Mapping[str, object]] | None = None,
        *,
        name: str = "corpus",
    ) -> Path:
        root = tmp_path / name
        root.mkdir(parents=True, exist_ok=True)
        for rel, content in files.items():
            f = root / rel
            f.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                f.write_bytes(content)
            else:
                f.write_text(content, encoding="utf-8", newline="")
        if manifest is not None:
            fields: list[str] = []
            for row in manifest:
                fields.extend(k for k in row if k not in fields)
            with open(root / "metadata.csv", "w", encoding="utf-8", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=fields)
                w.writeheader()
                w.writerows(manifest)
        return root

    return build


@pytest.fixture
def toy_dtm():
    """A tiny hand-made DTM with known counts (see fixtures_terms.py)."""
    import fixtures_terms

    return fixtures_terms.make_dtm()


@pytest.fixture
def seeds_dtm():
    """Unigram DTM of the seed corpus (see fixtures_terms.py)."""
    import fixtures_terms

    return fixtures_terms.seeds_dtm()
