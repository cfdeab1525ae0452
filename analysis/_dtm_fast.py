"""Internals of :func:`analysis.dtm.build_dtm` (private; the contract lives in ``dtm.py``).

The work is split so that Python touches each *token* once and each *vocabulary type*
once; everything per token after tokenization is numpy integer arithmetic:

1. **Tokenize** (:func:`analysis.tokens.word_tokens` with the token pattern): each unit's
   tokens become integer type ids over one :class:`analysis.tokens.Vocab`. The default
   pattern's tokens come from the vectorised backend; another pattern's from the regex,
   in forked worker processes when the corpus is large, each also stemming its own new
   types and dropping stop words. This module starts from those ids.
2. **Types, not tokens**: stop words, stems and phrase heads are looked up per type and
   applied to the token stream with array indexing.
3. **n-grams** are counted level by level. An n-gram occurrence is identified by the
   position of its first token; its key is ``code(n-1-gram at p) * S1 + code(token p+n-1)``
   where codes index the (n-1)-grams and unigrams that reach ``min_df``. An n-gram can
   only reach ``min_df`` if both (n-1)-grams it contains do, so only those positions are
   counted at level n (the Apriori property; exact, never an approximation).
   Occurrences are grouped by sorting ``key << b | position`` (one vectorised sort), which
   yields, per key, the sorted positions, hence the units, hence document frequencies
   and per-unit counts in CSC order, without hashing.
4. Document-frequency limits are applied **before** any string is built; only the
   surviving columns get their key and display strings, and display forms of stemmed
   keys are the most frequent surface n-gram (counted with the same sort trick).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

# --------------------------------------------------------------------------- phrases


def match_phrases(
    seq: np.ndarray,
    unit_of: np.ndarray,
    phrase_seqs: Sequence[np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy longest, non-overlapping matches of ``phrase_seqs`` in ``seq``.

    ``seq`` holds comparable ids (type or stem ids) per token, ``unit_of`` the unit of
    each token; a match never crosses units. Scanning left to right, the match starting
    earliest wins, and among matches starting at the same token the longest.

    Returns ``starts`` and ``which`` (phrase index), sorted by start.
    """
    n = len(seq)
    found_start: list[np.ndarray] = []
    found_len: list[np.ndarray] = []
    found_which: list[np.ndarray] = []
    for k, ph in enumerate(phrase_seqs):
        m = len(ph)
        if m == 0 or m > n or (ph < 0).any():
            continue
        cand = np.flatnonzero(seq[: n - m + 1] == ph[0])
        for j in range(1, m):
            cand = cand[seq[cand + j] == ph[j]]
        cand = cand[unit_of[cand] == unit_of[cand + m - 1]]
        found_start.append(cand)
        found_len.append(np.full(len(cand), m, dtype=np.int64))
        found_which.append(np.full(len(cand), k, dtype=np.int64))
    if not found_start:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    start = np.concatenate(found_start)
    length = np.concatenate(found_len)
    which = np.concatenate(found_which)
    order = np.lexsort((which, -length, start))
    keep_start: list[int] = []
    keep_which: list[int] = []
    end = -1
    for s, ln, w in zip(
        start[order].tolist(), length[order].tolist(), which[order].tolist(), strict=True
    ):
        if s >= end:
            keep_start.append(s)
            keep_which.append(w)
            end = s + ln
    return np.asarray(keep_start, dtype=np.int64), np.asarray(keep_which, dtype=np.int64)


# --------------------------------------------------------------------------- n-grams


def _bits(x: int) -> int:
    return max(1, int(x).bit_length())


def _sort_pairs(pair: list[np.ndarray], a_bound: int, b_bound: int):
    """Sort the pairs ``(a, b)`` of ``pair = [a, b]`` (non-negative integers, ``a`` int64)
    by a, then b; returns (a, b) sorted, ``b`` in its own dtype.

    One vectorised sort of ``a << bits(b) | b`` when that fits in 63 bits, else a
    (slower) ``lexsort``. ``pair`` is emptied and ``a`` is
    consumed (its buffer holds the packed pairs, then the sorted ``a``), so that the
    caller's arrays are freed as soon as they are packed.
    """
    a, b = pair
    pair.clear()
    bbits = _bits(b_bound)
    if _bits(a_bound) + bbits <= 63:
        packed = a  # reuse the caller's buffer: ``a`` is consumed
        packed <<= np.int64(bbits)
        packed |= b
        b_dtype = b.dtype
        del a, b
        packed.sort()
        b_sorted = np.empty(len(packed), dtype=b_dtype)  # the values fit: b < 2**bbits
        np.bitwise_and(packed, np.int64((1 << bbits) - 1), out=b_sorted, casting="unsafe")
        packed >>= np.int64(bbits)
        return packed, b_sorted
    order = np.lexsort((b, a))  # by a, then b (b need not be sorted)
    return a[order], b[order]


