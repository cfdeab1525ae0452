"""Figures for framing themes: heatmap, trend, contributions, lexical dispersion.

Every function takes a table from :mod:`analysis.themes`, draws on ``ax`` (a new
figure when None), sets a title and axis labels from the column names, and returns
the Axes. Nothing is saved or shown here.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..errors import AnalysisError

__all__ = [
    "plot_theme_heatmap",
    "plot_theme_trend",
    "plot_theme_contributions",
    "plot_theme_dispersion",
]

_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p")


def _need(data: pd.DataFrame, cols: Sequence[str], fn: str) -> None:
    if not isinstance(data, pd.DataFrame):
        raise AnalysisError(f"{fn} needs a DataFrame, not {type(data).__name__}")
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise AnalysisError(
            f"{fn}: the table has no column {missing[0]!r}; pass the output of the matching "
            "analysis.theme_* function"
        )


def _axes(ax, size):
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def _theme_names(data: pd.DataFrame) -> list[str]:
    """Themes in first-appearance (codebook) order."""
    return list(dict.fromkeys(data["theme"]))


def plot_theme_heatmap(
    data: pd.DataFrame,
    *,
    value: str = "rate_per_1k",
    annot: bool = True,
    cmap: str = "rocket_r",
    ax=None,
):
    """Heatmap of ``value`` (default rate per 1,000 words), themes x groups.

    ``data`` is the output of :func:`analysis.theme_rates`. Rows are theme labels in
    codebook order, columns groups in table order.
    """
    import seaborn as sns

    _need(data, ["group", "theme", "label", value], "plot_theme_heatmap")
    groups = list(dict.fromkeys(data["group"]))
    themes = _theme_names(data)
    grid = data.pivot_table(index="theme", columns="group", values=value, aggfunc="first")
    grid = grid.reindex(index=themes, columns=groups)
    labels = data.drop_duplicates("theme").set_index("theme")["label"].reindex(themes)
    grid.index = labels.to_numpy()
    ax = _axes(ax, (1.6 + 0.9 * len(groups), 0.9 + 0.45 * len(themes)))
    sns.heatmap(
        grid,
        annot=annot and grid.size <= 400,
        fmt=".1f",
        cmap=cmap,
        cbar_kws={"label": value},
        linewidths=0.5,
        ax=ax,
    )
    ax.set_xlabel("group")
    ax.set_ylabel("theme")
    ax.set_title(f"Theme {value} by group")
    return ax


def plot_theme_trend(
    data: pd.DataFrame,
    *,
    themes: Sequence[str] | None = None,
    x: str = "group",
    ax=None,
):
    """Rates over an ordered grouping (years) with interval bars, one line per theme.

    ``data`` is the output of :func:`analysis.theme_rates` grouped by a year-like
    column. Points are ``rate_per_1k``; bars span ``ci_low``..``ci_high`` where an
    interval exists (groups with one document have none and are drawn as hollow
    markers). Numeric groups are placed on a numeric axis; others in table order.
    """
    _need(data, [x, "theme", "label", "rate_per_1k", "ci_low", "ci_high"], "plot_theme_trend")
    names = list(themes) if themes is not None else _theme_names(data)
    xs_num = pd.to_numeric(data[x], errors="coerce")
    numeric = xs_num.notna().all()
    if numeric:
        positions = xs_num
    else:
        order = {g: i for i, g in enumerate(dict.fromkeys(data[x]))}
        positions = data[x].map(order)
    distinct = np.unique(positions)
    step = np.min(np.diff(distinct)) if len(distinct) > 1 else 1.0
    ax = _axes(ax, (7.5, 4.2))
    for k, theme in enumerate(names):
        rows = data["theme"] == theme
        if not rows.any():
            raise AnalysisError(f"plot_theme_trend: no theme {theme!r} in the table")
        sub = data[rows]
        pos = positions[rows].to_numpy(dtype=float)
        pos = pos + (k - (len(names) - 1) / 2) * 0.6 * step / max(len(names), 1)
        y = sub["rate_per_1k"].to_numpy(dtype=float)
        lo, hi = sub["ci_low"].to_numpy(dtype=float), sub["ci_high"].to_numpy(dtype=float)
        has = ~np.isnan(lo)
        marker = _MARKERS[k % len(_MARKERS)]
        line = ax.plot(pos, y, marker=marker, linewidth=1, label=sub["label"].iloc[0])[0]
        ax.errorbar(
            pos[has],
            y[has],
            yerr=[y[has] - lo[has], hi[has] - y[has]],
            fmt="none",
            ecolor=line.get_color(),
            capsize=3,
        )
        if (~has).any():
            ax.plot(pos[~has], y[~has], marker, mfc="white", mec=line.get_color(), linestyle="none")
    if not numeric:
        ax.set_xticks(range(len(distinct)), list(dict.fromkeys(data[x])))
    elif len(distinct) <= 12:
        ax.set_xticks(distinct, [f"{v:g}" for v in distinct])
    ax.set_xlabel(x)
    ax.set_ylabel("rate_per_1k")
    ax.set_title("Theme rates with 95% bootstrap intervals (hollow: no interval)")
    ax.legend(fontsize="small", frameon=False, loc="best")
    return ax


def plot_theme_contributions(
    data: pd.DataFrame,
    *,
    theme: str | None = None,
    group: str | None = None,
    top: int = 10,
    ax=None,
):
    """Horizontal bars of the entries that drive a theme.

    ``data`` is the output of :func:`analysis.theme_contributions`. Without ``a``/``b``
    the bars are each entry's ``hits`` (summed over groups unless ``group`` is given),
    the top ``top`` per theme; with a difference table they are each entry's ``diff``
    (``rate_a - rate_b``). ``theme`` restricts to one theme; otherwise all themes are
    stacked, labelled ``theme: entry``.
    """
    diff_mode = "diff" in data.columns
    _need(data, ["theme", "entry", "diff" if diff_mode else "hits"], "plot_theme_contributions")
    d = data
    if theme is not None:
        d = d[d["theme"] == theme]
        if d.empty:
            raise AnalysisError(f"plot_theme_contributions: no theme {theme!r} in the table")
    if group is not None and not diff_mode:
        d = d[d["group"].astype(str) == str(group)]
    value = "diff" if diff_mode else "hits"
    agg = d.groupby(["theme", "entry"], sort=False)[value].sum().reset_index()
    agg["_abs"] = agg[value].abs()
    agg = (
        agg.sort_values(["theme", "_abs"], ascending=[True, False], kind="stable")
        .groupby("theme", sort=False)
        .head(top)
    )
    order = {t: i for i, t in enumerate(_theme_names(d))}
    agg = agg.assign(_t=agg["theme"].map(order)).sort_values(
        ["_t", "_abs"], ascending=[False, True], kind="stable"
    )
    labels = agg["entry"] if theme is not None else agg["theme"] + ": " + agg["entry"]
    ax = _axes(ax, (7, 0.8 + 0.28 * max(len(agg), 1)))
    colors = [f"C{order[t] % 10}" for t in agg["theme"]]
    ax.barh(np.arange(len(agg)), agg[value].to_numpy(dtype=float), color=colors)
    ax.set_yticks(np.arange(len(agg)), labels.tolist())
    if diff_mode:
        ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(value + (" (rate_a - rate_b per 1,000 words)" if diff_mode else ""))
    ax.set_ylabel("entry")
    what = f"theme {theme!r}" if theme else "each theme"
    where = f" in group {group}" if group is not None and not diff_mode else ""
    ax.set_title(f"Entries driving {what}{where}")
    return ax


def plot_theme_dispersion(
    hits: pd.DataFrame,
    *,
    docs: Sequence[str] | None = None,
    themes: Sequence[str] | None = None,
    ax=None,
):
    """Lexical dispersion: where in each document each theme occurs.

    ``hits`` is the output of :func:`analysis.theme_hits`. x is the relative position
    of the hit in its document (``rel_position``, 0 = start, 1 = end), y the document,
    one marker per theme. ``docs`` fixes the documents and their order (documents
    without hits keep an empty row); ``themes`` restricts the themes.
    """
    _need(hits, ["doc_id", "theme", "rel_position"], "plot_theme_dispersion")
    doc_order = list(docs) if docs is not None else list(dict.fromkeys(hits["doc_id"]))
    names = list(themes) if themes is not None else _theme_names(hits)
    ax = _axes(ax, (8, 0.9 + 0.45 * max(len(doc_order), 1)))
    ypos = {d: i for i, d in enumerate(doc_order)}
    offsets = np.linspace(-0.25, 0.25, max(len(names), 1)) if len(names) > 1 else [0.0]
    for k, theme in enumerate(names):
        sub = hits[(hits["theme"] == theme) & hits["doc_id"].isin(ypos)]
        y = sub["doc_id"].map(ypos).to_numpy(dtype=float) + offsets[k]
        ax.scatter(
            sub["rel_position"],
            y,
            marker=_MARKERS[k % len(_MARKERS)],
            s=22,
            color=f"C{k % 10}",
            label=theme,
            alpha=0.85,
        )
    ax.set_yticks(range(len(doc_order)), doc_order)
    ax.set_ylim(len(doc_order) - 0.5, -0.5)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("rel_position (0 = start, 1 = end of document)")
    ax.set_ylabel("doc_id")
    ax.set_title("Where the themes occur in each document")
    ax.legend(fontsize="small", frameon=False, bbox_to_anchor=(1.01, 1), loc="upper left")
    return ax
