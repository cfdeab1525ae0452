"""fit_topics_online: the NMF input equals fit_topics' row for row, the online fit equals
MiniBatchNMF.partial_fit on the in-memory TF-IDF, and is deterministic and sensible."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from analysis import AnalysisError, build_dtm, read_corpus
from analysis.topics.model import _tfidf

ROOT = Path(__file__).parents[2]
MINI_PATTERN = "{year}/{country}_{session}_{year}.txt"
OPTS = dict(unit="paragraph", min_df=2)


@pytest.fixture(scope="module")
def dtopics_mini() -> pd.DataFrame:
    return read_corpus(ROOT / "tests" / "data" / "ungdc_mini", pattern=MINI_PATTERN)


@pytest.fixture(scope="module")
def dtopics_planted() -> pd.DataFrame:
    """40 documents, each drawn from one of two disjoint vocabularies."""
    rng = np.random.default_rng(7)
    fruit = "apple banana cherry grape lemon mango melon peach pear plum".split()
    space = "rocket planet orbit comet galaxy nebula meteor quasar pulsar asteroid".split()
    texts = [" ".join(rng.choice(fruit if i % 2 else space, size=30)) for i in range(40)]
    return pd.DataFrame({"doc_id": [f"d{i:02d}" for i in range(40)], "text": texts})


def _parts(corpus, n):
    from analysis.distributed import as_partitioned

    return as_partitioned(corpus, npartitions=n)


def _fit(corpus, k, **kw):
    from analysis.distributed.topics import fit_topics_online

    return fit_topics_online(corpus, k, **kw)


def _memory_tfidf(dtm) -> sp.csr_matrix:
    return sp.csr_matrix(_tfidf(dtm.matrix.tocsr().astype(np.float64)).astype(np.float32))


@pytest.mark.parametrize(
    "kw",
    [OPTS, dict(OPTS, ngram_range=(1, 2), phrases=["united nations"], stem=True)],
    ids=["paragraph", "merged-phrase-column"],
)
@pytest.mark.parametrize("n", [1, 3, 7])
def test_blocks_equal_the_in_memory_tfidf_rows(dask_client, dtopics_mini, kw, n):
    import dask

    from analysis.distributed.dtm import _vocabulary
    from analysis.distributed.topics import _column_df, _idf, _tfidf_task

    dtm = build_dtm(dtopics_mini, **kw)
    plan = _vocabulary(
        _parts(dtopics_mini, n), group_by=None, client=dask_client,
        **{"ngram_range": (1, 1), "stem": False, "stop_words": "english", "max_df": 1.0,
           "token_pattern": None, "lowercase": True, "phrases": None,
           "extra_stop_words": None, **kw},
    )  # fmt: skip
    df = plan["df"]
    if plan["merged"]:
        df = _column_df(
            plan["parts"], plan["args"], plan["shared"], len(plan["keys"]), client=dask_client
        )
    assert np.array_equal(
        df, np.bincount(dtm.matrix.tocsr().indices, minlength=dtm.matrix.shape[1])
    )
    assert plan["n_units"] == dtm.matrix.shape[0]
    idf = _idf(df, plan["n_units"])
    tasks = [dask.delayed(_tfidf_task)(p, plan["args"], plan["shared"], idf) for p in plan["parts"]]
    blocks = dask_client.gather(dask_client.compute(tasks))
    got = sp.vstack(blocks, format="csr")
    expected = _memory_tfidf(dtm)
    assert got.dtype == expected.dtype == np.float32
    assert got.shape == expected.shape
    assert np.array_equal(got.indptr, expected.indptr)
    assert np.array_equal(got.indices, expected.indices)
    assert np.array_equal(got.data, expected.data)  # exact, not approximately


def test_one_batch_equals_partial_fit_on_the_in_memory_tfidf(dask_client, dtopics_mini):
    from sklearn.decomposition import MiniBatchNMF

    x = _memory_tfidf(build_dtm(dtopics_mini, **OPTS))
    ref = MiniBatchNMF(n_components=4, random_state=3, init="random").partial_fit(x)
    model = _fit(_parts(dtopics_mini, 1), 4, seed=3, batch_size=10_000, client=dask_client, **OPTS)
    assert model.n_steps_ == 1
    assert model.components_.dtype == np.float64
    assert np.array_equal(model.components_, ref.components_.astype(np.float64))


def test_batches_across_partitions_equal_a_partial_fit_loop(dask_client, dtopics_mini):
    from sklearn.decomposition import MiniBatchNMF

    x = _memory_tfidf(build_dtm(dtopics_mini, **OPTS))
    n, b = x.shape[0], 7
    ref = MiniBatchNMF(
        n_components=3, random_state=0, init="random", batch_size=b, forget_factor=0.7 ** (b / n)
    )
    for _ in range(2):
        for start in range(0, n, b):
            ref.partial_fit(x[start : start + b])
    model = _fit(_parts(dtopics_mini, 3), 3, batch_size=b, epochs=2, client=dask_client, **OPTS)
    assert model.n_steps_ == 2 * -(-n // b)
    assert np.array_equal(model.components_, ref.components_.astype(np.float64))


def test_deterministic_and_independent_of_partitions_and_scheduler(dask_client, dtopics_mini):
    kw = dict(batch_size=8, epochs=2, **OPTS)
    a = _fit(_parts(dtopics_mini, 3), 4, client=dask_client, **kw)
    b = _fit(_parts(dtopics_mini, 3), 4, client=dask_client, **kw)
    c = _fit(_parts(dtopics_mini, 5), 4, client=dask_client, prefetch=0, **kw)
    d = _fit(dtopics_mini, 4, client=None, **kw)  # Dask's local threaded scheduler
    other = _fit(_parts(dtopics_mini, 3), 4, seed=1, client=dask_client, **kw)
    for m in (b, c, d):
        assert np.array_equal(a.components_, m.components_)
        assert list(a.labels_) == list(m.labels_)
    assert not np.array_equal(a.components_, other.components_)
    assert np.allclose(a.topic_term_.sum(axis=1), 1.0)
    dtm = build_dtm(dtopics_mini, **OPTS)
    assert np.array_equal(a.terms, dtm.terms)
    assert a.components_.shape == (4, len(dtm.terms))


def test_top_terms_table(dask_client, dtopics_mini):
    from analysis import fit_topics

    model = _fit(_parts(dtopics_mini, 2), 3, epochs=2, client=dask_client, **OPTS)
    table = model.top_terms(6)
    memory = fit_topics(build_dtm(dtopics_mini, **OPTS), 3).top_terms(6)
    assert list(table.columns) == list(memory.columns)
    assert list(table.dtypes) == list(memory.dtypes)
    assert table.shape == (3 * 6, 5)
    assert table["topic"].tolist() == np.repeat([1, 2, 3], 6).tolist()
    assert table["rank"].tolist() == list(range(1, 7)) * 3
    for t, rows in table.groupby("topic"):
        w = rows["weight"].to_numpy()
        assert np.all(np.diff(w) <= 0)
        assert np.array_equal(w, np.sort(model.topic_term_[t - 1])[::-1][:6])
        assert set(rows["label"]) == {model.labels_[t - 1]}
        assert rows["label"].iloc[0] == " · ".join(rows["term"].iloc[:3])
    assert len(model.top_terms(10_000)) == 3 * len(model.terms)  # capped


def test_doc_topics_rows_sum_to_one(dask_client, dtopics_mini):
    corpus = pd.concat(
        [dtopics_mini, pd.DataFrame({"doc_id": ["empty"], "text": ["the and of it"]})],
        ignore_index=True,
    )
    model = _fit(_parts(corpus, 3), 3, epochs=2, client=dask_client, **OPTS)
    wide = model.doc_topics(_parts(corpus, 4), client=dask_client, wide=True)
    dtm = build_dtm(corpus, **OPTS)
    meta = wide.iloc[:, : dtm.docs.shape[1]]
    pd.testing.assert_frame_equal(meta, dtm.docs.reset_index(drop=True))
    theta = wide[["topic_1", "topic_2", "topic_3"]].to_numpy()
    empty = np.asarray(dtm.matrix.sum(axis=1)).ravel() == 0
    assert empty[-1] and np.isnan(theta[empty]).all()
    assert np.allclose(theta[~empty].sum(axis=1), 1.0)
    assert (theta[~empty] >= 0).all()
    tidy = model.doc_topics(_parts(corpus, 4), client=dask_client)
    assert list(tidy.columns) == [*dtm.docs.columns, "topic", "label", "weight"]
    assert len(tidy) == 3 * len(dtm.docs)
    assert np.array_equal(tidy["weight"].to_numpy(), theta.ravel(), equal_nan=True)
    # another partitioning: transform's start and stop are per partition, so close only
    other = model.doc_topics(_parts(corpus, 1), client=None, wide=True)
    diff = np.abs(other[["topic_1", "topic_2", "topic_3"]].to_numpy() - theta)[~empty]
    print("doc_topics, 1 against 4 partitions: max abs difference", diff.max())
    assert diff.max() < 0.01


def test_planted_vocabularies_separate(dask_client, dtopics_planted):
    fruit = set("apple banana cherry grape lemon mango melon peach pear plum".split())
    model = _fit(
        _parts(dtopics_planted, 4), 2, epochs=10, batch_size=10, client=dask_client,
        stop_words=None,
    )  # fmt: skip
    top = model.top_terms(5)
    sides = [set(top.loc[top["topic"] == t, "term"]) for t in (1, 2)]
    assert [s <= fruit for s in sides].count(True) == 1
    assert [s.isdisjoint(fruit) for s in sides].count(True) == 1
    wide = model.doc_topics(dtopics_planted, client=dask_client, wide=True)
    fruit_topic = 1 if sides[0] <= fruit else 2
    is_fruit = np.arange(40) % 2 == 1
    assert (wide[f"topic_{fruit_topic}"].to_numpy()[is_fruit] > 0.9).all()
    assert (wide[f"topic_{fruit_topic}"].to_numpy()[~is_fruit] < 0.1).all()


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        (dict(k=1), r"^k=1: the number of topics must be at least 2"),
        (dict(k="3"), r"^k='3': the number of topics must be an integer"),
        (dict(k=10_000), r"^k=10000: the number of topics must be between 2 and \d+"),
        (dict(k=3, epochs=0), r"^epochs=0: too small"),
        (dict(k=3, batch_size=0), r"^batch_size=0: too small"),
        (dict(k=3, prefetch=-1), r"^prefetch=-1: too small"),
        (dict(k=3, random_state=1), r"^random_state is set by fit_topics_online"),
        (dict(k=3, forget_factor=2), r"^forget_factor=2: give a number in \(0, 1\]"),
        (dict(k=3, beta_loss="nope"), r"^MiniBatchNMF rejected its options"),
    ],
)
def test_errors_are_one_line(dask_client, dtopics_mini, kw, match):
    with pytest.raises(AnalysisError, match=match) as info:
        _fit(_parts(dtopics_mini, 2), client=dask_client, **OPTS, **kw)
    assert "\n" not in str(info.value)
