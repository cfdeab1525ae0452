"""ThemeCounts: the documents x themes counts the rates read, joined from pieces exactly."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from analysis import (
    AnalysisError,
    load_themes,
    read_corpus,
    sample_for_coding,
    theme_comparisons,
    theme_contributions,
    theme_difference,
    theme_document_rates,
    theme_hits,
    theme_rates,
)
from analysis.themes import ThemeMatches, match_themes
from analysis.themes.match import ThemeCounts

PATTERN = "{year}/{country}_{session}_{year}.txt"
EXAMPLE_BOOK = "examples/ungdc-sample/themes.yml"


@pytest.fixture(scope="module")
def corpora(seed_corpus, mini_dir, repo_root):
    """name -> (corpus, codebook, grouping column): the seeds and ungdc_mini, each with an
    ``era`` column of two groups of at least two documents (so that the intervals and
    the tests are computed with ``min_docs=2``)."""
    seeds = seed_corpus.assign(era=np.where(seed_corpus["year"] < 2025, "early", "late"))
    mini = read_corpus(mini_dir, pattern=PATTERN)
    mini = mini.assign(era=np.where(mini["year"] < 2005, "early", "late"))
    return {
        "seeds": (seeds, load_themes(repo_root / "seeds" / "themes.yml"), "era"),
        "mini": (mini, load_themes(repo_root / EXAMPLE_BOOK), "era"),
    }


def assert_counts_equal(a: ThemeCounts, b: ThemeCounts, *, check_dtype: bool = True) -> None:
    assert a.codebook == b.codebook and a.params == b.params
    for name in ("hits", "n_tokens", "n_units"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype == np.int64 and np.array_equal(x, y), name
    pd.testing.assert_frame_equal(a.docs, b.docs, check_dtype=check_dtype)


@pytest.mark.parametrize("name", ["seeds", "mini"])
@pytest.mark.parametrize("unit", ["document", "paragraph"])
@pytest.mark.parametrize("stem", [False, True])
def test_theme_counts_hold_what_the_matches_count(corpora, name, unit, stem):
    corpus, book, _ = corpora[name]
    m = match_themes(corpus, book, unit=unit, stem=stem)
    c = m.theme_counts()
    assert isinstance(c, ThemeCounts) and c.codebook is m.codebook
    assert c.params == {"unit": unit, "stem": stem}
    assert c.hits.shape == (len(corpus), len(book)) and c.hits.dtype == np.int64
    assert np.array_equal(c.hits, m.counts().to_numpy())
    assert int(c.hits.sum()) == m.n_hits > 0
    assert np.array_equal(c.n_tokens, m.doc_tokens())
    assert np.array_equal(c.n_tokens, corpus["n_tokens"].to_numpy())
    per_doc = m.units.groupby("doc_index").size().reindex(range(len(corpus)), fill_value=0)
    assert np.array_equal(c.n_units, per_doc.to_numpy())
    pd.testing.assert_frame_equal(c.counts(), m.counts())
    assert "text" not in c.docs.columns and "raw_text" not in c.docs.columns
    assert repr(c).startswith(f"<ThemeCounts {len(corpus)} documents x {len(book)} themes")


@pytest.mark.parametrize("name", ["seeds", "mini"])
@pytest.mark.parametrize("unit", ["document", "paragraph"])
@pytest.mark.parametrize("stem", [False, True])
@pytest.mark.parametrize("cuts", [[1], [2, 3], [1, 2, 4]])
def test_concat_of_pieces_equals_the_counts_of_the_whole(corpora, name, unit, stem, cuts):
    corpus, book, _ = corpora[name]
    whole = match_themes(corpus, book, unit=unit, stem=stem).theme_counts()
    bounds = [0, *cuts, len(corpus)]
    parts = [
        match_themes(corpus.iloc[lo:hi], book, unit=unit, stem=stem).theme_counts()
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    assert_counts_equal(ThemeCounts.concat(parts), whole)


def _stat_tables(data, cols, group, *, min_docs=2):
    """Every statistic that reads counts, on ``data`` (corpus, matches or counts)."""
    kw = {"n_boot": 200, "seed": 3, "min_docs": min_docs}
    rates = theme_rates(data, by=cols, **kw)
    groups = rates.drop_duplicates("group")
    big = groups.sort_values("n_docs", ascending=False, kind="stable")["group"].tolist()
    return {
        "rates": rates,
        "rates_all": theme_rates(data, **kw),
        "documents": theme_document_rates(data, by=cols),
        "difference": theme_difference(
            data,
            by=group,
            target=sorted(big[:2])[0],
            reference=sorted(big[:2])[1],
            n_perm=300,
            **kw,
        )
        if group
        else None,
        "comparisons": theme_comparisons(data, by=cols, n_perm=300, **kw),
    }


def assert_tables_equal(a: dict, b: dict) -> None:
    for key, x in a.items():
        y = b[key]
        if x is None:
            assert y is None
            continue
        pd.testing.assert_frame_equal(x, y, check_exact=True, obj=key)
        assert x.attrs == y.attrs, key


@pytest.mark.parametrize("name", ["seeds", "mini"])
@pytest.mark.parametrize("unit", ["document", "paragraph"])
def test_statistics_from_counts_equal_those_from_matches(corpora, name, unit):
    corpus, book, group = corpora[name]
    m = match_themes(corpus, book, unit=unit)
    c = m.theme_counts()
    from_matches = _stat_tables(m, [group], group)
    from_counts = _stat_tables(c, [group], group)
    assert_tables_equal(from_counts, from_matches)
    rates = from_counts["rates"]
    assert rates["ci_low"].notna().any() and from_counts["difference"]["p_value"].notna().all()
    # and the corpus path of today gives the same rates
    direct = theme_rates(corpus, book, by=group, unit=unit, n_boot=200, seed=3, min_docs=2)
    pd.testing.assert_frame_equal(direct, rates, check_exact=True)


def test_counts_are_checked_against_codebook_unit_and_stem(corpora, repo_root):
    corpus, book, _ = corpora["seeds"]
    c = match_themes(corpus, book, unit="paragraph").theme_counts()
    other = load_themes(repo_root / EXAMPLE_BOOK)
    with pytest.raises(AnalysisError, match=r"^codebook: these matches were made with another"):
        theme_rates(c, other)
    with pytest.raises(AnalysisError, match=r"^unit='document': these matches were made with"):
        theme_difference(c, by="year", target=2025, reference=2020, unit="document")
    with pytest.raises(AnalysisError, match=r"^stem=True: these matches were made with stem="):
        theme_document_rates(c, stem=True)
    same = theme_rates(c, book, unit="paragraph", stem=False, n_boot=0)  # equal settings pass
    assert same["hits"].sum() == c.hits.sum()


@pytest.mark.parametrize(
    "fn, name",
    [
        (theme_hits, "theme_hits"),
        (theme_contributions, "theme_contributions"),
        (sample_for_coding, "sample_for_coding"),
    ],
)
def test_functions_that_need_the_hits_refuse_counts(corpora, fn, name):
    corpus, book, _ = corpora["seeds"]
    c = match_themes(corpus, book).theme_counts()
    with pytest.raises(AnalysisError, match=rf"^data: {name} needs the hits themselves") as info:
        fn(c)
    assert "\n" not in str(info.value) and "ThemeMatches" in str(info.value)


def test_concat_errors(corpora):
    corpus, book, _ = corpora["seeds"]
    a = match_themes(corpus.iloc[:2], book).theme_counts()
    b = match_themes(corpus.iloc[2:], book).theme_counts()
    with pytest.raises(AnalysisError, match=r"^parts: give a non-empty list of ThemeCounts"):
        ThemeCounts.concat([])
    with pytest.raises(AnalysisError, match=r"^parts: give a non-empty list of ThemeCounts"):
        ThemeCounts.concat([a, match_themes(corpus, book)])
    para = match_themes(corpus.iloc[2:], book, unit="paragraph").theme_counts()
    with pytest.raises(AnalysisError, match=r"^parts: counts made with .*same unit and stem"):
        ThemeCounts.concat([a, para])
    fewer = dataclasses.replace(book, themes=book.themes[:-1])
    with pytest.raises(AnalysisError, match=r"^parts: counts made with different codebooks"):
        ThemeCounts.concat([a, match_themes(corpus.iloc[2:], fewer).theme_counts()])
    with pytest.raises(AnalysisError, match=r"^corpus has doc_id '.+' twice; doc_ids must be"):
        ThemeCounts.concat([a, b, a])
    assert ThemeCounts.concat([a, b]).n_docs == len(corpus)


def test_concat_skips_empty_parts_and_shapes_are_checked(corpora):
    corpus, book, _ = corpora["seeds"]
    whole = match_themes(corpus, book).theme_counts()
    empty = dataclasses.replace(
        whole,
        docs=whole.docs.iloc[:0],
        hits=whole.hits[:0],
        n_tokens=whole.n_tokens[:0],
        n_units=whole.n_units[:0],
    )
    assert_counts_equal(ThemeCounts.concat([empty, whole, empty]), whole)
    assert ThemeCounts.concat([empty]).n_docs == 0
    with pytest.raises(AnalysisError, match=r"^ThemeCounts: hits \(5, 6\), n_tokens"):
        dataclasses.replace(whole, hits=whole.hits[:, 1:])


def test_theme_counts_is_not_matches():
    assert not issubclass(ThemeCounts, ThemeMatches)
    with pytest.raises(AnalysisError, match="data must be a corpus DataFrame"):
        theme_rates(object())
