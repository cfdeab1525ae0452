"""The benchmarks' memory sampler: PSS is read only when a new peak is possible."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import _measure
from _measure import PeakMemory, pss_bound, pss_read


class _Tree:
    """A scripted process tree: per pid its RSS, PSS and slack (KiB), as /proc would say."""

    def __init__(self, monkeypatch):
        self.procs: dict[int, tuple[int, int, int]] = {}
        self.reads = 0
        monkeypatch.setattr(_measure, "_descendants", lambda root: sorted(self.procs))
        monkeypatch.setattr(_measure, "rss_kb", lambda pid: self.procs[pid][0])
        monkeypatch.setattr(_measure, "pss_read", self._pss_read)

    def _pss_read(self, pid):
        self.reads += 1
        rss, pss, slack = self.procs[pid]
        return pss, rss, slack


def test_the_bound_counts_growth_and_slack_and_the_rss_of_a_process_never_read():
    read = {1: (100, 300, 20)}  # PSS 100, RSS 300 at its read, 20 KiB shared dirty
    assert pss_bound([1], {1: 300}, read) == 120
    assert pss_bound([1], {1: 350}, read) == 170  # 50 KiB more resident
    assert pss_bound([1], {1: 250}, read) == 120  # a shrinking RSS lowers nothing
    assert pss_bound([1, 2], {1: 300, 2: 80}, read) == 200  # pid 2 never read: its RSS


def test_pss_is_read_only_when_the_bound_passes_the_peak(monkeypatch):
    tree, sampler, read = _Tree(monkeypatch), PeakMemory(pid=1), {}
    tree.procs = {1: (1000, 600, 0), 2: (1000, 600, 0)}  # two kernels sharing 800 KiB
    sampler.sample(read)
    assert (sampler.peak_kb, tree.reads) == (1200, 2)
    sampler.sample(read)  # nothing grew: the summed RSS (2000) would have read again
    assert tree.reads == 2
    tree.procs[1] = (900, 500, 0)
    sampler.sample(read)  # one shrank
    assert tree.reads == 2
    tree.procs[2] = (1100, 700, 0)
    sampler.sample(read)  # one grew by 100: 1300 > 1200 is possible
    assert (sampler.peak_kb, tree.reads) == (1200, 4)  # the true sum, 500 + 700
    assert sampler.samples == 4 and sampler.pss_reads == 2


def test_a_copy_on_write_and_an_ended_process_are_read_again(monkeypatch):
    tree, sampler, read = _Tree(monkeypatch), PeakMemory(pid=1), {}
    # a parent and its forked worker share 400 KiB of dirty pages (200 each in PSS)
    tree.procs = {1: (500, 300, 200), 2: (400, 200, 200)}
    sampler.sample(read)
    assert sampler.peak_kb == 500
    # the worker writes to all of them: copies, with no page added to either RSS
    tree.procs = {1: (500, 500, 0), 2: (400, 400, 0)}
    sampler.sample(read)
    assert sampler.peak_kb == 900  # the slack made it read: 900 > 500 was possible


def test_the_records_are_forgotten_when_a_process_ends(monkeypatch):
    tree, sampler, read = _Tree(monkeypatch), PeakMemory(pid=1), {}
    tree.procs = {1: (1000, 1000, 0)}
    sampler.sample(read)
    # pid 1 shrinks; two kernels map the same 600 KiB of a file (300 each in PSS)
    tree.procs = {1: (200, 200, 0), 2: (600, 300, 0), 3: (600, 300, 0)}
    sampler.sample(read)
    assert sampler.peak_kb == 1000
    # pid 3 ends, so pid 2 counts the file whole with its RSS unchanged; pid 1 grows
    tree.procs = {1: (450, 450, 0), 2: (600, 600, 0)}
    # the old records would bound the sum by 450 + 300 = 750 and skip this new peak
    sampler.sample(read)
    assert sampler.peak_kb == 1050


@pytest.mark.skipif(not os.path.exists("/proc/self/smaps_rollup"), reason="Linux only")
def test_pss_read_parses_this_process():
    pss, rss, slack = pss_read(os.getpid())
    assert 0 < pss <= rss
    assert slack >= 0
    assert pss_read(2**22 + 12345) == (0, 0, 0)  # no such process
