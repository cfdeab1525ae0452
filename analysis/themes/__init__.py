"""Framing themes: a codebook of theme dictionaries, rates with intervals, and hits.

A *codebook* (:func:`load_themes`, YAML) lists themes; each theme has an ``id``, a
``label``, a ``definition``, ``entries`` and optional ``exclusions`` and ``sources``.
Dictionary measures of frames follow the tradition reviewed by Grimmer & Stewart (2013,
"Text as data", *Political Analysis* 21(3)); a frame in the sense of Entman (1993,
*Journal of Communication* 43(4)) is approximated by the words that invoke it, which is
why every rate here comes with its audit trail (:func:`theme_hits`,
:func:`theme_contributions`).

Matching semantics
------------------
Text is split into *tokens*, the runs of ``\\w`` (:func:`analysis.text.words`), the same
tokens that ``n_tokens`` of :func:`analysis.read_corpus` counts. Punctuation, hyphens
and line breaks are not tokens, so ``"multi-polar"`` is the two tokens ``multi polar``
and ``"U.N."`` is ``u n``.

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
For a group *g* of documents, ``rate_per_1k = 1000 * sum(hits) / sum(tokens)`` over the
units of its documents. The 95% interval is a percentile bootstrap (Efron & Tibshirani
1993) that resamples *documents* with replacement within the group, ``n_boot`` times.
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

import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._yaml import did_you_mean, read_yaml
from ..errors import AnalysisError
from ..grouping import check_by as _check_by
from ..grouping import group_labels as _group_labels
from ..grouping import group_order as _group_order
from ..text import UNITS, segment
from ..tokens import Tokens as _Tokens
from ..tokens import spans as _spans
from ..tokens import word_tokens as _tokenize

__all__ = [
    "Theme",
    "Codebook",
    "load_themes",
    "theme_rates",
    "theme_difference",
    "theme_hits",
    "theme_contributions",
    "DEFAULT_THEMES",
]

DEFAULT_THEMES = Path(__file__).parents[1] / "data" / "themes.yml"

_WORD_RE = re.compile(r"\w+")
_ENTRY_TOKEN_RE = re.compile(r"[\w*]+")
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_THEME_KEYS = ("id", "label", "definition", "entries", "exclusions", "sources")
_REQUIRED_THEME_KEYS = ("id", "label", "definition", "entries")
_TOP_KEYS = ("name", "description", "sources", "themes")
_STR_TAG = "tag:yaml.org,2002:str"

# ----------------------------------------------------------------------------- codebook


@dataclass(frozen=True)
class Theme:
    """One theme of a codebook: see the module docstring for the entry syntax."""

    id: str
    label: str
    definition: str
    entries: tuple[str, ...]
    exclusions: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # A Theme built in Python gets the entry checks of load_themes, so that no
        # codebook, however it was made, holds an entry that matches every word.
        if not isinstance(self.id, str) or not self.id:
            raise AnalysisError(f"theme id {self.id!r} must be non-empty text")
        for key, allow_empty in (("entries", False), ("exclusions", True), ("sources", True)):
            items = getattr(self, key)
            if isinstance(items, str) or not isinstance(items, Sequence):
                raise AnalysisError(
                    f"theme {self.id!r}: {key} must be a list or tuple of text, "
                    f"not {type(items).__name__}"
                )
            items = tuple(items)
            if not items and not allow_empty:
                raise AnalysisError(f"theme {self.id!r}: {key} is empty; list at least one")
            for item in items:
                if not isinstance(item, str):
                    raise AnalysisError(
                        f"theme {self.id!r}: each item of {key} must be text, not {item!r}"
                    )
                if key != "sources":
                    _check_entry(item, "codebook", self.id)
            object.__setattr__(self, key, items)


@dataclass(frozen=True)
class Codebook:
    """An ordered collection of :class:`Theme` objects loaded by :func:`load_themes`."""

    themes: tuple[Theme, ...]
    name: str = ""
    description: str = ""
    path: str | None = None
    sources: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        themes = self.themes
        if isinstance(themes, Theme) or not isinstance(themes, Sequence):
            raise AnalysisError("Codebook themes must be a list or tuple of Theme objects")
        themes = tuple(themes)
        if not themes:
            raise AnalysisError("a codebook needs at least one theme")
        seen: set[str] = set()
        for t in themes:
            if not isinstance(t, Theme):
                raise AnalysisError(f"Codebook themes must be Theme objects, not {t!r}")
            if t.id in seen:
                raise AnalysisError(
                    f"theme id {t.id!r} repeats in the codebook; ids must be unique"
                )
            seen.add(t.id)
        object.__setattr__(self, "themes", themes)

    def __len__(self) -> int:
        return len(self.themes)

    def __iter__(self) -> Iterator[Theme]:
        return iter(self.themes)

    def __getitem__(self, theme_id: str) -> Theme:
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise AnalysisError(
            f"codebook has no theme {theme_id!r}; its themes are {', '.join(self.ids)}"
        )

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.themes]

    def select(self, ids: Sequence[str]) -> Codebook:
        """A codebook with only the themes ``ids``, in that order."""
        return Codebook(
            tuple(self[i] for i in ids), self.name, self.description, self.path, self.sources
        )

    def to_frame(self) -> pd.DataFrame:
        """Tidy table, one row per entry or exclusion: ``theme, label, kind, entry``."""
        rows = [
            (t.id, t.label, kind, e)
            for t in self.themes
            for kind, items in (("entry", t.entries), ("exclusion", t.exclusions))
            for e in items
        ]
        return pd.DataFrame(rows, columns=["theme", "label", "kind", "entry"])

    def __repr__(self) -> str:
        return (
            f"<Codebook {self.name or self.path or ''}: {len(self)} themes ({', '.join(self.ids)})>"
        )


def _where(source: str, node) -> str:
    return f"{source}, line {node.start_mark.line + 1}"


def _scalar(node, source: str, what: str) -> str:
    import yaml

    if not isinstance(node, yaml.ScalarNode) or node.tag != _STR_TAG:
        kind = "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"
        if isinstance(node, yaml.ScalarNode):
            kind = f"{node.value!r} (not text)"
        raise AnalysisError(f"{_where(source, node)}: {what} must be text, got {kind}; quote it")
    value = " ".join(node.value.split())
    if not value:
        raise AnalysisError(f"{_where(source, node)}: {what} is empty; fill it in")
    return value


def _string_list(node, source: str, what: str, *, allow_empty: bool) -> tuple[str, ...]:
    import yaml

    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
        items: list = []
    elif not isinstance(node, yaml.SequenceNode):
        raise AnalysisError(
            f"{_where(source, node)}: {what} must be a list (one '- item' per line)"
        )
    else:
        items = node.value
    if not items and not allow_empty:
        raise AnalysisError(f"{_where(source, node)}: {what} is empty; list at least one")
    out: list[str] = []
    for item in items:
        value = _scalar(item, source, f"each item of {what}")
        if value.lower() in (o.lower() for o in out):
            raise AnalysisError(f"{_where(source, item)}: {what} lists {value!r} twice; drop one")
        out.append(value)
    return tuple(out)


def _mapping(node, source: str, what: str, allowed: Sequence[str]) -> dict:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        raise AnalysisError(f"{_where(source, node)}: {what} must be a mapping of key: value")
    out = {}
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if key not in allowed:
            hint = did_you_mean(key, allowed) if isinstance(key, str) else ""
            raise AnalysisError(
                f"{_where(source, key_node)}: unknown key {key!r} in {what}{hint}; "
                f"allowed keys are {', '.join(allowed)}"
            )
        if key in out:
            raise AnalysisError(f"{_where(source, key_node)}: key {key!r} repeats in {what}")
        out[key] = (key_node, value_node)
    return out


def _check_entry(entry: str, where: str, theme: str) -> None:
    """Refuse an entry that is not a word, glob or phrase, or that could match any word.

    A token made only of ``*`` matches every word: alone (``*``, ``**``), at either end
    of a phrase (``war **``, ``* war``), or as every token of a phrase (``* *``,
    ``*-*``). Inside a phrase a single ``*`` is the one-word wildcard and stays allowed
    (``a * b``); ``**`` there is refused as a typo of it. So every accepted entry has a
    first and a last token with at least one word character, and a hit needs words that
    contain those characters.
    """
    toks = _ENTRY_TOKEN_RE.findall(entry.lower())
    if not toks:
        raise AnalysisError(
            f"{where}: theme {theme!r}: entry {entry!r} has no word characters; remove it"
        )
    bare = next((t for t in (toks[0], toks[-1]) if set(t) == {"*"}), None)
    if bare is not None:
        raise AnalysisError(
            f"{where}: theme {theme!r}: entry {entry!r} starts or ends with the bare wildcard "
            f"{bare!r}, which would match any word; attach the '*' to a word stem "
            "(e.g. 'multilateral*')"
        )
    stars = next((t for t in toks if len(t) > 1 and set(t) == {"*"}), None)
    if stars is not None:
        raise AnalysisError(
            f"{where}: theme {theme!r}: entry {entry!r} has the token {stars!r}; inside a "
            "phrase a single '*' stands for any one word, otherwise attach the '*' to a word "
            "stem (e.g. 'multilateral*')"
        )
    if re.search(r"[^\w*\s\-'’./,&]", entry):
        bad = re.search(r"[^\w*\s\-'’./,&]", entry).group(0)
        raise AnalysisError(
            f"{where}: theme {theme!r}: entry {entry!r} contains {bad!r}; entries are words, "
            "'*' globs and phrases, not regular expressions"
        )


def load_themes(path: str | Path | None = None) -> Codebook:
    """Load a theme codebook from YAML; the default codebook when ``path`` is None.

    The file is a mapping with ``themes`` (a list) and optional ``name``,
    ``description`` and ``sources``. Each theme is a mapping with ``id`` (lower-case
    letters, digits, ``_``), ``label``, ``definition``, ``entries`` (a non-empty list)
    and optional ``exclusions`` and ``sources`` (lists). All values are text.

    Raises
    ------
    AnalysisError
        Naming the line (and theme) of the problem: a YAML syntax error, an unknown or
        repeated key, a missing key, an empty theme, a value of the wrong type, a
        repeated theme id or entry, an entry that is not a word, glob or phrase.
    """
    import yaml

    p = Path(path) if path is not None else DEFAULT_THEMES
    source = str(p)
    try:
        root = read_yaml(p, what="codebook", compose=True)
    except RecursionError:
        raise AnalysisError(
            f"{source}: codebook is nested too deeply to read; a theme is a flat mapping"
        ) from None
    if root is None:
        raise AnalysisError(f"{source}: the file is empty; write a 'themes:' list")
    top = _mapping(root, source, "the codebook", _TOP_KEYS)
    if "themes" not in top:
        raise AnalysisError(f"{_where(source, root)}: no 'themes:' list; add one")
    themes_node = top["themes"][1]
    if not isinstance(themes_node, yaml.SequenceNode) or not themes_node.value:
        raise AnalysisError(
            f"{_where(source, themes_node)}: 'themes' must be a non-empty list of themes"
        )
    themes: list[Theme] = []
    seen: dict[str, int] = {}
    for i, tnode in enumerate(themes_node.value, start=1):
        where = _where(source, tnode)
        fields = _mapping(tnode, source, f"theme #{i}", _THEME_KEYS)
        if "id" not in fields:
            raise AnalysisError(f"{where}: theme #{i} has no 'id'; add one")
        tid = _scalar(fields["id"][1], source, f"the id of theme #{i}")
        if not _ID_RE.match(tid):
            raise AnalysisError(
                f"{_where(source, fields['id'][1])}: theme id {tid!r} must be lower-case "
                "letters, digits and '_', starting with a letter"
            )
        if tid in seen:
            raise AnalysisError(
                f"{_where(source, fields['id'][1])}: theme id {tid!r} repeats line {seen[tid]}; ids must be unique"
            )
        seen[tid] = fields["id"][1].start_mark.line + 1
        for key in _REQUIRED_THEME_KEYS:
            if key not in fields:
                raise AnalysisError(f"{where}: theme {tid!r} has no {key!r}; add it")
        label = _scalar(fields["label"][1], source, f"theme {tid!r}: label")
        definition = _scalar(fields["definition"][1], source, f"theme {tid!r}: definition")
        entries = _string_list(
            fields["entries"][1], source, f"theme {tid!r}: entries", allow_empty=False
        )
        exclusions = sources = ()
        if "exclusions" in fields:
            exclusions = _string_list(
                fields["exclusions"][1], source, f"theme {tid!r}: exclusions", allow_empty=True
            )
        if "sources" in fields:
            sources = _string_list(
                fields["sources"][1], source, f"theme {tid!r}: sources", allow_empty=True
            )
        nodes = [fields[k][1] for k in ("entries", "exclusions") if k in fields]
        for node in (n for seq in nodes if isinstance(seq, yaml.SequenceNode) for n in seq.value):
            _check_entry(" ".join(node.value.split()), _where(source, node), tid)
        themes.append(Theme(tid, label, definition, entries, exclusions, sources))
    name = _scalar(top["name"][1], source, "name") if "name" in top else ""
    description = (
        _scalar(top["description"][1], source, "description") if "description" in top else ""
    )
    top_sources = (
        _string_list(top["sources"][1], source, "sources", allow_empty=True)
        if "sources" in top
        else ()
    )
    return Codebook(tuple(themes), name, description, source, top_sources)


def _as_codebook(themes) -> Codebook:
    if themes is None:
        return load_themes()
    if isinstance(themes, Codebook):
        return themes
    if isinstance(themes, str | Path):
        return load_themes(themes)
    raise AnalysisError(
        f"themes must be a Codebook (analysis.load_themes), a YAML path or None, not {type(themes).__name__}"
    )


# ----------------------------------------------------------------------------- matching


def _slot_ids(token: str, tokens: _Tokens, stem: bool) -> np.ndarray | None:
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


def _entry_tokens(entry: str) -> list[str]:
    return _ENTRY_TOKEN_RE.findall(entry.lower())


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
    """Finds phrase/word/glob spans in a :class:`_Tokens` stream."""

    def __init__(self, tokens: _Tokens, patterns: list[list[np.ndarray | None]]):
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


@dataclass
class _Matches:
    units: pd.DataFrame  # segment() output, one row per unit, plus "doc_index"
    tokens: _Tokens
    codebook: Codebook
    entries: list[list[str]]  # per theme, its entries (display forms)
    # one row per counted hit, sorted by (unit, start, theme)
    unit: np.ndarray
    theme: np.ndarray
    entry: np.ndarray
    start: np.ndarray  # global token position
    length: np.ndarray

    @property
    def n_units(self) -> int:
        return len(self.units)

    def unit_counts(self) -> np.ndarray:
        """n_units x n_themes hit counts."""
        k = len(self.codebook)
        flat = np.bincount(self.unit * k + self.theme, minlength=self.n_units * k)
        return flat.reshape(self.n_units, k)

    def unit_tokens(self) -> np.ndarray:
        return np.diff(self.tokens.offsets)


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


def _match(corpus: pd.DataFrame, themes, *, unit: str = "document", stem: bool = False) -> _Matches:
    codebook = _as_codebook(themes)
    if not isinstance(corpus, pd.DataFrame):
        raise AnalysisError("corpus must be a DataFrame from analysis.read_corpus")
    if not isinstance(stem, bool):
        raise AnalysisError(f"stem={stem!r} must be True or False")
    if unit not in UNITS:
        raise AnalysisError(f"unit={unit!r} is not one of {', '.join(UNITS)}; pick one of these")
    if len(corpus) == 0:
        raise AnalysisError("corpus has no documents; check the path given to read_corpus")
    if corpus["doc_id"].duplicated().any():
        dup = corpus["doc_id"][corpus["doc_id"].duplicated()].iloc[0]
        raise AnalysisError(f"corpus has doc_id {dup!r} twice; doc_ids must be unique")
    units = segment(corpus, unit)
    doc_index = pd.Index(corpus["doc_id"]).get_indexer(units["doc_id"])
    units = units.assign(doc_index=doc_index)
    tokens = _tokenize(units["text"].tolist())

    entries_per_theme: list[list[str]] = []
    patterns: list[list[np.ndarray | None]] = []
    owner: list[tuple[int, int, bool]] = []  # (theme, entry index, is_exclusion)
    for ti, theme in enumerate(codebook):
        entries_per_theme.append(list(theme.entries))
        for kind, items in ((False, theme.entries), (True, theme.exclusions)):
            for ei, entry in enumerate(items):
                toks = _entry_tokens(entry)
                # stemming applies to entry words, never to glob tokens
                patterns.append([_slot_ids(t, tokens, stem) for t in toks])
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
        starts = np.concatenate(hs).astype(np.int64)
        lengths = np.concatenate(hl).astype(np.int64)
        entries = np.concatenate(he).astype(np.int64)
        if xs and len(starts):
            x_s = np.concatenate(xs).astype(np.int64)
            x_e = x_s + np.concatenate(xl)
            if len(x_s):
                o = np.argsort(x_s, kind="stable")
                x_s, x_e = x_s[o], np.maximum.accumulate(x_e[o])
                idx = np.searchsorted(x_s, starts + lengths, "left") - 1
                hit = (idx >= 0) & (x_e[np.maximum(idx, 0)] > starts)
                starts, lengths, entries = starts[~hit], lengths[~hit], entries[~hit]
        starts, lengths, entries = _resolve(starts, lengths, entries)
        out_start.append(starts)
        out_len.append(lengths)
        out_entry.append(entries)
        out_theme.append(np.full(len(starts), ti, dtype=np.int64))
    start = np.concatenate(out_start)
    unit_of = np.searchsorted(tokens.offsets, start, "right") - 1
    theme = np.concatenate(out_theme)
    order = np.lexsort((theme, start))
    return _Matches(
        units=units,
        tokens=tokens,
        codebook=codebook,
        entries=entries_per_theme,
        unit=unit_of[order],
        theme=theme[order],
        entry=np.concatenate(out_entry)[order],
        start=start[order],
        length=np.concatenate(out_len)[order],
    )


# ----------------------------------------------------------------------------- statistics


def _check_int(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise AnalysisError(f"{name}={value!r} must be an integer >= {minimum}")
    return int(value)


def _rng(seed: int, label: str) -> np.random.Generator:
    """A bootstrap stream for one group, derived from ``seed`` and the group's label."""
    key = zlib.crc32(label.encode("utf-8"))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))


