"""Figures for term statistics: keywords per group, keyness, term rates over time.

Each function takes the tidy table of :func:`analysis.tfidf_keywords`,
:func:`analysis.keyness` or :func:`analysis.term_frequencies`, draws with seaborn, takes
axis labels from the column names, sets a title, and returns the matplotlib object
without saving or showing it.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..errors import AnalysisError

__all__ = ["plot_keywords", "plot_keyness", "plot_term_rates"]


def _need(data: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise AnalysisError(
            f"{what} needs the column(s) {', '.join(missing)}; pass the table of the "
            "matching analysis function"
        )
    if data.empty:
        raise AnalysisError(f"{what}: the table is empty, there is nothing to plot")


def _label(column: str) -> str:
    return column.replace("_per_1k", " per 1,000 tokens").replace("_", " ")


def plot_keywords(
    data: pd.DataFrame,
    *,
    x: str = "score",
    y: str = "term",
    col: str = "group",
    top: int = 10,
    col_wrap: int = 3,
    height: float = 3.0,
    aspect: float = 1.2,
    title: str | None = None,
) -> Figure:
    """Horizontal bars of the top terms, one panel per group (small multiples).

    Each panel has its own term axis (terms differ between groups) and its own value
    axis, so compare rankings within a panel, not bar lengths across panels.

    Parameters
    ----------
    data : DataFrame
        E.g. from :func:`analysis.tfidf_keywords`: columns ``col``, ``y``, ``x`` and,
        if present, ``rank`` (used to order bars; otherwise ``x`` descending).
    top : int, default 10
        Bars per panel.
    col_wrap : int, default 3
        Panels per row.

    Returns
    -------
    Figure
        A new figure (faceted plots own their figure, as seaborn's ``catplot``); pass
        it to :func:`analysis.save_figure`.
    """
    _need(data, [x, y, col], "plot_keywords")
    groups = list(dict.fromkeys(data[col]))
    ncols = max(1, min(col_wrap, len(groups)))
    nrows = math.ceil(len(groups) / ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(height * aspect * ncols, height * nrows),
        squeeze=False,
        layout="constrained",
    )
    color = sns.color_palette()[0]
    for ax, group in zip(axes.flat, groups, strict=False):
        sub = data[data[col] == group]
        sub = (
            sub.sort_values("rank")
            if "rank" in sub.columns
            else sub.sort_values(x, ascending=False)
        )
        sub = sub.head(top)
        sns.barplot(data=sub, x=x, y=y, ax=ax, color=color, orient="h")
        ax.set_title(f"{col} = {group}", fontsize="medium")
        ax.set_xlabel(_label(x))
        ax.set_ylabel("")
    for ax in list(axes.flat)[len(groups) :]:
        ax.set_visible(False)
    fig.suptitle(title or f"Top {top} terms by {_label(x)}, per {col}")
    return fig


def plot_keyness(
    data: pd.DataFrame,
    *,
    x: str = "z",
    y: str = "term",
    top: int = 15,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Diverging bars of keyness: target terms to the right, reference terms to the left.

    Parameters
    ----------
    data : DataFrame
        From :func:`analysis.keyness` (``term``, ``z`` or ``score``, and the
        ``target``/``reference`` labels used in the legend and title).
    x : str, default "z"
        The signed statistic to plot.
    top : int, default 15
        Bars on each side.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    _need(data, [x, y], "plot_keyness")
    target = str(data["target"].iloc[0]) if "target" in data.columns else "target"
    reference = str(data["reference"].iloc[0]) if "reference" in data.columns else "reference"
    srt = data.sort_values([x, y], ascending=[False, True])
    pos = srt[srt[x] > 0].head(top)
    neg = srt[srt[x] < 0].tail(top)
    sub = pd.concat([pos, neg]).copy()
    sub["side"] = np.where(sub[x] > 0, f"more in {target}", f"more in {reference}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, max(3.0, 0.28 * len(sub) + 1)), layout="constrained")
    palette = dict(
        zip([f"more in {target}", f"more in {reference}"], sns.color_palette()[:2], strict=True)
    )
    sns.barplot(data=sub, x=x, y=y, hue="side", palette=palette, dodge=False, orient="h", ax=ax)
    ax.axvline(0, color="0.3", linewidth=0.8)
    ax.set_xlabel(_label(x))
    ax.set_ylabel("")
    measure = f" ({data['measure'].iloc[0]})" if "measure" in data.columns else ""
    ax.set_title(title or f"Keyness{measure}: {target} vs {reference}")
    ax.legend(title="", loc="lower right", fontsize="small")
    return ax


def plot_term_rates(
    data: pd.DataFrame,
    *,
    x: str = "group",
    y: str = "rate_per_1k",
    hue: str = "term",
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Lines of term rates over an ordered grouping such as years.

    Parameters
    ----------
    data : DataFrame
        From :func:`analysis.term_frequencies` with ``terms=[...]`` (every group has a
        row for every term, zeros included), grouped by an ordered column.
    x, y, hue : str
        Columns for the horizontal axis, the rate and the line colour.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    _need(data, [x, y, hue], "plot_term_rates")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    plot = data.copy()
    numeric = pd.to_numeric(plot[x], errors="coerce")
    if numeric.notna().all():
        plot[x] = numeric.astype(float)
    else:
        plot[x] = plot[x].astype(str)
    sns.lineplot(data=plot, x=x, y=y, hue=hue, marker="o", ax=ax)
    if numeric.notna().all():
        ticks = sorted(plot[x].unique())
        if len(ticks) <= 12:
            ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.set_xlabel(_label(x))
    ax.set_ylabel(_label(y))
    ax.set_ylim(bottom=0)
    ax.set_title(title or f"{_label(y).capitalize()} by {_label(x)}")
    return ax
