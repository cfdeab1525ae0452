"""Theme counts of a Dask corpus: match each partition in memory, gather only the counts.

Map-reduce (Dean & Ghemawat 2004, "MapReduce: simplified data processing on large
clusters", OSDI) on Dask (Rocklin 2015, "Dask: Parallel computation with blocked
algorithms and task scheduling", SciPy):

- map: each partition (a pandas corpus of whole documents) goes through the in-memory
  :func:`analysis.match_themes` in a worker, and only its
  :meth:`~analysis.themes.match.ThemeMatches.theme_counts` (documents x themes
  integers, word tokens and units per document, metadata without text) is sent back;
- reduce: :meth:`ThemeCounts.concat <analysis.themes.match.ThemeCounts.concat>` joins
  them in partition order, which is corpus order.

A document's hits, tokens and units depend on its own text only (phrases never cross a
unit, units never cross a document, globs and stems are expanded against each
partition's vocabulary, which contains every type of its documents), so the joined
counts equal ``match_themes(whole_corpus).theme_counts()`` element for element, and
the statistics read them with the in-memory code (same bootstrap streams, same tables).

The hits themselves (positions, contexts) stay in the workers: ``theme_hits``, KWIC and
coding samples need a pandas corpus or ThemeMatches (sample documents first, or map
``match_themes`` over the partitions yourself).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import AnalysisError
from ..text import UNITS
from ..themes.codebook import Codebook, as_codebook
from ..themes.match import ThemeCounts
from ..themes.match import match_themes as match_in_memory
from ..validation import check_choice
from ._client import as_partitioned, compute, is_dask_frame, require_dask

__all__ = ["match_themes"]

_TEXT_COLUMNS = ("text", "raw_text")


def _partition_counts(part: pd.DataFrame, codebook: Codebook, params: dict) -> ThemeCounts:
    """Map step (runs in a worker): the ThemeCounts of one partition, matched in memory."""
    if len(part) == 0:  # match_themes refuses an empty corpus; an empty piece is fine
        docs = part.drop(columns=[c for c in _TEXT_COLUMNS if c in part.columns])
        k = len(codebook)
        return ThemeCounts(
            codebook=codebook,
            docs=docs.reset_index(drop=True),
            hits=np.zeros((0, k), dtype=np.int64),
            n_tokens=np.zeros(0, dtype=np.int64),
            n_units=np.zeros(0, dtype=np.int64),
            params=dict(params),
        )
    return match_in_memory(part, codebook, **params).theme_counts()


def match_themes(
    corpus: Any,
    codebook: Codebook | str | Path | None = None,
    *,
    unit: str = "document",
    stem: bool = False,
    client: Any = None,
    progress: bool | None = None,
) -> ThemeCounts:
    """The :class:`~analysis.themes.match.ThemeCounts` of a Dask corpus, partition by partition.

    Each partition is matched by the in-memory :func:`analysis.match_themes` (one task
    per partition; the tokenizer runs in the worker's own process) and reduced to its
    ThemeCounts; the parts are joined in partition order. The result equals
    ``analysis.match_themes(corpus.compute(), codebook, unit=unit, stem=stem)
    .theme_counts()`` exactly: same documents in the same order, same integer counts
    (the ``docs`` columns may carry Dask's string dtype instead of pandas' ``str``).

    Parameters
    ----------
    corpus : dask.dataframe.DataFrame or DataFrame
        A corpus with ``doc_id`` (unique over the whole corpus, checked on the gathered
        ``doc_id`` column) and ``text``, whole documents per partition
        (``read_corpus(..., engine="dask")`` or
        :func:`analysis.distributed.as_partitioned`). A pandas corpus is partitioned
        first (4 partitions per worker).
    codebook : Codebook, path or None
        As in :func:`analysis.match_themes`; loaded here, once, and sent to the workers.
    unit, stem : optional
        As in :func:`analysis.match_themes`.
    client : distributed.Client, optional
        The Dask client to run on (:func:`analysis.distributed.resolve_client`: else
        Dask's default client, else its local threaded scheduler).
    progress : bool, optional
        Show Dask's progress bar (default: as :func:`analysis.distributed.show_progress`
        set it; the CLI shows it on a terminal).

    Returns
    -------
    ThemeCounts
        Documents x themes counts of the whole corpus, in corpus order. The hits
        themselves (for ``theme_hits``, KWIC, coding samples) are not gathered: sample
        documents first (``corpus.sample(frac=...).compute()``) or map
        :func:`analysis.match_themes` over the partitions yourself.
    """
    require_dask("match_themes on a Dask corpus")
    import dask

    codebook = as_codebook(codebook)
    if not isinstance(stem, bool):
        raise AnalysisError(f"stem={stem!r} must be True or False")
    check_choice("unit", unit, UNITS)
    if not is_dask_frame(corpus) and not isinstance(corpus, pd.DataFrame):
        raise AnalysisError(
            "corpus must be a DataFrame from analysis.read_corpus or a Dask DataFrame, "
            f"not {type(corpus).__name__}"
        )
    ddf = as_partitioned(corpus, client=client)
    for col in ("doc_id", "text"):
        if col not in ddf.columns:
            raise AnalysisError(
                f"corpus has no {col!r} column; pass a corpus from analysis.read_corpus"
            )
    params = {"unit": unit, "stem": stem}
    book = dask.delayed(codebook, traverse=False)  # one copy in the graph, as it is
    task = dask.delayed(_partition_counts)
    parts = [task(p, book, params) for p in ddf.to_delayed()]
    counts = ThemeCounts.concat(compute(parts, client=client, progress=progress))
    if counts.n_docs == 0:
        raise AnalysisError("corpus has no documents; check the path given to read_corpus")
    # the codebook object the caller passed, not a copy that went through the workers
    return dataclasses.replace(counts, codebook=codebook)
