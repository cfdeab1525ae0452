"""release_memory gives freed heap pages back to the system; the functions that leave
large temporaries behind call it whether they return or raise, and keep their
signatures and documentation."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap
import types

import pytest

import analysis
from analysis import _memory
from analysis._memory import release_memory, releasing


@pytest.mark.skipif(_memory._malloc_trim() is None, reason="glibc's malloc_trim only")
def test_freed_strings_go_back_to_the_system():
    # in a fresh interpreter: 300 MB of 2 kB strings (glibc's heap, not pymalloc's arenas),
    # every 20th kept so that the freed chunks lie between live ones and the heap cannot
    # shrink from the top
    code = textwrap.dedent(
        """
        def rss():
            with open("/proc/self/status") as fh:
                return next(int(l.split()[1]) for l in fh if l.startswith("VmRSS:")) // 1024
        from analysis._memory import release_memory
        base = rss()
        texts = [str(i).rjust(2000, "x") for i in range(150_000)]
        kept = texts[::20]
        del texts
        before = rss()
        release_memory()
        print(base, before, rss(), len(kept))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    base, before, after, _ = map(int, out.stdout.split())
    freed = before - base
    assert freed > 250  # the freed strings were still resident ...
    assert after - base < 0.25 * freed  # ... and most of them are gone


def test_arrow_pool_released_only_when_pyarrow_is_loaded(monkeypatch):
    calls = []
    pool = types.SimpleNamespace(release_unused=lambda: calls.append("released"))
    fake = types.SimpleNamespace(default_memory_pool=lambda: pool)
    monkeypatch.setitem(sys.modules, "pyarrow", fake)
    release_memory()
    assert calls == ["released"]
    monkeypatch.delitem(sys.modules, "pyarrow")
    release_memory()  # not imported for the call
    assert "pyarrow" not in sys.modules
    assert calls == ["released"]


def test_releasing_releases_after_a_return_and_after_an_error(monkeypatch):
    calls = []
    monkeypatch.setattr(_memory, "release_memory", lambda: calls.append("released"))

    @releasing
    def ok(x, *, y=2):
        """Doc."""
        return x + y

    @releasing
    def fails():
        raise ValueError("boom")

    assert ok(1, y=3) == 4 and calls == ["released"]
    with pytest.raises(ValueError, match="boom"):
        fails()
    assert calls == ["released", "released"]
    assert ok.__doc__ == "Doc." and list(inspect.signature(ok).parameters) == ["x", "y"]


@pytest.mark.parametrize("func", [analysis.build_dtm, analysis.cached_dtm, analysis.cached_tokens])
def test_decorated_functions_keep_their_signature_and_docstring(func):
    assert func.__wrapped__.__doc__ == func.__doc__ and len(func.__doc__) > 200
    assert inspect.signature(func) == inspect.signature(func.__wrapped__)
    assert (
        "corpus" in inspect.signature(func).parameters
        or "path" in inspect.signature(func).parameters
    )


@pytest.mark.parametrize(
    ("free", "trimmed"),
    [(0, False), (_memory.MIN_FREE_BYTES - 1, False), (_memory.MIN_FREE_BYTES, True), (None, True)],
)
def test_the_heap_is_trimmed_only_when_enough_of_it_is_free(monkeypatch, free, trimmed):
    calls = []
    monkeypatch.setattr(_memory, "_malloc_trim", lambda: calls.append)
    monkeypatch.setattr(
        _memory, "_free_heap_bytes", lambda: None if free is None else (lambda: free)
    )
    release_memory()
    assert calls == ([0] if trimmed else [])


@pytest.mark.skipif(_memory._free_heap_bytes() is None, reason="glibc >= 2.33 only")
def test_free_heap_bytes_sees_freed_strings():
    free = _memory._free_heap_bytes()
    texts = [str(i).rjust(2000, "x") for i in range(50_000)]
    kept = texts[::20]
    before = free()
    del texts
    assert free() - before > 50 << 20  # about 95 MB freed between the kept strings
    assert len(kept) == 2_500
