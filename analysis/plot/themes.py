"""Figures for framing themes: heatmap, trend, contributions, lexical dispersion.

Every function takes a table from :mod:`analysis.themes`, draws on ``ax`` (a new
figure when None), sets a title and axis labels from the column names, and returns
the Axes. Nothing is saved or shown here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from ..errors import AnalysisError
from ..validation import check_top_n, renamed
from ._base import (
    MARKERS,
    interval_title,
    legend_outside,
    new_axes,
    point_interval,
    readable,
    require_columns,
)

__all__ = [
    "plot_theme_heatmap",
    "plot_theme_trend",
    "plot_theme_contributions",
    "plot_theme_dispersion",
]


def _theme_labels(data: pd.DataFrame, column: str = "theme") -> dict:
    """Theme id -> label (the id when the table has no ``label``)."""
    if "label" not in data.columns:
        return {}
    return dict(zip(data[column], data["label"], strict=False))


@renamed(value="hue")
def plot_theme_heatmap(
    data: pd.DataFrame,
    *,
    x: str = "group",
    y: str = "theme",
    hue: str = "rate_per_1k",
    annot: bool = True,
    cmap: str = "rocket_r",
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Heatmap of ``hue`` (default the rate per 1,000 word tokens), ``y`` x ``x``.

    Parameters
    ----------
    data : DataFrame
        :func:`analysis.theme_rates`: one row per (group, theme).
        ``rate_per_1k`` = 1000 * hits / n_tokens, with ``n_tokens`` the group's word
        tokens.
    x, y : str, default "group", "theme"
        Columns of the heatmap's columns and rows, each in table order. When ``y`` is
        ``"theme"`` and the table has ``label``, the rows show the theme labels.
    hue : str, default "rate_per_1k"
        The value mapped to cell colour (seaborn's ``hue``: the colour encoding;
        ``value=`` is its deprecated name).
    annot : bool, default True
        Print the values in the cells (tables of at most 400 cells).
    cmap : str, default "rocket_r"
    ax : Axes, optional
    **kwargs
        Passed to :func:`seaborn.heatmap`.

    Returns
    -------
    Axes
    """
    require_columns(data, [x, y, hue], "plot_theme_heatmap")
    cols = list(dict.fromkeys(data[x]))
    rows = list(dict.fromkeys(data[y]))
    grid = data.pivot_table(index=y, columns=x, values=hue, aggfunc="first")
    grid = grid.reindex(index=rows, columns=cols)
    if y == "theme":
        names = _theme_labels(data)
        grid.index = [names.get(r, r) for r in rows]
    ax = new_axes(ax, (1.6 + 0.9 * len(cols), 0.9 + 0.45 * len(rows)))
    kwargs.setdefault("cbar_kws", {"label": readable(hue)})
    kwargs.setdefault("linewidths", 0.5)
    kwargs.setdefault("fmt", ".1f")
    sns.heatmap(grid, annot=annot and grid.size <= 400, cmap=cmap, ax=ax, **kwargs)
    ax.set_xlabel(readable(x))
    ax.set_ylabel(readable(y))
    ax.set_title(f"Theme {readable(hue)} by {readable(x)}")
    return ax


