"""The one switch between in-memory and Dask: clients, schedulers and compute.

Everything here imports Dask lazily, so ``import analysis`` works without it; a
function that needs it and does not find it raises one line saying how to install it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ..errors import AnalysisError

__all__ = [
    "INSTALL_HINT",
    "require_dask",
    "is_dask_frame",
    "connect",
    "resolve_client",
    "compute",
    "as_partitioned",
    "show_progress",
]

_log = logging.getLogger("analysis.distributed")

INSTALL_HINT = "pip install -e '.[dask]' (or: pip install 'dask[dataframe]' distributed)"


def require_dask(what: str = "this") -> None:
    """Raise a one-line :class:`AnalysisError` when dask.distributed is not installed."""
    try:
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        raise AnalysisError(f"{what} needs Dask, which is not installed; {INSTALL_HINT}") from None


def is_dask_frame(obj: object) -> bool:
    """True when ``obj`` is a Dask DataFrame (without importing Dask when it is absent)."""
    if not type(obj).__module__.startswith("dask"):
        return False
    import dask.dataframe as dd

    return isinstance(obj, dd.DataFrame)


def _memory_per_worker(n_workers: int) -> int:
    """Bytes per worker: 80 % of the machine's memory shared evenly."""
    import psutil

    return int(psutil.virtual_memory().total * 0.8 / max(1, n_workers))


def connect(
    scheduler: str = "local",
    *,
    n_workers: int | None = None,
    memory_limit: str | int | None = None,
) -> Any:
    """A ``distributed.Client`` for ``scheduler``: the one switch to run on Dask.

    Parameters
    ----------
    scheduler : str, default "local"
        ``"local"`` starts a ``LocalCluster`` on this machine (one single-threaded worker
        process per core, each with a memory limit); an address such as
        ``"tcp://host:8786"`` connects to a running cluster (``dask scheduler`` and
        ``dask worker`` on the machines, or any Dask deployment).
    n_workers : int, optional
        Workers of a local cluster (default: the number of cores).
    memory_limit : str or int, optional
        Memory limit per worker of a local cluster, e.g. ``"3GB"`` (default: 80 % of
        the machine's memory shared evenly). Dask spills to disk at 60 % of it, pauses
        a worker at 80 % and restarts it at 95 %.

    Returns
    -------
    distributed.Client
        Registered as Dask's default client: ``analysis`` functions given a Dask
        corpus run on it unless another ``client=`` is passed. Its ``dashboard_link``
        shows progress; close it with ``client.close()`` or use it as a context manager
        (a local cluster's workers close with it).
    """
    require_dask("connect")
    import distributed

    if not isinstance(scheduler, str) or not scheduler:
        raise AnalysisError(
            f"scheduler={scheduler!r}: give 'local' or the address of a running scheduler, "
            "e.g. tcp://host:8786"
        )
    if scheduler == "local":
        n = n_workers if n_workers is not None else (os.cpu_count() or 1)
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise AnalysisError(f"n_workers={n_workers!r}: give a whole number of at least 1")
        limit = memory_limit if memory_limit is not None else _memory_per_worker(n)
        # a client that owns its cluster: closing the client (or leaving its with-block)
        # closes the workers too
        try:
            client = distributed.Client(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                memory_limit=limit,
                dashboard_address=":0",
            )
        except RuntimeError as exc:
            raise AnalysisError(
                f"scheduler='local': the Dask workers did not start ({exc}); in a script, "
                "call connect() under `if __name__ == '__main__':` (workers start as new "
                "Python processes that import the script)"
            ) from None
        _log.info("Dask local cluster: %d workers; dashboard %s", n, client.dashboard_link)
        return client
    if "://" not in scheduler:
        raise AnalysisError(
            f"scheduler={scheduler!r} is neither 'local' nor an address; give e.g. tcp://host:8786"
        )
    try:
        client = distributed.Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise AnalysisError(
            f"scheduler {scheduler}: no Dask scheduler answers there ({type(exc).__name__}); "
            "start one (dask scheduler) or check the address"
        ) from None
    _log.info("Dask scheduler %s; dashboard %s", scheduler, client.dashboard_link)
    return client


def resolve_client(client: Any = None) -> Any:
    """``client`` itself, else Dask's current default client, else None (Dask's local
    threaded scheduler computes)."""
    if client is not None:
        import distributed

        if not isinstance(client, distributed.Client):
            raise AnalysisError(
                f"client={client!r} is not a distributed.Client; pass "
                "analysis.distributed.connect('local') or connect('tcp://host:8786')"
            )
        return client
    try:
        import distributed

        return distributed.default_client()
    except (ImportError, ValueError):
        return None


_PROGRESS = {"on": False}


@contextmanager
def show_progress(on: bool = True) -> Iterator[None]:
    """Within the block, :func:`compute` shows Dask's console progress bar (the CLI turns
    it on when stderr is a terminal)."""
    saved = _PROGRESS["on"]
    _PROGRESS["on"] = bool(on)
    try:
        yield
    finally:
        _PROGRESS["on"] = saved


def compute(
    collections: Sequence[Any], *, client: Any = None, progress: bool | None = None
) -> list:
    """Compute Dask collections or delayed objects on ``client`` (or the default).

    With ``progress`` (default: as :func:`show_progress` set it), Dask's own console
    progress bar is shown while it runs.
    """
    import dask

    if progress is None:
        progress = _PROGRESS["on"]
    client = resolve_client(client)
    if client is None:
        if progress:
            from dask.diagnostics import ProgressBar

            with ProgressBar():
                return list(dask.compute(*collections))
        return list(dask.compute(*collections))
    futures = client.compute(list(collections))
    if progress:
        from distributed import progress as show

        show(futures)
    try:
        return client.gather(futures)
    except AnalysisError as exc:  # one line, without the worker's traceback
        raise AnalysisError(str(exc)) from None


def as_partitioned(corpus: Any, *, client: Any = None, npartitions: int | None = None) -> Any:
    """``corpus`` as a Dask DataFrame: itself if it is one, else split into partitions.

    A pandas corpus is cut into ``npartitions`` contiguous pieces (default: 4 per worker
    of ``client``, or 4 per core), keeping its index, so that partition order is corpus
    order.
    """
    if is_dask_frame(corpus):
        return corpus
    require_dask("client=")
    import dask.dataframe as dd

    if npartitions is None:
        c = resolve_client(client)
        workers = len(c.scheduler_info().get("workers", {})) if c is not None else 0
        npartitions = 4 * (workers or os.cpu_count() or 1)
    npartitions = max(1, min(int(npartitions), len(corpus) or 1))
    return dd.from_pandas(corpus, npartitions=npartitions, sort=False)
