"""Benchmark: topic-model selection on the UN General Debate corpus, ours vs gensim.

Issue #5 target: ``select_k`` (NMF) is faster than gensim's ``LdaMulticore`` +
``CoherenceModel(coherence="c_npmi")`` at equal or better NPMI.

Setup, in one run:

* corpus: UN General Debate speeches (Jankin, Baturo & Dasandi, JPR; Baturo, Dasandi &
  Mikhaylov 2017, doi:10.7910/DVN/0TJX8Y), speeches as units;
* one DTM shared by both sides: unigrams + bigrams, ``min_df=5``, ``stop_words="english"``;
* ours: ``analysis.select_k(dtm, ks=(10, 20, 30), seeds=(0, 1), method="nmf",
  n_jobs=-1)``, which fits 6 models (default NMF settings, one process per core, each
  single-threaded) and computes NPMI, UMass, diversity and stability;
* gensim: for the same (k, seed), ``LdaMulticore`` (gensim defaults: 1 pass, 50
  iterations, chunksize 2000, workers = cores - 1; CoherenceModel processes = cores - 1) on ``Sparse2Corpus`` of the same
  matrix with a ``Dictionary`` made from our terms, then ``CoherenceModel(c_npmi, topn=10)``
  on the units' tokens restricted to the vocabulary (each position contributes its
  unigram and, when in the vocabulary, the bigram starting there).

The two NPMI figures are not the same measure: gensim's c_npmi counts co-occurrence in a
sliding window of 10 tokens, ours counts it within the whole unit (speech). For an
apples-to-apples comparison the script also scores gensim's topics with OUR metric
(``analysis.topic_coherence`` on the same DTM), so the ``npmi (ours)`` column compares the
two models' topics by one yardstick. Building the token lists that gensim's coherence needs
is timed separately and not charged to gensim (nor is the DTM charged to us).

DTM: ``--dtm build_dtm`` (default) uses ``analysis.build_dtm``; ``--dtm sklearn`` builds
the same matrix with scikit-learn's ``CountVectorizer`` (same token pattern, lower-casing, stop words removed before n-grams,
``min_df`` over units, sorted vocabulary); ``--check`` verifies the two agree on a sample.

    python benchmarks/bench_topics.py [--sample N] [--ks 10 20 30] [--dtm build_dtm|sklearn]

``--report`` (issue 13): ``select_k`` in the report's setting (04-topics defaults with the
example's ``unit: document``: NMF on TF-IDF, unigrams, ``min_df=2``,
``stop_words="english"``, ks 3..8, seeds 0, 1, 2), old vs new in the same run, on the
speeches from ``--from-year`` on and on the full corpus. "old" is the per-fit path
select_k took before (``fit_topics`` for every (k, seed): TF-IDF recomputed per fit,
scikit-learn's ``NMF``); "new" is the shared-input path, serial and with ``n_jobs=2``.
Prints the times, the load average, whether the tables are identical, the chosen k
(``choose_k``) and the top terms of the interpreted model (seed 0) for both.

    python benchmarks/bench_topics.py --report [--from-year 2005]

``--report --k-sample 5000``: on the full corpus, ``select_k`` on every unit against
``select_k(..., sample=5000)`` (04-topics' ``k_sample``), both with ``n_jobs=2``, in the
same run: the times, the chosen k and the interpreted model's top terms (fitted on every
unit at the chosen k, so identical when k is).

    python benchmarks/bench_topics.py --report --k-sample 5000
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # benchmark this checkout's analysis, not another install
CACHE = Path(os.environ.get("UNGDC", Path.home() / ".cache" / "framing-analysis"))
PATTERN = "{year}/{country}_{session}_{year}.txt"


def load(sample: int | None, seed: int = 0) -> pd.DataFrame:
    """Read the corpus, or a random sample of ``sample`` speeches (symlinked into a
    temporary folder with the same layout, so only those files are read)."""
    import random
    import tempfile

    import analysis

    if not CACHE.is_dir():
        sys.exit(f"UN General Debate corpus not found at {CACHE}; unpack it there (see README)")
    if not sample:
        return analysis.read_corpus(CACHE, pattern=PATTERN)
    files = sorted(CACHE.glob("*/*.txt"))
    chosen = sorted(random.Random(seed).sample(files, min(sample, len(files))))
    with tempfile.TemporaryDirectory() as tmp:
        for f in chosen:
            (Path(tmp) / f.parent.name).mkdir(exist_ok=True)
            (Path(tmp) / f.parent.name / f.name).symlink_to(f)
        return analysis.read_corpus(tmp, pattern=PATTERN)


def dtm_sklearn(corpus: pd.DataFrame, min_df: int):
    """The DTM build_dtm(unit="document", ngram_range=(1, 2), min_df, stop_words="english")
    returns, built with CountVectorizer."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import CountVectorizer

    from analysis.dtm import DTM
    from analysis.text import TOKEN_PATTERN, segment

    units = segment(corpus, "document")
    cv = CountVectorizer(
        token_pattern=TOKEN_PATTERN,
        lowercase=True,
        stop_words="english",
        ngram_range=(1, 2),
        min_df=min_df,
        dtype=np.int64,
    )
    m = cv.fit_transform(units["text"])
    terms = cv.get_feature_names_out().astype(object)
    docs = units.drop(columns=["text"]).copy()
    # n_tokens of a unit: tokens before stop-word removal (the DTM contract)
    import re

    rx = re.compile(TOKEN_PATTERN)
    docs["n_tokens"] = [len(rx.findall(t.lower())) for t in units["text"]]
    params = dict(unit="document", ngram_range=(1, 2), stop_words="english", min_df=min_df)
    return DTM(matrix=sp.csr_matrix(m), terms=terms, docs=docs, keys=terms.copy(), params=params)


