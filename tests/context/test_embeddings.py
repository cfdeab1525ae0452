"""fit_embeddings, load_embeddings and Embeddings against straightforward implementations."""

from __future__ import annotations

import gzip
import math
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from analysis import read_corpus
from analysis.context.embeddings import (
    MIN_EMBEDDING_TOKENS,
    Embeddings,
    _cooccurrence,
    _counts,
    _ppmi,
    embeddings_note,
    fit_embeddings,
    load_embeddings,
)
from analysis.errors import AnalysisError
from analysis.text import segment

ROOT = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- references


def loop_counts(units: list[list[int]], n_vocab: int, window: int) -> np.ndarray:
    """#(w, c): for every position i and every j != i within window in the same unit."""
    out = np.zeros((n_vocab, n_vocab), dtype=np.int64)
    for toks in units:
        for i, w in enumerate(toks):
            for j in range(max(0, i - window), min(len(toks), i + window + 1)):
                if j != i:
                    out[w, toks[j]] += 1
    return out


def loop_stream(
    corpus: pd.DataFrame, unit: str, min_count: int, stop: set[str]
) -> tuple[list[str], list[list[str]]]:
    """The vocabulary (count desc, then term) and each unit's filtered words, in plain Python."""
    words = [re.findall(r"\w+", t.lower()) for t in segment(corpus, unit)["text"]]
    freq = Counter(w for ws in words for w in ws)
    vocab = sorted(
        (w for w, n in freq.items() if n >= min_count and w not in stop),
        key=lambda w: (-freq[w], w),
    )
    keep = set(vocab)
    return vocab, [[w for w in ws if w in keep] for ws in words]


def dense_ppmi(counts: np.ndarray, a: float) -> np.ndarray:
    """The formula of the docstring, entry by entry."""
    counts = counts.astype(float)
    row, col = counts.sum(1), counts.sum(0)
    z = sum(c**a for c in col if c > 0)
    out = np.zeros_like(counts)
    for w in range(counts.shape[0]):
        for c in range(counts.shape[1]):
            if counts[w, c] > 0:
                out[w, c] = max(0.0, math.log(counts[w, c] * z / (row[w] * col[c] ** a)))
    return out


def mixed_corpus() -> pd.DataFrame:
    """A corpus with repeated words, paragraphs, sentences, stop words and rare words."""
    rng = np.random.default_rng(7)
    words = ["alpha", "beta", "gamma", "delta", "the", "of", "peace", "war", "Peace", "rare1"]
    docs = []
    for d in range(12):
        paras = []
        for _ in range(int(rng.integers(1, 4))):
            sents = []
            for _ in range(int(rng.integers(1, 4))):
                n = int(rng.integers(1, 9))
                sents.append(" ".join(rng.choice(words[:-1], size=n)) + ".")
            paras.append(" ".join(sents))
        docs.append({"doc_id": f"d{d}", "text": "\n\n".join(paras) + (" rare1" if d == 0 else "")})
    return pd.DataFrame(docs)


# --------------------------------------------------------------------------- co-occurrence


@pytest.mark.parametrize("window", [1, 2, 3, 6])
@pytest.mark.parametrize("chunk", [1, 3, 7, 1 << 20])
def test_cooccurrence_equals_loop_count(window, chunk):
    rng = np.random.default_rng(window * 100 + chunk % 97)
    lengths = rng.integers(0, 12, size=25)  # empty and one-token units included
    units = [list(rng.integers(0, 9, size=n)) for n in lengths]
    ids = np.concatenate([np.asarray(u, dtype=np.int64) for u in units])
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    got = _cooccurrence(ids, offsets, 9, window, block_cells=chunk)
    assert got.dtype == np.int64 and got.has_canonical_format
    np.testing.assert_array_equal(got.toarray(), loop_counts(units, 9, window))


