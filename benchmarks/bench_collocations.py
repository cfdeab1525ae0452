"""Benchmark ``collocations`` on the UN General Debate corpus against nltk's finders (issue 13).

In one run, for each of the three calls notebook 02-keywords makes (bigrams by PMI and by
likelihood ratio with ``min_freq=3``, trigrams by likelihood ratio with ``min_freq=2``),
times ours (numpy counts, the corpus tokenized once for the three calls as the notebook
does, that time included in our total) and nltk's ``BigramCollocationFinder`` /
``TrigramCollocationFinder`` on the same tokens with the same filters (the package's
code before issue 13), and checks that the full rankings are identical (n-grams, scores
bit for bit, counts). Target: ours at least 20x faster. The corpus is loaded once with
``cached_corpus`` (not timed).

    python benchmarks/bench_collocations.py            # all 10,952 speeches
    python benchmarks/bench_collocations.py --since 2015
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "terms"))

from _measure import PATTERN, find_corpus  # noqa: E402

import analysis  # noqa: E402

CALLS = [
    ("bigrams, pmi, min_freq 3", dict(n=2, measure="pmi", min_freq=3)),
    ("bigrams, likelihood ratio, min_freq 3", dict(n=2, measure="likelihood_ratio", min_freq=3)),
    ("trigrams, likelihood ratio, min_freq 2", dict(n=3, measure="likelihood_ratio", min_freq=2)),
]
TARGET = 20.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--since", type=int, default=None, help="only speeches from this year on")
    args = ap.parse_args(argv)
    from test_collocations_counts import nltk_collocations  # the reference, as tested

    path = find_corpus()
    if path is None:
        print("UNGDC not found (no unpacked folder, no tarball): nothing to measure.")
        return 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = analysis.cached_corpus(path, pattern=PATTERN)
    if args.since:
        corpus = corpus[corpus["year"] >= args.since].reset_index(drop=True)
    print(f"{len(corpus):,} speeches, {int(corpus['n_tokens'].sum()):,} word tokens")
    from analysis.tokens import word_tokens

    t = time.perf_counter()
    tokens = word_tokens(corpus["text"])  # once, as notebook 02 does (charged to ours)
    t_tokens = time.perf_counter() - t
    print(f"ours: word_tokens once for the three calls: {t_tokens:.2f} s")
    rows = []
    for label, kw in CALLS:
        load = os.getloadavg()[0]
        t = time.perf_counter()
        ours = analysis.collocations(corpus, tokens=tokens, top_n=None, **kw)
        t_ours = time.perf_counter() - t
        t = time.perf_counter()
        ref = nltk_collocations(corpus, **kw)
        t_nltk = time.perf_counter() - t
        same = (
            ours["ngram"].tolist() == ref["ngram"].tolist()
            and ours["score"].tolist() == ref["score"].tolist()
            and ours["count"].tolist() == ref["count"].tolist()
        )
        rows.append((label, len(ours), t_ours, t_nltk, same, load))
        print(
            f"{label}: ours {t_ours:.2f} s, nltk {t_nltk:.1f} s, {t_nltk / t_ours:.0f}x; identical: {same}",
            flush=True,
        )
    print("\n| call | rows | ours s | nltk s | speed-up | identical | load |")
    print("|---|---:|---:|---:|---:|---|---:|")
    for label, n, a, b, same, load in rows:
        print(f"| {label} | {n:,} | {a:.2f} | {b:.1f} | {b / a:.0f}x | {same} | {load:.2f} |")
    total_ours, total_nltk = t_tokens + sum(r[2] for r in rows), sum(r[3] for r in rows)
    ok = total_nltk / total_ours >= TARGET and all(r[4] for r in rows)
    print(
        f"\nall three: ours {total_ours:.1f} s (tokenizing once included), nltk {total_nltk:.1f} s = {total_nltk / total_ours:.0f}x "
        f"(target >= {TARGET:.0f}x, identical tables): {'PASS' if ok else 'MISS'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
