"""Dates as written on real pages, and the load summary's count of unparsed dates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import AnalysisError, corpus_summary, parse_date, read_corpus


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-09-04", "2020-09-04"),
        ("2010/05/09", "2010-05-09"),
        ("May 09, 2010", "2010-05-09"),
        ("10:15, May 09, 2010", "2010-05-09"),  # People's Daily Online time stamp
        ("10:15, May 09, 2010      ", "2010-05-09"),
        ("23-Jun-2022", "2022-06-23"),
        ("Published: Aug 25, 2022 09:24 PM", "2022-08-25"),
        ("Updated 9:05 am, January 3, 2024", "2024-01-03"),
        ("Sept. 26, 2011", "2011-09-26"),
        ("Sep 26, 2011", "2011-09-26"),
        ("September 3rd, 2025", "2025-09-03"),
        ("9 May 2025", "2025-05-09"),
        ("Tuesday, 3 September 2025", "2025-09-03"),
        ("2020-09-04T10:15:00Z", "2020-09-04"),
        ("2020-09-04T23:59:59+08:00", "2020-09-04"),  # the date as written, not shifted
        ("2020-09-04 10:15:00", "2020-09-04"),
        ("2010年5月9日", "2010-05-09"),
        ("20100509", "2010-05-09"),
    ],
)
def test_parse_date_formats(value, expected) -> None:
    assert parse_date(value) == pd.Timestamp(expected)


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "",
        "   ",
        "n/a",
        "2024",
        "Feb 30, 2020",
        "2020-13-01",
        "Mayday 5, 2020",
        None,
        np.nan,
    ],
)
def test_parse_date_gives_none_when_it_cannot(value) -> None:
    assert parse_date(value) is None


def test_parse_date_does_not_guess_ambiguous_numeric_orders() -> None:
    # 05/09/2010 is 9 May in the US and 5 September elsewhere: not guessed
    assert parse_date("05/09/2010") is None


def test_parse_date_timestamp_is_normalised_to_midnight() -> None:
    assert parse_date(pd.Timestamp("2020-09-04 18:30")) == pd.Timestamp("2020-09-04")


def test_table_with_unparseable_date_is_an_error_naming_the_row(tmp_path) -> None:
    # tables get the manifest's checks (issue 10): a date that cannot be read is an
    # error naming the row and the value, not a silently missing date
    path = tmp_path / "docs.csv"
    pd.DataFrame(
        {
            "doc_id": ["a", "b", "c"],
            "published": ["23-Jun-2022", "last spring", ""],
            "body": ["One text.", "Two text.", "Three text."],
        }
    ).to_csv(path, index=False)
    with pytest.raises(AnalysisError, match=r"docs\.csv, row 3: cannot parse date 'last spring'"):
        read_corpus(path, columns={"published": "date", "body": "text"})


def test_corpus_summary_counts_unparsed_dates(tmp_path) -> None:
    path = tmp_path / "docs.csv"
    pd.DataFrame(
        {
            "doc_id": ["a", "b", "c", "d", "e"],
            "published": ["23-Jun-2022", "", "", "Published: Aug 25, 2022 09:24 PM", ""],
            "body": ["One text.", "Two text.", "Three text.", "Four text.", "Five text."],
        }
    ).to_csv(path, index=False)
    corpus = read_corpus(path, columns={"published": "date", "body": "text"})
    assert list(corpus["date_raw"]) == ["23-Jun-2022", "", "", "Published: Aug 25, 2022 09:24 PM", ""]  # fmt: skip
    assert list(corpus["year"].astype("float").fillna(0)) == [2022, 0, 0, 2022, 0]
    # the loader refuses unparseable dates; a corpus edited afterwards can still hold them
    corpus.loc[[1, 4], "date_raw"] = ["last spring", "??"]
    totals = corpus_summary(corpus).attrs["totals"]
    assert totals["unparsed_dates"] == 2  # "last spring" and "??"; the empty one is missing
    assert totals["missing_dates"] == 3
    assert totals["documents"] == 5


def test_seed_summary_has_no_unparsed_dates(seed_corpus) -> None:
    summary = corpus_summary(seed_corpus)
    totals = summary.attrs["totals"]
    assert totals["unparsed_dates"] == 0
    assert totals["missing_dates"] == 1  # the undated CGTN piece
    assert totals["documents"] == 5
    assert totals["tokens"] == int(seed_corpus["n_tokens"].sum())
    assert "text" not in summary.columns and "raw_text" not in summary.columns
