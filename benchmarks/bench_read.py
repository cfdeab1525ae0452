"""Benchmark ``read_corpus`` on the UN General Debate corpus against its floor (issue 13).

In ONE run, for the corpus at 1x, 2x and 4x its size (the files replicated under new
names, as hard links in a temporary folder, so nothing is copied), each job alone in a
forked child process:

* the floor: read every file (``Path.read_bytes`` + UTF-8 decode) and run one ``\\w+``
  regex tokenization pass over it (``len(re.findall(r"\\w+", text))``);
* ours: ``analysis.read_corpus(path, pattern=...)`` with its defaults (cleaning rules,
  near-duplicate sketches, worker processes for large corpora).

Targets: ours at most 2x the floor's wall time, and the peak memory of ours (the summed
PSS of the job's process tree, workers included, minus what the child held before it
started reading: the interpreter and the imported libraries) at most 4x the size of the
text files; memory must grow linearly with the corpus (the script prints the increments
per 1x). Corpus: ``~/.cache/framing-analysis`` (unpacked from
``../shared/corpora/ungdc/ungdc-1946-2024.tar.xz`` if needed).

``--one-file`` also reads the whole corpus as one text file (every speech, in file-name
order, separated by a blank line, in a temporary folder named as the pattern reads it):
the issue's second case, "a single 200 MB text file", with the same floor and targets.

``--cache-hit`` also times, at the first scale, ``analysis.cached_corpus`` served from
a cache entry filled just before (in a temporary cache folder), with and without the
raw texts, each in a fresh child next to the same floor: the load every notebook of a
report pays (hashing the files included, which a render's notebooks skip), and the
memory it adds (the summed PSS: the entry's mapped pages count once per process that
maps them, shared ones in part).

Usage::

    python benchmarks/bench_read.py                 # 1x, 2x, 4x
    python benchmarks/bench_read.py --scales 1      # 1x only
    python benchmarks/bench_read.py --scales 1 --cache-hit
    python benchmarks/bench_read.py --scales 1 --one-file
"""

from __future__ import annotations

import argparse
import functools
import multiprocessing as mp
import os
import pickle
import re
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _measure import PATTERN, PeakMemory, find_corpus, pss_kb  # noqa: E402

TARGET_VS_FLOOR = 2.0
TARGET_MEMORY_X_TEXT = 4.0


def replicate(src: Path, dst: Path, copies: int) -> tuple[int, int]:
    """Hard-link every ``.txt`` file of ``src`` into ``dst`` ``copies`` times; copy ``k``
    gets the country code ``<code>x<k>`` so the file-name pattern still reads it.
    Returns (files, bytes)."""
    n = size = 0
    for f in sorted(src.glob("*/*.txt")):
        country, rest = f.name.split("_", 1)
        for k in range(copies):
            target = dst / f.parent.name / (f"{country}x{k}_{rest}" if k else f.name)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(f, target)
            except OSError:  # another file system: copy
                target.write_bytes(f.read_bytes())
            n += 1
            size += f.stat().st_size
    return n, size


def one_file(src: Path, dst: Path) -> tuple[int, int]:
    """Every ``.txt`` file of ``src`` (in name order, a blank line between them) as one file
    ``dst/2024/ALL_79_2024.txt``, which the file-name pattern reads as one document.
    Returns (files, bytes)."""
    target = dst / "2024" / "ALL_79_2024.txt"
    target.parent.mkdir(parents=True)
    with open(target, "wb") as out:
        for i, f in enumerate(sorted(src.glob("*/*.txt"))):
            out.write(b"\n\n" if i else b"")
            out.write(f.read_bytes())
    return 1, target.stat().st_size


def job_floor(path: Path) -> dict:
    rx = re.compile(r"\w+")
    t = time.perf_counter()
    n_tokens = 0
    for f in sorted(path.glob("*/*.txt")):
        n_tokens += len(rx.findall(f.read_bytes().decode("utf-8")))
    return dict(wall=time.perf_counter() - t, detail=f"{n_tokens:,} tokens")


def job_ours(path: Path) -> dict:
    import analysis

    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # near-duplicates: every replicated file is one
        corpus = analysis.read_corpus(path, pattern=PATTERN, progress=False)
    wall = time.perf_counter() - t
    return dict(
        wall=wall, detail=f"{len(corpus):,} documents, {int(corpus['n_tokens'].sum()):,} tokens"
    )


def _cached(path: Path, raw_text: bool) -> dict:
    import analysis

    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = analysis.cached_corpus(path, pattern=PATTERN, progress=False, raw_text=raw_text)
    wall = time.perf_counter() - t
    held = pss_kb(os.getpid()) / 1024  # with the table alive (the sampler may miss its end)
    return dict(
        wall=wall, held_mb=held, detail=f"{len(corpus):,} documents, columns {len(corpus.columns)}"
    )


JOBS = {
    "floor": job_floor,
    "ours": job_ours,
    "fill": functools.partial(_cached, raw_text=True),  # a miss: read, clean, store
    "hit": functools.partial(_cached, raw_text=False),
    "hit_raw": functools.partial(_cached, raw_text=True),
}


def _child(conn, name: str, path: Path) -> None:
    try:
        import analysis  # noqa: F401  (imported before the baseline is taken)

        base = pss_kb(os.getpid()) / 1024
        conn.send_bytes(pickle.dumps(("ready", base)))
        conn.recv_bytes()  # wait until the parent samples
        result = JOBS[name](path)
        result["base_mb"] = base
        conn.send_bytes(pickle.dumps(result))
    except BaseException:
        conn.send_bytes(pickle.dumps(dict(error=traceback.format_exc())))
    finally:
        conn.close()


