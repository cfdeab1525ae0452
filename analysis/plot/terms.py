"""Figures for term statistics: keywords per group, keyness, term rates over time.

Each function takes the tidy table of :func:`analysis.tfidf_keywords`,
:func:`analysis.keyness` or :func:`analysis.term_frequencies`, draws with seaborn, takes
axis labels from the column names (:func:`analysis.plot._base.readable`), sets a title,
and returns the Axes (or a FacetGrid for the faceted figure) without saving or showing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from ..evidence import MIN_DOCS
from ..validation import check_top_n, renamed
from ._base import (
    MAX_GROUPS,
    axis_label,
    facet_bars,
    group_estimates,
    legend_outside,
    new_axes,
    readable,
    require_columns,
)

__all__ = ["plot_keywords", "plot_keyness", "plot_term_rates"]


@renamed(top="top_n")
def plot_keywords(
    data: pd.DataFrame,
    *,
    x: str = "score",
    y: str = "term",
    col: str = "group",
    top_n: int = 10,
    col_wrap: int = 3,
    height: float = 3.0,
    aspect: float = 1.2,
    title: str | None = None,
    max_panels: int | None = 12,
    **kwargs,
) -> sns.FacetGrid:
    """Horizontal bars of the top terms, one panel per group (small multiples).

    Each panel has its own term axis (terms differ between groups) and its own value
    axis, so compare rankings within a panel, not bar lengths across panels.

    Parameters
    ----------
    data : DataFrame
        E.g. from :func:`analysis.tfidf_keywords`: columns ``col``, ``y``, ``x`` and,
        if present, ``rank`` (used to order bars; otherwise ``x`` descending).
    x, y, col : str
        Bar length, bar label and panel columns.
    top_n : int, default 10
        Bars per panel (``top=`` is its deprecated name).
    col_wrap : int, default 3
        Panels per row.
    height, aspect : float
        Panel height (inches) and width/height ratio.
    title : str, optional
        Default ``"Top {top_n} terms by {x}, per {col}"``. Panel titles are the group
        names, wrapped to the panel's width.
    max_panels : int or None, default 12
        Most panels (the first groups in table order); the title then says how many of
        how many are shown. None draws all.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.barh`.

    Returns
    -------
    seaborn.FacetGrid
        Figure-level; pass it (or its ``.figure``) to :func:`analysis.save_figure`.
    """
    require_columns(data, [x, y, col], "plot_keywords")
    top_n = check_top_n(top_n, allow_none=False)
    keys = ["rank"] if "rank" in data.columns else [x]
    rows = data.sort_values(keys, ascending="rank" in data.columns, kind="stable")
    rows = rows.groupby(col, sort=False).head(top_n)
    return facet_bars(
        rows,
        x=x,
        y=y,
        col=col,
        col_order=list(dict.fromkeys(data[col])),
        col_wrap=col_wrap,
        height=height,
        aspect=aspect,
        title=title or f"Top {top_n} terms by {readable(x)}, per {readable(col)}",
        max_panels=max_panels,
        **kwargs,
    )


@renamed(top="top_n")
def plot_keyness(
    data: pd.DataFrame,
    *,
    x: str = "z",
    y: str = "term",
    hue: str | None = None,
    top_n: int = 15,
    title: str | None = None,
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Diverging bars of keyness: target terms to the right, reference terms to the left.

    Parameters
    ----------
    data : DataFrame
        From :func:`analysis.keyness` (``term``, ``z`` or ``score``, and the
        ``target``/``reference`` labels used in the legend and title).
    x : str, default "z"
        The signed statistic to plot.
    y : str, default "term"
    hue : str, optional
        Bar colour; default the side, ``"more in <target>"`` / ``"more in <reference>"``.
    top_n : int, default 15
        Bars on each side (``top=`` is its deprecated name).
    title : str, optional
    ax : Axes, optional
    **kwargs
        Passed to :func:`seaborn.barplot`.

    Returns
    -------
    Axes
    """
    require_columns(data, [x, y] + ([hue] if hue else []), "plot_keyness")
    top_n = check_top_n(top_n, allow_none=False)
    target = str(data["target"].iloc[0]) if "target" in data.columns else "target"
    reference = str(data["reference"].iloc[0]) if "reference" in data.columns else "reference"
    srt = data.sort_values([x, y], ascending=[False, True])
    sub = pd.concat([srt[srt[x] > 0].head(top_n), srt[srt[x] < 0].tail(top_n)]).copy()
    sides = [f"more in {target}", f"more in {reference}"]
    if hue is None:
        hue = "side"
        sub[hue] = np.where(sub[x] > 0, sides[0], sides[1])
        kwargs.setdefault("palette", dict(zip(sides, sns.color_palette()[:2], strict=True)))
    ax = new_axes(ax, (7, max(3.0, 0.28 * len(sub) + 1)), layout="constrained")
    sns.barplot(data=sub, x=x, y=y, hue=hue, dodge=False, orient="h", ax=ax, **kwargs)
    ax.axvline(0, color="0.3", linewidth=0.8)
    ax.set_xlabel(readable(x))
    ax.set_ylabel("")
    measure = f" ({data['measure'].iloc[0]})" if "measure" in data.columns else ""
    ax.set_title(title or f"Keyness{measure}: {target} vs {reference}")
    # below the figure (constrained layout makes room), never over the bars
    title_ = "" if hue == "side" else readable(hue)
    if ax.figure.get_layout_engine() is not None and len(ax.figure.axes) == 1:
        handles, labels = ax.get_legend_handles_labels()
        ax.get_legend().remove()
        ax.figure.legend(handles, labels, title=title_, fontsize="small", frameon=False,
                         loc="outside lower center")  # fmt: skip
    else:  # an axes of the caller's figure: to its right
        legend_outside(ax, title=title_)
    return ax


def plot_term_rates(
    data: pd.DataFrame,
    *,
    x: str = "group",
    y: str = "rate_per_1k",
    hue: str = "term",
    title: str | None = None,
    docs: pd.DataFrame | None = None,
    min_docs: int = MIN_DOCS,
    max_groups: int = MAX_GROUPS,
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Term rates per group: lines over an ordered grouping such as years, small groups
    shown as their documents.

    Drawn like :func:`analysis.plot.plot_theme_trend`: for numeric ``x`` one line per
    term through consecutive groups that have an interval (``ci_low``..``ci_high``, a
    band) or, in a table without intervals, at least ``min_docs`` documents
    (``n_docs``); other groups are never joined by a line but drawn as their documents
    (``docs``) or hollow markers. A table with neither intervals nor ``n_docs`` is
    drawn as plain lines through every group. Categorical ``x`` gives points per group.

    Parameters
    ----------
    data : DataFrame
        From :func:`analysis.term_frequencies` with ``terms=[...]`` (every group has a
        row for every term, zeros included), grouped by an ordered column.
        ``rate_per_1k`` = 1000 * count / n_tokens, with ``n_tokens`` the group's word
        tokens.
    x, y, hue : str
        Columns for the horizontal axis, the rate and the line colour.
    title : str, optional
    docs : DataFrame, optional
        Per-document rates, one row per (document, term): columns ``x`` (the
        document's group), ``hue`` and ``y`` (or ``value``), e.g.
        :func:`analysis.term_frequencies` by ``doc_id`` merged with each document's
        group.
    min_docs : int, default :data:`analysis.evidence.MIN_DOCS`
        Fewest documents for a group to be joined by the line (tables without
        intervals), and named in the legend note.
    max_groups : int, default 25
        Most categorical groups drawn.
    ax : Axes, optional
    **kwargs
        :class:`~matplotlib.lines.Line2D` properties of the lines and markers.

    Returns
    -------
    Axes
    """
    require_columns(data, [x, y, hue], "plot_term_rates")
    drawn = group_estimates(
        ax,
        data,
        x=x,
        y=y,
        hue=hue,
        docs=docs,
        min_docs=min_docs,
        max_groups=max_groups,
        what="plot_term_rates",
        **kwargs,
    )
    ax = drawn.ax
    if drawn.layout == "horizontal":
        ax.set_xlim(left=0)
    else:
        ax.set_ylim(bottom=0)
    legend_outside(ax, title=readable(hue), handles=drawn.handles, labels=drawn.labels)
    ax.set_title(title or f"{readable(y).capitalize()} by {axis_label(data, x)}")
    return ax
