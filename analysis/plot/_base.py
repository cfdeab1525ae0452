"""Shared private plotters: the style, readable labels, new axes, the one faceting helper,
"an estimate per group with its interval", and the interval title.

Every public figure in :mod:`analysis.plot` is built from these, so labels, facets and
intervals look and read the same in every figure.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from ..errors import AnalysisError
from ..evidence import MIN_DOCS
from ..validation import require_columns

__all__ = [
    "LABELS",
    "MARKERS",
    "MAX_GROUPS",
    "STYLE",
    "readable",
    "axis_label",
    "wrap",
    "require_columns",
    "new_axes",
    "facets",
    "facet_bars",
    "cap_note",
    "group_estimates",
    "interval_title",
    "legend_outside",
]

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p")

#: Most groups one figure draws; more are capped with a note naming how many are shown.
MAX_GROUPS = 25

#: The one style of every figure (applied by :func:`analysis.plot.set_theme`): font sizes
#: in points, the screen dpi, the saved dpi (:func:`analysis.save_figure` uses 150 too).
STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.title_fontsize": 9,
    "figure.titlesize": 12,
    "figure.titleweight": "bold",
    "svg.hashsalt": "analysis",
}

#: Axis labels for column names that read badly with only ``_`` -> space.
LABELS = {
    "rate_per_1k": "rate per 1,000 words",
    "ci_low": "interval low",
    "ci_high": "interval high",
    "n_tokens": "word tokens",
    "tokens": "word tokens",
    "n_docs": "documents",
    "doc_id": "document",
    "rel_position": "position in document (0 = start, 1 = end)",
    "diff": "rate difference per 1,000 words (target - reference)",
    "prevalence": "mean topic share",
    "npmi": "NPMI coherence",
    "umass": "UMass coherence",
    "diversity": "topic diversity",
    "stability": "seed stability",
    "k": "number of topics (k)",
    "source_type": "source type",
    "weight": "term weight",
}


def readable(column: Hashable) -> str:
    """A column name as an axis label: ``rate_per_1k`` -> ``rate per 1,000 words``.

    Names in :data:`LABELS` get their entry; otherwise a ``_per_1k`` suffix reads
    ``per 1,000 words`` and every ``_`` becomes a space.
    """
    name = str(column)
    if name in LABELS:
        return LABELS[name]
    return name.replace("_per_1k", " per 1,000 words").replace("_", " ")


def axis_label(data: pd.DataFrame, column: Hashable) -> str:
    """:func:`readable` of ``column``; the generic ``group`` column reads as the grouping
    column's name when the table records it (``data.attrs["by"]``)."""
    if str(column) == "group":
        by = getattr(data, "attrs", {}).get("by")
        if isinstance(by, str) and by:
            return readable(by)
    return readable(column)


def wrap(text: Hashable, width: int) -> str:
    """``text`` broken into lines of at most ``width`` characters (words kept whole)."""
    return textwrap.fill(str(text), width=max(int(width), 8), break_long_words=True)


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


def cap_note(shown: int, total: int, what: str = "groups") -> str:
    """``"showing 25 of 79 groups; all in the table"`` (empty when nothing is capped)."""
    if shown >= total:
        return ""
    return f"showing {shown} of {total} {what}; all in the table"


def bundled_fonts_first() -> None:
    """Put the fonts shipped with matplotlib before same-named system fonts.

    matplotlib picks, among equally good matches, the font listed first in its font
    cache, and that order depends on the machine and on when the cache was built. A
    system DejaVu Sans (Debian's ``fonts-dejavu``) numbers its glyphs differently from
    matplotlib's copy (the minus sign is glyph 0xc9d, not 0xc9c), so the same figure
    gave different SVG bytes depending on which one won. Reordering the list (stably:
    matplotlib's fonts first) makes the choice the same everywhere.
    """
    import matplotlib
    from matplotlib import font_manager

    own = Path(matplotlib.get_data_path()).resolve() / "fonts"
    manager = font_manager.fontManager
    for path in sorted(own.glob("ttf/*.ttf")):  # listed, whatever the cache holds
        if not any(Path(f.fname) == path for f in manager.ttflist):
            manager.addfont(str(path))
    manager.ttflist.sort(key=lambda f: not Path(f.fname).resolve().is_relative_to(own))
    cached = getattr(type(manager), "_findfont_cached", None)
    if cached is not None and hasattr(cached, "cache_clear"):
        cached.cache_clear()  # lookups made before the reordering


