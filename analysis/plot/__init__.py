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
from ._base import readable
from .corpus import (
    plot_faceted_bars as plot_faceted_bars,
)
from .corpus import (
    plot_lengths as plot_lengths,
)
from .terms import (
    plot_keyness as plot_keyness,
)
from .terms import (
    plot_keywords as plot_keywords,
)
from .terms import (
    plot_term_rates as plot_term_rates,
)
from .themes import (
    plot_theme_contributions as plot_theme_contributions,
)
from .themes import (
    plot_theme_dispersion as plot_theme_dispersion,
)
from .themes import (
    plot_theme_heatmap as plot_theme_heatmap,
)
from .themes import (
    plot_theme_trend as plot_theme_trend,
)
from .topics import (
    plot_select_k as plot_select_k,
)
from .topics import (
    plot_top_terms as plot_top_terms,
)
from .topics import (
    plot_topic_prevalence as plot_topic_prevalence,
)

__all__ = ["set_theme", *FIGURES]


def set_theme() -> None:
    """The study's style: seaborn whitegrid, colour-blind palette, readable sizes."""
    sns.set_theme(
        style="whitegrid",
        palette="colorblind",
        context="notebook",
        rc={"figure.dpi": 100, "axes.titleweight": "bold", "svg.hashsalt": "analysis"},
    )


def label(column: str) -> str:
    """Deprecated alias of :func:`analysis.plot._base.readable` (kept for one release)."""
    return readable(column)
