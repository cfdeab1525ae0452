"""Embedding regression (analysis.context.shift) against independent computations.

The embeddings are built here: a dense PPMI + SVD of a synthetic corpus (plain Python
counting), or random vectors. The synthetic corpora have topics of words that occur
together; the target "bank" is put among "river water fish ..." words in one group's
documents and "money loan credit ..." words in the other's.
"""

from __future__ import annotations

import re
from collections import Counter
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import analysis
from analysis.context import find_contexts
from analysis.context.shift import (
    AlaCarte,
    context_contrast,
    context_neighbors,
    context_shift,
    fit_alacarte,
)
from analysis.errors import AnalysisError
from analysis.tokens import stop_word_set

NATURE = ["river", "water", "fish", "lake", "stream", "boat"]
FINANCE = ["money", "loan", "credit", "cash", "debt", "payment"]
TOPICS = [NATURE, FINANCE] + [[f"t{t}w{j}" for j in range(10)] for t in range(8)]


def _words(rng, words, n):
    return [str(w) for w in rng.choice(words, n)]


def make_doc(rng: np.random.Generator, bank_topics: list[list[str]]) -> str:
    """Six sentences of random topics, then for each entry of ``bank_topics`` "bank"
    with six words of that topic on each side, followed by a random sentence."""
    toks: list[str] = []
    for _ in range(6):
        toks += _words(rng, TOPICS[rng.integers(len(TOPICS))], 8)
    for topic in bank_topics:
        toks += _words(rng, topic, 6) + ["bank"] + _words(rng, topic, 6)
        toks += _words(rng, TOPICS[rng.integers(len(TOPICS))], 8)
    return " ".join(toks)


def pooled_doc(rng: np.random.Generator) -> str:
    """A document of the one population: 3-8 occurrences of "bank", each among nature
    words with the document's own probability (Beta(0.3, 0.3)), else finance words, so
    a document's occurrences resemble each other more than those of other documents."""
    share = rng.beta(0.3, 0.3)
    k = int(rng.integers(3, 9))
    return make_doc(rng, [NATURE if rng.random() < share else FINANCE for _ in range(k)])


def ppmi_svd(texts, dim: int = 10, window: int = 4) -> SimpleNamespace:
    """Word vectors by plain loops: co-occurrence within ``window``, PPMI, top-``dim`` SVD."""
    docs = [re.findall(r"\w+", t.lower()) for t in texts]
    vocab = sorted({w for d in docs for w in d})
    ix = {w: i for i, w in enumerate(vocab)}
    C = np.zeros((len(vocab), len(vocab)))
    for d in docs:
        for i, w in enumerate(d):
            for j in range(max(0, i - window), min(len(d), i + window + 1)):
                if j != i:
                    C[ix[w], ix[d[j]]] += 1
    total = C.sum()
    pw = C.sum(axis=1) / total
    with np.errstate(divide="ignore"):
        pmi = np.log(C / total / np.outer(pw, pw))
    U, S, _ = np.linalg.svd(np.maximum(pmi, 0))
    return SimpleNamespace(
        terms=np.array(vocab, dtype=object), vectors=U[:, :dim] * np.sqrt(S[:dim])
    )


@pytest.fixture(scope="module")
def planted():
    rng = np.random.default_rng(1)
    rows = []
    for i in range(40):
        group = "A" if i < 20 else "B"
        topic = NATURE if group == "A" else FINANCE
        rows.append({"doc_id": f"d{i}", "group": group, "text": make_doc(rng, [topic, topic])})
    corpus = pd.DataFrame(rows)
    return corpus, ppmi_svd(corpus["text"])


@pytest.fixture(scope="module")
def population():
    rng = np.random.default_rng(7)
    big = pd.DataFrame(
        {"doc_id": [f"p{i}" for i in range(200)], "text": [pooled_doc(rng) for _ in range(200)]}
    )
    emb = ppmi_svd(big["text"])
    return emb, fit_alacarte(big, emb, stop_words="english")


# --------------------------------------------------------------------------- the transform