def dtm_build(corpus: pd.DataFrame, min_df: int):
    import analysis

    return analysis.build_dtm(
        corpus, unit="document", ngram_range=(1, 2), min_df=min_df, stop_words="english"
    )


def check_same(corpus: pd.DataFrame, min_df: int) -> None:
    small = corpus.head(60)
    a, b = dtm_build(small, 2), dtm_sklearn(small, 2)
    same = (
        list(a.terms) == list(b.terms)
        and (a.matrix != b.matrix).nnz == 0
        and a.docs["n_tokens"].tolist() == b.docs["n_tokens"].tolist()
    )
    print(f"check: build_dtm and CountVectorizer DTMs identical on 60 speeches: {same}")
    if not same:
        sys.exit("the two DTM builders disagree on 60 speeches; report this as a bug in build_dtm")


def texts_for_gensim(corpus: pd.DataFrame, vocab: set[str]) -> list[list[str]]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from analysis.text import tokenize

    out = []
    for text in corpus["text"]:
        toks = [t for t in tokenize(text) if t not in ENGLISH_STOP_WORDS]
        seq = []
        for i, t in enumerate(toks):
            if t in vocab:
                seq.append(t)
            if i + 1 < len(toks):
                bg = f"{t} {toks[i + 1]}"
                if bg in vocab:
                    seq.append(bg)
        out.append(seq)
    return out