def test_counts_from_corpus_equal_loop_count():
    corpus = mixed_corpus()
    for unit in ("document", "paragraph", "sentence"):
        for min_count, stop in ((1, set()), (3, set(ENGLISH_STOP_WORDS)), (2, {"war", "beta"})):
            stop_words = "english" if stop == set(ENGLISH_STOP_WORDS) else sorted(stop) or None
            terms, counts, n_tokens, n_units = _counts(
                corpus,
                window=2,
                min_count=min_count,
                unit=unit,
                drop=frozenset(stop),
            )
            vocab, streams = loop_stream(corpus, unit, min_count, stop)
            assert terms.tolist() == vocab, (unit, min_count, stop_words)
            index = {w: i for i, w in enumerate(vocab)}
            want = loop_counts([[index[w] for w in s] for s in streams], len(vocab), 2)
            np.testing.assert_array_equal(counts.toarray(), want)
            assert n_tokens == sum(len(re.findall(r"\w+", t)) for t in corpus["text"])
            assert n_units == len(segment(corpus, unit))


def test_windows_never_cross_units():
    text = "Peace holds here. Treaties matter now.\n\nPeace matters. Treaties hold."
    corpus = pd.DataFrame({"doc_id": ["a"], "text": [text]})
    assert len(segment(corpus, "sentence")) == 4
    tables = {}
    for unit in ("document", "paragraph", "sentence"):
        terms, c, _, _ = _counts(corpus, window=6, min_count=1, unit=unit, drop=frozenset())
        tables[unit] = pd.DataFrame(c.toarray(), index=terms, columns=terms)

    def pair(unit: str, a: str, b: str) -> int:
        return int(tables[unit].loc[a, b])

    # "here" (2) and "treaties" (3, 8): 1 and 6 apart in the document, in other sentences
    assert pair("document", "here", "treaties") == 2
    assert pair("paragraph", "here", "treaties") == 1
    assert pair("sentence", "here", "treaties") == 0
    # "now" ends paragraph 1 and "peace" starts paragraph 2
    assert pair("document", "now", "peace") == 2  # 5 apart from one, 1 from the other
    assert pair("paragraph", "now", "peace") == 1
    assert pair("sentence", "now", "peace") == 0
    assert pair("sentence", "peace", "holds") == 1 and pair("sentence", "peace", "matters") == 1


def test_stop_words_are_dropped_before_windowing():
    corpus = pd.DataFrame({"doc_id": ["a"], "text": ["peace the of and war"]})
    terms, counts, _, _ = _counts(
        corpus, window=1, min_count=1, unit="document", drop=frozenset({"the", "of", "and"})
    )
    assert terms.tolist() == ["peace", "war"]
    np.testing.assert_array_equal(counts.toarray(), [[0, 1], [1, 0]])


def test_vocabulary_order_and_min_count():
    corpus = pd.DataFrame({"doc_id": ["a", "b"], "text": ["b a c c b", "a a z c d d"]})
    terms, _, _, _ = _counts(corpus, window=1, min_count=2, unit="document", drop=frozenset())
    assert terms.tolist() == ["a", "c", "b", "d"]  # 3, 3, 2, 2: count desc, then term


# --------------------------------------------------------------------------- PPMI and SVD


@pytest.mark.parametrize("a", [0.75, 1.0, 0.5])
def test_ppmi_equals_dense_formula(a):
    rng = np.random.default_rng(3)
    upper = np.triu(rng.poisson(0.8, size=(15, 15)))
    counts = upper + upper.T
    counts[4] = counts[:, 4] = 0  # a word that never co-occurs
    got = _ppmi(sp.csr_matrix(counts), a).toarray()
    np.testing.assert_allclose(got, dense_ppmi(counts, a), rtol=1e-12, atol=1e-12)
    assert (got >= 0).all() and (got[counts == 0] == 0).all()


def test_plain_ppmi_is_the_textbook_formula():
    counts = np.array([[0, 4, 1], [4, 0, 2], [1, 2, 2]])
    d, row = counts.sum(), counts.sum(1)
    want = np.maximum(0, np.log(np.where(counts > 0, counts * d / np.outer(row, row), 1)))
    np.testing.assert_allclose(_ppmi(sp.csr_matrix(counts), 1.0).toarray(), want, rtol=1e-13)


