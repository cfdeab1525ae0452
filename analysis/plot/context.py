"""Figures of framing in context: the words around a target, compared between groups.

:func:`plot_context_keyness` draws the table of :func:`analysis.context.keyness.context_keyness`
like :func:`analysis.plot.plot_keyness` draws keyness: diverging bars, the noise band
marked, the bars that are not supported greyed, the legend outside the bars.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ..evidence import MIN_DOCS
from ..validation import check_top_n
from ._base import new_axes, readable, require_columns, signed_extremes
from .terms import GREY, _place_legend, _side_labels, _wrap

__all__ = ["plot_context_keyness"]


def _context_title(data: pd.DataFrame, target: str, reference: str) -> str:
    """``Words around 'japan*' (±6 words): 2015 vs the other 3 years``, wrapped."""
    what = str(data["context_target"].iloc[0]) if "context_target" in data.columns else "target"
    window = f" (±{int(data['window'].iloc[0])} words)" if "window" in data.columns else ""
    return _wrap(f"Words around {what!r}{window}: {target} vs {reference}", 50)


def plot_context_keyness(
    data: pd.DataFrame,
    *,
    x: str = "score",
    y: str = "term",
    hue: str | None = None,
    top_n: int = 15,
    level: float | None = None,
    title: str | None = None,
    min_docs: int = MIN_DOCS,
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Diverging bars of context keyness with bootstrap intervals and the noise band.

    One bar per context word, its length the score ``delta`` (the log-odds ratio with
    informative Dirichlet prior): words around the target more in the target group to the
    right, more in the reference to the left. The black line on a bar is its
    document-level bootstrap interval (``ci_low``..``ci_high``; none below ``min_docs``
    documents on a side). The noise band is drawn per word, since on the scale of
    ``delta`` the threshold ``|z| < z_crit`` is ``|delta| < z_crit * sigma`` with that
    word's ``sigma = delta / z`` (:func:`analysis.keyness`): the light box behind a bar
    spans ``±z_crit * sigma``. Bars of words that are not ``supported`` (inside the
    band, an interval that includes 0, or too few documents) are grey. The title names
    the target, the window and both sides.

    Parameters
    ----------
    data : DataFrame
        From :func:`analysis.context.keyness.context_keyness`: ``term``, ``score``,
        ``z``, ``supported``, ``ci_low``, ``ci_high`` (and ``target``, ``reference``,
        ``context_target``, ``window``, ``level``, ``n_docs_*`` for labels).
    x : str, default "score"
        The bar length. The intervals are on the scale of ``score`` and are drawn only
        for it; with ``x="z"`` the band is ``±z_crit`` on every row, with another column
        there is no band.
    y : str, default "term"
        The bar label.
    hue : str, optional
        A column that colours the supported bars; default the side (``"more in
        <target group>"`` / ``"more in <reference>"``).
    top_n : int, default 15
        Bars on each side (largest and smallest score).
    level : float, optional
        Level of the band; default the table's ``level`` column, else 0.95. The grey
        bars always follow the table's ``supported`` column.
    title : str, optional
        Default ``"Words around '<target>' (±<window> words): <target group> vs
        <reference>"``, wrapped.
    min_docs : int, default :data:`analysis.evidence.MIN_DOCS`
        Below it on a side, the legend says "distinctive of" instead of "more in".
    ax : Axes, optional
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.barh`.

    Returns
    -------
    Axes
    """
    from ..compare import critical_z

    require_columns(data, [x, y, "z", "supported"] + ([hue] if hue else []), "plot_context_keyness")
    top_n = check_top_n(top_n, allow_none=False)
    if level is None:
        level = float(data["level"].iloc[0]) if "level" in data.columns else 0.95
    z_crit = critical_z(level)
    target = str(data["target"].iloc[0]) if "target" in data.columns else "target"
    reference = str(data["reference"].iloc[0]) if "reference" in data.columns else "reference"
    sub = signed_extremes(data, x=x, y=y, top_n=top_n)
    value = sub[x].to_numpy(dtype=float)
    supported = sub["supported"].astype(bool).to_numpy()
    on_score = x == "score" and {"ci_low", "ci_high"} <= set(sub.columns)
    nan = np.full(len(sub), np.nan)
    lo = sub["ci_low"].to_numpy(dtype=float) if on_score else nan
    hi = sub["ci_high"].to_numpy(dtype=float) if on_score else nan
    z = sub["z"].to_numpy(dtype=float)
    half = z_crit * np.abs(np.divide(value, z, out=np.zeros_like(value), where=z != 0))
    if x == "z":
        half = np.full(len(sub), z_crit)
    elif x != "score":
        half = np.zeros(len(sub))
    sides, small = _side_labels(data, target, reference, min_docs)
    palette = sns.color_palette()
    if hue is None:
        keys = np.where(value > 0, sides[0], sides[1])
        colour_of = {sides[0]: palette[0], sides[1]: palette[1]}
    else:
        keys = sub[hue].astype(str).to_numpy()
        levels = list(dict.fromkeys(keys))
        colour_of = {k: palette[i % len(palette)] for i, k in enumerate(levels)}
    colours = [colour_of[k] if s else GREY for k, s in zip(keys, supported, strict=True)]
    labels = [_wrap(t, 28) for t in sub[y]]
    n_lines = sum(t.count("\n") + 1 for t in labels)
    ax = new_axes(ax, (7, max(3.5, 0.28 * n_lines + 2.4)), layout="constrained")
    pos = np.arange(len(sub))
    for yi, h in zip(pos, half, strict=True):  # the per-word noise band, behind the bar
        if h > 0:
            ax.add_patch(Rectangle((-h, yi - 0.45), 2 * h, 0.9, facecolor="0.9", linewidth=0,
                                   zorder=0, gid="noise-band"))  # fmt: skip
    kwargs.setdefault("height", 0.6)
    ax.barh(pos, value, color=colours, zorder=2, gid="bar", **kwargs)
    has_ci = ~(np.isnan(lo) | np.isnan(hi))
    if has_ci.any():
        ax.hlines(pos[has_ci], lo[has_ci], hi[has_ci], color="0.1", linewidth=1.4, zorder=3,
                  gid="interval")  # fmt: skip
        ax.plot(np.r_[lo[has_ci], hi[has_ci]], np.r_[pos[has_ci], pos[has_ci]], "|",
                color="0.1", markersize=6, zorder=3)  # fmt: skip
    ax.set_yticks(pos, labels)
    ax.set_ylim(len(sub) - 0.5, -0.5)  # the first row on top
    ax.axvline(0, color="0.3", linewidth=0.8)
    edge = np.nanmax(np.abs(np.r_[value, half, lo[has_ci], hi[has_ci], 1e-3]))
    ax.set_xlim(-1.1 * edge, 1.1 * edge)
    ax.set_xlabel(
        "score: log-odds ratio with informative Dirichlet prior" if x == "score" else readable(x)
    )
    ax.set_ylabel("")
    ax.set_title(title or _context_title(data, target, reference))
    handles = [Patch(facecolor=c) for c in colour_of.values()]
    names = list(colour_of)
    if half.any():
        handles.append(Patch(facecolor="0.9", edgecolor=GREY))
        names.append(f"|z| < {z_crit:.2f}: not distinguishable from noise")
    if (~supported).any():
        handles.append(Patch(facecolor=GREY))
        names.append(
            "not supported (greyed): inside the band, interval includes 0, or few documents"
        )
    if has_ci.any():
        handles.append(Line2D([], [], color="0.1", marker="|", linewidth=1.4))
        names.append(f"{level * 100:g}% interval, documents resampled")
    elif small and on_score:
        names.append(f"no intervals: fewer than {min_docs} documents on a side")
        handles.append(Patch(facecolor="none", edgecolor="none"))
    _place_legend(ax, handles, names)
    return ax
