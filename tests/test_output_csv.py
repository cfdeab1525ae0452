"""save_table writes the bytes of pandas' ``to_csv``, also on its fast path for long tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import analysis
from analysis import output
from analysis.output import FLOAT_FORMAT

FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, math.nan, 1e-310, 5e-324, 1e300, 0.1, 123456.5, 1234567.0]),
)
TEXT = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=6),
    st.sampled_from(["", " a ", "nan", "None", "mr president", "é ü", "a,b", '"q"', "x\ny", ',"']),
)


def _pandas_bytes(table: pd.DataFrame, path) -> bytes:
    table.to_csv(path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    return path.read_bytes()


@pytest.fixture
def always_fast(monkeypatch):
    """Every table of 1+ rows takes the fast writer, in blocks of 7 rows joined 3 at a time."""
    monkeypatch.setattr(output, "_FAST_CSV_ROWS", 0)
    monkeypatch.setattr(output, "_CSV_CHUNK", 3)
    monkeypatch.setattr(output, "_CSV_BLOCK", 7)


@st.composite
def tables(draw) -> pd.DataFrame:
    n = draw(st.integers(1, 20))  # up to three blocks of 7 rows
    cols = {}
    for j in range(draw(st.integers(2, 5))):
        kind = draw(st.sampled_from(["f64", "f32", "int", "uint8", "bool", "str", "obj", "cat"]))
        if kind in ("f64", "f32"):
            values = draw(st.lists(FLOATS, min_size=n, max_size=n))
            with np.errstate(over="ignore"):  # a float64 beyond float32's range is inf
                cols[f"c{j}"] = np.array(values, dtype=np.float64 if kind == "f64" else np.float32)
        elif kind == "int":
            cols[f"c{j}"] = np.array(
                draw(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=n, max_size=n))
            )
        elif kind == "uint8":
            cols[f"c{j}"] = np.array(
                draw(st.lists(st.integers(0, 255), min_size=n, max_size=n)), dtype=np.uint8
            )
        elif kind == "bool":
            cols[f"c{j}"] = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
        elif kind == "str":
            cols[f"c{j}"] = pd.array(
                draw(st.lists(st.one_of(TEXT, st.none()), min_size=n, max_size=n)), dtype="str"
            )
        elif kind == "cat":  # strings (quoted or not) and missing values as a categorical
            values = draw(st.lists(st.one_of(TEXT, st.none()), min_size=n, max_size=n))
            cols[f"c{j}"] = pd.Categorical(values)
        else:  # object: strings with missing values, sometimes a number among them
            items = st.one_of(TEXT, st.none(), st.just(math.nan), st.just(3))
            cols[f"c{j}"] = pd.Series(draw(st.lists(items, min_size=n, max_size=n)), dtype=object)
    return pd.DataFrame(cols)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(table=tables())
def test_fast_writer_gives_the_bytes_of_to_csv(table, always_fast, tmp_path_factory):
    folder = tmp_path_factory.mktemp("csv")
    written = analysis.save_table(table, "t", out=folder)
    assert written.read_bytes() == _pandas_bytes(table, folder / "reference.csv")


def test_fast_writer_takes_a_keyness_like_table_and_keeps_negative_zero(always_fast, tmp_path):
    table = pd.DataFrame(
        {
            "term": pd.array(["mr president", "ladies", "b", None, "x"], dtype="str"),
            "z": [79.4964, -0.0, 0.0, math.nan, math.inf],
            "count": np.array([970, 310, 0, 1, 2]),
            "supported": [True, False, True, False, False],
        }
    )
    assert output._write_csv_fast(table, tmp_path / "fast.csv")  # the fast path itself
    assert (tmp_path / "fast.csv").read_bytes() == _pandas_bytes(table, tmp_path / "ref.csv")
    assert "\n,nan," not in (tmp_path / "fast.csv").read_text()
    assert b"ladies,-0,310,False" in (tmp_path / "fast.csv").read_bytes()


@pytest.mark.parametrize(
    "column",
    [
        pd.array(["carriage\rreturn", "c"], dtype="str"),  # csv's quoting of \r has varied
        pd.Series(["a", 3], dtype=object),  # not all strings
        pd.to_datetime(["2020-01-01", "2021-01-01"]),  # another kind
        pd.array([1, None], dtype="Int64"),
        pd.Series([2**64, 2**65], dtype=object),  # Python ints beyond int64
        pd.Series([["a"], ["b"]], dtype=object),  # lists
    ],
)
def test_columns_the_fast_writer_leaves_to_pandas(column, always_fast, tmp_path):
    table = pd.DataFrame({"x": column, "y": [1.5, 2.0]})
    assert not output._write_csv_fast(table, tmp_path / "fast.csv")
    assert not (tmp_path / "fast.csv").exists()
    written = analysis.save_table(table, "t", out=tmp_path)
    assert written.read_bytes() == _pandas_bytes(table, tmp_path / "ref.csv")


def test_a_carriage_return_in_a_later_block_leaves_the_table_to_pandas(always_fast, tmp_path):
    words = [f"w{i}" for i in range(20)]
    words[16] = "carriage\rreturn"  # the third block of 7 rows
    table = pd.DataFrame({"x": pd.array(words, dtype="str"), "y": np.arange(20) / 3})
    assert not output._write_csv_fast(table, tmp_path / "fast.csv")
    assert not (tmp_path / "fast.csv").exists()  # the first blocks' rows are not left behind
    written = analysis.save_table(table, "t", out=tmp_path)
    assert written.read_bytes() == _pandas_bytes(table, tmp_path / "ref.csv")


def test_a_constant_categorical_column_takes_the_fast_path(always_fast, tmp_path):
    """keyness' label columns (measure, target, reference) are categoricals of one string."""
    table = pd.DataFrame(
        {
            "z": [1.0, -2.5, 0.0],
            "target": pd.Categorical.from_codes([0, 0, 0], categories=["2024"]),
            "reference": pd.Categorical.from_codes([0, 0, 0], categories=["1946, 1947"]),
            "gap": pd.Categorical(["a", None, "a"]),
        }
    )
    assert output._write_csv_fast(table, tmp_path / "fast.csv")
    assert (tmp_path / "fast.csv").read_bytes() == _pandas_bytes(table, tmp_path / "ref.csv")
    assert b'"1946, 1947"' in (tmp_path / "fast.csv").read_bytes()