def test_vectors_are_the_dense_svd_with_eigenvalue_weighting():
    corpus = mixed_corpus()
    emb = fit_embeddings(corpus, dim=3, window=2, min_count=1, unit="sentence", cds=0.75)
    terms, counts, _, _ = _counts(corpus, window=2, min_count=1, unit="sentence", drop=frozenset())
    u, s, _ = np.linalg.svd(dense_ppmi(counts.toarray(), 0.75))
    u, s = u[:, :3], s[:3]
    for k in range(3):  # the sign rule: largest |entry| of each column positive
        big = int(np.argmax(np.abs(u[:, k])))
        u[:, k] *= np.sign(u[big, k])
    assert emb.terms.tolist() == terms.tolist()
    np.testing.assert_allclose(emb.vectors, u * np.sqrt(s), atol=1e-9)
    norms = np.linalg.norm(emb.vectors, axis=0)
    assert (np.diff(norms**2) <= 1e-9).all()  # columns by singular value, descending


# --------------------------------------------------------------------------- fit_embeddings


def test_planted_structure(family_corpus):
    emb = fit_embeddings(family_corpus, dim=4, window=4, min_count=5)
    assert emb.most_similar("apple", top_n=1)["term"].tolist() == ["pear"]
    assert emb.most_similar("car", top_n=1)["term"].tolist() == ["truck"]
    sims = emb.most_similar("apple", top_n=None).set_index("term")["similarity"]
    assert sims["pear"] > sims["truck"] + 0.3


def test_fit_is_bit_identical_for_a_seed(mini_dir):
    corpus = read_corpus(mini_dir)
    a = fit_embeddings(corpus, dim=20, window=4, min_count=2, seed=5)
    b = fit_embeddings(corpus, dim=20, window=4, min_count=2, seed=5)
    assert a.vectors.tobytes() == b.vectors.tobytes()
    assert a.terms.tolist() == b.terms.tolist() and a.params == b.params
    assert a.params == {
        "method": "ppmi-svd",
        "dim": 20,
        "window": 4,
        "min_count": 2,
        "unit": "document",
        "stop_words": None,
        "cds": 0.75,
        "seed": 5,
        "n_tokens": int(corpus["n_tokens"].sum()),
        "n_units": len(corpus),
    }
    c = fit_embeddings(corpus, dim=20, window=4, min_count=2, seed=6)
    # another start vector converges to the same subspace (to ARPACK's tolerance)
    np.testing.assert_allclose(np.abs(c.vectors[:, :5]), np.abs(a.vectors[:, :5]), atol=1e-6)


def test_fit_honours_min_count_and_stop_words(mini_dir):
    corpus = read_corpus(mini_dir)
    emb = fit_embeddings(corpus, dim=10, window=3, min_count=4, stop_words="english")
    vocab, _ = loop_stream(corpus, "document", 4, set(ENGLISH_STOP_WORDS))
    assert emb.terms.tolist() == vocab
    assert "the" not in emb and "united" in emb
    assert emb.params["stop_words"] == "english"
    own = fit_embeddings(corpus, dim=10, window=3, min_count=4, stop_words=["united", "Nations"])
    assert "united" not in own and "nations" not in own and "the" in own
    assert own.params["stop_words"] == ["nations", "united"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"dim": 0}, r"dim=0 must be a whole number >= 1"),
        ({"window": 0}, r"window=0 must be a whole number >= 1"),
        ({"min_count": 0}, r"min_count=0 must be"),
        ({"cds": 0}, r"cds=0 must be a number with 0 < cds <= 1"),
        ({"cds": 1.5}, r"cds=1.5 must be"),
        ({"unit": "page"}, r"unit='page' is not one of document, paragraph, sentence"),
        ({"seed": -1}, r"seed=-1 must be"),
        ({"stop_words": "french"}, r"stop_words='french' is not known"),
        ({"dim": 50}, r"dim=50: the vocabulary has only \d+ words with min_count=5 .*lower"),
    ],
)
def test_fit_errors(kwargs, message):
    corpus = pd.DataFrame({"doc_id": ["a"], "text": ["one two three " * 10]})
    with pytest.raises(AnalysisError, match=message):
        fit_embeddings(corpus, **kwargs)