def _dense_transform(texts, emb, window, min_count, stop, weight=np.log):
    """A of Khodak et al. by plain loops: pooled context means, log-count weights,
    weighted normal equations."""
    vec = {t: v for t, v in zip(emb.terms, emb.vectors, strict=True)}
    units = [[w.lower() for w in re.findall(r"\w+", t)] for t in texts]
    count = Counter(w for u in units for w in u)
    rows_u, rows_v, weights = [], [], []
    for w in sorted(count):
        if w not in vec or count[w] < min_count:
            continue
        total, n = np.zeros(emb.vectors.shape[1]), 0
        for toks in units:
            for i, t in enumerate(toks):
                if t != w:
                    continue
                for j in range(max(0, i - window), min(len(toks), i + window + 1)):
                    if j != i and toks[j] in vec and toks[j] not in stop:
                        total += vec[toks[j]]
                        n += 1
        if n:
            rows_u.append(total / n)
            rows_v.append(vec[w])
            weights.append(weight(count[w]))
    U, V, W = np.array(rows_u), np.array(rows_v), np.diag(weights)
    return np.linalg.solve(U.T @ W @ U, U.T @ W @ V).T, int(np.count_nonzero(weights))


def _tiny():
    texts = [
        "The river bank and the water bank. Fish swim in the river water.",
        "Money at the bank, a loan and credit; the money is credit.\n\nRiver fish zzz.",
        "Water, fish and a boat near the bank of the river; money zzz loan.",
        "Credit money loan bank bank water river fish boat the and.",
    ]
    corpus = pd.DataFrame(
        {"doc_id": [f"d{i}" for i in range(4)], "text": texts, "year": [1990, 1990, 2000, 2000]}
    )
    words = ["river", "bank", "water", "fish", "money", "loan", "credit", "boat", "the", "and"]
    rng = np.random.default_rng(3)
    emb = SimpleNamespace(terms=np.array(words, dtype=object), vectors=rng.normal(size=(10, 3)))
    return corpus, emb


@pytest.mark.parametrize("unit", ["document", "sentence", "paragraph"])
@pytest.mark.parametrize("stop_words", [None, "english"])
def test_transform_equals_dense_loops(unit, stop_words):
    corpus, emb = _tiny()
    got = fit_alacarte(corpus, emb, window=2, unit=unit, min_count=2, stop_words=stop_words)
    units = analysis.segment(corpus, unit)["text"].tolist()
    want, n_words = _dense_transform(units, emb, 2, 2, stop_word_set(stop_words))
    np.testing.assert_allclose(got.matrix_, want, rtol=1e-9, atol=1e-12)
    assert got.n_words_ == n_words and got.rank_ == 3
    assert got.matrix_.shape == (3, 3)


@pytest.mark.parametrize(
    ("weighting", "weight"),
    [("uniform", lambda c: 1.0), (500, lambda c: min(c, 500) / 500), (3, lambda c: min(c, 3) / 3)],
)
def test_transform_weightings_equal_dense_loops(weighting, weight):
    corpus, emb = _tiny()
    got = fit_alacarte(corpus, emb, window=2, min_count=2, weighting=weighting)
    want, _ = _dense_transform(corpus["text"], emb, 2, 2, frozenset(), weight)
    np.testing.assert_allclose(got.matrix_, want, rtol=1e-9, atol=1e-12)
    log = fit_alacarte(corpus, emb, window=2, min_count=2)
    assert not np.allclose(log.matrix_, got.matrix_)


def test_embed_equals_plain_loop():
    corpus, emb = _tiny()
    T = fit_alacarte(corpus, emb, window=2, min_count=2, stop_words="english")
    ctx = find_contexts(corpus, "bank", window=2)
    got = T.embed(ctx)
    vec = dict(zip(emb.terms, emb.vectors, strict=True))
    stop = stop_word_set("english")
    want = []
    for text in corpus["text"]:
        toks = [w.lower() for w in re.findall(r"\w+", text)]
        for i, t in enumerate(toks):
            if t != "bank":
                continue
            near = [
                toks[j]
                for j in range(max(0, i - 2), min(len(toks), i + 3))
                if j != i and toks[j] != "bank" and toks[j] in vec and toks[j] not in stop
            ]
            want.append(
                T.matrix_ @ np.mean([vec[w] for w in near], axis=0) if near else np.full(3, np.nan)
            )
    np.testing.assert_allclose(got, np.array(want), rtol=1e-12, atol=1e-12)
    assert len(got) == 6 and np.isnan(got).any(axis=1).sum() == 1  # "near the bank of the"


