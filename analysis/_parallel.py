"""Map a function over tasks in forked worker processes, results in order.

The workers are forked (Linux), so they inherit the caller's data through
:data:`STATE` instead of receiving it pickled; only each task (a small tuple) goes to a
worker and only its result comes back. With one job, or elsewhere than Linux, the same
function runs in-process over the same tasks, so results never depend on the number
of processes. Inside a Dask worker (or any daemon process) it runs in-process too.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from .errors import AnalysisError

T = TypeVar("T")
R = TypeVar("R")

#: The environment variable that caps the cores one process uses (see :func:`available_cpus`).
CPUS_ENV = "ANALYSIS_CPUS"


def available_cpus() -> int:
    """The cores this process may use: ``$ANALYSIS_CPUS`` when set (and not empty), else the
    cores it may run on (its CPU affinity), else ``os.cpu_count()``.

    Every default of "all cores" in the package (``n_jobs=None`` of the tokenizers and
    loaders, ``n_jobs=-1`` of :func:`analysis.select_k`) means this many. The report sets
    it in each notebook's kernel to its share of the machine (cores divided by the
    notebooks running at once), as Dask's nanny sets ``OMP_NUM_THREADS`` in its workers,
    so that two kernels do not each start a process or a thread per core. Results never
    depend on it.
    """
    value = os.environ.get(CPUS_ENV, "").strip()
    if value:  # set and not empty
        try:
            cpus = int(value)
        except ValueError:
            cpus = 0
        if cpus < 1:
            raise AnalysisError(
                f"{CPUS_ENV}={value!r}: give a whole number of cores >= 1, or unset it to use "
                "them all"
            )
        return cpus
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def cpus_for(n_jobs: int) -> int:
    """Processes or threads for ``n_jobs`` as joblib reads it: a positive number as given,
    -1 all of :func:`available_cpus`, -2 all but one, and so on (at least one)."""
    return int(n_jobs) if n_jobs > 0 else max(1, available_cpus() + 1 + int(n_jobs))


#: What the current job's workers read (set by :func:`shared`, inherited on fork).
STATE: dict[str, Any] = {}

#: One job at a time per process: threads of one process (the workers of a Dask cluster
#: with ``processes=False``, or a user's threads) would otherwise overwrite each other's
#: :data:`STATE`.
_STATE_LOCK = threading.RLock()


@contextmanager
def shared(**state: Any) -> Iterator[None]:
    """Make ``state`` visible to the workers of :func:`fork_map` for the block's duration.

    Holds a per-process lock for the block, so two threads never share the state of
    two jobs (they take turns; forked workers only read their inherited copy).
    """
    with _STATE_LOCK:
        STATE.update(state)
        try:
            yield
        finally:
            STATE.clear()


def _in_worker() -> bool:
    """True inside a daemon process (which may not fork a pool) or a Dask worker (whose
    cluster already spreads the work over the cores): there the tasks run in-process."""
    import multiprocessing as mp

    if mp.current_process().daemon:
        return True
    distributed = sys.modules.get("distributed")
    if distributed is None:
        return False
    try:
        distributed.get_worker()
    except ValueError:
        return False
    return True


def fork_map(func: Callable[[T], R], tasks: Iterable[T], *, jobs: int) -> Iterator[R]:
    """``func(task)`` for every task, in order, in ``jobs`` forked processes.

    An :class:`AnalysisError` raised in a worker is raised again here as a plain
    one-line error (without the worker's traceback attached).
    """
    tasks = list(tasks)
    if jobs <= 1 or len(tasks) < 2 or not sys.platform.startswith("linux") or _in_worker():
        yield from map(func, tasks)
        return
    import multiprocessing as mp

    with mp.get_context("fork").Pool(min(jobs, len(tasks))) as pool:
        try:
            yield from pool.imap(func, tasks)
        except AnalysisError as exc:
            raise AnalysisError(str(exc)) from None
