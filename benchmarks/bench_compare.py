"""Benchmark keyness, keyness_agreement and term_frequencies on a big vocabulary, before/after.

The setting of notebook 05-compare on the whole UN General Debate corpus:
``build_dtm(corpus, unit="document", ngram_range=(1, 2), min_df=1)`` (10,952 speeches,
about 4.8 M terms), target the last year, reference every earlier year. In ONE run each
job runs twice, with the previous implementation (``tests/terms/compare_before.py``)
and with ``analysis.compare``, each alone in a forked child; the script prints wall
time, the child's peak RSS (``VmHWM`` after resetting it at the fork, so it includes
the DTM the child inherits) and its growth over the start, whether the two results are
equal (``pandas.util.hash_pandas_object`` of the table plus dtypes), and the load average.

Usage::

    python benchmarks/bench_compare.py                    # read the UNGDC and build the DTM
    python benchmarks/bench_compare.py --dtm dtm.pkl      # a pickled DTM (written if absent)
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "terms"), str(ROOT / "benchmarks")]

import compare_before as before  # noqa: E402
from _measure import in_child  # noqa: E402

import analysis  # noqa: E402
from analysis import compare as after  # noqa: E402


def _digest(result) -> str:
    if isinstance(result, pd.DataFrame):
        h = int(pd.util.hash_pandas_object(result, index=False).sum())
        return f"{result.shape} {list(result.dtypes.astype(str))} {h}"
    return repr(result)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dtm", type=Path, help="pickled DTM to load (built and written if absent)")
    args = ap.parse_args()
    if args.dtm and args.dtm.is_file():
        dtm = pickle.loads(args.dtm.read_bytes())
    else:
        from _measure import PATTERN, find_corpus

        folder = find_corpus()
        if folder is None:
            print("UNGDC not found; nothing to benchmark")
            return
        t = time.perf_counter()
        docs = analysis.read_corpus(folder, pattern=PATTERN)
        dtm = analysis.build_dtm(docs, unit="document", ngram_range=(1, 2), min_df=1)
        del docs
        print(f"read + build_dtm {time.perf_counter() - t:.1f} s")
        if args.dtm:
            args.dtm.write_bytes(pickle.dumps(dtm, protocol=5))
    print(dtm)
    years = sorted(dtm.docs["year"].unique())
    target, earlier = years[-1], [y for y in years if y < years[-1]]
    side = dict(by="year", target=target, reference=earlier)
    tt = after.keyness(dtm, **side)
    terms = tt.head(3)["term"].tolist() + tt.tail(3)["term"].tolist()
    del tt
    jobs = {
        "keyness log-odds": lambda m: m.keyness(dtm, **side),
        "keyness G2 top_n=15": lambda m: m.keyness(dtm, measure="log_likelihood", top_n=15, **side),
        "keyness_agreement top_n=15": lambda m: m.keyness_agreement(dtm, top_n=15, **side),
        "term_frequencies by year, 6 terms": lambda m: m.term_frequencies(
            dtm, by="year", terms=terms
        ),
        "term_frequencies by doc_id, 6 terms": lambda m: m.term_frequencies(
            dtm, by="doc_id", terms=terms
        ),
        "term_frequencies by year, glob": lambda m: m.term_frequencies(
            dtm, by="year", terms=["multilateral*"]
        ),
    }
    print(f"load average at start {os.getloadavg()}")
    print(f"{'job':38s} {'before s':>9s} {'after s':>8s} {'peak MB b/a':>13s} "
          f"{'growth MB b/a':>14s}  equal")  # fmt: skip
    for name, job in jobs.items():
        b = in_child(lambda job=job: _digest(job(before)))
        a = in_child(lambda job=job: _digest(job(after)))
        print(
            f"{name:38s} {b.seconds:9.2f} {a.seconds:8.2f} {b.peak_mb:6.0f}/{a.peak_mb:<6.0f} "
            f"{b.growth_mb:7.0f}/{a.growth_mb:<6.0f}  {b.result == a.result}",
            flush=True,
        )
    print(f"load average at end {os.getloadavg()}")


if __name__ == "__main__":
    main()