def test_no_cooccurrence_is_an_error():
    corpus = pd.DataFrame({"doc_id": list("abcd"), "text": ["x", "y", "z", "w"]})
    with pytest.raises(AnalysisError, match=r"window=6: no two vocabulary words co-occur"):
        fit_embeddings(corpus, dim=1, min_count=1)


def test_embeddings_note():
    assert embeddings_note(MIN_EMBEDDING_TOKENS) is None
    note = embeddings_note(4812)
    assert note.startswith("Embeddings skipped: the corpus has 4,812 word tokens; ")
    assert "fewer than 1,000,000 tokens are unstable" in note and "\n" not in note
    with pytest.raises(AnalysisError, match="n_tokens=-1"):
        embeddings_note(-1)


# --------------------------------------------------------------------------- Embeddings


def test_embeddings_basics_and_most_similar():
    vectors = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 0.0], [1.0, 1.0], [0.0, 3.0], [0.5, 0.0]])
    emb = Embeddings(vectors, ["a", "b", "zero", "c", "d", "aa"], {"x": 1})
    assert len(emb) == 6 and emb.dim == 2 and "c" in emb and "e" not in emb and 3 not in emb
    assert emb.index == {"a": 0, "b": 1, "zero": 2, "c": 3, "d": 4, "aa": 5}
    np.testing.assert_array_equal(emb.vector("d"), [0.0, 3.0])
    with pytest.raises(AnalysisError, match=r"term 'e' has no vector"):
        emb.vector("e")
    unit = emb.normalized().vectors
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), [1, 1, 0, 1, 1, 1])
    # ties (a, b, aa all have cosine 1 with a's direction) are broken by term
    got = emb.most_similar([3.0, 0.0], top_n=3)
    assert got["term"].tolist() == ["a", "aa", "b"]
    expected = []
    q = np.array([1.0, 1.0])
    for t, v in zip(emb.terms, vectors, strict=True):
        n = np.linalg.norm(v)
        expected.append((t, 0.0 if n == 0 else float(v @ q / (n * np.linalg.norm(q)))))
    expected = [p for p in expected if p[0] != "c"]
    expected.sort(key=lambda p: (-p[1], p[0]))
    got = emb.most_similar("c", top_n=None)
    assert got["term"].tolist() == [t for t, _ in expected]
    np.testing.assert_allclose(got["similarity"], [s for _, s in expected], rtol=1e-15)
    assert emb.most_similar("c", top_n=2, exclude=["a", "nope"])["term"].tolist() == ["aa", "b"]
    with pytest.raises(AnalysisError, match="zero"):
        emb.most_similar("zero")
    with pytest.raises(AnalysisError, match="length 2"):
        emb.most_similar([1.0, 2.0, 3.0])
    with pytest.raises(AnalysisError, match="top_n=0"):
        emb.most_similar("a", top_n=0)
    with pytest.raises(ValueError):
        emb.vectors[0, 0] = 5.0  # read-only


def test_embeddings_rejects_mismatched_rows():
    with pytest.raises(AnalysisError, match="terms has 1 entries but vectors has 2 rows"):
        Embeddings(np.zeros((2, 3)), ["a"])


# --------------------------------------------------------------------------- save / load