@pytest.mark.parametrize(
    "column",
    [pd.Categorical([1.5, 2.0]), pd.Categorical(pd.to_datetime(["2020-01-01", "2021-01-01"]))],
)
def test_categoricals_of_numbers_or_dates_are_left_to_pandas(column, always_fast, tmp_path):
    table = pd.DataFrame({"x": column, "y": [1.5, 2.0]})
    assert not output._write_csv_fast(table, tmp_path / "fast.csv")
    written = analysis.save_table(table, "t", out=tmp_path)
    assert written.read_bytes() == _pandas_bytes(table, tmp_path / "ref.csv")


def test_a_string_column_of_several_arrow_chunks(always_fast, tmp_path):
    """pd.concat leaves a str column in several Arrow chunks (as in 05-compare's tables)."""
    parts = [
        pd.DataFrame({"term": pd.array(list(w), dtype="str"), "z": [1.0] * len(w)})
        for w in ("ab", "cde")
    ]
    table = pd.concat(parts, ignore_index=True)
    assert output._write_csv_fast(table, tmp_path / "fast.csv")
    assert (tmp_path / "fast.csv").read_bytes() == _pandas_bytes(table, tmp_path / "ref.csv")


@pytest.mark.parametrize(
    "column",
    [
        pd.array(["a,b", "c"], dtype="str"),  # a comma
        pd.array(['say "x"', '"'], dtype="str"),  # quotes, doubled
        pd.array(["two\nlines", None], dtype="str"),  # a line feed; a missing value
        pd.Series(['left, "match", right', "plain"], dtype=object),
    ],
)
def test_fields_csv_quotes_are_quoted_the_same_way(column, always_fast, tmp_path):
    table = pd.DataFrame({"x": column, "y": [1.5, 2.0]})
    assert output._write_csv_fast(table, tmp_path / "fast.csv")
    assert (tmp_path / "fast.csv").read_bytes() == _pandas_bytes(table, tmp_path / "ref.csv")
    assert b'"' in (tmp_path / "fast.csv").read_bytes()
