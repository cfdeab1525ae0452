"""Figures for topic models: top terms, prevalence by group, selection metrics against k.

Every function takes one of the tidy tables of :mod:`analysis.topics`, draws with
seaborn's style, returns the Axes (one panel) or a seaborn FacetGrid (faceted), and
never saves or shows; axis labels come from the column names.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from ..evidence import MIN_DOCS
from ..validation import check_top_n, renamed
from ._base import (
    MAX_GROUPS,
    axis_label,
    facet_bars,
    facets,
    group_estimates,
    interval_title,
    legend_outside,
    readable,
    require_columns,
)

__all__ = ["plot_top_terms", "plot_topic_prevalence", "plot_select_k"]

METRICS = ("npmi", "umass", "diversity", "stability")


@renamed(n="top_n")
def plot_top_terms(
    data: pd.DataFrame,
    *,
    x: str = "weight",
    y: str = "term",
    col: str = "topic",
    top_n: int | None = None,
    col_wrap: int = 3,
    height: float = 2.4,
    aspect: float | None = None,
    title: str = "Top terms per topic",
    **kwargs,
) -> sns.FacetGrid:
    """Horizontal bars of each topic's top terms, one panel (and colour) per topic.

    Parameters
    ----------
    data : DataFrame
        ``TopicModel.top_terms()``: ``topic, label, rank, term, weight``.
    x, y, col : str
        Bar length, bar label and panel columns.
    top_n : int, optional
        Keep the ``top_n`` first ranks (default: all in ``data``; ``n=`` is its
        deprecated name).
    col_wrap : int, default 3
        Panels per row.
    height : float, default 2.4
        Minimum panel height, inches (grows with the number of terms).
    aspect : float, optional
        Panel width/height; default a panel 3.6 inches wide.
    title : str
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.barh`.

    Returns
    -------
    seaborn.FacetGrid
    """
    require_columns(data, [col, "rank", y, x], "plot_top_terms")
    top_n = check_top_n(top_n)
    if top_n is not None:
        data = data[data["rank"] <= top_n]
    data = data.sort_values([col, "rank"], kind="stable")
    topics = sorted(data[col].unique())
    height = max(height, 0.22 * int(data["rank"].max()) + 0.9)
    template = "topic {col_name}"
    if "label" in data.columns:
        names = dict(zip(data[col], data["label"], strict=False))
        data = data.assign(_panel=data[col].map(lambda t: f"{t}: {names[t]}"))
        topics = [f"{t}: {names[t]}" for t in topics]
        col = "_panel"
    grid = facet_bars(
        data,
        x=x,
        y=y,
        col=col,
        col_order=topics,
        col_wrap=col_wrap,
        height=height,
        aspect=aspect or 3.6 / height,
        palette=sns.color_palette(n_colors=len(topics)),
        title=title,
        col_template=template,
        xlabel_bottom_only=True,
        **kwargs,
    )
    for ax in grid.axes.flat:
        ax.tick_params(axis="y", labelsize=8)
        ax.title.set_fontsize(9)
    return grid


@renamed(topics="hue_order")
def plot_topic_prevalence(
    data: pd.DataFrame,
    *,
    x: str = "group",
    y: str = "prevalence",
    hue: str = "topic",
    hue_order: Sequence[int] | None = None,
    level: float | None = None,
    docs: pd.DataFrame | None = None,
    min_docs: int = MIN_DOCS,
    max_groups: int = MAX_GROUPS,
    ax: Axes | None = None,
    title: str | None = None,
    **kwargs,
) -> Axes:
    """Topic prevalence (mean topic share) per group with its bootstrap interval; small
    groups shown as their documents.

    For numeric ``x`` (years) each topic is a line with a ``ci_low``..``ci_high`` band
    through consecutive groups that have an interval; a group without one (fewer than
    ``min_docs`` documents, or ``n_boot=0``: the interval is NaN) is never joined by the
    line but drawn as its documents (a strip of points, from ``docs``) or, without
    ``docs``, as a hollow marker. Other ``x`` values are categories: points with
    interval bars dodged by topic, ordered by the first topic's prevalence and capped at
    ``max_groups`` with a note; more than 12 are laid out horizontally. The figure's
    size follows the number of groups, bounded (at most 12 inches wide, so 79 years
    stay readable).

    Parameters
    ----------
    data : DataFrame
        :func:`analysis.topic_prevalence`: ``group, topic, label, prevalence, ci_low,
        ci_high`` (``n_docs`` optional). To label the axis with the grouping column's
        name, rename ``group`` to it and pass ``x=``.
    x, y, hue : str
        Group, prevalence and topic columns.
    hue_order : list of int, optional
        Topics to show, in this order (default all, sorted; ``topics=`` is its
        deprecated name).
    level : float, optional
        The intervals' coverage for the title; default ``data.attrs["level"]``.
    docs : DataFrame, optional
        Per-document topic shares, one row per (document, topic): columns ``x`` (the
        document's group), ``hue`` and ``y`` (or ``value``). Groups without an
        interval are drawn as these points.
    min_docs : int, default :data:`analysis.evidence.MIN_DOCS`
        Named in the legend note of groups without an interval.
    max_groups : int, default 25
        Most categorical groups drawn.
    ax : Axes, optional
    title : str, optional
    **kwargs
        :class:`~matplotlib.lines.Line2D` properties of the lines and markers.
        ``xlabel=`` is deprecated: it still sets the axis label for one release, with
        a DeprecationWarning.

    Returns
    -------
    Axes
    """
    xlabel = kwargs.pop("xlabel", None)
    if xlabel is not None:
        warnings.warn(
            "plot_topic_prevalence(xlabel=...) is deprecated; the label comes from x "
            "(rename the group column and pass x=)",
            DeprecationWarning,
            stacklevel=3,
        )
    require_columns(data, [x, hue, y, "ci_low", "ci_high"], "plot_topic_prevalence")
    names = sorted(data[hue].unique()) if hue_order is None else list(hue_order)
    labels = {}
    if "label" in data.columns:
        labels = {t: f"{t}: {lab}" for t, lab in zip(data[hue], data["label"], strict=False)}
    drawn = group_estimates(
        ax,
        data,
        x=x,
        y=y,
        hue=hue,
        hue_order=names,
        labels=labels,
        docs=docs,
        min_docs=min_docs,
        max_groups=max_groups,
        what="plot_topic_prevalence",
        **kwargs,
    )
    ax = drawn.ax
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if drawn.layout == "horizontal":
        ax.set_xlim(left=0)
    else:
        ax.set_ylim(bottom=0)
    legend_outside(ax, title=readable(hue), handles=drawn.handles, labels=drawn.labels)
    where = axis_label(data, x)
    ax.set_title(title or f"Topic prevalence by {where} ({interval_title(data, level)})")
    return ax


def plot_select_k(
    data: pd.DataFrame,
    *,
    x: str = "k",
    metrics: Sequence[str] = METRICS,
    col_wrap: int | None = None,
    height: float = 3.2,
    aspect: float = 1.0,
    title: str = "Model selection: metrics against the number of topics",
    chosen: int | None = None,
    min_stability: float | None = None,
    **kwargs,
) -> sns.FacetGrid:
    """Selection metrics against k: one panel per metric, a line through the mean over
    seeds and one point per seed.

    Parameters
    ----------
    data : DataFrame
        :func:`analysis.select_k`: ``k, seed`` and the metric columns.
    x : str, default "k"
    metrics : sequence of str
        Columns to draw (default ``npmi, umass, diversity, stability``), one panel each.
    col_wrap : int, optional
        Panels per row (default all in one row).
    height, aspect : float
        Panel height (inches) and width/height ratio.
    title : str
    chosen : int, optional
        The chosen k, marked by a vertical line in every panel.
    min_stability : float, optional
        The stability threshold of the selection rule, a horizontal dashed line in the
        ``stability`` panel.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot` for the seed points.

    Returns
    -------
    seaborn.FacetGrid
    """
    metrics = list(metrics)
    require_columns(data, [x, "seed", *metrics], "plot_select_k")
    long = data.melt(id_vars=[x, "seed"], value_vars=metrics, var_name="metric")
    palette = sns.color_palette(n_colors=len(metrics))
    ticks = sorted(data[x].unique())
    kwargs = {"alpha": 0.6, "markersize": 4, **kwargs}

    def draw(ax: Axes, rows: pd.DataFrame, i: int) -> None:
        mean = rows.groupby(x, sort=True)["value"].mean()
        ax.plot(mean.index, mean.to_numpy(), "-", color=palette[i], label="mean over seeds")
        ax.plot(rows[x], rows["value"], "o", color=palette[i], label="seed", **kwargs)
        if chosen is not None:
            ax.axvline(
                chosen, color="0.25", linestyle=":", linewidth=1.2, label=f"chosen k = {chosen}"
            )
        if min_stability is not None and metrics[i] == "stability":
            ax.axhline(min_stability, color="0.4", linestyle="--", linewidth=1, label="threshold")
        ax.set_xlabel(readable(x))
        ax.set_ylabel(readable(metrics[i]))
        ax.set_xticks(ticks)

    grid = facets(
        long,
        col="metric",
        col_order=metrics,
        col_wrap=col_wrap or len(metrics),
        height=height,
        aspect=aspect,
        draw=draw,
        title=title,
    )
    for ax, metric in zip(grid.axes.flat, metrics, strict=False):
        ax.set_title(readable(metric), fontsize="medium")
    handles = [
        Line2D([], [], color="0.3", linestyle="-"),
        Line2D([], [], color="0.3", marker="o", linestyle="none", alpha=0.6, markersize=4),
    ]
    texts = ["mean over seeds", "one seed"]
    if chosen is not None:
        handles.append(Line2D([], [], color="0.25", linestyle=":", linewidth=1.2))
        texts.append(f"chosen k = {chosen}")
    if min_stability is not None and "stability" in metrics:
        handles.append(Line2D([], [], color="0.4", linestyle="--", linewidth=1))
        texts.append(f"stability threshold {min_stability:g}")
    # right of the last panel, outside every panel
    grid.figure.legend(
        handles, texts, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False,
        fontsize="small",
    )  # fmt: skip
    return grid
