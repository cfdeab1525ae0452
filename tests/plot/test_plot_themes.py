"""Theme figures: heatmap, trend, contributions, dispersion."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.axes import Axes

from analysis import AnalysisError, theme_contributions, theme_hits, theme_rates
from analysis.plot import (
    plot_theme_contributions,
    plot_theme_dispersion,
    plot_theme_heatmap,
    plot_theme_trend,
)

SEED_CODEBOOK = (
    Path(__file__).resolve().parents[2] / "seeds" / "themes.yml"
)  # the package ships none


@pytest.fixture(scope="module")
def rates(seed_corpus, seed_codebook):
    # min_docs=2: the 3-document year gets an interval, so titles name the level
    return theme_rates(seed_corpus, seed_codebook, by="year", n_boot=50, min_docs=2)


@pytest.fixture(scope="module")
def hits(seed_corpus, seed_codebook):
    return theme_hits(seed_corpus, seed_codebook)


def _bars(ax):
    return [(round(p.get_width(), 12), round(p.get_y(), 6)) for p in ax.patches]


def test_plots_return_titled_axes(seed_corpus, rates, hits):
    axes = [
        plot_theme_heatmap(rates),
        plot_theme_trend(rates, hue_order=["multilateralism", "friendship"]),
        plot_theme_contributions(theme_contributions(seed_corpus, SEED_CODEBOOK, by="year")),
        plot_theme_contributions(
            theme_contributions(seed_corpus, SEED_CODEBOOK, by="year", target=2025, reference=2010),
            theme="multilateralism",
        ),
        plot_theme_dispersion(hits),
    ]
    for ax in axes:
        assert isinstance(ax, Axes)
        assert ax.get_title()
    # the heatmap has one cell per theme and group
    assert len(axes[0].get_yticklabels()) == rates["theme"].nunique()
    assert len(axes[0].get_xticklabels()) == rates["group"].nunique()
    # the dispersion plot has one row per document and one point per hit
    assert len(axes[4].get_yticklabels()) == len(seed_corpus)
    assert sum(len(c.get_offsets()) for c in axes[4].collections) == len(hits)
    plt.close("all")


def test_labels_are_readable(seed_corpus, rates, hits):
    heat = plot_theme_heatmap(rates)
    assert heat.get_title() == "Theme rate per 1,000 words by year"  # attrs["by"]
    assert heat.collections[0].colorbar.ax.get_ylabel() == "rate per 1,000 words"
    assert heat.get_yticklabels()[0].get_text() == rates["label"].iloc[0]
    trend = plot_theme_trend(rates)
    assert trend.get_ylabel() == "rate per 1,000 words" and trend.get_xlabel() == "year"
    legend = [t.get_text() for t in trend.get_legend().get_texts()]
    labels = list(dict.fromkeys(rates["label"]))
    assert [t.replace("\n", " ") for t in legend[: len(labels)]] == labels
    # then the note on groups without an interval (seed years have fewer than 5 documents)
    assert legend[len(labels) :] == ["hollow: fewer than 5 documents, no interval"]
    diff = theme_contributions(seed_corpus, SEED_CODEBOOK, by="year", target=2025, reference=2010)
    assert plot_theme_contributions(diff).get_xlabel() == (
        "rate difference per 1,000 words (target - reference)"
    )
    disp = plot_theme_dispersion(hits)
    assert disp.get_xlabel().startswith("position in document") and disp.get_ylabel() == "document"
    plt.close("all")


def test_trend_title_level_follows_attrs_and_argument(rates):
    table = rates.copy()
    table.attrs.pop("level", None)
    assert "bootstrap intervals" in plot_theme_trend(table).get_title()
    assert "%" not in plot_theme_trend(table).get_title()
    table.attrs["level"] = 0.9
    assert "90% bootstrap intervals" in plot_theme_trend(table).get_title()
    assert "80% bootstrap intervals" in plot_theme_trend(table, level=0.8).get_title()
    plt.close("all")


def test_old_keywords_warn_and_draw_the_same(seed_corpus, rates, hits):
    with pytest.warns(DeprecationWarning, match="hue="):
        old = plot_theme_heatmap(rates, value="hits")
    new = plot_theme_heatmap(rates, hue="hits")
    assert [t.get_text() for t in old.texts] == [t.get_text() for t in new.texts]
    assert old.get_title() == new.get_title() == "Theme hits by year"

    names = ["multilateralism", "friendship"]
    with pytest.warns(DeprecationWarning, match="hue_order="):
        old = plot_theme_trend(rates, themes=names)
    new = plot_theme_trend(rates, hue_order=names)
    assert [line.get_xydata().tolist() for line in old.get_lines()] == [
        line.get_xydata().tolist() for line in new.get_lines()
    ]

    contrib = theme_contributions(seed_corpus, SEED_CODEBOOK, by="year")
    with pytest.warns(DeprecationWarning, match="top_n="):
        old = plot_theme_contributions(contrib, top=3)
    new = plot_theme_contributions(contrib, top_n=3)
    assert _bars(old) == _bars(new)
    assert [t.get_text() for t in old.get_yticklabels()] == [
        t.get_text() for t in new.get_yticklabels()
    ]

    docs = seed_corpus["doc_id"].tolist()[:3]
    with pytest.warns(DeprecationWarning):
        old = plot_theme_dispersion(hits=hits, docs=docs, themes=["peace"])
    new = plot_theme_dispersion(hits, order=docs, hue_order=["peace"])
    assert [t.get_text() for t in old.get_yticklabels()] == docs
    assert [c.get_offsets().tolist() for c in old.collections] == [
        c.get_offsets().tolist() for c in new.collections
    ]
    plt.close("all")


def test_plots_reject_the_wrong_table():
    with pytest.raises(AnalysisError, match="no column 'rate_per_1k'"):
        plot_theme_heatmap(pd.DataFrame({"group": [1], "theme": ["a"], "label": ["A"]}))
    with pytest.raises(AnalysisError, match="no column 'rel_position'"):
        plot_theme_dispersion(pd.DataFrame({"doc_id": ["d"], "theme": ["a"]}))
    with pytest.raises(AnalysisError, match="plot_theme_trend: the table has no column 'ci_low'"):
        plot_theme_trend(pd.DataFrame({"group": [1], "theme": ["a"], "rate_per_1k": [1.0]}))
    with pytest.raises(AnalysisError, match="needs a DataFrame"):
        plot_theme_contributions([1, 2])