# --------------------------------------------------------------------------- the regression


def _three_groups():
    """24 documents in groups a (nature), b (finance) and c (both), their vectors and
    the à la carte transform learned from them."""
    rng = np.random.default_rng(5)
    groups = np.repeat(["a", "b", "c"], 8)
    topics = {"a": [NATURE], "b": [FINANCE], "c": [NATURE, FINANCE]}
    corpus = pd.DataFrame(
        {
            "doc_id": [f"d{i}" for i in range(24)],
            "grp": groups,
            "text": [make_doc(rng, topics[g] * int(rng.integers(1, 4))) for g in groups],
        }
    )
    emb = ppmi_svd(corpus["text"])
    return corpus, groups, emb, fit_alacarte(corpus, emb, stop_words="english")


def test_coefficients_equal_ols_on_dummies():
    corpus, groups, emb, T = _three_groups()
    out = context_shift(corpus, "bank", by="grp", embeddings=emb, transform=T, n_perm=0, n_boot=0)
    ctx = find_contexts(corpus, "bank")
    E = T.embed(ctx)
    g = groups[ctx.doc_index]
    X = np.column_stack([np.ones(len(g)), g == "b", g == "c"]).astype(float)
    beta = np.linalg.lstsq(X, E, rcond=None)[0]
    np.testing.assert_allclose(out["norm"], np.linalg.norm(beta[1:], axis=1), rtol=1e-10)
    assert out["group"].tolist() == ["b", "c"] and set(out["reference"]) == {"a"}
    assert out["n_occurrences"].tolist() == [int((g == "b").sum()), int((g == "c").sum())]
    assert out["n_docs"].tolist() == [8, 8]
    # another reference: the coefficients of the same regression with "c" left out
    out_c = context_shift(
        corpus, "bank", by="grp", embeddings=emb, transform=T, reference="c", n_perm=0, n_boot=0
    )
    X = np.column_stack([np.ones(len(g)), g == "a", g == "b"]).astype(float)
    beta = np.linalg.lstsq(X, E, rcond=None)[0]
    np.testing.assert_allclose(out_c["norm"], np.linalg.norm(beta[1:], axis=1), rtol=1e-10)


def test_planted_shift_is_found(planted):
    corpus, emb = planted
    out = context_shift(corpus, "bank", by="group", embeddings=emb, n_perm=999, n_boot=200)
    row = out.iloc[0]
    assert (row["group"], row["reference"]) == ("B", "A")
    assert row["p_value"] < 0.05 and bool(row["supported"])
    assert row["p_value"] == pytest.approx(1 / 1000)
    assert row["ci_low"] <= row["norm"] <= row["ci_high"]
    assert 0 < row["norm_null"] < row["norm"] / 3
    nn = context_neighbors(corpus, "bank", by="group", embeddings=emb, top_n=8)
    top_a = set(nn.loc[nn["group"] == "A", "term"])
    top_b = set(nn.loc[nn["group"] == "B", "term"])
    assert {"river", "water", "fish"} <= top_a and not top_a & set(FINANCE)
    assert {"money", "loan", "credit"} <= top_b and not top_b & set(NATURE)
    contrast = context_contrast(
        corpus, "bank", by="group", target_group="A", reference="B", embeddings=emb, top_n=3
    )
    side_a = contrast[contrast["closer_to"] == "A"]
    side_b = contrast[contrast["closer_to"] == "B"]
    assert set(side_a["term"]) <= set(NATURE) and set(side_b["term"]) <= set(FINANCE)
    assert (side_a["diff"] > 0).all() and (side_b["diff"] < 0).all()
    assert contrast["supported"].all()