def signed_extremes(data: pd.DataFrame, *, x: str, y: str, top_n: int) -> pd.DataFrame:
    """The ``top_n`` rows with the largest positive ``x`` and the ``top_n`` with the most
    negative, in the order of ``data.sort_values([x, y], ascending=[False, True])``.

    Equal to ``pd.concat([srt[srt[x] > 0].head(top_n), srt[srt[x] < 0].tail(top_n)])``
    with ``srt`` that sort (ties on ``x`` broken by ``y``, then by row order), but only
    the rows at or beyond each side's ``top_n``-th value are sorted: a keyness table of
    a 1-2-gram vocabulary has millions of rows, and sorting them all by a string column
    took most of a keyness figure's time (18 s of 4.8 million rows; tested against the
    full sort).
    """
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    # nlargest needs a numeric column: other columns (objects holding numbers) are sorted whole
    pick = is_numeric_dtype(data[x]) and not is_bool_dtype(data[x]) and top_n >= 1
    parts = []
    for mask, largest in ((data[x] > 0, True), (data[x] < 0, False)):
        side = data[x][mask]
        if pick and len(side) > top_n:  # the top_n-th value, and every row tied with it
            edge = side.nlargest(top_n).iloc[-1] if largest else side.nsmallest(top_n).iloc[-1]
            mask = mask & ((data[x] >= edge) if largest else (data[x] <= edge))
        srt = data[mask].sort_values([x, y], ascending=[False, True])
        parts.append(srt.head(top_n) if largest else srt.tail(top_n))
    return pd.concat(parts)


def _title_chars(width_in: float, fontsize: float = 10.0) -> int:
    """Characters of a ``fontsize``-point title that fit in ``width_in`` inches."""
    return max(12, int(width_in * 72 / (0.6 * fontsize)))


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
    max_panels: int | None = None,
) -> sns.FacetGrid:
    """THE faceting helper: one panel per value of ``col`` (in ``col_order``), each with
    its own x and y axes, drawn by ``draw(ax, rows_of_the_panel, panel_number)``.

    Panel titles follow ``col_template`` (``{col_var}``, ``{col_name}``) and are wrapped
    to the panel's width, so neighbouring titles never overlap. ``title`` is the
    figure's suptitle. With ``max_panels``, only the first ``max_panels`` values are
    drawn and the suptitle says how many of how many are shown. Returns the
    :class:`seaborn.FacetGrid`.
    """
    order = list(col_order)
    note = ""
    if max_panels is not None and len(order) > max_panels:
        note = cap_note(max_panels, len(order), "panels")
        order = order[:max_panels]
        data = data[data[col].isin(order)]
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
    chars = _title_chars(height * aspect)
    for i, value in enumerate(order):
        ax = grid.axes_dict[value]
        draw(ax, data[data[col] == value], i)
        text = col_template.format(col_var=readable(col), col_name=value)
        ax.set_title(wrap(text, chars), fontsize="medium")
    grid.tight_layout()
    if title or note:
        text = "\n".join(t for t in (title, f"({note})" if note else "") if t)
        grid.figure.suptitle(text, y=1.02, fontweight="bold")
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
    max_panels: int | None = None,
    **kwargs,
) -> sns.FacetGrid:
    """Horizontal bars of ``x`` per ``y``, one panel per ``col`` value, rows in table
    order (the first row on top). ``palette`` gives each panel its own colour; otherwise
    every bar has ``color`` (default: the first colour of the palette). ``max_panels``
    caps the panels (see :func:`facets`). ``kwargs`` go to
    :meth:`~matplotlib.axes.Axes.barh`.
    """
    order = list(dict.fromkeys(data[col])) if col_order is None else list(col_order)
    shown = len(order) if max_panels is None else min(len(order), max_panels)
    n_cols = max(1, min(col_wrap, shown))
    n_rows = -(-shown // n_cols)

    def draw(ax: Axes, rows: pd.DataFrame, i: int) -> None:
        c = palette[i] if palette is not None else (color or sns.color_palette()[0])
        ax.barh(rows[y].astype(str)[::-1], rows[x].to_numpy()[::-1], color=c, **kwargs)
        bottom = i // n_cols == n_rows - 1 or i + n_cols >= shown
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
        max_panels=max_panels,
    )
    return grid


# ---------------------------------------------------------------------------------------
# An estimate per group with its interval
# ---------------------------------------------------------------------------------------


