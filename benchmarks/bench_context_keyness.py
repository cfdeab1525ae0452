"""Benchmark context_dtm and context_keyness on the whole UN General Debate corpus.

One target (``sovereign*`` by default, window 6) on the 10,952 speeches. In ONE run:

- ``context_dtm`` (theme matcher + vectorised counting) next to a baseline in plain
  Python on the same texts (regex tokens, ``fnmatch`` on each token, a set of window
  positions per document, a ``Counter``: the independent count of the tests), and
  whether the two give the same counts;
- ``context_keyness`` of ``country=CHN`` against ``USA`` with ``n_boot=500``, for the
  top 20 terms on each side and for every context term (``top_n=None``).

Each job runs alone in a forked child; the script prints wall seconds and the child's
peak RSS (``VmHWM``, reset at the fork, so it includes the corpus the child inherits)
and its growth, plus the load average.

Usage::

    python benchmarks/bench_context_keyness.py [--target 'sovereign*'] [--window 6]
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from _measure import PATTERN, find_corpus, in_child  # noqa: E402
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # noqa: E402

import analysis  # noqa: E402
from analysis.context.keyness import context_dtm, context_keyness  # noqa: E402


def loop_counts(texts: list[str], glob: str, window: int) -> dict[int, Counter]:
    """The plain-Python baseline: context words per document with the target."""
    out = {}
    for d, text in enumerate(texts):
        toks = [t.lower() for t in re.findall(r"\w+", text)]
        hit = [fnmatch.fnmatchcase(t, glob) for t in toks]
        near = set()
        for i, h in enumerate(hit):
            if h:
                near.update(range(max(0, i - window), i))
                near.update(range(i + 1, min(len(toks), i + 1 + window)))
        near = {j for j in near if not hit[j]}
        if any(hit):
            out[d] = Counter(toks[j] for j in near if toks[j] not in ENGLISH_STOP_WORDS)
    return out


def dtm_counts(corpus, glob: str, window: int) -> dict[int, Counter]:
    dtm = context_dtm(corpus, glob, window=window)
    row_doc = corpus.reset_index(drop=True).index[
        corpus["doc_id"].reset_index(drop=True).isin(dtm.docs["doc_id"])
    ]
    m = dtm.matrix.tocsr()
    out = {}
    for i, d in enumerate(row_doc):
        lo, hi = m.indptr[i], m.indptr[i + 1]
        out[int(d)] = Counter(
            {
                str(dtm.terms[c]): int(v)
                for c, v in zip(m.indices[lo:hi], m.data[lo:hi], strict=True)
            }
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", default="sovereign*")
    ap.add_argument("--window", type=int, default=6)
    args = ap.parse_args()
    path = find_corpus()
    if path is None:
        sys.exit("the UN General Debate corpus is not available; see benchmarks/README.md")
    t = time.perf_counter()
    corpus = analysis.cached_corpus(path, pattern=PATTERN)
    print(f"corpus: {len(corpus)} speeches, read in {time.perf_counter() - t:.1f} s", flush=True)
    texts = corpus["text"].tolist()
    glob, w = args.target.lower(), args.window

    print(f"\ncontext counts of {args.target!r}, window {w}")
    print(f"{'job':38s} {'seconds':>8s} {'peak MB':>8s} {'growth MB':>9s}")
    base = in_child(lambda: loop_counts(texts, glob, w))
    ours = in_child(lambda: dtm_counts(corpus, glob, w))
    for name, r in (("plain Python loop (baseline)", base), ("context_dtm", ours)):
        print(f"{name:38s} {r.seconds:8.2f} {r.peak_mb:8.0f} {r.growth_mb:9.0f}", flush=True)
    print(
        f"same counts: {base.result == ours.result} ({len(ours.result)} documents with the target)"
    )

    print(f"\ncontext_keyness of {args.target!r}, country CHN vs USA, n_boot=500")
    print(f"{'job':38s} {'seconds':>8s} {'peak MB':>8s} {'growth MB':>9s}")
    for top_n in (20, None):

        def job(top_n=top_n):
            table = context_keyness(corpus, args.target, by="country", target_group="CHN",
                                    reference="USA", window=w, top_n=top_n, n_boot=500)  # fmt: skip
            return table

        r = in_child(job)
        table = r.result
        label = f"top_n={top_n} ({len(table)} terms)"
        print(f"{label:38s} {r.seconds:8.2f} {r.peak_mb:8.0f} {r.growth_mb:9.0f}")
    top = table.head(8)[["term", "score", "z", "ci_low", "ci_high", "supported"]]
    print(f"\n{table['n_docs_target'].iloc[0]} CHN and {table['n_docs_reference'].iloc[0]} USA "
          f"speeches with the target; most CHN-leaning context words:")  # fmt: skip
    print(top.to_string(index=False))
    print(f"\nload average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
