"""Deprecated location: the figures moved to :mod:`analysis.plot.terms` (import them from
:mod:`analysis.plot`). This module re-exports them for one release."""

import warnings

from .plot.terms import *  # noqa: F403
from .plot.terms import __all__  # noqa: F401

warnings.warn(
    "analysis.plot_terms is deprecated; import the figures from analysis.plot",
    DeprecationWarning,
    stacklevel=2,
)
