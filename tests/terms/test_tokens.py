"""The token layer: word tokens, n_tokens, the regex backend, Vocab, spans."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer

from analysis.tokens import (
    TOKEN_PATTERN,
    Vocab,
    count_words,
    spans,
    stem,
    tokenize,
    word_tokens,
)

SAMPLES = [
    "The U.S.-China talks, in 2024: Xi's “speech” — naïve café, Ünïcode a b 12 a_b_c!",
    "CHINESE President Xi Jinping yesterday stressed carrying forward the great spirit.",
    "【1】 【2】 Email | Print e-mail 35-million 1937–1945 don't I",
    "İstanbul and ΣΟΦΙΑ; 北京 is one token",
    "beyond the BMP: 𝐀𝐁 is a word, 😀 is not",
    "",
    "   ",
    "a",
]


def _unit(tokens, u: int) -> list[str]:
    return list(tokens.types[tokens.ids[tokens.offsets[u] : tokens.offsets[u + 1]]])


def test_word_tokens_are_lower_cased_word_runs() -> None:
    toks = word_tokens(SAMPLES)
    for u, text in enumerate(SAMPLES):
        assert _unit(toks, u) == [w.lower() for w in re.findall(r"\w+", text)]
    assert list(toks.n_tokens) == [len(re.findall(r"\w+", t)) for t in SAMPLES]
    assert list(toks.lengths) == list(toks.n_tokens)
    # "İstanbul" is one token (lower-cased after tokenizing)
    assert _unit(toks, 3)[0] == "İstanbul".lower() and toks.n_tokens[3] == 7


def test_word_tokens_vocabulary_in_order_of_first_appearance() -> None:
    toks = word_tokens(["b A b", "c a"])
    assert list(toks.types) == ["b", "a", "c"]
    assert list(toks.ids) == [0, 1, 0, 2, 1]
    assert list(word_tokens(["A a"], lowercase=False).types) == ["A", "a"]


def test_count_words_is_the_one_definition() -> None:
    texts = [*SAMPLES, None, float("nan")]
    expected = [len(re.findall(r"\w+", t)) if isinstance(t, str) else 0 for t in texts]
    assert list(count_words(texts)) == expected
    assert list(count_words(pd.Series(texts, dtype=object))) == expected
    assert count_words(["A b, cd-ef 12"]).tolist() == [5]
    assert count_words([]).shape == (0,)


@pytest.mark.parametrize("pattern", [TOKEN_PATTERN, r"(?u)\b\w+\b", r"[a-z]+"])
@pytest.mark.parametrize("lowercase", [True, False])
def test_regex_backend_equals_sklearn(pattern, lowercase) -> None:
    toks = word_tokens(SAMPLES, pattern=pattern, lowercase=lowercase)
    analyzer = CountVectorizer(token_pattern=pattern, lowercase=lowercase).build_analyzer()
    for u, text in enumerate(SAMPLES):
        assert _unit(toks, u) == analyzer(text)
        assert _unit(toks, u) == tokenize(text, token_pattern=pattern, lowercase=lowercase)
    # n_tokens never depends on the pattern, nor on lower-casing ("İ")
    assert list(toks.n_tokens) == list(count_words(SAMPLES))


def test_regex_backend_drop_stem_and_workers_agree() -> None:
    texts = pd.Series(SAMPLES * 3)
    kw = dict(  # a pattern of its own: the default one does not go to the regex backend
        pattern=r"(\w\w+)", drop=frozenset({"the", "and"}), stem_filter=lambda t: t != "xi"
    )
    one = word_tokens(texts, n_jobs=1, **kw)
    two = word_tokens(texts, n_jobs=2, **kw)
    assert "the" not in set(one.types[one.ids]) and "and" not in set(one.types[one.ids])
    assert list(one.types[one.ids]) == list(two.types[two.ids])
    assert np.array_equal(one.offsets, two.offsets)
    assert np.array_equal(one.n_tokens, two.n_tokens)
    for t, s in zip(one.types, one.stems, strict=True):
        assert s == (None if t == "xi" else stem(t))
    # stop words are gone from ids but still counted in n_tokens
    assert (one.lengths <= one.n_tokens).all() and one.lengths.sum() < one.n_tokens.sum()


def test_vocab_assigns_next_id() -> None:
    v = Vocab()
    assert [v["x"], v["y"], v["x"]] == [0, 1, 0] and list(v) == ["x", "y"]


def test_spans_are_word_runs_of_the_original_text() -> None:
    text = "Hi, İstanbul a_b!"
    got = spans(text)
    assert got.shape == (3, 2) and got.dtype == np.int64
    assert [text[a:b] for a, b in got] == ["Hi", "İstanbul", "a_b"]
    assert spans("").shape == (0, 2)
    odd = "a\ud800b 𝔘𝔫𝔦 x"  # a lone surrogate and characters beyond the BMP
    assert [tuple(map(int, s)) for s in spans(odd)] == [m.span() for m in re.finditer(r"\w+", odd)]


def test_by_prefix_and_stems() -> None:
    toks = word_tokens(["nation nations national peace"])
    assert sorted(toks.types[toks.by_prefix("nation")]) == ["nation", "national", "nations"]
    assert list(toks.stems) == [stem(t) for t in toks.types]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_spans_equal_the_regex_word_runs(text: str) -> None:
    """The vectorised spans equal ``re.finditer(r"\\w+")`` on any text (any code point)."""
    expected = [m.span() for m in re.finditer(r"\w+", text)]
    assert [tuple(map(int, s)) for s in spans(text)] == expected


def _reference_tokens(texts, lowercase):
    """Types in order of first appearance, and the ids, from re.findall."""
    vocab: dict[str, int] = {}
    ids, n_tokens = [], []
    for text in texts:
        words = re.findall(r"\w+", text)
        n_tokens.append(len(words))
        for w in words:
            ids.append(vocab.setdefault(w.lower() if lowercase else w, len(vocab)))
    return list(vocab), ids, n_tokens


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(st.text(st.sampled_from(list("abAB İıΣσς𝐀é -\n")), max_size=25), max_size=8),
    chunk=st.integers(1, 40),
    lowercase=st.booleans(),
)
def test_word_tokens_the_same_whatever_the_chunks(texts, chunk, lowercase) -> None:
    """Chunks are tokenized one after the other (the text of one chunk at a time): ids
    and types are those of one pass over all texts, for any chunk size."""
    import analysis.tokens as tokens_module

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tokens_module, "_CHUNK_CHARS", chunk)
        toks = word_tokens(texts, lowercase=lowercase)
    types, ids, n_tokens = _reference_tokens(texts, lowercase)
    assert list(toks.types) == types
    assert toks.ids.dtype == np.int32 and toks.ids.tolist() == ids
    assert toks.n_tokens.tolist() == n_tokens


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(
        st.one_of(st.text(st.sampled_from(list("abAB İıΣσς𝐀é -\n")), max_size=25), st.none()),
        max_size=8,
    ),
    chunk=st.integers(1, 40),
)
def test_an_arrow_column_is_scanned_as_its_python_strings(texts, chunk) -> None:
    """A str column is turned into Python strings one chunk at a time (never the whole
    corpus at once); a missing text counts as empty, as in a list."""
    import analysis.tokens as tokens_module
    from analysis.tokens import count_words, word_keys

    column = pd.Series(texts, dtype="str")
    plain = ["" if t is None else t for t in texts]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tokens_module, "_CHUNK_CHARS", chunk)
        mp.setattr(tokens_module, "_COUNT_CHUNK_CHARS", chunk)
        got, want = word_tokens(column), word_tokens(plain)
        assert list(got.types) == list(want.types) and got.ids.tolist() == want.ids.tolist()
        assert got.offsets.tolist() == want.offsets.tolist()
        assert count_words(column).tolist() == count_words(plain).tolist()
        keys, n = word_keys(column)
        keys_plain, n_plain = word_keys(plain)
        assert keys.tolist() == keys_plain.tolist() and n.tolist() == n_plain.tolist()
    if texts:
        assert tokens_module._as_texts(column)._arrow is not None  # the lazy path was taken


def test_only_one_chunk_of_an_arrow_column_is_made_into_python_strings(monkeypatch) -> None:
    import analysis.tokens as tokens_module

    column = pd.Series([f"text number {i} " * 3 for i in range(50)], dtype="str")
    texts = tokens_module._as_texts(column)
    taken = []
    real_take = tokens_module._Texts.take
    monkeypatch.setattr(
        tokens_module._Texts,
        "take",
        lambda self, i, j: taken.append(j - i) or real_take(self, i, j),
    )
    monkeypatch.setattr(tokens_module, "_CHUNK_CHARS", 200)
    word_tokens(texts)
    assert sum(taken) == 50 and max(taken) < 10


def test_the_regex_backend_holds_four_bytes_a_token_while_it_reads():
    # the ids grow in one int32 buffer, which becomes the array (no copy): not a list of
    # lists (8 more bytes a token) copied into an array at the end
    import tracemalloc

    from analysis.tokens import TOKEN_PATTERN, _compile, _tokenize_texts

    texts = [" ".join(f"w{(i * 7 + j) % 500}" for j in range(200)) for i in range(2000)]
    tracemalloc.start()
    try:
        chunk = _tokenize_texts(iter(texts), len(texts), _compile(TOKEN_PATTERN), True, None, None)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(chunk.ids) == 400_000 and chunk.ids.dtype == np.int32
    assert chunk.ids.tolist()[:3] == [0, 1, 2] and chunk.types[:3] == ["w0", "w1", "w2"]
    assert peak / len(chunk.ids) < 6


#: characters whose lower case changes the word runs (İ), depends on the context (Σ), is
#: longer or another class, with neighbours: ASCII, accented, non-BMP, marks, apostrophes
_CASE_ALPHABET = list("abAB İıIiΣσςΑΒẞßKKⅠⅰªé\u0307'’-_1\n𝐀😀")


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(
        st.one_of(st.text(st.sampled_from(_CASE_ALPHABET), max_size=30), st.none()), max_size=8
    ),
    chunk=st.integers(1, 40),
    lowercase=st.booleans(),
    min_len=st.sampled_from([1, 2]),
    with_stems=st.booleans(),
)
def test_the_default_patterns_give_the_regex_tokens_without_the_regex(
    texts, chunk, lowercase, min_len, with_stems
) -> None:
    """scikit-learn's pattern (and ``\\w+``) run on ``text.lower()``: the vectorised runs,
    chunk by chunk, fall back to the regex only in chunks with a case-unsafe character
    (İ, Σ, ...); tokens, offsets, counts and stems equal the regex backend's."""
    import analysis.tokens as tokens_module

    fast_pattern = TOKEN_PATTERN if min_len == 2 else r"(?u)\b\w+\b"
    slow_pattern = r"(\w\w+)" if min_len == 2 else r"(\w+)"  # the regex backend, same tokens
    kw = dict(
        lowercase=lowercase,
        drop=frozenset({"ab", "σς", "i"}),
        stem_filter=(lambda t: t != "ba") if with_stems else None,
        n_jobs=1,
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tokens_module, "_CHUNK_CHARS", chunk)
        fast = word_tokens(pd.Series(texts, dtype=object), pattern=fast_pattern, **kw)
    slow = word_tokens(pd.Series(texts, dtype=object), pattern=slow_pattern, **kw)
    assert list(fast.types[fast.ids]) == list(slow.types[slow.ids])
    assert fast.offsets.tolist() == slow.offsets.tolist()
    assert fast.n_tokens.tolist() == slow.n_tokens.tolist()
    if with_stems:
        assert list(fast.stems[fast.ids]) == list(slow.stems[slow.ids])
    expect = [
        re.findall(slow_pattern, (t.lower() if lowercase else t) if isinstance(t, str) else "")
        for t in texts
    ]
    flat = [w for ws in expect for w in ws if w not in kw["drop"]]
    assert list(fast.types[fast.ids]) == flat


