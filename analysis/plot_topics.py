"""Deprecated location: the figures moved to :mod:`analysis.plot.topics` (import them from
:mod:`analysis.plot`). This module re-exports them for one release."""

import warnings

from .plot.topics import *  # noqa: F403
from .plot.topics import __all__  # noqa: F401

warnings.warn(
    "analysis.plot_topics is deprecated; import the figures from analysis.plot",
    DeprecationWarning,
    stacklevel=2,
)
