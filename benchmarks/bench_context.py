"""Benchmark ``context_shift`` on the UN General Debate corpus (issue 14, item 10).

The target "sovereignty" in speeches from 2000 on against those before, with 1,000
permutations and 200 bootstrap replicates: the call a user makes, end to end (the
à la carte transform learned from the corpus inside the call), target under 60 s on two
cores. The parts are timed on their own: finding the contexts (matching, tokenizing the
corpus), learning the transform, embedding the occurrences, the bootstrap and the
permutation test. The baseline, in the same run: the same permutation test done naively,
re-computing the two groups' occurrence means in a Python loop over permutations on the
occurrence matrix (50 permutations, scaled to 1,000). The same test by year (every year
against 1946) is timed too.

Embeddings: :func:`analysis.fit_embeddings` on the same corpus; their time is printed
but not part of ``context_shift``'s. The corpus is loaded with ``cached_corpus`` (not timed).

    python benchmarks/bench_context.py
    python benchmarks/bench_context.py --target "multilateral*" --split 2017
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _measure import PATTERN, PeakMemory, find_corpus  # noqa: E402

import analysis  # noqa: E402
from analysis.context import find_contexts  # noqa: E402
from analysis.context.shift import context_shift, fit_alacarte  # noqa: E402

TARGET_SECONDS = 60.0


def _naive_p(E, doc, in_g, in_ref, observed, n_perm, seed=0):
    """Permutation p over documents, one permutation at a time in Python."""
    docs = np.unique(doc[in_g | in_ref])
    k = len(np.unique(doc[in_g]))
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(n_perm):
        chosen = rng.permutation(docs)[:k]
        g = np.isin(doc, chosen) & (in_g | in_ref)
        r = ~np.isin(doc, chosen) & (in_g | in_ref)
        hits += np.linalg.norm(E[g].mean(axis=0) - E[r].mean(axis=0)) >= observed
    return (1 + hits) / (1 + n_perm)


def _timed(label, fn, rows, repeat=1):
    """``fn()`` and its time (the fastest of ``repeat`` runs: short parts are noisy)."""
    sec = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        sec = min(sec, time.perf_counter() - t)
    rows.append((label, sec))
    print(f"{label}: {sec:.2f} s", flush=True)
    return out, sec


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--target", default="sovereignty")
    ap.add_argument("--split", type=int, default=2000, help="first year of the later period")
    ap.add_argument("--n-perm", type=int, default=1000)
    ap.add_argument("--n-boot", type=int, default=200)
    ap.add_argument("--naive-perm", type=int, default=50)
    args = ap.parse_args(argv)
    path = find_corpus()
    if path is None:
        print("UNGDC not found (no unpacked folder, no tarball): nothing to measure.")
        return 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = analysis.cached_corpus(path, pattern=PATTERN, progress=False)
    later = f"{args.split}-{int(corpus['year'].max())}"
    earlier = f"{int(corpus['year'].min())}-{args.split - 1}"
    corpus["period"] = np.where(corpus["year"] >= args.split, later, earlier)
    print(
        f"{len(corpus):,} speeches, {int(corpus['n_tokens'].sum()):,} word tokens; "
        f"target {args.target!r}, by period ({earlier} vs {later}); "
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    memory = PeakMemory()
    memory.start()
    rows: list[tuple[str, float]] = []
    emb, _ = _timed("embeddings: fit_embeddings", lambda: analysis.fit_embeddings(corpus), [])
    print(f"  {len(emb.terms):,} words x {emb.vectors.shape[1]} dimensions")

    # the user's call, end to end
    kw = dict(by="period", embeddings=emb, n_perm=args.n_perm, n_boot=args.n_boot, seed=0)
    total_rows: list[tuple[str, float]] = []
    out, t_total = _timed(
        f"context_shift end to end (n_perm={args.n_perm}, n_boot={args.n_boot})",
        lambda: context_shift(corpus, args.target, **kw),
        total_rows,
    )
    print(out.to_string(index=False))
    print(f"  attrs: reference {out.attrs['reference']}, {out.attrs['transform']}")

    # the parts
    ctx, _ = _timed("  find_contexts", lambda: find_contexts(corpus, args.target), rows)
    T, _ = _timed(
        "  fit_alacarte (from the contexts' tokens)",
        lambda: fit_alacarte(ctx, emb, stop_words="english"),
        rows,
    )
    E, _ = _timed("  embed occurrences", lambda: T.embed(ctx, stop_words="english"), rows, repeat=3)
    part = dict(by="period", embeddings=emb, transform=T, seed=0)
    _, t_base = _timed(
        "  context_shift on the matches, no bootstrap, no test",
        lambda: context_shift(ctx.matches, args.target, n_perm=0, n_boot=0, **part),
        rows,
        repeat=3,
    )
    _, t_boot = _timed(
        f"  ... with the bootstrap only (n_boot={args.n_boot})",
        lambda: context_shift(ctx.matches, args.target, n_perm=0, n_boot=args.n_boot, **part),
        rows,
        repeat=3,
    )
    fast, t_perm = _timed(
        f"  ... with the permutation test only (n_perm={args.n_perm})",
        lambda: context_shift(ctx.matches, args.target, n_perm=args.n_perm, n_boot=0, **part),
        rows,
        repeat=3,
    )
    print(
        f"  bootstrap {t_boot - t_base:.2f} s, permutations {t_perm - t_base:.2f} s "
        "(each minus the run without either; fastest of 3 runs)"
    )

    # baseline: the permutation test, naively
    keep = ~np.isnan(E).any(axis=1)
    E, doc = E[keep], ctx.doc_index[keep]
    labels = corpus["period"].to_numpy()[doc]
    ref, grp = out["reference"].iloc[0], out["group"].iloc[0]
    in_g, in_ref = labels == grp, labels == ref
    observed = float(out["norm"].iloc[0])
    t = time.perf_counter()
    p_naive = _naive_p(E, doc, in_g, in_ref, observed, args.naive_perm)
    t_naive = (time.perf_counter() - t) * args.n_perm / args.naive_perm
    print(
        f"baseline: naive permutation loop, {args.naive_perm} permutations scaled to "
        f"{args.n_perm}: {t_naive:.1f} s (p from {args.naive_perm}: {p_naive:.3f}); "
        f"ours {t_perm - t_base:.2f} s (p {fast['p_value'].iloc[0]:.4f}) = "
        f"{t_naive / max(t_perm - t_base, 1e-9):.0f}x"
    )

    # every year against the first
    by_year, t_year = _timed(
        f"context_shift by year (transform given, n_perm={args.n_perm}, n_boot={args.n_boot})",
        lambda: context_shift(
            ctx.matches,
            args.target,
            by="year",
            embeddings=emb,
            transform=T,
            n_perm=args.n_perm,
            n_boot=args.n_boot,
        ),
        rows,
    )
    print(
        f"  {len(by_year)} years against {by_year.attrs['reference']}; "
        f"{int(by_year['supported'].sum())} supported"
    )
    peak = memory.stop()
    print(f"\npeak memory (PSS of the process): {peak:,.0f} MB")
    ok = t_total < TARGET_SECONDS
    print(
        f"context_shift end to end: {t_total:.1f} s (target < {TARGET_SECONDS:.0f} s): "
        f"{'PASS' if ok else 'MISS'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
