"""The partitioned corpus: :func:`analysis.read_corpus` with ``engine="dask"``.

A corpus folder is cut into partitions of contiguous files; each partition is read and
cleaned in a Dask worker by the in-memory loader itself (``analysis.corpus._assemble``
on the partition's rows of the plan, one process, no progress bar), so computing the
Dask DataFrame gives exactly the table :func:`analysis.read_corpus` builds in memory.
Everything that looks at the corpus as a whole (listing the files, the manifest or
file-name pattern, unique doc_ids, dates, the cleaning rules) runs on the client before
any task is sent, with the in-memory loader's own code and messages.

This is the map step of a map-reduce (Dean & Ghemawat 2004, "MapReduce: simplified
data processing on large clusters", OSDI) scheduled by Dask (Rocklin 2015, "Dask:
Parallel computation with blocked algorithms and task scheduling", SciPy).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import AnalysisError
from . import _client

__all__ = ["read_corpus", "clean_audit", "parse_size", "partition_bounds"]

_UNITS = {
    "": 1, "b": 1,
    "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}  # fmt: skip
_SIZE_RE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*", re.IGNORECASE)

#: Columns of :func:`analysis.clean_audit`'s table.
AUDIT_COLUMNS = ["doc_id", "rule", "line", "chars", "text"]


def parse_size(value: int | str, *, name: str = "partition_size") -> int:
    """Bytes of ``value``: an int, or a string such as ``"64MB"``, ``"512kB"``, ``"1GiB"``.

    Decimal units ``kB, MB, GB, TB`` are powers of 1000, binary ``KiB, MiB, GiB, TiB``
    powers of 1024 (case does not matter); a bare number is bytes. The result is at
    least 1.
    """
    hint = f"{name}={value!r}: give a whole number of bytes or a size such as '64MB'"
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise AnalysisError(hint)
    if isinstance(value, int):
        if value < 1:
            raise AnalysisError(hint)
        return value
    m = _SIZE_RE.fullmatch(value)
    unit = m.group(2).lower() if m else None
    if m is None or unit not in _UNITS:
        raise AnalysisError(hint)
    size = int(float(m.group(1)) * _UNITS[unit])
    if size < 1:
        raise AnalysisError(hint)
    return size


def partition_bounds(sizes: np.ndarray, size: int) -> list[tuple[int, int]]:
    """Contiguous runs ``[(lo, hi), ...]`` of documents of about ``size`` bytes each.

    Document ``i`` goes to partition ``floor(s_i / size)``, with ``s_i`` the sum of
    the sizes of the documents before it (renumbered without gaps): each run starts
    within ``size`` bytes of the previous run's start, so a run holds at most
    ``size`` bytes plus its last document. ``size=1`` gives one document per run, a
    size above the total one run.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    if not len(sizes):
        return []
    start = np.cumsum(sizes) - sizes
    part = start // int(size)
    cuts = [0, *(np.flatnonzero(np.diff(part)) + 1).tolist(), len(sizes)]
    return list(zip(cuts[:-1], cuts[1:], strict=True))


