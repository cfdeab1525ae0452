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
from ..evidence import MIN_DOCS
from ..validation import check_top_n, renamed
from ._base import (
    MARKERS,
    MAX_GROUPS,
    axis_label,
    cap_note,
    group_estimates,
    interval_title,
    legend_outside,
    new_axes,
    readable,
    require_columns,
    wrap,
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
    max_groups: int = 40,
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
        Print the values in the cells (tables of at most 400 cells, wide cells).
    cmap : str, default "rocket_r"
    max_groups : int, default 40
        Most columns drawn: with more, those with the most documents (``n_docs``, else
        ``tokens``) are kept in table order and the axis label says how many of how
        many are shown. Cells narrow with the number of columns (the figure stays
        at most about 12 inches wide); values are printed only in wide cells.
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
    note = ""
    if len(cols) > max_groups:
        size = (
            "n_docs"
            if "n_docs" in data.columns
            else ("tokens" if "tokens" in data.columns else None)
        )
        if size is not None:
            big = (
                data.groupby(x, sort=False)[size].max().sort_values(ascending=False, kind="stable")
            )
            keep = set(big.index[:max_groups])
            how = f"those with the most {readable(size)}"
        else:
            keep = set(cols[:max_groups])
            how = "the first in the table"
        note = cap_note(max_groups, len(cols)).replace("groups;", f"groups ({how});")
        cols = [c for c in cols if c in keep]
    grid = data.pivot_table(index=y, columns=x, values=hue, aggfunc="first")
    grid = grid.reindex(index=rows, columns=cols)
    if y == "theme":
        names = _theme_labels(data)
        grid.index = [wrap(names.get(r, r), 40) for r in rows]
    cell = float(np.clip(9.0 / max(len(cols), 1), 0.22, 0.9))
    upright = cell >= 0.6  # wide cells: names wrapped to the cell; narrow: turned 90 degrees
    grid.columns = [wrap(c, int(cell * 72 / (0.6 * 9)) - 1) if upright else str(c) for c in cols]
    ax = new_axes(ax, (2.6 + cell * len(cols), 1.2 + 0.45 * len(rows)))
    kwargs.setdefault("cbar_kws", {"label": readable(hue)})
    kwargs.setdefault("linewidths", 0.5 if len(cols) <= 40 else 0)
    kwargs.setdefault("fmt", ".1f")
    annot = annot and grid.size <= 400 and cell >= 0.6
    sns.heatmap(grid, annot=annot, cmap=cmap, ax=ax, **kwargs)
    ax.tick_params(axis="x", labelrotation=0 if upright else 90)
    ax.set_xlabel(axis_label(data, x) + (f"\n({note})" if note else ""))
    ax.set_ylabel(readable(y))
    ax.set_title(f"Theme {readable(hue)} by {axis_label(data, x)}")
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
    docs: pd.DataFrame | None = None,
    min_docs: int = MIN_DOCS,
    max_groups: int = MAX_GROUPS,
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Theme rates per group (years as a line with an interval band), small groups shown
    as their documents.

    ``y`` is ``rate_per_1k`` = 1000 * hits / n_tokens. For numeric ``x`` (years) each
    theme is a line with a ``ci_low``..``ci_high`` band through consecutive groups that
    have an interval; a group without one (fewer than ``min_docs`` documents: the
    table's interval is NaN) is never joined by the line but drawn as its documents
    (a strip of points, from ``docs``) or, without ``docs``, as a hollow marker. Other
    ``x`` values are categories: points with interval bars, ordered by the first
    theme's rate, capped at ``max_groups`` with a note.

    Parameters
    ----------
    data : DataFrame
        :func:`analysis.theme_rates` (``ci_low``, ``ci_high``; ``n_docs`` optional).
    x, y, hue : str
        Group, rate and theme columns; the legend shows ``label`` when present. The
        ``group`` axis reads as ``data.attrs["by"]`` when the table records it; or
        rename ``group`` and pass ``x=``.
    hue_order : list of str, optional
        Themes to draw, in this order (``themes=`` is its deprecated name); default
        all, in table (codebook) order.
    level : float, optional
        The intervals' coverage for the title; default ``data.attrs["level"]``.
    docs : DataFrame, optional
        Per-document rates, one row per (document, theme): columns ``x`` (the
        document's group), ``hue`` and ``y`` (or ``value``), e.g.
        :func:`analysis.theme_rates` by ``doc_id`` merged with each document's group.
        Groups without an interval are drawn as these points.
    min_docs : int, default :data:`analysis.evidence.MIN_DOCS`
        Named in the legend note of groups without an interval.
    max_groups : int, default 25
        Most categorical groups drawn (a note says how many of how many).
    ax : Axes, optional
    **kwargs
        :class:`~matplotlib.lines.Line2D` properties of the lines and markers.

    Returns
    -------
    Axes
    """
    require_columns(data, [x, y, hue, "ci_low", "ci_high"], "plot_theme_trend")
    drawn = group_estimates(
        ax,
        data,
        x=x,
        y=y,
        hue=hue,
        hue_order=hue_order,
        labels=_theme_labels(data, hue),
        docs=docs,
        min_docs=min_docs,
        max_groups=max_groups,
        what="plot_theme_trend",
        **kwargs,
    )
    ax = drawn.ax
    ax.set_title(f"Theme rates ({interval_title(data, level)})")
    legend_outside(ax, handles=drawn.handles, labels=drawn.labels)
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
    legend_outside(ax, title=readable(hue))
    return ax
