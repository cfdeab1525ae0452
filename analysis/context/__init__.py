"""Framing in context: how a term is talked about, not just how often.

- :mod:`~analysis.context.windows`: targets in the codebook syntax, their occurrences and
  context windows (:func:`find_contexts`, :func:`context_windows`).
- :mod:`~analysis.context.keyness`: the words around a target, group against group
  (:func:`context_dtm`, :func:`context_keyness`).
"""

from .keyness import context_dtm, context_keyness
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
    "resolve_targets", "target_codebook", "context_dtm", "context_keyness",
]  # fmt: skip
