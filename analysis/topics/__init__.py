"""Topic models: NMF and LDA, model selection, stability and topic prevalence.

- :mod:`.model`: :func:`fit_topics` fits one model on a :class:`~analysis.dtm.DTM` and
  returns a :class:`TopicModel`.
- :mod:`.metrics`: :func:`select_k` fits a grid of models (k x seed) and scores each
  with coherence (NPMI, UMass), topic diversity and stability across seeds
  (:func:`topic_coherence`, :func:`match_topics`).
- :mod:`.choose`: :func:`choose_k` picks k from ``select_k``'s table by a stated rule
  (top mean NPMI among the k stable across seeds) and returns a :class:`KChoice`.
- :mod:`.prevalence`: :func:`topic_prevalence` turns the unit x topic weights into the
  share of each topic per group (source, year, ...) with bootstrap intervals over
  documents; :func:`document_topics`, :func:`topic_exemplars`.

Topic numbering is deterministic: after fitting, topics are ordered by their mean share
over units (topic 1 is the most prevalent), so the same seed gives the same table.
"""

from __future__ import annotations

from .choose import RULES, KChoice, choose_k  # noqa: F401

# The constants and _tfidf stay importable from analysis.topics, as before the split.
from .metrics import DIVERSITY_TOP, NPMI_EPSILON, match_topics, select_k, topic_coherence  # noqa: F401
from .model import LABEL_SEP, METHODS, UNITS_PER_TOPIC, TopicModel, _tfidf, fit_topics  # noqa: F401
from .prevalence import document_topics, topic_exemplars, topic_leaders, topic_prevalence

__all__ = [
    "METHODS",
    "TopicModel",
    "fit_topics",
    "topic_coherence",
    "topic_prevalence",
    "topic_leaders",
    "select_k",
    "choose_k",
    "KChoice",
    "match_topics",
    "document_topics",
    "topic_exemplars",
]
