"""Scaling on Dask: the UN General Debate corpus at 1x, 2x, 4x and 10x on a LocalCluster.

In ONE run, for each scale (the speeches replicated under new names and doc ids, as hard
links in a temporary folder; 10x is 109,520 speeches and about 2 GB of text), on a
``LocalCluster`` of ``--workers`` single-threaded worker processes with a memory limit of
``--memory-limit`` each:

* **load**: ``read_corpus(path, pattern=..., engine="dask")``, every partition read and
  cleaned in the workers (the number of documents and tokens computed from them);
* **build_dtm**: ``build_dtm(corpus, ngram_range=(1, 2), min_df=5)``, the two-pass
  map-reduce assembled into one matrix in this process (the client);
* **build_dtm by year**: the same counts summed per year in the workers
  (``group_by="year"``): the document-level matrix is never assembled;
* **theme rates by year**: ``theme_rates(corpus, codebook, by="year")`` with the example
  study's codebook (per-partition matching, per-document counts gathered, the bootstrap
  in this process).

Each job is timed alone (wall seconds); the peak memory of every worker (``VmHWM``,
reset before each job) and of the client are printed beside it. The in-memory baseline
at 1x, measured in the same run (``read_corpus`` without the near-duplicate check, the
same ``build_dtm`` and ``theme_rates``), gives the 1x ratio; the script then fits the
time slope per 1x and checks the targets: every scale completes with no worker above its
memory limit, time grows linearly, and the 1x study on Dask is at most 1.5x the in-memory
time. The study is what a user runs: in memory, the corpus is loaded once and the three
analyses read it; on Dask (a corpus that need not fit in memory) nothing is held between
analyses, so each one reads and cleans the files in its workers. Per step, the script
also prints both times.

Usage::

    python benchmarks/bench_scale.py                       # 1x 2x 4x 10x, 2 workers, 3GB each
    python benchmarks/bench_scale.py --scales 1 2 --n-boot 200
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _measure import PATTERN, find_corpus, in_child  # noqa: E402
from bench_read import replicate  # noqa: E402

CODEBOOK = ROOT / "examples" / "ungdc-sample" / "themes.yml"
TARGET_VS_MEMORY = 1.5
DTM = dict(ngram_range=(1, 2), min_df=5)


def _reset_peak() -> int:
    """Reset this process' peak RSS (VmHWM) to its current RSS; returns the pid."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass
    return os.getpid()


def _peak_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _limit_mb(text: str) -> float:
    from dask.utils import parse_bytes

    return parse_bytes(text) / 2**20


def timed(client, fn) -> dict:
    """Run ``fn()`` with the workers' and the client's peak memory reset first."""
    client.run(_reset_peak)
    _reset_peak()
    t = time.perf_counter()
    detail = fn()
    wall = time.perf_counter() - t
    workers = client.run(_peak_mb)
    return dict(
        wall=wall,
        worker_mb=max(workers.values()),
        client_mb=_peak_mb(),
        detail=detail,
    )


def dask_jobs(path: Path, client, n_boot: int) -> dict[str, dict]:
    import analysis

    def corpus():
        return analysis.read_corpus(path, pattern=PATTERN, engine="dask", client=client)

    out = {}

    def load():
        ddf = corpus()
        n_docs, n_tokens = analysis.distributed.compute(
            [ddf["doc_id"].count(), ddf["n_tokens"].sum()], client=client
        )
        return f"{int(n_docs):,} documents, {int(n_tokens):,} tokens, {ddf.npartitions} partitions"

    out["load"] = timed(client, load)

    def dtm():
        m = analysis.build_dtm(corpus(), client=client, **DTM)
        return f"{m.shape[0]:,} x {m.shape[1]:,}, {m.matrix.nnz:,} non-zeros"

    out["build_dtm"] = timed(client, dtm)

    def dtm_by_year():
        m = analysis.build_dtm(corpus(), client=client, group_by="year", **DTM)
        return f"{m.shape[0]:,} years x {m.shape[1]:,}, {m.matrix.nnz:,} non-zeros"

    out["build_dtm by year"] = timed(client, dtm_by_year)

    def rates():
        table = analysis.theme_rates(corpus(), CODEBOOK, by="year", n_boot=n_boot, client=client)
        return f"{len(table):,} rows"

    out["theme rates by year"] = timed(client, rates)
    return out


