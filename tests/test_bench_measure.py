"""The benchmarks' memory sampler: PSS is read whenever the summed RSS passes the peak."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import _measure
from _measure import PeakMemory, pss_kb


class _Tree:
    """A scripted process tree: per pid its RSS and PSS (KiB), as /proc would say."""

    def __init__(self, monkeypatch):
        self.procs: dict[int, tuple[int, int]] = {}
        self.reads = 0
        monkeypatch.setattr(_measure, "_descendants", lambda root: sorted(self.procs))
        monkeypatch.setattr(_measure, "rss_kb", lambda pid: self.procs[pid][0])
        monkeypatch.setattr(_measure, "pss_kb", self._pss)

    def _pss(self, pid):
        self.reads += 1
        return self.procs[pid][1]


def test_pss_is_read_when_the_summed_rss_passes_the_peak(monkeypatch):
    tree, sampler = _Tree(monkeypatch), PeakMemory(pid=1)
    tree.procs = {1: (1000, 600), 2: (1000, 600)}  # two kernels sharing 800 KiB
    sampler.sample()
    assert (sampler.peak_kb, tree.reads) == (1200, 2)
    tree.procs = {1: (700, 500), 2: (500, 300)}  # the summed RSS (1200) cannot beat 1200
    sampler.sample()
    assert (sampler.peak_kb, tree.reads) == (1200, 2)
    # pid 2 let go of the shared pages and filled its RSS again with its own: its RSS is
    # what it was, its PSS higher; the summed RSS still bounds the summed PSS
    tree.procs = {1: (700, 700), 2: (1000, 1000)}
    sampler.sample()
    assert (sampler.peak_kb, tree.reads) == (1700, 4)
    assert (sampler.samples, sampler.pss_reads) == (3, 2)
    assert sampler.peak_rss_kb == 1000 and sampler.peak_rss_sum_kb == 2000


@pytest.mark.skipif(not os.path.exists("/proc/self/smaps_rollup"), reason="Linux only")
def test_pss_of_this_process_is_within_its_rss():
    assert 0 < pss_kb(os.getpid()) <= _measure.rss_kb(os.getpid())
    assert pss_kb(2**22 + 12345) == 0  # no such process


def test_the_one_file_case_joins_every_speech_into_one_document(tmp_path, mini_dir):
    # bench_read.py --one-file: the "single 200 MB text file", read by the
    # file-name pattern as one document holding every speech's words
    import re
    import warnings

    import bench_read

    import analysis

    files = sorted(mini_dir.glob("*/*.txt"))
    n, size = bench_read.one_file(mini_dir, tmp_path / "one")
    written = tmp_path / "one" / "2024" / "ALL_79_2024.txt"
    assert n == 1 and size == written.stat().st_size
    assert written.read_bytes() == b"\n\n".join(f.read_bytes() for f in files)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", analysis.InputWarning)
        docs = analysis.read_corpus(tmp_path / "one", pattern=bench_read.PATTERN)
    assert len(docs) == 1 and docs["country"].iloc[0] == "ALL"
    words = sum(len(re.findall(r"\w+", f.read_text(encoding="utf-8"))) for f in files)
    assert 0.9 * words < int(docs["n_tokens"].iloc[0]) <= words  # cleaning drops little
