"""Figures, seaborn-style: tidy DataFrame in, matplotlib Axes (or FacetGrid) out.

Plot functions never save or show; labels come from column names. Call
:func:`set_theme` once for the study's consistent style. Topic-specific figures live in
``plot_terms``, ``plot_themes`` and ``plot_topics`` and are re-exported here.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from .terms import plot_keyness, plot_keywords, plot_term_rates
from .themes import (
    plot_theme_contributions,
    plot_theme_dispersion,
    plot_theme_heatmap,
    plot_theme_trend,
)
from .topics import plot_select_k, plot_top_terms, plot_topic_prevalence

__all__ = [
    "set_theme",
    "plot_lengths",
    "plot_faceted_bars",
    "plot_keywords",
    "plot_keyness",
    "plot_term_rates",
    "plot_theme_heatmap",
    "plot_theme_trend",
    "plot_theme_contributions",
    "plot_theme_dispersion",
    "plot_top_terms",
    "plot_topic_prevalence",
    "plot_select_k",
]


def set_theme() -> None:
    """The study's style: seaborn whitegrid, colour-blind palette, readable sizes."""
    sns.set_theme(
        style="whitegrid",
        palette="colorblind",
        context="notebook",
        rc={"figure.dpi": 100, "axes.titleweight": "bold", "svg.hashsalt": "analysis"},
    )


def label(column: str) -> str:
    """Axis label from a column name: ``rate_per_1k`` -> ``rate per 1k``."""
    return str(column).replace("_", " ")


def plot_lengths(
    data: pd.DataFrame,
    *,
    x: str = "n_tokens",
    y: str = "doc_id",
    hue: str | None = "source",
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Horizontal bars of document length (one bar per row of ``data``)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.45 * len(data) + 1.2))
    hue = hue if hue in data.columns else None
    sns.barplot(data=data, x=x, y=y, hue=hue, dodge=False, ax=ax)
    ax.set(xlabel=label(x), ylabel=label(y), title=f"{label(x)} by {label(y)}")
    if hue:
        ax.legend(title=label(hue), fontsize="small", loc="lower right")
    return ax


def plot_faceted_bars(
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    col: str,
    col_wrap: int = 3,
    color: str | None = None,
    height: float = 2.8,
    aspect: float = 1.3,
    title: str | None = None,
) -> sns.FacetGrid:
    """One horizontal bar chart per value of ``col`` (e.g. top terms per document).

    Each panel keeps its own y categories (``sharey=False``) in the order of ``data``.
    Returns the :class:`seaborn.FacetGrid`.
    """
    grid = sns.FacetGrid(
        data,
        col=col,
        col_wrap=min(col_wrap, max(data[col].nunique(), 1)),
        sharex=False,
        sharey=False,
        height=height,
        aspect=aspect,
    )

    def _bars(data: pd.DataFrame, color=None, **_):
        ax = plt.gca()
        ax.barh(data[y].astype(str)[::-1], data[x][::-1], color=color or sns.color_palette()[0])

    grid.map_dataframe(_bars, color=color)
    grid.set_titles(col_template="{col_name}")
    grid.set_axis_labels(label(x), label(y))
    if title:
        grid.figure.suptitle(title, y=1.02, fontweight="bold")
    return grid
