"""Window co-occurrence counts over the token layer, shared by the embeddings and the
à la carte transform (one implementation, so both count the same pairs)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["cooccurrence", "stable_order", "BLOCK_CELLS"]

#: Neighbour cells gathered per block: bounds memory to about this many entries (and a
#: sparse product of that size) whatever the corpus size.
BLOCK_CELLS = 4_000_000


def stable_order(keys: np.ndarray) -> np.ndarray:
    """Stable argsort of non-negative integer keys below 2**32: two 16-bit radix passes
    (numpy sorts 16-bit integers by radix sort when ``kind="stable"``), O(n)."""
    keys = keys.astype(np.uint32)
    low = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    if not len(keys) or int(keys.max()) < 0x10000:
        return low
    return low[np.argsort((keys[low] >> 16).astype(np.uint16), kind="stable")]


def cooccurrence(
    ids: np.ndarray,
    offsets: np.ndarray,
    row_of: np.ndarray,
    col_of: np.ndarray,
    n_rows: int,
    n_cols: int,
    window: int,
    *,
    block_cells: int = BLOCK_CELLS,
) -> sp.csr_matrix:
    """``C[w, c]``: how often a token of column ``c`` is within ``window`` tokens of a
    token of row ``w`` in the same unit (the token itself excluded).

    ``row_of``/``col_of`` map token types to rows/columns (-1: none). No loop over
    tokens: the stream of column ids is padded with ``window`` sentinels before, between
    and after the units, so a window never reaches into another unit; the tokens of the
    rows are ordered by row (:func:`stable_order`), and for a block of rows the
    ``2 * window`` neighbours of each of their tokens are gathered at once, one row of
    column ids per token (sentinels and tokens without a column point at an extra
    column, dropped at the end). The block of ``C`` is then the sparse product of the
    rows x tokens indicator and the tokens x columns neighbour matrix (scipy's SpGEMM
    sums the duplicates with a dense accumulator per row: no sorting of pairs).
    """
    n = len(ids)
    lens = np.diff(offsets)
    pad = (np.arange(len(lens), dtype=np.int64) + 1) * window
    pos_pad = np.arange(n, dtype=np.int64) + np.repeat(pad, lens)
    stream = np.full(n + (len(lens) + 1) * window, n_cols, dtype=np.int32)
    cols = col_of[ids]
    stream[pos_pad] = np.where(cols >= 0, cols, n_cols)
    del cols
    rows = row_of[ids]
    valid = np.flatnonzero(rows >= 0)
    rows = rows[valid]
    order = valid[stable_order(rows)]
    ptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=ptr[1:])
    del rows, valid
    deltas = np.array([d for d in range(-window, window + 1) if d], dtype=np.int64)
    k = len(deltas)
    per_block = max(1, block_cells // k)
    parts = []
    a = 0
    while a < n_rows:
        b = int(np.searchsorted(ptr, ptr[a] + per_block, "right")) - 1
        b = min(max(b, a + 1), n_rows)
        tok = pos_pad[order[ptr[a] : ptr[b]]]
        m = len(tok)
        neighbours = sp.csr_matrix(
            (np.ones(m * k), stream[tok[:, None] + deltas].ravel(), np.arange(0, m * k + 1, k)),
            shape=(m, n_cols + 1),
        )
        member = sp.csr_matrix(
            (np.ones(m), np.arange(m), ptr[a : b + 1] - ptr[a]), shape=(b - a, m)
        )
        parts.append(member @ neighbours)
        a = b
    if not parts:
        return sp.csr_matrix((n_rows, n_cols))
    return sp.vstack(parts, format="csr")[:, :n_cols]
