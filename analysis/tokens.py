"""The token layer: one tokenizer, one vocabulary type, one definition of a token.

A *word token* is a maximal run of word characters (``\\w`` in Python's Unicode ``re``):
words, numbers and one-letter words such as "a" and "I". A unit's ``n_tokens`` is the
number of its word tokens, before stop-word removal, stemming or phrase merging.

:func:`word_tokens` tokenizes a sequence of texts into lower-cased type ids over one
:class:`Vocab`; :func:`spans` gives the character spans of one text's word tokens (for
keyword-in-context lines).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

__all__ = ["Vocab", "Tokens", "word_tokens", "spans", "WORD_PATTERN"]

WORD_PATTERN = r"\w+"
_WORD_RE = re.compile(WORD_PATTERN)


class Vocab(dict):
    """str -> int id, assigning the next id to unseen strings."""

    def __missing__(self, key: str) -> int:
        value = self[key] = len(self)
        return value


@dataclass
class Tokens:
    """All units tokenized into lower-case type ids over one vocabulary."""

    ids: np.ndarray  # int32, all tokens of all units, concatenated
    offsets: np.ndarray  # int64, n_units + 1; unit u spans ids[offsets[u]:offsets[u+1]]
    types: np.ndarray  # object array of lower-case type strings (index = id)
    _index: dict | None = None
    _sorted: tuple | None = None
    _stems: np.ndarray | None = None

    @property
    def index(self) -> dict:
        if self._index is None:
            self._index = {t: i for i, t in enumerate(self.types)}
        return self._index

    def by_prefix(self, prefix: str) -> np.ndarray:
        """Ids of the types starting with ``prefix``."""
        if self._sorted is None:
            order = np.argsort(self.types.astype(str), kind="stable")
            self._sorted = (order, self.types[order].astype(str))
        order, sorted_types = self._sorted
        if not prefix:
            return order
        lo = np.searchsorted(sorted_types, prefix, "left")
        hi = np.searchsorted(sorted_types, prefix + "\U0010ffff", "left")
        return order[lo:hi]

    @property
    def stems(self) -> np.ndarray:
        if self._stems is None:
            from .text import stem

            self._stems = np.array([stem(t) for t in self.types], dtype=object)
        return self._stems


_CHUNK_CHARS = 1 << 24  # characters per tokenizing chunk (bounds memory)
_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)


@lru_cache(maxsize=1)
def _word_table() -> np.ndarray:
    """Boolean lookup over all code points: True where ``re`` counts it as ``\\w``."""
    table = np.zeros(0x110000, dtype=bool)
    cps = np.r_[0:0xD800, 0xE000:0x110000]
    text = "".join(map(chr, cps))
    for m in re.finditer(r"\w+", text):
        table[cps[m.start() : m.end()]] = True
    return table


def _token_keys(cp: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """64-bit FNV-1a hash of each token's code points, then of its length.

    Tokens are processed in order of decreasing length, so the tokens still being
    hashed at step ``k`` (those longer than ``k``) are a contiguous prefix and every
    step works in place on slices.
    """
    order = np.argsort(-np.minimum(lengths, 32767).astype(np.int16), kind="stable")
    pos = starts[order]
    n_longer = np.cumsum(np.bincount(lengths)[::-1])[::-1]  # n_longer[k]: tokens with len >= k
    h = np.full(len(starts), _FNV_OFFSET, dtype=np.uint64)
    for k in range(1, len(n_longer)):
        n = int(n_longer[k])
        part = h[:n]
        np.bitwise_xor(part, cp[pos[:n]], out=part, casting="unsafe")
        np.multiply(part, _FNV_PRIME, out=part)
        pos[:n] += 1
    np.bitwise_xor(h, lengths[order].astype(np.uint64), out=h)
    np.multiply(h, _FNV_PRIME, out=h)
    out = np.empty_like(h)
    out[order] = h
    return out


def word_tokens(texts: Sequence[str]) -> Tokens:
    """Tokenize ``texts`` into ``\\w+`` runs, lower-cased, as ids over one vocabulary.

    Equivalent to ``[w.lower() for w in re.findall(r"\\w+", text)]`` per text, but
    vectorised: texts are joined in chunks (with a non-word separator), code points are
    classified with a lookup table, token boundaries come from the word mask, and each
    token is keyed by a 64-bit hash of its code points and length; ``pandas.factorize``
    turns keys into ids, and only the distinct types are sliced out as strings.
    """
    table = _word_table()
    n = len(texts)
    lengths_per_text = np.zeros(n, dtype=np.int64)
    keys, reps = [], []  # per chunk: token keys; (chunk string, starts, ends)
    i = 0
    while i < n:
        j, size = i, 0
        while j < n and (j == i or size + len(texts[j] or "") < _CHUNK_CHARS):
            size += len(texts[j] or "") + 1
            j += 1
        parts = [t or "" for t in texts[i:j]]
        joined = "\n".join(parts)
        if joined.isascii():  # one byte per character: 4x less memory traffic
            cp = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
        else:
            cp = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        word = table[cp].view(np.int8)
        edges = np.diff(word, prepend=np.int8(0), append=np.int8(0))
        starts = np.flatnonzero(edges == 1)
        ends = np.flatnonzero(edges == -1)
        text_starts = np.cumsum([0] + [len(p) + 1 for p in parts[:-1]])
        bounds = np.searchsorted(starts, np.append(text_starts, len(cp)))
        lengths_per_text[i:j] = np.diff(bounds)
        keys.append(_token_keys(cp, starts, ends - starts))
        reps.append((joined, starts, ends))
        i = j
    all_keys = np.concatenate(keys) if keys else np.zeros(0, dtype=np.uint64)
    codes, uniques = pd.factorize(all_keys)
    codes = codes.astype(np.int32)
    # codes appear in order of first appearance: the first occurrence of each type
    prev_max = np.maximum.accumulate(np.concatenate([[-1], codes[:-1]])) if len(codes) else codes
    first = np.flatnonzero(codes > prev_max)
    chunk_bounds = np.cumsum([0] + [len(r[1]) for r in reps])
    lower = Vocab()
    to_lower = np.empty(len(uniques), dtype=np.int32)
    chunk_of_first = np.searchsorted(chunk_bounds, first, "right") - 1
    for code, (pos, c) in enumerate(zip(first, chunk_of_first, strict=True)):
        joined, starts, ends = reps[c]
        local = pos - chunk_bounds[c]
        to_lower[code] = lower[joined[starts[local] : ends[local]].lower()]
    ids = to_lower[codes] if len(codes) else codes
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths_per_text, out=offsets[1:])
    return Tokens(ids=ids, offsets=offsets, types=np.array(list(lower), dtype=object))


def spans(text: str) -> np.ndarray:
    return np.array([m.span() for m in _WORD_RE.finditer(text)], dtype=np.int64).reshape(-1, 2)
