"""analysis.validation: the shared parameter checks and the renamed-keyword decorator."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.errors import AnalysisError
from analysis.validation import (
    as_list,
    check_choice,
    check_int,
    check_level,
    check_top_n,
    renamed,
    require_columns,
)


@renamed(top="top_n", a="target")
def _pick(data: list, *, top_n: int = 2, target: str = "x") -> tuple:
    return tuple(data[:top_n]), target


class _Model:
    @renamed(n="top_n")
    def top_terms(self, top_n: int = 3) -> int:
        return top_n


def test_renamed_warns_and_gives_the_same_result_as_the_new_name():
    with pytest.warns(DeprecationWarning, match=r"_pick\(top=\.\.\.\) is deprecated; use top_n="):
        old = _pick([1, 2, 3], top=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new = _pick([1, 2, 3], top_n=1)
    assert old == new == ((1,), "x")
    with pytest.warns(DeprecationWarning, match="use target="):
        assert _pick([1], a="y") == ((1,), "y")
    with pytest.warns(DeprecationWarning, match=r"_Model\.top_terms\(n=\.\.\.\)"):
        assert _Model().top_terms(n=5) == _Model().top_terms(top_n=5) == 5


def test_renamed_refuses_both_names_and_unknown_targets_and_hides_old_names():
    with pytest.raises(AnalysisError, match=r"_pick: give top_n= only \(top= is its old name\)"):
        _pick([1], top=1, top_n=2)
    with pytest.raises(TypeError, match="has no parameter 'top_n'"):
        renamed(top="top_n")(lambda data, *, n=1: n)
    params = inspect.signature(_pick).parameters
    assert "top" not in params and "top_n" in params
    assert _pick.__renamed__ == {"top": "top_n", "a": "target"}
    assert _pick.__name__ == "_pick"


@pytest.mark.parametrize("value, minimum", [(0, 0), (5, 1), (np.int64(3), 3)])
def test_check_int_accepts_whole_numbers_at_least_minimum(value, minimum):
    out = check_int("n_boot", value, minimum)
    assert out == value and type(out) is int


@pytest.mark.parametrize("value", [-1, 1.5, "3", True, None, np.float64(2.0)])
def test_check_int_refuses_other_values_naming_the_parameter(value):
    with pytest.raises(AnalysisError, match=r"^n_boot=.* must be a whole number >= 0$"):
        check_int("n_boot", value, 0)


def test_check_top_n():
    assert check_top_n(None) is None
    assert check_top_n(3) == 3
    with pytest.raises(AnalysisError, match=r"top_n=0 must be a whole number >= 1"):
        check_top_n(0)
    with pytest.raises(AnalysisError, match=r"top_n=None must be"):
        check_top_n(None, allow_none=False)
    with pytest.raises(AnalysisError, match=r"^k=0 must"):
        check_top_n(0, name="k")


def test_check_level():
    assert check_level(0.9) == 0.9 and isinstance(check_level(np.float64(0.5)), float)
    for bad in (0, 1, 95, -0.1, 1.0):
        with pytest.raises(AnalysisError, match=r"level=.* must be between 0 and 1, e\.g\. 0\.95"):
            check_level(bad)
    for bad in ("0.95", None, True):
        with pytest.raises(AnalysisError, match=r"level=.* must be a number between 0 and 1"):
            check_level(bad)


def test_check_choice_suggests_the_nearest():
    assert check_choice("unit", "sentence", ["document", "paragraph", "sentence"]) == "sentence"
    with pytest.raises(AnalysisError, match=r"unit='sentense' is not one of .*'sentence'"):
        check_choice("unit", "sentense", ["document", "paragraph", "sentence"])
    with pytest.raises(AnalysisError, match=r"unit=3 is not one of"):
        check_choice("unit", 3, ["document"])


def test_require_columns():
    frame = pd.DataFrame({"term": ["a"], "score": [1.0]})
    require_columns(frame, ["term", "score"], "plot_keywords")
    require_columns(frame.iloc[:0], ["term"], "plot_keywords", empty_ok=True)
    with pytest.raises(
        AnalysisError, match=r"plot_keywords: the table has no column 'scor'.*'score'"
    ):
        require_columns(frame, ["scor"], "plot_keywords")
    with pytest.raises(AnalysisError, match=r"plot_keywords: the table is empty"):
        require_columns(frame.iloc[:0], ["term"], "plot_keywords")
    with pytest.raises(AnalysisError, match=r"plot_keywords needs a DataFrame, not list"):
        require_columns([1], ["term"], "plot_keywords")


def test_renamed_refuses_the_old_keyword_next_to_the_new_name_given_positionally():
    from analysis.validation import renamed

    @renamed(themes="codebook")
    def rates(data, codebook=None, *, by=None):
        return data, codebook

    with pytest.raises(
        AnalysisError, match=r"rates: give codebook= only \(themes= is its old name\)"
    ):
        rates("corpus", "book", themes="other")
    with pytest.warns(DeprecationWarning, match="use codebook="):
        assert rates("corpus", themes="book") == ("corpus", "book")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("year", ["year"]), (["a", "b"], ["a", "b"]), (("a",), ["a"]), (None, []),
     (np.array([1, 2]), [1, 2]), (pd.Index(["x"]), ["x"])],
)  # fmt: skip
def test_as_list_reads_one_string_as_one_item_never_its_characters(value, expected):
    assert as_list(value, "by") == expected


@pytest.mark.parametrize("value", [3, {"a": 1}, 2.5])
def test_as_list_refuses_other_values_naming_the_parameter(value):
    with pytest.raises(AnalysisError, match=r"^by=.* must be a list \(or one name as a string\)"):
        as_list(value, "by")
