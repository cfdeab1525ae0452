"""Theme counts on Dask equal the in-memory ones; so do the rates, tests and comparisons.

Every check compares the Dask result with the in-memory function on the same corpus
(``assert_frame_equal`` with exact floats and dtypes): the seeds and ungdc_mini, units
document/paragraph, stemming on/off, several partition counts and groupings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import (
    AnalysisError,
    load_themes,
    read_corpus,
    theme_comparisons,
    theme_contributions,
    theme_difference,
    theme_document_rates,
    theme_hits,
    theme_rates,
)
from analysis.themes import match_themes
from analysis.themes.match import ThemeCounts

PATTERN = "{year}/{country}_{session}_{year}.txt"
EXAMPLE_BOOK = "examples/ungdc-sample/themes.yml"
KW = {"n_boot": 200, "seed": 7, "min_docs": 2}


@pytest.fixture(scope="module")
def theme_corpora(seed_corpus, mini_dir, repo_root):
    """name -> (corpus, codebook, groupings). ``era`` splits each corpus into two groups
    of at least two documents, so that intervals and permutation tests are computed."""
    seeds = seed_corpus.assign(era=np.where(seed_corpus["year"] < 2025, "early", "late"))
    mini = read_corpus(mini_dir, pattern=PATTERN)
    mini = mini.assign(era=np.where(mini["year"] < 2005, "early", "late"))
    return {
        "seeds": (
            seeds,
            load_themes(repo_root / "seeds" / "themes.yml"),
            ["year", "source", ["year", "source"], "era"],
        ),
        "mini": (
            mini,
            load_themes(repo_root / EXAMPLE_BOOK),
            ["year", "country", ["year", "country"], "era"],
        ),
    }


def _partitioned(corpus: pd.DataFrame, n: int):
    from analysis.distributed import as_partitioned

    return as_partitioned(corpus, npartitions=n)


def _equal(a: pd.DataFrame, b: pd.DataFrame, what: str = "") -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True, check_dtype=True, obj=what)
    assert a.attrs == b.attrs, what


def _two_groups(rates: pd.DataFrame) -> tuple[str, str]:
    """The two largest groups of a rates table (ties by group order)."""
    g = rates.drop_duplicates("group").sort_values("n_docs", ascending=False, kind="stable")
    return g["group"].iloc[0], g["group"].iloc[1]


@pytest.mark.parametrize("name", ["seeds", "mini"])
@pytest.mark.parametrize("unit", ["document", "paragraph"])
@pytest.mark.parametrize("stem", [False, True])
@pytest.mark.parametrize("nparts", [1, 2, 3, "each"])
def test_statistics_on_dask_equal_those_in_memory(
    dask_client, theme_corpora, name, unit, stem, nparts
):
    corpus, book, groupings = theme_corpora[name]
    n = len(corpus) if nparts == "each" else nparts
    ddf = _partitioned(corpus, n)
    assert ddf.npartitions == n
    counts = match_themes(ddf, book, unit=unit, stem=stem, client=dask_client)
    m = match_themes(corpus, book, unit=unit, stem=stem)
    assert isinstance(counts, ThemeCounts) and counts.codebook is book
    whole = m.theme_counts()
    for field in ("hits", "n_tokens", "n_units"):
        x, y = getattr(counts, field), getattr(whole, field)
        assert x.dtype == y.dtype == np.int64 and np.array_equal(x, y), field
    assert counts.params == whole.params
    # the documents, in corpus order (Dask may hold the text columns as its string dtype)
    pd.testing.assert_frame_equal(counts.docs, whole.docs, check_dtype=False)
    pd.testing.assert_frame_equal(counts.counts(), m.counts(), check_index_type=False)
    for by in [None, *groupings]:
        _equal(theme_rates(counts, by=by, **KW), theme_rates(m, by=by, **KW), f"rates {by}")
        _equal(theme_document_rates(counts, by=by), theme_document_rates(m, by=by), "docs")
    for by in groupings[:2]:
        got = theme_comparisons(counts, by=by, n_perm=200, **KW)
        _equal(got, theme_comparisons(m, by=by, n_perm=200, **KW), f"comparisons {by}")
    target, reference = _two_groups(theme_rates(m, by="era", n_boot=0))
    kw = {"by": "era", "target": target, "reference": reference, "n_perm": 300, **KW}
    diff = theme_difference(counts, **kw)
    _equal(diff, theme_difference(m, **kw), "difference")
    assert diff["p_value"].notna().all() and diff["ci_low"].notna().all()


@pytest.mark.parametrize("name", ["seeds", "mini"])
def test_public_functions_given_a_dask_corpus_run_on_dask(dask_client, theme_corpora, name):
    corpus, book, groupings = theme_corpora[name]
    ddf = _partitioned(corpus, 3)
    for by in [None, *groupings]:
        got = theme_rates(ddf, book, by=by, unit="paragraph", client=dask_client, **KW)
        _equal(got, theme_rates(corpus, book, by=by, unit="paragraph", **KW), f"rates {by}")
    kw = {"by": "era", "target": "early", "reference": "late", "n_perm": 300, **KW}
    _equal(
        theme_difference(ddf, book, stem=True, client=dask_client, **kw),
        theme_difference(corpus, book, stem=True, **kw),
    )
    by = groupings[2]
    _equal(
        theme_document_rates(ddf, book, by=by, client=dask_client),
        theme_document_rates(corpus, book, by=by),
    )
    _equal(
        theme_comparisons(ddf, book, by="era", n_perm=200, client=dask_client, **KW),
        theme_comparisons(corpus, book, by="era", n_perm=200, **KW),
    )


def test_a_pandas_corpus_with_client_runs_on_dask(dask_client, theme_corpora, monkeypatch):
    corpus, book, _ = theme_corpora["seeds"]
    import analysis.distributed.themes as dthemes

    calls = []
    real = dthemes.match_themes
    monkeypatch.setattr(dthemes, "match_themes", lambda *a, **k: calls.append(1) or real(*a, **k))
    got = theme_rates(corpus, book, by="era", client=dask_client, **KW)
    assert calls == [1]
    _equal(got, theme_rates(corpus, book, by="era", **KW))
    counts = match_themes(corpus, book, client=dask_client)
    assert isinstance(counts, ThemeCounts)
    assert np.array_equal(counts.hits, match_themes(corpus, book).counts().to_numpy())


def test_empty_partitions_change_nothing(dask_client, theme_corpora):
    corpus, book, _ = theme_corpora["mini"]
    ddf = _partitioned(corpus, 6)
    kept = ddf[ddf["year"] != 1990]  # one partition left empty
    mem = corpus[corpus["year"] != 1990]
    _equal(
        theme_rates(kept, book, by="era", client=dask_client, **KW),
        theme_rates(mem, book, by="era", **KW),
    )


def test_default_scheduler_without_a_client(theme_corpora):
    pytest.importorskip("distributed", reason="Dask is not installed")
    corpus, book, _ = theme_corpora["seeds"]
    got = theme_rates(_partitioned(corpus, 2), book, by="year", n_boot=50)
    _equal(got, theme_rates(corpus, book, by="year", n_boot=50))


# -------------------------------------------------------------------------------- errors


def test_doc_ids_are_unique_across_partitions(dask_client, theme_corpora):
    corpus, book, _ = theme_corpora["seeds"]
    twice = pd.concat([corpus, corpus.iloc[[0]]], ignore_index=True)
    with pytest.raises(AnalysisError, match=r"^corpus has doc_id '.+' twice; doc_ids must be"):
        match_themes(_partitioned(twice, 3), book, client=dask_client)  # in two partitions
    with pytest.raises(AnalysisError, match=r"^corpus has doc_id '.+' twice; doc_ids must be"):
        theme_rates(_partitioned(twice, 1), book, client=dask_client)  # in one partition


def test_hits_are_not_gathered_from_dask(dask_client, theme_corpora):
    corpus, book, _ = theme_corpora["seeds"]
    ddf = _partitioned(corpus, 2)
    for fn in (theme_hits, theme_contributions):
        with pytest.raises(AnalysisError, match=r"^data: theme_\w+ needs the hits themselves, "):
            fn(ddf, book)
    counts = match_themes(ddf, book, client=dask_client)
    with pytest.raises(AnalysisError, match=r"which a ThemeCounts does not keep; pass the"):
        theme_hits(counts)


def test_bad_input_fails_before_matching(dask_client, theme_corpora, monkeypatch):
    corpus, book, _ = theme_corpora["seeds"]
    ddf = _partitioned(corpus, 2)
    import analysis.distributed.themes as dthemes

    def boom(*args, **kwargs):
        raise AssertionError("matched although the arguments are wrong")

    monkeypatch.setattr(dthemes, "_partition_counts", boom)
    with pytest.raises(AnalysisError, match=r"^by='nope' is not a corpus column"):
        theme_rates(ddf, book, by="nope", client=dask_client)
    with pytest.raises(AnalysisError, match=r"^by is required: the column whose groups target"):
        theme_difference(ddf, book, by=None, target="a", reference="b", client=dask_client)
    with pytest.raises(AnalysisError, match=r"^by is required: the column whose groups are"):
        theme_comparisons(ddf, book, by=[], client=dask_client)
    with pytest.raises(AnalysisError, match=r"^unit='chapter'"):
        match_themes(ddf, book, unit="chapter", client=dask_client)
    with pytest.raises(AnalysisError, match=r"^stem='yes' must be True or False"):
        match_themes(ddf, book, stem="yes", client=dask_client)
    with pytest.raises(AnalysisError, match=r"^corpus has no 'text' column; pass a corpus"):
        match_themes(ddf.drop(columns=["text"]), book, client=dask_client)
    with pytest.raises(AnalysisError, match=r"^client=.* is not a distributed.Client"):
        theme_rates(corpus, book, client="tcp://nowhere:8786")


def test_an_empty_dask_corpus_is_an_error(dask_client, theme_corpora):
    corpus, book, _ = theme_corpora["seeds"]
    ddf = _partitioned(corpus, 2)
    with pytest.raises(AnalysisError, match=r"^corpus has no documents; check the path"):
        match_themes(ddf[ddf["year"] < 0], book, client=dask_client)


def test_dask_counts_are_checked_against_the_codebook(dask_client, theme_corpora, repo_root):
    corpus, book, _ = theme_corpora["seeds"]
    counts = match_themes(_partitioned(corpus, 2), book, unit="paragraph", client=dask_client)
    other = load_themes(repo_root / EXAMPLE_BOOK)
    with pytest.raises(AnalysisError, match=r"^codebook: these matches were made with another"):
        theme_rates(counts, other)
    with pytest.raises(AnalysisError, match=r"^unit='document': these matches were made with"):
        theme_document_rates(counts, unit="document")
    # the codebook's path names the same codebook: accepted
    same = theme_rates(counts, repo_root / "seeds" / "themes.yml", n_boot=0)
    assert same["hits"].sum() == counts.hits.sum() > 0
