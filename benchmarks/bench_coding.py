"""Benchmark: drawing a coding sheet from every theme hit of the UN General Debate corpus.

``sample_for_coding(hits, n_per_theme=20, by="decade")`` over all the hits of the seed
codebook in the 10,952 speeches: a stable id per hit (BLAKE2b), a permanent random
number per hit, the allocation over decades and the draws. The baseline, timed in the
same run on the same table, is pandas' ``groupby(["theme", "decade"]).sample`` (no ids,
no even allocation, not stable when the corpus grows). ``coding_precision`` then reads
back a filled sheet for two coders. Loading, matching and ``theme_hits`` are timed
separately.

    python benchmarks/bench_coding.py [--corpus ~/.cache/framing-analysis]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _measure import PATTERN, find_corpus

from analysis import cached_corpus
from analysis.themes import load_themes, match_themes, theme_hits
from analysis.themes.coding import coding_precision, sample_for_coding


def peak_rss_kb() -> int:
    """Peak resident set size of this process (``VmHWM``), in KiB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=None)
    parser.add_argument("--n-per-theme", type=int, default=20)
    args = parser.parse_args()
    path = Path(args.corpus) if args.corpus else find_corpus()
    if path is None or not path.exists():
        print(
            "UNGDC corpus not found; unpack ungdc-1946-2024.tar.xz into ~/.cache/framing-analysis"
        )
        return 2
    print(f"cores available: {len(os.sched_getaffinity(0))}")
    t0 = time.perf_counter()
    corpus = cached_corpus(path, pattern=PATTERN)
    load_s = time.perf_counter() - t0
    corpus["decade"] = (corpus["year"] // 10 * 10).astype(str) + "s"
    codebook = load_themes(Path(__file__).resolve().parents[1] / "seeds" / "themes.yml")
    t0 = time.perf_counter()
    matches = match_themes(corpus, codebook)
    match_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    hits = theme_hits(matches)
    hits_s = time.perf_counter() - t0
    hits["decade"] = hits["doc_id"].map(corpus.set_index("doc_id")["decade"])
    n = args.n_per_theme

    t0 = time.perf_counter()
    sheet = sample_for_coding(hits, n_per_theme=n, by="decade", seed=0)
    ours_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = sample_for_coding(hits, n_per_theme=n, by="decade", seed=0)
    assert again.equals(sheet)
    per = max(1, n // hits["decade"].nunique())
    t0 = time.perf_counter()
    naive = pd.concat(
        [
            g.sample(n=min(per, len(g)), random_state=0)
            for _, g in hits.groupby(["theme", "decade"], sort=False)
        ]
    )
    naive_s = time.perf_counter() - t0

    rng = np.random.default_rng(0)
    two = pd.concat(
        [
            sheet.assign(coder=c, valid=rng.choice(["yes", "no"], size=len(sheet), p=[0.8, 0.2]))
            for c in ("ann", "bob")
        ]
    )
    with tempfile.TemporaryDirectory() as tmp:
        filled = Path(tmp) / "filled.csv"
        two.to_csv(filled, index=False)
        t0 = time.perf_counter()
        result = coding_precision(filled, by="decade", min_codes=10)
        read_s = time.perf_counter() - t0

    print(
        f"loaded {len(corpus):,} documents in {load_s:.1f} s, matched in {match_s:.1f} s, "
        f"theme_hits {len(hits):,} hits in {hits_s:.1f} s (not timed below)"
    )
    print(f"\n{'step':<70}{'wall s':>8}")
    step = f"sample_for_coding: {len(sheet)} of {len(hits):,} hits, by decade (ours)"
    print(f"{step:<70}{ours_s:>8.2f}")
    step = f"pandas groupby(theme, decade).sample, {len(naive)} rows (baseline)"
    print(f"{step:<70}{naive_s:>8.2f}")
    step = f"coding_precision: {len(two)} codes, 2 coders, {len(result.precision)} rows"
    print(f"{step:<70}{read_s:>8.2f}")
    print(f"peak RSS of this process: {peak_rss_kb() / 1024:.0f} MiB (VmHWM)")
    overall = result.agreement.query("level == 'overall'").iloc[0]
    print(f"agreement of random codes: kappa {overall['kappa']:.3f}, alpha {overall['alpha']:.3f}")
    print(f"load average (1, 5, 15 min): {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
