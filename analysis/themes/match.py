"""Theme matching: :func:`match_themes` finds every counted hit of a codebook in a corpus.

The matching rules (case, globs, phrases, units, the overlap rule, exclusions, stems)
are described in :mod:`analysis.themes`. The result, a :class:`ThemeMatches`, is what
the statistics in :mod:`analysis.themes.stats` read, so a corpus is tokenized and
matched once however many statistics are computed from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import AnalysisError
from ..text import UNITS, segment
from ..tokens import Tokens, word_tokens
from ..validation import check_choice
from .codebook import Codebook, as_codebook, entry_tokens

__all__ = ["match_themes", "ThemeMatches"]


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
    cluster = np.cumsum(new_cluster)
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
    matching again.

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

    def __repr__(self) -> str:
        return (
            f"<ThemeMatches {len(self.docs)} documents x {len(self.codebook)} themes, "
            f"{self.n_hits} hits (unit={self.params.get('unit')}, stem={self.params.get('stem')})>"
        )


def match_themes(
    corpus: pd.DataFrame,
    codebook: Codebook | str | Path | None = None,
    *,
    unit: str = "document",
    stem: bool = False,
) -> ThemeMatches:
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

    Returns
    -------
    ThemeMatches
        The hits, with the codebook, the documents' metadata and the units; pass it to
        :func:`~analysis.theme_rates`, :func:`~analysis.theme_difference`,
        :func:`~analysis.theme_hits` and :func:`~analysis.theme_contributions`.
        ``.counts()`` gives the documents x themes hit counts.

    Examples
    --------
    >>> matches = analysis.match_themes(docs, analysis.load_themes(), unit="paragraph")
    >>> rates = analysis.theme_rates(matches, by="year")
    >>> hits = analysis.theme_hits(matches)
    """
    codebook = as_codebook(codebook)
    if not isinstance(corpus, pd.DataFrame):
        raise AnalysisError("corpus must be a DataFrame from analysis.read_corpus")
    if not isinstance(stem, bool):
        raise AnalysisError(f"stem={stem!r} must be True or False")
    check_choice("unit", unit, UNITS)
    if len(corpus) == 0:
        raise AnalysisError("corpus has no documents; check the path given to read_corpus")
    if corpus["doc_id"].duplicated().any():
        dup = corpus["doc_id"][corpus["doc_id"].duplicated()].iloc[0]
        raise AnalysisError(f"corpus has doc_id {dup!r} twice; doc_ids must be unique")
    units = segment(corpus, unit)
    doc_index = pd.Index(corpus["doc_id"]).get_indexer(units["doc_id"])
    units = units.assign(doc_index=doc_index)
    tokens = word_tokens(units["text"].tolist())

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