@pytest.mark.parametrize("fmt", ["glove", "word2vec"])
@pytest.mark.parametrize("name", ["v.txt", "v.txt.gz"])
def test_save_load_round_trip(tmp_path, family_corpus, fmt, name):
    emb = fit_embeddings(family_corpus, dim=4, window=4, min_count=5)
    path = emb.save(tmp_path / name, format=fmt)
    raw = gzip.open(path).read() if name.endswith(".gz") else path.read_bytes()
    first = raw.split(b"\n", 1)[0].decode()
    assert (first == f"{len(emb)} 4") == (fmt == "word2vec")
    back = load_embeddings(path)
    assert back.vectors.tobytes() == emb.vectors.tobytes()
    assert back.terms.tolist() == emb.terms.tolist()
    assert back.params == {"path": str(path), "format": fmt}


def test_save_refuses_whitespace_terms(tmp_path):
    emb = Embeddings(np.ones((1, 2)), ["a b"])
    with pytest.raises(AnalysisError, match=r"term 'a b' is empty or contains whitespace"):
        emb.save(tmp_path / "x.txt")
    with pytest.raises(AnalysisError, match="format='bin' is not one of glove, word2vec"):
        Embeddings(np.ones((1, 2)), ["a"]).save(tmp_path / "x.txt", format="bin")


def test_load_reads_handwritten_files(tmp_path):
    p = tmp_path / "g.txt"
    p.write_text("the 0.1 -2e3 3\r\nnan 1 2 3   \n1 4\t5 6\n\n")  # CRLF, tabs, trailing blanks
    emb = load_embeddings(p)
    assert emb.terms.tolist() == ["the", "nan", "1"] and emb.params["format"] == "glove"
    np.testing.assert_array_equal(emb.vectors, [[0.1, -2000.0, 3], [1, 2, 3], [4, 5, 6]])
    w = tmp_path / "w.txt"
    w.write_text("2 3\nx 1 2 3\ny 4 5 6\n")
    emb = load_embeddings(w)
    assert emb.terms.tolist() == ["x", "y"] and emb.params["format"] == "word2vec"


def _write(tmp_path: Path, data: bytes, name: str = "v.txt") -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", r"v.txt is empty"),
        (b"  \n\n", r"v.txt is empty"),
        (b"a 1 2 3\nb 1 2\nc 1 2 3\n", r"v.txt, line 2: 2 values where line 1 has 3"),
        (b"a 1 2 3\nb 1 2 3\nc 1 2 3 4\n", r"v.txt, line 3: 4 values where line 1 has 3"),
        (b"a 1 2 3\nb 1 x 3\n", r"v.txt, line 2: 'x' is not a finite number"),
        (b"a 1 2 3\nb 1 2 nan\n", r"v.txt, line 2: 'nan' is not a finite number"),
        (b"2 3\na 1 2 3\nb 1 2\n", r"v.txt, line 3: 2 values where the header gives 3"),
        (
            b"3 3\na 1 2 3\nb 1 2 3\n",
            r"line 1: the word2vec header says 3 words but the file has 2",
        ),
        (b"3 3\n", r"the word2vec header says 3 words but no vectors follow"),
        (b"a 1 2\nb 3 4\na 5 6\n", r"the word 'a' appears twice, on lines 1 and 3; keep one"),
        (b"2 2\na 1 2\na 5 6\n", r"the word 'a' appears twice, on lines 2 and 3"),
        (b"a 1 2\n\nb 3 4\n", r"v.txt, line 2: the line is blank"),
        (b"a\nb\n", r"v.txt, line 1: a word without values"),
        (
            b"2 3\na \x00\x00\x80?\xcd\xcc\x8c?\x00\x00@@\nb \x00\x00\x80?",
            r"v.txt, line 2: bytes that are not UTF-8 text; binary word2vec files are not "
            r"supported: save the vectors as text \(gensim: .*binary=False\)\)",
        ),
    ],
)
def test_load_errors(tmp_path, data, message):
    with pytest.raises(AnalysisError, match=message):
        load_embeddings(_write(tmp_path, data))


def test_load_missing_and_folder(tmp_path):
    with pytest.raises(AnalysisError, match=r"nope.txt: no such file; check the path"):
        load_embeddings(tmp_path / "nope.txt")
    with pytest.raises(AnalysisError, match=r"is a folder; give the vectors file itself"):
        load_embeddings(tmp_path)
    gz = tmp_path / "bad.txt.gz"
    gz.write_bytes(b"not gzip at all")
    with pytest.raises(AnalysisError, match=r"bad.txt.gz: cannot read it"):
        load_embeddings(gz)


