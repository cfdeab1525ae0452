"""The notebook suite and its execution: discovery in the package, papermill runs in a
process pool, and a kernel pinned to this interpreter.

The suite is the package data ``analysis/report/notebooks/NN-name.ipynb``, so an installed
wheel carries it. Each notebook runs in a kernel started as ``sys.executable -m
ipykernel_launcher``, from a kernelspec written into the build folder, so the report uses
the same Python (and the same ``analysis``) as the caller, whatever kernels the user has.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from .._yaml import did_you_mean
from ..errors import AnalysisError

__all__ = [
    "NOTEBOOK_DIR", "SECTIONS", "KERNEL_NAME", "notebook_paths", "notebook_parameters",
    "select", "run_suite",
]  # fmt: skip

NOTEBOOK_DIR = Path(str(resources.files("analysis.report") / "notebooks"))
SECTIONS = {
    "01-corpus": "Corpus",
    "02-keywords": "Keywords",
    "03-themes": "Themes",
    "04-topics": "Topics",
    "05-compare": "Comparisons",
    "06-context": "Context",
    "07-robustness": "Validation",
}
KERNEL_NAME = "analysis-python"
_KERNELS = ".jupyter"  # inside the build folder; removed after the run


def notebook_paths(notebook_dir: str | Path | None = None) -> list[Path]:
    """The suite: every ``NN-name.ipynb`` in ``notebook_dir``, in name order."""
    folder = Path(notebook_dir) if notebook_dir else NOTEBOOK_DIR
    paths = sorted(p for p in folder.glob("[0-9][0-9]-*.ipynb"))
    if not paths:
        raise AnalysisError(
            f"{folder}: no notebooks (NN-name.ipynb) found; pass a folder that holds the suite as notebook_dir"
        )
    return paths


#: jsonschema's optional IRI checker (see :func:`import_papermill`).
_IRI_CHECKER = "rfc3987_syntax"


def import_papermill() -> None:
    """Import papermill for the command line, without the IRI grammars of jsonschema.

    papermill imports nbformat, which imports jsonschema, whose format checkers import
    the optional ``rfc3987_syntax`` when it is installed (it is wherever JupyterLab is:
    jupyter-events requires ``jsonschema[format-nongpl]``). That module compiles 38 Earley
    parsers as it is imported, 1.1 s before a render's kernels can start
    (python-jsonschema/jsonschema#1428). It serves only the ``iri`` and ``iri-reference``
    formats, which no schema of nbformat uses. So while papermill is imported here, the
    import of ``rfc3987_syntax`` fails, and jsonschema leaves those two checks out, as it
    does where the package is not installed; afterwards the module can be imported again.
    Nothing changes when jsonschema is already imported (or the module is). Only
    ``python -m analysis report`` calls this, in a process of its own: a Python session
    that calls :func:`analysis.report.render` keeps its jsonschema as it is.
    """
    if "jsonschema" in sys.modules or _IRI_CHECKER in sys.modules:
        import papermill

        return
    sys.modules[_IRI_CHECKER] = None  # type: ignore[assignment]  # "import" raises ImportError
    try:
        import papermill
    except ImportError:  # some library needed it after all: import it as it comes
        _allow_iri_checker()
        import papermill  # noqa: F401
    finally:
        _allow_iri_checker()


def _allow_iri_checker() -> None:
    """Undo :func:`import_papermill`'s block of ``rfc3987_syntax`` (if it is still there)."""
    if _IRI_CHECKER in sys.modules and sys.modules[_IRI_CHECKER] is None:
        del sys.modules[_IRI_CHECKER]


def notebook_parameters(path: str | Path) -> dict[str, dict]:
    """Parameters declared in a notebook's ``parameters`` cell (name -> type, default, help)."""
    import papermill

    return papermill.inspect_notebook(str(path))


def reference_seconds(path: Path) -> float:
    """The notebook's ``"analysis": {"reference_seconds": s}`` metadata, else 0.

    ``s`` is what the section took in the reference render: the full UN General Debate
    corpus (10,952 speeches) with the example study's parameters and the file-name
    pattern, all seven sections, two cores, empty cache (benchmarks/README.md, "Fits in
    lockstep"). Only the order of these numbers is used.
    """
    import nbformat

    try:
        meta = nbformat.read(path, as_version=4).metadata.get("analysis") or {}
    except (OSError, ValueError):
        return 0.0
    value = meta.get("reference_seconds")
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
    return float(value) if ok else 0.0


def start_order(
    runs: list[tuple[Path, dict]], previous: Mapping[str, float] | None = None
) -> list[tuple[Path, dict]]:
    """The order in which :func:`run_suite` starts the notebooks: the longest first.

    Starting the longest jobs first (Graham's longest-processing-time rule, 1969) keeps a
    long notebook from starting last while the other workers idle. The lengths are the
    seconds each notebook took in the previous render of the report (``previous``, from
    its ``provenance.json``) when all of them are known; otherwise the seconds each took
    in the reference render (:func:`reference_seconds`), where the sections that fit
    models, resample or rebuild matrices under other choices take longest, and
    01-corpus least. Equal lengths keep suite order. So with two workers a first render
    starts 07-robustness (or, without it, 04-topics and 02-keywords) first, and
    05-compare, which loads the 1-2-gram matrix 02-keywords leaves in the cache, starts
    after 02-keywords. The order changes no output: every notebook runs in its own
    kernel and staging folder.
    """
    if previous and all(isinstance(previous.get(p.stem), int | float) for p, _ in runs):
        lengths = {p.stem: float(previous[p.stem]) for p, _ in runs}
    else:
        lengths = {p.stem: reference_seconds(p) for p, _ in runs}
    return sorted(runs, key=lambda run: -lengths[run[0].stem])  # stable: ties in suite order


def select(paths: list[Path], notebooks: Sequence[str] | None) -> list[Path]:
    """The notebooks of ``paths`` named in ``notebooks`` (all when None); unknown names are errors."""
    if not notebooks:
        return paths
    names = [p.stem for p in paths]
    unknown = [n for n in notebooks if n not in names]
    if unknown:
        raise AnalysisError(
            f"notebook {unknown[0]!r} is not in the suite{did_you_mean(unknown[0], names)}; "
            f"choose from {', '.join(names)}"
        )
    return [p for p in paths if p.stem in notebooks]


def write_kernelspec(folder: Path) -> Path:
    """Write ``kernels/analysis-python/kernel.json`` (this interpreter) under ``folder``."""
    spec = folder / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "Python (analysis report)", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel, indent=1) + "\n", encoding="utf-8")
    return folder


