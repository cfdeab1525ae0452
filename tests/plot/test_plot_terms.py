"""Term figures: keywords (figure-level), keyness, term rates."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
import seaborn as sns
from matplotlib.axes import Axes

from analysis import AnalysisError, keyness, term_frequencies, tfidf_keywords
from analysis.plot import plot_keyness, plot_keywords, plot_term_rates


def _bars(ax):
    return [(round(p.get_width(), 12), round(p.get_y(), 6)) for p in ax.patches]


def test_plot_keywords_one_panel_per_group(seeds_dtm):
    table = tfidf_keywords(seeds_dtm, by="year")
    grid = plot_keywords(table, top_n=4)
    assert isinstance(grid, sns.FacetGrid)
    panels = list(grid.axes.flat)
    assert len(panels) == 3
    assert all(len(ax.patches) == 4 for ax in panels)
    assert grid.figure._suptitle is not None and grid.figure._suptitle.get_text()
    assert panels[0].get_xlabel() == "score"
    assert panels[0].get_title() == "2010"  # the value, no "group = " template
    # bars are ranked: the rank-1 term is on top
    top1 = table[(table["group"] == 2010) & (table["rank"] == 1)]["term"].iloc[0]
    assert panels[0].get_yticklabels()[-1].get_text() == top1
    with pytest.raises(AnalysisError, match="term"):
        plot_keywords(table.drop(columns="term"))
    plt.close("all")


def test_plot_keywords_old_top_keyword_warns_and_draws_the_same(seeds_dtm):
    table = tfidf_keywords(seeds_dtm, by="year")
    new = plot_keywords(table, top_n=3)
    with pytest.warns(DeprecationWarning, match="top_n"):
        old = plot_keywords(table, top=3)
    for a, b in zip(new.axes.flat, old.axes.flat, strict=True):
        assert _bars(a) == _bars(b)
    plt.close("all")


def _keyness_bars(ax):
    """The bars of a keyness figure (not the noise band)."""
    return [p for p in ax.patches if p.get_gid() != "noise-band" and p.get_height() > 0]


def test_plot_keyness_diverging_bars(seeds_dtm):
    table = keyness(seeds_dtm, by="year", target=2025)
    ax = plot_keyness(table, top_n=6)
    assert isinstance(ax, Axes)
    widths = [p.get_width() for p in _keyness_bars(ax) if p.get_width() != 0]
    assert sum(w > 0 for w in widths) == 6 and sum(w < 0 for w in widths) == 6
    assert "2025" in ax.get_title() and ax.get_xlabel() == "z"
    with pytest.warns(DeprecationWarning, match="top_n"):
        old = plot_keyness(table, top=6)
    assert _bars(old) == _bars(ax)
    with pytest.raises(AnalysisError, match="plot_keyness: the table has no column 'z'"):
        plot_keyness(table.drop(columns="z"))
    plt.close("all")


def test_plot_term_rates_one_line_per_term(seeds_dtm):
    table = term_frequencies(seeds_dtm, by="year", terms=["war", "xi"])
    # the seed years hold 1, 1 and 3 documents: no line joins them
    ax = plot_term_rates(table)
    assert not [line for line in ax.get_lines() if line.get_linestyle() == "-"]
    # a table without intervals or n_docs: one line per term through every group
    ax = plot_term_rates(table.drop(columns="n_docs"))
    assert isinstance(ax, Axes)
    joined = [line for line in ax.get_lines() if line.get_linestyle() == "-"]
    assert len(joined) == 2 and all(len(line.get_xdata()) == 3 for line in joined)
    assert ax.get_ylabel() == "rate per 1,000 words" and ax.get_title()
    assert ax.get_title() == "Rate per 1,000 words by group"
    with pytest.raises(AnalysisError, match="no column 'term'"):
        plot_term_rates(table.drop(columns="term"))
    plt.close("all")


def test_plot_keyness_legend_never_covers_the_bars(seeds_dtm):
    """The legend sits outside the axes (issue 12: it hid the bottom bar before)."""
    table = keyness(seeds_dtm, by="source", target="CGTN")
    ax = plot_keyness(table, top_n=10)
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legends = fig.legends or [ax.get_legend()]
    assert legends and legends[0] is not None
    box = legends[0].get_window_extent(renderer)
    axes_box = ax.get_window_extent(renderer)
    assert not box.overlaps(axes_box)
    plt.close(fig)
    fig2, axes = plt.subplots(1, 2)  # on a caller's axes: the legend goes to its right
    ax2 = plot_keyness(table, top_n=10, ax=axes[0])
    fig2.canvas.draw()
    assert (
        not ax2.get_legend()
        .get_window_extent(fig2.canvas.get_renderer())
        .overlaps(ax2.get_window_extent(fig2.canvas.get_renderer()))
    )
    plt.close(fig2)


def test_plot_keyness_marks_the_noise_band_and_greys_the_bars_inside(seeds_dtm):
    from matplotlib.colors import to_rgba

    from analysis.compare import critical_z

    table = keyness(seeds_dtm, by="source", target="unknown wire")
    ax = plot_keyness(table, top_n=10)
    (band,) = [p for p in ax.patches if p.get_gid() == "noise-band"]
    x0, x1 = band.get_x(), band.get_x() + band.get_width()
    assert (x0, x1) == (pytest.approx(-1.959964, abs=1e-6), pytest.approx(1.959964, abs=1e-6))
    labels = [t.get_text() for t in ax.figure.legends[0].get_texts()]
    assert "|z| < 1.96: not distinguishable from noise (bars greyed)" in labels
    # 1 and 4 documents: the sides are described, not compared
    assert labels[:2] == ["distinctive of unknown wire", "distinctive of the other 4 sources"]
    big = plot_keyness(table, top_n=10, min_docs=1)
    assert [t.get_text() for t in big.figure.legends[0].get_texts()][:2] == [
        "more in unknown wire",
        "more in the other 4 sources",
    ]
    bars = _keyness_bars(ax)
    grey = [to_rgba(p.get_facecolor()) == to_rgba("0.62") for p in bars]
    inside = [abs(p.get_width()) < critical_z() for p in bars]
    assert grey == inside and any(grey) and not all(grey)
    # grey follows the table's supported column, bar by bar
    shown = table.sort_values("z", ascending=False)
    shown = pd.concat([shown[shown["z"] > 0].head(10), shown[shown["z"] < 0].tail(10)])
    by_width = {
        round(p.get_width(), 9): to_rgba(p.get_facecolor()) == to_rgba("0.62") for p in bars
    }
    assert all(
        by_width[round(z, 9)] == (not s)
        for z, s in zip(shown["z"], shown["supported"], strict=True)
    )
    # a readable title: the measure's name and both sides, no "..." and no raw measure id
    title = ax.get_title()
    assert title.replace("\n", " ") == (
        "Keyness (log-odds with informative Dirichlet prior): unknown wire vs the other 4 sources"
    )
    assert all(len(line) <= 44 for line in title.splitlines())
    plt.close("all")


def test_plot_keyness_level_moves_the_band_and_long_names_wrap(seeds_dtm):
    table = keyness(seeds_dtm, by="source", target="CGTN", level=0.99)
    table.loc[table.index[0], "term"] = "a very long phrase that goes on and on for a while"
    ax = plot_keyness(table, top_n=5)
    (band,) = [p for p in ax.patches if p.get_gid() == "noise-band"]
    assert band.get_width() == pytest.approx(2 * 2.5758293, abs=1e-6)
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert "a very long phrase that goes\non and on for a while" in ticks
    assert all(len(line) <= 28 for t in ticks for line in t.splitlines())
    plt.close("all")
    assert any(_is_grey(p) for p in _keyness_bars(ax))
    plt.close("all")
    wider = plot_keyness(table, top_n=5, level=0.5)  # overrides the table's level
    (band,) = [p for p in wider.patches if p.get_gid() == "noise-band"]
    assert band.get_width() == pytest.approx(2 * 0.6744898, abs=1e-6)
    assert not any(_is_grey(p) for p in _keyness_bars(wider))
    on_score = plot_keyness(table, x="score", top_n=5)  # no fixed threshold on this scale
    assert not [p for p in on_score.patches if p.get_gid() == "noise-band"]
    assert any(_is_grey(p) for p in _keyness_bars(on_score))
    plt.close("all")


def _is_grey(patch) -> bool:
    from matplotlib.colors import to_rgba

    return to_rgba(patch.get_facecolor()) == to_rgba("0.62")