def run(name: str, path: Path) -> dict:
    ctx = mp.get_context("fork")
    here, there = ctx.Pipe()
    proc = ctx.Process(target=_child, args=(there, name, path))
    proc.start()
    there.close()
    msg = pickle.loads(here.recv_bytes())
    if isinstance(msg, dict):
        raise SystemExit(f"{name} failed: {msg['error']}")
    sampler = PeakMemory(pid=proc.pid)
    sampler.start()
    here.send_bytes(b"go")
    result = pickle.loads(here.recv_bytes())
    proc.join()
    result["peak_mb"] = sampler.stop()
    if "error" in result:
        raise SystemExit(f"{name} failed in its child process:\n{result['error']}")
    return result


def cache_hits(path: Path, cache: Path, floor: dict) -> None:
    """Fill a cache entry for ``path``, then time two hits (see the module docstring)."""
    before = os.environ.get("ANALYSIS_CACHE")
    os.environ["ANALYSIS_CACHE"] = str(cache)  # the children inherit it
    try:
        fill = run("fill", path)
        print(f"  cache filled in {fill['wall']:.1f} s (read, cleaned and stored)", flush=True)
        for name, label in (("hit", "cleaned texts"), ("hit_raw", "with raw texts")):
            got = run(name, path)
            held = got["held_mb"] - got["base_mb"]
            print(
                f"  cached_corpus hit, {label}: {got['wall']:.2f} s = "
                f"{got['wall'] / floor['wall']:.2f}x the floor's {floor['wall']:.1f} s; "
                f"the process holding the table: {held:,.0f} MB (PSS) above the imports "
                f"({got['detail']})",
                flush=True,
            )
    finally:
        if before is None:
            os.environ.pop("ANALYSIS_CACHE", None)
        else:
            os.environ["ANALYSIS_CACHE"] = before


def _label(scale: int | str) -> str:
    return scale if isinstance(scale, str) else f"{scale}x"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument(
        "--cache-hit", action="store_true", help="also time cached_corpus hits (first scale)"
    )
    ap.add_argument(
        "--one-file", action="store_true", help="also read the whole corpus as one text file"
    )
    args = ap.parse_args(argv)
    src = find_corpus()
    if src is None:
        print("UNGDC not found (no unpacked folder, no tarball): nothing to measure.")
        return 0
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-read-") as tmp:
        for scale in [*args.scales, *(["1 file"] if args.one_file else [])]:
            path = Path(tmp) / f"x{scale}".replace(" ", "-")
            if scale == "1 file":
                n_files, n_bytes = one_file(src, path)
            else:
                n_files, n_bytes = replicate(src, path, scale)
            text_mb = n_bytes / 2**20
            for f in path.glob("*/*.txt"):  # warm the page cache: neither side reads the disk
                f.read_bytes()
            load0 = os.getloadavg()[0]
            floor = run("floor", path)
            ours = run("ours", path)
            load1 = os.getloadavg()[0]
            grown = ours["peak_mb"] - ours["base_mb"]
            rows.append((scale, n_files, text_mb, floor, ours, grown, (load0, load1)))
            if args.cache_hit and scale == args.scales[0]:
                cache_hits(path, Path(tmp) / "cache", floor)
            print(
                f"{_label(scale)}: {n_files:,} file{'' if n_files == 1 else 's'}, {text_mb:,.0f} MB of text; floor {floor['wall']:.1f} s "
                f"({floor['detail']}); read_corpus {ours['wall']:.1f} s = {ours['wall'] / floor['wall']:.2f}x floor "
                f"({ours['detail']}); peak {ours['peak_mb']:,.0f} MB, of which {grown:,.0f} MB "
                f"above the imports = {grown / text_mb:.2f}x the text; load {load0:.2f}->{load1:.2f}",
                flush=True,
            )
    print()
    print(
        "| scale | files | text MB | floor s | read_corpus s | x floor | peak MB | growth MB | growth / text |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for scale, n_files, text_mb, floor, ours, grown, _ in rows:
        print(
            f"| {_label(scale)} | {n_files:,} | {text_mb:,.0f} | {floor['wall']:.1f} | {ours['wall']:.1f} | "
            f"{ours['wall'] / floor['wall']:.2f} | {ours['peak_mb']:,.0f} | {grown:,.0f} | {grown / text_mb:.2f} |"
        )
    scaled = [r for r in rows if r[0] != "1 file"]
    if len(scaled) > 1:
        (s0, _, t0, _, _, g0, _), (s1, _, t1, _, _, g1, _) = scaled[0], scaled[-1]
        slope = (g1 - g0) / (t1 - t0)
        print(
            f"\nmemory slope {s0}x -> {s1}x: {slope:.2f} MB per MB of text "
            f"(linear: growth / text stays near the slope at every scale)"
        )
    worst_time = max(o["wall"] / f["wall"] for _, _, _, f, o, _, _ in rows)
    worst_mem = max(g / t for _, _, t, _, _, g, _ in rows)
    print(
        f"targets: read_corpus <= {TARGET_VS_FLOOR:.0f}x floor: worst {worst_time:.2f}x "
        f"{'PASS' if worst_time <= TARGET_VS_FLOOR else 'MISS'}; memory <= "
        f"{TARGET_MEMORY_X_TEXT:.0f}x text: worst {worst_mem:.2f}x "
        f"{'PASS' if worst_mem <= TARGET_MEMORY_X_TEXT else 'MISS'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
