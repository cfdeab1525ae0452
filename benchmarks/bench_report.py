"""Benchmark: regenerating the seed report (issue #6 target: at most 30 s on 2 cores).

Prints, in one run, the wall time of ``analysis.report.render`` on the seeds next to a
floor: papermill running the same number of *empty* notebooks with the same
parallelism (kernel start-up and papermill overhead only). Run after ``make setup``:

    .venv/bin/python benchmarks/bench_report.py [--repeat 2]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

from analysis.report import notebook_paths, render

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 30.0


def _empty_run(path: str) -> None:
    import papermill

    papermill.execute_notebook(path, path, progress_bar=False, kernel_name="python3")


def floor(n: int, jobs: int, tmp: Path) -> float:
    paths = []
    for i in range(n):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("import analysis")]
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        p = tmp / f"empty{i}.ipynb"
        nbformat.write(nb, p)
        paths.append(str(p))
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(_empty_run, paths))
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    n = len(notebook_paths())
    jobs = max(1, min(3, os.cpu_count() or 1, n))
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        times = []
        for r in range(args.repeat):
            t0 = time.perf_counter()
            render(ROOT / "seeds", tmp / f"report{r}", quiet=True)
            times.append(time.perf_counter() - t0)
        base = floor(n, jobs, tmp)
    best = min(times)
    print(f"{'measure':<44}{'seconds':>10}")
    print(
        f"{'floor: ' + str(n) + ' import-only notebooks, ' + str(jobs) + ' at once':<44}{base:>10.1f}"
    )
    print(f"{'render(seeds): all ' + str(n) + ' notebooks + HTML (best)':<44}{best:>10.1f}")
    print(f"{'target':<44}{TARGET_S:>10.1f}   {'PASS' if best <= TARGET_S else 'MISS'}")
    print(f"cores: {os.cpu_count()}, runs: {', '.join(f'{t:.1f}' for t in times)}")


if __name__ == "__main__":
    main()
