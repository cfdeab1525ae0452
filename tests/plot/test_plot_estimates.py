"""An estimate per group with its interval (issue 12): small groups shown as their
documents, never joined by a line; sizes bounded from 3 to 100 groups; legends outside;
readable labels; wrapped facet titles; caps with notes; one style."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from analysis import AnalysisError, corpus_summary, theme_hits, theme_rates
from analysis.plot import (
    plot_faceted_bars,
    plot_keywords,
    plot_lengths,
    plot_select_k,
    plot_term_rates,
    plot_theme_dispersion,
    plot_theme_heatmap,
    plot_theme_trend,
    plot_top_terms,
    plot_topic_prevalence,
    set_theme,
)
from analysis.plot._base import STYLE, group_estimates


def _table(years, *, small=(), levels=("a", "b"), n_docs=8, seed=0):
    """Estimates per (year, level); years in ``small`` have 2 documents and no interval.
    Returns (table, per-document table)."""
    rng = np.random.default_rng(seed)
    rows, docs = [], []
    for year in years:
        n = 2 if year in small else n_docs
        for level in levels:
            values = rng.uniform(1, 9, n)
            mean = float(values.mean())
            lo, hi = (np.nan, np.nan) if n < 5 else (mean - 1, mean + 1)
            rows.append(
                {"group": year, "theme": level, "rate_per_1k": mean, "ci_low": lo,
                 "ci_high": hi, "n_docs": n}
            )  # fmt: skip
            docs += [{"group": year, "theme": level, "rate_per_1k": v} for v in values]
    table = pd.DataFrame(rows)
    table.attrs["level"] = 0.95
    return table, pd.DataFrame(docs)


def _joined(ax):
    """The x data of every drawn line (linestyle '-'), i.e. what a line connects."""
    return [np.asarray(line.get_xdata(), float) for line in ax.get_lines() if line.get_linestyle() == "-"]  # fmt: skip


def _near(xs, target, tol=0.45):
    return np.any(np.abs(np.asarray(xs) - target) < tol)


def _outside(ax, legend):
    fig = ax.figure
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    return not legend.get_window_extent(r).overlaps(ax.get_window_extent(r))


def test_groups_without_an_interval_are_never_joined_and_are_drawn_as_documents():
    years = [2000, 2001, 2002, 2003, 2004, 2005]
    table, docs = _table(years, small={2002, 2005})
    ax = plot_theme_trend(table, docs=docs)
    lines = _joined(ax)
    assert lines, "the groups with intervals are joined"
    for xs in lines:
        assert not _near(xs, 2002) and not _near(xs, 2005)
    # the runs 2000-2001 and 2003-2004 are lines, one per theme and run
    assert len(lines) == 4 and all(len(xs) == 2 for xs in lines)
    # one strip point per document of the small groups, at their year
    strips = [c for c in ax.collections if type(c).__name__ == "PathCollection"]
    points = np.vstack([c.get_offsets() for c in strips])
    small_docs = docs[docs["group"].isin([2002, 2005])]
    assert len(points) == len(small_docs)
    assert sorted(np.round(points[:, 1], 9)) == sorted(np.round(small_docs["rate_per_1k"], 9))
    assert all(_near([x], 2002) or _near([x], 2005) for x in points[:, 0])
    # the bands cover the groups with an interval only
    bands = [c for c in ax.collections if type(c).__name__ != "PathCollection"]
    assert len(bands) == 4
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "dots: one per document (fewer than 5 documents, no interval)" in texts
    assert "band: interval" in texts
    plt.close("all")


def test_without_docs_small_groups_are_hollow_markers_with_a_note():
    table, _ = _table([2000, 2001, 2002], small={2001})
    ax = plot_theme_trend(table, min_docs=5)
    hollow = [ln for ln in ax.get_lines() if ln.get_markerfacecolor() == "white"]
    assert len(hollow) == 2  # one per theme
    assert all(_near(ln.get_xdata(), 2001) for ln in hollow)
    for xs in _joined(ax):
        assert not _near(xs, 2001)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[-1] == "hollow: fewer than 5 documents, no interval"
    plt.close("all")


def test_term_rates_without_intervals_use_n_docs_from_docs():
    table, docs = _table([2000, 2001, 2002], small={2000})
    table = table.drop(columns=["ci_low", "ci_high", "n_docs"]).rename(columns={"theme": "term"})
    docs = docs.rename(columns={"theme": "term"})
    ax = plot_term_rates(table, docs=docs)
    lines = _joined(ax)
    assert len(lines) == 2 and all(not _near(xs, 2000) for xs in lines)
    with pytest.raises(AnalysisError, match=r"plot_term_rates \(docs=\): the table has no column"):
        plot_term_rates(table, docs=docs.drop(columns="term"))
    plt.close("all")


def _svg(table, docs):
    ax = plot_theme_trend(table, docs=docs)
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "test"}):
        ax.figure.savefig(buf, format="svg", metadata={"Date": None})
    plt.close(ax.figure)
    return buf.getvalue()


def test_same_table_same_svg_bytes():
    table, docs = _table(range(2000, 2010), small={2003, 2004})
    assert _svg(table, docs) == _svg(table, docs)


@pytest.mark.parametrize("n_groups", [3, 12, 79, 100])
def test_numeric_groups_fit_a_bounded_width(n_groups):
    table, docs = _table(range(1946, 1946 + n_groups), small={1950}, levels=[1, 2, 3, 4, 5])
    prev = table.rename(columns={"theme": "topic", "rate_per_1k": "prevalence", "group": "year"})
    ax = plot_topic_prevalence(prev, x="year")
    width, height = ax.figure.get_size_inches()
    assert 6 <= width <= 12 and height <= 6
    fig = ax.figure
    fig.canvas.draw()
    tight = fig.get_tightbbox(fig.canvas.get_renderer())
    assert tight.width <= 16  # inches, legend included: 2,400 px at 150 dpi at most
    assert len(ax.get_xticklabels()) <= 13  # ticks thinned, never one per year
    assert _outside(ax, ax.get_legend())
    plt.close("all")


def test_many_categorical_groups_are_capped_horizontal_and_noted():
    table, docs = _table(range(79), levels=[1, 2, 3, 4, 5])
    table["group"] = "Country number " + table["group"].astype(str) + " of the assembly"
    prev = table.rename(columns={"theme": "topic", "rate_per_1k": "prevalence"})
    ax = plot_topic_prevalence(prev)
    names = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    first = prev[prev["topic"] == 1].sort_values(["prevalence", "group"], ascending=[False, True])
    assert names == first["group"].head(25).tolist()  # sorted, capped at 25
    assert ax.get_xlabel() == "mean topic share" and ax.get_ylabel() == "group"
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "showing 25 of 79 groups (ordered by mean topic share); all in the table" in texts
    width, height = ax.figure.get_size_inches()
    assert width <= 12 and height <= 12
    plt.close("all")


def test_few_categorical_groups_are_sorted_points_with_interval_bars():
    table, _ = _table(["x", "y", "z"], levels=["a"])
    drawn = group_estimates(None, table, x="group", y="rate_per_1k", hue="theme")
    expected = table.sort_values("rate_per_1k", ascending=False)["group"].tolist()
    assert drawn.layout == "points" and drawn.groups == expected
    assert [t.get_text() for t in drawn.ax.get_xticklabels()] == expected
    assert not _joined(drawn.ax)  # categories are never joined
    assert 6 <= drawn.ax.figure.get_size_inches()[0] <= 12
    with pytest.raises(AnalysisError, match="no theme 'q' in the table"):
        group_estimates(None, table, x="group", y="rate_per_1k", hue="theme", hue_order=["q"])
    plt.close("all")


def test_every_axes_legend_is_outside_the_data(seed_corpus, seed_codebook):
    rates = theme_rates(seed_corpus, seed_codebook, by="year", n_boot=20)
    table, _ = _table([1, 2, 3])
    axes = [
        plot_theme_trend(rates),
        plot_theme_dispersion(theme_hits(seed_corpus, seed_codebook)),
        plot_lengths(corpus_summary(seed_corpus)),
        plot_term_rates(table.rename(columns={"theme": "term"})),
        plot_topic_prevalence(
            table.rename(columns={"theme": "topic", "rate_per_1k": "prevalence"})
        ),  # fmt: skip
    ]
    for ax in axes:
        assert ax.get_legend() is not None and _outside(ax, ax.get_legend()), ax.get_title()
    plt.close("all")


def test_no_raw_column_name_on_an_axis(seed_corpus, seed_codebook):
    rates = theme_rates(seed_corpus, seed_codebook, by="year", n_boot=20)
    table, _ = _table([1, 2, 3])
    axes = [
        plot_theme_trend(rates),
        plot_theme_heatmap(rates),
        plot_topic_prevalence(
            table.rename(columns={"theme": "topic", "rate_per_1k": "prevalence"})
        ),  # fmt: skip
        plot_term_rates(table.rename(columns={"theme": "term"})),
        plot_lengths(corpus_summary(seed_corpus)),
    ]
    for ax in axes:
        for label in (ax.get_xlabel(), ax.get_ylabel()):
            assert "_" not in label and "per_1k" not in label, label
    assert axes[0].get_ylabel() == "rate per 1,000 words"
    assert axes[2].get_ylabel() == "mean topic share"
    plt.close("all")


def test_group_axis_reads_as_the_recorded_grouping_column():
    table, _ = _table([2000, 2001])
    table.attrs["by"] = "source_type"
    ax = plot_theme_trend(table)
    assert ax.get_xlabel() == "source type"
    plt.close("all")


def test_long_facet_titles_are_wrapped_and_never_overlap():
    names = ["Chinese Mission to the European Union in Brussels", "People's Daily Online"] * 2
    names = [f"{n} {i}" for i, n in enumerate(names)]
    table = pd.DataFrame(
        {"group": np.repeat(names, 3), "term": list("abc") * 4, "count": [3, 2, 1] * 4}
    )
    grid = plot_faceted_bars(table, x="count", y="term", col="group")
    titles = [ax.get_title() for ax in grid.axes.flat]
    assert titles[0].replace("\n", " ") == names[0] and "\n" in titles[0]
    assert all("=" not in t for t in titles)
    fig = grid.figure
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    boxes = [ax.title.get_window_extent(r) for ax in grid.axes.flat]
    for ax, box in zip(grid.axes.flat, boxes, strict=True):
        assert box.width <= ax.get_window_extent(r).width * 1.1  # fits its panel
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)
    plt.close("all")


def test_panels_are_capped_with_a_note():
    table = pd.DataFrame(
        {"group": np.repeat([f"d{i:02d}" for i in range(15)], 2), "term": ["a", "b"] * 15,
         "count": [2, 1] * 15}
    )  # fmt: skip
    grid = plot_faceted_bars(table, x="count", y="term", col="group", title="Top terms")
    assert len(grid.axes.flat) == 12
    assert grid.figure._suptitle.get_text() == (
        "Top terms\n(showing 12 of 15 panels; all in the table)"
    )
    table = table.rename(columns={"count": "score"})
    grid = plot_keywords(table, top_n=2, max_panels=None)
    assert len(grid.axes.flat) == 15
    plt.close("all")


def test_heatmap_with_many_groups_is_capped_and_noted():
    table, _ = _table(range(79))
    table.loc[table["group"] < 10, "n_docs"] = 1  # the smallest groups are left out
    ax = plot_theme_heatmap(table, max_groups=40)
    shown = [int(t.get_text()) for t in ax.get_xticklabels()]
    assert len(shown) == 40 and min(shown) >= 10 and shown == sorted(shown)
    assert "showing 40 of 79 groups (those with the most documents); all in the table" in (
        ax.get_xlabel()
    )
    assert ax.figure.get_size_inches()[0] <= 13
    assert not ax.texts  # no values printed in narrow cells
    small = plot_theme_heatmap(_table([1, 2, 3])[0])
    assert small.texts and "showing" not in small.get_xlabel()
    plt.close("all")


def test_select_k_marks_the_chosen_k_and_the_threshold():
    sel = pd.DataFrame(
        {"k": [2, 2, 3, 3, 4, 4], "seed": [0, 1] * 3, "npmi": np.linspace(0.1, 0.3, 6),
         "umass": -np.linspace(1, 2, 6), "diversity": np.linspace(0.9, 0.7, 6),
         "stability": [0.9, 0.8, 0.75, 0.7, 0.5, 0.6]}
    )  # fmt: skip
    grid = plot_select_k(sel, chosen=3, min_stability=0.7)
    for ax in grid.axes.flat:
        vertical = [ln for ln in ax.get_lines() if list(ln.get_xdata()) == [3, 3]]
        assert len(vertical) == 1
    stab = grid.axes.flat[3]
    assert any(list(ln.get_ydata()) == [0.7, 0.7] for ln in stab.get_lines())
    legend = grid.figure.legends[0]
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts == ["mean over seeds", "one seed", "chosen k = 3", "stability threshold 0.7"]
    for ax in grid.axes.flat:
        assert _outside(ax, legend)
    plain = plot_select_k(sel)
    assert [t.get_text() for t in plain.figure.legends[0].get_texts()] == [
        "mean over seeds",
        "one seed",
    ]
    plt.close("all")


def test_top_terms_titles_are_wrapped_topic_labels():
    terms = pd.DataFrame(
        {"topic": [1, 1, 2, 2], "rank": [1, 2] * 2, "term": list("abcd"),
         "weight": [0.4, 0.3, 0.5, 0.2],
         "label": ["international · maintain · meeting · community"] * 2 + ["x · y"] * 2}
    )  # fmt: skip
    grid = plot_top_terms(terms)
    assert (
        "\n" in grid.axes.flat[0].get_title() and grid.axes.flat[1].get_title() == "topic 2: x · y"
    )
    plt.close("all")


def test_set_theme_applies_one_style():
    set_theme()
    for key, value in STYLE.items():
        assert plt.rcParams[key] == value, key
    plt.rcdefaults()
