"""The tasks pickle: a cluster of worker processes gives the in-memory results."""

from __future__ import annotations

import os

import pytest
from pandas.testing import assert_frame_equal

from analysis import AnalysisError, clean_audit, read_corpus

UNGDC_PATTERN = "{year}/{country}_{session}_{year}.txt"


@pytest.fixture(scope="module")
def process_client():
    """2 single-threaded worker processes (started once for this module)."""
    pytest.importorskip(
        "distributed", reason="Dask is not installed: pip install -e '.[dask]' runs these tests"
    )
    import distributed

    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        yield client


def test_corpus_read_in_worker_processes(process_client, mini_dir, make_corpus) -> None:
    pids = set(process_client.run(os.getpid).values())
    assert len(pids) == 2 and os.getpid() not in pids  # really other processes
    expected = read_corpus(mini_dir, pattern=UNGDC_PATTERN)
    ddf = read_corpus(
        mini_dir, pattern=UNGDC_PATTERN, engine="dask", partition_size=1,
        dedupe_threshold=0.8, client=process_client,
    )  # fmt: skip
    assert_frame_equal(process_client.compute(ddf).result(), expected)
    assert_frame_equal(
        clean_audit(ddf, rules="default", client=process_client),
        clean_audit(expected, rules="default"),
    )
    # an error raised in a worker process comes back as the loader's one line
    folder = make_corpus({"a.txt": "A text.", "b.txt": b"\x00\x01binary"})
    with pytest.raises(AnalysisError, match="looks like a binary file") as info:
        process_client.compute(read_corpus(folder, engine="dask", partition_size=1)).result()
    assert "\n" not in str(info.value)


def test_counts_themes_and_topics_in_worker_processes(process_client, mini_dir) -> None:
    """build_dtm (assembled and grouped), theme rates and the online topic model run in
    worker processes (their tasks and the held tokens pickle) with the in-memory results."""
    import numpy as np

    from analysis import build_dtm, theme_rates
    from analysis.distributed import fit_topics_online

    codebook = mini_dir.parents[2] / "examples" / "ungdc-sample" / "themes.yml"
    corpus = read_corpus(mini_dir, pattern=UNGDC_PATTERN)
    ddf = read_corpus(mini_dir, pattern=UNGDC_PATTERN, engine="dask", partition_size=2_000)
    assert ddf.npartitions > 1
    for group_by in (None, "year"):
        got = build_dtm(ddf, ngram_range=(1, 2), min_df=2, group_by=group_by, client=process_client)
        want = build_dtm(corpus, ngram_range=(1, 2), min_df=2, group_by=group_by)
        assert got.shape == want.shape and (got.matrix != want.matrix).nnz == 0
        assert list(got.terms) == list(want.terms)
    assert_frame_equal(
        theme_rates(ddf, codebook, by="year", n_boot=200, client=process_client),
        theme_rates(corpus, codebook, by="year", n_boot=200),
    )
    a = fit_topics_online(ddf, 3, unit="paragraph", min_df=2, client=process_client)
    b = fit_topics_online(ddf, 3, unit="paragraph", min_df=2, client=process_client)
    assert np.array_equal(a.components_, b.components_)
    # nothing is left behind on the workers: no held partitions, no vocabulary lookup
    import analysis.distributed.dtm as ddtm

    assert set(process_client.run(lambda: len(ddtm._LOOKUPS)).values()) == {0}