def _boot_counts(rng: np.random.Generator, n_boot: int, n: int) -> np.ndarray:
    """n_boot x n multiplicities of documents in bootstrap resamples."""
    idx = rng.integers(0, n, size=(n_boot, n))
    flat = (idx + (np.arange(n_boot) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=n_boot * n).reshape(n_boot, n).astype(np.float64)


def _doc_table(m: _Matches, n_docs: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-document hits (n_docs x n_themes) and tokens, summed over units."""
    k = len(m.codebook)
    doc_of_unit = m.units["doc_index"].to_numpy()
    hits = np.zeros((n_docs, k), dtype=np.float64)
    np.add.at(hits, (doc_of_unit[m.unit], m.theme), 1.0)
    tokens = np.bincount(doc_of_unit, weights=m.unit_tokens(), minlength=n_docs)
    return hits, tokens


def _ratio(h, t):
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1000.0 * h / t


def theme_rates(
    corpus: pd.DataFrame,
    themes: Codebook | str | Path | None = None,
    *,
    by: str | Sequence[str] | None = None,
    unit: str = "document",
    n_boot: int = 2000,
    seed: int = 0,
    stem: bool = False,
    level: float = 0.95,
) -> pd.DataFrame:
    """Theme rates per 1,000 tokens by group, with bootstrap intervals.

    Parameters
    ----------
    corpus : DataFrame
        From :func:`analysis.read_corpus`.
    themes : Codebook, path or None
        A codebook (:func:`load_themes`), the path of a YAML codebook, or None for the
        default one.
    by : str or list of str, optional
        Corpus column(s) defining groups; None puts every document in group ``"all"``.
    unit : {"document", "paragraph", "sentence"}
        Unit within which phrases match (they never cross a unit boundary). Rates and
        intervals are always computed over whole documents (clusters of units).
    n_boot : int, default 2000
        Bootstrap resamples; 0 skips the intervals.
    seed : int, default 0
    stem : bool, default False
        Stemmed matching (see the module docstring).
    level : float, default 0.95
        Coverage of the percentile interval.

    Returns
    -------
    DataFrame
        One row per group and theme (groups sorted by the ``by`` values, themes in
        codebook order): ``group`` (str; ``" | "``-joined for several columns),
        ``theme, label, hits, tokens``, ``rate_per_1k = 1000 * hits / tokens``,
        ``ci_low, ci_high`` (percentile bootstrap over documents within the group),
        ``n_docs, n_units`` and ``note`` (why an interval is missing, else empty).
    """
    n_boot = _check_int("n_boot", n_boot, 0)
    seed = _check_int("seed", seed, 0)
    if not 0 < level < 1:
        raise AnalysisError(f"level={level!r} must be between 0 and 1, e.g. 0.95")
    cols = _check_by(corpus, by)
    m = _match(corpus, themes, unit=unit, stem=stem)
    corpus = corpus.reset_index(drop=True)
    hits, tokens = _doc_table(m, len(corpus))
    n_units = np.bincount(m.units["doc_index"].to_numpy(), minlength=len(corpus))
    labels = _group_labels(corpus, cols)
    alpha = (1 - level) / 2
    rows = []
    for g in _group_order(corpus, cols, labels):
        docs = np.flatnonzero(labels.to_numpy() == g)
        h, t = hits[docs], tokens[docs]
        rate = _ratio(h.sum(axis=0), t.sum())
        lo = hi = np.full(len(m.codebook), np.nan)
        note = ""
        if t.sum() == 0:
            note = "no tokens: no rate"
        elif len(docs) == 1:
            note = "one document: no interval"
        elif n_boot == 0:
            note = "n_boot=0: no interval"
        else:
            counts = _boot_counts(_rng(seed, g), n_boot, len(docs))
            boot = _ratio(counts @ h, (counts @ t)[:, None])
            lo, hi = np.nanquantile(boot, [alpha, 1 - alpha], axis=0)
        for ti, theme in enumerate(m.codebook):
            rows.append(
                (g, theme.id, theme.label, int(h[:, ti].sum()), int(t.sum()), rate[ti])
                + (lo[ti], hi[ti], len(docs), int(n_units[docs].sum()), note)
            )
    return pd.DataFrame(
        rows,
        columns=[
            "group", "theme", "label", "hits", "tokens", "rate_per_1k",
            "ci_low", "ci_high", "n_docs", "n_units", "note",
        ],
    )  # fmt: skip


def theme_difference(
    corpus: pd.DataFrame,
    themes: Codebook | str | Path | None = None,
    *,
    by: str | Sequence[str],
    a,
    b,
    unit: str = "document",
    n_boot: int = 2000,
    n_perm: int = 5000,
    seed: int = 0,
    stem: bool = False,
    level: float = 0.95,
) -> pd.DataFrame:
    """Difference in theme rates between groups ``a`` and ``b``.

    ``diff = rate_a - rate_b`` with ``rate = 1000 * sum(hits) / sum(tokens)`` over the
    group's documents. The interval is a percentile bootstrap that resamples documents
    with replacement within each group independently. The p-value comes from a
    two-sided permutation test that reshuffles the group labels of the documents of
    ``a`` and ``b`` (group sizes fixed) ``n_perm`` times:
    ``p = (1 + #{|diff*| >= |diff|}) / (n_perm + 1)`` (Phipson & Smyth 2010, "Permutation
    p-values should never be zero", *Stat. Appl. Genet. Mol. Biol.* 9(1)), so
    ``0 < p <= 1``.

    When either group has a single document there is no between-document variation to
    resample or permute honestly: ``ci_low, ci_high, p_value`` are NaN and ``note`` says
    so.

    Parameters
    ----------
    by : str or list of str
        Grouping column(s); ``a`` and ``b`` are group labels as in :func:`theme_rates`
        (the value as text, e.g. ``2010`` or ``"2010"`` for ``by="year"``).
    a, b : group labels
    n_boot, n_perm : int
        Bootstrap resamples and permutations (0 skips the interval or the test).

    Returns
    -------
    DataFrame
        ``theme, label, rate_a, rate_b, diff, ci_low, ci_high, p_value, n_a, n_b, note``.
    """
    n_boot = _check_int("n_boot", n_boot, 0)
    n_perm = _check_int("n_perm", n_perm, 0)
    seed = _check_int("seed", seed, 0)
    cols = _check_by(corpus, by)
    if not cols:
        raise AnalysisError("by is required: the column whose groups a and b are compared")
    corpus = corpus.reset_index(drop=True)
    labels = _group_labels(corpus, cols).to_numpy()
    a, b = str(a), str(b)
    for name, g in (("a", a), ("b", b)):
        if g not in set(labels):
            known = ", ".join(_group_order(corpus, cols, pd.Series(labels))[:12])
            raise AnalysisError(f"{name}={g!r} is not a group of by={by!r}; groups: {known}")
    if a == b:
        raise AnalysisError(f"a and b are both {a!r}; compare two different groups")
    m = _match(corpus, themes, unit=unit, stem=stem)
    hits, tokens = _doc_table(m, len(corpus))
    ia, ib = np.flatnonzero(labels == a), np.flatnonzero(labels == b)
    ha, ta, hb, tb = hits[ia], tokens[ia], hits[ib], tokens[ib]
    rate_a = _ratio(ha.sum(0), ta.sum())
    rate_b = _ratio(hb.sum(0), tb.sum())
    diff = rate_a - rate_b
    k = len(m.codebook)
    lo = hi = p = np.full(k, np.nan)
    notes = []
    if min(len(ia), len(ib)) < 2:
        notes.append("a group has one document: no interval, no test")
    else:
        alpha = (1 - level) / 2
        if n_boot:
            ca = _boot_counts(_rng(seed, f"a:{a}"), n_boot, len(ia))
            cb = _boot_counts(_rng(seed, f"b:{b}"), n_boot, len(ib))
            boot = _ratio(ca @ ha, (ca @ ta)[:, None]) - _ratio(cb @ hb, (cb @ tb)[:, None])
            lo, hi = np.nanquantile(boot, [alpha, 1 - alpha], axis=0)
        else:
            notes.append("n_boot=0: no interval")
        if n_perm:
            pool_h, pool_t = np.vstack([ha, hb]), np.concatenate([ta, tb])
            n = len(pool_t)
            rng = _rng(seed, f"perm:{a}:{b}")
            member = np.argsort(rng.random((n_perm, n)), axis=1) < len(ia)
            ma = member.astype(np.float64)
            pa_h, pa_t = ma @ pool_h, ma @ pool_t
            pb_h, pb_t = pool_h.sum(0) - pa_h, pool_t.sum() - pa_t
            perm = _ratio(pa_h, pa_t[:, None]) - _ratio(pb_h, pb_t[:, None])
            extreme = np.abs(perm) >= np.abs(diff) - 1e-12
            p = (1 + extreme.sum(axis=0)) / (n_perm + 1)
        else:
            notes.append("n_perm=0: no test")
    return pd.DataFrame(
        {
            "theme": m.codebook.ids,
            "label": [t.label for t in m.codebook],
            "rate_a": rate_a,
            "rate_b": rate_b,
            "diff": diff,
            "ci_low": lo,
            "ci_high": hi,
            "p_value": p,
            "n_a": len(ia),
            "n_b": len(ib),
            "note": "; ".join(notes),
        }
    )


def theme_hits(
    corpus: pd.DataFrame,
    themes: Codebook | str | Path | None = None,
    *,
    window: int = 8,
    unit: str = "document",
    stem: bool = False,
) -> pd.DataFrame:
    """Every counted hit, with its context (keyword in context).

    Parameters
    ----------
    window : int, default 8
        Tokens of context on each side (within the unit).

    Returns
    -------
    DataFrame
        One row per hit counted by :func:`theme_rates`, ordered by document (corpus
        order), position and theme: ``doc_id, unit_id, theme, entry`` (the codebook
        entry that matched), ``position`` (0-based token index of the first matched
        token in its document), ``rel_position`` (``position / n_tokens`` of the
        document, in [0, 1)), ``left, match, right`` (the original text, whitespace
        collapsed).
    """
    window = _check_int("window", window, 0)
    m = _match(corpus, themes, unit=unit, stem=stem)
    offsets = m.tokens.offsets
    units = m.units
    doc_index = units["doc_index"].to_numpy()
    doc_start = pd.Series(offsets[:-1]).groupby(doc_index).transform("min").to_numpy()
    doc_tokens = pd.Series(np.diff(offsets)).groupby(doc_index).transform("sum").to_numpy()
    texts = units["text"].tolist()
    cache: dict[int, np.ndarray] = {}
    rows = []
    for u, ti, ei, s, n in zip(m.unit, m.theme, m.entry, m.start, m.length, strict=True):
        if u not in cache:
            cache = {u: _spans(texts[u])}  # hits are sorted by unit: keep one
        spans = cache[u]
        text = texts[u]
        i = s - offsets[u]
        j = i + n - 1
        left_i = max(0, i - window)
        right_j = min(len(spans) - 1, j + window)
        left = text[spans[left_i, 0] : spans[i, 0]] if i > 0 and window else ""
        right = text[spans[j, 1] : spans[right_j, 1]] if window else ""
        rows.append(
            (
                units.at[u, "doc_id"],
                units.at[u, "unit_id"],
                m.codebook.themes[ti].id,
                m.entries[ti][ei],
                int(s - doc_start[u]),
                (s - doc_start[u]) / doc_tokens[u],
                " ".join(left.split()),
                " ".join(text[spans[i, 0] : spans[j, 1]].split()),
                " ".join(right.split()),
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "doc_id", "unit_id", "theme", "entry", "position", "rel_position",
            "left", "match", "right",
        ],
    )  # fmt: skip


def theme_contributions(
    corpus: pd.DataFrame,
    themes: Codebook | str | Path | None = None,
    *,
    by: str | Sequence[str] | None = None,
    a=None,
    b=None,
    unit: str = "document",
    stem: bool = False,
) -> pd.DataFrame:
    """Which entries drive a theme's rate, or a difference between two groups.

    Each counted hit belongs to exactly one entry (the one that won the overlap rule),
    so entry hits add up to the theme's hits.

    Without ``a``/``b``: one row per group, theme and entry with at least one hit:
    ``group, theme, label, entry, hits, tokens, rate_per_1k`` (``1000 * hits /
    tokens`` of the group) and ``share`` (``hits / theme hits`` in the group; shares
    of a theme sum to 1), sorted by group, theme and descending hits.

    With ``a`` and ``b`` (labels of groups of ``by``): one row per theme and entry with
    a hit in either group: ``theme, label, entry, hits_a, hits_b, rate_a, rate_b,
    diff`` (``rate_a - rate_b``) and ``share_of_diff`` (``diff / theme diff``; entry
    contributions add up to the theme's difference, so shares sum to 1 when the theme
    difference is not 0, NaN otherwise), sorted by theme and descending ``|diff|``.
    """
    cols = _check_by(corpus, by)
    if (a is None) != (b is None):
        raise AnalysisError("give both a and b to explain a difference, or neither")
    if a is not None and not cols:
        raise AnalysisError("a and b need by: the column whose groups are compared")
    corpus = corpus.reset_index(drop=True)
    labels = _group_labels(corpus, cols).to_numpy()
    m = _match(corpus, themes, unit=unit, stem=stem)
    doc_of_unit = m.units["doc_index"].to_numpy()
    doc_tokens = np.bincount(doc_of_unit, weights=m.unit_tokens(), minlength=len(corpus))
    hit_group = labels[doc_of_unit[m.unit]]
    hits = pd.DataFrame({"group": hit_group, "ti": m.theme, "ei": m.entry})
    counts = hits.value_counts(["group", "ti", "ei"]).rename("hits").reset_index()
    group_tokens = pd.Series(doc_tokens).groupby(labels).sum()
    counts["theme"] = [m.codebook.themes[t].id for t in counts["ti"]]
    counts["label"] = [m.codebook.themes[t].label for t in counts["ti"]]
    counts["entry"] = [m.entries[t][e] for t, e in zip(counts["ti"], counts["ei"], strict=True)]
    counts["tokens"] = group_tokens.reindex(counts["group"]).to_numpy().astype(np.int64)
    counts["rate_per_1k"] = 1000.0 * counts["hits"] / counts["tokens"]
    if a is None:
        order = {g: i for i, g in enumerate(_group_order(corpus, cols, pd.Series(labels)))}
        counts["share"] = counts["hits"] / counts.groupby(["group", "ti"])["hits"].transform("sum")
        counts["_g"] = counts["group"].map(order)
        counts = counts.sort_values(["_g", "ti", "hits", "ei"], ascending=[True, True, False, True])
        return counts[
            ["group", "theme", "label", "entry", "hits", "tokens", "rate_per_1k", "share"]
        ].reset_index(drop=True)
    a, b = str(a), str(b)
    for name, g in (("a", a), ("b", b)):
        if g not in set(labels):
            raise AnalysisError(f"{name}={g!r} is not a group of by={by!r}")
    wide = []
    for g, suffix in ((a, "a"), (b, "b")):
        part = counts[counts["group"] == g].set_index(["ti", "ei"])
        tok = float(group_tokens.get(g, 0))
        wide.append(
            pd.DataFrame(
                {f"hits_{suffix}": part["hits"], f"rate_{suffix}": 1000.0 * part["hits"] / tok}
            )
        )
    out = wide[0].join(wide[1], how="outer").fillna(0.0).reset_index()
    out["hits_a"] = out["hits_a"].astype(np.int64)
    out["hits_b"] = out["hits_b"].astype(np.int64)
    out["diff"] = out["rate_a"] - out["rate_b"]
    theme_diff = out.groupby("ti")["diff"].transform("sum")
    out["share_of_diff"] = np.where(np.abs(theme_diff) > 1e-12, out["diff"] / theme_diff, np.nan)
    out["theme"] = [m.codebook.themes[t].id for t in out["ti"]]
    out["label"] = [m.codebook.themes[t].label for t in out["ti"]]
    out["entry"] = [m.entries[t][e] for t, e in zip(out["ti"], out["ei"], strict=True)]
    out["_abs"] = -out["diff"].abs()
    out = out.sort_values(["ti", "_abs", "ei"])
    return out[
        ["theme", "label", "entry", "hits_a", "hits_b", "rate_a", "rate_b", "diff", "share_of_diff"]
    ].reset_index(drop=True)
