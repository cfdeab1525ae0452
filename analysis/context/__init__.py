"""Framing in context: how a term is talked about, not just how often.

- :mod:`~analysis.context.windows`: targets in the codebook syntax and their context
  windows (:func:`context_windows`).
"""

from .windows import Contexts, context_windows, find_contexts, target_codebook

__all__ = ["Contexts", "context_windows", "find_contexts", "target_codebook"]
