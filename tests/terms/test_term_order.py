"""``term_order``'s fast path for sorted vocabularies gives numpy's ranks exactly."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.keywords import term_order


def _numpy_rank(terms):
    order = np.argsort(np.asarray(terms, dtype=str), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


words = st.text(alphabet=st.characters(codec="utf-8"), max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(words, max_size=30), st.booleans())
def test_term_order_equals_numpy_rank(terms, presort):
    if presort:  # the shape of a DTM vocabulary built without stemming (fast path)
        terms = sorted(set(terms))
    arr = np.array(terms, dtype=object)
    assert np.array_equal(term_order(arr), _numpy_rank(arr))


def test_sorted_vocabulary_is_ranked_by_position(seed_corpus):
    from analysis import build_dtm

    dtm = build_dtm(seed_corpus, ngram_range=(1, 2))
    assert np.array_equal(term_order(dtm.terms), np.arange(len(dtm.terms)))
    assert np.array_equal(term_order(dtm.terms), _numpy_rank(dtm.terms))
    stemmed = build_dtm(seed_corpus, stem=True)  # display forms, not in key order
    assert np.array_equal(term_order(stemmed.terms), _numpy_rank(stemmed.terms))


def _python_sorted_strings(items):
    """The definition: all str, strictly increasing, none ending in NUL."""
    ok = all(isinstance(x, str) for x in items) and all(
        a < b for a, b in zip(items[:-1], items[1:], strict=True)
    )
    return items if ok and not any(x.endswith("\x00") for x in items) else None


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=5), max_size=20),
    st.sampled_from(["none", "swap", "repeat", "nul", "int"]),
    st.integers(0, 999),
)
def test_long_vocabularies_are_checked_like_short_ones(words, change, at):
    """Above 1,000 strings the check runs on Arrow strings; it agrees with the definition."""
    from analysis.keywords import sorted_strings

    items = sorted(set(words) | {f"pad{i:05d}" for i in range(1001)})
    if change == "swap":
        items[at], items[at + 1] = items[at + 1], items[at]
    elif change == "repeat":
        items[at + 1] = items[at]
    elif change == "nul":
        items[at] = items[at] + "\x00"
    elif change == "int":
        items[at] = at
    want = None if change == "int" else _python_sorted_strings(items)
    assert sorted_strings(np.array(items, dtype=object)) == want
    assert (
        np.array_equal(term_order(np.array(items, dtype=object)), _numpy_rank(items))
        or change == "int"
    )
