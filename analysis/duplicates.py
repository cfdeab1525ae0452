r"""Near-duplicate documents: bottom-k sketches of word shingles (Broder 1997).

Each text becomes its set of word ``n``-grams (*shingles*) over the lower-cased word
tokens of :mod:`analysis.tokens`. Each word is hashed from its characters
(:func:`analysis.tokens.word_keys`: case-folded per character, unsalted) and a shingle
from its words' hashes with a fixed mixing function, so a text's sketch depends on that
text alone (not on the corpus it is read with, nor on the order), and sketches, hence
duplicate flags, are identical from run to run and from one process to another. A document's *sketch* keeps its ``k`` smallest shingle
hashes. The Jaccard
resemblance of two documents is estimated as the share of the ``k`` smallest hashes of
the union of their sketches that both sketches hold.

:func:`analysis.read_corpus` scans each text once (:func:`analysis.tokens.word_keys`)
and takes both ``n_tokens`` and the sketch from that one pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .tokens import word_keys

__all__ = [
    "near_duplicates",
    "sketches",
    "sketch_keys",
    "pairs_from_sketches",
    "ShingleSketcher",
]


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a fixed, well-mixed bijection of uint64 (no salt)."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _mix64_into(x: np.ndarray, scratch: np.ndarray) -> None:
    """:func:`_mix64` of ``x`` computed in place (``scratch``: a buffer of the same shape)."""
    with np.errstate(over="ignore"):
        for shift, mult in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB)):
            np.right_shift(x, np.uint64(shift), out=scratch)
            np.bitwise_xor(x, scratch, out=x)
            np.multiply(x, np.uint64(mult), out=x)
        np.right_shift(x, np.uint64(31), out=scratch)
        np.bitwise_xor(x, scratch, out=x)


def _bottom_k(x: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` smallest distinct values of ``x``, sorted (``np.unique(x)[:k]``).

    The ``2k + 1`` smallest elements are found by partition first: when they hold ``k``
    distinct values, those are the ``k`` smallest distinct values of ``x`` (every other
    element is at least as large as the largest of them).
    """
    if len(x) > 2 * k + 1:
        head = np.unique(np.partition(x, 2 * k)[: 2 * k + 1])
        if len(head) >= k:
            return head[:k]
    return np.unique(x)[:k]


