"""Context keyness against independent counts, log-odds and bootstrap written with loops."""

from __future__ import annotations

import fnmatch
import math
import re
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from analysis import keyness
from analysis.compare import KEYNESS_COLUMNS
from analysis.context.keyness import CONTEXT_KEYNESS_COLUMNS, context_dtm, context_keyness
from analysis.errors import AnalysisError

STOPS = frozenset(ENGLISH_STOP_WORDS)


def _occurrences(toks: list[str], entries: list[str]) -> list[tuple[int, int]]:
    """Non-overlapping hits of the entries (words, globs, phrases), longest then earliest."""
    cand = []
    for entry in entries:
        pat = [t.lower() for t in re.findall(r"[\w*]+", entry)]
        for i in range(len(toks) - len(pat) + 1):
            if all(fnmatch.fnmatchcase(toks[i + j], pat[j]) for j in range(len(pat))):
                cand.append((i, i + len(pat)))
    taken: list[tuple[int, int]] = []
    for s, e in sorted(cand, key=lambda h: (-(h[1] - h[0]), h[0])):
        if all(e <= ts or s >= te for ts, te in taken):
            taken.append((s, e))
    return sorted(taken)


def _independent(texts: list[str], entries: list[str], window: int, stops=STOPS):
    """Per text with the target: (Counter of context words, context tokens, occurrences)."""
    out = {}
    for d, text in enumerate(texts):
        toks = [t.lower() for t in re.findall(r"\w+", text)]
        occ = _occurrences(toks, entries)
        if not occ:
            continue
        covered = {j for s, e in occ for j in range(s, e)}
        near = set()
        for s, e in occ:
            near.update(range(max(0, s - window), s))
            near.update(range(e, min(len(toks), e + window)))
        near -= covered
        words = Counter(toks[j] for j in near if toks[j] not in stops)
        out[d] = (words, len(near), len(occ))
    return out


def _rows(dtm) -> dict[str, Counter]:
    m = dtm.matrix.tocsr()
    out = {}
    for i, doc in enumerate(dtm.docs["doc_id"]):
        lo, hi = m.indptr[i], m.indptr[i + 1]
        out[doc] = Counter(
            {
                str(dtm.terms[c]): int(v)
                for c, v in zip(m.indices[lo:hi], m.data[lo:hi], strict=True)
            }
        )
    return out


def _check_counts(corpus: pd.DataFrame, target, window: int) -> int:
    entries = [target] if isinstance(target, str) else list(target)
    ref = _independent(corpus["text"].tolist(), entries, window)
    dtm = context_dtm(corpus, target, window=window)
    ids = corpus["doc_id"].tolist()
    assert dtm.docs["doc_id"].tolist() == [ids[d] for d in sorted(ref)]
    got = _rows(dtm)
    for d, (words, _, _) in ref.items():
        assert got[ids[d]] == words, (target, ids[d])
    assert dtm.docs["n_tokens"].tolist() == [ref[d][1] for d in sorted(ref)]
    assert dtm.docs["n_occurrences"].tolist() == [ref[d][2] for d in sorted(ref)]
    assert dtm.terms.tolist() == sorted(dtm.terms.tolist())
    assert dtm.matrix.dtype == np.int64 and (dtm.matrix.data > 0).all()
    return sum(sum(w.values()) for w, _, _ in ref.values())


@pytest.mark.parametrize(
    "target, window",
    [("japan*", 6), ("war", 3), ("peace", 10), ("community with a shared future", 4),
     (["war", "peace"], 5)],
)  # fmt: skip
def test_counts_equal_an_independent_count_on_the_seeds(seed_corpus, target, window):
    assert _check_counts(seed_corpus, target, window) > 0


@pytest.mark.parametrize(
    "target, window",
    [("nation*", 6), ("united nations", 5), ("peace", 2), ("develop*", 8), ("security council", 3)],
)
def test_counts_equal_an_independent_count_on_the_un_mini(mini_corpus, target, window):
    assert _check_counts(mini_corpus, target, window) > 0


def test_overlapping_windows_count_a_token_once_and_metadata_is_kept():
    corpus = pd.DataFrame(
        {"doc_id": ["a", "b"], "text": ["peace the river peace", "no target"], "year": [1, 2]}
    )
    dtm = context_dtm(corpus, "peace", window=3)
    assert dtm.docs[["doc_id", "unit_id", "unit_index", "year", "n_tokens"]].values.tolist() == [
        ["a", "a", 0, 1, 2]  # "the" and "river" once each, "the" counted before removal
    ]
    assert dtm.terms.tolist() == ["river"] and dtm.matrix.toarray().tolist() == [[1]]
    kept = context_dtm(corpus, "peace", window=3, stop_words=None)
    assert kept.terms.tolist() == ["river", "the"] and kept.matrix.toarray().tolist() == [[1, 1]]
    with pytest.raises(AnalysisError, match="hold no word after stop-word removal"):
        context_dtm(corpus, "peace", stop_words=["river", "the"])  # nothing left


