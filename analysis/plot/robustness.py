"""The specification curve of :func:`analysis.robustness.robustness`.

The figure of Simonsohn, Simmons & Nelson (2020, "Specification curve analysis",
*Nature Human Behaviour* 4): the estimate of every specification, sorted, with its
interval (top panel), and beneath it which choices made each specification (bottom
panel, one row per choice value, a dot where the specification used it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D

from ..errors import AnalysisError
from ..validation import check_top_n
from ._base import cap_note, readable, require_columns

if TYPE_CHECKING:
    from ..robustness import RobustnessResult

__all__ = ["plot_specification_curve"]

_GREY = "0.6"


def _choices(table: pd.DataFrame) -> list[str]:
    """The choice columns: ``attrs["choices"]``, else the columns before ``estimate``."""
    names = table.attrs.get("choices")
    if names is None:
        cols = list(table.columns)
        names = cols[: cols.index("estimate")] if "estimate" in cols else []
    return [n for n in names if n in table.columns]


def _value_text(name: str, value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        shown = "none"
    elif isinstance(value, bool | np.bool_):
        shown = "yes" if value else "no"
    else:
        shown = str(value)
    return f"{readable(name)}: {shown}"


def plot_specification_curve(
    data: RobustnessResult | pd.DataFrame,
    *,
    x: str | None = None,
    y: str = "estimate",
    top_n: int | None = None,
    height: float = 2.4,
    aspect: float = 3.2,
    title: str | None = None,
    **kwargs,
) -> sns.FacetGrid:
    """The specification curve: estimates sorted, with intervals, and the choices beneath.

    Top panel: one point per specification at its estimate ``y`` with its interval
    (``ci_low`` to ``ci_high``), sorted by the estimate (NaN estimates are left out and
    counted in the title); supported specifications (interval excludes 0 and enough
    documents) in colour, the others grey; the baseline specification circled and
    marked by a dotted vertical line; a line at 0. Bottom panel: one row per value of
    each choice, a dot where the specification above used it.

    Parameters
    ----------
    data : RobustnessResult or DataFrame
        :func:`analysis.robustness.robustness` or its ``table``.
    x : str, optional
        A column to order the specifications by instead of ``y`` (e.g. a choice).
    y : str, default "estimate"
    top_n : int, optional
        Draw at most this many specifications: the baseline and those whose estimates
        differ most from it (the title says how many of how many are shown).
    height, aspect : float
        Height (inches) of the top panel and its width/height ratio.
    title : str, optional
        Default: the comparison (``table.attrs["comparison"]``) and the summary shares.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.scatter` for the estimates.

    Returns
    -------
    seaborn.FacetGrid
        Two rows of panels (``grid.axes[0, 0]`` estimates, ``grid.axes[1, 0]``
        choices).
    """
    table = getattr(data, "table", data)
    require_columns(
        table, [y, "ci_low", "ci_high", "supported", "baseline"], "plot_specification_curve"
    )
    top_n = check_top_n(top_n)
    if x is not None:
        require_columns(table, [x], "plot_specification_curve")
    choices = _choices(table)
    n_total = len(table)
    shown = table[table[y].notna()]
    n_missing = n_total - len(shown)
    if shown.empty:
        raise AnalysisError(
            "plot_specification_curve: no specification has an estimate; nothing to draw"
        )
    note = ""
    if top_n is not None and len(shown) > top_n:
        base = shown[shown["baseline"]]
        ref = float(base[y].iloc[0]) if len(base) else float(shown[y].median())
        dist = (shown[y] - ref).abs().where(~shown["baseline"], np.inf)
        shown = shown.loc[dist.sort_values(ascending=False, kind="stable").index[:top_n]]
        note = cap_note(top_n, len(table[table[y].notna()]), "specifications")
    key = shown[x] if x is not None else shown[y]
    shown = shown.iloc[np.argsort(key.to_numpy(), kind="stable")].reset_index(drop=True)
    pos = np.arange(len(shown))
    # each choice's values in the table's order (the baseline value first)
    rows = [(c, v) for c in choices for v in dict.fromkeys(table[c].tolist()) if v in set(shown[c])]
    panels = pd.DataFrame({"panel": ["estimates", "choices"]})
    grid = sns.FacetGrid(
        panels,
        row="panel",
        row_order=["estimates", "choices"],
        sharex=True,
        sharey=False,
        height=height,
        aspect=aspect,
        gridspec_kws={"height_ratios": [height * 1.4, max(0.6, 0.24 * len(rows))]},
    )
    # sized for the specifications and the choice rows, not a square facet
    width = float(np.clip(4.0 + 0.08 * len(shown), height * aspect, 14.0))
    grid.figure.set_size_inches(width, height * 1.4 + 0.24 * len(rows) + 0.6)
    top, bottom = grid.axes[0, 0], grid.axes[1, 0]
    palette = sns.color_palette()
    sup = shown["supported"].to_numpy(dtype=bool)
    colors = [palette[0] if s else _GREY for s in sup]
    lo, hi = shown["ci_low"].to_numpy(float), shown["ci_high"].to_numpy(float)
    has = np.isfinite(lo) & np.isfinite(hi)
    top.vlines(pos[has], lo[has], hi[has], colors=np.array(colors, dtype=object)[has], lw=0.9)
    kwargs = {"s": 18, "zorder": 3, **kwargs}
    top.scatter(pos, shown[y], c=colors, **kwargs)
    top.axhline(0, color="0.2", lw=0.8)
    base_pos = pos[shown["baseline"].to_numpy(dtype=bool)]
    for b in base_pos:
        top.axvline(b, color="0.3", ls=":", lw=1)
        top.scatter([b], [shown[y].iloc[b]], s=90, facecolors="none", edgecolors="black", zorder=4)
        bottom.axvline(b, color="0.3", ls=":", lw=1)
    top.set_ylabel(
        table.attrs.get("estimate_label", readable(y)) if y == "estimate" else readable(y)
    )
    top.set_title("")
    # the choices
    for r, (c, v) in enumerate(rows):
        used = np.array([_same_value(u, v) for u in shown[c]])
        bottom.scatter(
            pos[used], np.full(used.sum(), r), c=np.array(colors, dtype=object)[used], s=12
        )
    starts = [i for i, (c, _) in enumerate(rows) if i == 0 or rows[i - 1][0] != c]
    for k, s in enumerate(starts):
        if k % 2:
            end = starts[k + 1] if k + 1 < len(starts) else len(rows)
            bottom.axhspan(s - 0.5, end - 0.5, color="0.95", zorder=0)
    bottom.set_yticks(range(len(rows)))
    bottom.set_yticklabels([_value_text(c, v) for c, v in rows])
    bottom.set_ylim(len(rows) - 0.5, -0.5)
    bottom.set_title("")
    bottom.grid(False)
    order_text = readable(x) if x is not None else readable(y)
    bottom.set_xlabel(f"specifications, ordered by {order_text}")
    bottom.set_xticks([])
    bottom.set_xlim(-0.8, len(shown) - 0.2)
    grid.set_titles("")
    handles = [
        Line2D([], [], color=palette[0], marker="o", lw=1.2),
        Line2D([], [], color=_GREY, marker="o", lw=1.2),
        Line2D([], [], color="black", marker="o", markerfacecolor="none", ls=":", lw=1),
    ]
    labels = ["supported: interval excludes 0", "not supported", "baseline specification"]
    level = table.attrs.get("level")
    if level:
        labels[0] = f"supported: {level:.0%} interval excludes 0"
    top.legend(
        handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False,
        fontsize="small",
    )  # fmt: skip
    if title is None:
        title = table.attrs.get("comparison", "Specification curve")
        summary = getattr(data, "summary", None)
        if summary is not None and len(summary):
            s = summary.iloc[0]
            title += (
                f"\n{int(s['n_specs'])} specifications: {s['share_same_sign']:.0%} same sign as "
                f"the baseline, {s['share_supported']:.0%} supported"
            )
    extra = [t for t in (note, f"{n_missing} without an estimate" if n_missing else "") if t]
    if extra:
        title = f"{title}\n({'; '.join(extra)})"
    grid.figure.suptitle(title, y=1.02, fontweight="bold")
    grid.tight_layout()
    return grid


def _same_value(a, b) -> bool:
    """Whether a table value is the choice value ``b`` (None equals None only)."""
    if a is None or b is None:
        return a is None and b is None
    return bool(a == b)
