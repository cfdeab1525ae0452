"""Theme matching: :func:`match_themes` finds every counted hit of a codebook in a corpus.

The matching rules (case, globs, phrases, units, the overlap rule, exclusions, stems)
are described in :mod:`analysis.themes`. The result, a :class:`ThemeMatches`, is what
the statistics in :mod:`analysis.themes.stats` read, so a corpus is tokenized and
matched once however many statistics are computed from it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import AnalysisError
from ..text import UNITS, segment
from ..tokens import Tokens, word_tokens
from ..validation import check_choice
from .codebook import Codebook, as_codebook, entry_tokens

__all__ = ["match_themes", "ThemeMatches", "ThemeCounts"]


def _slot_ids(token: str, tokens: Tokens, stem: bool) -> np.ndarray | None:
    """Type ids one entry token matches; None for a lone '*' (any token)."""
    if token == "*":
        return None
    if "*" in token:
        prefix = token.split("*", 1)[0]
        cand = tokens.by_prefix(prefix)
        if token == prefix + "*":
            return np.sort(cand)
        rx = re.compile(re.escape(token).replace(r"\*", r"\w*"))
        keep = [i for i in cand if rx.fullmatch(tokens.types[i])]
        return np.sort(np.array(keep, dtype=np.int64))
    if stem:
        from ..text import stem as stem_fn

        return np.flatnonzero(tokens.stems == stem_fn(token))
    i = tokens.index.get(token)
    return np.array([] if i is None else [i], dtype=np.int64)


def _ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(lo[i], hi[i])`` for all i, vectorised."""
    n = hi - lo
    keep = n > 0
    lo, n = lo[keep], n[keep]
    if not len(n):
        return np.zeros(0, dtype=np.int64)
    total = int(n.sum())
    out = np.ones(total, dtype=np.int64)
    out[0] = lo[0]
    ends = np.cumsum(n)[:-1]
    out[ends] = lo[1:] - (lo[:-1] + n[:-1] - 1)
    return np.cumsum(out)


class _Finder:
    """Finds phrase/word/glob spans in a :class:`Tokens` stream."""

    def __init__(self, tokens: Tokens, patterns: list[list[np.ndarray | None]]):
        self.tokens = tokens
        self.patterns = patterns
        n_types = len(tokens.types)
        first = np.zeros(n_types, dtype=bool)
        for pat in patterns:
            first[pat[0]] = True
        self.cand = np.flatnonzero(first[tokens.ids]) if n_types else np.zeros(0, np.int64)
        cand_types = tokens.ids[self.cand]
        self.order = np.argsort(cand_types, kind="stable")
        self.sorted_types = cand_types[self.order]
        self.unit_end = tokens.offsets[1:]

    def find(self, k: int) -> np.ndarray:
        """Start positions (global, sorted) of pattern ``k``."""
        pat = self.patterns[k]
        lo = np.searchsorted(self.sorted_types, pat[0], "left")
        hi = np.searchsorted(self.sorted_types, pat[0], "right")
        starts = np.sort(self.cand[self.order[_ranges(lo, hi)]])
        if len(pat) == 1 or not len(starts):
            return starts
        unit = np.searchsorted(self.tokens.offsets, starts, "right") - 1
        starts = starts[starts + len(pat) <= self.unit_end[unit]]
        for j, slot in enumerate(pat[1:], start=1):
            if slot is None or not len(starts):
                continue
            starts = starts[np.isin(self.tokens.ids[starts + j], slot)]
        return starts


def _resolve(starts: np.ndarray, lengths: np.ndarray, entries: np.ndarray):
    """Keep non-overlapping hits, longest first (then earliest, then first entry)."""
    order = np.lexsort((entries, -lengths, starts))
    starts, lengths, entries = starts[order], lengths[order], entries[order]
    ends = starts + lengths
    if len(starts) < 2:
        return starts, lengths, entries
    prev_max = np.maximum.accumulate(ends)[:-1]
    new_cluster = np.concatenate([[True], starts[1:] >= prev_max])
    # summed as bytes: numpy sums a bool array into int64 slowly (1.8 s on 32 M values)
    cluster = np.cumsum(new_cluster.view(np.uint8), dtype=np.int64)
    sizes = np.bincount(cluster)
    keep = sizes[cluster] == 1
    multi = np.flatnonzero(~keep)
    if len(multi):
        cl = cluster[multi]
        bounds = np.flatnonzero(np.diff(cl)) + 1
        for group in np.split(multi, bounds):
            taken: list[tuple[int, int]] = []
            for i in sorted(group, key=lambda i: (-lengths[i], starts[i], entries[i])):
                s, e = starts[i], ends[i]
                if all(e <= ts or s >= te for ts, te in taken):
                    taken.append((s, e))
                    keep[i] = True
    return starts[keep], lengths[keep], entries[keep]


