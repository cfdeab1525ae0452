"""Map a function over tasks in forked worker processes, results in order.

The workers are forked (Linux), so they inherit the caller's data through
:data:`STATE` instead of receiving it pickled; only each task (a small tuple) goes to a
worker and only its result comes back. With one job, or elsewhere than Linux, the same
function runs in-process over the same tasks, so results never depend on the number
of processes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from .errors import AnalysisError

T = TypeVar("T")
R = TypeVar("R")

#: What the current job's workers read (set by :func:`shared`, inherited on fork).
STATE: dict[str, Any] = {}


@contextmanager
def shared(**state: Any) -> Iterator[None]:
    """Make ``state`` visible to the workers of :func:`fork_map` for the block's duration."""
    STATE.update(state)
    try:
        yield
    finally:
        STATE.clear()


def fork_map(func: Callable[[T], R], tasks: Iterable[T], *, jobs: int) -> Iterator[R]:
    """``func(task)`` for every task, in order, in ``jobs`` forked processes.

    An :class:`AnalysisError` raised in a worker is raised again here as a plain
    one-line error (without the worker's traceback attached).
    """
    tasks = list(tasks)
    if jobs <= 1 or len(tasks) < 2 or not sys.platform.startswith("linux"):
        yield from map(func, tasks)
        return
    import multiprocessing as mp

    with mp.get_context("fork").Pool(min(jobs, len(tasks))) as pool:
        try:
            yield from pool.imap(func, tasks)
        except AnalysisError as exc:
            raise AnalysisError(str(exc)) from None
