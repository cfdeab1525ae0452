"""Figures for term statistics: keywords per group, keyness, term rates over time.

Each function takes the tidy table of :func:`analysis.tfidf_keywords`,
:func:`analysis.keyness` or :func:`analysis.term_frequencies`, draws with seaborn, takes
axis labels from the column names (:func:`analysis.plot._base.readable`), sets a title,
and returns the Axes (or a FacetGrid for the faceted figure) without saving or showing.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.patches import Patch

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
    signed_extremes,
)

__all__ = ["plot_keywords", "plot_keyness", "plot_term_rates"]

#: Face colour of the bars of terms inside the noise band (not supported).
GREY = "0.62"


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


def _wrap(text: str, width: int) -> str:
    """``text`` broken into lines of at most ``width`` characters (words kept whole)."""
    return textwrap.fill(str(text), width=width, break_long_words=False) or str(text)


def _keyness_title(data: pd.DataFrame, target: str, reference: str) -> str:
    """``Keyness (log-odds ...): 2025 vs the other 2 years``, wrapped to two lines or so."""
    from ..compare import MEASURE_NAMES

    measure = ""
    if "measure" in data.columns:
        m = str(data["measure"].iloc[0])
        measure = f" ({MEASURE_NAMES.get(m, m)})"
    return _wrap(f"Keyness{measure}: {target} vs {reference}", 44)


@renamed(top="top_n")
def plot_keyness(
    data: pd.DataFrame,
    *,
    x: str = "z",
    y: str = "term",
    hue: str | None = None,
    top_n: int = 15,
    level: float | None = None,
    title: str | None = None,
    min_docs: int = MIN_DOCS,
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Diverging bars of keyness with the noise band: target terms right, reference left.

    The band ``|z| < z_crit`` (``z_crit = critical_z(level)``, 1.96 at 0.95; see
    :func:`analysis.keyness`) is shaded and labelled "not distinguishable from noise",
    and the bars of terms inside it (``supported`` False) are grey: their difference is
    within what independent token draws produce by chance. The band is drawn when ``x``
    is ``"z"`` (another statistic has no fixed threshold on its own scale); the bars are
    greyed whatever ``x``. The legend sits outside the axes, long term and group names
    are wrapped, and the title names the measure and both sides.

    Parameters
    ----------
    data : DataFrame
        From :func:`analysis.keyness` (``term``, ``z`` or ``score``, ``supported``,
        ``level``, and the ``target``/``reference`` labels used in the legend and
        title). Without ``supported``, a bar is inside the band when ``|z| < z_crit``.
    x : str, default "z"
        The signed statistic to plot.
    y : str, default "term"
    hue : str, optional
        Bar colour; default the side, ``"more in <target>"`` / ``"more in <reference>"``,
        or ``"distinctive of <side>"`` when a side holds fewer than ``min_docs``
        documents (``n_docs_target``/``n_docs_reference``): a token-level z from a
        handful of texts compares no groups (:mod:`analysis.evidence`).
    top_n : int, default 15
        Bars on each side (``top=`` is its deprecated name).
    level : float, optional
        Level of the band; default the table's ``level`` column (and its ``supported``
        column greys the bars), else 0.95. Given, it overrides both: bars are grey when
        ``|z| < critical_z(level)``.
    title : str, optional
        Default ``"Keyness (<measure>): <target> vs <reference>"``, wrapped.
    min_docs : int, default :data:`analysis.evidence.MIN_DOCS`
    ax : Axes, optional
    **kwargs
        Passed to :func:`seaborn.barplot`.

    Returns
    -------
    Axes
    """
    from ..compare import critical_z

    require_columns(data, [x, y] + ([hue] if hue else []), "plot_keyness")
    top_n = check_top_n(top_n, allow_none=False)
    own_level = level is not None
    if level is None:
        level = float(data["level"].iloc[0]) if "level" in data.columns and len(data) else 0.95
    z_crit = critical_z(level)
    target = str(data["target"].iloc[0]) if "target" in data.columns else "target"
    reference = str(data["reference"].iloc[0]) if "reference" in data.columns else "reference"
    sub = signed_extremes(data, x=x, y=y, top_n=top_n).copy()
    if "z" in sub.columns and (own_level or "supported" not in sub.columns):
        inside = (sub["z"].abs() < z_crit).to_numpy()
    elif "supported" in sub.columns:
        inside = ~sub["supported"].astype(bool).to_numpy()
    else:
        inside = np.zeros(len(sub), dtype=bool)
    sub[y] = [_wrap(t, 28) for t in sub[y]]
    sides, _ = _side_labels(data, target, reference, min_docs)
    if hue is None:
        hue = "side"
        sub[hue] = np.where(sub[x] > 0, sides[0], sides[1])
        kwargs.setdefault("palette", dict(zip(sides, sns.color_palette()[:2], strict=True)))
    n_lines = sum(str(t).count("\n") + 1 for t in sub[y])
    height = max(3.5, 0.28 * n_lines + 2.0)
    ax = new_axes(ax, (7, height), layout="constrained")
    sns.barplot(data=sub, x=x, y=y, hue=hue, dodge=False, orient="h", ax=ax, **kwargs)
    grey = GREY
    for patch in ax.patches:  # bar i is centred on category i (orient="h")
        i = int(round(patch.get_y() + patch.get_height() / 2))
        if patch.get_height() > 0 and 0 <= i < len(inside) and inside[i]:
            patch.set_facecolor(grey)
    ax.axvline(0, color="0.3", linewidth=0.8)
    band = f"|z| < {z_crit:.2f}: not distinguishable from noise (bars greyed)"
    if x == "z":
        ax.axvspan(-z_crit, z_crit, color="0.9", zorder=0, linewidth=0, gid="noise-band")
        lo, hi = ax.get_xlim()
        ax.set_xlim(min(lo, -1.15 * z_crit), max(hi, 1.15 * z_crit))
    ax.set_xlabel(readable(x))
    ax.set_ylabel("")
    ax.set_title(title or _keyness_title(data, target, reference))
    title_ = "" if hue == "side" else readable(hue)
    handles, labels = ax.get_legend_handles_labels()
    if x == "z" or inside.any():
        handles.append(Patch(facecolor="0.9" if x == "z" else grey, edgecolor=grey))
        labels.append(band if x == "z" else "not distinguishable from noise (greyed)")
    _place_legend(ax, handles, labels, title_)
    return ax


def _side_labels(
    data: pd.DataFrame, target: str, reference: str, min_docs: int
) -> tuple[list[str], bool]:
    """Legend names of the two sides, and whether a side has fewer than ``min_docs``
    documents (``n_docs_target``/``n_docs_reference``): then ``"distinctive of <side>"``
    instead of ``"more in <side>"``, since a handful of texts compares no groups."""
    small = any(
        c in data.columns and len(data) and int(data[c].iloc[0]) < min_docs
        for c in ("n_docs_target", "n_docs_reference")
    )
    word = "distinctive of" if small else "more in"
    return [_wrap(f"{word} {target}", 40), _wrap(f"{word} {reference}", 40)], bool(small)


def _place_legend(ax: Axes, handles: list, labels: list[str], title: str = "") -> None:
    """The legend of a bar figure: below its own figure (constrained layout makes room),
    or to the right of an axes of the caller's figure; never over the bars."""
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    if ax.figure.get_layout_engine() is not None and len(ax.figure.axes) == 1:
        ax.figure.legend(handles, labels, title=title, fontsize="small", frameon=False,
                         loc="outside lower center", ncols=1)  # fmt: skip
    else:
        legend_outside(ax, title=title, handles=handles, labels=labels)


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
