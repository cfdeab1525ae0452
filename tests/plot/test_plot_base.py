"""Shared plot contract: readable labels, the interval title, signatures, the shims."""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
import seaborn as sns
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.axes import Axes

import analysis.plot
from analysis.plot._base import interval_title, readable, signed_extremes

FIGURE_LEVEL = {"plot_faceted_bars", "plot_keywords", "plot_top_terms", "plot_select_k"}
FIGURE_LEVEL.add("plot_context_neighbors")
FIGURE_LEVEL.add("plot_specification_curve")
INTERVAL_FIGURES = {"plot_theme_trend", "plot_topic_prevalence", "plot_term_rates"}


@pytest.mark.parametrize(
    ("column", "label"),
    [
        ("rate_per_1k", "rate per 1,000 words"),
        ("rate_target_per_1k", "rate target per 1,000 words"),
        ("prevalence", "mean topic share"),
        ("npmi", "NPMI coherence"),
        ("doc_id", "document"),
        ("n_tokens", "word tokens"),
        ("source_type", "source type"),
        ("z", "z"),
        (2010, "2010"),
    ],
)
def test_readable_labels(column, label):
    assert readable(column) == label


def test_interval_title_follows_the_argument_then_attrs():
    table = pd.DataFrame({"x": [1]})
    assert interval_title(table) == "bootstrap intervals"
    table.attrs["level"] = 0.9
    assert interval_title(table) == "90% bootstrap intervals"
    assert interval_title(table, 0.975) == "97.5% bootstrap intervals"


@pytest.mark.parametrize("name", analysis.plot.__all__[1:])
def test_every_figure_follows_the_seaborn_signature(name):
    fn = getattr(analysis.plot, name)
    params = inspect.signature(fn).parameters
    first = next(iter(params.values()))
    assert first.name == "data" and first.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert all(
        p.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD for p in list(params.values())[1:]
    )
    assert "x" in params
    assert any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    forbidden = {"top", "n", "value", "hits", "themes", "topics", "xlabel"}
    assert not forbidden & set(params), name
    # docs= is the per-document table of the interval figures; elsewhere a deprecated name
    assert ("docs" in params) == (name in INTERVAL_FIGURES), name
    ret = inspect.signature(fn).return_annotation
    if name in FIGURE_LEVEL:
        assert ret in (sns.FacetGrid, "sns.FacetGrid"), name
    else:
        assert ret in (Axes, "Axes"), name
        assert "ax" in params and "y" in params


@pytest.mark.parametrize("module", ["plot_terms", "plot_themes", "plot_topics"])
def test_old_modules_still_import_with_a_warning(module):
    sys.modules.pop(f"analysis.{module}", None)
    with pytest.warns(DeprecationWarning, match="import the figures from analysis.plot"):
        mod = importlib.import_module(f"analysis.{module}")
    for name in mod.__all__:
        assert getattr(mod, name) is getattr(analysis.plot, name)


def test_interval_title_promises_no_interval_when_none_is_drawn():
    table = pd.DataFrame({"ci_low": [float("nan")] * 2, "ci_high": [float("nan")] * 2})
    table.attrs["level"] = 0.95
    assert interval_title(table) == "per-document values, no intervals"
    table.loc[0, "ci_low"] = 0.1
    assert interval_title(table) == "95% bootstrap intervals"


def _extremes_by_full_sort(data: pd.DataFrame, x: str, y: str, top_n: int) -> pd.DataFrame:
    srt = data.sort_values([x, y], ascending=[False, True])
    return pd.concat([srt[srt[x] > 0].head(top_n), srt[srt[x] < 0].tail(top_n)])


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.sampled_from([-2.0, -1.0, 0.0, 1.0, 2.0]), st.floats(-5, 5), st.just(np.nan)),
        max_size=40,
    ),
    words=st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=40, max_size=40),
    top_n=st.integers(1, 12),
)
def test_signed_extremes_equals_the_full_sort(values, words, top_n):
    # ties on x (few distinct values), repeated terms (ties on x and y), NaN and zeros
    data = pd.DataFrame({"term": words[: len(values)], "z": pd.Series(values, dtype=float)})
    data.index = data.index * 3 + 7  # labels that are not positions
    got = signed_extremes(data, x="z", y="term", top_n=top_n)
    pd.testing.assert_frame_equal(got, _extremes_by_full_sort(data, "z", "term", top_n))


def test_signed_extremes_on_integer_scores():
    data = pd.DataFrame({"term": list("edcba"), "score": [3, -1, 3, -1, 2]})
    got = signed_extremes(data, x="score", y="term", top_n=1)
    # the tie at 3 goes to "c" (before "e"), the tie at -1 to "d" (the tail of b, d)
    assert got["term"].tolist() == ["c", "d"]
    pd.testing.assert_frame_equal(got, _extremes_by_full_sort(data, "score", "term", 1))


@pytest.mark.parametrize("top_n", [0, 1, 2, 10])
def test_signed_extremes_on_an_object_column_and_any_top_n(top_n):
    # numbers held as Python objects (nlargest refuses them) are sorted whole, as before
    data = pd.DataFrame(
        {"term": list("abcdef"), "z": pd.Series([3, -1, 2.5, -4, 0, 3], dtype=object)}
    )
    got = signed_extremes(data, x="z", y="term", top_n=top_n)
    pd.testing.assert_frame_equal(got, _extremes_by_full_sort(data, "z", "term", top_n))


def test_set_theme_sets_text_in_matplotlibs_own_dejavu_sans(tmp_path, monkeypatch):
    # a same-named copy listed first (as a system DejaVu Sans can be) must not win
    import shutil

    import matplotlib
    from matplotlib import font_manager

    own = Path(matplotlib.get_data_path()).resolve() / "fonts" / "ttf" / "DejaVuSans.ttf"
    copy = tmp_path / "DejaVuSans.ttf"
    shutil.copy(own, copy)
    manager = font_manager.fontManager
    monkeypatch.setattr(manager, "ttflist", list(manager.ttflist))  # restored afterwards
    manager.addfont(str(copy))
    manager.ttflist.insert(0, manager.ttflist.pop())
    type(manager)._findfont_cached.cache_clear()
    assert Path(font_manager.findfont("DejaVu Sans")) == copy  # the copy wins without the fix
    analysis.plot.set_theme()
    assert Path(font_manager.findfont("DejaVu Sans")).resolve() == own
    type(manager)._findfont_cached.cache_clear()
