"""The token layer: one tokenizer, one vocabulary type, one definition of a token.

A *word token* is a maximal run of word characters (``\\w`` in Python's Unicode ``re``):
words, numbers and one-letter words such as "a" and "I".

**n_tokens** of a text (a document, paragraph or sentence) is the number of its word
tokens: ``len(re.findall(r"\\w+", text))`` on the text as given, before stop-word
removal, stemming or phrase merging, whatever ``token_pattern`` a document-term matrix
uses. :func:`analysis.read_corpus` (per document), :func:`analysis.text.segment` (per
unit), :func:`analysis.build_dtm` (``dtm.docs["n_tokens"]``) and the theme statistics
all carry this number, and every ``rate_per_1k`` in the package divides by it.

Contents:

:class:`Vocab`
    The one vocabulary type: str -> int id, ids in order of first appearance.
:class:`Tokens`
    The token stream of a sequence of texts: type ids, per-text offsets, ``n_tokens``.
:func:`word_tokens`
    Tokenize many texts at once. The default backend is vectorised (code-point table,
    64-bit hashes, ``pandas.factorize``) and keeps every word token; with ``pattern=``
    a regular-expression backend runs the pattern on the lower-cased text (exactly
    scikit-learn's ``CountVectorizer``), in forked worker processes for large corpora;
    scikit-learn's default pattern goes to the vectorised backend, with the same tokens.
:func:`count_words`
    ``n_tokens`` of many texts, vectorised.
:func:`spans`
    Character spans of the word tokens of one text (keyword-in-context lines).
:func:`tokenize`, :func:`stem`
    One text the CountVectorizer way; the cached Snowball stemmer.
"""

from __future__ import annotations

import re
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from .errors import AnalysisError

__all__ = [
    "stop_word_set",
    "Vocab",
    "Tokens",
    "word_tokens",
    "word_keys",
    "count_words",
    "spans",
    "tokenize",
    "stem",
    "WORD_PATTERN",
    "TOKEN_PATTERN",
]

#: A word token (the unit of ``n_tokens``).
WORD_PATTERN = r"\w+"
#: scikit-learn's default token pattern: word tokens of two or more characters.
TOKEN_PATTERN = r"(?u)\b\w\w+\b"
_WORD_RE = re.compile(WORD_PATTERN)

#: Texts with fewer characters than this in all are tokenized in-process by the regex
#: backend (a fork costs more).
PARALLEL_MIN_CHARS = 20_000_000


class Vocab(dict):
    """str -> int id, assigning the next id to unseen strings."""

    def __missing__(self, key: str) -> int:
        value = self[key] = len(self)
        return value


@dataclass
class Tokens:
    """Texts tokenized into type ids over one vocabulary.

    ``ids`` holds the kept tokens of all texts, concatenated; text ``u`` is
    ``ids[offsets[u]:offsets[u + 1]]``. ``n_tokens[u]`` is the number of word tokens
    of text ``u`` (the module's one definition), whatever was kept in ``ids``.
    """

    ids: np.ndarray  # int32, all kept tokens of all texts, concatenated
    offsets: np.ndarray  # int64, n_texts + 1; text u spans ids[offsets[u]:offsets[u+1]]
    types: np.ndarray  # object array of type strings (index = id), first-appearance order
    n_tokens: np.ndarray | None = None  # int64 per text: word tokens (see module docstring)
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
        """Snowball stem of each type (None where :func:`word_tokens` was told to skip it)."""
        if self._stems is None:
            self._stems = np.array([stem(t) for t in self.types], dtype=object)
        return self._stems

    @property
    def lengths(self) -> np.ndarray:
        """Kept tokens per text (``np.diff(offsets)``)."""
        return np.diff(self.offsets)


# --------------------------------------------------------------------------- one text


@lru_cache(maxsize=64)
def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise AnalysisError(
            f"token_pattern {pattern!r} is not a valid regular expression ({exc}); fix the pattern"
        ) from None


def tokenize(text: str, *, token_pattern: str = TOKEN_PATTERN, lowercase: bool = True) -> list[str]:
    """Tokenize ``text`` the way :class:`~sklearn.feature_extraction.text.CountVectorizer` does.

    Parameters
    ----------
    text : str
    token_pattern : str, default ``TOKEN_PATTERN``
        Regular expression; if it has one capturing group, the group is the token.
    lowercase : bool, default True
        Lower-case the text before tokenizing.
    """
    rx = _compile(token_pattern)
    if rx.groups > 1:
        raise AnalysisError(
            f"token_pattern {token_pattern!r} has {rx.groups} capturing groups; use at most one"
        )
    return rx.findall(text.lower() if lowercase else text)


@lru_cache(maxsize=1)
def _snowball():
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer("english")


