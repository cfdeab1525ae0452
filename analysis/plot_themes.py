"""Deprecated location: the figures moved to :mod:`analysis.plot.themes` (import them from
:mod:`analysis.plot`). This module re-exports them for one release."""

import warnings

from .plot.themes import *  # noqa: F403
from .plot.themes import __all__  # noqa: F401

warnings.warn(
    "analysis.plot_themes is deprecated; import the figures from analysis.plot",
    DeprecationWarning,
    stacklevel=2,
)
