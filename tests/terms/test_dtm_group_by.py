"""build_dtm(group_by=) in memory: group sums, docs, and the consumers on a grouped DTM."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import AnalysisError, build_dtm, keyness, read_corpus, term_frequencies
from analysis.compare import keyness_agreement
from analysis.dtm import group_counts
from analysis.keywords import grouped_doc_counts, tfidf_keywords

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def gb_mini() -> pd.DataFrame:
    return read_corpus(
        ROOT / "tests" / "data" / "ungdc_mini", pattern="{year}/{country}_{session}_{year}.txt"
    )


@pytest.fixture(scope="module")
def gb_seeds() -> pd.DataFrame:
    return read_corpus(ROOT / "seeds")


def test_group_rows_are_sums_of_unit_rows(gb_seeds):
    units = build_dtm(gb_seeds, unit="paragraph", ngram_range=(1, 2))
    grouped = build_dtm(gb_seeds, unit="paragraph", ngram_range=(1, 2), group_by="source")
    groups, counts, n_tokens = group_counts(units, "source")
    assert np.array_equal(grouped.docs["unit_id"].to_numpy(), np.asarray(groups, dtype=object))
    assert (grouped.matrix != counts).nnz == 0
    assert grouped.docs["n_tokens"].tolist() == list(n_tokens)
    assert (
        grouped.docs["n_docs"].tolist() == gb_seeds.groupby("source")["doc_id"].nunique().tolist()
    )
    assert list(grouped.docs.columns) == ["unit_id", "source", "n_tokens", "n_docs"]
    assert grouped.params["unit"] == "group" and grouped.params["group_by"] == "source"
    assert np.array_equal(grouped.terms, units.terms)  # vocabulary chosen on the units


def test_vocabulary_is_chosen_by_unit_frequency(gb_seeds):
    # min_df counts units before grouping: the same columns as the ungrouped DTM
    units = build_dtm(gb_seeds, min_df=2)
    grouped = build_dtm(gb_seeds, min_df=2, group_by="year")
    assert np.array_equal(units.keys, grouped.keys)
    assert grouped.shape[0] == gb_seeds["year"].nunique()


@pytest.mark.parametrize(
    "group_by, bys",
    [
        ("year", ["year"]),
        ("country", ["country"]),
        (["year", "country"], ["year", "country", ["year", "country"]]),
    ],
)
def test_consumers_on_grouped_equal_ungrouped(gb_mini, group_by, bys):
    units = build_dtm(gb_mini, ngram_range=(1, 2), stem=True)
    grouped = build_dtm(gb_mini, ngram_range=(1, 2), stem=True, group_by=group_by)
    for by in bys:
        pd.testing.assert_frame_equal(
            term_frequencies(units, by=by), term_frequencies(grouped, by=by)
        )
        pd.testing.assert_frame_equal(tfidf_keywords(units, by=by), tfidf_keywords(grouped, by=by))
        assert np.array_equal(grouped_doc_counts(units, by), grouped_doc_counts(grouped, by))
        if isinstance(by, str):
            target = group_counts(units, by)[0][0]
            for measure in ("log_odds_dirichlet", "log_likelihood", "chi2"):
                pd.testing.assert_frame_equal(
                    keyness(units, by=by, target=target, measure=measure, top_n=20),
                    keyness(grouped, by=by, target=target, measure=measure, top_n=20),
                )
            pd.testing.assert_frame_equal(
                keyness_agreement(units, by=by, target=target),
                keyness_agreement(grouped, by=by, target=target),
            )


def test_by_none_on_grouped_is_the_groups(gb_seeds):
    units = build_dtm(gb_seeds)
    grouped = build_dtm(gb_seeds, group_by="source")
    pd.testing.assert_frame_equal(tfidf_keywords(grouped), tfidf_keywords(units, by="source"))
    assert grouped_doc_counts(grouped, None).tolist() == grouped.docs["n_docs"].tolist()
    with pytest.raises(AnalysisError, match="by=None: keyness needs a grouping column"):
        keyness(grouped, by=None, target="x")


@pytest.mark.parametrize(
    "group_by, match",
    [
        ("nope", "group_by='nope' is not a metadata column"),
        ("unit_id", "group_by='unit_id' is not a metadata column"),
        ([], r"group_by=\[\]"),
    ],
)
def test_group_by_errors(gb_seeds, group_by, match):
    with pytest.raises(AnalysisError, match=match):
        build_dtm(gb_seeds, group_by=group_by)