@lru_cache(maxsize=1_000_000)
def stem(word: str) -> str:
    """Snowball (Porter2) English stem of ``word``, cached.

    The cache holds one entry per distinct word form, so stemming a large corpus costs
    one stemmer call per vocabulary type, not per token.
    """
    return _snowball().stem(word)


def spans(text: str) -> np.ndarray:
    """``(n, 2)`` int64 array of the ``[start, end)`` character spans of ``text``'s word tokens.

    The maximal runs of ``\\w`` characters, found like the vectorised backend below: each
    code point is classified with the ``re``-derived lookup table (:func:`_word_table`)
    and runs start and end where the class changes, so the spans equal
    ``[m.span() for m in re.finditer(r"\\w+", text)]`` without a Python call per token.
    """
    if not text:
        return np.empty((0, 2), dtype=np.int64)
    if text.isascii():
        cp = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    else:  # one element per code point, as str indices count them
        cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    word = _word_table()[cp].view(np.int8)
    edges = np.diff(word, prepend=np.int8(0), append=np.int8(0))
    return np.column_stack((np.flatnonzero(edges == 1), np.flatnonzero(edges == -1))).astype(
        np.int64
    )


# --------------------------------------------------------------------------- vectorised backend

_CHUNK_CHARS = 1 << 22  # characters per tokenizing chunk: its arrays stay near the CPU caches
#: Characters per chunk of the passes that keep no vocabulary (:func:`count_words`,
#: :func:`word_keys`): their arrays stay in cache, and for prose (about 6 characters a
#: token) take about 1.4 MB each, under the 4 MiB from which numpy asks for huge pages,
#: so the allocator reuses the memory one chunk freed. On the UN General Debate (its
#: cleaned texts in reader-sized chunks of 4 M characters, each keyed in a fresh
#: process) ``word_keys`` took 1.9-2.1 s with chunks of 1 M characters against 2.8-4.6 s
#: with 4 M, on a virtual machine slow to fault in huge pages (benchmarks/README.md,
#: "Smaller key chunks for the reader").
_COUNT_CHUNK_CHARS = 1 << 20
_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)


@lru_cache(maxsize=1)
def _word_table() -> np.ndarray:
    """Boolean lookup over all code points: True where ``re`` counts it as ``\\w``."""
    table = np.zeros(0x110000, dtype=bool)
    cps = np.r_[0:0xD800, 0xE000:0x110000]
    text = cps.astype("<u4").tobytes().decode("utf-32-le")  # every code point, in order
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


class _Texts:
    """Texts to scan, missing ones empty: a list of Python strings, or an Arrow-backed
    string column whose Python strings are made one chunk at a time (:meth:`take`), so a
    corpus is never held twice (the UN General Debate's 200 M characters are 350 MB as
    Python strings)."""

    def __init__(self, texts: Iterable[str] | pd.Series) -> None:
        self._arrow = None
        if isinstance(texts, pd.Series) and isinstance(texts.array, pd.arrays.ArrowStringArray):
            import pyarrow as pa
            import pyarrow.compute as pc

            arrow = pa.array(texts, from_pandas=True)  # the column's own buffers
            arrow = arrow if isinstance(arrow, pa.ChunkedArray) else pa.chunked_array([arrow])
            self._arrow = pc.fill_null(arrow, "") if arrow.null_count else arrow  # missing: ""
            self.lengths = pc.utf8_length(self._arrow).to_numpy().astype(np.int64)
        else:
            if isinstance(texts, pd.Series):
                texts = texts.tolist()
            self._list = [t if isinstance(t, str) else "" for t in texts]
            self.lengths = np.fromiter(map(len, self._list), dtype=np.int64, count=len(self._list))

    def __len__(self) -> int:
        return len(self.lengths)

    def take(self, i: int, j: int) -> list[str]:
        """Texts ``i:j`` as Python strings."""
        if self._arrow is None:
            return self._list[i:j]
        return self._arrow.slice(i, j - i).to_pylist()


def _as_texts(texts: Iterable[str] | pd.Series | _Texts) -> _Texts:
    return texts if isinstance(texts, _Texts) else _Texts(texts)


_NON_WORD = re.compile(r"\W")


def _pieces(
    text: str, size: int, boundary: re.Pattern[str] = _NON_WORD, *, after: bool = False
) -> Iterator[str]:
    """``text`` in consecutive pieces of about ``size`` characters, each cut at the first
    match of ``boundary`` from ``size`` characters on: just before it (default: a
    non-word character, ``\\W``, so that no word token spans two pieces and the pieces'
    tokens are the text's, in order) or, with ``after``, just after it
    (:func:`analysis.clean.normalize_text` cuts after line ends). A piece runs past
    ``size`` to the next match; a text without one is one piece."""
    a = 0
    while a < len(text):
        cut = boundary.search(text, a + size) if a + size < len(text) else None
        b = len(text) if cut is None else (cut.end() if after else cut.start())
        yield text[a:b]
        a = b