def _counted(hs: list, hl: list, he: list, xs: list, xl: list):
    """The counted hits of one theme from its entries' and exclusions' raw hits.

    ``hs, hl, he``: per entry, the start positions, lengths and entry index of its hits;
    ``xs, xl``: per exclusion, the same without the index. Hits that share a token with
    an exclusion hit go, then overlaps are resolved (:func:`_resolve`). Shared by
    :func:`match_themes` and :func:`analysis.robustness.robustness` (which drops one
    entry's hits at a time and must count exactly as a codebook without that entry).
    """
    starts = np.concatenate(hs).astype(np.int64) if hs else np.zeros(0, np.int64)
    lengths = np.concatenate(hl).astype(np.int64) if hl else np.zeros(0, np.int64)
    entries = np.concatenate(he).astype(np.int64) if he else np.zeros(0, np.int64)
    if xs and len(starts):
        x_s = np.concatenate(xs).astype(np.int64)
        x_e = x_s + np.concatenate(xl)
        if len(x_s):
            o = np.argsort(x_s, kind="stable")
            x_s, x_e = x_s[o], np.maximum.accumulate(x_e[o])
            idx = np.searchsorted(x_s, starts + lengths, "left") - 1
            hit = (idx >= 0) & (x_e[np.maximum(idx, 0)] > starts)
            starts, lengths, entries = starts[~hit], lengths[~hit], entries[~hit]
    return _resolve(starts, lengths, entries)