@renamed(themes="hue_order")
def plot_theme_trend(
    data: pd.DataFrame,
    *,
    x: str = "group",
    y: str = "rate_per_1k",
    hue: str = "theme",
    hue_order: Sequence[str] | None = None,
    level: float | None = None,
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Rates over an ordered grouping (years) with interval bars, one line per theme.

    Points are ``y`` (``rate_per_1k`` = 1000 * hits / n_tokens); bars span
    ``ci_low``..``ci_high`` where an interval exists (groups with one document have
    none and are drawn as hollow markers). Numeric ``x`` values are placed on a numeric
    axis; others in table order.

    Parameters
    ----------
    data : DataFrame
        :func:`analysis.theme_rates` grouped by a year-like column.
    x, y, hue : str
        Group, rate and theme columns; the legend shows ``label`` when present.
    hue_order : list of str, optional
        Themes to draw, in this order (``themes=`` is its deprecated name); default
        all, in table (codebook) order.
    level : float, optional
        The intervals' coverage for the title; default ``data.attrs["level"]``.
    ax : Axes, optional
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.errorbar`.

    Returns
    -------
    Axes
    """
    require_columns(data, [x, y, hue, "ci_low", "ci_high"], "plot_theme_trend")
    ax = new_axes(ax, (7.5, 4.2))
    point_interval(
        ax,
        data,
        x=x,
        y=y,
        hue=hue,
        hue_order=hue_order,
        labels=_theme_labels(data, hue),
        numeric_x=True,
        dodge=0.6,
        connect=True,
        what="plot_theme_trend",
        **kwargs,
    )
    ax.set_title(f"Theme rates with {interval_title(data, level)} (hollow: no interval)")
    legend_outside(ax)
    return ax


@renamed(top="top_n")
def plot_theme_contributions(
    data: pd.DataFrame,
    *,
    x: str | None = None,
    y: str = "entry",
    hue: str = "theme",
    theme: str | None = None,
    group: str | None = None,
    top_n: int = 10,
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Horizontal bars of the entries that drive a theme.

    Parameters
    ----------
    data : DataFrame
        :func:`analysis.theme_contributions`. Without target/reference the bars are
        each entry's ``hits`` (summed over groups unless ``group`` is given); with a
        difference table they are each entry's ``diff`` = ``rate_a - rate_b`` (target
        minus reference, per 1,000 word tokens).
    x : str, optional
        The bar length: default ``"diff"`` when the table has it, else ``"hits"``.
    y, hue : str
        Entry and theme columns; bars are coloured by ``hue``.
    theme : str, optional
        Only this theme; otherwise all themes, stacked, labelled ``theme: entry``.
    group : optional
        Only this group (hit tables only).
    top_n : int, default 10
        Entries per theme, by absolute value (``top=`` is its deprecated name).
    ax : Axes, optional
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.barh`.

    Returns
    -------
    Axes
    """
    diff_mode = "diff" in data.columns if isinstance(data, pd.DataFrame) else False
    value = x or ("diff" if diff_mode else "hits")
    require_columns(data, [hue, y, value], "plot_theme_contributions", empty_ok=True)
    top_n = check_top_n(top_n, allow_none=False)
    d = data
    if theme is not None:
        d = d[d[hue] == theme]
        if d.empty:
            raise AnalysisError(f"plot_theme_contributions: no theme {theme!r} in the table")
    if group is not None and not diff_mode:
        d = d[d["group"].astype(str) == str(group)]
    agg = d.groupby([hue, y], sort=False)[value].sum().reset_index()
    agg["_abs"] = agg[value].abs()
    agg = (
        agg.sort_values([hue, "_abs"], ascending=[True, False], kind="stable")
        .groupby(hue, sort=False)
        .head(top_n)
    )
    order = {t: i for i, t in enumerate(dict.fromkeys(d[hue]))}
    agg = agg.assign(_t=agg[hue].map(order)).sort_values(
        ["_t", "_abs"], ascending=[False, True], kind="stable"
    )
    labels = agg[y] if theme is not None else agg[hue] + ": " + agg[y]
    ax = new_axes(ax, (7, 0.8 + 0.28 * max(len(agg), 1)))
    colors = [f"C{order[t] % 10}" for t in agg[hue]]
    kwargs.setdefault("color", colors)
    ax.barh(np.arange(len(agg)), agg[value].to_numpy(dtype=float), **kwargs)
    ax.set_yticks(np.arange(len(agg)), labels.tolist())
    if value == "diff":
        ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(readable(value))
    ax.set_ylabel(readable(y))
    what = f"theme {theme!r}" if theme else "each theme"
    where = f" in group {group}" if group is not None and not diff_mode else ""
    ax.set_title(f"Entries driving {what}{where}")
    return ax


@renamed(hits="data", docs="order", themes="hue_order")
def plot_theme_dispersion(
    data: pd.DataFrame,
    *,
    x: str = "rel_position",
    y: str = "doc_id",
    hue: str = "theme",
    order: Sequence[str] | None = None,
    hue_order: Sequence[str] | None = None,
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Lexical dispersion: where in each document each theme occurs.

    Parameters
    ----------
    data : DataFrame
        :func:`analysis.theme_hits` (``hits=`` is its deprecated name): one row per hit.
    x : str, default "rel_position"
        The hit's relative position in its document (0 = start, 1 = end).
    y : str, default "doc_id"
        One row per document.
    hue : str, default "theme"
        One colour and marker per theme.
    order : list of str, optional
        The documents and their order (documents without hits keep an empty row;
        ``docs=`` is its deprecated name); default those in ``data``.
    hue_order : list of str, optional
        The themes to draw (``themes=`` is its deprecated name); default all.
    ax : Axes, optional
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.scatter`.

    Returns
    -------
    Axes
    """
    require_columns(data, [y, hue, x], "plot_theme_dispersion", empty_ok=True)
    doc_order = list(order) if order is not None else list(dict.fromkeys(data[y]))
    names = list(hue_order) if hue_order is not None else list(dict.fromkeys(data[hue]))
    ax = new_axes(ax, (8, 0.9 + 0.45 * max(len(doc_order), 1)))
    ypos = {d: i for i, d in enumerate(doc_order)}
    offsets = np.linspace(-0.25, 0.25, max(len(names), 1)) if len(names) > 1 else [0.0]
    kwargs.setdefault("s", 22)
    kwargs.setdefault("alpha", 0.85)
    for k, name in enumerate(names):
        sub = data[(data[hue] == name) & data[y].isin(ypos)]
        ys = sub[y].map(ypos).to_numpy(dtype=float) + offsets[k]
        ax.scatter(
            sub[x], ys, marker=MARKERS[k % len(MARKERS)], color=f"C{k % 10}", label=name, **kwargs
        )
    ax.set_yticks(range(len(doc_order)), doc_order)
    ax.set_ylim(len(doc_order) - 0.5, -0.5)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel(readable(x))
    ax.set_ylabel(readable(y))
    ax.set_title("Where the themes occur in each document")
    legend_outside(ax)
    return ax