@dataclass
class Level:
    """Counts of the n-grams of one order n."""

    n: int
    ok_keys: np.ndarray  # int64 keys reaching min_df, sorted; index = code
    final: np.ndarray  # bool over ok_keys: also within max_df
    indptr: np.ndarray  # CSC over the final columns
    indices: np.ndarray  # unit of each non-zero
    data: np.ndarray  # count of each non-zero
    codes: np.ndarray | None = None  # int32 code per position (-1: none), for level n+1
    # occurrences (sorted by key then position) of the final columns, for display forms
    elem_col: np.ndarray | None = None
    elem_pos: np.ndarray | None = None


def count_level(
    n: int,
    arrays: list[np.ndarray],
    key_bound: int,
    unit_of: np.ndarray,
    min_count: float,
    max_count: float,
    *,
    need_codes: bool,
    need_elements: bool,
) -> Level:
    """Document frequencies and per-unit counts of the n-grams ``keys`` found at ``pos``.

    ``arrays`` is ``[keys, pos]`` (int64; ``pos`` increasing token positions, or None
    for all positions); it is emptied so that the big arrays can be freed early.
    ``unit_of`` is the unit of every position.
    """
    keys, pos = arrays
    arrays.clear()
    n_pos = len(unit_of)
    n_units = int(unit_of[-1]) + 1 if n_pos else 1
    if need_codes or need_elements:
        if pos is None:
            pos = np.arange(n_pos, dtype=np.int64)
        pair = [keys, pos]
        del keys, pos
        ks, ps = _sort_pairs(pair, key_bound, n_pos)
        us = unit_of[ps]
    else:  # only the units of the positions are needed: the positions go first
        pair = [keys, unit_of if pos is None else unit_of[pos]]
        del keys, pos
        ks, us = _sort_pairs(pair, key_bound, n_units)
        ps = None
    total = len(ks)
    if total == 0:
        e = np.empty(0, np.int64)
        codes = np.full(n_pos, -1, np.int32) if need_codes else None
        return Level(n, e, np.empty(0, bool), np.zeros(1, np.int64), e.astype(np.int32), e,
                     codes, e, e)  # fmt: skip
    kchg = np.empty(total, dtype=bool)
    kchg[0] = True
    np.not_equal(ks[1:], ks[:-1], out=kchg[1:])
    pchg = np.empty(total, dtype=bool)
    pchg[0] = True
    np.not_equal(us[1:], us[:-1], out=pchg[1:])
    pchg |= kchg
    kstart = np.flatnonzero(kchg)
    pstart = np.flatnonzero(pchg)
    del pchg
    run_keys = ks[kstart]
    del ks
    # run (distinct key) of each pair: number of key starts up to the pair's start
    pair_run = np.cumsum(kchg[pstart], dtype=np.int64)
    pair_run -= 1
    pair_count = np.diff(pstart, append=total)
    pair_unit = us[pstart]
    del us
    df = np.bincount(pair_run, minlength=len(kstart))
    ok = df >= min_count
    ok_keys = run_keys[ok]
    final_run = ok & (df <= max_count)
    codes = elem_col = elem_pos = None
    if need_codes or need_elements:
        run_len = np.diff(kstart, append=total)
        if need_codes:
            code_of_run = np.cumsum(ok, dtype=np.int32) - 1
            code_of_run[~ok] = -1
            codes = np.full(n_pos, -1, dtype=np.int32)
            codes[ps] = np.repeat(code_of_run, run_len)
            del code_of_run
        if need_elements:
            n_final = int(final_run.sum())
            elem_col = np.repeat(np.arange(n_final, dtype=np.int64), run_len[final_run])
            elem_pos = ps[np.repeat(final_run, run_len)]
    del kchg
    sel = final_run[pair_run]
    indices = pair_unit[sel].astype(np.int32)
    data = pair_count[sel]
    indptr = np.zeros(int(final_run.sum()) + 1, dtype=np.int64)
    np.cumsum(df[final_run], out=indptr[1:])
    return Level(n, ok_keys, final_run[ok], indptr, indices, data, codes, elem_col, elem_pos)