def test_exchangeable_groups_reject_at_the_nominal_rate(population):
    """Documents of one population split at random: p < 0.05 in about 5% of splits.

    The same splits tested by permuting occurrences (ignoring that one document's
    occurrences resemble each other) reject far more often: the check has teeth."""
    emb, T = population
    p_docs, p_occ = [], []
    for s in range(50):
        rng = np.random.default_rng(1000 + s)
        corpus = pd.DataFrame(
            {"doc_id": [f"d{i}" for i in range(30)], "text": [pooled_doc(rng) for _ in range(30)]}
        )
        corpus["grp"] = np.where(rng.permutation(30) < 15, "A", "B")
        out = context_shift(
            corpus, "bank", by="grp", embeddings=emb, transform=T, n_perm=199, n_boot=0, seed=s
        )
        p_docs.append(out["p_value"].iloc[0])
        # the naive test: labels permuted over occurrences
        ctx = find_contexts(corpus, "bank")
        E, lab = T.embed(ctx), corpus["grp"].to_numpy()[ctx.doc_index]
        obs = np.linalg.norm(E[lab == "B"].mean(0) - E[lab == "A"].mean(0))
        perm_rng, hits = np.random.default_rng(s), 0
        for _ in range(199):
            perm = perm_rng.permutation(lab)
            hits += np.linalg.norm(E[perm == "B"].mean(0) - E[perm == "A"].mean(0)) >= obs
        p_occ.append((1 + hits) / 200)
    p_docs, p_occ = np.array(p_docs), np.array(p_occ)
    assert np.mean(p_docs < 0.05) <= 0.125
    assert 0.35 <= p_docs.mean() <= 0.65
    assert np.mean(p_occ < 0.05) >= 0.2  # occurrence-level permutation: anti-conservative


# --------------------------------------------------------------------------- neighbours


def test_neighbor_similarities_equal_direct_cosines(planted):
    corpus, emb = planted
    T = fit_alacarte(corpus, emb, stop_words="english")
    terms = np.append(emb.terms, "banks")  # a word the glob target matches
    vectors = np.vstack([emb.vectors, emb.vectors[list(emb.terms).index("bank")]])
    emb2 = SimpleNamespace(terms=terms, vectors=vectors)
    nn = context_neighbors(
        corpus, "bank*", by="group", embeddings=emb2, transform=T.matrix_, top_n=5, n_boot=50
    )
    ctx = find_contexts(corpus, "bank*")
    E = T.embed(ctx)
    g = corpus["group"].to_numpy()[ctx.doc_index]
    for group in ("A", "B"):
        m = E[g == group].mean(axis=0)
        sims = vectors @ m / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(m))
        order = sorted(
            (
                (-s, t)
                for t, s in zip(terms, sims, strict=True)
                if t not in {"bank", "banks"} and t not in stop_word_set("english")
            )
        )[:5]
        rows = nn[nn["group"] == group]
        assert rows["term"].tolist() == [t for _, t in order]
        np.testing.assert_allclose(rows["similarity"], [-s for s, _ in order], rtol=1e-10)
        assert rows["rank"].tolist() == [1, 2, 3, 4, 5]
        assert (rows["ci_low"] <= rows["ci_high"]).all()
        assert rows["n_docs"].iloc[0] == 20


def test_neighbors_without_groups_and_with_few_documents(planted):
    corpus, emb = planted
    nn = context_neighbors(corpus, "bank", by=None, embeddings=emb, top_n=3, n_boot=20)
    assert nn["group"].tolist() == ["all"] * 3 and nn["n_docs"].iloc[0] == 40
    small = context_neighbors(corpus.head(3), "bank", by=None, embeddings=emb, top_n=3,
                              transform="identity")  # fmt: skip
    assert small["ci_low"].isna().all() and small["similarity"].notna().all()


# --------------------------------------------------------------------------- behaviour