def read_corpus(
    path: str | Path,
    *,
    pattern: str | None = None,
    columns: Mapping[str, str] | None = None,
    text_column: str | None = None,
    manifest: str = "metadata.csv",
    glob: str = "**/*.txt",
    clean: bool = True,
    rules: Any = None,
    infer_title: bool = False,
    dedupe_threshold: Any = None,
    progress: bool | None = None,
    n_jobs: int | None = None,
    partition_size: int | str = "32MB",
    client: Any = None,
) -> Any:
    """:func:`analysis.read_corpus` as a Dask DataFrame, one partition per run of files.

    Called by ``analysis.read_corpus(path, engine="dask", ...)``; the options mean
    what they mean there.

    Planning runs on the client, before any task: the files are listed, the manifest or
    file-name pattern read, the rows checked (unique doc_ids, dates, years), the
    cleaning rules loaded, so bad input fails at once with the in-memory loader's
    one-line message. Partition ``p`` holds documents ``lo_p..hi_p - 1`` in corpus
    order (see :func:`partition_bounds`; sizes are the files' bytes, for a table the
    texts' characters) and its task runs ``analysis.corpus._assemble`` on those rows
    of the plan, exactly as the in-memory loader does for the whole corpus (cleaning
    and counting are per document). So ``ddf.compute()`` equals
    ``analysis.read_corpus(path, ...)`` with the same options: columns, dtypes (pandas'
    ``str``, not Dask's ``string[pyarrow]``), values, and index ``0..n-1`` (each
    partition carries its global positions; the divisions are known).

    A CSV, JSONL or Parquet corpus is read on the client as in memory, then split into
    partitions that carry their texts (cleaning still runs in the workers): the table
    must fit in the client's memory. A larger corpus is better split into text files.

    Parameters
    ----------
    path, pattern, columns, text_column, manifest, glob, clean, rules, infer_title
        As for :func:`analysis.read_corpus`.
    dedupe_threshold : float or None, optional
        Near-duplicates compare every document with every other, so by default (None,
        or ``analysis.corpus.DEDUPE_DEFAULT``) there is no check and ``duplicate_of``
        is ``""``. An explicit threshold runs the check at this call: one pass over the
        corpus on the cluster reads and cleans every partition and returns its
        documents' bottom-128 MinHash sketches (at most 128 uint64, 1 KiB, per
        document, all gathered to the client: 11 MB for 10,952 documents), the pairs
        are found on the client as in memory, and each partition then sets its
        ``duplicate_of``: the same column as in memory, for the price of reading and
        cleaning the corpus twice (once now, once when the frame is computed).
    progress, n_jobs
        In-memory options: only None is accepted here (a Dask cluster shares the
        partitions among its workers; its dashboard shows the progress).
    partition_size : int or str, default "32MB"
        Bytes of input per partition (see :func:`parse_size`).
    client : distributed.Client, optional
        The cluster that computes the near-duplicate sketches (default: Dask's default
        client, else its local threaded scheduler). The returned frame is lazy: it is
        computed wherever it is computed (``client.compute(ddf)``, or ``ddf.compute()``
        on the default client).

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy; ``_meta.attrs["clean_rules"]`` holds the cleaning rules, so
        :func:`analysis.clean_audit` on it re-applies them (pass ``rules=`` explicitly).
        Warnings about files (a document read as Windows-1252) are issued in the
        workers and go to their logs, not to the client.

    Raises
    ------
    AnalysisError
        At the call: what :func:`analysis.read_corpus` raises while planning, a bad
        ``partition_size``, Dask not installed (with the install command). On compute:
        the in-memory loader's one-line error for a document that cannot be read (a
        binary or empty file) or that cleaning empties.
    """
    _client.require_dask("read_corpus(engine='dask')")
    from ..clean import load_rules
    from ..corpus import DEDUPE_DEFAULT, _documents, _sizes

    size = parse_size(partition_size)
    if n_jobs is not None:
        raise AnalysisError(
            f"n_jobs={n_jobs!r} is for engine='pandas'; with engine='dask' the cluster's workers share the partitions, drop n_jobs"
        )
    if progress:
        raise AnalysisError(
            "progress=True is for engine='pandas'; with engine='dask' watch the cluster's dashboard (client.dashboard_link)"
        )
    client = _client.resolve_client(client) if client is not None else None
    if dedupe_threshold is DEDUPE_DEFAULT:
        dedupe_threshold = None
    meta, source = _documents(path, pattern=pattern, columns=columns, text_column=text_column,
                              manifest=manifest, glob=glob)  # fmt: skip
    ruleset = load_rules(rules) if clean else ()
    n = len(meta)
    meta = meta.reset_index(drop=True)
    bounds = partition_bounds(_sizes(source, bool(n) and isinstance(source[0], Path)), size)
    options = {"clean": clean, "rules": ruleset, "infer_title": infer_title}
    tasks = [(meta.iloc[lo:hi], list(source[lo:hi]), lo) for lo, hi in bounds]
    duplicates: list[dict[str, str] | None] = [None] * len(tasks)
    if dedupe_threshold is not None and n > 1:
        duplicates = _duplicates(tasks, bounds, meta, dedupe_threshold, options, client)
    return _frame(meta, source, tasks, duplicates, bounds, options)


def _frame(meta, source, tasks, duplicates, bounds, options) -> Any:
    """The lazy Dask DataFrame of the partition tasks, with known divisions."""
    import dask
    import dask.dataframe as dd

    from ..corpus import _assemble

    # the table's empty frame: the loader run on the whole metadata with stand-in texts,
    # so every metadata column gets the dtype the in-memory table gives it
    empty = _assemble(
        meta, ["x"] * len(meta), clean=False, rules=(), infer_title=False,
        dedupe_threshold=None, progress=False, n_jobs=1,
    ).iloc[:0]  # fmt: skip
    empty.attrs["clean_rules"] = options["rules"]
    divisions = (*(lo for lo, _ in bounds), bounds[-1][1] - 1)
    # the partitions are already pandas' own str columns: no conversion to string[pyarrow]
    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_map(
            _read_partition,
            [t[0] for t in tasks],
            [t[1] for t in tasks],
            [t[2] for t in tasks],
            duplicates,
            options=options,
            meta=empty,
            divisions=divisions,
            label="read-corpus",
        )