def count_ngrams(
    key_ids: np.ndarray,
    unit_of: np.ndarray,
    n_keys: int,
    ngram_range: tuple[int, int],
    min_count: float,
    max_count: float,
    *,
    keep_elements: bool,
    levels: list[Level],
) -> Iterator[Level]:
    """Count n-grams of ``key_ids`` (one id per token, units concatenated) level by level.

    Yields one :class:`Level` per n in ``1..max_n`` as soon as it is complete, after
    appending it to ``levels`` (which :func:`decode_keys` needs); levels below ``min_n``
    only serve to prune. ``keep_elements`` keeps the occurrences of the levels
    ``min_n..max_n`` (n >= 2) for :func:`most_frequent_surface`.
    """
    lo, hi = ngram_range
    lv = count_level(
        1, [key_ids.astype(np.int64), None], n_keys, unit_of, min_count, max_count,
        need_codes=False, need_elements=False,
    )  # fmt: skip
    levels.append(lv)
    yield lv
    if hi == 1:
        return
    code_of_key = np.full(n_keys, -1, dtype=np.int32)
    code_of_key[lv.ok_keys] = np.arange(len(lv.ok_keys), dtype=np.int32)
    code1 = code_of_key[key_ids]
    del key_ids
    s1 = len(lv.ok_keys)
    held = [code1]  # codes of the previous level, per position
    for n in range(2, hi + 1):
        prev = levels[-1]
        pc = held.pop()
        if n == 2:
            cand = np.flatnonzero((pc[:-1] >= 0) & (pc[1:] >= 0) & (unit_of[:-1] == unit_of[1:]))
        else:
            cand = np.flatnonzero((pc[:-1] >= 0) & (pc[1:] >= 0))
        keys = pc[cand].astype(np.int64)
        keys *= s1
        keys += code1[cand + (n - 1)]
        arrays = [keys, cand]
        del keys, cand, pc
        lv = count_level(
            n, arrays, max(1, len(prev.ok_keys)) * max(1, s1), unit_of,
            min_count, max_count,
            need_codes=n < hi, need_elements=keep_elements and n >= lo,
        )  # fmt: skip
        held.append(lv.codes)
        lv.codes = None
        levels.append(lv)
        yield lv


