"""Topic figures: top terms and selection (figure-level), prevalence."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
import seaborn as sns
from matplotlib.axes import Axes

from analysis import AnalysisError, build_dtm, fit_topics, select_k, topic_prevalence
from analysis.plot import plot_select_k, plot_top_terms, plot_topic_prevalence


@pytest.fixture(scope="module")
def para_dtm(seed_corpus):
    return build_dtm(seed_corpus, unit="paragraph", min_df=2)


@pytest.fixture(scope="module")
def model(para_dtm):
    return fit_topics(para_dtm, 3)


def _bars(grid):
    return [[round(p.get_width(), 12) for p in ax.patches] for ax in grid.axes.flat]


def test_figures(para_dtm, model):
    grid = plot_top_terms(model.top_terms(5))
    assert isinstance(grid, sns.FacetGrid)
    assert len(grid.axes.flat) == 3
    assert grid.axes.flat[0].get_title().startswith("topic 1")
    assert all(len(ax.patches) == 5 for ax in grid.axes.flat)
    prev = topic_prevalence(model, by="year", n_boot=100)
    ax = plot_topic_prevalence(prev.rename(columns={"group": "year"}), x="year")
    assert isinstance(ax, Axes)
    assert ax.get_xlabel() == "year" and ax.get_ylabel() == "mean topic share" and ax.get_title()
    assert ax.get_legend().get_title().get_text() == "topic"
    sel = select_k(para_dtm, ks=[2, 3], progress=False)
    grid = plot_select_k(sel)
    assert isinstance(grid, sns.FacetGrid)
    readable = ["NPMI coherence", "UMass coherence", "topic diversity", "seed stability"]
    assert [a.get_ylabel() for a in grid.axes.flat] == readable
    assert [a.get_title() for a in grid.axes.flat] == readable
    assert [a.get_xlabel() for a in grid.axes.flat] == ["number of topics (k)"] * 4
    with pytest.raises(AnalysisError, match="prevalence"):
        plot_topic_prevalence(sel)
    with pytest.raises(AnalysisError, match="plot_select_k: the table has no column 'npmi'"):
        plot_select_k(sel.drop(columns="npmi"))
    plt.close("all")


def test_prevalence_title_level(model):
    prev = topic_prevalence(model, by="year", n_boot=50)
    assert "(per-document values, no intervals)" in plot_topic_prevalence(prev).get_title()
    prev = topic_prevalence(model, by="year", n_boot=50, min_docs=2)  # 2025: 3 documents
    prev.attrs.pop("level", None)
    title = plot_topic_prevalence(prev).get_title()
    assert "bootstrap intervals" in title and "%" not in title
    prev.attrs["level"] = 0.9
    assert "(90% bootstrap intervals)" in plot_topic_prevalence(prev).get_title()
    assert "(80% bootstrap" in plot_topic_prevalence(prev, level=0.8).get_title()
    plt.close("all")


def test_old_keywords_warn_and_draw_the_same(model):
    terms = model.top_terms(6)
    with pytest.warns(DeprecationWarning, match="top_n="):
        old = plot_top_terms(terms, n=4)
    new = plot_top_terms(terms, top_n=4)
    assert _bars(old) == _bars(new) and all(len(b) == 4 for b in _bars(new))

    prev = topic_prevalence(model, by="year", n_boot=50)
    with pytest.warns(DeprecationWarning, match="hue_order="):
        old = plot_topic_prevalence(prev, topics=[2])
    new = plot_topic_prevalence(prev, hue_order=[2])
    assert [t.get_text() for t in old.get_legend().get_texts()] == [
        t.get_text() for t in new.get_legend().get_texts()
    ]
    texts = [t.get_text() for t in new.get_legend().get_texts()]
    assert texts[0].startswith("2: ") and len(texts) == 1 + sum("hollow" in t for t in texts)
    # xlabel= still labels the axis for one release, with a warning
    with pytest.warns(DeprecationWarning, match="xlabel"):
        ax = plot_topic_prevalence(prev, xlabel="year")
    assert ax.get_xlabel() == "year"
    plt.close("all")
