"""analysis: a framing-analysis toolkit for news and speech corpora.

Constructors build the types (``read_corpus`` -> corpus DataFrame, ``build_dtm`` ->
:class:`DTM`, ``load_themes`` -> codebook, ``fit_topics`` -> topic model); statistics
return tidy DataFrames with fixed column names (``group, term, theme, topic, count,
rate_per_1k, score, ci_low, ci_high``); ``plot_*`` functions take those tables and
return matplotlib Axes.
"""

from __future__ import annotations

from . import distributed  # the Dask switch: analysis.distributed.connect(...)
from ._figures import FIGURES
from .cache import cached_corpus, cached_dtm, cached_tokens
from .clean import clean_audit, clean_text, load_rules
from .compare import keyness, keyness_agreement, term_frequencies
from .concordance import collocations, kwic, sample_hits
from .context import (
    AlaCarte,
    Contexts,
    Embeddings,
    context_contrast,
    context_dtm,
    context_keyness,
    context_neighbors,
    context_shift,
    context_windows,
    find_contexts,
    fit_alacarte,
    fit_embeddings,
    load_embeddings,
)
from .corpus import corpus_summary, parse_date, read_corpus
from .describe import top_terms
from .dtm import DTM, build_dtm, group_counts, group_units
from .duplicates import near_duplicates
from .errors import AnalysisError, InputWarning
from .grouping import group_sizes, usable_columns
from .keywords import tfidf_keywords
from .output import output_folder, save_figure, save_findings, save_table
from .robustness import KeynessScore, RobustnessResult, ThemeDifference, robustness
from .text import segment, split_paragraphs, split_sentences, tokenize
from .themes import (
    Codebook,
    CodingResult,
    Theme,
    ThemeCounts,
    ThemeMatches,
    coding_precision,
    load_themes,
    match_themes,
    sample_for_coding,
    theme_comparisons,
    theme_contributions,
    theme_difference,
    theme_document_rates,
    theme_hits,
    theme_rates,
)
from .topics import (
    TopicModel,
    document_topics,
    fit_topics,
    match_topics,
    select_k,
    topic_coherence,
    topic_exemplars,
    topic_prevalence,
)

__version__ = "0.1.0"

__all__ = [
    # Dask (issue 16): connect, the partitioned paths
    "distributed",
    # corpus and cleaning (issue #2)
    "read_corpus",
    "cached_corpus",
    "cached_dtm",
    "cached_tokens",
    "corpus_summary",
    "parse_date",
    "clean_text",
    "clean_audit",
    "near_duplicates",
    "load_rules",
    "top_terms",
    "tokenize",
    "segment",
    "split_paragraphs",
    "split_sentences",
    "AnalysisError",
    "InputWarning",
    "save_figure",
    "save_table",
    "save_findings",
    "output_folder",
    # term statistics (issue #3)
    "DTM",
    "build_dtm",
    "group_counts",
    "group_units",
    "tfidf_keywords",
    "term_frequencies",
    "keyness",
    "kwic",
    "collocations",
    "sample_hits",
    "keyness_agreement",
    "usable_columns",
    "group_sizes",
    # framing themes (issue #4)
    "Codebook",
    "Theme",
    "load_themes",
    "match_themes",
    "ThemeMatches",
    "ThemeCounts",
    "theme_rates",
    "theme_difference",
    "theme_hits",
    "theme_contributions",
    "theme_document_rates",
    "theme_comparisons",
    # validation: hand coding (issue #15)
    "sample_for_coding",
    "coding_precision",
    "CodingResult",
    # validation: robustness to analytic choices (issue #15)
    "robustness",
    "ThemeDifference",
    "KeynessScore",
    "RobustnessResult",
    # topic models (issue #5)
    "TopicModel",
    "fit_topics",
    "topic_prevalence",
    "document_topics",
    "select_k",
    "topic_coherence",
    "match_topics",
    "topic_exemplars",
    # framing in context (issue #14)
    "Contexts",
    "find_contexts",
    "context_windows",
    "context_dtm",
    "context_keyness",
    "Embeddings",
    "fit_embeddings",
    "load_embeddings",
    "AlaCarte",
    "fit_alacarte",
    "context_shift",
    "context_neighbors",
    "context_contrast",
]

# Figures load matplotlib and seaborn, so they are imported on first use
# (``analysis.plot_keywords``), keeping ``import analysis`` and the CLI fast.
_PLOTS = frozenset({"set_theme", *FIGURES})
__all__ += sorted(_PLOTS)


def __getattr__(name: str):
    if name in _PLOTS:
        from . import plot

        return getattr(plot, name)
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")
