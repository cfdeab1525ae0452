"""Hand freed memory back to the operating system once a large temporary has died.

Two allocators keep memory that the program has already freed:

* **glibc's malloc** serves CPython's objects above 512 bytes (every text of a corpus,
  every list and dict of a vocabulary). Freed chunks go back to its free lists, and only
  a free stretch at the very top of the heap is returned by itself (``M_TRIM_THRESHOLD``);
  the rest stays resident until ``malloc_trim(0)`` gives back every whole free page
  (glibc >= 2.8, ``madvise(MADV_DONTNEED)``; see ``man 3 malloc_trim``).
* **Arrow's memory pool** (mimalloc or jemalloc) keeps the pages of freed buffers, such as
  the Parquet columns a cached corpus is decoded from, until
  ``MemoryPool.release_unused()``.

Neither changes a value; they only lower the resident memory that a long-lived process
(a notebook's kernel) carries into its next step. On a corpus of 200 MB of text a kernel
that had loaded the cached corpus held more than twice what it used, and the cached
tokens and a 1-2-gram matrix each left about half a gigabyte of freed memory behind;
``malloc_trim`` gave it back in about 40 ms (benchmarks/README.md, "Giving freed memory
back").
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


#: Trim glibc's heap only when at least this many bytes of it are free: on a small heap
#: (a small corpus) the pages given back would only be faulted in again by the next step.
MIN_FREE_BYTES = 64 << 20


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None elsewhere (macOS, Windows, musl)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


@functools.cache
def _free_heap_bytes() -> Callable[[], int] | None:
    """A function giving the free bytes of glibc's heap (``mallinfo2().fordblks``, glibc
    >= 2.33), or None where there is no ``mallinfo2``."""
    if _malloc_trim() is None:
        return None
    import ctypes

    class Mallinfo2(ctypes.Structure):
        _fields_ = [
            (name, ctypes.c_size_t)
            for name in (
                "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                "uordblks", "fordblks", "keepcost",
            )
        ]  # fmt: skip

    try:
        info = ctypes.CDLL(None).mallinfo2
    except AttributeError:
        return None
    info.argtypes = []
    info.restype = Mallinfo2
    return lambda: int(info().fordblks)


def release_memory() -> None:
    """Return the freed pages of Arrow's pool and of glibc's heap to the system.

    A no-op where neither allocator offers the call. glibc's heap is trimmed only when
    at least :data:`MIN_FREE_BYTES` of it are free (or when that cannot be known): the
    trim costs tens of milliseconds for a heap of a few GB (glibc walks its free lists),
    so it belongs after a step that freed hundreds of MB, not in a loop.
    """
    arrow = sys.modules.get("pyarrow")  # never imported just for this
    if arrow is not None:
        try:
            arrow.default_memory_pool().release_unused()
        except Exception:  # a pool without the call: nothing to give back
            pass
    trim = _malloc_trim()
    if trim is None:
        return
    free = _free_heap_bytes()
    if free is None or free() >= MIN_FREE_BYTES:
        trim(0)


def releasing(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate ``func`` to call :func:`release_memory` when it returns or raises."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        finally:
            release_memory()

    return wrapper
