"""Near-duplicate detection: sketches over the token layer, flags in read_corpus."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import InputWarning, corpus_summary, read_corpus
from analysis.duplicates import (
    ShingleSketcher,
    SketchStream,
    near_duplicates,
    pairs_from_sketches,
    sketch_keys,
    sketches,
)

_BASE = " ".join(f"The delegate number {i} spoke about peace and the charter." for i in range(40))


def test_near_duplicates_flagged_distinct_not(make_corpus) -> None:
    folder = make_corpus(
        {
            "a.txt": "Opening remark. " + _BASE,
            "b.txt": "A different opening. " + _BASE + " Closing.",
            "c.txt": " ".join(f"Unrelated report {i} on harvests and rainfall." for i in range(60)),
        }
    )
    with pytest.warns(InputWarning, match=r"1 near-duplicate.*'b' ~ 'a'"):
        corpus = read_corpus(folder)
    assert list(corpus["duplicate_of"]) == ["", "a", ""]
    assert corpus_summary(corpus).attrs["totals"]["near_duplicates"] == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        off = read_corpus(folder, dedupe_threshold=None)
    assert list(off["duplicate_of"]) == ["", "", ""]


def test_near_duplicates_function() -> None:
    other = " ".join(f"Unrelated report {i} on harvests and rainfall." for i in range(60))
    pairs = near_duplicates(["x", "y", "z"], [_BASE, _BASE + " Extra tail.", other])
    assert list(pairs.columns) == ["doc_id", "duplicate_of", "similarity"]
    assert pairs[["doc_id", "duplicate_of"]].values.tolist() == [["y", "x"]]
    assert 0.8 <= pairs["similarity"][0] <= 1.0
    assert near_duplicates(["x", "z"], [_BASE, other]).empty


def test_clean_still_exports_near_duplicates_with_a_warning() -> None:
    import analysis.clean

    with pytest.warns(DeprecationWarning, match="analysis.duplicates"):
        old = analysis.clean.near_duplicates
    assert old is near_duplicates
    with pytest.warns(DeprecationWarning):
        from analysis.clean import ShingleSketcher as Old  # noqa: F401
    with pytest.raises(AttributeError):
        analysis.clean.no_such_name  # noqa: B018


def test_sketches_equal_the_one_text_sketcher() -> None:
    """One corpus pass (read_corpus) and the per-text sketcher give the same sketches."""
    texts = [_BASE, "Short text.", "", _BASE.upper() + " tail", "a b c d e f g"]
    sketcher = ShingleSketcher()
    for text, sk in zip(texts, sketches(texts), strict=True):
        count, ref = sketcher(text)
        assert count == len(re.findall(r"\w+", text))
        assert np.array_equal(sk, ref)
    assert sketches(texts)[2].size == 0
    assert all(len(s) <= 128 for s in sketches(texts))
    assert len(sketches(texts, k=3)[0]) == 3


def test_pairs_from_sketches_threshold() -> None:
    sk = sketches([_BASE, _BASE + " Extra tail.", "Nothing alike at all here."])
    pairs = pairs_from_sketches(["x", "y", "z"], sk, threshold=0.8, k=128, max_postings=500)
    assert pairs[["doc_id", "duplicate_of"]].values.tolist() == [["y", "x"]]
    none = pairs_from_sketches(["x", "y", "z"], sk, threshold=1.0, k=128, max_postings=500)
    assert none.empty and list(none.columns) == ["doc_id", "duplicate_of", "similarity"]
    # a shingle shared by more documents than max_postings counts as boilerplate
    assert pairs_from_sketches(["x", "y"], sk[:2], threshold=0.8, k=128, max_postings=1).empty


def _pairs_by_triu(sketches_, threshold: float, max_postings: int) -> list[tuple[int, int]]:
    """The candidate pairs (a < b) as the upper triangle of scipy's ``triu`` (the reading
    before the product's COO arrays were filtered directly)."""
    import pandas as pd
    import scipy.sparse as sp

    lens = np.array([len(s) for s in sketches_])
    rows = np.repeat(np.arange(len(sketches_)), lens)
    codes, _ = pd.factorize(np.concatenate(sketches_))
    m = sp.csr_matrix((np.ones(len(codes), dtype=np.int32), (rows, codes)))
    df = np.bincount(codes)
    m = m[:, np.flatnonzero((df >= 2) & (df <= max_postings))]
    shared = sp.triu(m @ m.T, k=1).tocoo()
    ok = shared.data >= threshold * np.maximum(lens[shared.row], lens[shared.col])
    return sorted(zip(shared.row[ok].tolist(), shared.col[ok].tolist(), strict=True))


@pytest.mark.parametrize("seed", range(6))
def test_pairs_from_sketches_equal_the_triu_reading(seed) -> None:
    # documents drawn from a few templates share most of their sketch values: many pairs
    rng = np.random.default_rng(seed)
    templates = [np.sort(rng.choice(10_000, 60, replace=False)) for _ in range(4)]
    sk = []
    for _ in range(40):
        t = templates[rng.integers(4)]
        keep = t[rng.random(len(t)) < rng.uniform(0.6, 1.0)]
        extra = rng.choice(10_000, rng.integers(0, 10), replace=False)
        sk.append(np.unique(np.concatenate([keep, extra])).astype(np.uint64)[:50])
    ids = [f"d{i}" for i in range(len(sk))]
    for threshold in (0.3, 0.6, 0.9):
        got = pairs_from_sketches(ids, sk, threshold=threshold, k=50, max_postings=1000)
        candidates = _pairs_by_triu(sk, threshold, 1000)
        want = []
        for a, b in candidates:
            union = np.union1d(sk[a], sk[b])[:50]
            both = np.intersect1d(np.intersect1d(sk[a], sk[b]), union)
            if len(both) / len(union) >= threshold:
                want.append((ids[b], ids[a], round(len(both) / len(union), 3)))
        assert list(got.itertuples(index=False, name=None)) == want
        if threshold == 0.3:
            assert len(want) > 20  # the case is not vacuous


@settings(max_examples=200, deadline=None)
@given(
    keys=st.lists(st.integers(0, 40), max_size=80),
    cuts=st.lists(st.integers(0, 80), max_size=6),
    n=st.integers(1, 6),
    k=st.integers(1, 20),
)
def test_a_sketch_from_pieces_equals_the_whole(keys, cuts, n, k) -> None:
    """SketchStream (a long file's sketch, its keys a block at a time) equals sketch_keys
    of the whole, texts shorter than one shingle included."""
    h = np.array(keys, dtype=np.uint64)
    edges = [0, *sorted(c % (len(h) + 1) for c in cuts), len(h)]
    stream = SketchStream(n, k)
    for a, b in zip(edges, edges[1:], strict=False):
        stream.feed(h[a:b])
    whole = sketch_keys(h, np.array([len(h)]), n=n, k=k)[0]
    assert np.array_equal(stream.result(), whole)
