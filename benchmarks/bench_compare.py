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

import analysis  # noqa: E402
from analysis import compare as after  # noqa: E402


def _status(key: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key):
                return int(line.split()[1])
    return 0


def _digest(result) -> str:
    if isinstance(result, pd.DataFrame):
        h = int(pd.util.hash_pandas_object(result, index=False).sum())
        return f"{result.shape} {list(result.dtypes.astype(str))} {h}"
    return repr(result)


def run_child(fn) -> tuple[float, float, float, str]:
    """``fn()`` in a forked child: seconds, peak RSS MB, RSS growth MB, result digest."""
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
        digest = _digest(res)
        os.write(w, pickle.dumps((sec, peak / 1024, (peak - start) / 1024, digest)))
        os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.waitpid(pid, 0)
    return pickle.loads(data)


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
        b = run_child(lambda job=job: job(before))
        a = run_child(lambda job=job: job(after))
        print(
            f"{name:38s} {b[0]:9.2f} {a[0]:8.2f} {b[1]:6.0f}/{a[1]:<6.0f} "
            f"{b[2]:7.0f}/{a[2]:<6.0f}  {b[3] == a[3]}",
            flush=True,
        )
    print(f"load average at end {os.getloadavg()}")


if __name__ == "__main__":
    main()
