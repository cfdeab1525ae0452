"""Benchmark: theme rates by year over the whole UN General Debate corpus.

Target (issue #4): ``theme_rates(corpus, load_themes(), by="year", n_boot=2000)`` on
the 10,952 speeches in under 20 s on a 2-core machine. Loading the corpus is timed
separately (it is not part of the target). The baseline, timed in the same run, is a
naive count: one case-insensitive ``re.finditer`` alternation of all entries per theme
over every text (no exclusions, no bootstrap, no tokens).

    python benchmarks/bench_themes.py [--corpus ~/.cache/framing-analysis] [--n-boot 2000]

Corpus: Jankin, Baturo & Dasandi, "Words to Unite Nations: The Complete UN General
Debate Corpus, 1946-present", Journal of Peace Research; Baturo, Dasandi & Mikhaylov,
Research & Politics 2017 (CC0, doi:10.7910/DVN/0TJX8Y).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import read_corpus
from analysis.themes import load_themes, match_themes, theme_hits, theme_rates

TARGET_S = 20.0


def naive_counts(texts: list[str], codebook) -> dict[str, int]:
    """One regex alternation per theme, finditer over every text."""
    out = {}
    for theme in codebook:
        alts = []
        for entry in sorted(theme.entries, key=len, reverse=True):
            toks = re.findall(r"[\w*]+", entry.lower())
            alts.append(
                r"\W+".join(
                    r"\w+" if t == "*" else r"\w*".join(map(re.escape, t.split("*"))) for t in toks
                )
            )
        rx = re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)", re.IGNORECASE)
        out[theme.id] = sum(1 for text in texts for _ in rx.finditer(text))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(Path.home() / ".cache" / "framing-analysis"))
    parser.add_argument("--pattern", default="{year}/{country}_{session}_{year}.txt")
    parser.add_argument("--n-boot", type=int, default=2000)
    args = parser.parse_args()

    if not Path(args.corpus).exists():
        print(f"corpus {args.corpus} not found; unpack ungdc-1946-2024.tar.xz there first")
        return 2
    print(f"cores available: {len(os.sched_getaffinity(0))}")
    t0 = time.perf_counter()
    corpus = read_corpus(args.corpus, pattern=args.pattern, dedupe_threshold=None, progress=False)
    load_s = time.perf_counter() - t0
    n_tok = int(corpus["n_tokens"].sum())
    print(f"loaded {len(corpus):,} documents, {n_tok:,} tokens in {load_s:.1f} s (not timed below)")
    codebook = load_themes(Path(__file__).resolve().parents[1] / "seeds" / "themes.yml")

    t0, c0 = time.perf_counter(), time.process_time()
    rates = theme_rates(corpus, codebook, by="year", n_boot=args.n_boot, seed=0)
    ours_s, ours_cpu = time.perf_counter() - t0, time.process_time() - c0

    t0 = time.perf_counter()
    matches = match_themes(corpus, codebook)
    match_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    hits = theme_hits(matches)
    hits_s = time.perf_counter() - t0

    t0, c0 = time.perf_counter(), time.process_time()
    naive = naive_counts(corpus["text"].tolist(), codebook)
    naive_s, naive_cpu = time.perf_counter() - t0, time.process_time() - c0

    ours_hits = rates.groupby("theme", sort=False)["hits"].sum()
    print(f"\n{'theme':<16}{'hits (ours)':>13}{'naive regex':>13}")
    for tid in codebook.ids:
        print(f"{tid:<16}{ours_hits[tid]:>13,}{naive[tid]:>13,}")
    print(
        "\n(naive counts differ where exclusions apply and where the alternation's "
        "leftmost-first rule differs from longest-wins)"
    )
    groups = rates["group"].nunique()
    print(f"\n{'step':<62}{'wall s':>8}{'CPU s':>8}")
    step = f"theme_rates by year, {groups} groups, n_boot={args.n_boot} (ours)"
    print(f"{step:<62}{ours_s:>8.2f}{ours_cpu:>8.2f}")
    print(f"{'  of which tokenize + match (match_themes, rerun alone)':<62}{match_s:>8.2f}")
    print(f"{f'theme_hits from the matches ({len(hits):,} hits)':<62}{hits_s:>8.2f}")
    print(
        f"{'naive per-theme re.finditer count, no bootstrap (baseline)':<62}{naive_s:>8.2f}{naive_cpu:>8.2f}"
    )
    print(f"{'read_corpus (load, reported separately)':<62}{load_s:>8.2f}")
    print(f"load average (1, 5, 15 min): {os.getloadavg()}")
    verdict = "meets" if ours_s < TARGET_S else "MISSES"
    print(f"\nours {ours_s:.2f} s {verdict} the {TARGET_S:.0f} s target; baseline {naive_s:.2f} s")
    return 0 if ours_s < TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
