"""Document-term matrices.

CONTRACT (shared by keywords, compare, themes and topics; keep it stable):

``DTM`` is an immutable container with

``matrix``  scipy.sparse CSR (units x terms), integer counts.
``terms``   numpy array of str, the display form of each column.
``keys``    numpy array of str, the internal key of each column (the stem when
            ``stem=True``; otherwise equal to ``terms``).
``docs``    DataFrame, one row per unit, in matrix row order: ``doc_id``, ``unit_id``,
            ``unit_index``, ``n_tokens`` (the unit's word tokens: maximal runs of
            ``\\w``, before stop-word removal and whatever ``token_pattern``; the one
            definition of :mod:`analysis.tokens`, the denominator of every
            ``rate_per_1k``) and every corpus column except ``text``/``raw_text``.
``params``  dict of the arguments that built it.

``group_counts(dtm, by)`` sums rows by a ``docs`` column and is the one place where
grouping happens.

``build_dtm`` runs named stages (segment, tokenize, types, ngrams, matrix, docs); each
stage's wall and CPU seconds are logged to the ``analysis.dtm`` logger at DEBUG level
(record attributes ``stage``, ``wall``, ``cpu``). Tokens come from
:func:`analysis.tokens.word_tokens`; the n-gram counting lives in
:mod:`analysis._dtm_fast` (work on integer type ids, count n-grams by sorting packed
integer keys, prune by document frequency before building any string).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import _dtm_fast as _fast
from ._memory import release_memory, releasing
from .errors import AnalysisError
from .grouping import group_labels, group_order
from .text import _segment
from .tokens import (
    _RUN_PATTERNS,
    TOKEN_PATTERN,
    Tokens,
    _pattern_runs,
    stop_word_set,
    tokenize,
    word_tokens,
)
from .tokens import stem as stem_word

__all__ = ["DTM", "build_dtm", "group_counts", "group_units"]

_log = logging.getLogger("analysis.dtm")


@dataclass(frozen=True, eq=False)
class DTM:
    """A document-term matrix with its unit metadata. See the module docstring."""

    matrix: sp.csr_matrix
    terms: np.ndarray
    docs: pd.DataFrame
    keys: np.ndarray
    params: dict = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    def __repr__(self) -> str:
        n, m = self.matrix.shape
        return f"<DTM {n} {self.params.get('unit', 'document')}s x {m} terms, {self.matrix.nnz} non-zeros>"


@releasing
def build_dtm(
    corpus: pd.DataFrame,
    *,
    unit: str = "document",
    ngram_range: tuple[int, int] = (1, 1),
    stem: bool = False,
    stop_words: str | Sequence[str] | None = "english",
    min_df: int | float = 1,
    max_df: int | float = 1.0,
    token_pattern: str = TOKEN_PATTERN,
    lowercase: bool = True,
    phrases: Sequence[str] | None = None,
    extra_stop_words: Sequence[str] | None = None,
    group_by: str | Sequence[str] | None = None,
    tokens: Tokens | None = None,
    n_jobs: int | None = None,
    client: Any = None,
) -> DTM:
    """Count terms (words, n-grams, phrases) per unit of text.

    With ``stem=False`` and no ``phrases`` the result equals scikit-learn's
    ``CountVectorizer(token_pattern=..., lowercase=..., ngram_range=..., stop_words=...,
    min_df=..., max_df=...)``: same tokens, same vocabulary in the same (sorted) order,
    same counts, same rows.

    Parameters
    ----------
    corpus : DataFrame
        A corpus from :func:`analysis.read_corpus` (``doc_id`` and ``text`` at least).
    unit : {"document", "paragraph", "sentence"}, default "document"
        Rows of the matrix; see :func:`analysis.text.segment`.
    ngram_range : (min_n, max_n), default (1, 1)
        Count every n-gram with ``min_n <= n <= max_n``, formed over the token sequence
        of a unit *after* stop-word removal (as scikit-learn does) and never across units.
    stem : bool, default False
        Replace each token by its Snowball (Porter2) stem (``analysis.text.stem``, cached
        per vocabulary type). Keys are the stems; the display form of a key (``terms``)
        is its most frequent surface form in the corpus (for an n-gram, the most
        frequent surface n-gram mapping to it), ties going to the alphabetically first.
    stop_words : "english", list of str or None, default "english"
        Tokens to drop before n-grams are formed: scikit-learn's ``ENGLISH_STOP_WORDS``,
        your own list, or none. Stop words are compared with the tokens before stemming
        (lower-cased first when ``lowercase``).
    min_df, max_df : int or float
        Keep terms whose document frequency (number of units containing them) ``df``
        satisfies ``min_df <= df <= max_df``. An int is a number of units; a float in
        ``[0, 1]`` a proportion of units (``df >= min_df * n_units``), as in
        scikit-learn.
    token_pattern : str, default ``TOKEN_PATTERN`` (``(?u)\\b\\w\\w+\\b``)
        Regular expression of a token; with one capturing group, the group is the token.
    lowercase : bool, default True
        Lower-case the text before tokenizing.
    phrases : list of str, optional
        Multiword expressions counted as single terms, e.g. ``["community with a shared
        future", "national rejuvenation"]``. A phrase is tokenized like the text and
        matched on the token sequence *before* stop-word removal (so "with a" inside a
        phrase is fine), comparing stems when ``stem=True``. Matches are greedy and do not
        overlap: scanning left to right the earliest match wins, then the longest. The
        matched tokens are consumed (not counted again as words); the phrase then acts
        as one token, so it can also be part of n-grams. Its display form is the phrase
        as given, lower-cased with single spaces.
    extra_stop_words : list of str, optional
        Domain stop words added to ``stop_words`` (e.g. ``["united", "nations",
        "general", "assembly"]`` for UN speeches, or a newspaper's name).
    group_by : str or list of str, optional
        Corpus column(s) (document metadata such as ``"year"`` or ``["year",
        "country"]``): the rows of the result are then the groups, not the units. The
        vocabulary is still chosen by unit frequency (``min_df``/``max_df`` count units,
        as without ``group_by``); then the units of each group are summed:
        ``matrix[g] = sum of the unit rows in g``. ``docs`` holds ``unit_id`` (the group
        label as :func:`analysis.keywords.grouped_counts` gives it: the value for one
        column, ``"a | b"`` for several), the group columns, ``n_tokens`` (summed) and
        ``n_docs`` (distinct documents), in the groups' order; ``params["unit"]`` is
        ``"group"`` and ``params["group_by"]`` the columns. ``keyness``,
        ``keyness_agreement``, ``term_frequencies``, ``tfidf_keywords`` and
        ``group_counts`` with ``by`` equal to ``group_by`` or a subset of its columns
        return on it exactly what they return on the ungrouped DTM (a document belongs
        to one group, so ``n_docs`` adds up); ``by=None`` gives the groups themselves.
        On Dask the document-level matrix is never assembled, only per-partition group
        sums: the way to count a corpus whose DTM does not fit in memory.
    tokens : Tokens, optional
        The word tokens of the units, ``analysis.cached_tokens(corpus, unit=unit)`` (or
        ``word_tokens(segment(corpus, unit)["text"])``), so that the texts are not
        tokenized again: the matrix's tokens are their runs of at least two characters
        (one for ``\\w+`` and ``(?u)\\b\\w+\\b``) that are not stop words. The result is
        the same DTM (tested).
        A text holding a character whose lower case changes where words break (``İ``,
        ``Σ``: see :mod:`analysis.tokens`) is tokenized again from its lower-cased text,
        as scikit-learn does. Only with ``lowercase=True`` and a ``token_pattern`` of
        word runs (the default, ``\\w\\w+``, ``\\w+`` or ``(?u)\\b\\w+\\b``); tokens of
        other texts (another ``unit``, another corpus) are refused, checked by their word
        count per unit.
        :func:`analysis.cached_dtm` passes the cached tokens itself.
    n_jobs : int, optional
        Processes used to tokenize (forked, Linux only). Default: all cores
        (``$ANALYSIS_CPUS`` when set) for corpora of more than 20 million characters,
        one otherwise. The result does not depend on it.
    client : distributed.Client, optional
        Run on Dask (:mod:`analysis.distributed.dtm`) on this client; also the case,
        on Dask's default client, when ``corpus`` is a Dask DataFrame. The result is the
        same DTM as in memory.

    Returns
    -------
    DTM
        ``matrix`` (CSR, int64 counts, units x terms), ``terms`` (display forms),
        ``keys`` (sorted, unique; stems when ``stem=True``, else equal to ``terms``),
        ``docs`` (unit metadata with ``n_tokens``: the number of word tokens of the unit,
        i.e. maximal runs of ``\\w`` before stop-word removal and phrase merging, the
        same number as :func:`analysis.read_corpus` gives a document, whatever
        ``token_pattern``; see :mod:`analysis.tokens`) and ``params``.

    Raises
    ------
    AnalysisError
        For an invalid parameter, or when no term is left (empty vocabulary, or none
        within ``min_df``/``max_df``).
    """
    from .distributed._client import is_dask_frame

    if client is not None or is_dask_frame(corpus):
        from .distributed.dtm import build_dtm as build_dtm_dask

        if n_jobs is not None:
            raise AnalysisError(
                f"n_jobs={n_jobs!r} is for the in-memory build; on Dask the cluster's workers "
                "set the parallelism: drop n_jobs"
            )
        if tokens is not None:
            raise AnalysisError(
                "tokens= is for the in-memory build; on Dask each worker tokenizes its "
                "partition: drop tokens"
            )

        return build_dtm_dask(
            corpus, unit=unit, ngram_range=ngram_range, stem=stem, stop_words=stop_words,
            min_df=min_df, max_df=max_df, token_pattern=token_pattern, lowercase=lowercase,
            phrases=phrases, extra_stop_words=extra_stop_words, group_by=group_by,
            client=client,
        )  # fmt: skip
    p = _validate_params(
        ngram_range, min_df, max_df, stop_words, extra_stop_words, phrases, token_pattern,
        lowercase=lowercase,
    )  # fmt: skip
    by_cols = check_group_by(corpus.columns, group_by)
    words = None  # [the word tokens], emptied by the tokenizer: the ids go once copied
    trusted = isinstance(tokens, HandedTokens)
    if tokens is not None:
        words = tokens.held if trusted else [tokens]
        del tokens
        if not words:
            raise AnalysisError("these handed tokens served a build already; hand over new ones")
        _check_tokens_use(words[0], token_pattern, lowercase)
    with _stage("segment"):
        # handed tokens are those of these units: their counts are the units' n_tokens
        units = _segment(corpus, unit, n_tokens=np.diff(words[0].offsets) if trusted else None)
        n_units = len(units)
        min_count, max_count = _df_bounds(min_df, max_df, n_units)
    if words is not None:
        _check_tokens_fit(words[0], units, unit)
    counted = _count_units(
        units, p, lowercase=lowercase, stem=stem, min_count=min_count, max_count=max_count,
        n_jobs=n_jobs, words=words,
    )  # fmt: skip
    if counted is None:
        raise AnalysisError(EMPTY_VOCABULARY)
    levels, parts, _ = counted
    release_memory()  # the tokenizer's freed strings, before the matrix is assembled
    with _stage("matrix"):
        matrix, keys_all, terms_all = _assemble_matrix(
            levels, parts, n_units, p["ngram_range"][0], stem, min_df, max_df
        )
    with _stage("docs"):
        docs = units.drop(columns=["text"])  # n_tokens: the units' word tokens (segment)
        params = _params(
            unit, p, stem, stop_words, min_df, max_df, token_pattern, lowercase, extra_stop_words
        )
    dtm = DTM(matrix=matrix, terms=terms_all, docs=docs, keys=keys_all, params=params)
    if by_cols:
        dtm = group_units(dtm, group_by)
    return dtm


EMPTY_VOCABULARY = (
    "empty vocabulary: no unit has a token left after stop-word removal; check the "
    "text column, token_pattern and stop_words"
)


def no_terms_message(min_df, max_df, n_units: int) -> str:
    """The error when no term has a document frequency within ``min_df..max_df``."""
    return (
        f"no terms remain after pruning with min_df={min_df!r} and max_df={max_df!r} "
        f"over {n_units} units; lower min_df or raise max_df"
    )


#: Columns of a unit table that are not document metadata, so cannot be ``group_by``.
_NOT_GROUPS = ("doc_id", "unit_id", "unit_index", "n_tokens", "n_docs", "text", "raw_text")


#: build_dtm itself, whose signature :func:`_check_build_options` fills in (the module's
#: name may be replaced, e.g. by a test's spy)
_BUILD_DTM = build_dtm


def check_group_by(columns, group_by) -> list[str]:
    """The ``group_by`` columns as a list (empty for None), checked against ``columns``."""
    if group_by is None:
        return []
    cols = [group_by] if isinstance(group_by, str) else list(group_by)
    if not cols:
        raise AnalysisError("group_by=[]: give a corpus column such as 'year', or None")
    if len(set(map(str, cols))) < len(cols):
        raise AnalysisError(f"group_by={cols!r} names a column twice; name each column once")
    for c in cols:
        if not isinstance(c, str) or c not in columns or c in _NOT_GROUPS:
            usable = [str(x) for x in columns if x not in _NOT_GROUPS]
            raise AnalysisError(
                f"group_by={c!r} is not a metadata column of the corpus; use one of "
                f"{', '.join(usable[:15])}"
            )
    return cols


def _params(unit, p, stem, stop_words, min_df, max_df, token_pattern, lowercase,
            extra_stop_words) -> dict:  # fmt: skip
    return dict(
        unit=unit,
        ngram_range=p["ngram_range"],
        stem=bool(stem),
        stop_words=stop_words if isinstance(stop_words, str | None) else list(stop_words),
        min_df=min_df,
        max_df=max_df,
        token_pattern=token_pattern,
        lowercase=bool(lowercase),
        phrases=list(p["phrases"]) if p["phrases"] else None,
        extra_stop_words=list(extra_stop_words) if extra_stop_words else None,
    )


def _count_units(units: pd.DataFrame, p: dict, *, lowercase, stem, min_count, max_count,
                 n_jobs, surfaces: str = "best", words: list[Tokens] | None = None):  # fmt: skip
    """Tokenize ``units`` and count their n-grams (stages tokenize, types, ngrams).

    Returns ``(levels, parts, types)``, or None when no token is left. ``surfaces``:
    ``"best"`` gives each level's display forms (the most frequent surface form, with
    ``stem``), ``"all"`` every surface form with its count (``(col, surface strings,
    count)`` per level; the distributed reduction sums them), ``"none"`` only keys.
    ``words``: ``[the units' word tokens]`` (see :func:`_tokenize`).
    """
    with _stage("tokenize"):
        toks = _tokenize(units, p, lowercase=lowercase, stem=stem, n_jobs=n_jobs, words=words)
    return _count_tokens(
        toks, p, lowercase=lowercase, stem=stem, min_count=min_count, max_count=max_count,
        surfaces=surfaces,
    )  # fmt: skip


def _count_tokens(toks: Tokens, p: dict, *, lowercase, stem, min_count, max_count,
                  surfaces: str = "best"):  # fmt: skip
    """Count the n-grams of tokenized units (stages types, ngrams); ``toks`` is not changed,
    so the distributed passes count the same tokens twice without tokenizing twice."""
    with _stage("types"):
        types = list(toks.types)
        key_str, key_of_type = _keys(toks, types, stem)
        surface, unit_of, key_str, key_of_type = _phrases_or_stops(
            toks, p, types, key_str, key_of_type, lowercase=lowercase, stem=stem
        )
    if len(surface) == 0:
        return None
    with _stage("ngrams"):
        levels, parts = _count(
            key_of_type[surface], unit_of, len(key_str), p["ngram_range"], min_count, max_count,
            key_str=key_str, types=types, surface=surface, key_of_type=key_of_type,
            stem=stem and surfaces != "none", surfaces=surfaces,
        )  # fmt: skip
    return levels, parts, types


# ----------------------------------------------------------------------------- stages


@contextmanager
def _stage(name: str) -> Iterator[None]:
    """Time one stage of :func:`build_dtm` and log it to ``analysis.dtm`` at DEBUG level.

    The record carries ``stage``, ``wall`` and ``cpu`` (seconds of this process)
    attributes; ``benchmarks/bench_dtm.py`` collects them with a handler.
    """
    t, c = time.perf_counter(), time.process_time()
    yield
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    if _log.isEnabledFor(logging.DEBUG):
        _log.debug(
            "build_dtm stage %s: %.3f s wall, %.3f s CPU", name, wall, cpu,
            extra={"stage": name, "wall": wall, "cpu": cpu},
        )  # fmt: skip


class HandedTokens:
    """Word tokens given to :func:`build_dtm` by a caller that keeps no reference to
    them (:func:`analysis.cached_dtm`), so the build frees their ids as soon as it has
    copied the tokens it keeps (an int32 per word: 0.13 GB for the UN General Debate).

    They must be ``cached_tokens(corpus, unit=unit)`` of the very corpus and unit of the
    build: their tokens per text are then the units' word counts, which the build takes
    as ``n_tokens`` instead of counting the texts again (0.7 s on the UN corpus).
    """

    __slots__ = ("held",)

    def __init__(self, tokens: Tokens) -> None:
        self.held = [tokens]


def _check_build_options(columns, options: dict) -> None:
    """The checks :func:`build_dtm` makes before it reads a text (``unit``, the counting
    options, ``group_by`` against ``columns``), for a caller that does work first
    (:func:`analysis.cached_dtm` tokenizes): a bad option is refused before that work."""
    import inspect

    from .text import _check_unit

    given = inspect.signature(_BUILD_DTM).bind_partial(None, **options)
    given.apply_defaults()
    a = given.arguments
    _check_unit(a["unit"])
    _validate_params(
        a["ngram_range"], a["min_df"], a["max_df"], a["stop_words"], a["extra_stop_words"],
        a["phrases"], a["token_pattern"], lowercase=a["lowercase"],
    )  # fmt: skip
    check_group_by(columns, a["group_by"])


def tokens_serve(token_pattern, lowercase) -> bool:
    """Whether a matrix with these options can be made from the units' word tokens
    (``tokens=`` of :func:`build_dtm`): lower-cased, with a token pattern of word runs."""
    return lowercase is True and isinstance(token_pattern, str) and token_pattern in _RUN_PATTERNS


def _check_tokens_use(tokens, token_pattern: str, lowercase: bool) -> None:
    """Refuse ``tokens=`` where the matrix's tokens cannot be made from word tokens."""
    if not isinstance(tokens, Tokens):
        raise AnalysisError(
            f"tokens must be analysis.tokens.Tokens (from analysis.cached_tokens), not "
            f"{type(tokens).__name__}"
        )
    if not tokens_serve(token_pattern, lowercase):
        raise AnalysisError(
            f"tokens= serves lowercase=True with a token_pattern of word runs ("
            f"{', '.join(_RUN_PATTERNS)}); with lowercase={lowercase!r}, "
            f"token_pattern={token_pattern!r} drop tokens="
        )


def _check_tokens_fit(tokens: Tokens, units: pd.DataFrame, unit: str) -> None:
    """Refuse tokens that are not every word token of ``units``, each lower-cased: as
    many texts, as many tokens in each as its ``n_tokens`` (word tokens), no type with
    an upper-case letter."""
    per_text = np.diff(np.asarray(tokens.offsets, dtype=np.int64))
    fits = len(per_text) == len(units) and np.array_equal(per_text, units["n_tokens"].to_numpy())
    if fits:
        fits = all(t == t.lower() for t in tokens.types.tolist())
    if not fits:
        raise AnalysisError(
            f"tokens= are not the word tokens of these {len(units)} units (unit={unit!r}): "
            f"make them with analysis.cached_tokens(corpus, unit={unit!r})"
        )


def _validate_params(
    ngram_range, min_df, max_df, stop_words, extra_stop_words, phrases, token_pattern, *,
    lowercase,
) -> dict:  # fmt: skip
    ngram_range = _check_ngram_range(ngram_range)
    _check_df("min_df", min_df)
    _check_df("max_df", max_df)
    stops = stop_word_set(stop_words, extra_stop_words, lowercase=lowercase)
    phrase_list = _check_phrases(phrases)
    _check_pattern(token_pattern)
    return dict(
        ngram_range=ngram_range, stops=stops, phrases=phrase_list, token_pattern=token_pattern
    )


def _df_bounds(min_df, max_df, n_units: int) -> tuple[float, float]:
    min_count = min_df if isinstance(min_df, int | np.integer) else min_df * n_units
    max_count = max_df if isinstance(max_df, int | np.integer) else max_df * n_units
    if max_count < min_count:
        raise AnalysisError(
            f"max_df={max_df!r} corresponds to fewer units ({max_count:g}) than min_df={min_df!r} "
            f"({min_count:g}) over {n_units} units; raise max_df or lower min_df"
        )
    return min_count, max_count


def _tokenize(
    units: pd.DataFrame, p: dict, *, lowercase: bool, stem: bool, n_jobs,
    words: list[Tokens] | None = None,
) -> Tokens:  # fmt: skip
    """Token ids of every unit (stop words dropped in the workers unless phrases need them).

    ``words``: ``[word_tokens(units["text"])]``, checked by :func:`_check_tokens_fit`;
    the matrix's tokens are then made from them (:func:`analysis.tokens._pattern_runs`),
    not from the texts, and the list is emptied.
    """
    stops = p["stops"]
    stem_filter = None
    if stem:
        stem_filter = (lambda t: True) if p["phrases"] else (lambda t: t not in stops)
    if words:
        return _pattern_runs(
            units["text"], _RUN_PATTERNS[p["token_pattern"]], lowercase=lowercase,
            drop=None if p["phrases"] else stops, stem_filter=stem_filter,
            n_tokens=units["n_tokens"].to_numpy(), words=words,
        )  # fmt: skip
    return word_tokens(
        units["text"],
        pattern=p["token_pattern"],
        lowercase=lowercase,
        stem_filter=stem_filter,
        drop=None if p["phrases"] else stops,  # phrases are matched before stop words go
        n_tokens=units["n_tokens"].to_numpy(),
        n_jobs=n_jobs,
    )


def _keys(toks: Tokens, types: list[str], stem: bool) -> tuple[list[str], np.ndarray]:
    """Key (stem or type) of every type, as ids in alphabetical order of the keys.

    Then every level's columns come out sorted and the final sort only merges levels.
    """
    if stem:
        key_str, key_of_type = _factorize([s if s is not None else "" for s in toks.stems])
    else:
        key_str, key_of_type = types, np.arange(len(types), dtype=np.int64)
    by_name = sorted(range(len(key_str)), key=key_str.__getitem__)
    rank = np.empty(len(key_str), dtype=np.int64)
    rank[by_name] = np.arange(len(key_str))
    return [key_str[i] for i in by_name], rank[key_of_type]


def _phrases_or_stops(toks: Tokens, p: dict, types, key_str, key_of_type, *, lowercase, stem):
    """The surface type id and unit of every counted token (phrases merged, stop words out)."""
    n_units = len(toks.offsets) - 1
    if p["phrases"]:
        unit_all = np.repeat(np.arange(n_units, dtype=np.int32), toks.lengths)
        keep = ~np.fromiter((t in p["stops"] for t in types), dtype=bool, count=len(types))
        ids, keep, key_str, key_of_type = _apply_phrases(
            p["phrases"], toks.ids, unit_all, keep[toks.ids], types, key_str, key_of_type,
            token_pattern=p["token_pattern"], lowercase=lowercase, stem=stem,
        )  # fmt: skip
        surface, unit_of = ids[keep], unit_all[keep]
    else:  # the workers dropped the stop words already
        surface = toks.ids
        unit_of = np.repeat(np.arange(n_units, dtype=np.int32), toks.lengths)
    return surface, unit_of, key_str, key_of_type


def _count(key_ids, unit_of, n_keys, ngram_range, min_count, max_count, *,
           key_str, types, surface, key_of_type, stem, surfaces="best"):  # fmt: skip
    """Count the n-grams level by level; strings of the surviving columns only."""
    levels: list[_fast.Level] = []
    parts = []
    for lv in _fast.count_ngrams(
        key_ids, unit_of, n_keys, ngram_range, min_count, max_count,
        keep_elements=stem, levels=levels,
    ):  # fmt: skip
        if lv.n == 1:
            del key_ids
        if lv.n >= ngram_range[0]:
            release_memory()  # the level's sort buffers, before its millions of strings
            parts.append(
                _level_strings(levels, lv, key_str, types, surface, key_of_type, stem, surfaces)
            )
    return levels, parts


def _assemble_matrix(levels, parts, n_units, lo, stem, min_df, max_df):
    """The CSR matrix with its columns sorted by key, and the keys and display terms."""
    keys_all = [k for keys_n, _ in parts for k in keys_n]
    terms_all = [t for _, terms_n in parts for t in terms_n] if stem else keys_all
    if len(keys_all) == 0:
        raise AnalysisError(no_terms_message(min_df, max_df, n_units))
    order = np.asarray(sorted(range(len(keys_all)), key=keys_all.__getitem__), dtype=np.int64)
    matrix = _fast.to_csr([lv for lv in levels if lv.n >= lo], n_units, order)
    keys_all = np.asarray(keys_all, dtype=object)[order]
    terms_all = np.asarray(terms_all, dtype=object)[order]
    if len(keys_all) > 1 and (keys_all[1:] == keys_all[:-1]).any():
        # a phrase whose key equals an n-gram formed from the same words: one term
        matrix, keys_all, terms_all = _merge_duplicate_keys(matrix, keys_all, terms_all)
    return matrix, keys_all, terms_all


# ----------------------------------------------------------------------------- helpers


def _level_strings(levels, lv, key_str, types, surface, key_of_type, stem, surfaces="best"):
    """Key strings and display forms of the final columns of one level.

    With ``surfaces="all"`` (and ``stem``) the display forms are every surface form with
    its count, ``(col, strings, count)``, instead of the most frequent one.
    """
    comps = _fast.decode_keys(levels, lv.n, lv.ok_keys[lv.final])
    keys_n = _fast.join_columns(key_str, comps)
    terms_n = None
    if stem and surfaces == "all":
        col, surf, cnt = _fast.surface_variants(lv, comps, surface, key_of_type)
        terms_n = (col, _fast.join_columns(types, surf), cnt)
    elif stem:
        surf = _fast.most_frequent_surface(lv, comps, surface, key_of_type, types)
        terms_n = _fast.join_columns(types, surf)
    lv.elem_col = lv.elem_pos = None
    return keys_n, terms_n


def _check_ngram_range(ngram_range) -> tuple[int, int]:
    try:
        lo, hi = ngram_range
        ok = all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in (lo, hi))
    except (TypeError, ValueError):
        ok = False
    if not ok or not 1 <= lo <= hi:
        raise AnalysisError(
            f"ngram_range={ngram_range!r} is invalid; give (min_n, max_n) with integers "
            "1 <= min_n <= max_n, e.g. (1, 2)"
        )
    return int(lo), int(hi)


def _check_df(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise AnalysisError(
            f"{name}={value!r} is invalid; give a number of units (int >= 1) or a proportion "
            "(float in [0, 1])"
        )
    if isinstance(value, int | np.integer):
        if value < 1:
            raise AnalysisError(f"{name}={value!r} is invalid; an int {name} must be >= 1")
    elif not 0.0 <= value <= 1.0:
        raise AnalysisError(
            f"{name}={value!r} is invalid; a float {name} is a proportion in [0, 1] "
            "(use an int for a number of units)"
        )


def _check_pattern(token_pattern: str) -> None:
    import re

    if not isinstance(token_pattern, str):
        raise AnalysisError(f"token_pattern={token_pattern!r} must be a regular expression string")
    try:
        rx = re.compile(token_pattern)
    except re.error as exc:
        raise AnalysisError(
            f"token_pattern {token_pattern!r} is not a valid regular expression ({exc}); fix the pattern"
        ) from None
    if rx.groups > 1:
        raise AnalysisError(
            f"token_pattern {token_pattern!r} has {rx.groups} capturing groups; use at most one"
        )


def _check_phrases(phrases) -> list[str]:
    if phrases is None:
        return []
    if isinstance(phrases, str):
        raise AnalysisError(f"phrases={phrases!r} is a string; give a list of phrases")
    out: list[str] = []
    for p in phrases:
        if not isinstance(p, str) or not p.strip():
            raise AnalysisError(f"phrases contains {p!r}; each phrase must be a non-empty string")
        out.append(p)
    return out


def _factorize(strings: list[str]) -> tuple[list[str], np.ndarray]:
    index: dict[str, int] = {}
    codes = np.fromiter(
        (index.setdefault(s, len(index)) for s in strings), dtype=np.int64, count=len(strings)
    )
    return list(index), codes


def _apply_phrases(
    phrase_list, ids, unit_all, keep, types, key_str, key_of_type, *,
    token_pattern, lowercase, stem,
):  # fmt: skip
    """Replace phrase matches by one phrase token; returns the updated arrays."""
    type_index = {t: i for i, t in enumerate(types)}
    key_index = {k: i for i, k in enumerate(key_str)}
    displays: list[str] = []
    keys: list[str] = []
    seqs: list[np.ndarray] = []
    for p in phrase_list:
        ptoks = tokenize(p, token_pattern=token_pattern, lowercase=lowercase)
        if len(ptoks) < 2:
            raise AnalysisError(
                f"phrase {p!r} has {len(ptoks)} token(s) under token_pattern={token_pattern!r}; "
                "a phrase needs at least two"
            )
        display = " ".join(p.lower().split()) if lowercase else " ".join(p.split())
        if display in displays:
            continue
        displays.append(display)
        if stem:
            pkeys = [stem_word(t) for t in ptoks]
            keys.append(" ".join(pkeys))
            seqs.append(np.asarray([key_index.get(k, -1) for k in pkeys], dtype=np.int64))
        else:
            keys.append(display)
            seqs.append(np.asarray([type_index.get(t, -1) for t in ptoks], dtype=np.int64))
    cmp = key_of_type[ids] if stem else ids
    starts, which = _fast.match_phrases(cmp, unit_all, seqs)
    n_types = len(types)
    types.extend(displays)  # phrase types get ids n_types + k
    key_str = list(key_str) + keys
    key_of_type = np.concatenate(
        [key_of_type, np.arange(len(key_str) - len(keys), len(key_str), dtype=np.int64)]
    )
    ids = ids.astype(np.int64)
    keep = keep.copy()
    if len(starts):
        extra = np.asarray([len(s) - 1 for s in seqs], dtype=np.int64)[which]
        offset = np.arange(int(extra.sum())) - np.repeat(np.cumsum(extra) - extra, extra)
        keep[np.repeat(starts, extra) + offset + 1] = False  # the phrase's other tokens
        ids[starts] = n_types + which
        keep[starts] = True
    return ids, keep, key_str, key_of_type


def _merge_duplicate_keys(matrix, keys, terms):
    uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    combine = sp.csr_matrix(
        (np.ones(len(keys), dtype=np.int64), (np.arange(len(keys)), inverse)),
        shape=(len(keys), len(uniq)),
    )
    return (matrix @ combine).tocsr(), uniq.astype(object), terms[first]


def group_counts(
    dtm: DTM, by: str | Sequence[str] | None = None
) -> tuple[np.ndarray, sp.csr_matrix, np.ndarray]:
    """Sum the rows of ``dtm`` by the ``docs`` column(s) ``by``.

    Parameters
    ----------
    dtm : DTM
    by : str, list of str or None, default None
        None: one group per unit. One column: its sorted values are the groups. Several
        columns: one group per combination present, labelled ``"a | b"`` and ordered by
        the columns' values (:func:`analysis.grouping.group_labels`). Missing values are
        an error.

    Returns
    -------
    groups : ndarray
        Group labels (``unit_id`` values when ``by`` is None).
    counts : csr_matrix
        groups x terms counts.
    n_tokens : ndarray
        Word tokens per group (the sum of ``docs["n_tokens"]``: maximal runs of ``\\w``
        before stop-word removal, see :mod:`analysis.tokens`), the denominator of every
        ``rate_per_1k``.
    """
    if by is None:
        return (
            dtm.docs["unit_id"].to_numpy(),
            dtm.matrix.tocsr(),
            dtm.docs["n_tokens"].to_numpy(),
        )
    cols = [by] if isinstance(by, str) else list(by)
    for c in cols:
        if c not in dtm.docs.columns:
            raise AnalysisError(
                f"by={c!r} is not a column of the corpus; use one of {', '.join(map(str, dtm.docs.columns))}"
            )
    for c in cols:
        n_missing = int(dtm.docs[c].isna().sum())
        if n_missing:
            raise AnalysisError(
                f"column {c!r} has missing values in {n_missing} units; fill them or pick another column"
            )
    if len(cols) == 1:
        codes, groups = pd.factorize(dtm.docs[cols[0]], sort=True)
    else:
        labels = group_labels(dtm.docs, cols)
        order = group_order(dtm.docs, cols, labels)
        groups = pd.Index(order)
        codes = groups.get_indexer(labels)
    indicator = sp.csr_matrix(
        (np.ones(len(codes), dtype=np.int64), (codes, np.arange(len(codes)))),
        shape=(len(groups), len(codes)),
    )
    counts = (indicator @ dtm.matrix).tocsr()
    n_tokens = np.bincount(codes, weights=dtm.docs["n_tokens"].to_numpy(), minlength=len(groups))
    return np.asarray(groups), counts, n_tokens.astype(np.int64)


def group_units(dtm: DTM, by: str | Sequence[str]) -> DTM:
    """``dtm`` with its units summed into the groups of the ``docs`` column(s) ``by``.

    ``matrix[g] = sum of the rows of the units in g`` (an indicator matrix times
    ``dtm.matrix``), ``docs`` = ``unit_id`` (the group label of
    :func:`analysis.keywords.grouped_counts`), the ``by`` columns (the values of the
    group's first unit, with their dtypes), ``n_tokens`` (summed) and ``n_docs``
    (:func:`analysis.keywords.grouped_doc_counts`: distinct ``doc_id``, or the sum of
    ``n_docs`` when ``dtm`` is already grouped, so grouping group sums again is exact).
    Groups in the order of ``grouped_counts``; ``params`` gets ``unit="group"`` and
    ``group_by``. What :func:`build_dtm` does with ``group_by=``.
    """
    from .compare import _group_indicator
    from .keywords import grouped_doc_counts

    cols = check_group_by(dtm.docs.columns, by)
    groups, indicator, n_tokens = _group_indicator(dtm, cols)
    matrix = (indicator @ dtm.matrix).tocsr()
    matrix.sort_indices()
    if indicator.shape[0] and indicator.shape[1]:
        first = np.asarray(indicator.argmax(axis=1)).ravel()
    else:  # no unit (an empty partition on Dask): no group
        first = np.zeros(0, dtype=np.int64)
    docs = dtm.docs[cols].iloc[first].reset_index(drop=True)
    docs.insert(0, "unit_id", np.asarray(groups, dtype=object))
    docs["n_tokens"] = np.asarray(n_tokens, dtype=np.int64)
    docs["n_docs"] = np.asarray(grouped_doc_counts(dtm, cols), dtype=np.int64)
    params = {**dtm.params, "unit": "group", "group_by": by if isinstance(by, str) else cols}
    return DTM(matrix=matrix, terms=dtm.terms, docs=docs, keys=dtm.keys, params=params)