@dataclass(frozen=True, eq=False, repr=False)
class ThemeMatches:
    """The counted hits of a codebook in a corpus: the output of :func:`match_themes`.

    Pass it instead of a corpus to :func:`~analysis.theme_rates`,
    :func:`~analysis.theme_difference`, :func:`~analysis.theme_hits` and
    :func:`~analysis.theme_contributions`; they then reuse these hits instead of
    matching again. :meth:`theme_counts` keeps only the per-document counts
    (:class:`ThemeCounts`), which is all the rates and differences need.

    Attributes
    ----------
    codebook : Codebook
        The codebook that was matched.
    docs : DataFrame
        One row per corpus document, in corpus order (index 0..n-1): every corpus
        column except ``text`` and ``raw_text``. Grouping columns (``by=``) are read
        from here.
    units : DataFrame
        The matching units (:func:`analysis.segment`), with ``text`` (for the context
        of :func:`~analysis.theme_hits`) and ``doc_index`` (row of ``docs``).
    tokens : Tokens
        The word tokens of the units (:func:`analysis.tokens.word_tokens`).
    entries : tuple of tuple of str
        Per theme (codebook order), its entries.
    unit_of, theme, entry, start, length : ndarray
        One element per counted hit, sorted by (start, theme): the unit's row in
        ``units``, the theme's index in the codebook, the entry's index in that theme's
        entries, the global token position of the first matched token, and the number
        of matched tokens.
    params : dict
        ``{"unit": ..., "stem": ...}`` as given to :func:`match_themes`.
    """

    codebook: Codebook
    docs: pd.DataFrame
    units: pd.DataFrame
    tokens: Tokens
    entries: tuple[tuple[str, ...], ...]
    unit_of: np.ndarray
    theme: np.ndarray
    entry: np.ndarray
    start: np.ndarray
    length: np.ndarray
    params: dict = field(default_factory=dict)

    @property
    def n_hits(self) -> int:
        return len(self.start)

    def unit_tokens(self) -> np.ndarray:
        """``n_tokens`` of each unit: its number of word tokens (:mod:`analysis.tokens`)."""
        return np.diff(self.tokens.offsets)

    def doc_tokens(self) -> np.ndarray:
        """``n_tokens`` of each document (row of :attr:`docs`): its units' word tokens.

        A word token is a maximal run of word characters (see :mod:`analysis.tokens`);
        this equals ``n_tokens`` of :func:`analysis.read_corpus`. Every ``rate_per_1k``
        of the theme statistics divides by sums of these counts.
        """
        doc_of_unit = self.units["doc_index"].to_numpy()
        return np.bincount(
            doc_of_unit, weights=self.unit_tokens(), minlength=len(self.docs)
        ).astype(np.int64)

    def counts(self, level: str = "document") -> pd.DataFrame:
        """Hit counts, one row per document (or unit) and one column per theme.

        Like quanteda's ``dfm_lookup``: a documents x themes matrix of ``int64`` counts
        of the hits :func:`~analysis.theme_rates` counts; the index is ``doc_id`` (or
        ``unit_id`` for ``level="unit"``) and the columns are the theme ids in codebook
        order.
        """
        check_choice("level", level, ("document", "unit"))
        k = len(self.codebook)
        if level == "unit":
            rows, index = self.unit_of, pd.Index(self.units["unit_id"], name="unit_id")
        else:
            rows = self.units["doc_index"].to_numpy()[self.unit_of]
            index = pd.Index(self.docs["doc_id"], name="doc_id")
        flat = np.bincount(rows * k + self.theme, minlength=len(index) * k)
        return pd.DataFrame(
            flat.reshape(len(index), k).astype(np.int64),
            index=index,
            columns=pd.Index(self.codebook.ids, name="theme"),
        )

    def theme_counts(self) -> ThemeCounts:
        """The documents x themes hit counts: all :func:`~analysis.theme_rates` needs.

        Named after the :class:`ThemeCounts` it returns (``counts()`` is the same table
        as a DataFrame). The hits, units and tokens are left behind, so the result is
        small (``n_docs x n_themes`` integers) and can be sent between processes and
        joined with :meth:`ThemeCounts.concat`.
        """
        n_docs = len(self.docs)
        n_units = np.bincount(self.units["doc_index"].to_numpy(), minlength=n_docs)
        return ThemeCounts(
            codebook=self.codebook,
            docs=self.docs,
            hits=self.counts().to_numpy(),
            n_tokens=self.doc_tokens(),
            n_units=n_units.astype(np.int64),
            params=dict(self.params),
        )

    def __repr__(self) -> str:
        return (
            f"<ThemeMatches {len(self.docs)} documents x {len(self.codebook)} themes, "
            f"{self.n_hits} hits (unit={self.params.get('unit')}, stem={self.params.get('stem')})>"
        )


def _check_unique_ids(doc_ids: pd.Series) -> None:
    """One line naming the first doc_id that occurs twice."""
    dup = doc_ids.duplicated()
    if dup.any():
        raise AnalysisError(
            f"corpus has doc_id {doc_ids[dup].iloc[0]!r} twice; doc_ids must be unique"
        )


