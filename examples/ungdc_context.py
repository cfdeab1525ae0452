"""The context study on the full UN General Debate corpus (10,952 speeches, 1946-2024).

Two questions, each answered with the toolkit's public functions:

1. How do China and the United States talk about sovereignty? The words around
   "sovereignty" in Chinese against US speeches (context keyness with document bootstrap
   intervals), and whether the two delegations' contexts of the word differ beyond what
   random groups of their speeches give (embedding regression, permutation test).
2. Did the company of "multilateral*" change from 2017 on? The same two steps, every
   speech before 2017 against every speech from 2017 on.

Word vectors are trained on the corpus itself (``analysis.fit_embeddings``); nothing is
downloaded. Tables are written to ``--out`` (CSV).

    python examples/ungdc_context.py --ungdc ~/.cache/framing-analysis --out /tmp/ungdc-context
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

import analysis

PATTERN = "{year}/{country}_{session}_{year}.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ungdc", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--n-perm", type=int, default=1000)
    parser.add_argument("--n-boot", type=int, default=500)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    pd.set_option("display.width", 200)
    t0 = time.perf_counter()
    docs = analysis.cached_corpus(args.ungdc, pattern=PATTERN)
    docs["period"] = np.where(docs["year"] >= 2017, "from 2017", "before 2017")
    vectors = analysis.fit_embeddings(docs, dim=100, window=6, seed=0)
    transform = analysis.fit_alacarte(docs, vectors, window=6, stop_words="english")
    print(
        f"{len(docs):,} speeches; {len(vectors):,} word vectors; {time.perf_counter() - t0:.0f} s"
    )
    boot = dict(n_boot=args.n_boot, seed=0)
    for name, target, by, group, reference in (
        ("sovereignty-chn-usa", "sovereignty", "country", "CHN", "USA"),
        ("multilateral-2017", "multilateral*", "period", "from 2017", "before 2017"),
    ):
        ctx = analysis.find_contexts(docs, target, window=6)
        keyness = analysis.context_keyness(
            ctx, by=by, target_group=group, reference=reference, top_n=15, **boot
        )
        keyness.to_csv(args.out / f"{name}-keyness.csv", index=False)
        kept = docs[docs[by].isin([group, reference])].reset_index(drop=True)
        pair = analysis.find_contexts(kept, target, window=6)
        shift = analysis.context_shift(
            pair, by=by, reference=reference, embeddings=vectors, transform=transform,
            n_perm=args.n_perm, **boot,
        )  # fmt: skip
        shift.to_csv(args.out / f"{name}-shift.csv", index=False)
        neighbors = analysis.context_neighbors(
            pair, by=by, embeddings=vectors, transform=transform, top_n=10, **boot
        )
        neighbors.to_csv(args.out / f"{name}-neighbors.csv", index=False)
        contrast = analysis.context_contrast(
            pair, by=by, target_group=group, reference=reference, embeddings=vectors,
            transform=transform, **boot,
        )  # fmt: skip
        contrast.to_csv(args.out / f"{name}-contrast.csv", index=False)
        print(f"\n== {target}: {group} against {reference}")
        cols = ["term", "z", "ci_low", "ci_high", "count_target", "count_reference", "supported"]
        print(keyness[cols].to_string(index=False))
        print(shift.drop(columns=["target", "window"]).to_string(index=False))
        print(
            neighbors[["group", "term", "similarity", "ci_low", "ci_high"]].to_string(index=False)
        )
        print(contrast.head(10).to_string(index=False))
    print(f"\n{time.perf_counter() - t0:.0f} s in all")


if __name__ == "__main__":
    main()
