"""Figures for topic models: top terms, prevalence by group, selection metrics against k.

Every function takes one of the tidy tables of :mod:`analysis.topics`, draws with
seaborn's style, returns the matplotlib Axes (one panel) or Figure (faceted), and never
saves or shows; axis labels come from the column names.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..errors import AnalysisError

__all__ = ["plot_top_terms", "plot_topic_prevalence", "plot_select_k"]

METRICS = ("npmi", "umass", "diversity", "stability")


def _require(data: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise AnalysisError(
            f"{what} needs the column {missing[0]!r}; pass the table {what} expects"
        )
    if data.empty:
        raise AnalysisError(f"{what}: the table is empty; nothing to plot")


def plot_top_terms(
    data: pd.DataFrame,
    *,
    n: int | None = None,
    col_wrap: int = 3,
    height: float = 2.4,
    title: str = "Top terms per topic",
):
    """Horizontal bars of each topic's top terms, one panel per topic.

    Parameters
    ----------
    data : DataFrame
        ``TopicModel.top_terms()``: ``topic, label, rank, term, weight``.
    n : int, optional
        Keep the ``n`` first ranks (default: all in ``data``).
    col_wrap : int, default 3
        Panels per row.
    height : float, default 2.4
        Height of a panel, inches.
    title : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    _require(data, ("topic", "rank", "term", "weight"), "plot_top_terms")
    if n is not None:
        data = data[data["rank"] <= n]
    topics = sorted(data["topic"].unique())
    ncol = max(1, min(col_wrap, len(topics)))
    nrow = math.ceil(len(topics) / ncol)
    n_rank = int(data["rank"].max())
    with sns.axes_style("whitegrid"):
        fig, axes = plt.subplots(
            nrow,
            ncol,
            figsize=(3.6 * ncol, max(height, 0.22 * n_rank + 0.9) * nrow),
            squeeze=False,
        )
    palette = sns.color_palette(n_colors=len(topics))
    for i, t in enumerate(topics):
        ax = axes.flat[i]
        d = data[data["topic"] == t].sort_values("rank")
        ax.barh(np.arange(len(d)), d["weight"], color=palette[i])
        ax.set_yticks(np.arange(len(d)), d["term"].astype(str))
        ax.invert_yaxis()
        head = f"topic {t}"
        if "label" in d.columns:
            head += f": {d['label'].iloc[0]}"
        ax.set_title(head, fontsize=9)
        ax.set_xlabel("weight" if i // ncol == nrow - 1 else "")
        ax.tick_params(axis="y", labelsize=8)
    for ax in list(axes.flat)[len(topics) :]:
        ax.set_visible(False)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_topic_prevalence(
    data: pd.DataFrame,
    *,
    topics: list[int] | None = None,
    ax=None,
    title: str | None = None,
    xlabel: str = "group",
):
    """Topic prevalence per group with the bootstrap interval as error bars.

    One point per (group, topic), dodged within each group, coloured by topic;
    vertical bars are ``ci_low``..``ci_high`` (absent when NaN, e.g. one-document
    groups, which are drawn as hollow markers).

    Parameters
    ----------
    data : DataFrame
        :func:`analysis.topic_prevalence`: ``group, topic, label, prevalence, ci_low,
        ci_high`` (``n_docs`` optional).
    topics : list of int, optional
        Topics to show (default all).
    ax : matplotlib Axes, optional
    title : str, optional
    xlabel : str, default "group"
        Label of the x axis (e.g. the ``by`` column).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    _require(data, ("group", "topic", "prevalence", "ci_low", "ci_high"), "plot_topic_prevalence")
    if topics is not None:
        data = data[data["topic"].isin(topics)]
    groups = list(pd.unique(data["group"]))
    tlist = sorted(data["topic"].unique())
    if ax is None:
        with sns.axes_style("whitegrid"):
            _, ax = plt.subplots(figsize=(max(6.0, 0.6 * len(groups) * max(1, len(tlist) / 3)), 4))
    palette = sns.color_palette(n_colors=len(tlist))
    width = 0.8
    step = width / max(len(tlist), 1)
    x0 = np.arange(len(groups))
    pos = {g: i for i, g in enumerate(groups)}
    for i, t in enumerate(tlist):
        d = data[data["topic"] == t]
        x = np.array([pos[g] for g in d["group"]]) - width / 2 + step * (i + 0.5)
        y = d["prevalence"].to_numpy(float)
        lo = d["ci_low"].to_numpy(float)
        hi = d["ci_high"].to_numpy(float)
        has = ~(np.isnan(lo) | np.isnan(hi))
        lab = f"{t}: {d['label'].iloc[0]}" if "label" in d.columns else str(t)
        ax.errorbar(
            x[has],
            y[has],
            yerr=np.vstack([y[has] - lo[has], hi[has] - y[has]]),
            fmt="o",
            color=palette[i],
            capsize=2,
            markersize=4,
            label=lab,
        )
        ax.plot(
            x[~has],
            y[~has],
            "o",
            markerfacecolor="none",
            color=palette[i],
            markersize=5,
            label=None if has.any() else lab,
        )
    ax.set_xticks(x0, [str(g) for g in groups], rotation=90 if len(groups) > 12 else 0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("prevalence")
    ax.set_ylim(bottom=0)
    ax.legend(title="topic", fontsize=7, title_fontsize=8, loc="upper left", bbox_to_anchor=(1, 1))
    ax.set_title(title or "Topic prevalence by group (95% bootstrap intervals over documents)")
    return ax


def plot_select_k(
    data: pd.DataFrame,
    *,
    metrics: tuple[str, ...] = METRICS,
    title: str = "Model selection: metrics against the number of topics",
):
    """Selection metrics against k: one panel per metric, a line through the mean over
    seeds and one point per seed.

    Parameters
    ----------
    data : DataFrame
        :func:`analysis.select_k`: ``k, seed`` and the metric columns.
    metrics : tuple of str
        Columns to draw (default ``npmi, umass, diversity, stability``).
    title : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    _require(data, ("k", "seed", *metrics), "plot_select_k")
    with sns.axes_style("whitegrid"):
        fig, axes = plt.subplots(1, len(metrics), figsize=(3.2 * len(metrics), 3.2), squeeze=False)
    palette = sns.color_palette(n_colors=len(metrics))
    for i, m in enumerate(metrics):
        ax = axes[0, i]
        mean = data.groupby("k", sort=True)[m].mean()
        ax.plot(mean.index, mean.to_numpy(), "-", color=palette[i], label="mean over seeds")
        ax.plot(data["k"], data[m], "o", color=palette[i], alpha=0.6, markersize=4, label="seed")
        ax.set_xlabel("k")
        ax.set_ylabel(m)
        ax.set_title(m)
        ax.set_xticks(sorted(data["k"].unique()))
    axes[0, 0].legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