def run_gensim(dtm, texts, ks, seeds, top_n: int, workers: int | None):
    from gensim.corpora import Dictionary
    from gensim.matutils import Sparse2Corpus
    from gensim.models import CoherenceModel, LdaMulticore

    from analysis.topics import topic_coherence

    id2word = {i: str(t) for i, t in enumerate(dtm.terms)}
    dictionary = Dictionary.from_corpus(Sparse2Corpus(dtm.matrix, documents_columns=False), id2word)
    rows = []
    for k in ks:
        for s in seeds:
            t0 = time.perf_counter()
            corpus = Sparse2Corpus(dtm.matrix, documents_columns=False)
            lda = LdaMulticore(
                corpus, num_topics=k, id2word=dictionary, random_state=s, workers=workers
            )
            t_fit = time.perf_counter() - t0
            cm = CoherenceModel(
                model=lda, texts=texts, dictionary=dictionary, coherence="c_npmi", topn=top_n
            )
            c_npmi = cm.get_coherence()
            t_all = time.perf_counter() - t0
            top = np.asarray([[w for w, _ in lda.get_topic_terms(t, topn=top_n)] for t in range(k)])
            ours = topic_coherence(dtm, top, top_n=top_n)["npmi"].mean()
            rows.append(
                dict(k=k, seed=s, fit_s=t_fit, total_s=t_all, c_npmi_w10=c_npmi, npmi_ours=ours)
            )
            print(
                f"  gensim k={k} seed={s}: fit {t_fit:.1f} s, +coherence {t_all:.1f} s, "
                f"c_npmi {c_npmi:.3f}, npmi (ours) {ours:.3f}",
                flush=True,
            )
    return pd.DataFrame(rows)


def _select_old(dtm, **kw):
    """select_k through the per-fit path (fit_topics for every fit), as before."""
    import analysis.topics.metrics as metrics

    fast = metrics._fast_nmf_ok
    metrics._fast_nmf_ok = lambda kwargs: False
    try:
        return metrics.select_k(dtm, **kw)
    finally:
        metrics._fast_nmf_ok = fast


