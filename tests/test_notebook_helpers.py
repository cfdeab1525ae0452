"""Library functions that replace notebook cells reproduce what the cells computed.

Each test keeps the cell's original code (as it stood before issue 11) as the reference
and runs it next to the library function on the seed corpus.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import analysis
from analysis import AnalysisError
from analysis.compare import keyness_agreement
from analysis.concordance import sample_hits
from analysis.grouping import group_sizes, usable_columns
from analysis.topics import topic_exemplars


@pytest.fixture(scope="module")
def docs(seed_corpus) -> pd.DataFrame:
    out = seed_corpus.copy()
    out["constant"] = "x"
    out["gappy"] = ["a", None, "b", "a", "b"]
    return out


# ------------------------------------------------------------------ usable_columns


def _cell_usable(frame, column, printed):
    """02-keywords / 05-compare cell 4 (``usable``), printing into ``printed``."""
    if column not in frame.columns:
        printed.append(f"skipping {column!r}: not a column of this corpus")
        return False
    values = frame[column]
    if values.isna().any():
        printed.append(f"skipping {column!r}: {int(values.isna().sum())} units have no value")
        return False
    if values.nunique() < 2:
        printed.append(f"skipping {column!r}: only one value")
        return False
    return True


def test_usable_columns_reproduce_the_keywords_cell(docs):
    by = ["source", "nope", "constant", "gappy", "year"]
    printed: list[str] = []
    expected = [c for c in by if _cell_usable(docs, c, printed)]
    usable, skipped = usable_columns(docs, by)
    assert usable == expected == ["source", "year"]
    assert [f"skipping {c!r}: {why}" for c, why in skipped.items()] == printed
    assert skipped["gappy"] == "1 units have no value"


def test_usable_columns_allow_missing_reproduce_the_themes_cell(docs):
    by = ["source", "nope", "constant", "gappy", "year"]
    # 03-themes cell 2
    expected = [c for c in by if c in docs.columns and docs[c].nunique(dropna=True) > 1]
    usable, skipped = usable_columns(docs, by, allow_missing=True)
    assert usable == expected == ["source", "gappy", "year"]
    assert list(skipped) == ["nope", "constant"]
    # 04-topics cell 13: complete columns with two values or more
    expected = [
        g for g in by if g in docs.columns and docs[g].notna().all() and docs[g].nunique() > 1
    ]
    assert usable_columns(docs, by)[0] == expected
    assert usable_columns(docs, "year") == (["year"], {})
    assert usable_columns(docs, None) == ([], {})


# ------------------------------------------------------------------ group_sizes


def test_group_sizes_reproduce_the_themes_difference_cell(docs):
    for trend_by in ("year", "source", "gappy"):
        # 03-themes cell 12
        sizes = docs[trend_by].astype("string").fillna("missing").value_counts()
        sizes = sizes.sort_index().sort_values(ascending=False, kind="stable")
        pd.testing.assert_series_equal(group_sizes(docs, trend_by), sizes)
    assert group_sizes(docs, "year").index[:2].tolist() == ["2025", "2010"]
    assert group_sizes(docs, "gappy").to_dict() == {"a": 2, "b": 2, "missing": 1}
    both = group_sizes(docs, ["year", "gappy"])
    # largest first, ties by label
    assert both.to_dict() == {"2025 | b": 2, "2010 | missing": 1, "2020 | a": 1, "2025 | a": 1}
    assert list(both.index) == ["2025 | b", "2010 | missing", "2020 | a", "2025 | a"]
    with pytest.raises(AnalysisError, match="by=None"):
        group_sizes(docs, None)


# ------------------------------------------------------------------ sample_hits


def test_round_robin_reproduces_the_keywords_kwic_cell(seed_corpus):
    queries = ["xi", "peace", "war"]
    for kwic_rows in (1, 2, 10):
        # 02-keywords cell 12
        lines = analysis.kwic(seed_corpus, queries, window=8)
        lines["nth"] = lines.groupby(["pattern", "doc_id"], sort=False).cumcount()
        lines["query"] = lines["pattern"].map({q: i for i, q in enumerate(queries)})
        lines = (
            lines.sort_values(["query", "nth"], kind="stable")
            .groupby("pattern", sort=False)
            .head(kwic_rows)
        )
        expected = lines.drop(columns=["nth", "query"]).reset_index(drop=True)
        table = analysis.kwic(seed_corpus, queries, window=8)
        got = sample_hits(table, kwic_rows, by="pattern", how="round_robin", order=queries)
        pd.testing.assert_frame_equal(got, expected)
        assert len(got) > 0
    # the first line of each pattern per document comes before any second line
    got = sample_hits(analysis.kwic(seed_corpus, "peace"), 10)
    nth = got.groupby("doc_id", sort=False).cumcount().to_numpy()
    assert (np.diff(nth) >= 0).all()


def test_even_reproduces_the_themes_kwic_cell(seed_corpus, seed_codebook):
    codebook = analysis.load_themes(seed_codebook)
    hits = analysis.theme_hits(seed_corpus, codebook)
    for kwic_per_theme in (1, 3, 6):
        # 03-themes cell 16
        samples = []
        for theme_id in codebook.ids:
            h = hits[hits["theme"] == theme_id]
            if len(h) > kwic_per_theme:
                step = len(h) / kwic_per_theme
                h = h.iloc[[int(i * step) for i in range(kwic_per_theme)]]
            samples.append(h)
        expected = pd.concat(samples, ignore_index=True)
        got = sample_hits(hits, kwic_per_theme, by="theme", how="even", order=codebook.ids)
        pd.testing.assert_frame_equal(got, expected)
        assert got.groupby("theme").size().max() <= kwic_per_theme


# ------------------------------------------------------------------ topic_exemplars


def test_topic_exemplars_reproduce_the_topics_cell(seed_corpus):
    unit = "paragraph"
    dtm = analysis.build_dtm(seed_corpus, unit=unit, min_df=2)
    model = analysis.fit_topics(dtm, 4, seed=0)
    # 04-topics cell 11
    units = analysis.segment(seed_corpus, unit)[["unit_id", "text"]]
    weights = model.doc_topics().merge(units, on="unit_id", how="left")
    expected = (
        weights.sort_values(["topic", "weight"], ascending=[True, False], kind="stable")
        .groupby("topic")
        .head(2)[["topic", "label", "doc_id", "unit_id", "weight", "text"]]
        .reset_index(drop=True)
    )
    expected["text"] = expected["text"].str.slice(0, 300)
    got = topic_exemplars(model, seed_corpus)
    pd.testing.assert_frame_equal(got, expected)
    assert len(got) == 8 and got["text"].notna().all()


# ------------------------------------------------------------------ keyness_agreement


def test_keyness_agreement_reproduces_the_compare_cell(seeds_dtm):
    time_col, top_n = "year", 15
    values = sorted(seeds_dtm.docs[time_col].unique())
    chosen = values[-1]
    reference = [v for v in values if v < chosen] or None
    # 05-compare cell 8
    tops = {}
    for m in ("log_odds_dirichlet", "log_likelihood", "chi2"):
        t = analysis.keyness(seeds_dtm, by=time_col, target=chosen, reference=reference, measure=m)
        tops[m] = set(t.head(top_n)["term"])
    rows = [
        {"measure_a": a, "measure_b": b, "shared_top_terms": len(tops[a] & tops[b]), "top_n": top_n}
        for i, a in enumerate(tops)
        for b in list(tops)[i + 1 :]
    ]
    expected = pd.DataFrame(rows)
    got = keyness_agreement(seeds_dtm, by=time_col, target=chosen, reference=reference, top_n=top_n)
    pd.testing.assert_frame_equal(got, expected)
    assert (got["shared_top_terms"] <= top_n).all() and len(got) == 3
