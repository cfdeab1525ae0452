"""Benchmark fit_embeddings on the UN General Debate corpus next to gensim's Word2Vec.

In ONE run, each alone in a forked child (so each has its own peak memory):

- ours: ``fit_embeddings(corpus, dim=100, window=6, min_count=5)`` (tokenizing the
  texts is part of the timed call);
- baseline: gensim ``Word2Vec(sentences, vector_size=100, window=6, min_count=5,
  workers=2, seed=0)`` with its default 5 epochs, on the SAME tokens: the package's
  word tokens of each document (:func:`analysis.tokens.word_tokens`), built before the
  fork and not timed. gensim silently truncates a sentence after 10,000 tokens, so
  longer documents are passed as consecutive pieces of 10,000 tokens.

The script prints wall time, CPU time, the child's peak RSS (``VmHWM`` after resetting
it at the fork, so it includes the corpus the child inherits) and its growth over the
start, the target (ours under 180 s on two cores), and the 10 nearest neighbours of
"sovereignty", "multilateralism" and "terrorism" in each model side by side.

Usage::

    python benchmarks/bench_embeddings.py                 # all 10,952 speeches
    python benchmarks/bench_embeddings.py --sample 500    # 500 random speeches
    python benchmarks/bench_embeddings.py --skip-gensim   # ours only

gensim is the optional ``bench`` extra (``pip install gensim``); without it the
baseline is skipped with a note.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from _measure import in_child  # noqa: E402

import analysis  # noqa: E402
from analysis.context.embeddings import fit_embeddings  # noqa: E402
from analysis.tokens import word_tokens  # noqa: E402

TARGET_S = 180.0
WORDS = ("sovereignty", "multilateralism", "terrorism")
GENSIM_MAX_WORDS = 10_000  # gensim.models.word2vec's MAX_WORDS_IN_BATCH


def ours(corpus, dim: int, window: int, min_count: int) -> dict:
    emb = fit_embeddings(corpus, dim=dim, window=window, min_count=min_count, seed=0)
    return {
        "n_words": len(emb),
        "neighbours": {
            w: [(t, float(s)) for t, s in emb.most_similar(w, top_n=10).itertuples(index=False)]
            if w in emb
            else []
            for w in WORDS
        },
    }


def baseline(sentences, dim: int, window: int, min_count: int) -> dict:
    from gensim.models import Word2Vec

    model = Word2Vec(
        sentences, vector_size=dim, window=window, min_count=min_count, workers=2, seed=0
    )
    return {
        "n_words": len(model.wv),
        "neighbours": {
            w: [(t, float(s)) for t, s in model.wv.most_similar(w, topn=10)]
            if w in model.wv
            else []
            for w in WORDS
        },
    }


def gensim_sentences(texts) -> list[list[str]]:
    """The package's word tokens per document, in pieces of at most 10,000 tokens."""
    toks = word_tokens(texts)
    words = toks.types[toks.ids]
    out = []
    for lo, hi in zip(toks.offsets[:-1].tolist(), toks.offsets[1:].tolist(), strict=True):
        for a in range(lo, hi, GENSIM_MAX_WORDS):
            out.append(words[a : min(hi, a + GENSIM_MAX_WORDS)].tolist())
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, help="the unpacked UNGDC folder")
    ap.add_argument("--sample", type=int, help="run on this many random speeches (seed 0)")
    ap.add_argument("--skip-gensim", action="store_true", help="time ours only")
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--window", type=int, default=6)
    ap.add_argument("--min-count", type=int, default=5)
    args = ap.parse_args()
    from _measure import PATTERN, find_corpus

    folder = args.corpus or find_corpus()
    if folder is None:
        print("UNGDC not found; nothing to benchmark")
        return
    t = time.perf_counter()
    corpus = analysis.cached_corpus(folder, pattern=PATTERN, progress=False)
    print(f"cached_corpus {time.perf_counter() - t:.1f} s (not timed below)")
    if args.sample:
        rng = np.random.default_rng(0)
        keep = np.sort(rng.choice(len(corpus), size=min(args.sample, len(corpus)), replace=False))
        corpus = corpus.iloc[keep].reset_index(drop=True)
    corpus = corpus[["doc_id", "text"]]
    n_tokens = int(analysis.tokens.count_words(corpus["text"]).sum())
    print(f"{len(corpus):,} speeches, {n_tokens:,} word tokens")
    sizes = dict(dim=args.dim, window=args.window, min_count=args.min_count)
    jobs = {"fit_embeddings (ours, PPMI-SVD)": lambda: ours(corpus, **sizes)}
    if not args.skip_gensim:
        try:
            import gensim

            t = time.perf_counter()
            sentences = gensim_sentences(corpus["text"])
            print(
                f"gensim {gensim.__version__}: {len(sentences):,} token lists built in "
                f"{time.perf_counter() - t:.1f} s (not timed)"
            )
            jobs["gensim Word2Vec (5 epochs, 2 workers)"] = lambda: baseline(sentences, **sizes)
        except ImportError:
            print("gensim is not installed (pip install gensim); baseline skipped")
    print(f"load average at start {os.getloadavg()}")
    results = {}
    print(
        f"{'job':40s} {'wall s':>8s} {'CPU s':>8s} {'peak MB':>8s} {'growth MB':>10s} {'words':>8s}"
    )
    for name, job in jobs.items():
        run = in_child(job)
        res = results[name] = (
            {"error": run.error}
            if run.error
            else {
                **run.result,
                "seconds": run.seconds,
                "cpu": run.cpu,
                "peak_mb": run.peak_mb,
                "growth_mb": run.growth_mb,
            }  # fmt: skip
        )
        if "error" in res:
            print(f"{name:40s} failed: {res['error']}")
            continue
        print(
            f"{name:40s} {res['seconds']:8.1f} {res['cpu']:8.1f} {res['peak_mb']:8.0f} "
            f"{res['growth_mb']:10.0f} {res['n_words']:8,d}",
            flush=True,
        )
    print(f"load average at end {os.getloadavg()}")
    mine = results[next(iter(jobs))]
    if "seconds" in mine:
        verdict = "PASS" if mine["seconds"] < TARGET_S else "FAIL"
        print(
            f"target: fit_embeddings under {TARGET_S:.0f} s on 2 cores: {mine['seconds']:.1f} s {verdict}"
        )
    names = [n for n in jobs if "neighbours" in results[n]]
    for word in WORDS:
        print(f"\nnearest neighbours of {word!r}")
        print("  ".join(f"{n.split(' (')[0]:>32s}" for n in names))
        lists = [results[n]["neighbours"][word] for n in names]
        for i in range(10):
            cells = []
            for lst in lists:
                cells.append(f"{lst[i][0]:>24s} {lst[i][1]:7.3f}" if i < len(lst) else " " * 32)
            print("  ".join(cells))


if __name__ == "__main__":
    main()