def test_same_seed_same_result_and_the_seed_matters(planted):
    corpus, emb = planted
    kw = {"by": "group", "embeddings": emb, "n_perm": 99, "n_boot": 50}
    a = context_shift(corpus, "bank", seed=3, **kw)
    b = context_shift(corpus, "bank", seed=3, **kw)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    c = context_shift(corpus, "bank", seed=4, **kw)
    assert (a["ci_low"].iloc[0], a["ci_high"].iloc[0]) != (
        c["ci_low"].iloc[0],
        c["ci_high"].iloc[0],
    )
    nn1 = context_neighbors(corpus, "bank", by="group", embeddings=emb, seed=3)
    nn2 = context_neighbors(corpus, "bank", by="group", embeddings=emb, seed=3)
    pd.testing.assert_frame_equal(nn1, nn2, check_exact=True)


def test_groups_without_enough_documents_get_no_interval(planted, population):
    corpus, emb = planted
    corpus = corpus.assign(grp=["A"] * 20 + ["B"] * 17 + ["C"] * 3)
    out = context_shift(corpus, "bank", by="grp", embeddings=emb, n_perm=99, n_boot=20)
    c = out.set_index("group").loc["C"]
    assert c["n_docs"] == 3 and np.isnan(c["ci_low"]) and np.isnan(c["p_value"])
    assert not c["supported"] and c["norm"] > 0
    b = out.set_index("group").loc["B"]
    assert b["n_docs"] == 17 and not np.isnan(b["p_value"])
    # a reference below min_docs: every row without interval and test
    out = context_shift(corpus, "bank", by="grp", embeddings=emb, reference="C", n_perm=99)
    assert out["p_value"].isna().all() and not out["supported"].any()
    out = context_shift(corpus, "bank", by="grp", embeddings=emb, n_perm=99, min_docs=2)
    assert out["p_value"].notna().all()


def test_years_as_groups_and_missing_groups(planted):
    corpus, emb = planted
    corpus = corpus.assign(year=np.repeat([2001, 2000, 2003, 2002], 10))
    corpus.loc[corpus["year"] == 2003, "text"] = "no target here at all"
    out = context_shift(corpus, "bank", by="year", embeddings=emb, n_perm=49, n_boot=20)
    assert out.attrs["reference"] == "2000" and out["group"].tolist() == ["2001", "2002"]
    assert out.attrs["groups_without_occurrences"] == ["2003"]
    assert out.attrs["n_docs_reference"] == 10
    # the first year with at least min_docs documents is the default reference
    few = corpus[~((corpus["year"] == 2000) & (corpus.index % 10 > 1))]
    out = context_shift(few, "bank", by="year", embeddings=emb, n_perm=49, n_boot=20)
    assert out.attrs["reference"] == "2001" and out["group"].tolist() == ["2000", "2002"]
    assert np.isnan(out["p_value"].iloc[0]) and not np.isnan(out["p_value"].iloc[1])


def test_occurrences_without_a_usable_context_are_dropped_and_counted(planted):
    corpus, emb = planted
    extra = pd.DataFrame(
        {"doc_id": ["x1", "x2"], "group": ["A", "B"], "text": ["the bank of the", "bank"]}
    )
    out = context_shift(
        pd.concat([corpus, extra]), "bank", by="group", embeddings=emb, n_perm=9, n_boot=0
    )
    assert out.attrs["n_dropped"] == 2
    assert out["n_docs"].iloc[0] == 20 and out.attrs["n_docs_reference"] == 20