#: Kernel starts tried per notebook. jupyter_client picks a kernel's ports before the
#: kernel binds them, so two kernels starting at once can draw the same port; the loser
#: dies at start-up ("Address already in use", then "Kernel died before replying to
#: kernel_info"; jupyter/jupyter_client#154). No cell has run then, so it is started again.
KERNEL_STARTS = 3
_START_FAILED = "Kernel died before replying to kernel_info"


def _run_one(
    nb: str, out_nb: str, parameters: dict, cwd: str, timeout: int, log: str | None = None
) -> dict:
    """Run one notebook (in a worker process); returns timing or the failure. A kernel
    that dies before it answers is started again, up to :data:`KERNEL_STARTS` times.

    With ``log`` (a file in an existing folder), the kernels' standard error goes to that
    file (appended) instead of the terminal, and the error of a kernel that died (at
    start or while running) ends with the last line it wrote there."""
    t0 = time.perf_counter()
    for _ in range(KERNEL_STARTS):
        with _stderr_to(log) as start:
            result = _execute(nb, out_nb, parameters, cwd, timeout, t0)
        died_at_start = died_before_answering(result)
        error = str(result.get("error", ""))
        if log is not None and (died_at_start or error.startswith(_DIED)):
            last = _last_line(log, start)
            if last:
                result["error"] = f"{error}; the kernel's last words: {last}"
        if result["ok"] or not died_at_start:
            break
    return result


def died_before_answering(result: Mapping) -> bool:
    """Whether a failed run's kernel died before it answered (no cell ran): the failure
    :func:`_run_one` retries and :func:`analysis.report.render` reports as "at kernel
    start"."""
    return result.get("cell") is None and str(result.get("error", "")).startswith(
        f"RuntimeError: {_START_FAILED}"
    )


#: The start of the error of a kernel that died while a cell ran (nbclient's exception).
_DIED = "DeadKernelError"


