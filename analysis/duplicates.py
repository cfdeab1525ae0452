r"""Near-duplicate documents: bottom-k sketches of word shingles (Broder 1997).

Each text becomes its set of word ``n``-grams (*shingles*) over the lower-cased word
tokens of :mod:`analysis.tokens`; a shingle of word ids is hashed with a fixed
(unsalted) mixing function, so sketches, and hence duplicate flags, are identical from
run to run. A document's *sketch* keeps its ``k`` smallest shingle hashes. The Jaccard
resemblance of two documents is estimated as the share of the ``k`` smallest hashes of
the union of their sketches that both sketches hold.

:func:`analysis.read_corpus` tokenizes once (:func:`analysis.tokens.word_tokens`) and
takes both ``n_tokens`` and the sketches from that one pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .tokens import Tokens, Vocab, word_tokens

__all__ = ["near_duplicates", "sketches", "pairs_from_sketches", "ShingleSketcher"]


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a fixed, well-mixed bijection of uint64 (no salt)."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _sketch(ids: np.ndarray, n: int, k: int) -> np.ndarray:
    """The ``k`` smallest hashes of the ``n``-shingles of one text's word ids."""
    if len(ids) == 0:
        return np.empty(0, dtype=np.uint64)
    h = _mix64(ids.astype(np.uint64) + np.uint64(1))
    n = min(n, len(h))
    m = len(h) - n + 1
    sh = np.zeros(m, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(n):
            sh = _mix64(sh ^ h[j : m + j])
    return np.unique(sh)[:k]


def sketches(tokens: Tokens, *, n: int = 5, k: int = 128) -> list[np.ndarray]:
    """Bottom-``k`` sketch of the word ``n``-shingles of every text of ``tokens``.

    ``tokens`` must keep every word token (:func:`analysis.tokens.word_tokens` without
    ``pattern``); ids number the lower-cased types in order of first appearance, so the
    sketches depend only on the texts and their order. A text shorter than ``n`` words
    is one shingle; an empty text has an empty sketch.
    """
    ids, off = tokens.ids, tokens.offsets
    return [_sketch(ids[off[u] : off[u + 1]], n, k) for u in range(len(off) - 1)]


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
    sk = sketches(word_tokens(list(texts)), n=shingle, k=sketch)
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
    shared = sp.triu(m @ m.T, k=1).tocoo()
    # the estimate is at most shared / max(|S_a|, |S_b|): skip pairs that cannot reach it
    ok = shared.data >= threshold * np.maximum(lens[shared.row], lens[shared.col])
    out = []
    for a, b in sorted(zip(shared.row[ok].tolist(), shared.col[ok].tolist(), strict=True)):
        sa, sb = sketches[a], sketches[b]
        union = np.union1d(sa, sb)[:k]
        both = np.intersect1d(np.intersect1d(sa, sb, assume_unique=True), union, assume_unique=True)
        sim = len(both) / len(union) if len(union) else 0.0
        if sim >= threshold:
            out.append((ids[b], ids[a], round(float(sim), 3)))
    return pd.DataFrame(out, columns=["doc_id", "duplicate_of", "similarity"]) if out else empty


class ShingleSketcher:
    """Word count and sketch of one text at a time, ids shared across calls.

    Kept for one release (it was ``analysis.clean.ShingleSketcher``); tokenize a whole
    corpus with :func:`analysis.tokens.word_tokens` and use :func:`sketches` instead.
    """

    def __init__(self, *, n: int = 5, k: int = 128) -> None:
        self.n, self.k = n, k
        self.vocab = Vocab()

    def __call__(self, text: str) -> tuple[int, np.ndarray]:
        t = word_tokens([text])
        local = np.fromiter((self.vocab[w] for w in t.types), dtype=np.int64, count=len(t.types))
        return int(t.n_tokens[0]), _sketch(local[t.ids], self.n, self.k)