_WORD = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Z", "Cc", "Cf")), min_size=1, max_size=8
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    words=st.lists(_WORD, min_size=1, max_size=12, unique=True),
    dim=st.integers(1, 6),
    data=st.data(),
    fmt=st.sampled_from(["glove", "word2vec"]),
)
def test_load_round_trips_random_matrices(tmp_path, words, dim, data, fmt):
    # a GloVe first line of two whole numbers with dim 1 reads as a word2vec header
    assume(fmt == "word2vec" or dim > 1 or not re.fullmatch("[0-9]+", words[0]))
    floats = st.floats(allow_nan=False, allow_infinity=False, width=64)
    values = data.draw(st.lists(floats, min_size=len(words) * dim, max_size=len(words) * dim))
    vectors = np.array(values, dtype=np.float64).reshape(len(words), dim)
    emb = Embeddings(vectors, words)
    path = emb.save(tmp_path / f"h.{fmt}.txt", format=fmt)
    back = load_embeddings(path)
    assert back.terms.tolist() == words
    assert back.vectors.tobytes() == vectors.tobytes()  # -0.0 and subnormals included


@pytest.mark.parametrize("fmt", ["glove", "word2vec"])
def test_load_in_small_blocks(tmp_path, monkeypatch, fmt):
    """Parsing and checking block by block: line numbers count from the top of the file."""
    import analysis.context.embeddings as mod

    monkeypatch.setattr(mod, "_LOAD_CHUNK_VALUES", 8)  # two lines per parsed block
    monkeypatch.setattr(mod, "_READ_BYTES", 5)  # multi-byte characters split across blocks
    rng = np.random.default_rng(0)
    words = [f"wörd{i}é" for i in range(30)]
    emb = Embeddings(rng.standard_normal((30, 3)), words)
    path = emb.save(tmp_path / "v.txt", format=fmt)
    back = load_embeddings(path)
    assert back.terms.tolist() == words
    assert back.vectors.tobytes() == emb.vectors.tobytes()
    skip = 1 if fmt == "word2vec" else 0
    lines = path.read_text().splitlines()
    for bad, message in [
        ("wörd24é 1 2", r"line {n}: 2 values where"),
        ("wörd24é 1 2 3 4", r"line {n}: 4 values where"),
        ("wörd24é 1 zwei 3", r"line {n}: 'zwei' is not a finite number"),
        ("", r"line {n}: the line is blank"),
        ("wörd3é 1 2 3", r"the word 'wörd3é' appears twice, on lines {m} and {n}"),
    ]:
        edited = lines[: 24 + skip] + [bad] + lines[25 + skip :]
        path.write_text("\n".join(edited) + "\n")
        with pytest.raises(AnalysisError, match=message.format(n=25 + skip, m=4 + skip)):
            load_embeddings(path)
    raw = "\n".join(lines).encode()
    pos = raw.index(b"w\xc3\xb6rd20")
    path.write_bytes(raw[:pos] + b"\xff" + raw[pos:])
    with pytest.raises(AnalysisError, match=rf"line {21 + skip}: bytes that are not UTF-8"):
        load_embeddings(path)


def test_save_refuses_non_finite(tmp_path):
    emb = Embeddings(np.array([[1.0, 2.0], [np.nan, 0.0]]), ["a", "b"])
    with pytest.raises(AnalysisError, match=r"the vector of 'b' has NaN or infinite values"):
        emb.save(tmp_path / "x.txt")


def test_load_too_many_values_after_a_header(tmp_path):
    with pytest.raises(AnalysisError, match=r"v.txt, line 3: 3 values where the header gives 2"):
        load_embeddings(_write(tmp_path, b"2 2\na 1 2\nb 1 2 3\n"))