def _read_partition(
    meta: pd.DataFrame,
    source: Sequence[Path] | Sequence[str],
    start: int,
    duplicates: dict[str, str] | None,
    *,
    options: dict,
) -> pd.DataFrame:
    """One partition (a worker's task): the in-memory loader on the partition's rows.

    ``duplicates`` maps the partition's near-duplicates to their ``duplicate_of`` (None:
    no check). The index is the documents' positions in the corpus.
    """
    from ..corpus import _assemble

    out = _assemble(
        meta, source, clean=options["clean"], rules=options["rules"],
        infer_title=options["infer_title"], dedupe_threshold=None, progress=False, n_jobs=1,
    )  # fmt: skip
    if duplicates is not None:  # as the loader sets it after a check
        out["duplicate_of"] = [duplicates.get(d, "") for d in out["doc_id"]]
    out.index = pd.RangeIndex(start, start + len(out))
    return out


def _partition_sketches(
    meta: pd.DataFrame, source: Sequence[Path] | Sequence[str], start: int, *, options: dict
) -> tuple[np.ndarray, np.ndarray]:
    """The bottom-128 sketches of a partition's cleaned texts (word 5-gram shingles, as
    the loader computes them), concatenated, and the length of each."""
    from ..duplicates import sketch_keys
    from ..tokens import word_keys

    out = _read_partition(meta, source, start, None, options=options)
    keys, n_tokens = word_keys(out["text"])
    sketches = sketch_keys(keys, n_tokens, n=5, k=128)
    lens = np.fromiter(map(len, sketches), dtype=np.int64, count=len(sketches))
    flat = np.concatenate(sketches) if sketches else np.zeros(0, dtype=np.uint64)
    return flat.astype(np.uint64, copy=False), lens


def _duplicates(tasks, bounds, meta, threshold, options, client) -> list[dict[str, str]]:
    """Map: each partition's sketches; reduce on the client: the loader's pairs.
    Returns each partition's ``{doc_id: duplicate_of}``."""
    import dask

    from ..corpus import _near_duplicates

    parts = [
        dask.delayed(_partition_sketches, pure=True)(m, s, lo, options=options)
        for m, s, lo in tasks
    ]
    got = _client.compute(parts, client=client)
    sketches: list[np.ndarray] = []
    for flat, lens in got:
        sketches.extend(np.split(flat, np.cumsum(lens)[:-1]))
    ids = [str(d) for d in meta["doc_id"]]
    first = _near_duplicates(ids, sketches, threshold=threshold, stacklevel=5).to_dict()
    return [{d: first[d] for d in ids[lo:hi] if d in first} for lo, hi in bounds]


def clean_audit(corpus: Any, *, rules: Any = None, client: Any = None) -> pd.DataFrame:
    """:func:`analysis.clean_audit` of a Dask corpus: each partition audited by a worker
    with the in-memory function, the rows gathered in corpus order.

    Without ``rules``, the rules :func:`read_corpus` kept in the frame's
    ``_meta.attrs["clean_rules"]`` are re-applied, else the packaged defaults (as in
    memory). A pandas corpus given with ``client=`` is split into partitions first.
    The table equals the in-memory audit of the computed corpus.
    """
    _client.require_dask("clean_audit(<Dask corpus>)")
    from ..clean import Rule, load_rules

    ddf = _client.as_partitioned(corpus, client=client)
    if "raw_text" not in ddf.columns:
        raise AnalysisError("corpus has no raw_text column; load it with analysis.read_corpus")
    kept = getattr(getattr(ddf, "_meta", None), "attrs", {})
    if rules is None and "clean_rules" in kept:
        rules = tuple(kept["clean_rules"])
    ruleset = (
        rules
        if isinstance(rules, tuple) and all(isinstance(r, Rule) for r in rules)
        else load_rules(rules)
    )
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in AUDIT_COLUMNS})
    audits = ddf.map_partitions(_audit_partition, rules=list(ruleset), meta=empty)
    (table,) = _client.compute([audits], client=client)
    # built from the rows as in memory, so dtypes and index are the in-memory ones
    return pd.DataFrame(list(table.itertuples(index=False, name=None)), columns=AUDIT_COLUMNS)


def _audit_partition(part: pd.DataFrame, *, rules: list) -> pd.DataFrame:
    """The in-memory audit of one partition (a worker's task), in one process."""
    from ..clean import clean_audit as audit

    table = audit(part, rules=tuple(rules), n_jobs=1)
    return table.astype(object)  # one dtype for every partition, empty or not
