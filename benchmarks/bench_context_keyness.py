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
import pickle
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from _measure import PATTERN, find_corpus  # noqa: E402
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # noqa: E402

import analysis  # noqa: E402
from analysis.context.keyness import context_dtm, context_keyness  # noqa: E402


def _status(key: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key):
                return int(line.split()[1])
    return 0


def run_child(fn):
    """``fn()`` in a forked child: seconds, peak RSS MB, RSS growth MB, its picklable result."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")  # reset VmHWM to the current RSS
        except OSError:
            pass
        start = _status("VmRSS:")
        t = time.perf_counter()
        res = fn()
        sec = time.perf_counter() - t
        peak = _status("VmHWM:")
        os.write(w, pickle.dumps((sec, peak / 1024, (peak - start) / 1024, res)))
        os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.waitpid(pid, 0)
    return pickle.loads(data)


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
    base = run_child(lambda: loop_counts(texts, glob, w))
    ours = run_child(lambda: dtm_counts(corpus, glob, w))
    for name, (sec, peak, grow, _) in (
        ("plain Python loop (baseline)", base),
        ("context_dtm", ours),
    ):
        print(f"{name:38s} {sec:8.2f} {peak:8.0f} {grow:9.0f}", flush=True)
    print(f"same counts: {base[3] == ours[3]} ({len(ours[3])} documents with the target)")

    print(f"\ncontext_keyness of {args.target!r}, country CHN vs USA, n_boot=500")
    print(f"{'job':38s} {'seconds':>8s} {'peak MB':>8s} {'growth MB':>9s}")
    for top_n in (20, None):

        def job(top_n=top_n):
            table = context_keyness(corpus, args.target, by="country", target_group="CHN",
                                    reference="USA", window=w, top_n=top_n, n_boot=500)  # fmt: skip
            return table

        sec, peak, grow, table = run_child(job)
        print(f"{f'top_n={top_n} ({len(table)} terms)':38s} {sec:8.2f} {peak:8.0f} {grow:9.0f}")
    top = table.head(8)[["term", "score", "z", "ci_low", "ci_high", "supported"]]
    print(f"\n{table['n_docs_target'].iloc[0]} CHN and {table['n_docs_reference'].iloc[0]} USA "
          f"speeches with the target; most CHN-leaning context words:")  # fmt: skip
    print(top.to_string(index=False))
    print(f"\nload average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
