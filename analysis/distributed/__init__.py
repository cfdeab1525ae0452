"""Run the counting steps on Dask (``dask.distributed``), with results identical to memory.

Dask is an optional extra (``pip install -e '.[dask]'``). The switch is one argument:
``read_corpus(path, engine="dask")`` gives a partitioned corpus, and ``build_dtm``,
``match_themes``/``theme_rates``/``theme_difference`` given such a corpus (or
``client=``) map over its partitions and reduce to the same tables as in memory.
:func:`connect` starts a local cluster or joins a running one.
"""

from __future__ import annotations

from ._client import (
    INSTALL_HINT,
    as_partitioned,
    compute,
    connect,
    is_dask_frame,
    require_dask,
    resolve_client,
    show_progress,
)
from .dtm import build_dtm
from .topics import OnlineTopicModel, fit_topics_online

__all__ = [
    "OnlineTopicModel",
    "build_dtm",
    "fit_topics_online",
    "INSTALL_HINT",
    "as_partitioned",
    "compute",
    "connect",
    "is_dask_frame",
    "require_dask",
    "resolve_client",
    "show_progress",
]