@dataclass
class Estimates:
    """What :func:`group_estimates` drew: the Axes, the legend's handles and labels (the
    hue levels, then the notes), the notes, and the layout (``"line"``, ``"points"`` or
    ``"horizontal"``)."""

    ax: Axes
    handles: list = field(default_factory=list)
    labels: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    layout: str = "line"
    groups: list = field(default_factory=list)


def _size(n_groups: int, n_levels: int, layout: str) -> tuple[float, float]:
    """Figure size (inches) for ``n_groups`` groups of ``n_levels`` hue levels, bounded
    so a figure of 3 and of 100 groups are both readable (width at most 12 in)."""
    crowd = max(1.0, n_levels / 3)
    if layout == "line":
        return (float(np.clip(4.0 + 0.1 * n_groups, 6.5, 12.0)), 4.2)
    if layout == "points":
        return (float(np.clip(2.5 + 0.55 * n_groups * crowd, 6.0, 12.0)), 4.2)
    return (7.0, float(np.clip(1.2 + 0.3 * n_groups * max(1.0, n_levels / 4), 3.0, 12.0)))


def _spread(n: int, width: float) -> np.ndarray:
    """Deterministic jitter: ``n`` offsets evenly spaced over ``width`` (0 for one)."""
    if n <= 1:
        return np.zeros(n)
    return np.linspace(-width / 2, width / 2, n)


def _runs(flags: np.ndarray) -> list[np.ndarray]:
    """Index arrays of the maximal runs of consecutive True values in ``flags``."""
    runs, current = [], []
    for i, flag in enumerate(flags):
        if flag:
            current.append(i)
        elif current:
            runs.append(np.array(current))
            current = []
    if current:
        runs.append(np.array(current))
    return runs


