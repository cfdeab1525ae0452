"""Shared by the benchmark scripts: where the UN corpus is, and peak memory of a process tree.

Memory is the peak of the summed PSS (proportional set size, ``/proc/<pid>/smaps_rollup``,
sampled every 0.1 s) of a process and all its descendants: PSS splits each shared page
among the processes sharing it, so the sum is the physical memory of the whole tree
(forked workers included, inherited pages counted once).
"""

from __future__ import annotations

import os
import tarfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path("~/.cache/framing-analysis").expanduser()
TARBALL = ROOT.parent / "shared" / "corpora" / "ungdc" / "ungdc-1946-2024.tar.xz"
PATTERN = "{year}/{country}_{session}_{year}.txt"


def find_corpus(cache: Path = CACHE, tarball: Path = TARBALL) -> Path | None:
    """The unpacked UNGDC folder (unpacking the tarball into ``cache`` once), or None."""
    if (cache / "2024").is_dir():
        return cache
    if tarball.is_file():
        print(f"UNGDC not found in {cache}; unpacking {tarball} there (once) ...", flush=True)
        cache.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarball) as tar:
            tar.extractall(cache, filter="data")
        found = [p.parent for p in cache.glob("*/2024") if p.is_dir()]
        if (cache / "2024").is_dir():
            return cache
        if found:  # the tarball had a top folder
            return found[0]
    return None


def pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kb(pid: int) -> int:
    """Resident set size of one process (``VmRSS``), in KiB; 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(root: int) -> list[int]:
    parent_of: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    parent_of[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    out, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        out.append(pid)
        frontier.extend(c for c, p in parent_of.items() if p == pid)
    return out


class PeakMemory(threading.Thread):
    """Peak of the summed PSS of a process (default: this one) and all its descendants (Linux).

    PSS splits each shared page among the processes sharing it, so the sum is the
    physical memory of the whole process tree: the corpus once, plus the job's own
    memory, plus its workers'. Sampled every ``interval`` seconds.
    """

    def __init__(self, interval: float = 0.1, pid: int | None = None) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.pid = pid or os.getpid()
        self.peak_kb = 0
        self.peak_rss_kb = 0  # the largest single process of the tree
        self.peak_rss_sum_kb = 0  # summed RSS (counts shared pages once per process)
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            pids = _descendants(self.pid)
            self.peak_kb = max(self.peak_kb, sum(pss_kb(p) for p in pids))
            rss = [rss_kb(p) for p in pids]
            self.peak_rss_kb = max([self.peak_rss_kb, *rss])
            self.peak_rss_sum_kb = max(self.peak_rss_sum_kb, sum(rss))
            self._stop_event.wait(self.interval)

    def stop(self) -> float:
        self._stop_event.set()
        self.join()
        return self.peak_kb / 1024
