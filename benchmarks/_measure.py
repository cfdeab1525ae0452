"""Shared by the benchmark scripts: where the UN corpus is, and peak memory of a process tree.

Memory is the peak of the summed PSS (proportional set size, ``/proc/<pid>/smaps_rollup``,
sampled every 0.1 s) of a process and all its descendants: PSS splits each shared page
among the processes sharing it, so the sum is the physical memory of the whole tree
(forked workers included, inherited pages counted once).
"""

from __future__ import annotations

import math
import os
import pickle
import tarfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    memory, plus its workers'. Sampled every ``interval`` seconds. Reading PSS
    (``smaps_rollup``) walks every page table and costs CPU on the cores being measured,
    while RSS (``status``) is a counter; since a process' PSS never exceeds its RSS, PSS
    is read only when the summed RSS exceeds the peak PSS so far (the peak is the same).
    """

    def __init__(self, interval: float = 0.1, pid: int | None = None) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.pid = pid or os.getpid()
        self.peak_kb = 0
        self.peak_rss_kb = 0  # the largest single process of the tree
        self.peak_rss_sum_kb = 0  # summed RSS (counts shared pages once per process)
        self.cpu_seconds = 0.0  # the sampler's own CPU time (reading smaps is not free)
        self.samples = self.pss_reads = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            t0 = time.thread_time()
            self.sample()
            self.cpu_seconds += time.thread_time() - t0
            self._stop_event.wait(self.interval)

    def sample(self) -> None:
        """One sample: the peaks, with PSS read only when the summed RSS passes the peak."""
        pids = _descendants(self.pid)
        rss = [rss_kb(p) for p in pids]
        if sum(rss) > self.peak_kb:  # else the summed PSS cannot be a new peak
            self.peak_kb = max(self.peak_kb, sum(pss_kb(p) for p in pids))
            self.pss_reads += 1
        self.samples += 1
        self.peak_rss_kb = max([self.peak_rss_kb, *rss])
        self.peak_rss_sum_kb = max(self.peak_rss_sum_kb, sum(rss))

    def stop(self) -> float:
        self._stop_event.set()
        self.join()
        return self.peak_kb / 1024


def _status(key: str) -> int:
    """A ``/proc/self/status`` field in kB (``VmRSS:``, ``VmHWM:``); 0 where absent."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key):
                return int(line.split()[1])
    return 0


@dataclass
class ChildRun:
    """What :func:`in_child` measured: wall and CPU seconds, peak RSS and its growth over
    the child's start (MB), the result, or the error."""

    seconds: float = math.nan
    cpu: float = math.nan
    peak_mb: float = math.nan
    growth_mb: float = math.nan
    result: Any = None
    error: str | None = None


def in_child(fn: Callable[[], Any]) -> ChildRun:
    """``fn()`` in a forked child (Linux), so each job's memory is its own.

    The child's peak RSS (``VmHWM``) is reset at the fork (``/proc/self/clear_refs``), so
    the peak includes what the child inherits (the loaded corpus) and the growth is the
    peak over the child's starting RSS. CPU seconds are the child's, its threads
    included. The result must pickle; an exception is reported in ``error`` (the parent
    never hangs on a failed job).
    """
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            try:
                with open("/proc/self/clear_refs", "w") as fh:
                    fh.write("5")  # reset VmHWM to the current RSS
            except OSError:
                pass
            start = _status("VmRSS:")
            t, c = time.perf_counter(), time.process_time()
            result = fn()
            seconds, cpu = time.perf_counter() - t, time.process_time() - c
            peak = _status("VmHWM:")
            run = ChildRun(seconds, cpu, peak / 1024, (peak - start) / 1024, result)
        except Exception as exc:  # report, do not hang the parent
            run = ChildRun(error=f"{type(exc).__name__}: {exc}")
        os.write(w, pickle.dumps(run))
        os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.waitpid(pid, 0)
    return pickle.loads(data)
