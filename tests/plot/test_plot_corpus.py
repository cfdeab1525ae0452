"""Corpus figures: document lengths and faceted bars."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
import seaborn as sns
from matplotlib.axes import Axes

from analysis import AnalysisError, corpus_summary, top_terms
from analysis.plot import plot_faceted_bars, plot_lengths


def test_plot_lengths_one_bar_per_document(seed_corpus):
    summary = corpus_summary(seed_corpus)
    ax = plot_lengths(summary)
    assert isinstance(ax, Axes)
    assert len([p for p in ax.patches if p.get_width() > 0]) == len(summary)
    assert ax.get_xlabel() == "word tokens" and ax.get_ylabel() == "document"
    assert ax.get_title() == "word tokens by document"
    assert ax.get_legend().get_title().get_text() == "source"
    plt.close("all")


def test_plot_lengths_without_hue_column():
    table = pd.DataFrame({"doc_id": ["a", "b"], "n_tokens": [3, 5]})
    ax = plot_lengths(table)
    assert ax.get_legend() is None
    with pytest.raises(AnalysisError, match="plot_lengths: the table has no column 'n_tokens'"):
        plot_lengths(table.drop(columns="n_tokens"))
    plt.close("all")


def test_plot_faceted_bars_panel_per_value_in_table_order(seeds_dtm):
    table = top_terms(seeds_dtm, by="doc_id")
    grid = plot_faceted_bars(table, x="count", y="term", col="group", title="Top terms")
    assert isinstance(grid, sns.FacetGrid)
    groups = list(dict.fromkeys(table["group"]))
    assert [ax.get_title() for ax in grid.axes.flat] == groups
    first = grid.axes.flat[0]
    # first row of the panel is on top
    labels = [t.get_text() for t in first.get_yticklabels()]
    assert labels[-1] == table[table["group"] == groups[0]]["term"].iloc[0]
    assert grid.axes.flat[-1].get_xlabel() == "count"  # bottom row, as FacetGrid does
    assert grid.figure._suptitle.get_text() == "Top terms"
    with pytest.raises(AnalysisError, match="no column 'term'"):
        plot_faceted_bars(table.drop(columns="term"), x="count", y="term", col="group")
    plt.close("all")