def test_the_case_unsafe_characters_are_those_whose_lower_case_changes_the_runs() -> None:
    from analysis.tokens import _case_unsafe_table

    table = _case_unsafe_table()
    assert table[ord("İ")] and table[ord("Σ")]
    assert not table[ord("A")] and not table[ord("ẞ")] and not table[ord("K")]
    for cp in np.flatnonzero(table).tolist():  # each really does change something
        c = chr(cp)
        assert cp in (0x130, 0x3A3) or (re.fullmatch(r"\w", c) is None) != (
            re.fullmatch(r"\w", c.lower()) is None
        )
    # and every other character lower-cases to one character of its own class
    word = re.compile(r"\w")
    for cp in np.flatnonzero(~table).tolist():
        if 0xD800 <= cp < 0xE000:
            continue
        c = chr(cp)
        lower = c.lower()
        if lower != c:
            assert len(lower) == 1 and bool(word.match(c)) == bool(word.match(lower)), hex(cp)


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(
        st.one_of(st.none(), st.text(alphabet="İΣσiIa .[]\\x{}😀", max_size=12)), max_size=8
    )
)
def test_case_unsafe_texts_of_an_arrow_column_are_those_of_python_strings(texts) -> None:
    # one regex pass over an Arrow column finds the texts a substring search of each
    # case-unsafe character finds in the Python strings (a missing text holds none)
    from analysis.tokens import _as_texts, _case_unsafe_chars, _case_unsafe_texts

    arrow = _as_texts(pd.Series(texts, dtype="string[pyarrow]"))
    assert arrow._arrow is not None
    expect = [i for i, t in enumerate(texts) if t and any(c in t for c in _case_unsafe_chars())]
    assert _case_unsafe_texts(arrow).tolist() == expect
    assert _case_unsafe_texts(arrow).dtype == np.int64
    python = _as_texts([t or "" for t in texts])
    assert _case_unsafe_texts(python).tolist() == expect


@settings(max_examples=300, deadline=None)
@given(
    lengths=st.lists(st.integers(0, 5), min_size=0, max_size=12),
    seed=st.integers(0, 2**16),
)
def test_keep_tokens_equals_keeping_each_texts_tokens(lengths, seed):
    # per-text sums over the keep mask (empty texts anywhere) give the same offsets as
    # keeping each text's tokens on its own
    from analysis.tokens import _keep_tokens

    rng = np.random.default_rng(seed)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    ids = rng.integers(0, 9, size=int(offsets[-1])).astype(np.int32)
    keep = rng.random(len(ids)) < 0.6
    got_ids, got_offsets = _keep_tokens(ids, offsets, keep)
    parts = [ids[a:b][keep[a:b]] for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
    want_offsets = np.concatenate([[0], np.cumsum([len(p) for p in parts])]).astype(np.int64)
    assert np.array_equal(got_ids, np.concatenate(parts) if parts else ids[:0])
    assert np.array_equal(got_offsets, want_offsets) and got_offsets.dtype == np.int64