def test_windows_stay_in_the_unit():
    corpus = pd.DataFrame({"doc_id": ["a"], "text": ["alpha beta peace.\n\ngamma delta"]})
    whole = context_dtm(corpus, "peace", window=2)
    by_par = context_dtm(corpus, "peace", window=2, unit="paragraph")
    assert whole.terms.tolist() == ["alpha", "beta", "delta", "gamma"]
    assert by_par.terms.tolist() == ["alpha", "beta"]
    assert by_par.docs["unit_id"].tolist() == ["a"]  # rows are documents whatever the unit


def _log_odds_by_hand(ref, side_of, alpha0=1000.0):
    """delta and z of every term, from the independent counts, with plain loops."""
    y = {"t": Counter(), "r": Counter()}
    for d, (words, _, _) in ref.items():
        y[side_of[d]].update(words)
    corpus = y["t"] + y["r"]
    total = sum(corpus.values())
    n_t, n_r = sum(y["t"].values()), sum(y["r"].values())
    out = {}
    for w in corpus:
        a = alpha0 * corpus[w] / total
        yt, yr = y["t"][w], y["r"][w]
        delta = math.log((yt + a) / (n_t + alpha0 - yt - a)) - math.log(
            (yr + a) / (n_r + alpha0 - yr - a)
        )
        out[w] = (delta, delta / math.sqrt(1 / (yt + a) + 1 / (yr + a)))
    return out


def test_scores_equal_keyness_and_a_log_odds_by_hand(seed_corpus):
    table = context_keyness(seed_corpus, "japan*", by="year", target_group=2025, top_n=None,
                            n_boot=50, min_docs=2)  # fmt: skip
    dtm = context_dtm(seed_corpus, "japan*")
    plain = keyness(dtm, by="year", target=2025, measure="log_odds_dirichlet")
    pd.testing.assert_frame_equal(
        table[KEYNESS_COLUMNS].drop(columns="supported"), plain.drop(columns="supported")
    )
    ref = _independent(seed_corpus["text"].tolist(), ["japan*"], 6)
    side_of = {d: "t" if seed_corpus["year"].iloc[d] == 2025 else "r" for d in ref}
    by_hand = _log_odds_by_hand(ref, side_of)
    assert set(table["term"]) == set(by_hand)
    for term, score, z in table[["term", "score", "z"]].itertuples(index=False):
        assert score == pytest.approx(by_hand[term][0], rel=1e-12, abs=1e-14)
        assert z == pytest.approx(by_hand[term][1], rel=1e-12, abs=1e-14)
    assert list(table.columns) == CONTEXT_KEYNESS_COLUMNS
    assert table["n_occurrences_target"].iloc[0] == sum(
        n for d, (_, _, n) in ref.items() if side_of[d] == "t"
    )
    assert set(table["context_target"]) == {"japan*"} and set(table["window"]) == {6}


def _bootstrap_by_hand(corpus, table, target, window, n_boot, seed, level, alpha0=1000.0):
    """The documented bootstrap with loops: resample each side's documents, recount."""
    ref = _independent(corpus["text"].tolist(), [target], window)
    docs = sorted(ref)
    side = corpus["group"].to_numpy()
    t_docs = [d for d in docs if side[d] == "A"]
    r_docs = [d for d in docs if side[d] != "A"]
    corpus_counts = Counter()
    for d in docs:
        corpus_counts.update(ref[d][0])
    total = sum(corpus_counts.values())
    rng_t, rng_r = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    draws_t = rng_t.integers(0, len(t_docs), size=(n_boot, len(t_docs)))
    draws_r = rng_r.integers(0, len(r_docs), size=(n_boot, len(r_docs)))
    out = {}
    for term in table["term"]:
        a = alpha0 * corpus_counts[term] / total
        deltas = []
        for b in range(n_boot):
            yt = sum(ref[t_docs[i]][0][term] for i in draws_t[b])
            nt = sum(sum(ref[t_docs[i]][0].values()) for i in draws_t[b])
            yr = sum(ref[r_docs[i]][0][term] for i in draws_r[b])
            nr = sum(sum(ref[r_docs[i]][0].values()) for i in draws_r[b])
            deltas.append(
                math.log((yt + a) / (nt + alpha0 - yt - a))
                - math.log((yr + a) / (nr + alpha0 - yr - a))
            )
        q = (1 - level) / 2
        out[term] = (np.quantile(deltas, q), np.quantile(deltas, 1 - q))
    return out


def test_planted_difference_is_found_with_an_interval(planted_corpus):
    table = context_keyness(planted_corpus, "peace", by="group", target_group="A", n_boot=300,
                            seed=7)  # fmt: skip
    row = table.set_index("term")
    for term, sign in (("war", 1), ("trade", -1)):
        r = row.loc[term]
        assert np.sign(r["score"]) == sign
        assert r["ci_low"] <= r["score"] <= r["ci_high"]
        assert r["ci_low"] > 0 if sign > 0 else r["ci_high"] < 0
        assert bool(r["supported"])
    # filler words have no planted difference: none of them is supported
    assert not row.drop(index=["war", "trade"])["supported"].any()
    by_hand = _bootstrap_by_hand(planted_corpus, table, "peace", 6, 300, 7, 0.95)
    for term, lo, hi in table[["term", "ci_low", "ci_high"]].itertuples(index=False):
        assert lo == pytest.approx(by_hand[term][0], rel=1e-10)
        assert hi == pytest.approx(by_hand[term][1], rel=1e-10)
    assert table.attrs["n_boot"] == 300 and table.attrs["target"] == "peace"