@contextmanager
def _stderr_to(path: str | None) -> Iterator[int]:
    """Point this process's standard error (file descriptor 2, which the kernels it starts
    inherit) at ``path``, appended, for the block; yields the file's size before the
    block. A kernel writes there what happens outside any cell: the start-up warnings,
    and the traceback of one that dies, such as the loser of a port race at start-up
    (``zmq.error.ZMQError: Address already in use``), which :func:`_run_one` starts again
    and the render survives, so on the terminal it would only alarm. Without ``path``,
    or when it cannot be opened (its folder is never made here: an interrupted render
    removes it), nothing changes and 0 is yielded. Standard error is restored
    whatever the block raises."""
    fd = None
    if path is not None:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError:
            pass
    if fd is None:
        yield 0
        return
    try:
        start, saved = os.fstat(fd).st_size, os.dup(2)
        try:
            _flush_stderr()
            os.dup2(fd, 2)
            yield start
        finally:
            _flush_stderr()
            os.dup2(saved, 2)
            os.close(saved)
    finally:
        os.close(fd)


def _flush_stderr() -> None:
    """Flush ``sys.stderr`` if there is one that can be flushed (never raises)."""
    try:
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):
        pass


def _last_line(path: str, start: int, limit: int = 300) -> str:
    """The last non-blank line written to ``path`` after byte ``start`` (at most ``limit``
    characters; "" when there is none or the file cannot be read)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(start)
            text = fh.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:limit] if lines else ""


def _execute(nb: str, out_nb: str, parameters: dict, cwd: str, timeout: int, t0: float) -> dict:
    """One papermill run of ``nb``: ``{"ok", "seconds"}``, or the failure and its cell."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        papermill.execute_notebook(
            nb, out_nb, parameters=parameters, cwd=cwd, progress_bar=False,
            kernel_name=KERNEL_NAME, execution_timeout=timeout, log_output=False,
            # the kernel's own log (start-up warnings such as "running over TCP", the
            # interrupt jupyter_client sends when it shuts a kernel down) is noise on the
            # terminal; a failing cell or a dead kernel still fails the run with its error
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )  # fmt: skip
    except PapermillExecutionError as exc:
        return {
            "ok": False,
            "cell": exc.exec_count if exc.exec_count is not None else exc.cell_index,
            "error": f"{exc.ename}: {str(exc.evalue).splitlines()[0] if exc.evalue else ''}",
            "seconds": time.perf_counter() - t0,
        }
    except Exception as exc:  # a kernel that cannot start is also a failure
        return {
            "ok": False,
            "cell": None,
            "error": f"{type(exc).__name__}: {exc}".splitlines()[0],
            "seconds": time.perf_counter() - t0,
        }
    return {"ok": True, "seconds": time.perf_counter() - t0}


