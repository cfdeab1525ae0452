"""build_dtm on Dask equals build_dtm in memory: every parameter, partition count, group_by."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import AnalysisError, build_dtm, keyness, read_corpus, term_frequencies
from analysis.compare import keyness_agreement
from analysis.dtm import group_counts
from analysis.keywords import tfidf_keywords

ROOT = Path(__file__).parents[2]
MINI_PATTERN = "{year}/{country}_{session}_{year}.txt"


@pytest.fixture(scope="module")
def ddtm_corpora() -> dict[str, pd.DataFrame]:
    return {
        "seeds": read_corpus(ROOT / "seeds"),
        "mini": read_corpus(ROOT / "tests" / "data" / "ungdc_mini", pattern=MINI_PATTERN),
    }


def assert_same_dtm(a, b) -> None:
    assert a.matrix.dtype == b.matrix.dtype
    assert a.matrix.shape == b.matrix.shape
    assert (a.matrix != b.matrix).nnz == 0
    assert np.array_equal(a.terms, b.terms)
    assert np.array_equal(a.keys, b.keys)
    pd.testing.assert_frame_equal(a.docs, b.docs)
    assert list(a.docs.dtypes) == list(b.docs.dtypes)
    assert a.params == b.params


def _partitioned(corpus, n):
    from analysis.distributed import as_partitioned

    return as_partitioned(corpus, npartitions=n)


GRID = [
    {},
    {"ngram_range": (1, 2)},
    {"ngram_range": (2, 3), "min_df": 2},
    {"ngram_range": (1, 2), "stem": True},
    {"ngram_range": (1, 3), "stem": True, "min_df": 2},
    {"min_df": 0.3, "max_df": 0.9},
    {"ngram_range": (1, 2), "min_df": 0.05, "max_df": 5},
    {"unit": "paragraph", "ngram_range": (1, 2), "min_df": 0.01},
    {"unit": "sentence", "stem": True, "min_df": 2},
    {"phrases": ["united nations", "human rights", "the world"], "ngram_range": (1, 2)},
    {"phrases": ["united nations", "shared future"], "stem": True, "ngram_range": (1, 3)},
    {"stop_words": None, "lowercase": False, "ngram_range": (1, 2)},
    {"stop_words": ["the", "and"], "extra_stop_words": ["world"], "token_pattern": r"(?u)\b\w+\b"},
    {"token_pattern": r"(?u)\b(\w)\w+\b", "stem": True},
]


@pytest.mark.parametrize("name", ["seeds", "mini"])
@pytest.mark.parametrize("kw", GRID, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_dask_build_dtm_equals_memory(dask_client, ddtm_corpora, name, kw):
    corpus = ddtm_corpora[name]
    expected = build_dtm(corpus, **kw)
    for n in (1, 2, 3, len(corpus)):
        got = build_dtm(_partitioned(corpus, n), client=dask_client, **kw)
        assert_same_dtm(expected, got)


def test_stem_display_is_the_corpus_wide_winner(dask_client):
    # "runs" wins in the whole corpus (3 against 2) though "running" wins in partition 1
    corpus = pd.DataFrame(
        {"doc_id": ["a", "b", "c"], "text": ["running running", "runs", "runs runs"]}
    )
    expected = build_dtm(corpus, stem=True)
    got = build_dtm(_partitioned(corpus, 3), client=dask_client, stem=True)
    assert list(expected.terms) == ["runs"]
    assert_same_dtm(expected, got)


def test_phrase_and_ngram_with_the_same_key_are_pruned_apart(dask_client):
    # the phrase "shared future" (2 units) and the bigram "shared future" from
    # "shared the future" (1 unit) are one column in memory, each pruned by its own df
    corpus = pd.DataFrame(
        {
            "doc_id": list("abcd"),
            "text": [
                "a shared future",
                "shared future now",
                "shared the future",
                "shared the future",
            ],
        }
    )
    for min_df in (1, 2):
        kw = dict(phrases=["shared future"], ngram_range=(1, 2), min_df=min_df, stop_words=["the"])
        expected = build_dtm(corpus, **kw)
        got = build_dtm(_partitioned(corpus, 4), client=dask_client, **kw)
        assert_same_dtm(expected, got)


def test_pandas_corpus_with_client_dispatches(dask_client, ddtm_corpora):
    corpus = ddtm_corpora["seeds"]
    expected = build_dtm(corpus, ngram_range=(1, 2))
    got = build_dtm(corpus, ngram_range=(1, 2), client=dask_client)
    assert_same_dtm(expected, got)
    assert str(got.docs["doc_id"].dtype) == str(corpus["doc_id"].dtype)


def test_empty_partitions_of_stop_words_are_not_errors(dask_client):
    corpus = pd.DataFrame({"doc_id": list("abc"), "text": ["the and of", "peace talks", "of the"]})
    expected = build_dtm(corpus)
    assert_same_dtm(expected, build_dtm(_partitioned(corpus, 3), client=dask_client))


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"min_df": 3}, "no terms remain after pruning with min_df=3"),
        ({"min_df": 3, "max_df": 2}, "max_df=2 corresponds to fewer units"),
        ({"stop_words": ["the", "and", "of"]}, "empty vocabulary"),
        ({"ngram_range": (2, 1)}, "ngram_range=.2, 1. is invalid"),
        ({"unit": "page"}, "unit='page' is not one of"),
        ({"group_by": "nope"}, "group_by='nope' is not a metadata column"),
        ({"group_by": "half"}, "column 'half' has missing values in 1 units"),
    ],
)
def test_dask_errors_are_the_memory_errors(dask_client, kw, match):
    corpus = pd.DataFrame(
        {"doc_id": list("abc"), "text": ["the and", "of the", "and of"], "half": ["x", None, "y"]}
    )
    if "stop_words" not in kw:
        corpus["text"] = ["peace talks", "peace now", "talks now"]
    for source in (corpus, _partitioned(corpus, 2)):
        client = dask_client if source is not corpus else None
        with pytest.raises(AnalysisError, match=match) as info:
            build_dtm(source, client=client, **kw)
        assert "\n" not in str(info.value)
        if client is None:
            memory_message = str(info.value)
        else:
            assert str(info.value) == memory_message


# ----------------------------------------------------------------------------- group_by

GROUPINGS = [
    ("seeds", "year", ["year"]),
    ("seeds", "source", ["source"]),
    ("seeds", ["year", "source"], ["year", "source", ["year", "source"]]),
    ("mini", "year", ["year"]),
    ("mini", "country", ["country"]),
    ("mini", ["year", "country"], ["year", "country", ["year", "country"]]),
]


def _consumers_equal(ungrouped, grouped, by) -> None:
    for measure in ("log_odds_dirichlet", "log_likelihood", "chi2"):
        groups = group_counts(ungrouped, by if isinstance(by, str) else None)[0]
        if isinstance(by, str):
            target = groups[0]
            pd.testing.assert_frame_equal(
                keyness(ungrouped, by=by, target=target, measure=measure),
                keyness(grouped, by=by, target=target, measure=measure),
            )
    pd.testing.assert_frame_equal(
        term_frequencies(ungrouped, by=by), term_frequencies(grouped, by=by)
    )
    some = list(ungrouped.terms[:3])
    pd.testing.assert_frame_equal(
        term_frequencies(ungrouped, by=by, terms=some), term_frequencies(grouped, by=by, terms=some)
    )
    pd.testing.assert_frame_equal(tfidf_keywords(ungrouped, by=by), tfidf_keywords(grouped, by=by))
    if isinstance(by, str):
        target = group_counts(ungrouped, by)[0][-1]
        pd.testing.assert_frame_equal(
            keyness_agreement(ungrouped, by=by, target=target),
            keyness_agreement(grouped, by=by, target=target),
        )
        a, b = group_counts(ungrouped, by), group_counts(grouped, by)
        assert np.array_equal(a[0], b[0]) and (a[1] != b[1]).nnz == 0 and np.array_equal(a[2], b[2])


@pytest.mark.parametrize("name, group_by, bys", GROUPINGS)
def test_grouped_dtm_on_dask_equals_memory_and_consumers(
    dask_client, ddtm_corpora, name, group_by, bys
):
    corpus = ddtm_corpora[name]
    kw = dict(ngram_range=(1, 2), stem=True, min_df=2)
    ungrouped = build_dtm(corpus, **kw)
    grouped = build_dtm(corpus, group_by=group_by, **kw)
    for n in (1, 3, len(corpus)):
        assert_same_dtm(
            grouped, build_dtm(_partitioned(corpus, n), client=dask_client, group_by=group_by, **kw)
        )
    for by in bys:
        _consumers_equal(ungrouped, grouped, by)
    # by=None on a grouped DTM: the groups themselves, as by=group_by on the units
    pd.testing.assert_frame_equal(
        tfidf_keywords(grouped, by=None), tfidf_keywords(ungrouped, by=group_by)
    )


def test_grouped_n_docs_counts_documents_not_units(dask_client, ddtm_corpora):
    corpus = ddtm_corpora["seeds"]
    grouped = build_dtm(
        _partitioned(corpus, 2), client=dask_client, unit="paragraph", group_by="source"
    )
    expected = corpus.groupby("source")["doc_id"].nunique().sort_index()
    assert grouped.docs["n_docs"].tolist() == expected.tolist()
    assert grouped.params["unit"] == "group" and grouped.params["group_by"] == "source"
