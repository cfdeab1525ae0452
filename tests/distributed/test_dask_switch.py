"""The one switch: ``--scheduler`` on the CLI and in ``render`` gives the in-memory tables."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "data" / "ungdc_mini"
MINI_PATTERN = "{year}/{country}_{session}_{year}.txt"
CODEBOOK = ROOT / "examples" / "ungdc-sample" / "themes.yml"


def run_cli(*argv) -> tuple[int, str, str]:
    import analysis.cli as cli

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


CORPUS = ("--corpus", MINI, "--pattern", MINI_PATTERN)
COMMANDS = {
    "keyness": ("keyness", *CORPUS, "--by", "year", "--target", "2005", "--ngram", "1", "2"),
    "keywords by year": ("keywords", *CORPUS, "--by", "year", "--top", "15"),
    "keywords per document": ("keywords", *CORPUS, "--top", "5", "--min-df", "2"),
    "frequencies": ("frequencies", *CORPUS, "--by", "country", "--terms", "peace", "nation*"),
    "themes": ("themes", *CORPUS, "--themes", CODEBOOK, "--by", "year", "--n-boot", "200"),
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_scheduler_prints_the_in_memory_table(dask_client, name):
    argv = (*COMMANDS[name], "--format", "csv")
    code, expected, _ = run_cli(*argv)
    assert code == 0 and expected.count("\n") > 3
    code, got, err = run_cli(*argv, "--scheduler", dask_client.scheduler.address)
    assert code == 0, err
    assert got == expected
    assert "dask: 2 workers; dashboard" in err


def test_scheduler_local_starts_and_closes_its_own_cluster():
    pytest.importorskip("distributed", reason="Dask is not installed: pip install -e '.[dask]'")
    import distributed

    argv = (*COMMANDS["keyness"], "--format", "csv")
    _, expected, _ = run_cli(*argv)
    code, got, err = run_cli(*argv, "--scheduler", "local")
    assert code == 0, err
    assert got == expected
    with pytest.raises(ValueError):  # closed: no default client is left behind
        distributed.default_client()


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (("--scheduler", "lcoal"), "scheduler='lcoal' is neither 'local' nor an address"),
        (("--scheduler", "tcp://127.0.0.1:9"), "no Dask scheduler answers there"),
        (("--hits", "--scheduler", "local"), "--hits with --scheduler"),
    ],
)
def test_scheduler_errors_are_one_line_exit_2(argv, match):
    pytest.importorskip("distributed", reason="Dask is not installed: pip install -e '.[dask]'")
    code, out, err = run_cli(*COMMANDS["themes"], *argv)
    assert code == 2 and out == ""
    assert match in err and err.count("\n") == 1 and "Traceback" not in err


def test_report_with_a_local_cluster_writes_the_same_tables(tmp_path, seeds_dir):
    pytest.importorskip("distributed", reason="Dask is not installed: pip install -e '.[dask]'")
    import json

    from analysis.report import render

    params = seeds_dir / "report.yaml"
    runs = {}
    for name, scheduler in (("memory", None), ("dask", "local")):
        out = render(
            seeds_dir, tmp_path / name, params, notebooks=["02-keywords"], quiet=True,
            scheduler=scheduler,
        )  # fmt: skip
        runs[name] = out
    tables = sorted(
        p.relative_to(runs["memory"]) for p in (runs["memory"] / "tables").rglob("*.csv")
    )
    assert tables
    for rel in tables:
        assert (runs["dask"] / rel).read_bytes() == (runs["memory"] / rel).read_bytes(), rel
    prov = json.loads((runs["dask"] / "provenance.json").read_text())
    assert prov["scheduler"] == "local"
    address = prov["parameters"]["notebooks"]["02-keywords"]["scheduler"]
    assert address.startswith("tcp://")
    memory = json.loads((runs["memory"] / "provenance.json").read_text())
    assert memory["parameters"]["notebooks"]["02-keywords"].get("scheduler", "") == ""


@pytest.mark.parametrize("by", ["doc_id", "n_tokens"])
def test_scheduler_with_a_by_that_is_no_metadata_column(dask_client, by):
    """--by doc_id works in memory; on Dask it builds the document-level matrix instead of
    grouping in the workers (group_by takes metadata columns only)."""
    argv = ("keywords", *CORPUS, "--by", by, "--top", "3", "--format", "csv")
    code, expected, _ = run_cli(*argv)
    assert code == 0
    code, got, err = run_cli(*argv, "--scheduler", dask_client.scheduler.address)
    assert code == 0, err
    assert got == expected


def test_group_by_over_an_empty_partition(dask_client, seed_corpus):
    from analysis import build_dtm
    from analysis.distributed import as_partitioned

    first = seed_corpus["doc_id"].iloc[0]
    ddf = as_partitioned(seed_corpus, npartitions=4)
    got = build_dtm(ddf[ddf["doc_id"] == first], group_by="source", client=dask_client)
    want = build_dtm(seed_corpus[seed_corpus["doc_id"] == first], group_by="source")
    assert got.shape == want.shape == (1, want.shape[1])
    assert (got.matrix != want.matrix).nnz == 0
    assert got.docs["n_docs"].tolist() == [1]


def test_dask_refuses_n_jobs_and_a_repeated_group_column(dask_client, seed_corpus):
    from analysis import AnalysisError, build_dtm

    with pytest.raises(AnalysisError, match=r"n_jobs=2 is for the in-memory build"):
        build_dtm(seed_corpus, n_jobs=2, client=dask_client)
    with pytest.raises(AnalysisError, match=r"names a column twice"):
        build_dtm(seed_corpus, group_by=["year", "year"])


def test_connect_local_closes_its_workers_with_the_client():
    pytest.importorskip("distributed", reason="Dask is not installed: pip install -e '.[dask]'")
    from analysis.distributed import connect

    with connect("local", n_workers=1, memory_limit="1GB") as client:
        cluster = client.cluster
        assert len(client.scheduler_info()["workers"]) == 1
    assert str(cluster.status) == "Status.closed"
