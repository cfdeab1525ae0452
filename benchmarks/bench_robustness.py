"""Benchmark: the default specification grid of one theme difference (analysis.robustness).

The estimate is the example study's multilateralism difference by year, 2020+2024
against 2000+2005 (codebook ``examples/ungdc-sample/themes.yml``); the default grid is
unit (document, paragraph) x clean (text, raw_text) x stem (no, yes) x drop_entry (none
and each of the theme's 10 entries): 88 specifications, n_boot=1000.

Ours: :func:`analysis.robustness.robustness` (one tokenization per unit x clean, one
search of the entries per stem, only the overlap rule re-run per dropped entry). The
baseline, timed in the same run, is what a user would write without it: per
specification, ``read_corpus`` (sample only), ``match_themes`` with the codebook
without that entry, and ``theme_difference``. Both give the same numbers (checked).
On the full UN General Debate corpus the baseline is timed on a few specifications
(without re-reading the corpus) and scaled to the grid.

    python benchmarks/bench_robustness.py [--full] [--corpus ~/.cache/framing-analysis]

Corpus: Jankin, Baturo & Dasandi, "Words to Unite Nations: The Complete UN General
Debate Corpus, 1946-present", Journal of Peace Research; Baturo, Dasandi & Mikhaylov,
Research & Politics 2017 (CC0, doi:10.7910/DVN/0TJX8Y).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import CACHE, PATTERN, PeakMemory, find_corpus

from analysis import cached_corpus, read_corpus
from analysis.robustness import ThemeDifference, robustness
from analysis.themes import load_themes, match_themes, theme_difference
from analysis.themes.codebook import Codebook

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "ungdc-sample"
THEME = "multilateralism"
TARGET, REFERENCE = [2020, 2024], [2000, 2005]
N_BOOT = 1000


def _side(corpus):
    years = corpus["year"].to_numpy()
    t, r = "+".join(map(str, TARGET)), "+".join(map(str, REFERENCE))
    return corpus.assign(
        side=np.where(np.isin(years, TARGET), t, np.where(np.isin(years, REFERENCE), r, "other"))
    ), t, r  # fmt: skip


def _codebook_without(codebook: Codebook, drop: str | None) -> Codebook:
    if drop is None:
        return codebook
    themes = []
    for t in codebook:
        if t.id == THEME:
            t = replace(
                t,
                entries=tuple(e for e in t.entries if e != drop),
                core=tuple(c for c in t.core if c != drop),
            )
        themes.append(t)
    return Codebook(tuple(themes), codebook.name)


def naive_spec(corpus, codebook, spec, *, reread=None) -> float:
    """One specification the long way; returns the estimate (for the check)."""
    if reread is not None:
        corpus = reread()
    if not spec["clean"]:
        corpus = corpus.assign(text=corpus["raw_text"])
    corpus, t, r = _side(corpus)
    m = match_themes(corpus, _codebook_without(codebook, spec["drop_entry"]),
                     unit=spec["unit"], stem=spec["stem"])  # fmt: skip
    d = theme_difference(m, by="side", target=t, reference=r, n_boot=N_BOOT, n_perm=0, seed=0)
    return float(d.set_index("theme").loc[THEME, "diff"])


def ours(corpus, codebook):
    est = ThemeDifference(THEME, by="year", target=TARGET, reference=REFERENCE)
    mem = PeakMemory()
    mem.start()
    t0, c0 = time.perf_counter(), time.process_time()
    res = robustness(corpus, est, codebook=codebook, n_boot=N_BOOT, seed=0)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return res, wall, cpu, mem.stop()


def report(name, res, wall, cpu, peak, naive_wall, naive_cpu, n_naive, checked):
    n = len(res.table)
    scale = n / n_naive
    print(f"\n{name}: {n} specifications, n_boot={N_BOOT}")
    print(f"{'':<58}{'wall s':>9}{'CPU s':>9}{'s/spec':>9}")
    print(f"{'robustness(), default grid (ours)':<58}{wall:>9.2f}{cpu:>9.2f}{wall / n:>9.3f}")
    label = f"naive per specification, {n_naive} specs" + (
        " (scaled to the grid)" if scale > 1 else ""
    )
    print(
        f"{label:<58}{naive_wall * scale:>9.2f}{naive_cpu * scale:>9.2f}{naive_wall / n_naive:>9.3f}"
    )
    print(f"speed-up {naive_wall * scale / wall:.1f}x; peak memory of ours {peak:.0f} MiB (PSS)")
    print(f"estimates equal to the naive ones on {checked} specifications (max |diff| checked)")
    s = res.summary.iloc[0]
    print(
        f"baseline {s['baseline_estimate']:+.3f} [{s['baseline_ci_low']:+.3f}, "
        f"{s['baseline_ci_high']:+.3f}]; same sign {s['share_same_sign']:.0%}, supported "
        f"{s['share_supported']:.0%}"
    )
    if res.entries is not None:
        top = res.entries.iloc[0]
        print(
            f"largest leave-one-entry-out change: {top['entry']!r} {top['change']:+.3f} {top['note']}"
        )


def run(corpus, codebook, name, specs_for_naive, reread=None):
    res, wall, cpu, peak = ours(corpus, codebook)
    specs = res.table.to_dict("records")
    chosen = specs if specs_for_naive is None else [specs[i] for i in specs_for_naive]
    t0, c0 = time.perf_counter(), time.process_time()
    naive = [naive_spec(corpus, codebook, s, reread=reread) for s in chosen]
    naive_wall, naive_cpu = time.perf_counter() - t0, time.process_time() - c0
    diffs = [abs(a - s["estimate"]) for a, s in zip(naive, chosen, strict=True)]
    assert max(diffs) == 0.0, f"robustness differs from the naive computation by {max(diffs)}"
    report(name, res, wall, cpu, peak, naive_wall, naive_cpu, len(chosen), len(chosen))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="also the full UNGDC")
    parser.add_argument("--corpus", default=str(CACHE))
    args = parser.parse_args()
    print(f"cores available: {len(os.sched_getaffinity(0))}")
    codebook = load_themes(SAMPLE / "themes.yml")

    def reread():
        return read_corpus(SAMPLE, pattern=PATTERN, progress=False)

    sample = reread()
    run(sample, codebook, f"examples/ungdc-sample ({len(sample)} speeches)", None, reread)

    if args.full:
        path = find_corpus(Path(args.corpus))
        if path is None:
            print(f"full corpus not found under {args.corpus}; skipped")
            return 0
        t0 = time.perf_counter()
        corpus = cached_corpus(path, pattern=PATTERN, dedupe_threshold=None, progress=False)
        n_tok = int(corpus["n_tokens"].sum())
        print(
            f"\nloaded {len(corpus):,} speeches, {n_tok:,} tokens in "
            f"{time.perf_counter() - t0:.1f} s (cached_corpus; not timed below)"
        )
        # a few specifications, spread over the grid: baseline, stem, paragraph + raw, a drop
        run(corpus, codebook, "full UNGDC", [0, 11, 66, 3])
    print(f"\nload average (1, 5, 15 min): {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
