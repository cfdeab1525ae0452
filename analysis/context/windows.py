"""Targets and their context windows: the words around each occurrence of a term.

A **target** is written in the codebook syntax (:mod:`analysis.themes`): a word
(``"sovereignty"``), a ``*`` glob (``"Japan*"``), a phrase (``"community with a shared
future"``), a list of these (pooled as one target), or the id of a theme of a codebook
(all its entries and exclusions; ``"<id>:core"`` for its core entries only; a
one-item list ``["sovereignty"]`` is always the word, even where a theme has that id).
Occurrences are found by the theme matcher
(:func:`analysis.match_themes`), so a target matches exactly where a theme with that
entry would be counted: within a unit, case-insensitive, longest hit first, exclusions
removed.

The **context window** of an occurrence is the ``window`` word tokens before its first
token and the ``window`` after its last, counted in the unit's word-token stream (the
package's one definition of a token, :mod:`analysis.tokens`: maximal runs of ``\\w``,
lower-cased) and clipped at the unit's edges, so a window never crosses from one unit
into the next. Tokens that belong to an occurrence of the target (this one or a
neighbouring one) are not part of any context: a window around "Japan" in "Japan and
Japan's" holds "and" and "s" but not the second "japan". This is the window of
quanteda's ``kwic(window=)`` and conText's ``tokens_context(window=, rm_keyword=TRUE)``
(Rodriguez, Spirling & Stewart 2023), counted on tokens before stop-word removal; the
statistics built on windows drop stop words afterwards, inside the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import AnalysisError
from ..themes.codebook import Codebook, Theme, _check_entry, as_codebook
from ..themes.match import ThemeMatches, _ranges, match_themes
from ..validation import check_int

__all__ = [
    "Contexts", "find_contexts", "context_windows", "target_codebook", "resolve_targets",
    "contexts_summary",
]  # fmt: skip

Target = str | Sequence[str]


def target_codebook(target: Target, codebook: Codebook | str | Path | None = None) -> Codebook:
    """A one-theme :class:`Codebook` for ``target``.

    A string ``target`` is, in this order: the id of a theme of ``codebook`` (that
    theme's entries and exclusions; label ``"<id> (theme)"``), ``"<theme id>:core"``
    (its core entries, with its exclusions; label ``"<id> (core)"``), or an entry in the
    codebook syntax (a word, ``*`` glob or phrase; label: the entry). A list is always a
    list of entries, pooled (label: the entries joined by ``" | "``): to look at the word
    ``sovereignty`` when the codebook has a theme of that id, give ``["sovereignty"]``.
    Entries are checked as a codebook checks its entries.
    """
    if isinstance(target, str):
        items = [target]
    elif isinstance(target, Sequence) and target and all(isinstance(t, str) for t in target):
        items = list(target)
    else:
        raise AnalysisError(
            f"target={target!r}: give a word, a glob ('Japan*'), a phrase, a list of them, "
            "or the id of a theme of the codebook"
        )
    if codebook is not None and isinstance(target, str):
        cb = as_codebook(codebook)
        if target in cb.ids:
            theme = cb[target]
            labelled = Theme(
                id=f"{theme.id} (theme)", label=theme.label, definition=theme.definition,
                entries=theme.entries, exclusions=theme.exclusions, core=theme.core,
            )  # fmt: skip
            return Codebook((labelled,), name=f"target theme {target}")
        if target.endswith(":core") and target[:-5] in cb.ids:
            theme = cb[items[0][:-5]]
            if not theme.core:
                raise AnalysisError(
                    f"target={items[0]!r}: theme {theme.id!r} declares no core entries; "
                    f"give the theme id {theme.id!r} for all its entries"
                )
            core = Theme(
                id=f"{theme.id} (core)", label=f"{theme.label} (core)", definition=theme.definition,
                entries=theme.core, exclusions=theme.exclusions,
            )  # fmt: skip
            return Codebook((core,), name=f"target {target}")
    label = " | ".join(" ".join(t.split()) for t in items)
    for item in items:
        _check_entry(item, "target", label)
    theme = Theme(id=label, label=label, definition=f"the target {label}", entries=tuple(items))
    return Codebook((theme,), name=f"target {label}")


@dataclass(frozen=True, eq=False, repr=False)
class Contexts:
    """The occurrences of a target and their context windows (:func:`find_contexts`).

    Attributes
    ----------
    matches : ThemeMatches
        The target's matches: one theme whose hits are the occurrences; ``docs`` holds
        the documents' metadata, ``tokens`` the word tokens of the units.
    target : str
        The target's label (theme id, or the entries joined by ``" | "``).
    window : int
        Tokens on each side.
    doc_index : ndarray of int64
        Per occurrence, the row of ``matches.docs`` it is in.
    ptr : ndarray of int64
        Occurrence ``i``'s context tokens are ``positions[ptr[i]:ptr[i + 1]]``.
    positions : ndarray of int64
        Global token positions (into ``matches.tokens.ids``) of the context tokens, left
        context first, each side in text order.
    side : ndarray of int8
        Per context token, -1 (left of the occurrence) or +1 (right).
    """

    matches: ThemeMatches
    target: str
    window: int
    doc_index: np.ndarray
    ptr: np.ndarray
    positions: np.ndarray
    side: np.ndarray

    @property
    def n_occurrences(self) -> int:
        return len(self.doc_index)

    @property
    def ids(self) -> np.ndarray:
        """Type ids (into ``matches.tokens.types``) of the context tokens."""
        return self.matches.tokens.ids[self.positions]

    @property
    def occurrence(self) -> np.ndarray:
        """Per context token, the index of its occurrence."""
        return np.repeat(np.arange(self.n_occurrences), np.diff(self.ptr))

    def __repr__(self) -> str:
        return (
            f"<Contexts {self.target!r}: {self.n_occurrences} occurrences in "
            f"{len(np.unique(self.doc_index))} documents, window={self.window}>"
        )


def find_contexts(
    data: pd.DataFrame | ThemeMatches,
    target: Target,
    *,
    codebook: Codebook | str | Path | None = None,
    window: int = 6,
    unit: str = "document",
) -> Contexts:
    """Find the occurrences of ``target`` and the token positions of their windows.

    Parameters
    ----------
    data : DataFrame or ThemeMatches
        A corpus (:func:`analysis.read_corpus`), or matches of a one-theme codebook from
        :func:`target_codebook` (reused as they are).
    target : str or list of str
        See the module docstring.
    codebook : Codebook or path, optional
        Where a theme id given as ``target`` is looked up.
    window : int, default 6
        Word tokens on each side (at least 1).
    unit : {"document", "paragraph", "sentence"}, default "document"
        Windows and phrases never cross a unit.

    Returns
    -------
    Contexts
    """
    window = check_int("window", window, 1)
    if isinstance(data, ThemeMatches):
        m = data
        if len(m.codebook) != 1:
            raise AnalysisError(
                "data: these matches hold several themes; pass the corpus, or match "
                "analysis.context.target_codebook(target) alone"
            )
    else:
        m = match_themes(data, target_codebook(target, codebook), unit=unit)
    tokens = m.tokens
    start, length = m.start, m.length
    unit_lo = tokens.offsets[m.unit_of]
    unit_hi = tokens.offsets[m.unit_of + 1]
    end = start + length
    left_lo = np.maximum(unit_lo, start - window)
    right_hi = np.minimum(unit_hi, end + window)
    # interleave left and right ranges per occurrence: [left_0, right_0, left_1, ...]
    lo = np.column_stack([left_lo, end]).ravel()
    hi = np.column_stack([start, right_hi]).ravel()
    positions = _ranges(lo, hi)
    n_side = np.maximum(hi - lo, 0)
    side = np.repeat(np.tile(np.array([-1, 1], dtype=np.int8), len(start)), n_side)
    # drop the tokens of any occurrence of the target
    in_target = np.zeros(len(tokens.ids) + 1, dtype=np.int64)
    np.add.at(in_target, start, 1)
    np.add.at(in_target, end, -1)
    covered = np.cumsum(in_target)[:-1] > 0
    keep = ~covered[positions]
    occurrence = np.repeat(np.arange(len(start)), n_side.reshape(-1, 2).sum(axis=1))
    per_occ = np.bincount(occurrence[keep], minlength=len(start))
    ptr = np.zeros(len(start) + 1, dtype=np.int64)
    np.cumsum(per_occ, out=ptr[1:])
    doc_of_unit = m.units["doc_index"].to_numpy()
    return Contexts(
        matches=m,
        target=m.codebook.ids[0],
        window=window,
        doc_index=doc_of_unit[m.unit_of].astype(np.int64),
        ptr=ptr,
        positions=positions[keep],
        side=side[keep],
    )


def context_windows(
    corpus: pd.DataFrame | Contexts,
    target: Target | None = None,
    *,
    window: int = 6,
    unit: str = "document",
    codebook: Codebook | str | Path | None = None,
) -> pd.DataFrame:
    """One row per occurrence of ``target``, with its left and right context.

    Parameters
    ----------
    corpus : DataFrame or Contexts
        From :func:`analysis.read_corpus`, or the :class:`Contexts` of
        :func:`find_contexts` (then ``target``, ``window``, ``unit`` and ``codebook``
        are taken from it and must not be given).
    target : str or list of str
        A word, ``*`` glob, phrase, list of them, or a theme id of ``codebook`` (see
        :mod:`analysis.context.windows`).
    window : int, default 6
        Word tokens on each side, clipped at the unit's edges.
    unit : {"document", "paragraph", "sentence"}, default "document"
        Windows never cross a unit.
    codebook : Codebook or path, optional
        Where a theme id given as ``target`` is looked up.

    Returns
    -------
    DataFrame
        ``doc_id``, the corpus metadata columns, ``unit_id`` (when ``unit`` is not
        ``"document"``), ``position`` (the occurrence's first token within its unit,
        from 0), ``target`` (the target's label), ``match`` (the matched tokens),
        ``entry`` (the codebook entry that matched), ``left`` and ``right`` (the
        context tokens, lower-cased, joined by spaces; the target's own tokens are left
        out). In corpus order, then by position.

    Examples
    --------
    >>> analysis.context_windows(docs, "sovereign*", window=5).head()
    """
    ctx = as_contexts(corpus, target, codebook=codebook, window=window, unit=unit)
    return _window_table(ctx)


def as_contexts(
    data: pd.DataFrame | Contexts,
    target: Target | None,
    *,
    codebook: Codebook | str | Path | None = None,
    window: int = 6,
    unit: str = "document",
) -> Contexts:
    """``data`` itself when it is a :class:`Contexts` (``target`` must then be None or
    its label), else :func:`find_contexts` of the corpus ``data``.

    The statistics of :mod:`analysis.context` accept either, so a notebook finds the
    occurrences of a target once and computes every table from them.
    """
    if isinstance(data, Contexts):
        if target is not None and target != data.target:
            raise AnalysisError(
                f"target={target!r}: these contexts are of {data.target!r}; drop target= "
                "or pass the corpus"
            )
        return data
    if target is None:
        raise AnalysisError("target: give the word, glob, phrase or theme id to look at")
    return find_contexts(data, target, codebook=codebook, window=window, unit=unit)


def resolve_targets(targets: Sequence, codebook: Codebook | str | Path | None = None) -> list:
    """The targets a notebook looks at: ``targets`` checked, or every theme's core.

    Each item is a target (a string, or a list of strings pooled into one target).
    An empty ``targets`` with a codebook means ``"<id>:core"`` for every theme that
    declares core entries and the theme id for the others; with neither it is an error.
    Every target is checked (:func:`target_codebook`) before any is matched, so a typo
    stops the run at once.
    """
    cb = as_codebook(codebook) if codebook is not None else None
    if not targets:
        if cb is None:
            raise AnalysisError(
                "targets: give the words, globs, phrases or theme ids to look at (e.g. "
                "['sovereignty', 'multilateral*']), or a codebook whose themes to use"
            )
        return [f"{t.id}:core" if t.core else t.id for t in cb]
    out = []
    for t in targets:
        target_codebook(t, cb)
        out.append(t if isinstance(t, str) else list(t))
    return out


def contexts_summary(found: dict, *, by: Sequence[str] = ()) -> pd.DataFrame:
    """One row per target: occurrences, documents, and occurrences per group of ``by``.

    ``found`` maps target labels to their :class:`Contexts`. Columns: ``target,
    entries, occurrences, documents, mean_context`` (context tokens per occurrence)
    and, per column of ``by``, ``groups_<column>`` (how many values hold an
    occurrence).
    """
    rows = []
    for ctx in found.values():
        docs = ctx.matches.docs
        row = {
            "target": ctx.target,
            "entries": "; ".join(ctx.matches.entries[0]),
            "occurrences": ctx.n_occurrences,
            "documents": int(len(np.unique(ctx.doc_index))),
            "mean_context": float(np.diff(ctx.ptr).mean()) if ctx.n_occurrences else np.nan,
        }
        for column in by:
            row[f"groups_{column}"] = int(docs[column].iloc[ctx.doc_index].nunique())
        rows.append(row)
    return pd.DataFrame(rows)


def _join_tokens(types: np.ndarray, ids: np.ndarray, ptr: np.ndarray) -> list[str]:
    """Space-joined type strings of ``ids[ptr[i]:ptr[i+1]]`` for each i."""
    words = types[ids].tolist()
    return [" ".join(words[a:b]) for a, b in zip(ptr[:-1].tolist(), ptr[1:].tolist(), strict=True)]


def _window_table(ctx: Contexts) -> pd.DataFrame:
    m = ctx.matches
    types = m.tokens.types
    n = ctx.n_occurrences
    occ = ctx.occurrence
    ids = ctx.ids
    out = []
    for s in (-1, 1):
        sel = ctx.side == s
        per = np.bincount(occ[sel], minlength=n)
        ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(per, out=ptr[1:])
        out.append(_join_tokens(types, ids[sel], ptr))
    match_len = m.length
    mptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(match_len, out=mptr[1:])
    match_pos = _ranges(m.start, m.start + match_len)
    matched = _join_tokens(types, m.tokens.ids[match_pos], mptr)
    entries = np.asarray(m.entries[0], dtype=object)
    frame = m.docs.iloc[ctx.doc_index].reset_index(drop=True)
    if m.params.get("unit") != "document":
        frame.insert(1, "unit_id", m.units["unit_id"].to_numpy()[m.unit_of])
    frame["position"] = (m.start - m.tokens.offsets[m.unit_of]).astype(np.int64)
    frame["target"] = ctx.target
    frame["match"] = matched
    frame["entry"] = entries[m.entry] if n else np.array([], dtype=object)
    frame["left"] = out[0]
    frame["right"] = out[1]
    frame.attrs.update({"target": ctx.target, "window": ctx.window, "unit": m.params["unit"]})
    return frame
