"""Framing themes: a codebook of theme dictionaries, rates with intervals, and hits.

A *codebook* (:func:`load_themes`, YAML) lists themes; each theme has an ``id``, a
``label``, a ``definition``, ``entries`` and optional ``core`` (the entries that are the
concept itself), ``exclusions`` and ``sources``. The package ships no codebook: a study
brings its own (``examples/ungdc-sample/themes.yml`` is one), and every function given
none raises an error saying so.
Dictionary measures of frames follow the tradition reviewed by Grimmer & Stewart (2013,
"Text as data", *Political Analysis* 21(3)); a frame in the sense of Entman (1993,
*Journal of Communication* 43(4)) is approximated by the words that invoke it, which is
why every rate here comes with its audit trail (:func:`theme_hits`,
:func:`theme_contributions`).

Layout: :mod:`~analysis.themes.codebook` reads codebooks, :mod:`~analysis.themes.match`
finds the hits once (:func:`match_themes` returns a :class:`ThemeMatches`), and
:mod:`~analysis.themes.stats` computes the statistics from a corpus or from the matches::

    matches = analysis.match_themes(docs, codebook, unit="paragraph")
    rates = analysis.theme_rates(matches, by="year")          # no second matching
    hits = analysis.theme_hits(matches)

The rates, differences and comparisons read only the documents x themes counts,
``matches.theme_counts()`` (a :class:`ThemeCounts`, like quanteda's ``dfm_lookup``); a
Dask corpus is matched partition by partition and only these counts are gathered
(:mod:`analysis.distributed.themes`), with tables identical to the in-memory ones.

Matching semantics
------------------
Text is split into *word tokens*, the maximal runs of ``\\w`` (:mod:`analysis.tokens`),
the same tokens that ``n_tokens`` of :func:`analysis.read_corpus` counts. Punctuation,
hyphens and line breaks are not tokens, so ``"multi-polar"`` is the two tokens
``multi polar`` and ``"U.N."`` is ``u n``.

* Matching is **case-insensitive** (tokens and entries are lower-cased).
* An entry is split into tokens the same way (``*`` kept). A one-token entry **matches
  that word form exactly** (``peace`` does not match ``peaceful`` or ``peacekeeping``),
  unless it contains ``*``, which stands for any run of word characters, possibly
  empty (``multilateral*`` matches ``multilateral``, ``multilateralism``...).
* A multi-token entry is a **phrase**: its tokens must occur consecutively; anything
  that is not a token between them (spaces, line breaks, hyphens, punctuation) is
  ignored, so phrases match across line breaks. Inside a phrase a lone ``*`` matches any
  one token; a phrase may not start or end with a lone ``*``.
* Phrases never match across the boundary of a unit (document, paragraph or sentence).
* **One count per stretch of text per theme.** When hits of entries of the same theme
  overlap (nested or partly overlapping), the longest hit wins and the hits it overlaps
  are dropped; among equally long hits the earlier one wins, and for the same span the
  entry listed first in the codebook. Hits of *different* themes are independent: the
  same words may count for two themes.
* **Exclusions** are matched with the same rules; an entry hit that shares at least one
  token with an exclusion hit of its theme does not count (``peace`` in
  ``"peace-keeping"`` when ``peace keeping`` is an exclusion).
* ``stem=True`` (off by default) compares the Snowball stem (:func:`analysis.text.stem`)
  of plain word tokens in entries with the stem of the text's tokens, so ``victory``
  also matches ``victories``; glob tokens still match the lower-cased surface form.

Rates and intervals
-------------------
For a group *g* of documents, ``rate_per_1k = 1000 * sum(hits) / sum(n_tokens)`` over
its documents, where ``n_tokens`` is a document's number of word tokens (summed over
its units). The interval (coverage ``level``, 0.95 by default) is a percentile
bootstrap (Efron & Tibshirani 1993) that resamples *documents* with replacement within
the group, ``n_boot`` times.
When the unit is a paragraph or a sentence, the documents are resampled as clusters of
their units: units of one document are not independent, so resampling units would give
too narrow intervals. The interval reflects between-document variation within a group
only, not sampling of sources, years or outlets; a group with one document has no such
variation and gets NaN bounds and a note, never a zero-width interval.

Implementation
--------------
Every unit is tokenized once into integer ids over a shared vocabulary. Word and glob
entries are expanded against the vocabulary (not per token), phrase hits are found by
checking candidate start positions with numpy, and overlaps are resolved in Python only
within the few clusters of overlapping hits. The bootstrap draws one
``n_boot x n_docs`` index matrix per group from a stream derived from ``seed`` and the
group's label, so a group's interval does not depend on which other groups exist.
"""

from __future__ import annotations

from .codebook import Codebook, Theme, as_codebook, focus_themes, load_themes
from .coding import CodingResult, coding_precision, sample_for_coding
from .match import ThemeCounts, ThemeMatches, match_themes
from .stats import (
    theme_comparisons,
    theme_contributions,
    theme_difference,
    theme_document_rates,
    theme_hits,
    theme_rates,
)

__all__ = [
    "Theme",
    "Codebook",
    "load_themes",
    "as_codebook",
    "focus_themes",
    "match_themes",
    "ThemeMatches",
    "ThemeCounts",
    "theme_rates",
    "theme_difference",
    "theme_hits",
    "theme_contributions",
    "theme_document_rates",
    "theme_comparisons",
    "sample_for_coding",
    "coding_precision",
    "CodingResult",
]