def _sketch(h: np.ndarray, n: int, k: int) -> np.ndarray:
    """The ``k`` smallest hashes of the ``n``-shingles of one text, from its words' hashes.

    The plain definition, kept as the reference for :func:`sketches`: shingle ``i`` is
    ``mix(...mix(mix(0 ^ h[i]) ^ h[i+1])... ^ h[i+n-1])``; a text of fewer than ``n``
    words is one shingle of all of them.
    """
    if len(h) == 0:
        return np.empty(0, dtype=np.uint64)
    n = min(n, len(h))
    m = len(h) - n + 1
    sh = np.zeros(m, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(n):
            sh = _mix64(sh ^ h[j : m + j])
    return np.unique(sh)[:k]


def sketches(texts: Iterable[str], *, n: int = 5, k: int = 128) -> list[np.ndarray]:
    """Bottom-``k`` sketch of the word ``n``-shingles of every text.

    Words are the word tokens of :mod:`analysis.tokens`, compared up to case
    (:func:`analysis.tokens.word_keys`), so a text's sketch depends on that text alone.
    A text shorter than ``n`` words is one shingle; an empty text has an empty sketch.
    """
    keys, n_tokens = word_keys(list(texts))
    return sketch_keys(keys, n_tokens, n=n, k=k)


def sketch_keys(
    keys: np.ndarray, n_tokens: np.ndarray, *, n: int = 5, k: int = 128
) -> list[np.ndarray]:
    """:func:`sketches` from the word keys of the texts (``n_tokens[u]`` keys per text).

    The shingle hashes are computed for blocks of texts at once (one pass of numpy
    operations over the block's keys, then a partial sort per text); the result equals
    :func:`_sketch` text by text.
    """
    off = np.zeros(len(n_tokens) + 1, dtype=np.int64)
    np.cumsum(n_tokens, out=off[1:])
    out: list[np.ndarray] = []
    u, n_texts = 0, len(off) - 1
    while u < n_texts:  # blocks of about _BLOCK_TOKENS tokens bound the temporary arrays
        v = int(np.searchsorted(off, off[u] + _BLOCK_TOKENS, side="right")) - 1
        v = min(max(v, u + 1), n_texts)
        out.extend(_sketch_block(keys[off[u] : off[v]], off[u : v + 1] - off[u], n, k))
        u = v
    return out


_BLOCK_TOKENS = 1 << 21


class SketchStream:
    """:func:`sketch_keys` of one text whose word keys come in pieces, in order.

    Each piece is shingled with the last ``n - 1`` keys before it, so every shingle of
    the text is hashed once, and the ``k`` smallest distinct hashes of the whole are the
    ``k`` smallest distinct ones of the pieces' own bottom-``k`` sets: memory is that of
    a piece. A text of fewer than ``n`` words is one shingle of all of them, as in
    :func:`_sketch`.
    """

    def __init__(self, n: int = 5, k: int = 128) -> None:
        self.n, self.k = n, k
        self._carry = np.zeros(0, dtype=np.uint64)  # the last n - 1 keys (all, while fewer)
        self._bottom = np.zeros(0, dtype=np.uint64)
        self._shingled = False

    def feed(self, keys: np.ndarray) -> None:
        """The next word keys of the text."""
        h = np.concatenate([self._carry, np.asarray(keys, dtype=np.uint64)])
        if len(h) < self.n:
            self._carry = h
            return
        part = sketch_keys(h, np.array([len(h)]), n=self.n, k=self.k)[0]
        self._bottom = _bottom_k(np.concatenate([self._bottom, part]), self.k)
        self._shingled = True
        self._carry = h[len(h) - (self.n - 1) :] if self.n > 1 else h[:0]

    def result(self) -> np.ndarray:
        """The sketch of the text fed so far."""
        if self._shingled:
            return self._bottom
        return _sketch(self._carry, self.n, self.k)


def _sketch_block(h: np.ndarray, off: np.ndarray, n: int, k: int) -> list[np.ndarray]:
    """:func:`_sketch` of each text of one block (word hashes ``h``, ``off`` relative to it)."""
    m = max(len(h) - n + 1, 0)
    sh = np.zeros(m, dtype=np.uint64)
    scratch = np.empty_like(sh)
    for j in range(n):  # shingle at every position; those crossing a text end are unused
        np.bitwise_xor(sh, h[j : m + j], out=sh)
        _mix64_into(sh, scratch)
    out = []
    for u, length in enumerate(np.diff(off).tolist()):
        a = int(off[u])
        if length >= n:
            out.append(_bottom_k(sh[a : a + length - n + 1], k))
        else:  # empty, or shorter than one shingle
            out.append(_sketch(h[a : a + length], n, k))
    return out


def near_duplicates(
    doc_ids: Sequence[str],
    texts: Iterable[str],
    *,
    threshold: float = 0.8,
    shingle: int = 5,
    sketch: int = 128,
    max_postings: int = 500,
) -> pd.DataFrame:
    r"""Pairs of near-duplicate documents.

    Each text becomes its set of word ``shingle``-grams (lower-cased word tokens, see
    :mod:`analysis.tokens`), summarised by the ``sketch`` smallest shingle hashes, a
    bottom-k sketch (Broder 1997, "On the resemblance and containment of documents").
    The Jaccard resemblance of two documents is estimated as the share of the
    ``sketch`` smallest hashes of the union of their sketches that both sketches hold.

    Only pairs that share enough sketched shingles to possibly reach ``threshold``
    are scored (the shared counts come from one sparse product). Shingles sketched in
    more than ``max_postings`` documents are ignored as boilerplate, so a group of more
    than ``max_postings`` identical documents is not flagged.

    Returns
    -------
    DataFrame
        Columns ``doc_id, duplicate_of, similarity`` for every pair at or above
        ``threshold``; ``duplicate_of`` is the earlier document of the pair.
    """
    sk = sketches(texts, n=shingle, k=sketch)
    return pairs_from_sketches(
        list(doc_ids), sk, threshold=threshold, k=sketch, max_postings=max_postings
    )


def pairs_from_sketches(
    ids: list[str], sketches: list[np.ndarray], *, threshold: float, k: int, max_postings: int
) -> pd.DataFrame:
    """Pairs of documents whose estimated resemblance is at least ``threshold``.

    ``sketches`` are bottom-``k`` sketches (:func:`sketches`), one per id. Returns the
    table described in :func:`near_duplicates`.
    """
    import scipy.sparse as sp

    empty = pd.DataFrame({"doc_id": [], "duplicate_of": [], "similarity": []}).astype(
        {"doc_id": str, "duplicate_of": str, "similarity": float}
    )
    lens = np.array([len(s) for s in sketches], dtype=np.int64)
    if len(sketches) < 2 or lens.sum() == 0:
        return empty
    rows = np.repeat(np.arange(len(sketches)), lens)
    codes, _ = pd.factorize(np.concatenate(sketches))
    m = sp.csr_matrix(
        (np.ones(len(codes), dtype=np.int32), (rows, codes)), shape=(len(sketches), codes.max() + 1)
    )
    df = np.bincount(codes)
    keep = np.flatnonzero((df >= 2) & (df <= max_postings))
    m = m[:, keep]
    shared = (m @ m.T).tocoo()  # pairs a < b below (scipy's triu builds a new matrix)
    upper = shared.row < shared.col
    row, col, count = shared.row[upper], shared.col[upper], shared.data[upper]
    del shared, upper
    # the estimate is at most shared / max(|S_a|, |S_b|): skip pairs that cannot reach it
    ok = count >= threshold * np.maximum(lens[row], lens[col])
    out = []
    for a, b in sorted(zip(row[ok].tolist(), col[ok].tolist(), strict=True)):
        sa, sb = sketches[a], sketches[b]
        union = np.union1d(sa, sb)[:k]
        both = np.intersect1d(np.intersect1d(sa, sb, assume_unique=True), union, assume_unique=True)
        sim = len(both) / len(union) if len(union) else 0.0
        if sim >= threshold:
            out.append((ids[b], ids[a], round(float(sim), 3)))
    return pd.DataFrame(out, columns=["doc_id", "duplicate_of", "similarity"]) if out else empty


class ShingleSketcher:
    """Word count and sketch of one text at a time.

    Kept for one release (it was ``analysis.clean.ShingleSketcher``); tokenize a whole
    corpus with :func:`analysis.tokens.word_tokens` and use :func:`sketches` instead.
    """

    def __init__(self, *, n: int = 5, k: int = 128) -> None:
        self.n, self.k = n, k

    def __call__(self, text: str) -> tuple[int, np.ndarray]:
        keys, n_tokens = word_keys([text])
        return int(n_tokens[0]), sketch_keys(keys, n_tokens, n=self.n, k=self.k)[0]
