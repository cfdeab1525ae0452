"""Figures of embedding regression: the context shift per group and each group's neighbours."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from ..errors import AnalysisError
from ..evidence import MIN_DOCS
from ..validation import check_top_n
from ._base import (
    facets,
    group_estimates,
    interval_title,
    legend_outside,
    readable,
    require_columns,
    wrap,
)

__all__ = ["plot_context_shift", "plot_context_neighbors"]


def _first(data: pd.DataFrame, column: str, default: str) -> str:
    if column in data.columns and len(data):
        return str(data[column].iloc[0])
    return str(data.attrs.get(column, default))


def plot_context_shift(
    data: pd.DataFrame,
    *,
    x: str = "group",
    y: str = "norm",
    hue: str | None = None,
    title: str | None = None,
    min_docs: int = MIN_DOCS,
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """How far the target's context in each group is from the reference: the norm per
    group with its bootstrap interval, groups the permutation test supports ringed.

    Years (a numeric ``x``) are drawn as a line with an interval band; other groups as
    points with interval bars, ordered by the norm. Groups below ``min_docs`` documents
    have no interval and are drawn hollow. The y axis starts at 0, but 0 is not the
    null: the norm of a difference of means is positive even between exchangeable
    groups (see :func:`analysis.context.shift.context_shift`), so support comes from the
    permutation p-value (ringed points), not from an interval clear of 0; a grey dash
    marks each group's norm under permuted labels (``norm_null``), the level a norm
    reaches with no shift at all.

    Parameters
    ----------
    data : DataFrame
        From :func:`analysis.context.shift.context_shift` (``group``, ``norm``,
        ``ci_low``, ``ci_high``, ``supported``, ``reference``, ``target``, ``level``).
    x : str, default "group"
    y : str, default "norm"
    hue : str, optional
        A column that splits the lines (e.g. ``"target"`` for the tables of several
        targets concatenated); only with a numeric ``x`` (years), where each hue value
        is a line.
    title : str, optional
        Default ``"Context of '<target>' against <reference> (95% bootstrap
        intervals)"``.
    min_docs : int, default :data:`analysis.evidence.MIN_DOCS`
    ax : Axes, optional
    **kwargs
        :class:`~matplotlib.lines.Line2D` properties of the lines and markers.

    Returns
    -------
    Axes
    """
    require_columns(
        data, [x, y, "ci_low", "ci_high", *([hue] if hue else [])], "plot_context_shift"
    )
    if hue is not None and not pd.api.types.is_numeric_dtype(data[x]):
        raise AnalysisError(
            f"hue={hue!r}: plot_context_shift splits lines by hue only along a numeric x "
            f"(years); {x!r} is categorical, so draw one figure per {hue} value"
        )
    drawn = group_estimates(
        ax, data, x=x, y=y, hue=hue, min_docs=min_docs, what="plot_context_shift", **kwargs
    )
    ax = drawn.ax
    level = float(data["level"].iloc[0]) if "level" in data.columns else data.attrs.get("level")
    handles, labels = list(drawn.handles), list(drawn.labels)
    if "supported" in data.columns and data["supported"].astype(bool).any():
        rows = data[data["supported"].astype(bool) & data[x].isin(drawn.groups)]
        if drawn.layout == "line":
            pos = pd.to_numeric(rows[x]).to_numpy(dtype=float)
        else:
            where = {g: i for i, g in enumerate(drawn.groups)}
            pos = rows[x].map(where).to_numpy(dtype=float)
        val = rows[y].to_numpy(dtype=float)
        xy = (val, pos) if drawn.layout == "horizontal" else (pos, val)
        ax.scatter(*xy, s=110, facecolors="none", edgecolors="0.15", linewidths=1.3, zorder=5)
        alpha = 1 - (level if level is not None else 0.95)
        ring = Line2D([], [], marker="o", mfc="none", mec="0.15", linestyle="none", markersize=9)
        handles.append(ring)
        labels.append(f"ringed: permutation p ≤ {alpha:g}")
    if "norm_null" in data.columns and y == "norm" and data["norm_null"].notna().any():
        rows = data[data["norm_null"].notna() & data[x].isin(drawn.groups)]
        if drawn.layout == "line":
            pos = pd.to_numeric(rows[x]).to_numpy(dtype=float)
        else:
            pos = rows[x].map({g: i for i, g in enumerate(drawn.groups)}).to_numpy(dtype=float)
        val = rows["norm_null"].to_numpy(dtype=float)
        horizontal = drawn.layout == "horizontal"
        ax.plot(
            *((val, pos) if horizontal else (pos, val)),
            "|" if horizontal else "_",
            color="0.45",
            markersize=12,
            markeredgewidth=1.6,
            linestyle="none",
            zorder=4,
        )
        dash = Line2D([], [], marker="_", color="0.45", linestyle="none", markersize=12)
        handles.append(dash)
        labels.append(wrap("grey dash: mean norm with permuted labels (no shift)", 34))
    handles.append(Line2D([], [], linestyle="none"))
    labels.append(wrap("the norm is > 0 even without a shift; read it against p", 34))
    if drawn.layout == "horizontal":
        ax.set_xlim(left=0)
        ax.set_xlabel(f"{readable(y)} of the mean difference")
    else:
        ax.set_ylim(bottom=0)
        ax.set_ylabel(f"{readable(y)} of the mean difference")
    if title is None:
        target = _first(data, "target", "the target")
        reference = _first(data, "reference", "the reference")
        title = f"Context of '{target}' against {reference} ({interval_title(data, level)})"
    ax.set_title(wrap(title, 60))
    legend_outside(ax, handles=handles, labels=labels)
    return ax


def plot_context_neighbors(
    data: pd.DataFrame,
    *,
    x: str = "similarity",
    y: str = "term",
    top_n: int = 10,
    col_wrap: int = 3,
    max_panels: int = 12,
    title: str | None = None,
    **kwargs,
) -> sns.FacetGrid:
    """Each group's nearest words to the target: horizontal bars of cosine similarity
    with their bootstrap intervals, one panel per group.

    Parameters
    ----------
    data : DataFrame
        From :func:`analysis.context.shift.context_neighbors` (``group``, ``term``,
        ``similarity``, ``ci_low``, ``ci_high``, ``rank``, ``n_docs``).
    x : str, default "similarity"
        The bar length; the interval is drawn when ``x`` is ``"similarity"``.
    y : str, default "term"
    top_n : int, default 10
        Words per panel (the lowest ranks).
    col_wrap : int, default 3
        Panels per row.
    max_panels : int, default 12
        Most groups drawn (in table order); the title says how many of how many.
    title : str, optional
        Default ``"Nearest words to '<target>' by group (cosine similarity, 95%
        bootstrap intervals)"``.

    Returns
    -------
    seaborn.FacetGrid
    """
    require_columns(data, ["group", x, y], "plot_context_neighbors")
    top_n = check_top_n(top_n, allow_none=False)
    level = data.attrs.get("level")
    target = _first(data, "target", "the target")
    data = data.copy()
    if "rank" in data.columns:
        data = data[data["rank"] <= top_n]
    else:
        data = data.groupby("group", sort=False, group_keys=False).head(top_n)
    order = list(dict.fromkeys(data["group"]))
    has_ci = x == "similarity" and {"ci_low", "ci_high"} <= set(data.columns)
    lo_all = min(0.0, float(np.nanmin(data[[x] + (["ci_low"] if has_ci else [])])))
    hi_all = float(np.nanmax(data[[x] + (["ci_high"] if has_ci else [])]))
    kwargs = {"color": sns.color_palette()[0], "alpha": 0.85, **kwargs}

    def draw(ax: Axes, rows: pd.DataFrame, i: int) -> None:
        terms = [wrap(t, 22) for t in rows[y].astype(str)][::-1]
        sims = rows[x].to_numpy(dtype=float)[::-1]
        ax.barh(terms, sims, **kwargs)
        if has_ci:
            lo = rows["ci_low"].to_numpy(dtype=float)[::-1]
            hi = rows["ci_high"].to_numpy(dtype=float)[::-1]
            ok = ~(np.isnan(lo) | np.isnan(hi))
            if ok.any():
                err = np.vstack([sims - lo, hi - sims])[:, ok]
                ax.errorbar(
                    sims[ok], np.flatnonzero(ok), xerr=err, fmt="none", ecolor="0.2", capsize=2
                )
        ax.set_xlim(lo_all, hi_all + 0.05 * (hi_all - lo_all))
        ax.set_xlabel("cosine similarity" if x == "similarity" else readable(x))
        ax.set_ylabel("")

    template = "{col_name}"
    if "n_docs" in data.columns:
        docs = data.drop_duplicates("group").set_index("group")["n_docs"]
        data["group"] = [f"{g} (n={int(docs[g])} docs)" for g in data["group"]]
        order = [f"{g} (n={int(docs[g])} docs)" for g in order]
    if title is None:
        ci = interval_title(data, level) if has_ci else "no intervals"
        title = f"Nearest words to '{target}' by group (cosine similarity, {ci})"
    return facets(
        data,
        col="group",
        col_order=order,
        col_wrap=col_wrap,
        height=0.32 * top_n + 1.2,
        aspect=3.4 / (0.32 * top_n + 1.2),
        draw=draw,
        title=wrap(title, max(60, 45 * min(col_wrap, len(order)))),
        col_template=template,
        max_panels=max_panels,
    )