def test_errors(planted):
    corpus, emb = planted
    kw = {"embeddings": emb, "n_perm": 9, "n_boot": 0}
    with pytest.raises(AnalysisError, match="by is required"):
        context_shift(corpus, "bank", by=None, **kw)
    with pytest.raises(AnalysisError, match="by='nope' is not a corpus column"):
        context_shift(corpus, "bank", by="nope", **kw)
    with pytest.raises(AnalysisError, match="reference='Z' is not a group"):
        context_shift(corpus, "bank", by="group", reference="Z", **kw)
    with pytest.raises(AnalysisError, match="does not occur"):
        context_shift(corpus, "zebra", by="group", **kw)
    with pytest.raises(AnalysisError, match="window=0"):
        context_shift(corpus, "bank", by="group", window=0, **kw)
    with pytest.raises(AnalysisError, match="n_perm=-1"):
        context_shift(corpus, "bank", by="group", embeddings=emb, n_perm=-1)
    with pytest.raises(AnalysisError, match="transform: a 3 x 3 matrix"):
        context_shift(corpus, "bank", by="group", transform=np.eye(3), **kw)
    with pytest.raises(AnalysisError, match="transform='yes'"):
        context_shift(corpus, "bank", by="group", transform="yes", **kw)
    with pytest.raises(AnalysisError, match="embeddings: a dict has no .terms"):
        context_shift(corpus, "bank", by="group", embeddings={}, n_perm=9)
    with pytest.raises(AnalysisError, match="one vector"):
        bad = SimpleNamespace(terms=np.array(["a", "b"]), vectors=np.zeros((3, 2)))
        context_shift(corpus, "bank", by="group", embeddings=bad, n_perm=9)
    with pytest.raises(AnalysisError, match="not determined"):
        fit_alacarte(corpus.head(1), emb, min_count=50)
    with pytest.raises(AnalysisError, match="weighting='sqrt'"):
        fit_alacarte(corpus, emb, weighting="sqrt")
    with pytest.raises(AnalysisError, match="weighting=-1"):
        fit_alacarte(corpus, emb, weighting=-1)
    with pytest.raises(AnalysisError, match="both 'A'"):
        context_contrast(
            corpus, "bank", by="group", target_group="A", reference="A", embeddings=emb
        )
    with pytest.raises(AnalysisError, match="target_group='C' is not a group"):
        context_contrast(corpus, "bank", by="group", target_group="C", embeddings=emb)
    with pytest.raises(AnalysisError, match="top_n=0"):
        context_neighbors(corpus, "bank", by="group", embeddings=emb, top_n=0)


def test_fit_transform_reuses_matches_and_checks_their_unit(planted):
    corpus, emb = planted
    ctx = find_contexts(corpus, "bank")
    a = fit_alacarte(ctx, emb, stop_words="english")
    b = fit_alacarte(corpus, emb, stop_words="english")
    assert isinstance(a, AlaCarte) and np.array_equal(a.matrix_, b.matrix_)
    with pytest.raises(AnalysisError, match="unit='sentence': these matches were made"):
        fit_alacarte(ctx.matches, emb, unit="sentence")
    # the transform context_shift fits equals fit_alacarte's with the same settings
    fitted = context_shift(corpus, "bank", by="group", embeddings=emb, n_perm=0, n_boot=0)
    given = context_shift(
        corpus, "bank", by="group", embeddings=emb, transform=b, n_perm=0, n_boot=0
    )
    assert fitted["norm"].iloc[0] == given["norm"].iloc[0]


# --------------------------------------------------------------------------- figures


def test_figures(planted):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import PathCollection

    from analysis.plot import plot_context_neighbors, plot_context_shift

    corpus, emb = planted
    corpus = corpus.assign(year=np.tile([2000, 2001, 2002, 2003], 10))
    out = context_shift(corpus, "bank", by="year", embeddings=emb, n_perm=49, n_boot=20)
    ax = plot_context_shift(out)
    assert "against 2000" in ax.get_title() and "'bank'" in ax.get_title()
    rings = [c for c in ax.collections if isinstance(c, PathCollection)]
    n_ringed = sum(len(c.get_offsets()) for c in rings)
    assert n_ringed == int(out["supported"].sum())
    assert ax.get_ylim()[0] == 0
    plt.close("all")
    by_group = context_shift(corpus, "bank", by="group", embeddings=emb, n_perm=99)
    ax = plot_context_shift(by_group)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("ringed" in t for t in texts)
    nn = context_neighbors(corpus, "bank", by="group", embeddings=emb, top_n=4, n_boot=20)
    grid = plot_context_neighbors(nn, top_n=3)
    assert len(grid.axes.flat) == 2
    assert [len(a.patches) for a in grid.axes.flat] == [3, 3]
    assert "A (n=20 docs)" in grid.axes.flat[0].get_title()
    plt.close("all")


