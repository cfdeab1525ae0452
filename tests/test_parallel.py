"""The cores one process may use (ANALYSIS_CPUS) and the share render gives a kernel."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from analysis._parallel import CPUS_ENV, available_cpus
from analysis.errors import AnalysisError
from analysis.report.execute import kernel_environment
from analysis.tokens import PARALLEL_MIN_CHARS, _resolve_jobs


def test_available_cpus_is_the_affinity_unless_the_variable_caps_it(monkeypatch):
    monkeypatch.delenv(CPUS_ENV, raising=False)
    assert available_cpus() == len(os.sched_getaffinity(0))
    monkeypatch.setenv(CPUS_ENV, " ")  # set but empty: as unset (`ANALYSIS_CPUS= cmd`)
    assert available_cpus() == len(os.sched_getaffinity(0))
    monkeypatch.setenv(CPUS_ENV, "3")
    assert available_cpus() == 3
    # every "all cores" default follows it
    assert _resolve_jobs(None, PARALLEL_MIN_CHARS + 1) == 3
    assert _resolve_jobs(-1, PARALLEL_MIN_CHARS + 1) == 3
    assert _resolve_jobs(-2, PARALLEL_MIN_CHARS + 1) == 2
    assert _resolve_jobs(5, 10) == 5  # an explicit number is the caller's


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_a_bad_cpus_variable_is_a_one_line_error(monkeypatch, value):
    monkeypatch.setenv(CPUS_ENV, value)
    with pytest.raises(AnalysisError, match=r"^ANALYSIS_CPUS=.*whole number of cores >= 1") as e:
        available_cpus()
    assert "\n" not in str(e.value)


@pytest.mark.parametrize(("cpus", "jobs", "share"), [(2, 2, "1"), (8, 3, "2"), (1, 3, "1")])
def test_kernel_environment_divides_the_cores_and_keeps_what_the_user_set(
    monkeypatch, cpus, jobs, share
):
    monkeypatch.setenv(CPUS_ENV, str(cpus))
    env = kernel_environment(jobs, {})
    threads = {
        CPUS_ENV, "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
        "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS",
    }  # fmt: skip
    assert set(env) == threads | {"NUMPY_MADVISE_HUGEPAGE", "MIMALLOC_ARENA_EAGER_COMMIT"}
    assert {env[name] for name in threads} == {share}
    kept = kernel_environment(jobs, {"OMP_NUM_THREADS": "4", CPUS_ENV: "6"})
    assert "OMP_NUM_THREADS" not in kept and CPUS_ENV not in kept
    assert kept["OPENBLAS_NUM_THREADS"] == share


def test_kernels_ask_for_small_pages_unless_the_user_chose():
    env = kernel_environment(2, {})
    assert env["NUMPY_MADVISE_HUGEPAGE"] == "0" and env["MIMALLOC_ARENA_EAGER_COMMIT"] == "0"
    mine = {"NUMPY_MADVISE_HUGEPAGE": "1", "MIMALLOC_ARENA_EAGER_COMMIT": "2"}
    assert not set(mine) & set(kernel_environment(2, mine))
    child = {k: v for k, v in os.environ.items() if k not in mine and not k.startswith("MIMALLOC_")}

    def run(code, environ):
        done = subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True,
                              text=True, check=True)  # fmt: skip
        return done.stdout.strip(), done.stderr

    # numpy reads its variable when it is imported: a kernel started with it asks for none
    numpy_asks = (
        "import numpy as np\n"
        "m = getattr(np, '_core', None) or np.core\n"
        "print(m.multiarray._get_madvise_hugepage())"
    )
    assert run(numpy_asks, {**child, **env})[0] == "False"
    if sys.platform.startswith("linux"):  # numpy's default there (kernels >= 4.6)
        assert run(numpy_asks, child)[0] == "True"
    # Arrow's mimalloc reads its own (MIMALLOC_VERBOSE lists the options it took)
    arrow = "import pyarrow as pa; print(pa.default_memory_pool().backend_name)"
    backend, said = run(arrow, {**child, **env, "MIMALLOC_VERBOSE": "1"})
    if backend != "mimalloc":
        pytest.skip(f"Arrow's default pool here is {backend}, not mimalloc")
    assert "option 'arena_eager_commit': 0" in said


def test_select_k_on_all_cores_fits_on_as_many_threads_as_the_variable_allows(
    monkeypatch, seeds_dtm
):
    import analysis.topics.metrics as metrics

    seen = []
    real = metrics._fit_nmf_many

    def spy(*args, n_threads=1, **kwargs):
        seen.append(n_threads)
        return real(*args, n_threads=n_threads, **kwargs)

    monkeypatch.setattr(metrics, "_fit_nmf_many", spy)
    monkeypatch.setenv(CPUS_ENV, "3")
    metrics.select_k(seeds_dtm, ks=[2], seeds=[0], n_jobs=-1, progress=False)
    metrics.select_k(seeds_dtm, ks=[2], seeds=[0], n_jobs=-2, progress=False)  # all but one
    metrics.select_k(seeds_dtm, ks=[2], seeds=[0], n_jobs=-9, progress=False)  # at least one
    assert seen == [3, 2, 1]


@pytest.mark.parametrize("warm", [False, True])
def test_a_bad_cpus_variable_stops_a_render_before_it_writes(tmp_path, monkeypatch, cache, warm):
    # cold cache: reading the corpus asks for the cores; warm: the kernels' share does,
    # before any kernelspec or output is written
    import analysis
    from analysis.report import render

    seeds = os.path.join(os.path.dirname(__file__), os.pardir, "seeds")
    if warm:
        analysis.cached_corpus(seeds)
    monkeypatch.setenv(CPUS_ENV, "two")
    with pytest.raises(AnalysisError, match=r"^ANALYSIS_CPUS='two'"):
        render(seeds, tmp_path / "r", notebooks=["01-corpus"], quiet=True)
    assert not (tmp_path / "r").exists()
