"""Sentences generated from the tables: the findings a report's index and sections print.

Each function takes the tables a notebook saved and returns :class:`Finding` objects,
so every number in a sentence is the table's number, and a comparative word ("higher",
"more") appears only where the row it cites says the difference is supported (see
:mod:`analysis.evidence`). Nothing here knows any study.
"""

from __future__ import annotations

from ._base import Finding, fmt_num, join_names
from .themes import theme_carrier_findings, theme_comparison_findings

__all__ = ["Finding", "fmt_num", "join_names"]
__all__ += ["theme_comparison_findings", "theme_carrier_findings"]
