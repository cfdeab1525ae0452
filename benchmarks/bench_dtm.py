"""Benchmark ``build_dtm`` on the UN General Debate corpus against two baselines.

The job (issue #3): ``build_dtm(corpus, ngram_range=(1, 3), stem=True,
stop_words="english", min_df=5)`` over all 10,952 speeches. In ONE run the script times

(a) the floor: ``[re.findall(r"\\w+", t.lower()) for t in texts]``;
(b) scikit-learn: ``CountVectorizer(ngram_range=(1, 3), min_df=5,
    stop_words="english").fit_transform(texts)`` (no stemming);
(c) ours, then ``tfidf_keywords`` and ``keyness`` by year on the result (when the
    package has them),

and prints them side by side with the targets: (c) at least 5x faster than (b), at most
3x the floor, peak memory at most 4 GB, keywords and keyness under 5 s each.

Each job runs alone in its own forked child process. Memory is measured two ways:
``peak MB``, the peak of the summed PSS (proportional set size, from
``/proc/<pid>/smaps_rollup``, sampled every 0.1 s) of the whole process tree, i.e. the
physical memory in use: the corpus (loaded once, in this process), the job and, for
ours, its tokenizer workers; the memory verdict uses it. ``RSS MB``, the job process'
``ru_maxrss``, which also counts the corpus pages it inherits.

Corpus: ``~/.cache/framing-analysis`` (folders 1946..2024). If absent, the tarball
``../shared/corpora/ungdc/ungdc-1946-2024.tar.xz`` is unpacked there first. If neither
exists the script says so and exits 0.

Usage::

    python benchmarks/bench_dtm.py                  # the full job
    python benchmarks/bench_dtm.py --sample 1000    # a quick run on 1,000 speeches
    python benchmarks/bench_dtm.py --skip-sklearn   # floor and ours only
    python benchmarks/bench_dtm.py --check          # also: ours (stem=False) == sklearn
    python benchmarks/bench_dtm.py --corpus-pickle /tmp/ungdc.pkl  # reuse a loaded corpus
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing as mp
import os
import pickle
import re
import resource
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _measure import CACHE, PATTERN, TARBALL, PeakMemory, find_corpus, pss_kb  # noqa: E402

import analysis  # noqa: E402

JOB = dict(ngram_range=(1, 3), stem=True, stop_words="english", min_df=5)
SKLEARN = dict(ngram_range=(1, 3), min_df=5, stop_words="english")
TARGET_VS_SKLEARN = 5.0
TARGET_VS_FLOOR = 3.0
TARGET_MEMORY_MB = 4096.0
TARGET_STATS_S = 5.0
FLOOR_LABEL = "(a) floor re.findall(\\w+)"


def load(path: Path, sample: int | None, pickle_path: Path | None = None) -> pd.DataFrame:
    t = time.perf_counter()
    if pickle_path is not None and pickle_path.is_file():
        corpus = pd.read_pickle(pickle_path)
    else:
        corpus = analysis.read_corpus(path, pattern=PATTERN, dedupe_threshold=None, progress=False)
        if pickle_path is not None:
            corpus.to_pickle(pickle_path)
    if sample:
        keep = np.sort(np.random.default_rng(0).permutation(len(corpus))[:sample])
        corpus = corpus.iloc[keep].reset_index(drop=True).copy()
    print(
        f"corpus: {len(corpus):,} speeches, {int(corpus['text'].str.len().sum()):,} characters "
        f"(loaded in {time.perf_counter() - t:.0f} s, not part of any timing)",
        flush=True,
    )
    return corpus


# ----------------------------------------------------------------------------- jobs

_STATE: dict = {}  # set before forking


def job_floor() -> dict:
    texts = _STATE["texts"]
    t = time.perf_counter()
    tokens = [re.findall(r"\w+", s.lower()) for s in texts]
    wall = time.perf_counter() - t
    return dict(wall=wall, detail=f"{sum(map(len, tokens)):,} \\w+ tokens")


def job_sklearn() -> dict:
    from sklearn.feature_extraction.text import CountVectorizer

    texts = _STATE["texts"]
    t = time.perf_counter()
    cv = CountVectorizer(**SKLEARN)
    x = cv.fit_transform(texts)
    wall = time.perf_counter() - t
    out = dict(wall=wall, detail=f"{x.shape[1]:,} terms, {x.nnz:,} non-zeros")
    if _STATE.get("check"):
        out["matrix"] = x.tocsr()
        out["terms"] = list(cv.get_feature_names_out())
    return out


class _StageTimes(logging.Handler):
    """Collects build_dtm's stage timings from the ``analysis.dtm`` logger (DEBUG records)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.stages: list[tuple[str, float, float]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if hasattr(record, "stage"):
            self.stages.append((record.stage, record.wall, record.cpu))