def _scan(
    texts: _Texts, chunk_chars: int = _CHUNK_CHARS, *, split: bool = False
) -> Iterator[tuple[int, int, str, np.ndarray, np.ndarray, np.ndarray]]:
    """Classify code points chunk by chunk.

    Yields ``(i, j, joined, cp, starts, ends)``: texts ``i:j`` joined with ``"\\n"``, their
    code points and the ``[start, end)`` positions of every word token in ``joined``.
    With ``split``, a text longer than ``chunk_chars`` comes in pieces (:func:`_pieces`),
    each yielded as ``(i, i + 1, piece, ...)``: a caller that sums per text what each
    chunk yields (token counts, keys in order) gets the same as from the whole text, and
    a single long text never makes arrays of its whole length (a 200 MB text made 3.1 GB
    of them in :func:`word_keys`).
    """
    table = _word_table()
    lengths = texts.lengths.tolist()
    n = len(lengths)
    i = 0
    while i < n:
        j, size = i, 0
        while j < n and (j == i or size + lengths[j] < chunk_chars):
            size += lengths[j] + 1
            j += 1
        if split and j == i + 1 and lengths[i] > chunk_chars:
            for piece in _pieces(texts.take(i, j)[0], chunk_chars):
                yield (i, j, piece, *_classified(piece, table))
            i = j
            continue
        joined = "\n".join(texts.take(i, j))
        yield (i, j, joined, *_classified(joined, table))
        i = j