def test_same_seed_same_table_other_seed_other_interval(planted_corpus):
    kw = dict(by="group", target_group="B", n_boot=100, top_n=5)
    one = context_keyness(planted_corpus, "peace", seed=3, **kw)
    two = context_keyness(planted_corpus, "peace", seed=3, **kw)
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    other = context_keyness(planted_corpus, "peace", seed=4, **kw)
    assert not np.array_equal(one["ci_low"].to_numpy(), other["ci_low"].to_numpy())
    pd.testing.assert_series_equal(one["score"], other["score"])


def test_below_min_docs_no_interval_and_nothing_supported(seed_corpus, planted_corpus):
    small = context_keyness(seed_corpus, "japan*", by="year", target_group=2025, n_boot=50)
    assert small["n_docs_reference"].iloc[0] == 2 < 5
    assert small["ci_low"].isna().all() and small["ci_high"].isna().all()
    assert not small["supported"].any()
    strict = context_keyness(planted_corpus, "peace", by="group", target_group="A", n_boot=50,
                             min_docs=21)  # fmt: skip
    assert strict["ci_low"].isna().all() and not strict["supported"].any()
    assert (strict["z"].abs() >= 1.96).any()  # z alone would have called some supported


def test_errors(seed_corpus, planted_corpus):
    kw = dict(by="year", target_group=2025)
    with pytest.raises(AnalysisError, match=r"the target 'zzqq\*' does not occur in the corpus"):
        context_keyness(seed_corpus, "zzqq*", **kw)
    with pytest.raises(AnalysisError, match=r"target_group=1999 is not a value of column 'year'"):
        context_keyness(seed_corpus, "japan*", by="year", target_group=1999)
    with pytest.raises(AnalysisError, match=r"by='decade' is not a column of the corpus"):
        context_keyness(seed_corpus, "japan*", by="decade", target_group=2025)
    with pytest.raises(AnalysisError, match=r"reference=2011 is not a value"):
        context_keyness(seed_corpus, "japan*", reference=2011, **kw)
    with pytest.raises(AnalysisError, match=r"window=0 must be a whole number >= 1"):
        context_keyness(seed_corpus, "japan*", window=0, **kw)
    with pytest.raises(AnalysisError, match=r"n_boot=5 must be a whole number >= 10"):
        context_keyness(seed_corpus, "japan*", n_boot=5, **kw)
    with pytest.raises(AnalysisError, match=r"by=None: context keyness needs a grouping column"):
        context_keyness(seed_corpus, "japan*", by=None, target_group=2025)
    with pytest.raises(AnalysisError, match=r"alpha0=0"):
        context_keyness(seed_corpus, "japan*", alpha0=0, **kw)
    one = planted_corpus.assign(group=np.where(planted_corpus["doc_id"] == "A00", "C", "A"))
    one.loc[one["doc_id"] == "A00", "text"] = "no target here"
    with pytest.raises(AnalysisError, match=r"target_group=C: no document with group=C contains "
                       r"the target 'peace'"):  # fmt: skip
        context_keyness(one, "peace", by="group", target_group="C")
    with pytest.raises(AnalysisError, match=r"nothing is left as reference"):
        context_keyness(one, "peace", by="group", target_group="A")


@pytest.mark.parametrize("target", ["JAPAN*", "war", "community with a shared future", "theme"])
def test_skipping_documents_without_the_literal_changes_nothing(seed_corpus, seed_codebook, target):
    """The corpus route (documents without the target's literal are not tokenized) equals
    the matches route (every document tokenized and matched)."""
    from analysis import load_themes, match_themes
    from analysis.context.windows import target_codebook

    cb = load_themes(seed_codebook)
    if target == "theme":
        target = cb.themes[0].id
    corpus = seed_corpus.copy()
    corpus.loc[0, "text"] = corpus.loc[0, "text"].upper()  # case never hides a document
    fast = context_dtm(corpus, target, codebook=cb)
    full = context_dtm(match_themes(corpus, target_codebook(target, cb)), target, codebook=cb)
    assert fast.docs.equals(full.docs)
    assert fast.terms.tolist() == full.terms.tolist()
    assert (fast.matrix != full.matrix).nnz == 0


def test_found_contexts_give_the_same_table(mini_corpus):
    from analysis.context import find_contexts

    ctx = find_contexts(mini_corpus, "nation*", window=4)
    kw = dict(by="year", target_group=[2010, 2015, 2024], top_n=None, n_boot=50)
    a = context_keyness(ctx, **kw)
    b = context_keyness(mini_corpus, "nation*", window=4, **kw)
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(AnalysisError, match=r"window=6: these contexts were found with window=4"):
        context_keyness(ctx, window=6, **kw)
    with pytest.raises(AnalysisError, match=r"these contexts are of 'nation\*'"):
        context_keyness(ctx, "peace", **kw)