def job_ours(**kw) -> dict:
    corpus = _STATE["corpus"]
    params = {**JOB, **kw}
    log = logging.getLogger("analysis.dtm")
    handler, level = _StageTimes(), log.level
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    try:
        t = time.perf_counter()
        dtm = analysis.build_dtm(corpus, **params)
        wall = time.perf_counter() - t
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() - _STATE.get("cpu0", 0.0) + kids.ru_utime + kids.ru_stime
    out = dict(
        wall=wall,
        detail=f"{dtm.shape[1]:,} terms, {dtm.matrix.nnz:,} non-zeros",
        stages=handler.stages,
        cpu=cpu,
    )
    if kw:  # the --check run
        out["matrix"] = dtm.matrix
        out["terms"] = list(dtm.keys)
        return out
    stats = {}
    target = int(dtm.docs["year"].max())
    for name, call in (
        ("tfidf_keywords", lambda f: f(dtm, by="year", top=20)),
        ("keyness", lambda f: f(dtm, by="year", target=target)),
    ):
        func = getattr(analysis, name, None)
        if func is None:
            stats[name] = None
            continue
        t = time.perf_counter()
        try:
            table = call(func)
            stats[name] = (time.perf_counter() - t, f"{len(table):,} rows")
        except Exception as exc:  # report, do not hide
            stats[name] = (float("nan"), f"failed: {type(exc).__name__}: {exc}")
    out["stats"] = stats
    return out


def _child(conn, name: str, kw: dict) -> None:
    _STATE["cpu0"] = time.process_time()  # CPU spent before the job starts
    try:
        func = {"floor": job_floor, "sklearn": job_sklearn, "ours": job_ours}[name]
        result = func(**kw)
        cpu0 = _STATE.get("cpu0", 0.0)
        result["cpu_self"] = time.process_time() - cpu0
        ru_self = resource.getrusage(resource.RUSAGE_SELF)
        ru_kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        result["rss_mb"] = ru_self.ru_maxrss / 1024  # Linux: KiB
        result["rss_workers_mb"] = ru_kids.ru_maxrss / 1024
        result["cpu_workers"] = ru_kids.ru_utime + ru_kids.ru_stime
        result.setdefault("cpu", result["cpu_self"] + result["cpu_workers"])
        conn.send_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    except BaseException:
        conn.send_bytes(pickle.dumps(dict(error=traceback.format_exc())))
    finally:
        conn.close()