def _classified(joined: str, table: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The code points of ``joined`` (as narrow as they fit) and the ``[start, end)``
    positions of its word tokens."""
    if joined.isascii():  # one byte per character: 4x less memory traffic
        cp = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    else:
        cp = np.frombuffer(joined.encode("utf-16-le", "surrogatepass"), dtype=np.uint16)
        if len(cp) != len(joined):  # characters beyond the BMP: one code point each
            cp = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    word = table[cp].view(np.int8)
    edges = np.diff(word, prepend=np.int8(0), append=np.int8(0))
    return cp, np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _per_text(texts: _Texts, i: int, j: int, starts: np.ndarray, n_cp: int) -> np.ndarray:
    """Word tokens of each of the texts ``i:j`` of a chunk (from the token starts)."""
    text_starts = np.concatenate([[0], np.cumsum(texts.lengths[i : j - 1] + 1)])
    return np.diff(np.searchsorted(starts, np.append(text_starts, n_cp)))


def count_words(texts: Iterable[str] | pd.Series) -> np.ndarray:
    """``n_tokens`` of each text: the number of maximal runs of ``\\w`` (see the module docstring).

    Equals ``[len(re.findall(r"\\w+", t)) for t in texts]`` (a missing text counts 0),
    vectorised. Returns an int64 array.
    """
    texts = _as_texts(texts)
    out = np.zeros(len(texts), dtype=np.int64)
    for i, j, _, cp, starts, _ in _scan(texts, _COUNT_CHUNK_CHARS, split=True):
        out[i:j] += _per_text(texts, i, j, starts, len(cp))  # a long text: its pieces' sum
    return out


def word_tokens(
    texts: Iterable[str] | pd.Series,
    *,
    lowercase: bool = True,
    pattern: str | None = None,
    drop: frozenset[str] | None = None,
    stem_filter: Callable[[str], bool] | None = None,
    n_tokens: np.ndarray | None = None,
    n_jobs: int | None = 1,
) -> Tokens:
    """Tokenize ``texts`` into type ids over one :class:`Vocab`.

    Parameters
    ----------
    texts : sequence of str or Series
        Missing (non-str) texts count as empty.
    lowercase : bool, default True
        Default backend: lower-case each token's type (``"İ"`` stays one token).
        Regex backend: lower-case the text before tokenizing (as scikit-learn does).
    pattern : str, optional
        None (default): every word token (``\\w+`` run), found by the vectorised backend.
        Otherwise the tokens are ``re.findall(pattern, text)`` (with one capturing group,
        the group), found by the regular-expression backend: this is how
        :func:`analysis.build_dtm` reproduces ``CountVectorizer(token_pattern=...)``.
        scikit-learn's default (``TOKEN_PATTERN``) and ``\\w+`` are found without the
        regex, by the vectorised backend on the lower-cased text, with the same tokens,
        types and stems (ids numbered in another order) in one process.
    drop : frozenset of str, optional
        Regex backend: types left out of ``ids`` (stop words); ``n_tokens`` still counts
        them.
    stem_filter : callable, optional
        Regex backend: stem the types for which it returns True (``stems`` is None for
        the others), in the workers.
    n_tokens : array, optional
        Word tokens per text when the caller has them already; counted otherwise.
    n_jobs : int, optional, default 1
        Regex backend: processes (forked, Linux only). None: all cores for texts of more
        than ``PARALLEL_MIN_CHARS`` characters in all, one otherwise. Results never
        depend on it.

    Returns
    -------
    Tokens
        ``ids``, ``offsets``, ``types`` (in order of first appearance), ``n_tokens``.

    Notes
    -----
    The default backend is equivalent to ``[w.lower() for w in re.findall(r"\\w+", t)]``
    per text, but vectorised: texts are joined in chunks (with a non-word separator),
    code points are classified with a lookup table, token boundaries come from the word
    mask, and each token is keyed by a 64-bit hash of its code points and length;
    ``pandas.factorize`` turns keys into ids, and only the distinct types are sliced out
    as strings. Chunks are done one at a time (an index of the keys met so far maps a
    chunk's keys to ids), so only one chunk's text and arrays are held at once.
    """
    if pattern is not None:
        return _regex_tokens(
            texts, pattern, lowercase=lowercase, drop=drop, stem_filter=stem_filter,
            n_tokens=n_tokens, n_jobs=n_jobs,
        )  # fmt: skip
    texts = _as_texts(texts)
    ids, lengths_per_text, vocab = _run_ids(texts, lowercase=lowercase)
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths_per_text, out=offsets[1:])
    return Tokens(
        ids=ids,
        offsets=offsets,
        types=np.array(list(vocab), dtype=object),
        n_tokens=lengths_per_text,
    )


def _run_ids(
    texts: _Texts, *, lowercase: bool, lowered_text: bool = False
) -> tuple[np.ndarray, np.ndarray, Vocab]:
    """The vectorised backend: the type id of every maximal run of ``\\w`` (int32, texts
    concatenated), the runs per text and the vocabulary.

    ``lowered_text=False``: the runs of each text, each lower-cased on its own (when
    ``lowercase``). ``lowered_text=True``: the runs of the lower-cased text, which is what
    a regular expression run on ``text.lower()`` finds (scikit-learn's way). The two
    differ only where a chunk holds a character of :func:`_case_unsafe_table`; such a
    chunk's texts are lower-cased and searched with ``\\w+``, one by one.
    """
    n = len(texts)
    lengths_per_text = np.zeros(n, dtype=np.int64)
    vocab = Vocab()
    seen = pd.Index(np.zeros(0, dtype=np.uint64))  # the keys of the types met so far
    seen_ids = np.zeros(0, dtype=np.int32)  # their vocabulary ids
    parts = []  # per chunk: the tokens' ids (the chunk's text and arrays are let go)
    for i, j, joined, cp, starts, ends in _scan(texts, _CHUNK_CHARS):
        if lowered_text and lowercase and cp.dtype != np.uint8 and _case_unsafe_table()[cp].any():
            buffer = array("i")
            for u, text in enumerate(texts.take(i, j), start=i):
                toks = _WORD_RE.findall(text.lower())
                lengths_per_text[u] = len(toks)
                buffer.extend(map(vocab.__getitem__, toks))
            parts.append(np.frombuffer(buffer, dtype=np.int32) if len(buffer) else None)
            continue
        lengths_per_text[i:j] = _per_text(texts, i, j, starts, len(cp))
        codes, uniques = pd.factorize(_token_keys(cp, starts, ends - starts))
        at = seen.get_indexer(uniques)
        known = at >= 0
        to_vocab = np.empty(len(uniques), dtype=np.int32)
        to_vocab[known] = seen_ids[at[known]]
        new = np.flatnonzero(~known)  # in order of first appearance, as the ids are given
        if len(new):
            # a position of each key: every occurrence of a key is the same string
            where = np.empty(len(uniques), dtype=np.int64)
            where[codes] = np.arange(len(codes))
            for u, p in zip(new.tolist(), where[new].tolist(), strict=True):
                word = joined[starts[p] : ends[p]]
                to_vocab[u] = vocab[word.lower() if lowercase else word]
            seen = seen.append(pd.Index(uniques[new]))
            seen_ids = np.concatenate([seen_ids, to_vocab[new]])
        parts.append(to_vocab[codes])
    parts = [p for p in parts if p is not None]
    ids = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
    return ids, lengths_per_text, vocab


def _lowered_runs(words: Tokens, texts: _Texts) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """What :func:`_run_ids` gives with ``lowered_text=True`` (the ``\\w`` runs of each
    lower-cased text, texts concatenated; the runs per text; the types by id), made from
    ``words = word_tokens(texts)`` (each run lower-cased on its own) instead of scanning
    the texts again.

    The two agree, run for run and type for type, except in a text that holds a
    character of :func:`_case_unsafe_table` (found by :func:`_case_unsafe_texts`): such a
    text's runs are those of ``re.findall(r"\\w+", text.lower())``, as in
    :func:`_run_ids`, spliced in. Types are numbered as in ``words`` (new ones after
    them), and a type of ``words`` that no longer occurs stays in the vocabulary, as the
    types that :func:`_pattern_runs` leaves out do.
    """
    ids, offsets = words.ids, words.offsets
    runs_per_text = np.diff(offsets)
    types = words.types.tolist()
    unsafe = _case_unsafe_texts(texts)
    if len(unsafe):
        vocab = Vocab(zip(types, range(len(types)), strict=True))
        parts, start = [], 0
        for u in unsafe.tolist():
            parts.append(ids[offsets[start] : offsets[u]])  # the texts before it, as they are
            [text] = texts.take(u, u + 1)
            runs = array("i", map(vocab.__getitem__, _WORD_RE.findall(text.lower())))
            parts.append(np.frombuffer(runs, dtype=np.int32) if len(runs) else ids[:0])
            runs_per_text[u] = len(runs)
            start = u + 1
        parts.append(ids[offsets[start] :])
        ids = np.concatenate(parts)
        types = list(vocab)
    return ids, runs_per_text, types


def _case_unsafe_texts(texts: _Texts) -> np.ndarray:
    """Indices (int64, ascending) of the texts that hold a character of
    :func:`_case_unsafe_table` (U+0130 and U+03A3 with Python 3.11's Unicode tables);
    an Arrow column is searched without making Python strings."""
    chars = _case_unsafe_chars()
    if texts._arrow is not None:
        import pyarrow.compute as pc

        if not chars:
            return np.zeros(0, dtype=np.int64)
        # one pass for all the characters, a class of RE2 code-point escapes (\x{130}):
        # on the UN General Debate's 200 MB 0.30 s, against 0.66 s for a substring
        # search per character
        found = pc.match_substring_regex(texts._arrow, _case_unsafe_class())
        return np.flatnonzero(np.asarray(found.fill_null(False), dtype=bool)).astype(np.int64)
    return np.array(
        [i for i, t in enumerate(texts._list) if not t.isascii() and any(c in t for c in chars)],
        dtype=np.int64,
    )


@lru_cache(maxsize=1)
def _case_unsafe_chars() -> tuple[str, ...]:
    """The characters of :func:`_case_unsafe_table`."""
    return tuple(map(chr, np.flatnonzero(_case_unsafe_table()).tolist()))


@lru_cache(maxsize=1)
def _case_unsafe_class() -> str:
    """An RE2 character class of :func:`_case_unsafe_chars`, each as a code-point escape
    (``[\\x{130}\\x{3a3}]``), so that no character needs RE2's quoting."""
    return "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _case_unsafe_chars()) + "]"


@lru_cache(maxsize=1)
def _case_unsafe_table() -> np.ndarray:
    """Boolean lookup over all code points: True where lower-casing a whole text and then
    finding its ``\\w`` runs can differ from lower-casing each run on its own.

    U+0130 (İ, whose lower case "i̇" ends with a character that is not ``\\w``), U+03A3
    (Σ, whose lower case depends on the letters around it: Unicode's Final_Sigma rule,
    the only context ``str.lower`` uses) and every character whose lower case is a word
    character when it is not, or the other way round. Every other character lower-cases
    to one character of its own class, so the runs and their lower-cased strings agree.
    """
    word = _word_table()
    fold = _fold_table()
    table = np.zeros(0x110000, dtype=bool)
    cps = np.flatnonzero(fold < 0x110000)
    table[cps] = word[cps] != word[fold[cps]]
    table[0x130] = table[0x3A3] = True
    return table


@lru_cache(maxsize=1)
def _fold_table() -> np.ndarray:
    """uint32 lookup over all code points: the lower-case form of each character alone.

    ``chr(c).lower()`` wherever that is one character (every code point but U+0130,
    whose lower case "i̇" is two; it gets the code 0x110000, which no character has).
    Per character, so U+03A3 is always σ (``str.lower`` makes a word-final Σ ς).
    """
    table = np.arange(0x110001, dtype=np.uint32)[:-1]
    cps = np.r_[0:0xD800, 0xE000:0x110000]
    dotted = int(np.searchsorted(cps, 0x130))
    for part in (cps[:dotted], cps[dotted + 1 :]):
        text = part.astype("<u4").tobytes().decode("utf-32-le")
        lower = np.frombuffer(text.lower().encode("utf-32-le"), dtype=np.uint32)
        table[part] = lower
    table[0x130] = 0x110000
    table[0x3A3] = 0x3C3
    return table


def _folded(cp: np.ndarray) -> np.ndarray:
    """:func:`_fold_table` of the code points ``cp``, kept as narrow as ``cp`` where the
    folded codes fit (ASCII folds to ASCII; in the BMP only U+0130 folds outside it), so
    that hashing reads 1 or 2 bytes a character instead of 4 (the same values)."""
    if cp.dtype == np.uint8:
        return _narrow_fold(np.uint8)[cp]
    if cp.dtype == np.uint16 and not (cp == 0x130).any():
        return _narrow_fold(np.uint16)[cp]
    return _fold_table()[cp]


@lru_cache(maxsize=2)
def _narrow_fold(dtype: type) -> np.ndarray:
    """The first ``2**bits`` entries of :func:`_fold_table` as ``dtype`` (an entry that
    does not fit, U+0130's, is never looked up: :func:`_folded` checks for it)."""
    size = np.iinfo(dtype).max + 1
    table = _fold_table()[:size]
    return np.where(table < size, table, 0).astype(dtype)


def word_keys(texts: Iterable[str] | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A 64-bit key of every word token, equal for words equal up to case.

    The key hashes the token's characters after :func:`_fold_table` (each character's
    own lower case) with the vectorised backend's hash, so it needs no vocabulary: this
    is what near-duplicate sketches use (:mod:`analysis.duplicates`). Distinct words get
    distinct keys unless two 64-bit hashes collide.

    Returns
    -------
    keys : uint64 array
        One per word token, all texts concatenated.
    n_tokens : int64 array
        Word tokens per text (text ``u``'s keys are the ``n_tokens[u]`` after the
        previous texts').
    """
    texts = _as_texts(texts)
    n_tokens = np.zeros(len(texts), dtype=np.int64)
    keys = []
    for i, j, _, cp, starts, ends in _scan(texts, _COUNT_CHUNK_CHARS, split=True):
        n_tokens[i:j] += _per_text(texts, i, j, starts, len(cp))  # a long text: its pieces' sum
        keys.append(_token_keys(_folded(cp), starts, ends - starts))
    return (np.concatenate(keys) if keys else np.zeros(0, dtype=np.uint64)), n_tokens


def _keep_tokens(
    ids: np.ndarray, offsets: np.ndarray, keep: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The tokens of ``ids`` where ``keep`` holds, and the texts' offsets into them.

    ``offsets`` (n_texts + 1, ``offsets[-1] == len(ids)``) delimit the texts in ``ids``;
    text ``u``'s kept tokens are ``out[new_offsets[u]:new_offsets[u + 1]]``. Each
    text's kept tokens are summed over its slice of ``keep`` (as bytes: numpy sums bool
    into int64 slowly), and the new offsets are their cumulative sum: no count per
    token (a running count per token was an int64 array of 0.26 GB for the UN General
    Debate's 32 M tokens, about 1 s of fresh memory to fault in).
    """
    keep = np.asarray(keep, dtype=bool)
    offsets = np.asarray(offsets, dtype=np.int64)
    per_text = np.zeros(len(offsets) - 1, dtype=np.int64)
    filled = np.flatnonzero(offsets[1:] > offsets[:-1])
    if len(filled):
        # the starts of the non-empty texts increase strictly, and each text's slice runs
        # to the next one's start (empty texts between them hold nothing): reduceat's
        # segments are the texts
        # summed in int32 (a text's tokens fit; numpy's int64 reduceat of bytes is several
        # times slower), in int64 only for a text of 2**31 tokens or more
        wide = int(np.diff(offsets).max()) >= 2**31
        per_text[filled] = np.add.reduceat(
            keep.view(np.uint8), offsets[filled], dtype=np.int64 if wide else np.int32
        )
    new_offsets = np.zeros(len(offsets), dtype=np.int64)
    np.cumsum(per_text, out=new_offsets[1:])
    return ids[keep], new_offsets


# --------------------------------------------------------------------------- regex backend

# ``(?u)\b\w\w+\b`` finds exactly the maximal runs of two or more word characters, which is
# what ``\w\w+`` finds too (a findall scan only ever starts a match at the start of a run),
# at about half the cost: the ``\b`` assertions are the slow part of the default pattern.
_EQUIVALENT_PATTERNS = {TOKEN_PATTERN: r"\w\w+", r"(?u)\b\w+\b": r"\w+"}
#: Patterns that find the maximal ``\w`` runs of at least this many characters: the
#: vectorised backend finds them (:func:`_pattern_runs`), with the same tokens.
_RUN_PATTERNS = {TOKEN_PATTERN: 2, r"\w\w+": 2, r"(?u)\b\w+\b": 1, r"\w+": 1}


def _pattern_runs(
    texts: Iterable[str] | pd.Series,
    min_len: int,
    *,
    lowercase: bool,
    drop: frozenset[str] | None,
    stem_filter: Callable[[str], bool] | None,
    n_tokens: np.ndarray | None,
    words: list[Tokens] | None = None,
) -> Tokens:
    """The tokens of a pattern of :data:`_RUN_PATTERNS` (``re.findall(pattern,
    text.lower())`` per text), found by the vectorised backend instead of the regular
    expression: the ``\\w`` runs of the lower-cased texts (:func:`_run_ids`), those of
    fewer than ``min_len`` characters and the ``drop`` types left out by type, not by
    token. About three times faster than the regex in one process (no worker is
    forked) and without its per-token Python objects; the same token stream, type
    strings and stems (tested against the regex on Unicode text), though the type ids
    are numbered in another order (by first appearance among all runs).

    ``words`` (with ``lowercase``): ``[word_tokens(texts)]``, whose runs are taken
    instead of scanning the texts again (:func:`_lowered_runs`); the list is emptied,
    so that its token ids can be freed once the kept ones are copied out.
    """
    texts = _as_texts(texts)
    if words:
        ids, runs_per_text, vocab = _lowered_runs(words.pop(), texts)
    else:
        ids, runs_per_text, vocab = _run_ids(texts, lowercase=lowercase, lowered_text=True)
    types = np.array(list(vocab), dtype=object)
    keep_type = np.fromiter(map(len, types), dtype=np.int64, count=len(types)) >= min_len
    if drop:
        keep_type &= ~np.fromiter((t in drop for t in types), dtype=bool, count=len(types))
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(runs_per_text, out=offsets[1:])
    ids, offsets = _keep_tokens(ids, offsets, keep_type[ids])
    stems = None
    if stem_filter is not None:
        stems = np.array([stem(t) if stem_filter(t) else None for t in types], dtype=object)
    if n_tokens is None:
        n_tokens = count_words(texts)
    return Tokens(ids, offsets, types, np.asarray(n_tokens, dtype=np.int64), _stems=stems)


@dataclass
class _Chunk:
    ids: np.ndarray  # int32 local type id per kept token
    kept_lens: np.ndarray  # int64 kept tokens per text
    types: list[str]  # local type strings, index = local id
    stems: list[str | None] | None  # stem of each local type (None: not needed)


def _tokenize_texts(
    texts: Iterable[str],
    n_texts: int,
    pattern: re.Pattern[str],
    lowercase: bool,
    stem_filter: Callable[[str], bool] | None,
    drop: frozenset[str] | None,
) -> _Chunk:
    vocab = Vocab()
    get = vocab.__getitem__
    findall = pattern.findall
    lens = np.empty(n_texts, dtype=np.int64)
    # 4 bytes a token as they come (a list of lists would hold 8 more per token, and a
    # copy at the end: about 0.4 GB more on the UN General Debate's 32 M tokens)
    buffer = array("i")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            text = ""
        toks = findall(text.lower() if lowercase else text)
        lens[i] = len(toks)
        buffer.extend(map(get, toks))
    ids = np.frombuffer(buffer, dtype=np.int32) if len(buffer) else np.zeros(0, dtype=np.int32)
    types = list(vocab)
    stems = None
    if stem_filter is not None:
        stems = [stem(t) if stem_filter(t) else None for t in types]
    kept_lens = lens
    if drop:
        keep = ~np.fromiter((t in drop for t in types), dtype=bool, count=len(types))[ids]
        offsets = np.zeros(n_texts + 1, dtype=np.int64)
        np.cumsum(lens, out=offsets[1:])
        ids, offsets = _keep_tokens(ids, offsets, keep)
        kept_lens = np.diff(offsets)
    return _Chunk(ids, kept_lens, types, stems)


_JOB: dict = {}  # inherited by forked workers


def _work(bounds: tuple[int, int]) -> _Chunk:
    lo, hi = bounds
    texts = _JOB["texts"].iloc[lo:hi].tolist()  # materialised in the worker only
    return _tokenize_texts(
        texts, hi - lo, _JOB["pattern"], _JOB["lowercase"], _JOB["stem_filter"], _JOB["drop"]
    )


def _iter_chunks(texts: pd.Series, bounds: list[tuple[int, int]]) -> Iterator[str]:
    for lo, hi in bounds:  # a few chunks at a time, not the whole corpus, as str
        yield from texts.iloc[lo:hi].tolist()


def _chunk_bounds(sizes: np.ndarray, n_chunks: int) -> list[tuple[int, int]]:
    """Split ``len(sizes)`` texts into about ``n_chunks`` runs of similar total size."""
    n = len(sizes)
    cum = np.cumsum(sizes)
    total = int(cum[-1]) if n else 0
    cuts = np.searchsorted(cum, np.linspace(0, total, n_chunks + 1)[1:-1], side="left") + 1
    edges = sorted({0, n, *(min(int(c), n) for c in cuts)})
    return [(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


def _resolve_jobs(n_jobs: int | None, total_chars: int) -> int:
    from ._parallel import available_cpus, cpus_for

    if n_jobs:  # a number as joblib reads it (positive, or -1 for all, -2 all but one, ...)
        jobs = cpus_for(n_jobs)
    else:
        jobs = available_cpus()
        if total_chars < PARALLEL_MIN_CHARS:
            jobs = 1
    if not sys.platform.startswith("linux"):  # fork is the only cheap way to share texts
        jobs = 1
    if jobs > 1:
        from ._parallel import _in_worker

        if _in_worker():  # a Dask worker or a daemon process: its cluster spreads the work
            jobs = 1
    return jobs


def _regex_tokens(
    texts: Iterable[str] | pd.Series,
    token_pattern: str,
    *,
    lowercase: bool,
    drop: frozenset[str] | None,
    stem_filter: Callable[[str], bool] | None,
    n_tokens: np.ndarray | None,
    n_jobs: int | None,
) -> Tokens:
    """The regex backend of :func:`word_tokens` (tokens dropped by ``drop`` never reach the parent)."""
    if token_pattern in _RUN_PATTERNS:
        return _pattern_runs(
            texts, _RUN_PATTERNS[token_pattern], lowercase=lowercase, drop=drop,
            stem_filter=stem_filter, n_tokens=n_tokens,
        )  # fmt: skip
    if not isinstance(texts, pd.Series):
        texts = pd.Series(list(texts), dtype=object)
    pattern = _compile(_EQUIVALENT_PATTERNS.get(token_pattern, token_pattern))
    sizes = texts.str.len().fillna(0).to_numpy(dtype=np.int64)
    jobs = _resolve_jobs(n_jobs, int(sizes.sum()))
    if jobs <= 1 or len(texts) < 2:
        it = _iter_chunks(texts, _chunk_bounds(sizes, max(1, int(sizes.sum()) // 20_000_000)))
        chunks = [_tokenize_texts(it, len(texts), pattern, lowercase, stem_filter, drop)]
    else:
        import multiprocessing as mp

        if stem_filter is not None:
            stem("warm")  # import nltk once, here, not in every worker
        bounds = _chunk_bounds(sizes, 4 * jobs)
        _JOB.update(
            texts=texts, pattern=pattern, lowercase=lowercase, stem_filter=stem_filter, drop=drop
        )
        try:
            with mp.get_context("fork").Pool(min(jobs, len(bounds))) as pool:
                chunks = list(pool.imap(_work, bounds))
        finally:
            _JOB.clear()
    if n_tokens is None:
        n_tokens = count_words(texts)
    n_tokens = np.asarray(n_tokens, dtype=np.int64)
    kept_lens = np.concatenate([c.kept_lens for c in chunks])
    offsets = np.zeros(len(kept_lens) + 1, dtype=np.int64)
    np.cumsum(kept_lens, out=offsets[1:])
    if len(chunks) == 1:
        c = chunks[0]
        stems = None if c.stems is None else np.array(c.stems, dtype=object)
        return Tokens(c.ids, offsets, np.array(c.types, dtype=object), n_tokens, _stems=stems)
    # merge the chunk vocabularies: global ids in order of first appearance
    all_types = np.asarray([t for c in chunks for t in c.types], dtype=object)
    codes, uniq = pd.factorize(all_types)
    stems = None
    if stem_filter is not None:
        all_stems = [st for c in chunks for st in c.stems]
        first = np.full(len(uniq), -1, dtype=np.int64)
        first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # any occurrence will do
        stems = np.array([all_stems[i] for i in first.tolist()], dtype=object)
    ids_parts = []
    start = 0
    for c in chunks:
        remap = codes[start : start + len(c.types)].astype(np.int32)
        start += len(c.types)
        ids_parts.append(remap[c.ids])
    return Tokens(
        np.concatenate(ids_parts), offsets, np.asarray(uniq, dtype=object), n_tokens, _stems=stems
    )


def stop_word_set(
    stop_words: str | Iterable[str] | None,
    extra_stop_words: Iterable[str] | None = None,
    *,
    lowercase: bool = True,
) -> frozenset[str]:
    """The stop words to drop: ``"english"`` (scikit-learn's list), a list of words, or None,
    plus ``extra_stop_words``; lower-cased when ``lowercase``. Shared by
    :func:`analysis.build_dtm` and :func:`analysis.collocations`."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    if stop_words is None:
        base: frozenset[str] = frozenset()
    elif isinstance(stop_words, str):
        if stop_words != "english":
            raise AnalysisError(
                f"stop_words={stop_words!r} is not known; use 'english', a list of words, or None"
            )
        base = frozenset(ENGLISH_STOP_WORDS)
    else:
        try:
            words = list(stop_words)
        except TypeError:
            raise AnalysisError(
                f"stop_words={stop_words!r} is invalid; use 'english', a list of words, or None"
            ) from None
        base = _word_set("stop_words", words, lowercase)
    if extra_stop_words is not None:
        if isinstance(extra_stop_words, str):
            raise AnalysisError(
                f"extra_stop_words={extra_stop_words!r} is a string; give a list of words"
            )
        base = base | _word_set("extra_stop_words", list(extra_stop_words), lowercase)
    return base


def _word_set(name: str, words: list, lowercase: bool) -> frozenset[str]:
    bad = [w for w in words if not isinstance(w, str)]
    if bad:
        raise AnalysisError(f"{name} contains a non-string entry {bad[0]!r}; give words as strings")
    return frozenset(w.lower() if lowercase else w for w in words)
