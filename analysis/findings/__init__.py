"""Sentences generated from the tables: the findings a report's index and sections print.

Each function takes the tables a notebook saved and returns :class:`Finding` objects,
so every number in a sentence is the table's number, and a comparative word ("higher",
"more") appears only where the row it cites says the difference is supported (see
:mod:`analysis.evidence`). Nothing here knows any study.
"""

from __future__ import annotations

from ._base import Finding, findings_markdown, fmt_num, join_names, show_findings
from .context import context_keyness_findings, context_shift_findings
from .corpus import corpus_findings, corpus_groups, group_findings
from .terms import agreement_findings, collocation_findings, keyness_findings, keyword_findings
from .themes import theme_carrier_findings, theme_comparison_findings
from .topics import k_choice_findings, topic_label_findings, topic_leader_findings
from .validation import coding_findings, robustness_findings

__all__ = ["Finding", "fmt_num", "join_names", "findings_markdown", "show_findings"]
__all__ += ["corpus_findings", "corpus_groups", "group_findings"]
__all__ += ["context_keyness_findings", "context_shift_findings"]
__all__ += ["keyness_findings", "agreement_findings", "keyword_findings", "collocation_findings"]
__all__ += ["theme_comparison_findings", "theme_carrier_findings"]
__all__ += ["k_choice_findings", "topic_label_findings", "topic_leader_findings"]
__all__ += ["coding_findings", "robustness_findings"]