#: Thread-pool sizes of the numerical libraries (OpenMP, OpenBLAS, MKL, Accelerate,
#: numexpr), read when they load in a kernel.
_THREAD_ENVS = (
    "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)  # fmt: skip


#: Small pages for the kernels' large buffers. numpy asks for transparent huge pages
#: (``madvise(MADV_HUGEPAGE)``) for its arrays of 4 MiB and more unless
#: ``NUMPY_MADVISE_HUGEPAGE=0`` (numpy, "Global state": it matters where THP is set to
#: ``madvise``). mimalloc, Arrow's default pool on Linux, commits its large arenas at once
#: unless ``MIMALLOC_ARENA_EAGER_COMMIT=0`` (mimalloc's README, "Environment Options":
#: 0, 1 or 2, default 2); measured here, that left 204 MiB of a kernel's cached corpus
#: in huge pages, and none with 0.
_SMALL_PAGE_ENVS = {"NUMPY_MADVISE_HUGEPAGE": "0", "MIMALLOC_ARENA_EAGER_COMMIT": "0"}


def kernel_environment(n_jobs: int, environ: Mapping[str, str]) -> dict[str, str]:
    """The variables a notebook kernel gets when ``n_jobs`` notebooks run at once.

    * Each kernel's share of the cores, ``max(1, cores // n_jobs)``, as
      ``$ANALYSIS_CPUS`` (see :func:`analysis._parallel.available_cpus`) and as the
      thread-pool size of the numerical libraries, so that two kernels on two cores do
      not each start two tokenizer processes, two fitting threads and two BLAS threads
      (oversubscribed BLAS threads spin while they wait). Dask's nanny does the same for
      its workers.
    * Kernels that do not ask for transparent huge pages for numpy's large arrays and
      Arrow's buffers (``NUMPY_MADVISE_HUGEPAGE=0``, ``MIMALLOC_ARENA_EAGER_COMMIT=0``).
      A kernel allocates and frees arrays of hundreds of MB step after step, each one
      faulted in afresh. A huge page needs 2 MiB of contiguous free memory; where the
      kernel has none at hand it may compact memory first (``defrag`` = ``madvise``, the
      common default; numpy/numpy#31590), and in a virtual machine that hands freed
      memory back to its host (virtio-balloon free page reporting, which reports exactly
      such 2 MiB blocks) each huge page is faulted in from the host again once the host
      has taken it back. On such a machine a fresh 1 GiB array took 7.4 s with huge
      pages and 0.45 s without, and the UN corpus' 1-2-gram matrix 18.3 s against 10.8 s
      (benchmarks/README.md, "Small pages in the kernels"). Memory the guest still held
      was faster with huge pages (0.11 against 0.40 s per GiB), so where huge pages are
      cheap a render may lose a few seconds. On that machine the kernels' CPU time in
      user mode was the same either way: the report's steps gained nothing measurable
      from huge pages' fewer TLB misses.

    A variable the user set is kept. No result of the package depends on its own
    parallelism (each parallel step gives the same numbers on any number of cores;
    tested), nor on the OpenBLAS thread count of the wheels' numpy and scipy (the UN
    report's outputs are byte-identical with 1 and 2 threads); an MKL build can differ in
    the last bits unless ``MKL_CBWR`` is set. Page sizes change no value.
    """
    from .._parallel import CPUS_ENV, available_cpus

    share = str(max(1, available_cpus() // max(1, n_jobs)))
    env = {name: share for name in (CPUS_ENV, *_THREAD_ENVS)}
    env.update(_SMALL_PAGE_ENVS)
    return {name: value for name, value in env.items() if name not in environ}


def _worker_init(
    parent: int,
    jupyter_path: str,
    snapshot: str | None = None,
    env: Mapping[str, str] | None = None,
) -> None:
    """Set up a notebook worker: Ctrl-C is the parent's business; die with the parent;
    find the pinned kernelspec first; hand the kernels the corpus snapshot (or none) and
    their share of the cores (``env``, from :func:`kernel_environment`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # forked while the parent held SIGINT: the kernels this worker starts must not
    # inherit the blocked mask
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    rest = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join([jupyter_path, *([rest] if rest else [])])
    from ..cache import SNAPSHOT_ENV

    os.environ.update(env or {})
    if snapshot:
        os.environ[SNAPSHOT_ENV] = snapshot
    else:  # never one inherited from elsewhere
        os.environ.pop(SNAPSHOT_ENV, None)


def _descendants(pid: int) -> list[tuple[int, str]]:
    """The processes descended from ``pid`` (its kernels and theirs) as ``(pid, start
    time)``, read from ``/proc``; [] where there is no ``/proc``."""
    parents: dict[int, list[tuple[int, str]]] = {}
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return []
    for entry in entries:
        fields = _stat(int(entry))
        if fields is not None:
            parents.setdefault(int(fields[1]), []).append((int(entry), fields[19]))
    out, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        out += children
        todo += [child for child, _ in children]
    return out


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command (state, ppid, ...; the start
    time is index 19), or None when the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields if len(fields) > 19 else None


def _running(pid: int, started: str) -> bool:
    """Whether the process ``pid`` that started at ``started`` still runs (a zombie, or
    another process given the same number, does not)."""
    fields = _stat(pid)
    return fields is not None and fields[19] == started and fields[0] != "Z"


def _stop_pool(pool: ProcessPoolExecutor, *, wait_s: float = 5.0) -> None:
    """Cancel pending notebooks, terminate the workers and their kernels now, and wait
    (at most ``wait_s`` seconds) until the kernels are gone: a kernel finishing the file
    it was writing would otherwise write it, and make its folders again, after the
    interrupted render has removed its build folder."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    kernels = [k for proc in procs if proc.pid for k in _descendants(proc.pid)]
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        if proc.is_alive():
            proc.terminate()
    for pid, started in kernels:
        if _running(pid, started):  # never a process that took a freed number
            try:
                os.kill(pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass
    for proc in procs:
        proc.join(timeout=wait_s)
    deadline = time.monotonic() + wait_s
    while any(_running(*k) for k in kernels) and time.monotonic() < deadline:
        time.sleep(0.02)


def run_suite(
    runs: list[tuple[Path, dict]],
    build: Path,
    *,
    jobs: int | None,
    timeout: int,
    quiet: bool,
    snapshot: Mapping | None = None,
    on_done: Callable[[str, dict], None] | None = None,
) -> dict[str, dict]:
    """Run ``(notebook, parameters)`` pairs into ``build/notebooks/`` in a process pool.

    The kernels run with this interpreter, in the notebook's folder (the notebooks get
    absolute ``corpus``/``out`` paths). ``snapshot`` (``{"corpus": path, "files":
    {relative path: sha256}, "listing": {...}}``, the digests the render took and the
    options it listed the files with, and ``"store": {"entry", "lock"}`` while its corpus
    entry is being written, see :class:`analysis.cache.BackgroundStore`) is written next
    to the kernelspec and named to the kernels in ``$ANALYSIS_CORPUS_SNAPSHOT``, so that
    :func:`analysis.cached_corpus` neither lists nor hashes the corpus again in each
    notebook. Each kernel gets its share of the cores (:func:`kernel_environment`); its
    standard error goes to ``build/.jupyter/logs/<notebook>.log``, removed with the folder
    after the run (see :func:`_run_one`). ``on_done(name, result)`` is called in this
    process for each notebook that ran through, as it finishes, while the others still
    run (:func:`analysis.report.render` writes its page then, so only the last notebook's
    page is left for the end). On any interruption the workers are stopped at once.
    Returns ``{name: {"ok", "seconds", ["cell", "error"]}}``.
    """
    n_jobs = jobs or max(1, min(3, os.cpu_count() or 1, len(runs)))
    kernel_env = kernel_environment(n_jobs, os.environ)  # a bad ANALYSIS_CPUS: before any file
    kernels = write_kernelspec(build / _KERNELS)
    (kernels / "logs").mkdir()  # the kernels' standard error (see _run_one)
    snapshot_file = None
    if snapshot is not None:
        snapshot_file = kernels / "corpus-snapshot.json"
        snapshot_file.write_text(json.dumps(dict(snapshot)), encoding="utf-8")
    results: dict[str, dict] = {}
    # A Ctrl-C that lands while the pool forks its workers would be raised inside an
    # at-fork hook, where Python reports it as "Exception ignored" and carries on, so the
    # run would not stop: SIGINT is held while the workers are forked (all at the first
    # submit with the fork start method) and taken right after, inside the try below.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        pool = ProcessPoolExecutor(
            max_workers=n_jobs,
            initializer=_worker_init,
            initargs=(
                os.getpid(),
                str(kernels),
                str(snapshot_file) if snapshot_file else None,
                kernel_env,
            ),
        )
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        raise
    try:
        try:
            futs = {
                # the kernel runs in the notebook's folder, which outlives the run (an
                # interrupted run removes the build folder while kernels are still exiting)
                pool.submit(
                    _run_one, str(p), str(build / "notebooks" / p.name), prm, str(p.parent),
                    timeout, str(kernels / "logs" / f"{p.stem}.log"),
                ): p
                for p, prm in runs
            }  # fmt: skip
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)  # a held Ctrl-C is raised here
        for fut in as_completed(futs):
            p = futs[fut]
            results[p.stem] = r = fut.result()
            if not quiet:
                state = "ok" if r["ok"] else "FAILED"
                print(f"  {p.stem}: {state} ({r['seconds']:.1f} s)", file=sys.stderr)
            if on_done is not None and r["ok"]:
                on_done(p.stem, r)
    except BaseException:
        _stop_pool(pool)
        raise
    finally:
        shutil.rmtree(kernels, ignore_errors=True)
    pool.shutdown()
    return results
