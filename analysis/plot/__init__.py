"""Figures, seaborn-style: tidy DataFrame in, matplotlib Axes (or FacetGrid) out.

Every figure is ``plot_x(data, *, x=..., y=..., hue=..., ax=None, **kwargs) -> Axes``;
the faceted (figure-level) ones return a :class:`seaborn.FacetGrid` instead, like
``seaborn.catplot``. Plot functions never save or show; labels come from the column
names made readable. Call :func:`set_theme` once for the study's consistent style.
This module only re-exports: its ``__all__`` is the one list of figures.
"""

from __future__ import annotations

import seaborn as sns

from .._figures import FIGURES
from ._base import STYLE, bundled_fonts_first, readable
from .context import plot_context_keyness  # noqa: F401
from .context_shift import plot_context_neighbors, plot_context_shift  # noqa: F401
from .corpus import plot_faceted_bars, plot_lengths  # noqa: F401
from .robustness import plot_specification_curve  # noqa: F401
from .terms import plot_keyness, plot_keywords, plot_term_rates  # noqa: F401
from .themes import (  # noqa: F401
    plot_theme_contributions,
    plot_theme_dispersion,
    plot_theme_heatmap,
    plot_theme_trend,
)
from .topics import plot_select_k, plot_top_terms, plot_topic_prevalence  # noqa: F401

# the figures imported above are re-exported; the names come from analysis/_figures.py
__all__ = ["set_theme", *FIGURES]


def set_theme() -> None:
    """The one style of every figure: seaborn ``whitegrid``, the colour-blind palette,
    and the font sizes (points) and dpi of :data:`analysis.plot._base.STYLE` (titles 11
    bold, axis labels 10, ticks and legends 9; 100 dpi on screen, 150 saved).

    Text is set in matplotlib's own copy of DejaVu Sans even where the system has one
    too (see :func:`analysis.plot._base.bundled_fonts_first`): the two number their
    glyphs differently, so the SVG bytes would depend on the machine."""
    sns.set_theme(style="whitegrid", palette="colorblind", context="notebook", rc=dict(STYLE))
    bundled_fonts_first()


def label(column: str) -> str:
    """Deprecated alias of :func:`analysis.plot._base.readable` (kept for one release)."""
    return readable(column)