@dataclass(frozen=True, eq=False, repr=False)
class ThemeCounts:
    """Hit counts of a codebook per document: what the theme rates and tests read.

    The documents x themes table of counted hits (:func:`match_themes`), with each
    document's word tokens and units, and nothing else: no text, no tokens, no hit
    positions. It is the analogue of quanteda's ``dfm_lookup(dfm, dictionary)``, a
    documents x dictionary-keys count matrix, together with ``ntoken()`` of the
    documents; unlike ``dfm_lookup`` the counts follow the matching rules of
    :mod:`analysis.themes` (phrases within units, one count per stretch of text,
    exclusions). :func:`~analysis.theme_rates`, :func:`~analysis.theme_difference`,
    :func:`~analysis.theme_document_rates` and :func:`~analysis.theme_comparisons`
    accept it in place of a :class:`ThemeMatches` and return identical tables;
    :func:`~analysis.theme_hits`, :func:`~analysis.theme_contributions` and the coding
    sample need the hits themselves and refuse it.

    It is small (``n_docs x n_themes`` integers plus the metadata), which is why a
    Dask corpus is matched partition by partition and only these counts are gathered
    and joined with :meth:`concat` (map-reduce: Dean & Ghemawat 2004, "MapReduce:
    simplified data processing on large clusters", OSDI).

    Attributes
    ----------
    codebook : Codebook
        The codebook that was matched.
    docs : DataFrame
        One row per document, in corpus order (index 0..n-1): every corpus column
        except ``text`` and ``raw_text``. Grouping columns (``by=``) are read from here.
    hits : ndarray of int64, shape (n_docs, n_themes)
        ``hits[i, t]``: counted hits of theme ``t`` (codebook order) in document ``i``;
        equals ``ThemeMatches.counts().to_numpy()``.
    n_tokens : ndarray of int64, shape (n_docs,)
        Word tokens of each document (``ThemeMatches.doc_tokens()``), the denominators
        of every ``rate_per_1k``.
    n_units : ndarray of int64, shape (n_docs,)
        Matching units of each document (1 each for ``unit="document"``).
    params : dict
        ``{"unit": ..., "stem": ...}`` as given to :func:`match_themes`.
    """

    codebook: Codebook
    docs: pd.DataFrame
    hits: np.ndarray
    n_tokens: np.ndarray
    n_units: np.ndarray
    params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        n, k = len(self.docs), len(self.codebook)
        shapes = (np.shape(self.hits), np.shape(self.n_tokens), np.shape(self.n_units))
        if shapes != ((n, k), (n,), (n,)):
            raise AnalysisError(
                f"ThemeCounts: hits {shapes[0]}, n_tokens {shapes[1]} and n_units "
                f"{shapes[2]} do not fit {n} documents x {k} themes; build it with "
                "ThemeMatches.theme_counts()"
            )

    @property
    def n_docs(self) -> int:
        return len(self.docs)

    def counts(self) -> pd.DataFrame:
        """The hits as a DataFrame: index ``doc_id``, one ``int64`` column per theme id
        (the table of ``ThemeMatches.counts()``)."""
        return pd.DataFrame(
            self.hits,
            index=pd.Index(self.docs["doc_id"], name="doc_id"),
            columns=pd.Index(self.codebook.ids, name="theme"),
        )

    @classmethod
    def concat(cls, parts: Sequence[ThemeCounts]) -> ThemeCounts:
        """The counts of the parts' documents, in the order of ``parts``.

        The reduce step of the map-reduce: the counts of a corpus cut into contiguous
        pieces, concatenated in corpus order, equal the counts of the whole corpus
        (a document's hits depend on its own text only). Every part must come from the
        same codebook, ``unit`` and ``stem``; a ``doc_id`` in two parts is an error.
        The ``docs`` columns keep the first non-empty part's dtypes where pandas can.
        """
        parts = list(parts)
        if not parts or not all(isinstance(p, ThemeCounts) for p in parts):
            raise AnalysisError(
                "parts: give a non-empty list of ThemeCounts (ThemeMatches.theme_counts())"
            )
        first = parts[0]
        for p in parts[1:]:
            if p.params != first.params:
                raise AnalysisError(
                    f"parts: counts made with {p.params} and with {first.params}; match "
                    "every part with the same unit and stem"
                )
            if p.codebook is not first.codebook and p.codebook != first.codebook:
                raise AnalysisError(
                    "parts: counts made with different codebooks; match every part with "
                    "the same codebook"
                )
        full = [p for p in parts if p.n_docs] or parts[:1]
        docs = (
            pd.concat([p.docs for p in full], ignore_index=True)
            if len(full) > 1
            else (full[0].docs.reset_index(drop=True))
        )
        _check_unique_ids(docs["doc_id"])
        k = len(first.codebook)
        return cls(
            codebook=first.codebook,
            docs=docs,
            hits=np.concatenate([p.hits.reshape(-1, k) for p in full]).astype(np.int64),
            n_tokens=np.concatenate([p.n_tokens for p in full]).astype(np.int64),
            n_units=np.concatenate([p.n_units for p in full]).astype(np.int64),
            params=dict(first.params),
        )

    def __repr__(self) -> str:
        return (
            f"<ThemeCounts {self.n_docs} documents x {len(self.codebook)} themes, "
            f"{int(self.hits.sum())} hits (unit={self.params.get('unit')}, "
            f"stem={self.params.get('stem')})>"
        )


