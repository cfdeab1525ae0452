"""Figures for the corpus: document lengths and faceted bars (e.g. top terms per document)."""

from __future__ import annotations

import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from ._base import facet_bars, legend_outside, new_axes, readable, require_columns

__all__ = ["plot_lengths", "plot_faceted_bars"]


def plot_lengths(
    data: pd.DataFrame,
    *,
    x: str = "n_tokens",
    y: str = "doc_id",
    hue: str | None = "source",
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Horizontal bars of document length (one bar per row of ``data``).

    Parameters
    ----------
    data : DataFrame
        E.g. :func:`analysis.corpus_summary`; ``n_tokens`` is the number of word tokens
        (maximal runs of ``\\w``) of each document.
    x, y : str
        The length column and the document column.
    hue : str, optional
        Bar colour; ignored when ``data`` has no such column.
    ax : Axes, optional
        Draw here; a new figure otherwise.
    **kwargs
        Passed to :func:`seaborn.barplot`.

    Returns
    -------
    Axes
    """
    require_columns(data, [x, y], "plot_lengths")
    ax = new_axes(ax, (7, min(0.3 * len(data) + 1.2, 16.0)))
    hue = hue if hue in data.columns else None
    sns.barplot(data=data, x=x, y=y, hue=hue, dodge=False, ax=ax, **kwargs)
    if len(data) > 40:
        ax.tick_params(axis="y", labelsize=7)
    ax.set(xlabel=readable(x), ylabel=readable(y), title=f"{readable(x)} by {readable(y)}")
    if hue:
        legend_outside(ax, title=readable(hue))
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
    max_panels: int | None = 12,
    **kwargs,
) -> sns.FacetGrid:
    """One horizontal bar chart per value of ``col`` (e.g. top terms per document).

    Each panel keeps its own y categories in the order of ``data`` (first row on top).

    Parameters
    ----------
    data : DataFrame
        Columns ``x`` (bar length), ``y`` (bar label) and ``col`` (panel).
    col_wrap : int, default 3
        Panels per row.
    color : colour, optional
        Bar colour (default: the palette's first).
    height, aspect : float
        Panel height (inches) and width/height ratio.
    title : str, optional
        The figure's title.
    max_panels : int or None, default 12
        Most panels (the first values of ``col`` in table order); the title then says
        how many of how many are shown. None draws all. Panel titles are the values,
        wrapped to the panel's width.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.barh`.

    Returns
    -------
    seaborn.FacetGrid
        Figure-level, like :func:`seaborn.catplot`; its ``.figure`` is the Figure.
    """
    require_columns(data, [x, y, col], "plot_faceted_bars")
    grid = facet_bars(
        data,
        x=x,
        y=y,
        col=col,
        col_wrap=col_wrap,
        height=height,
        aspect=aspect,
        color=color,
        title=title,
        max_panels=max_panels,
        **kwargs,
    )
    grid.set_axis_labels(readable(x), readable(y))
    return grid