def run(name: str, **kw) -> dict:
    """Run one job in a fresh forked child; return its timings and peak memory."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, name, kw))
    load0 = os.getloadavg()[0]
    sampler = PeakMemory() if os.path.exists("/proc/self/smaps_rollup") else None
    if sampler:
        sampler.start()
    proc.start()
    child.close()
    data = parent.recv_bytes()
    proc.join()
    tree_mb = sampler.stop() if sampler else float("nan")
    result = pickle.loads(data)
    result["tree_mb"] = tree_mb
    if "error" in result:
        raise SystemExit(f"{name} failed in its child process:\n{result['error']}")
    result["load"] = (load0, os.getloadavg()[0])
    return result


# ----------------------------------------------------------------------------- report


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample", type=int, default=None, help="use N random speeches (seed 0)")
    ap.add_argument("--skip-sklearn", action="store_true", help="do not run CountVectorizer")
    ap.add_argument(
        "--check",
        action="store_true",
        help="also run ours with stem=False and check it equals CountVectorizer exactly",
    )
    ap.add_argument("--cache", type=Path, default=CACHE, help=f"unpacked corpus (default {CACHE})")
    ap.add_argument("--tarball", type=Path, default=TARBALL, help="corpus tarball to unpack")
    ap.add_argument(
        "--corpus-pickle",
        type=Path,
        default=None,
        help="read_corpus result cached here (written on first use); saves minutes per run",
    )
    args = ap.parse_args(argv)

    path = find_corpus(args.cache, args.tarball)
    if path is None:
        print(
            f"UNGDC not available: neither {args.cache}/<year>/ nor {args.tarball} exists. "
            "Nothing to benchmark; see benchmarks/README.md."
        )
        return 0
    corpus = load(path, args.sample, args.corpus_pickle)
    _STATE.update(corpus=corpus, texts=corpus["text"].tolist(), check=args.check)
    import sklearn.feature_extraction.text  # noqa: F401  (import time is not work)

    analysis.text.stem("warm")  # nor is importing nltk's stemmer

    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
        "each job runs alone in a forked child\n",
        flush=True,
    )
    base_mb = pss_kb(os.getpid()) / 1024
    results: dict[str, dict] = {}
    for name in ("floor", "sklearn", "ours"):
        if name == "sklearn" and args.skip_sklearn:
            continue
        print(f"running {name} ...", flush=True)
        results[name] = r = run(name)
        print(f"  {r['wall']:.1f} s, peak memory {r['tree_mb']:,.0f} MB, {r['detail']}", flush=True)

    floor = results["floor"]["wall"]
    ours = results["ours"]
    sk = results.get("sklearn")
    header = (
        f"{'':32s}{'wall s':>8s}{'x floor':>9s}{'CPU s':>8s}{'peak MB':>9s}{'RSS MB':>8s}  result"
    )
    lines = [
        "",
        f"UNGDC, {len(corpus):,} speeches. Job: build_dtm(corpus, "
        + ", ".join(f"{k}={v!r}" for k, v in JOB.items())
        + ")",
        "",
        header,
        "-" * len(header),
    ]

    def row(label: str, r: dict) -> str:
        return (
            f"{label:32s}{r['wall']:8.1f}{r['wall'] / floor:9.2f}{r['cpu']:8.1f}"
            f"{r['tree_mb']:9,.0f}{r['rss_mb']:8,.0f}  {r['detail']}"
        )

    lines.append(row(FLOOR_LABEL, results["floor"]))
    if sk:
        lines.append(row("(b) sklearn CountVectorizer", sk))
    lines.append(row("(c) analysis.build_dtm", ours))
    lines += [
        "",
        f"peak MB: peak of the summed PSS of the whole process tree during the job (the "
        f"corpus, {base_mb:,.0f} MB, once; the job; its workers).",
        "CPU s: CPU time of the job's process and its workers.",
        f"RSS MB: ru_maxrss of the job's process (includes the inherited corpus). build_dtm's "
        f"tokenizer workers: peak RSS {ours['rss_workers_mb']:,.0f} MB, CPU {ours['cpu_workers']:.1f} s.",
        "",
        "targets:",
    ]
    if sk:
        speedup = sk["wall"] / ours["wall"]
        lines.append(
            f"  speed-up over sklearn    {speedup:7.1f}x  (>= {TARGET_VS_SKLEARN:.0f}x)      "
            f"{verdict(speedup >= TARGET_VS_SKLEARN)}"
        )
    else:
        lines.append("  speed-up over sklearn    skipped (--skip-sklearn)")
    ratio = ours["wall"] / floor
    lines.append(
        f"  ours / floor             {ratio:7.2f}x  (<= {TARGET_VS_FLOOR:.0f}x)      "
        f"{verdict(ratio <= TARGET_VS_FLOOR)}"
    )
    mem = ours["tree_mb"]
    lines.append(
        f"  peak memory              {mem:7,.0f} MB (<= {TARGET_MEMORY_MB:,.0f} MB) "
        f"{verdict(mem <= TARGET_MEMORY_MB)}"
    )
    for name, value in ours["stats"].items():
        label = f"{name} by year"
        if value is None:
            lines.append(f"  {label:24s} not available (analysis.{name} not found)")
        else:
            secs, what = value
            lines.append(
                f"  {label:24s} {secs:7.2f} s  (< {TARGET_STATS_S:.0f} s)       "
                f"{verdict(secs < TARGET_STATS_S)}   {what}"
            )
    lines += ["", "build_dtm stages (wall s, CPU s of the main process):"]
    lines += [f"  {n:10s}{w:7.2f}{c:7.2f}" for n, w, c in ours["stages"]]
    loads = ", ".join(f"{k} {r['load'][0]:.1f}->{r['load'][1]:.1f}" for k, r in results.items())
    lines.append(f"\nload average (1 min) before->after each job: {loads}")
    print("\n".join(lines), flush=True)

    if args.check:
        print("\n--check: build_dtm(stem=False, ngram_range=(1, 3), min_df=5) vs sklearn ...")
        mine = run("ours", stem=False)
        ref = sk if sk and "matrix" in sk else run("sklearn")
        same = mine["terms"] == ref["terms"] and (mine["matrix"] != ref["matrix"]).nnz == 0
        print(
            f"  ours {mine['wall']:.1f} s vs sklearn {ref['wall']:.1f} s; vocabulary "
            f"{len(mine['terms']):,} terms; identical vocabulary and counts: {same}"
        )
        if not same:
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