#: Units whose tokens :func:`match_themes` re-tokenizes to check given ``tokens=``
TOKEN_SPOT_CHECKS = 64


def _tokens_of(tokens: object, units: pd.DataFrame) -> bool:
    """Whether ``tokens`` can be the word tokens of ``units``: one entry per unit, each
    unit's number of word tokens, and the very tokens of up to ``TOKEN_SPOT_CHECKS``
    units spread over the corpus (tokenized again here). A cheap check, not a proof:
    tokens of other texts with the same word counts can pass when their differences
    fall outside the units checked."""
    if not isinstance(tokens, Tokens) or len(tokens.offsets) != len(units) + 1:
        return False
    if not np.array_equal(np.diff(tokens.offsets), units["n_tokens"].to_numpy()):
        return False
    picks = np.unique(
        np.linspace(0, len(units) - 1, min(len(units), TOKEN_SPOT_CHECKS)).astype(int)
    )
    texts = units["text"].to_numpy(dtype=object)[picks].tolist()
    again = word_tokens(texts)
    for i, u in enumerate(picks.tolist()):
        mine = tokens.types[tokens.ids[tokens.offsets[u] : tokens.offsets[u + 1]]]
        theirs = again.types[again.ids[again.offsets[i] : again.offsets[i + 1]]]
        if not np.array_equal(mine, theirs):
            return False
    return True