def decode_keys(levels: list[Level], n: int, keys: np.ndarray) -> np.ndarray:
    """Component key ids (n columns, first token first) of level-n ``keys``."""
    s1 = len(levels[0].ok_keys)
    comps = np.empty((len(keys), n), dtype=np.int64)
    k = keys
    for m in range(n, 1, -1):
        comps[:, m - 1] = levels[0].ok_keys[k % s1]
        k = levels[m - 2].ok_keys[k // s1]
    comps[:, 0] = k
    return comps


def _string_rank(strings: Sequence[str]) -> np.ndarray:
    rank = np.empty(len(strings), dtype=np.int64)
    rank[sorted(range(len(strings)), key=strings.__getitem__)] = np.arange(len(strings))
    return rank


def most_frequent_surface(
    lv: Level,
    comps: np.ndarray,
    surface: np.ndarray,
    key_of_type: np.ndarray,
    types: Sequence[str],
) -> np.ndarray:
    """Surface form of each final column of ``lv``: its most frequent surface n-gram.

    ``comps`` holds the component key ids of each final column (:func:`decode_keys`),
    ``surface`` the surface type id of each kept token and ``key_of_type`` the key id of
    each surface type. Ties go to the alphabetically first surface string. Returns the
    surface type ids, one row per column.
    """
    n = lv.n
    n_cols = len(comps)
    n_types = len(key_of_type)
    if n == 1:
        count = np.bincount(surface, minlength=n_types)
        order = np.lexsort((_string_rank(types), -count, key_of_type))
        first = np.flatnonzero(np.diff(key_of_type[order], prepend=-1) != 0)
        best = np.full(int(key_of_type.max()) + 1, -1, dtype=np.int64)
        best[key_of_type[order[first]]] = order[first]
        return best[comps[:, :1]]
    if n_cols == 0:
        return np.empty((0, n), dtype=np.int64)
    ucol, surf_all, cnt = _variants(lv, comps, surface, key_of_type)
    cstart = np.flatnonzero(np.diff(ucol, prepend=-1) != 0)
    best = np.maximum.reduceat(cnt, cstart)
    cand = np.flatnonzero(cnt == np.repeat(best, np.diff(cstart, append=len(ucol))))
    ccol, surf = ucol[cand], surf_all[cand]
    out = np.empty((n_cols, n), dtype=np.int64)
    single = np.diff(ccol, append=-1) != 0
    single &= np.diff(ccol, prepend=-1) != 0
    out[ccol[single]] = surf[single]
    if not single.all():  # ties: the alphabetically first surface n-gram
        tied = np.flatnonzero(~single)
        strings = [" ".join([types[t] for t in row]) for row in surf[tied].tolist()]
        seen: dict[int, str] = {}
        for i, c, st in zip(tied.tolist(), ccol[tied].tolist(), strings, strict=True):
            if c not in seen or st < seen[c]:
                seen[c] = st
                out[c] = surf[i]
    return out


def _variants(lv: Level, comps: np.ndarray, surface: np.ndarray, key_of_type: np.ndarray):
    """Every surface n-gram (n >= 2) of each final column of ``lv`` with its count.

    Returns ``col`` (sorted), ``surf`` (surface type ids, one row per variant) and
    ``count`` (occurrences of that surface n-gram), variants of a column in the order of
    their packed type ranks.
    """
    n = lv.n
    n_cols = len(comps)
    n_types = len(key_of_type)
    # rank of each surface type inside the group of types sharing its key
    n_keys = int(key_of_type.max()) + 1
    order = np.argsort(key_of_type, kind="stable")
    per_key = np.bincount(key_of_type, minlength=n_keys)
    offset = np.cumsum(per_key) - per_key
    rank = np.empty(n_types, dtype=np.int64)
    rank[order] = np.arange(n_types) - offset[key_of_type[order]]
    vbits = _bits(int(per_key.max()) - 1)
    # variant of each occurrence: the ranks of its n surface types, packed
    col = lv.elem_col
    var = np.zeros(len(col), dtype=np.int64)
    for j in range(n):
        var |= rank[surface[lv.elem_pos + j]] << np.int64(j * vbits)
    pair = [col, var]
    del col, var
    ucol, uvar = _sort_pairs(pair, n_cols, (1 << (n * vbits)) - 1)
    if len(ucol) == 0:
        return ucol, np.empty((0, n), dtype=np.int64), np.empty(0, dtype=np.int64)
    chg = np.empty(len(ucol), dtype=bool)
    chg[0] = True
    chg[1:] = (ucol[1:] != ucol[:-1]) | (uvar[1:] != uvar[:-1])
    starts = np.flatnonzero(chg)
    cnt = np.diff(starts, append=len(ucol))
    ucol, uvar = ucol[starts], uvar[starts]
    mask = np.int64((1 << vbits) - 1)
    surf = np.empty((len(ucol), n), dtype=np.int64)
    for j in range(n):
        surf[:, j] = order[offset[comps[ucol, j]] + ((uvar >> np.int64(j * vbits)) & mask)]
    return ucol, surf, cnt


def surface_variants(
    lv: Level,
    comps: np.ndarray,
    surface: np.ndarray,
    key_of_type: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every surface form of each final column of ``lv`` with its number of occurrences.

    The counts :func:`most_frequent_surface` picks its winner from, returned whole so
    that counts of several parts of a corpus can be summed before the winner is chosen
    (:mod:`analysis.distributed.dtm`). Returns ``col`` (column of ``comps``), ``surf``
    (surface type ids, one row of ``lv.n`` per variant) and ``count`` (> 0).
    """
    n_cols = len(comps)
    if n_cols == 0:
        e = np.empty(0, dtype=np.int64)
        return e, np.empty((0, lv.n), dtype=np.int64), e
    if lv.n == 1:
        count = np.bincount(surface, minlength=len(key_of_type))
        col_of_key = np.full(int(key_of_type.max()) + 1, -1, dtype=np.int64)
        col_of_key[comps[:, 0]] = np.arange(n_cols)
        t = np.flatnonzero(count)
        c = col_of_key[key_of_type[t]]
        ok = c >= 0
        return c[ok], t[ok, None], count[t[ok]].astype(np.int64)
    return _variants(lv, comps, surface, key_of_type)


def join_columns(strings: Sequence[str], ids: np.ndarray) -> list[str]:
    """``" ".join`` of ``strings[i]`` over the columns of each row of ``ids``."""
    table = np.asarray(strings, dtype=object)
    cols = [table[ids[:, j]].tolist() for j in range(ids.shape[1])]
    if len(cols) == 1:
        return cols[0]
    return list(map(" ".join, zip(*cols, strict=True)))


def to_csr(levels_out: list[Level], n_units: int, order: np.ndarray) -> sp.csr_matrix:
    """Stack the final CSC columns of ``levels_out`` and permute them by ``order``.

    Consumes the levels' ``indptr``, ``indices`` and ``data`` (set to None once stacked),
    so that at most two copies of the non-zeros are alive at a time, not three.
    """
    indptrs, indices, data = [], [], []
    offset = 0
    for lv in levels_out:
        indptrs.append(lv.indptr[1:] + offset)
        offset += int(lv.indptr[-1])
        indices.append(lv.indices)
        data.append(lv.data)
        lv.indptr = lv.indices = lv.data = None
    indptr = np.concatenate([np.zeros(1, np.int64), *indptrs])
    del indptrs
    stacked = (np.concatenate(data), np.concatenate(indices), indptr)
    del data, indices
    m = sp.csc_matrix(stacked, shape=(n_units, len(indptr) - 1))
    del stacked, indptr
    m = m[:, order]
    return m.tocsr()
