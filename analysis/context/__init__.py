"""Framing in context: how a term is talked about, not just how often.

- :mod:`~analysis.context.windows`: targets in the codebook syntax, their occurrences and
  context windows (:func:`find_contexts`, :func:`context_windows`).
- :mod:`~analysis.context.keyness`: the words around a target, group against group
  (:func:`context_dtm`, :func:`context_keyness`).
- :mod:`~analysis.context.embeddings`: word vectors trained on the corpus
  (:func:`fit_embeddings`) or read from a file (:func:`load_embeddings`); nothing is
  downloaded.
- :mod:`~analysis.context.shift`: embedding regression: à la carte embeddings of each
  occurrence (:func:`fit_alacarte`), group differences with intervals and permutation
  tests (:func:`context_shift`), nearest words (:func:`context_neighbors`) and the words
  that separate two groups (:func:`context_contrast`).
"""

from .embeddings import (
    MIN_EMBEDDING_TOKENS,
    Embeddings,
    embeddings_note,
    fit_embeddings,
    load_embeddings,
)
from .keyness import context_dtm, context_keyness
from .shift import AlaCarte, context_contrast, context_neighbors, context_shift, fit_alacarte
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
    "resolve_targets", "target_codebook", "context_dtm", "context_keyness", "Embeddings",
    "fit_embeddings", "load_embeddings", "embeddings_note", "MIN_EMBEDDING_TOKENS", "AlaCarte",
    "fit_alacarte", "context_shift", "context_neighbors", "context_contrast",
]  # fmt: skip