def match_themes(
    corpus: pd.DataFrame,
    codebook: Codebook | str | Path | None = None,
    *,
    unit: str = "document",
    stem: bool = False,
    client: Any = None,
    tokens: Tokens | None = None,
) -> ThemeMatches | ThemeCounts:
    """Find every counted hit of ``codebook`` in ``corpus``, once, for all statistics.

    The corpus is split into units (:func:`analysis.segment`), tokenized into word
    tokens (:func:`analysis.tokens.word_tokens`: maximal runs of ``\\w``, lower-cased),
    and every entry and exclusion of every theme is matched by the rules of
    :mod:`analysis.themes` (phrases within a unit, one count per stretch of text per
    theme, longest hit first, exclusions remove the hits they overlap).

    Parameters
    ----------
    corpus : DataFrame
        From :func:`analysis.read_corpus`: ``doc_id`` (unique) and ``text``, plus any
        metadata columns.
    codebook : Codebook, path or None
        A codebook (:func:`analysis.load_themes`), the path of a YAML codebook, or None
        for the default one (``analysis/data/themes.yml``).
    unit : {"document", "paragraph", "sentence"}, default "document"
        Unit within which phrases match (they never cross a unit boundary).
    stem : bool, default False
        Compare the Snowball stems of plain word entries with those of the text.
    client : distributed.Client, optional
        Match on this Dask client. When ``corpus`` is a Dask DataFrame (or ``client``
        is given), each partition is matched by this function in a worker and only its
        :class:`ThemeCounts` comes back; they are joined in corpus order
        (:meth:`ThemeCounts.concat`), so the counts equal
        ``match_themes(whole_corpus).theme_counts()`` exactly (see
        :func:`analysis.distributed.themes.match_themes`). Without ``client``, a Dask
        corpus runs on Dask's default client, else on its local threaded scheduler.
    tokens : Tokens, optional
        The word tokens of the units, when another step has them:
        ``analysis.cached_tokens(corpus, unit=unit)`` (loaded from the cache when an
        earlier call stored them) or ``word_tokens(analysis.segment(corpus, unit)["text"])``.
        Checked against the units: one entry each, each unit's number of word tokens,
        and the tokens themselves of up to 64 units spread over the corpus (a cheap
        check, not a proof: give the tokens of these very units). Tokenized here when
        None. Not with Dask.

    Returns
    -------
    ThemeMatches or ThemeCounts
        For a pandas corpus without ``client``: the hits, with the codebook, the
        documents' metadata and the units; pass it to :func:`~analysis.theme_rates`,
        :func:`~analysis.theme_difference`, :func:`~analysis.theme_hits` and
        :func:`~analysis.theme_contributions`. ``.counts()`` gives the documents x
        themes hit counts. On Dask: the :class:`ThemeCounts` of the whole corpus. The
        hits themselves (for :func:`~analysis.theme_hits`, KWIC, coding samples) are
        not gathered from Dask: sample documents first (``ddf.sample(frac=...)
        .compute()``) or map this function over the partitions yourself
        (``ddf.map_partitions``/``to_delayed``).

    Examples
    --------
    >>> matches = analysis.match_themes(docs, analysis.load_themes(), unit="paragraph")
    >>> rates = analysis.theme_rates(matches, by="year")
    >>> hits = analysis.theme_hits(matches)
    """
    from ..distributed._client import is_dask_frame

    if client is not None or is_dask_frame(corpus):
        from ..distributed.themes import match_themes as match_on_dask

        if tokens is not None:
            raise AnalysisError(
                "tokens: matching on Dask tokenizes in the workers; leave tokens=None"
            )
        return match_on_dask(corpus, codebook, unit=unit, stem=stem, client=client)
    codebook = as_codebook(codebook)
    if not isinstance(corpus, pd.DataFrame):
        raise AnalysisError("corpus must be a DataFrame from analysis.read_corpus")
    if not isinstance(stem, bool):
        raise AnalysisError(f"stem={stem!r} must be True or False")
    check_choice("unit", unit, UNITS)
    if len(corpus) == 0:
        raise AnalysisError("corpus has no documents; check the path given to read_corpus")
    _check_unique_ids(corpus["doc_id"])
    units = segment(corpus, unit)
    doc_index = pd.Index(corpus["doc_id"]).get_indexer(units["doc_id"])
    units = units.assign(doc_index=doc_index)
    if tokens is None:
        tokens = word_tokens(units["text"].tolist())
    elif not _tokens_of(tokens, units):
        raise AnalysisError(
            f"tokens are not those of these {len(units)} {unit} units; give "
            f"analysis.cached_tokens(corpus, unit={unit!r}) or leave tokens=None"
        )

    patterns: list[list[np.ndarray | None]] = []
    owner: list[tuple[int, int, bool]] = []  # (theme, entry index, is_exclusion)
    for ti, theme in enumerate(codebook):
        for kind, items in ((False, theme.entries), (True, theme.exclusions)):
            for ei, entry in enumerate(items):
                # stemming applies to entry words, never to glob tokens
                patterns.append([_slot_ids(t, tokens, stem) for t in entry_tokens(entry)])
                owner.append((ti, ei, kind))
    finder = _Finder(tokens, patterns)

    out_theme, out_entry, out_start, out_len = [], [], [], []
    for ti, _theme in enumerate(codebook):
        hs, hl, he, xs, xl = [], [], [], [], []
        for k, (t, ei, is_excl) in enumerate(owner):
            if t != ti:
                continue
            s = finder.find(k)
            n = len(patterns[k])
            if is_excl:
                xs.append(s)
                xl.append(np.full(len(s), n))
            else:
                hs.append(s)
                hl.append(np.full(len(s), n))
                he.append(np.full(len(s), ei))
        starts, lengths, entries = _counted(hs, hl, he, xs, xl)
        out_start.append(starts)
        out_len.append(lengths)
        out_entry.append(entries)
        out_theme.append(np.full(len(starts), ti, dtype=np.int64))
    start = np.concatenate(out_start)
    unit_of = np.searchsorted(tokens.offsets, start, "right") - 1
    theme = np.concatenate(out_theme)
    order = np.lexsort((theme, start))
    text_cols = [c for c in ("text", "raw_text") if c in corpus.columns]
    return ThemeMatches(
        codebook=codebook,
        docs=corpus.drop(columns=text_cols).reset_index(drop=True),
        units=units,
        tokens=tokens,
        entries=tuple(tuple(t.entries) for t in codebook),
        unit_of=unit_of[order],
        theme=theme[order],
        entry=np.concatenate(out_entry)[order],
        start=start[order],
        length=np.concatenate(out_len)[order],
        params={"unit": unit, "stem": stem},
    )