def test_stable_order_equals_numpy_stable_argsort():
    from analysis.context._cooc import stable_order as _stable_order

    rng = np.random.default_rng(0)
    for high in (50, 70_000, 3_000_000):
        keys = rng.integers(0, high, size=5000)
        assert np.array_equal(_stable_order(keys), np.argsort(keys, kind="stable"))
    assert len(_stable_order(np.zeros(0, dtype=np.int64))) == 0


def test_interval_is_the_basic_cluster_bootstrap_written_with_loops():
    """Resample documents (same streams), recompute the norm with loops, take the basic
    interval: ``[max(0, 2 norm - q_hi), 2 norm - q_lo]``."""
    from analysis.themes.stats import _rng

    rng = np.random.default_rng(11)
    groups = np.repeat(["a", "b"], 7)
    topics = {"a": [NATURE], "b": [NATURE, FINANCE]}
    corpus = pd.DataFrame(
        {
            "doc_id": [f"d{i:02d}" for i in range(14)],
            "grp": groups,
            "text": [make_doc(rng, topics[g] * int(rng.integers(1, 4))) for g in groups],
        }
    )
    emb = ppmi_svd(corpus["text"])
    T = fit_alacarte(corpus, emb, stop_words="english")
    n_boot, level = 300, 0.9
    out = context_shift(
        corpus, "bank", by="grp", embeddings=emb, transform=T, n_perm=0, n_boot=n_boot,
        level=level,
    )  # fmt: skip
    ctx = find_contexts(corpus, "bank")
    E = T.embed(ctx)
    keep = ~np.isnan(E).any(axis=1)
    per_doc: dict[int, list] = {}
    for d, e in zip(ctx.doc_index[keep], E[keep], strict=True):
        per_doc.setdefault(int(d), []).append(e)
    docs = {g: sorted(d for d in per_doc if groups[d] == g) for g in ("a", "b")}

    def mean_of(chosen):
        vecs = [e for d in chosen for e in per_doc[d]]
        return sum(vecs) / len(vecs)

    norm = float(np.linalg.norm(mean_of(docs["b"]) - mean_of(docs["a"])))
    draws = {
        g: _rng(0, f"boot:{g}").integers(0, len(docs[g]), size=(n_boot, len(docs[g])))
        for g in ("a", "b")
    }
    boot = [
        np.linalg.norm(
            mean_of([docs["b"][i] for i in draws["b"][r]])
            - mean_of([docs["a"][i] for i in draws["a"][r]])
        )
        for r in range(n_boot)
    ]
    q_lo, q_hi = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2])
    row = out.iloc[0]
    assert row["norm"] == pytest.approx(norm, rel=1e-10)
    assert row["ci_low"] == pytest.approx(max(0.0, 2 * norm - q_hi), rel=1e-9)
    assert row["ci_high"] == pytest.approx(2 * norm - q_lo, rel=1e-9)


def test_several_groups_are_holm_adjusted_and_contrast_sides_follow_the_sign():
    from analysis.themes.stats import holm

    corpus, groups, emb, T = _three_groups()
    out = context_shift(corpus, "bank", by="grp", embeddings=emb, transform=T, n_perm=199)
    np.testing.assert_allclose(out["p_adjusted"], holm(out["p_value"]))
    assert (out["p_adjusted"] >= out["p_value"]).all()
    assert out["supported"].tolist() == (out["p_adjusted"] <= 0.05).tolist()
    from analysis.context import context_contrast

    c = context_contrast(
        corpus, "bank", by="grp", target_group="b", reference="a", embeddings=emb, transform=T,
        top_n=50, n_boot=20,
    )  # fmt: skip
    assert (c.loc[c["closer_to"] == "b", "diff"] > 0).all()
    assert (c.loc[c["closer_to"] == "a", "diff"] < 0).all()