def memory_jobs(path: Path, n_boot: int) -> dict[str, dict]:
    """The same jobs in memory, each in a forked child (its own peak memory)."""
    import analysis

    out = {}
    holder = {}

    def load():
        holder["corpus"] = analysis.read_corpus(
            path, pattern=PATTERN, dedupe_threshold=None, progress=False
        )
        return f"{len(holder['corpus']):,} documents"

    t = time.perf_counter()
    load()
    out["load"] = dict(wall=time.perf_counter() - t, detail="")
    corpus = holder["corpus"]
    for name, fn in (
        ("build_dtm", lambda: analysis.build_dtm(corpus, **DTM).shape),
        ("build_dtm by year", lambda: analysis.build_dtm(corpus, group_by="year", **DTM).shape),
        (
            "theme rates by year",
            lambda: len(analysis.theme_rates(corpus, CODEBOOK, by="year", n_boot=n_boot)),
        ),
    ):
        run = in_child(fn)
        if run.error:
            raise SystemExit(f"in-memory {name} failed: {run.error}")
        out[name] = dict(wall=run.seconds, peak_mb=run.peak_mb, detail=str(run.result))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 2, 4, 10])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory-limit", default="3GB", help="per worker (default 3GB)")
    ap.add_argument("--n-boot", type=int, default=2000, help="theme_rates resamples")
    ap.add_argument("--skip-memory", action="store_true", help="no in-memory baseline")
    args = ap.parse_args(argv)
    src = find_corpus()
    if src is None:
        print("UNGDC not found (no unpacked folder, no tarball): nothing to measure.")
        return 0
    import distributed

    warnings.simplefilter("ignore")  # near-duplicates and dask's own notices
    limit_mb = _limit_mb(args.memory_limit)
    rows = []
    baseline = None
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        with (
            distributed.LocalCluster(
                n_workers=args.workers,
                threads_per_worker=1,
                processes=True,
                memory_limit=args.memory_limit,
                dashboard_address=":0",
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            print(
                f"LocalCluster: {args.workers} workers x 1 thread, memory limit {args.memory_limit} "
                f"each; {os.cpu_count()} cores",
                flush=True,
            )
            for scale in args.scales:
                path = Path(tmp) / f"x{scale}"
                n_files, n_bytes = replicate(src, path, scale)
                load0 = os.getloadavg()[0]
                if scale == 1 and not args.skip_memory:
                    baseline = memory_jobs(path, args.n_boot)
                    for name, r in baseline.items():
                        peak = f", peak {r['peak_mb']:,.0f} MB" if "peak_mb" in r else ""
                        print(f"  in memory 1x {name}: {r['wall']:.1f} s{peak}", flush=True)
                jobs = dask_jobs(path, client, args.n_boot)
                load1 = os.getloadavg()[0]
                rows.append((scale, n_files, n_bytes / 2**20, jobs, (load0, load1)))
                for name, r in jobs.items():
                    print(
                        f"{scale}x {name}: {r['wall']:.1f} s, worker peak {r['worker_mb']:,.0f} MB, "
                        f"client peak {r['client_mb']:,.0f} MB ({r['detail']})",
                        flush=True,
                    )
                print(f"{scale}x: load average {load0:.2f} -> {load1:.2f}", flush=True)
                for f in path.glob("*/*.txt"):
                    f.unlink()
    names = list(rows[0][3])
    print()
    print(
        "| scale | files | text MB | "
        + " | ".join(f"{n} s (worker / client peak MB)" for n in names)
        + " |"
    )
    print("|---:|---:|---:|" + "---:|" * len(names))
    for scale, n_files, text_mb, jobs, _ in rows:
        cells = [
            f"{jobs[n]['wall']:.1f} ({jobs[n]['worker_mb']:,.0f} / {jobs[n]['client_mb']:,.0f})"
            for n in names
        ]
        print(f"| {scale}x | {n_files:,} | {text_mb:,.0f} | " + " | ".join(cells) + " |")
    ok = True
    if len(rows) > 1:
        import numpy as np

        x = np.array([r[0] for r in rows], dtype=float)
        print()
        for n in names:
            y = np.array([r[3][n]["wall"] for r in rows])
            slope, intercept = np.polyfit(x, y, 1)
            pred = slope * x + intercept
            r2 = 1 - ((y - pred) ** 2).sum() / max(((y - y.mean()) ** 2).sum(), 1e-12)
            print(
                f"{n}: {slope:.1f} s per 1x (intercept {intercept:.1f} s, R^2 {r2:.3f}); "
                f"{x[-1]:.0f}x / {x[0]:.0f}x = {y[-1] / y[0]:.1f}"
            )
    worst = max(r[3][n]["worker_mb"] for r in rows for n in names)
    within = worst <= limit_mb
    ok &= within
    print(
        f"\ntarget: no worker above its limit ({limit_mb:,.0f} MB): worst {worst:,.0f} MB "
        f"{'PASS' if within else 'MISS'}"
    )
    if baseline is not None and rows and rows[0][0] == 1:
        for n in names:  # per step: Dask reads the files in every step, memory starts loaded
            ratio = rows[0][3][n]["wall"] / baseline[n]["wall"]
            print(
                f"1x {n}: Dask {rows[0][3][n]['wall']:.1f} s (reading the files included) / in memory "
                f"{baseline[n]['wall']:.1f} s ({'the corpus already loaded' if n != 'load' else 'reading'}) "
                f"= {ratio:.2f}x"
            )
        # the study: load, then the three analyses; on Dask each analysis reads the files
        steps = [n for n in names if n != "load"]
        mem = sum(baseline[n]["wall"] for n in names)
        dsk = sum(rows[0][3][n]["wall"] for n in steps)
        ratio = dsk / mem
        good = ratio <= TARGET_VS_MEMORY
        ok &= good
        print(
            f"target: the 1x study on Dask ({' + '.join(steps)}, each reading the files) <= "
            f"{TARGET_VS_MEMORY}x in memory (load + the same three): {dsk:.1f} s / {mem:.1f} s = "
            f"{ratio:.2f}x {'PASS' if good else 'MISS'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
