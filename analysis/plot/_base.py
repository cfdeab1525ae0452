"""Shared private plotters: readable labels, new axes, the one faceting helper, dodged
points with intervals, and the interval title.

Every public figure in :mod:`analysis.plot` is built from these, so labels, facets and
intervals look and read the same in every figure.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from ..errors import AnalysisError
from ..validation import require_columns

__all__ = [
    "LABELS",
    "MARKERS",
    "readable",
    "require_columns",
    "new_axes",
    "facets",
    "facet_bars",
    "point_interval",
    "interval_title",
    "legend_outside",
]

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p")

#: Axis labels for column names that read badly with only ``_`` -> space.
LABELS = {
    "rate_per_1k": "rate per 1,000 tokens",
    "ci_low": "interval low",
    "ci_high": "interval high",
    "n_tokens": "word tokens",
    "n_docs": "documents",
    "doc_id": "document",
    "rel_position": "position in document (0 = start, 1 = end)",
    "diff": "rate difference per 1,000 tokens (target - reference)",
}


def readable(column: Hashable) -> str:
    """A column name as an axis label: ``rate_per_1k`` -> ``rate per 1,000 tokens``.

    Names in :data:`LABELS` get their entry; otherwise a ``_per_1k`` suffix reads
    ``per 1,000 tokens`` and every ``_`` becomes a space.
    """
    name = str(column)
    if name in LABELS:
        return LABELS[name]
    return name.replace("_per_1k", " per 1,000 tokens").replace("_", " ")


def new_axes(ax: Axes | None, size: tuple[float, float], *, layout: str | None = None) -> Axes:
    """``ax``, or the Axes of a new figure of ``size`` inches (and ``layout``) when None."""
    if ax is None:
        _, ax = plt.subplots(figsize=size, layout=layout)
    return ax


def legend_outside(ax: Axes, *, title: str = "", **kwargs) -> None:
    """The legend to the right of the axes, so it never covers data."""
    ax.legend(
        title=title,
        fontsize="small",
        frameon=False,
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        **kwargs,
    )


def facets(
    data: pd.DataFrame,
    *,
    col: str,
    col_order: Sequence,
    col_wrap: int,
    height: float,
    aspect: float,
    draw: Callable[[Axes, pd.DataFrame, int], None],
    title: str | None = None,
    col_template: str = "{col_name}",
) -> sns.FacetGrid:
    """THE faceting helper: one panel per value of ``col`` (in ``col_order``), each with
    its own x and y axes, drawn by ``draw(ax, rows_of_the_panel, panel_number)``.

    Panel titles follow ``col_template`` (``{col_var}``, ``{col_name}``); ``title`` is
    the figure's suptitle. Returns the :class:`seaborn.FacetGrid`.
    """
    order = list(col_order)
    grid = sns.FacetGrid(
        data,
        col=col,
        col_order=order,
        col_wrap=max(1, min(col_wrap, len(order))),
        sharex=False,
        sharey=False,
        height=height,
        aspect=aspect,
    )
    for i, value in enumerate(order):
        ax = grid.axes_dict[value]
        draw(ax, data[data[col] == value], i)
        ax.set_title(col_template.format(col_var=readable(col), col_name=value), fontsize="medium")
    grid.tight_layout()
    if title:
        grid.figure.suptitle(title, y=1.02, fontweight="bold")
    return grid


def facet_bars(
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    col: str,
    col_order: Sequence | None = None,
    col_wrap: int = 3,
    height: float = 2.8,
    aspect: float = 1.3,
    color=None,
    palette: Sequence | None = None,
    title: str | None = None,
    col_template: str = "{col_name}",
    xlabel_bottom_only: bool = False,
    **kwargs,
) -> sns.FacetGrid:
    """Horizontal bars of ``x`` per ``y``, one panel per ``col`` value, rows in table
    order (the first row on top). ``palette`` gives each panel its own colour; otherwise
    every bar has ``color`` (default: the first colour of the palette). ``kwargs`` go to
    :meth:`~matplotlib.axes.Axes.barh`.
    """
    order = list(dict.fromkeys(data[col])) if col_order is None else list(col_order)
    n_cols = max(1, min(col_wrap, len(order)))
    n_rows = -(-len(order) // n_cols)

    def draw(ax: Axes, rows: pd.DataFrame, i: int) -> None:
        c = palette[i] if palette is not None else (color or sns.color_palette()[0])
        ax.barh(rows[y].astype(str)[::-1], rows[x].to_numpy()[::-1], color=c, **kwargs)
        bottom = i // n_cols == n_rows - 1 or i + n_cols >= len(order)
        ax.set_xlabel(readable(x) if bottom or not xlabel_bottom_only else "")
        ax.set_ylabel("")

    grid = facets(
        data,
        col=col,
        col_order=order,
        col_wrap=col_wrap,
        height=height,
        aspect=aspect,
        draw=draw,
        title=title,
        col_template=col_template,
    )
    return grid


def point_interval(
    ax: Axes,
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    hue: str,
    hue_order: Sequence | None = None,
    labels: dict | None = None,
    lo: str = "ci_low",
    hi: str = "ci_high",
    numeric_x: bool = False,
    dodge: float = 0.8,
    connect: bool = False,
    what: str = "plot",
    **kwargs,
) -> Axes:
    """Dodged points of ``y`` per ``x`` with ``lo``..``hi`` error bars, one colour and
    marker per ``hue`` level; points whose interval is NaN are hollow markers.

    ``numeric_x`` places numeric ``x`` values on a numeric axis (otherwise ``x`` values
    are categories in table order); ``connect`` joins each hue level's points with a
    line. ``labels`` maps hue levels to legend entries. ``kwargs`` go to
    :meth:`~matplotlib.axes.Axes.errorbar`.
    """
    names = list(hue_order) if hue_order is not None else list(dict.fromkeys(data[hue]))
    xs_num = pd.to_numeric(data[x], errors="coerce")
    numeric = bool(numeric_x and xs_num.notna().all())
    categories = list(pd.unique(data[x]))
    if numeric:
        positions = xs_num.to_numpy(dtype=float)
    else:
        codes = {g: i for i, g in enumerate(categories)}
        positions = data[x].map(codes).to_numpy(dtype=float)
    distinct = np.unique(positions)
    step = float(np.min(np.diff(distinct))) if len(distinct) > 1 else 1.0
    palette = sns.color_palette(n_colors=max(len(names), 1))
    for k, level in enumerate(names):
        rows = (data[hue] == level).to_numpy()
        if not rows.any():
            raise AnalysisError(f"{what}: no {hue} {level!r} in the table; check hue_order")
        sub = data[rows]
        pos = positions[rows] + (k - (len(names) - 1) / 2) * dodge * step / len(names)
        val = sub[y].to_numpy(dtype=float)
        low, high = sub[lo].to_numpy(dtype=float), sub[hi].to_numpy(dtype=float)
        has = ~(np.isnan(low) | np.isnan(high))
        marker = MARKERS[k % len(MARKERS)]
        color = palette[k]
        label = (labels or {}).get(level, str(level))
        if connect:
            ax.plot(pos, val, color=color, linewidth=1)
        ax.errorbar(
            pos[has],
            val[has],
            yerr=[val[has] - low[has], high[has] - val[has]],
            fmt=marker,
            color=color,
            capsize=3,
            markersize=5,
            label=label if has.any() else None,
            **kwargs,
        )
        if (~has).any():
            ax.plot(
                pos[~has],
                val[~has],
                marker,
                mfc="white",
                mec=color,
                markersize=5,
                linestyle="none",
                label=None if has.any() else label,
            )
    if not numeric:
        ax.set_xticks(
            range(len(categories)),
            [str(g) for g in categories],
            rotation=90 if len(categories) > 12 else 0,
        )
    elif len(distinct) <= 12:
        ax.set_xticks(distinct, [f"{v:g}" for v in distinct])
    ax.set_xlabel(readable(x))
    ax.set_ylabel(readable(y))
    return ax


def interval_title(data: pd.DataFrame, level: float | None = None) -> str:
    """``"95% bootstrap intervals"`` from ``level``, else ``data.attrs["level"]``;
    ``"bootstrap intervals"`` when neither gives a level."""
    if level is None:
        level = data.attrs.get("level")
    if level is None:
        return "bootstrap intervals"
    return f"{float(level) * 100:g}% bootstrap intervals"