def group_estimates(
    ax: Axes | None,
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    hue: str | None,
    hue_order: Sequence | None = None,
    labels: dict | None = None,
    lo: str = "ci_low",
    hi: str = "ci_high",
    docs: pd.DataFrame | None = None,
    min_docs: int = MIN_DOCS,
    max_groups: int = MAX_GROUPS,
    numeric_x: bool = True,
    what: str = "plot",
    **kwargs,
) -> Estimates:
    """An estimate per group with its interval, drawn so small groups are shown, not
    summarised.

    A row of ``data`` is one (group ``x``, level ``hue``) estimate ``y`` with an interval
    ``lo``..``hi``. A group *has an interval* when both bounds are numbers; tables of
    :mod:`analysis` leave them NaN for groups of fewer than ``min_docs`` documents
    (:data:`analysis.evidence.MIN_DOCS`). Without ``lo``/``hi`` columns, a group counts
    as having one when its ``n_docs`` is at least ``min_docs`` (no band is drawn); with
    neither column every group does.

    * **Ordered numeric x** (years; ``numeric_x``): each level is a line with an
      interval band through consecutive groups that have an interval. A group without
      one is never joined by a line: it is drawn as its documents (a strip of points,
      deterministically spread) when ``docs`` has rows for it, else as a hollow marker.
    * **Categorical x**: points with interval bars, groups ordered by the first level's
      estimate (descending, then by name); groups without an interval are strips or
      hollow markers as above. More than 12 groups are laid out horizontally (groups
      down the y axis); more than ``max_groups`` are capped with a note.

    The legend entries (one per level, then notes such as ``"hollow: fewer than 5
    documents, no interval"``) are returned, not drawn. When ``ax`` is None a figure
    sized for the number of groups is made (at most 12 inches wide).

    Parameters
    ----------
    docs : DataFrame, optional
        Per-document values: columns ``x``, ``hue`` (when given) and ``y`` (or
        ``value``), one row per document.
    kwargs
        :class:`~matplotlib.lines.Line2D` properties for the lines and markers.
    """
    hue_col = hue
    if hue_col is None:
        data = data.assign(_level="")
        hue_col = "_level"
    names = list(hue_order) if hue_order is not None else list(dict.fromkeys(data[hue_col]))
    for level in names:
        if not (data[hue_col] == level).any():
            raise AnalysisError(f"{what}: no {hue} {level!r} in the table; check hue_order")
    data = data[data[hue_col].isin(names)]
    doc_value = None
    if docs is not None:
        doc_value = y if y in docs.columns else "value"
        require_columns(docs, [x, doc_value] + ([hue] if hue else []), f"{what} (docs=)")
        if hue is None:
            docs = docs.assign(_level="")
    has_ci = lo in data.columns and hi in data.columns
    if not has_ci and "n_docs" not in data.columns and docs is not None:
        counts = docs.groupby([x, hue_col], sort=False).size().rename("n_docs")
        data = data.merge(counts, left_on=[x, hue_col], right_index=True, how="left")
        data["n_docs"] = data["n_docs"].fillna(0)
    if has_ci:
        has = data[lo].notna().to_numpy() & data[hi].notna().to_numpy()
    elif "n_docs" in data.columns:
        has = (pd.to_numeric(data["n_docs"], errors="coerce") >= min_docs).to_numpy()
    else:
        has = np.ones(len(data), dtype=bool)
    data = data.assign(_has=has)

    xs_num = pd.to_numeric(data[x], errors="coerce")
    numeric = bool(numeric_x and len(data) and xs_num.notna().all())
    groups = list(dict.fromkeys(data[x]))
    n_total = len(groups)
    notes: list[tuple] = []
    if numeric:
        layout = "line"
        positions = dict(zip(data[x], xs_num.astype(float), strict=False))
        groups = sorted(groups, key=lambda g: positions[g])
    else:
        first = data[data[hue_col] == names[0]].drop_duplicates(x).set_index(x)[y]
        groups = sorted(groups, key=lambda g: (-float(first.get(g, -np.inf)), str(g)))
        if n_total > max_groups:
            groups = groups[:max_groups]
            data = data[data[x].isin(groups)]
            note = cap_note(len(groups), n_total).replace("groups;", "groups (ordered by {});")
            notes.append((Line2D([], [], linestyle="none"), note.format(readable(y))))
        layout = "horizontal" if len(groups) > 12 else "points"
        positions = {g: float(i) for i, g in enumerate(groups)}
    ax = new_axes(ax, _size(len(groups), len(names), layout))

    distinct = np.array(sorted(positions[g] for g in groups), dtype=float)
    step = float(np.min(np.diff(distinct))) if len(distinct) > 1 else 1.0
    width = 0.8 * step  # the slot of one group
    slot = width / max(len(names), 1)
    palette = sns.color_palette(n_colors=max(len(names), 1))
    horizontal = layout == "horizontal"

    def put(pos, val, *args, **kw):
        """``ax.plot`` with x and y swapped in the horizontal layout."""
        return ax.plot(*((val, pos) if horizontal else (pos, val)), *args, **kw)

    dense = len(groups) <= MAX_GROUPS
    handles, texts = [], []
    any_strip = any_hollow = any_band = False
    for k, level in enumerate(names):
        sub = data[data[hue_col] == level]
        sub = sub.assign(_pos=sub[x].map(positions)).sort_values("_pos", kind="stable")
        pos = sub["_pos"].to_numpy(dtype=float)
        val = sub[y].to_numpy(dtype=float)
        ok = sub["_has"].to_numpy(dtype=bool)
        # dodge: each level keeps a fixed offset within its group's slot (a third for
        # lines, so a line's points stay near their year)
        offset = (k - (len(names) - 1) / 2) * slot * (0.3 if layout == "line" else 1.0)
        pos = pos + offset
        color, marker = palette[k], MARKERS[k % len(MARKERS)]
        line_kw = {"color": color, **kwargs}
        if layout == "line":
            for run in _runs(ok):
                if len(run) > 1:
                    ax.plot(pos[run], val[run], "-", linewidth=1.5 if dense else 1.2, **line_kw)
                    if has_ci:
                        ax.fill_between(
                            pos[run],
                            sub[lo].to_numpy(dtype=float)[run],
                            sub[hi].to_numpy(dtype=float)[run],
                            color=color,
                            alpha=0.18 if len(names) <= 2 else 0.12,
                            linewidth=0,
                        )
                        any_band = True
                elif has_ci:
                    i = run[0]
                    err = [[val[i] - sub[lo].iloc[i]], [sub[hi].iloc[i] - val[i]]]
                    ax.errorbar(
                        pos[i : i + 1], val[i : i + 1], yerr=err, fmt="none", ecolor=color,
                        capsize=3,
                    )  # fmt: skip
            # many years: the line alone (markers would hide it)
            put(pos[ok], val[ok], marker, linestyle="none", markersize=5 if dense else 0,
                **line_kw)  # fmt: skip
        else:
            p = pos[ok]
            if has_ci:
                err = [
                    val[ok] - sub[lo].to_numpy(dtype=float)[ok],
                    sub[hi].to_numpy(dtype=float)[ok] - val[ok],
                ]
                ax.errorbar(
                    *((val[ok], p) if horizontal else (p, val[ok])),
                    **({"xerr": err} if horizontal else {"yerr": err}),
                    fmt="none",
                    ecolor=color,
                    capsize=3,
                )
            put(p, val[ok], marker, linestyle="none", markersize=5, **line_kw)
        # groups without an interval: their documents, else a hollow marker
        small = sub[~ok]
        hollow = np.ones(len(small), dtype=bool)
        if doc_value is not None and len(small):
            level_docs = docs[docs[hue_col if hue is not None else "_level"] == level]
            for j, (group, gpos) in enumerate(zip(small[x], small["_pos"], strict=True)):
                values = np.sort(
                    level_docs.loc[level_docs[x] == group, doc_value].to_numpy(dtype=float)
                )
                if not len(values):
                    continue
                hollow[j] = False
                any_strip = True
                centre = gpos + offset
                spots = centre + _spread(len(values), slot * (0.4 if layout == "line" else 0.8))
                xy = (values, spots) if horizontal else (spots, values)
                ax.scatter(*xy, s=14, marker=marker, color=color, alpha=0.8, linewidths=0)
        if hollow.any():
            any_hollow = True
            hp = small["_pos"].to_numpy(dtype=float)[hollow] + offset
            put(hp, small[y].to_numpy(dtype=float)[hollow], marker, linestyle="none",
                markersize=5, mfc="white", mec=color)  # fmt: skip
        handles.append(
            Line2D(
                [],
                [],
                color=color,
                marker=marker,
                markersize=5,
                linestyle="-" if layout == "line" else "none",
            )  # fmt: skip
        )
        texts.append(wrap((labels or {}).get(level, str(level)), 40))

    few = (
        "n_docs" in data.columns
        and (pd.to_numeric(data.loc[~data["_has"], "n_docs"], errors="coerce") < min_docs).all()
    )
    reason = f"fewer than {min_docs} documents, no interval" if few else "no interval"
    if any_band:
        notes.insert(0, (Patch(color="0.6", alpha=0.4, linewidth=0), "band: interval"))
    if any_strip:
        dot = Line2D([], [], marker="o", color="0.4", linestyle="none", markersize=3)
        notes.append((dot, f"dots: one per document ({reason})"))
    if any_hollow:
        ring = Line2D([], [], marker="o", mfc="white", mec="0.3", linestyle="none", markersize=5)
        notes.append((ring, f"hollow: {reason}"))
    if hue is None:
        handles, texts = [], []
    handles += [h for h, _ in notes]
    texts += [t for _, t in notes]

    # axes: ticks and labels
    tick_names = [wrap(g, 40 if horizontal else 16) for g in groups]
    if layout == "line":
        if len(distinct) <= 12:
            ax.set_xticks(distinct, [f"{v:g}" for v in distinct])
        else:
            ax.xaxis.set_major_locator(MaxNLocator(nbins=12, integer=True))
        ax.set_xlabel(axis_label(data, x))
        ax.set_ylabel(axis_label(data, y))
    elif horizontal:
        ax.set_yticks(range(len(groups)), tick_names)
        ax.set_ylim(len(groups) - 0.5, -0.5)
        ax.set_ylabel(axis_label(data, x))
        ax.set_xlabel(axis_label(data, y))
    else:
        ax.set_xticks(range(len(groups)), tick_names)
        ax.set_xlim(-0.6, len(groups) - 0.4)
        ax.set_xlabel(axis_label(data, x))
        ax.set_ylabel(axis_label(data, y))
    return Estimates(
        ax=ax,
        handles=handles,
        labels=texts,
        notes=[t for _, t in notes],
        layout=layout,
        groups=groups,
    )


def interval_title(data: pd.DataFrame, level: float | None = None) -> str:
    """``"95% bootstrap intervals"`` from ``level``, else ``data.attrs["level"]``;
    ``"bootstrap intervals"`` when neither gives a level. When no row of ``data`` has an
    interval (every ``ci_low`` missing: each group is below ``min_docs`` documents),
    ``"per-document values, no intervals"``, so a title never promises what the figure
    does not draw."""
    if "ci_low" in data.columns and len(data) and data["ci_low"].isna().all():
        return "per-document values, no intervals"
    if level is None:
        level = data.attrs.get("level")
    if level is None:
        return "bootstrap intervals"
    return f"{float(level) * 100:g}% bootstrap intervals"
