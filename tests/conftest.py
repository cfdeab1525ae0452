"""Small shared fixtures: the seed folder, the loaded seed corpus, a corpus-folder builder."""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


@pytest.fixture(autouse=True, scope="session")
def _private_caches(tmp_path_factory):
    """The corpus cache and the notebooks' scratch folder of the test session live in its
    temporary folder, never in the user's ~/.cache (kernels inherit the environment)."""
    import os

    saved = {k: os.environ.get(k) for k in ("ANALYSIS_CACHE", "ANALYSIS_SCRATCH")}
    base = tmp_path_factory.mktemp("caches")
    os.environ["ANALYSIS_CACHE"] = str(base / "corpora")
    os.environ["ANALYSIS_SCRATCH"] = str(base / "scratch")
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout's root folder."""
    return ROOT


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The study's read-only seed folder (five articles and metadata.csv)."""
    return SEEDS


@pytest.fixture(scope="session")
def seed_codebook() -> Path:
    """Path of the seed study's codebook, ``seeds/themes.yml`` (the package ships none)."""
    return SEEDS / "themes.yml"


@pytest.fixture(scope="session")
def seed_corpus() -> pd.DataFrame:
    """``read_corpus("seeds")``, loaded once per session. Do not modify it; copy first."""
    from analysis import read_corpus

    return read_corpus(SEEDS)


@pytest.fixture(scope="session")
def read_error() -> Callable[..., str]:
    """``read_error(match, *args, **kwargs)``: ``read_corpus(*args, **kwargs)`` must fail with a
    one-line AnalysisError matching ``match`` that says what is wrong and what to do
    (``"...; ..."``); returns the message."""
    from analysis import AnalysisError, read_corpus

    def check(match: str, *args, **kwargs) -> str:
        with pytest.raises(AnalysisError, match=match) as info:
            read_corpus(*args, **kwargs)
        msg = str(info.value)
        assert "\n" not in msg and "Traceback" not in msg
        assert ";" in msg  # "<what is wrong>; <what to do>"
        return msg

    return check


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


# ------------------------------------------------------------------ term statistics

# A toy document-term matrix built by hand from a dense array, independently of build_dtm.
TOY_TERMS = np.array(["alpha", "beta", "gamma", "delta", "epsilon", "zeta"], dtype=object)
TOY_COUNTS = np.array(
    [
        [3, 0, 1, 0, 2, 0],
        [1, 2, 0, 0, 0, 1],
        [0, 4, 2, 1, 0, 0],
        [5, 1, 0, 3, 1, 0],
        [0, 0, 2, 2, 0, 4],
    ],
    dtype=np.int64,
)
TOY_GROUP = ["a", "a", "b", "b", "c"]
TOY_YEAR = [2010, 2010, 2020, 2025, 2025]
TOY_TOKENS = [10, 7, 12, 15, 11]  # tokens before stop-word removal: more than the counted terms


def _make_dtm(counts=TOY_COUNTS, terms=TOY_TERMS, group=TOY_GROUP, tokens=TOY_TOKENS):
    from analysis.dtm import DTM

    n = len(counts)
    docs = pd.DataFrame(
        {
            "doc_id": [f"d{i}" for i in range(n)],
            "unit_id": [f"d{i}" for i in range(n)],
            "unit_index": 0,
            "group_col": group,
            "year": pd.array([TOY_YEAR[i % len(TOY_YEAR)] for i in range(n)], dtype="Int64"),
            "n_tokens": tokens,
        }
    )
    return DTM(
        matrix=sp.csr_matrix(np.asarray(counts)),
        terms=np.asarray(terms, dtype=object),
        docs=docs,
        keys=np.asarray(terms, dtype=object),
        params={"unit": "document"},
    )


@pytest.fixture(scope="session")
def toy() -> SimpleNamespace:
    """The toy DTM's data (``terms, counts, group, year, tokens``) and ``make_dtm(**overrides)``."""
    return SimpleNamespace(
        terms=TOY_TERMS, counts=TOY_COUNTS, group=TOY_GROUP, year=TOY_YEAR, tokens=TOY_TOKENS,
        make_dtm=_make_dtm,
    )  # fmt: skip


@pytest.fixture
def toy_dtm():
    """The tiny hand-made DTM with known counts (see :func:`toy`)."""
    return _make_dtm()


@pytest.fixture(scope="session")
def seeds_dtm():
    """Unigram and bigram DTM of the seed corpus, built once per session. Read-only."""
    from analysis import build_dtm, read_corpus

    return build_dtm(read_corpus(SEEDS), ngram_range=(1, 2))


@pytest.fixture(scope="session")
def mini_dir() -> Path:
    """``tests/data/ungdc_mini``: a few UN General Debate speeches for real-text checks."""
    return ROOT / "tests" / "data" / "ungdc_mini"


@pytest.fixture(scope="session")
def mini(mini_dir: Path) -> pd.DataFrame:
    """The speeches of ``tests/data/ungdc_mini``, read once (treat as read-only)."""
    from analysis import read_corpus

    return read_corpus(mini_dir)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch) -> Path:
    """A fresh cache folder for this test (``$ANALYSIS_CACHE``), not created yet."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("ANALYSIS_CACHE", str(folder))
    return folder


@pytest.fixture
def run_notebook(tmp_path: Path, monkeypatch) -> Callable[..., Path]:
    """``run_notebook(name, **params)``: the suite's notebook ``name`` executed by
    papermill with this checkout's ``analysis`` (``out`` in ``tmp_path/report``);
    returns that folder."""
    import os

    papermill = pytest.importorskip("papermill")
    from analysis.report import NOTEBOOK_DIR

    def run(name: str, **params) -> Path:
        monkeypatch.setenv(
            "PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
        )
        monkeypatch.setenv("MPLBACKEND", "Agg")
        out = tmp_path / "report"
        papermill.execute_notebook(
            str(NOTEBOOK_DIR / name),
            str(tmp_path / name),
            parameters={"out": str(out), **params},
            cwd=str(NOTEBOOK_DIR),
            kernel_name="python3",
            progress_bar=False,
        )
        return out

    return run


@pytest.fixture(scope="session")
def dask_client():
    """A small Dask cluster for the distributed tests: 2 single-threaded workers in this
    process (fast to start; the tests in tests/distributed/test_processes.py use worker
    processes to check that tasks pickle). Skipped with the install hint without Dask."""
    pytest.importorskip(
        "distributed", reason="Dask is not installed: pip install -e '.[dask]' runs these tests"
    )
    import distributed

    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        yield client
