"""read_corpus in worker processes equals the one-process load; its vectorised parts equal
their plain references (the normalisation regexes, per-text sketches, np.unique for
bottom-k); a text's sketch depends on that text alone."""

from __future__ import annotations

import re
import sys
import unicodedata
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import AnalysisError, InputWarning, read_corpus
from analysis.clean import normalize_text
from analysis.duplicates import _bottom_k, _sketch, sketch_keys, sketches
from analysis.tokens import _fold_table, _folded, word_keys

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork is Linux-only")


def _reference_normalize(text: str) -> str:
    """The regex chain normalize_text always ran (before it skipped the passes a text does
    not need)."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = re.sub("[\u00a0\u2007\u202f\u2000-\u2006\u2008-\u200a\u3000\t]", " ", text)
    text = re.sub("[\ufeff\u200b\u200c\u200d\u2060\u00ad]", "", text)
    return re.sub(r"[ ]+\n", "\n", text)


TRICKY = "ab \n\r\t\u00a0\u2007\u202f\u2003\u3000\ufeff\u200b\u200d\u00ad\u2028\u0301eé😀\ud800"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(TRICKY) | st.characters(), max_size=40))
def test_normalize_text_equals_the_regex_chain(text):
    assert normalize_text(text) == _reference_normalize(text)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 300), max_size=600),
    st.integers(1, 140),
)
def test_bottom_k_equals_unique_then_cut(values, k):
    x = np.asarray(values, dtype=np.uint64)
    assert np.array_equal(_bottom_k(x, k), np.unique(x)[:k])


def _fnv_reference(word: str) -> int:
    """64-bit FNV-1a over the case-folded code points, then the length (plain Python)."""
    h, mask = 14695981039346656037, (1 << 64) - 1
    for ch in word:
        low = ch.lower()
        cp = 0x110000 if len(low) != 1 else (0x3C3 if ch == "\u03a3" else ord(low))
        h = ((h ^ cp) * 1099511628211) & mask
    return ((h ^ len(word)) * 1099511628211) & mask


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("aAbBİiΣσς_1 .é́"), max_size=30), max_size=6))
def test_word_keys_equal_a_plain_fnv_of_the_folded_words(texts):
    keys, n_tokens = word_keys(texts)
    words = [w for t in texts for w in re.findall(r"\w+", t)]
    assert list(n_tokens) == [len(re.findall(r"\w+", t)) for t in texts]
    assert keys.tolist() == [_fnv_reference(w) for w in words]


@pytest.mark.parametrize("chunk_chars", [1, 7, 64, 1 << 20])
def test_word_keys_do_not_depend_on_the_chunks(monkeypatch, chunk_chars):
    # the texts are keyed a chunk of characters at a time; any chunking gives the keys
    # and counts of the whole
    from analysis import tokens

    texts = ["Peace and İstanbul", "", "σ Σ ς  war", "a " * 40, "é́ 1_2 x"] * 3
    monkeypatch.setattr(tokens, "_COUNT_CHUNK_CHARS", chunk_chars)
    keys, n_tokens = word_keys(texts)
    words = [w for t in texts for w in re.findall(r"\w+", t)]
    assert list(n_tokens) == [len(re.findall(r"\w+", t)) for t in texts]
    assert keys.tolist() == [_fnv_reference(w) for w in words]


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(
        st.text(alphabet=st.sampled_from(list("aAİΣς_1 .é́-\n\ud800𝐀")), max_size=60), max_size=4
    ),
    chunk=st.integers(1, 25),
)
def test_a_long_text_is_keyed_and_counted_in_pieces_as_a_whole(texts, chunk):
    # a text longer than a chunk is cut just before non-word characters: its pieces give
    # the keys (in order) and the count of the whole text
    from analysis import tokens

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tokens, "_COUNT_CHUNK_CHARS", chunk)
        keys, n_tokens = word_keys(texts)
        counted = tokens.count_words(texts)
    words = [w for t in texts for w in re.findall(r"\w+", t)]
    assert list(n_tokens) == list(counted) == [len(re.findall(r"\w+", t)) for t in texts]
    assert keys.tolist() == [_fnv_reference(w) for w in words]


def test_a_long_text_is_scanned_in_pieces_of_about_a_chunk():
    from analysis import tokens

    text = " ".join(f"word{i % 97}" for i in range(5_000)) + " " + "x" * 300
    pieces = [
        (i, j, piece) for i, j, piece, *_ in tokens._scan(tokens._as_texts([text]), 100, split=True)
    ]
    assert "".join(p for *_, p in pieces) == text and {(i, j) for i, j, _ in pieces} == {(0, 1)}
    # each piece ends where the next non-word character is, at most one word past 100
    assert max(len(p) for *_, p in pieces[:-1]) <= 100 + len("word96")
    assert len(pieces[-1][2]) >= 300  # a word longer than a chunk is not cut
    whole = next(tokens._scan(tokens._as_texts([text]), 100))[2]
    assert whole == text  # without split, one chunk of the whole text


def test_word_keys_scan_in_small_chunks(monkeypatch):
    # chunks of 1 M characters: for prose (about 6 characters a token) each int64 array
    # of a chunk takes about 1.4 MB, under the 4 MiB above which numpy asks for huge
    # pages (slow to fault in on some virtual machines), and the allocator reuses them
    from analysis import tokens

    asked = []
    real = tokens._scan

    def scan(texts, chunk_chars=tokens._CHUNK_CHARS, **options):
        asked.append(chunk_chars)
        return real(texts, chunk_chars, **options)

    monkeypatch.setattr(tokens, "_scan", scan)
    word_keys(["a b c"])
    assert asked == [tokens._COUNT_CHUNK_CHARS] and tokens._COUNT_CHUNK_CHARS <= 1 << 20


def test_folded_code_points_keep_their_width_and_values():
    fold = _fold_table()
    ascii_cp = np.arange(128, dtype=np.uint8)
    bmp = np.r_[0:0x130, 0x131:0xD800, 0xE000:0x10000].astype(np.uint16)
    with_dotted_i = np.array([0x41, 0x130, 0x3A3], dtype=np.uint16)
    wide = np.array([0x41, 0x10400, 0x1F600], dtype=np.uint32)
    for cp, dtype in (
        (ascii_cp, np.uint8),
        (bmp, np.uint16),
        (with_dotted_i, np.uint32),
        (wide, np.uint32),
    ):
        got = _folded(cp)
        assert got.dtype == dtype
        assert np.array_equal(got.astype(np.uint32), fold[cp])


def test_word_keys_ignore_case_only():
    keys, _ = word_keys(["Peace PEACE peace peaces Σ σ"])
    assert keys[0] == keys[1] == keys[2] != keys[3] and keys[4] == keys[5]


def test_block_sketches_equal_the_per_text_reference(mini_dir):
    corpus = read_corpus(mini_dir, dedupe_threshold=None)
    texts = list(corpus["text"]) + ["", "one", "one two three four", "w " * 400]
    keys, n_tokens = word_keys(texts)
    off = np.concatenate([[0], np.cumsum(n_tokens)])
    for n, k in ((5, 128), (1, 3), (3, 500)):
        got = sketch_keys(keys, n_tokens, n=n, k=k)
        assert len(got) == len(texts)
        for u, g in enumerate(got):
            r = _sketch(keys[off[u] : off[u + 1]], n, k)
            assert g.dtype == r.dtype and np.array_equal(g, r)


@linux_only
def test_workers_give_the_one_process_table(mini_dir, seeds_dir):
    for path in (mini_dir, seeds_dir):
        one = read_corpus(path, n_jobs=1)
        two = read_corpus(path, n_jobs=2)
        pd.testing.assert_frame_equal(one, two)
        assert one.attrs["clean_rules"] == two.attrs["clean_rules"]


@linux_only
def test_workers_on_a_table_corpus(tmp_path, mini_dir):
    rows = read_corpus(mini_dir, clean=False)[["doc_id", "raw_text"]].rename(
        columns={"raw_text": "body"}
    )
    path = tmp_path / "speeches.csv"
    rows.to_csv(path, index=False)
    one = read_corpus(path, text_column="body", n_jobs=1)
    two = read_corpus(path, text_column="body", n_jobs=2)
    pd.testing.assert_frame_equal(one, two)


def _files(n: int, **extra: str | bytes) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {
        f"d{i:02d}.txt": f"Document {i} says hello to the assembly, number {i}.\n" for i in range(n)
    }
    files.update(extra)
    return files


@linux_only
def test_a_bad_file_read_by_a_worker_is_the_same_one_line_error(make_corpus):
    root = make_corpus(_files(12, **{"d07.txt": b"abc\x00\x01\x02binary"}))
    messages = []
    for jobs in (1, 2):
        with pytest.raises(AnalysisError, match=r"d07\.txt: looks like a binary file") as info:
            read_corpus(root, n_jobs=jobs)
        messages.append(str(info.value))
    assert messages[0] == messages[1] and "\n" not in messages[1]
    assert info.value.__cause__ is None  # no worker traceback attached


@linux_only
def test_warnings_from_workers_reach_the_caller_in_file_order(make_corpus):
    latin = "Caf\xe9 au lait for the delegates.\n".encode("latin-1")
    root = make_corpus(_files(12, **{"d03.txt": latin, "d09.txt": latin}))
    seen = {}
    for jobs in (1, 2):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            read_corpus(root, n_jobs=jobs, dedupe_threshold=None)
        seen[jobs] = [str(w.message) for w in caught if issubclass(w.category, InputWarning)]
        assert caught[0].filename == __file__  # attributed to the caller of read_corpus
    assert seen[1] == seen[2]
    assert [m.split(":")[0].rsplit("/", 1)[-1] for m in seen[2]] == ["d03.txt", "d09.txt"]


def test_a_sketch_depends_on_its_text_alone():
    texts = ["the general assembly met in new york to debate peace and security today"] * 2
    texts[1] = texts[1].upper()
    alone = sketches(texts[:1])[0]
    among = sketches(["other words first", *texts])
    assert np.array_equal(alone, among[1]) and np.array_equal(alone, among[2])
    assert len(alone) == len(texts[0].split()) - 5 + 1


@linux_only
def test_clean_audit_in_workers_equals_one_process(seed_corpus):
    from analysis import clean_audit

    one = clean_audit(seed_corpus, n_jobs=1)
    assert len(one) > 0  # the seeds have page furniture
    pd.testing.assert_frame_equal(clean_audit(seed_corpus, n_jobs=2), one)


def test_clean_audit_a_chunk_of_documents_at_a_time_equals_one_pass(seed_corpus, monkeypatch):
    # one process audits chunks of about _AUDIT_CHARS characters (only a chunk's texts are
    # Python strings at once); the rows and their order do not depend on the chunks
    import analysis.clean as clean_module
    from analysis import clean_audit

    whole = clean_audit(seed_corpus, n_jobs=1)
    seen = []
    real = clean_module._audit_chunk
    monkeypatch.setattr(clean_module, "_AUDIT_CHARS", 1)  # a document per chunk
    monkeypatch.setattr(clean_module, "_audit_chunk", lambda b: seen.append(b) or real(b))
    pd.testing.assert_frame_equal(clean_audit(seed_corpus, n_jobs=1), whole)
    assert len(seen) == len(seed_corpus)


@linux_only
def test_the_workers_are_gone_before_the_table_is_built(mini_dir, monkeypatch):
    """The reader's workers exit once the last chunk is back: alive while the parent
    builds the table, they kept about 0.6x the text more in the summed memory
    (benchmarks/README.md, "One text file, read a block at a time")."""
    import multiprocessing as mp

    from analysis import corpus as corpus_module

    alive = []
    real = corpus_module._str_column
    monkeypatch.setattr(
        corpus_module, "_str_column", lambda v: alive.append(len(mp.active_children())) or real(v)
    )
    read_corpus(mini_dir, n_jobs=2, progress=False)
    assert alive == [0, 0]
