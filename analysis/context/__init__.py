"""Framing in context: how a term is talked about, not just how often.

- :mod:`~analysis.context.windows`: targets in the codebook syntax and their context
  windows (:func:`context_windows`).
"""

from .windows import (
    Contexts,
    as_contexts,
    context_windows,
    contexts_summary,
    find_contexts,
    resolve_targets,
    target_codebook,
)

__all__ = [
    "Contexts", "as_contexts", "context_windows", "contexts_summary", "find_contexts",
    "resolve_targets", "target_codebook",
]  # fmt: skip
