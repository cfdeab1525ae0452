"""The text digest that keys cached matrices and tokens: computed once per Arrow array,
recorded with a corpus entry, and always equal to the digest computed afresh."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import analysis
from analysis import cached_corpus, cached_dtm, cached_tokens, read_corpus
from analysis.cache import _hash_arrow_texts, _text_digest


@pytest.fixture
def corpus(make_corpus):
    return make_corpus(
        {
            "a.txt": "Peace and security for all nations.\n",
            "b.txt": "Other words here, and more words.\n",
            "c.txt": "Sovereignty is the word of the day.\n",
        }
    )


@pytest.fixture
def hashing(monkeypatch) -> list:
    """The texts hashed (their lengths), counted while the test runs."""
    calls: list = []
    real = analysis.cache._hash_arrow_texts

    def counted(texts):
        calls.append(len(texts))
        return real(texts)

    monkeypatch.setattr(analysis.cache, "_hash_arrow_texts", counted)
    return calls


def _fresh(texts: pd.Series) -> bytes:
    return _hash_arrow_texts(texts.astype(object))  # a copy that is not held in Arrow


def test_a_loaded_corpus_is_keyed_by_its_entrys_digest_without_hashing(corpus, cache, hashing):
    cached_corpus(corpus)  # reads, and stores the entry with its digest
    hashing.clear()
    docs = cached_corpus(corpus)  # a hit
    cached_dtm(docs)
    cached_tokens(docs)
    assert hashing == []  # neither the matrix nor the tokens hashed the text
    assert _text_digest(docs["text"]) == _fresh(docs["text"])
    (record,) = [p for p in cache.glob("??/*.json") if len(p.stem) == 64]
    recorded = json.loads(record.read_text(encoding="utf-8"))["text_digest"]
    assert recorded["version"] == analysis.cache._TEXT_DIGEST_VERSION
    assert bytes.fromhex(recorded["sha256"]) == _fresh(read_corpus(corpus)["text"])


def test_a_column_is_hashed_once_and_a_changed_column_again(corpus, hashing):
    docs = read_corpus(corpus)
    first = _text_digest(docs["text"])
    assert _text_digest(docs.copy()["text"]) == first and len(hashing) == 1  # a copy: the same
    docs.loc[0, "text"] = "War and peace."  # a new array for the column
    changed = _text_digest(docs["text"])
    assert len(hashing) == 2 and changed != first and changed == _fresh(docs["text"])
    subset = docs[docs["doc_id"] != "b"]  # filtered rows: a new array
    assert _text_digest(subset["text"]) == _fresh(subset["text"]) and len(hashing) == 3
    reordered = docs.iloc[::-1]
    assert _text_digest(reordered["text"]) == _fresh(reordered["text"]) != changed


def test_a_changed_text_of_a_loaded_corpus_is_a_new_matrix(corpus, cache):
    cached_corpus(corpus)
    docs = cached_corpus(corpus)
    before = cached_dtm(docs)
    docs.loc[docs["doc_id"] == "a", "text"] = "Nothing like it."
    after = cached_dtm(docs)
    assert "peace" in before.terms.tolist() and "peace" not in after.terms.tolist()
    assert after.terms.tolist() == analysis.build_dtm(docs).terms.tolist()


@pytest.mark.parametrize(
    "values",
    [
        ["a", "bc", ""],
        ["a", None, "c"],
        ["é", "日本", "a,b"],
        [],
    ],
)
def test_the_remembered_digest_is_the_computed_one(values):
    arrow = pd.Series(values, dtype="string[pyarrow]")
    assert _text_digest(arrow) == _text_digest(arrow) == _fresh(arrow)
    assert _text_digest(pd.Series(values, dtype=object)) == _fresh(arrow)


@pytest.mark.parametrize(
    "recorded",
    [
        None,  # an entry of an earlier version of the package
        {"version": 0, "sha256": "ab" * 32},  # another definition of the digest
        {"version": 1, "sha256": "zz" * 32},  # not hex
        {"version": 1, "sha256": "ab" * 31},  # too short
        {"version": 1, "sha256": "ab " * 21 + "a"},  # 64 characters, not 32 bytes
        "ab" * 32,
    ],
)
def test_an_entry_without_a_usable_recorded_digest_is_hashed(corpus, cache, hashing, recorded):
    cached_corpus(corpus)
    (record,) = [p for p in cache.glob("??/*.json") if len(p.stem) == 64]
    info = json.loads(record.read_text(encoding="utf-8"))
    if recorded is None:
        del info["text_digest"]
    else:
        info["text_digest"] = recorded
    record.write_text(json.dumps(info), encoding="utf-8")
    hashing.clear()
    docs = cached_corpus(corpus)  # still loaded from the entry
    assert hashing == []
    assert _text_digest(docs["text"]) == _fresh(docs["text"]) and len(hashing) == 1


def test_forgotten_with_its_array():
    import gc

    from analysis._arrays import arrow_array
    from analysis.cache import _TEXT_DIGESTS

    texts = pd.Series(np.array(["x", "y"], dtype=object), dtype="string[pyarrow]")
    _text_digest(texts)
    key = id(arrow_array(texts))
    assert key in _TEXT_DIGESTS
    del texts
    gc.collect()
    assert key not in _TEXT_DIGESTS
