"""Speed of tfidf_keywords, keyness and term_frequencies by year on a UNGDC-sized DTM.

Target (issue #3): ``tfidf_keywords`` and ``keyness`` by year in under 5 s on the DTM of
the UN General Debate corpus (10,952 speeches x ~500k terms, n-grams 1-3, stemmed,
min_df=5).

By default the matrix is *synthetic* with that shape: each speech draws ``--terms-per-doc``
distinct term columns from a Zipf-like distribution with counts from a geometric
distribution, and the 79 years 1946-2024 are assigned in order. This isolates the
statistics from the DTM build (benchmarks/bench_dtm.py times that). With ``--corpus PATH``
the real corpus is read and ``analysis.build_dtm`` builds the matrix first (slow with the
reference implementation).

Each statistic is printed next to a baseline run in the same process:

* tfidf: scikit-learn's ``TfidfTransformer`` on the group sums plus a full per-row
  ``argsort`` (what one would write by hand), versus ``tfidf_keywords(top_n=20)``;
* keyness: the group sums alone (``group_counts``, the floor any keyness needs) versus
  ``keyness`` with each measure.

    python benchmarks/bench_terms.py                 # synthetic, ~1 min
    python benchmarks/bench_terms.py --corpus ~/.cache/framing-analysis --ngram 1 1
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analysis import DTM, group_counts, keyness, term_frequencies, tfidf_keywords


def synthetic(n_docs: int, n_terms: int, per_doc: int, seed: int = 0) -> DTM:
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, n_terms + 1) ** 1.05
    cdf = np.cumsum(weights / weights.sum())
    rows, cols = [], []
    for i in range(n_docs):
        c = np.unique(np.searchsorted(cdf, rng.random(per_doc), side="right"))
        c = c[c < n_terms]
        rows.append(np.full(len(c), i, dtype=np.int32))
        cols.append(c.astype(np.int32))
    r, c = np.concatenate(rows), np.concatenate(cols)
    data = rng.geometric(0.6, size=len(r)).astype(np.int64)
    m = sp.csr_matrix((data, (r, c)), shape=(n_docs, n_terms))
    years = 1946 + (np.arange(n_docs) * 79 // n_docs)
    terms = np.array([f"t{j:06d}" for j in range(n_terms)], dtype=object)
    docs = pd.DataFrame(
        {
            "doc_id": [f"d{i}" for i in range(n_docs)],
            "unit_id": [f"d{i}" for i in range(n_docs)],
            "unit_index": 0,
            "year": pd.array(years, dtype="Int64"),
            "n_tokens": np.asarray(m.sum(axis=1)).ravel() * 3,
        }
    )
    return DTM(matrix=m, terms=terms, docs=docs, keys=terms, params={"unit": "document"})


def timed(label: str, fn):
    t0 = time.perf_counter()
    result = fn()
    dt = time.perf_counter() - t0
    print(f"  {label:<52s} {dt:8.2f} s")
    return result, dt


def baseline_tfidf(dtm: DTM, by: str, top: int):
    from sklearn.feature_extraction.text import TfidfTransformer

    _, counts, n_tokens = group_counts(dtm, by)
    scores = TfidfTransformer(norm=None).fit_transform(counts)
    scores = sp.diags(1.0 / n_tokens) @ scores
    dense_rows = [
        np.argsort(-scores[i].toarray().ravel(), kind="stable")[:top]
        for i in range(scores.shape[0])
    ]
    return dense_rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10_952)
    ap.add_argument("--terms", type=int, default=500_000)
    ap.add_argument("--terms-per-doc", type=int, default=4_000)
    ap.add_argument("--corpus", help="read this corpus and build the DTM instead")
    ap.add_argument("--pattern", default="{year}/{country}_{session}_{year}.txt")
    ap.add_argument("--ngram", nargs=2, type=int, default=(1, 3))
    ap.add_argument("--min-df", type=int, default=5)
    args = ap.parse_args()

    if args.corpus:
        from analysis import build_dtm, read_corpus

        corpus, _ = timed("read_corpus", lambda: read_corpus(args.corpus, pattern=args.pattern))
        dtm, _ = timed(
            "build_dtm (stem, stop words, min_df)",
            lambda: build_dtm(corpus, ngram_range=tuple(args.ngram), stem=True, min_df=args.min_df),
        )
    else:
        dtm, _ = timed(
            "synthetic DTM",
            lambda: synthetic(args.docs, args.terms, args.terms_per_doc),
        )
    print(f"DTM: {dtm.shape[0]:,} units x {dtm.shape[1]:,} terms, {dtm.matrix.nnz:,} non-zeros")
    last = dtm.docs["year"].max()

    print("tfidf by year (top 20):")
    _, base = timed(
        "baseline: sklearn TfidfTransformer + argsort per row",
        lambda: baseline_tfidf(dtm, "year", 20),
    )
    _, ours = timed("analysis.tfidf_keywords", lambda: tfidf_keywords(dtm, by="year", top_n=20))
    print(f"  ratio ours / baseline: {ours / base:.2f}")

    print(f"keyness by year, target {last} vs rest:")
    _, floor = timed("floor: group_counts(dtm, 'year')", lambda: group_counts(dtm, "year"))
    for m in ("log_odds_dirichlet", "log_likelihood", "chi2"):
        timed(
            f"analysis.keyness(measure={m!r})",
            lambda m=m: keyness(dtm, by="year", target=last, measure=m),
        )
    print("term_frequencies by year:")
    timed("all non-zero (group, term) pairs", lambda: term_frequencies(dtm, by="year"))
    timed("10 chosen terms", lambda: term_frequencies(dtm, by="year", terms=list(dtm.terms[:10])))
    print("tfidf per document (top 20):")
    timed("analysis.tfidf_keywords(by=None)", lambda: tfidf_keywords(dtm, by=None, top_n=20))


if __name__ == "__main__":
    main()