def report_setting(
    corpus: pd.DataFrame, label: str, jobs: int, k_sample: int | None = None
) -> None:
    import analysis
    from analysis.topics import choose_k

    dtm = analysis.build_dtm(
        corpus, unit="document", ngram_range=(1, 1), min_df=2, stop_words="english"
    )
    kw = dict(ks=[3, 4, 5, 6, 7, 8], seeds=[0, 1, 2], method="nmf", top_n=10, progress=False)
    print(f"== {label}: {dtm!r}; load average {os.getloadavg()}", flush=True)
    runs = {}
    variants = [
        ("old (per-fit)", _select_old, {}),
        ("new (shared input)", analysis.select_k, {}),
        (f"new, n_jobs={jobs}", analysis.select_k, {"n_jobs": jobs}),
    ]
    if k_sample is not None:  # 04-topics' k_sample: all units against the sample, same run
        variants = [
            (f"all units, n_jobs={jobs}", analysis.select_k, {"n_jobs": jobs}),
            (
                f"sample={k_sample}, n_jobs={jobs}",
                analysis.select_k,
                {"n_jobs": jobs, "sample": k_sample},
            ),
        ]
    for name, fn, extra in variants:
        t0 = time.perf_counter()
        runs[name] = fn(dtm, **kw, **extra)
        took = time.perf_counter() - t0
        print(f"  {name}: {took:.1f} s (load average {os.getloadavg()[0]:.2f})", flush=True)
    tables = list(runs.values())
    same = all(t.equals(tables[0]) for t in tables[1:])
    print(f"  tables identical ({' / '.join(runs)}): {same}")
    for name, table in runs.items():
        choice = choose_k(table, min_stability=0.7)
        model = analysis.fit_topics(dtm, choice.k, seed=0)
        terms = model.top_terms(10).groupby("topic")["term"].apply(", ".join)
        print(f"  {name}: chosen k = {choice.k} (passed: {choice.passed})")
        for t, line in terms.items():
            print(f"    topic {t}: {line}")
    for name, table in runs.items():
        print(f"  {name}:")
        print(choose_k(table, min_stability=0.7).table.round(4).to_string(index=False), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--report", action="store_true", help="select_k in the report's setting")
    ap.add_argument("--from-year", type=int, default=2005, help="--report subset: from this year")
    ap.add_argument(
        "--k-sample", type=int, default=None,
        help="--report: all units against select_k(sample=N) (04-topics' k_sample), full corpus only",
    )  # fmt: skip
    ap.add_argument("--sample", type=int, default=None, help="random sample of N speeches")
    ap.add_argument("--ks", type=int, nargs="+", default=[10, 20, 30])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--min-df", type=int, default=5)
    ap.add_argument("--top-n", type=int, default=10)
    ap.add_argument("--dtm", choices=("build_dtm", "sklearn"), default="build_dtm")
    ap.add_argument("--check", action="store_true", help="verify the two DTM builders agree")
    ap.add_argument("--workers", type=int, default=None, help="LdaMulticore workers")
    ap.add_argument("--jobs", type=int, default=-1, help="select_k processes (default: all cores)")
    ap.add_argument("--skip-gensim", action="store_true")
    args = ap.parse_args()

    import analysis

    if args.report:
        corpus = load(None)
        years = pd.to_numeric(corpus["year"])
        if args.k_sample is not None:
            report_setting(corpus, "full corpus", 2, k_sample=args.k_sample)
            return
        report_setting(corpus[years >= args.from_year], f"speeches from {args.from_year}", 2)
        report_setting(corpus, "full corpus", 2)
        return
    t0 = time.perf_counter()
    corpus = load(args.sample)
    print(f"corpus: {len(corpus)} speeches ({time.perf_counter() - t0:.1f} s to read)")
    if args.check:
        check_same(corpus, args.min_df)
    t0 = time.perf_counter()
    dtm = (dtm_sklearn if args.dtm == "sklearn" else dtm_build)(corpus, args.min_df)
    t_dtm = time.perf_counter() - t0
    print(f"DTM ({args.dtm}): {dtm!r} in {t_dtm:.1f} s (shared, not charged to either side)")

    print(f"ours: select_k NMF, ks={args.ks}, seeds={args.seeds}", flush=True)
    t0 = time.perf_counter()
    ours = analysis.select_k(
        dtm, ks=args.ks, seeds=args.seeds, method="nmf", top_n=args.top_n, n_jobs=args.jobs
    )
    t_ours = time.perf_counter() - t0
    print(ours.to_string(index=False))
    print(f"ours: {t_ours:.1f} s for {len(ours)} fits with all metrics", flush=True)
    if args.skip_gensim:
        return

    t0 = time.perf_counter()
    texts = texts_for_gensim(corpus, set(map(str, dtm.terms)))
    t_texts = time.perf_counter() - t0
    print(f"gensim texts (tokens in vocabulary): {t_texts:.1f} s (not charged)")
    print("gensim: LdaMulticore + CoherenceModel(c_npmi)", flush=True)
    t0 = time.perf_counter()
    gen = run_gensim(dtm, texts, args.ks, args.seeds, args.top_n, args.workers)
    t_gen = time.perf_counter() - t0

    side = ours.groupby("k")[["npmi"]].mean().rename(columns={"npmi": "ours NMF npmi"})
    g = gen.groupby("k")[["npmi_ours", "c_npmi_w10"]].mean()
    side["gensim LDA npmi (our metric)"] = g["npmi_ours"]
    side["gensim LDA c_npmi (window 10)"] = g["c_npmi_w10"]
    print()
    print(f"== {len(corpus)} speeches, {dtm.shape[1]} terms; {len(ours)} fits per side")
    print(side.round(3).to_string())
    print(
        f"time: ours {t_ours:.1f} s (select_k: fits + NPMI + UMass + diversity + stability) | "
        f"gensim {t_gen:.1f} s (LdaMulticore + CoherenceModel c_npmi) | "
        f"ratio {t_gen / t_ours:.1f}x"
    )
    print(
        f"NPMI (our metric, mean over k): ours {ours['npmi'].mean():.3f} | "
        f"gensim {gen['npmi_ours'].mean():.3f}"
    )
    faster = t_ours < t_gen
    better = ours["npmi"].mean() >= gen["npmi_ours"].mean()
    print(f"target (faster at equal or better NPMI): {'met' if faster and better else 'NOT met'}")


if __name__ == "__main__":
    main()
