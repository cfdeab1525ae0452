"""``build_dtm`` on Dask: two map-reduce passes over the partitions of a corpus.

The map-reduce scheme of Dean & Ghemawat (2004, "MapReduce: simplified data processing
on large clusters", OSDI) run with Dask (Rocklin 2015, "Dask: Parallel computation with
blocked algorithms and task scheduling", SciPy), on the single-machine counting code of
:mod:`analysis.dtm` (one token layer: segmentation, tokenizer, n-gram counting and the
surface forms of stems are the in-memory functions, run on one partition at a time).

Units (documents, paragraphs, sentences) never cross documents, and a partition holds
whole documents, so:

0. **Tokenize, map**: each partition is read, segmented and tokenized once; with a
   client its tokens (about a third of the text's size) are held on the workers for
   both passes (Dask spills them to disk under memory pressure).
1. **Pass 1, map**: per partition, every n-gram (``min_n <= n <= max_n``, phrases
   included) with its document frequency ``df_p`` (units of the partition containing
   it), counted by the in-memory code with ``min_df=1, max_df=1.0``; with ``stem=True``
   also every surface form of each key with its number of occurrences.
2. **Reduce**: a tree (fan-in :data:`FAN_IN`) of ``(n, key) -> sum df`` (and
   ``(n, key, surface) -> sum count``) tables (keys dictionary-encoded by Arrow, summed
   by numpy); no task holds more than :data:`FAN_IN` tables. ``df = sum_p df_p`` exactly. The root applies
   ``min_df <= df <= max_df`` as in memory (a float is a proportion of the total number
   of units ``N = sum_p N_p``) and, with stemming, picks each key's display form: the
   surface form with the largest corpus-wide count, ties to the alphabetically first.
3. **Pass 2, map**: per partition, the counts again, their keys mapped to the global
   column ids (the vocabulary is scattered to every worker once and each worker builds
   its lookup once); a CSR block per partition, stacked in partition order. With
   ``group_by`` each partition returns its group sums instead (indicator times its
   block), and the groups of all partitions are summed again
   (:func:`analysis.dtm.group_units`), so the unit-level matrix is never assembled.

The result equals :func:`analysis.build_dtm` on the same corpus in memory: the same
matrix (dtype, shape, entries), ``terms``, ``keys``, ``docs`` (Dask's ``string``
columns are given back the pandas corpus's dtypes, or pandas' default ``str``) and
``params``. The n-gram key of a column is ``(n, key)``, not the key alone, so a phrase
and an n-gram spelled alike are pruned separately and merged afterwards, as in memory.

Limits. The root of the reduction holds every distinct ``(n, key)`` of the corpus before
``min_df`` prunes (about 35 bytes each in Arrow: 1.4 M keys per 1,600 UN speeches of
1-2-grams, 4.8 M for all 10,952), and the client receives the kept vocabulary and, unless
``group_by`` is given, the assembled matrix (12 bytes per non-zero). ``doc_id`` must be
unique across partitions (:func:`analysis.read_corpus` guarantees it): with ``group_by``
the documents of a group are counted per partition and summed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import AnalysisError
from ._client import as_partitioned, compute, is_dask_frame, require_dask, resolve_client

__all__ = ["build_dtm", "FAN_IN"]

#: Tables merged by one reduce task.
FAN_IN = 4

# the column lookups of the current vocabulary, built once per worker process
_LOOKUPS: dict[str, dict] = {}


def build_dtm(
    corpus: Any,
    *,
    unit: str = "document",
    ngram_range: tuple[int, int] = (1, 1),
    stem: bool = False,
    stop_words: str | Sequence[str] | None = "english",
    min_df: int | float = 1,
    max_df: int | float = 1.0,
    token_pattern: str | None = None,
    lowercase: bool = True,
    phrases: Sequence[str] | None = None,
    extra_stop_words: Sequence[str] | None = None,
    group_by: str | Sequence[str] | None = None,
    client: Any = None,
) -> Any:
    """:func:`analysis.build_dtm` of a Dask (or pandas) corpus, computed on Dask.

    Parameters are those of :func:`analysis.build_dtm` (see there, and the module
    docstring for the two passes); ``client`` is a ``distributed.Client`` (default:
    Dask's default client, else Dask's local threaded scheduler). A pandas corpus is cut
    into contiguous partitions (:func:`analysis.distributed.as_partitioned`).

    Returns
    -------
    DTM
        Identical to the in-memory result.

    Raises
    ------
    AnalysisError
        The one-line errors of the in-memory function, for the same causes.
    """
    require_dask("build_dtm on Dask")
    import dask

    from ..dtm import DTM, group_units

    plan = _vocabulary(
        corpus, unit=unit, ngram_range=ngram_range, stem=stem, stop_words=stop_words,
        min_df=min_df, max_df=max_df, token_pattern=token_pattern, lowercase=lowercase,
        phrases=phrases, extra_stop_words=extra_stop_words, group_by=group_by, client=client,
    )  # fmt: skip
    client, parts, args2, shared = plan["client"], plan["parts"], plan["args"], plan["shared"]
    cols, params = args2["cols"], args2["params"]

    # pass 2: counts against the vocabulary, per partition
    blocks = _gather_each([dask.delayed(_pass2)(part, args2, shared) for part in parts], client)
    del parts
    plan["held"] = plan["parts"] = None  # release the partitions held on the workers
    if plan["client"] is not None:  # and the vocabulary lookup each worker built
        plan["client"].run(_forget_lookups)
    docs = pd.concat([d for _, d in blocks], ignore_index=True)
    docs = _restore_dtypes(docs, plan["dtypes"])
    matrix = sp.vstack([m for m, _ in blocks], format="csr", dtype=np.int64)
    if cols:
        params = {**params, "unit": "group", "group_by": group_by}
    dtm = DTM(matrix=matrix, terms=plan["terms"], docs=docs, keys=plan["keys"], params=params)
    if cols:
        dtm = group_units(dtm, group_by)
    return dtm


def _vocabulary(
    corpus: Any,
    *,
    unit: str,
    ngram_range: tuple[int, int],
    stem: bool,
    stop_words: str | Sequence[str] | None,
    min_df: int | float,
    max_df: int | float,
    token_pattern: str | None,
    lowercase: bool,
    phrases: Sequence[str] | None,
    extra_stop_words: Sequence[str] | None,
    group_by: str | Sequence[str] | None,
    client: Any,
) -> dict:
    """The checks, pass 1 and its reduction: the vocabulary and what pass 2 needs.

    Returns a dict: ``client`` (resolved), ``parts`` (the delayed partitions, in corpus
    order), ``held`` (the partitions persisted on the workers for both passes, or None
    without a client: drop it, and ``parts``, to release them), ``dtypes`` (the pandas
    corpus's, or None), ``args`` (the parameters of
    :func:`_pass2`), ``shared`` (its vocabulary lookup, scattered to the workers),
    ``terms`` and ``keys`` (the global columns), ``n_units`` (units over all partitions,
    before any grouping), ``df`` (int64, each column's document frequency from pass 1)
    and ``merged`` (True when a column merges several ``(n, key)`` entries - a phrase
    and an n-gram spelled alike - whose summed ``df`` may count a unit twice).
    """
    import dask

    from ..dtm import TOKEN_PATTERN, _params, _validate_params, check_group_by
    from ..text import UNITS

    token_pattern = TOKEN_PATTERN if token_pattern is None else token_pattern
    p = _validate_params(
        ngram_range, min_df, max_df, stop_words, extra_stop_words, phrases, token_pattern,
        lowercase=lowercase,
    )  # fmt: skip
    dtypes = None if is_dask_frame(corpus) else corpus.dtypes
    client = resolve_client(client)
    ddf = as_partitioned(corpus, client=client)
    cols = check_group_by(ddf.columns, group_by)
    if unit not in UNITS:
        raise AnalysisError(f"unit={unit!r} is not one of {', '.join(UNITS)}; pick one of these")
    missing = {"doc_id", "text"} - set(ddf.columns)
    if missing:
        raise AnalysisError(
            f"corpus has no column {sorted(missing)[0]!r}; load it with analysis.read_corpus"
        )
    args = dict(unit=unit, p=p, lowercase=bool(lowercase), stem=bool(stem), cols=cols)
    if "raw_text" in ddf.columns:  # never counted
        ddf = ddf.drop(columns=["raw_text"])
    # each partition is read, cleaned, segmented and tokenized once: with a client the
    # tokens (about a third of the text's size) are held on the workers for both passes
    # (Dask spills them to disk under memory pressure); without one, each pass tokenizes
    parts = [dask.delayed(_tokenize_part)(part, args) for part in ddf.to_delayed()]
    held = None
    if client is not None:
        held = parts = client.persist(parts)

    # pass 1 and the tree reduction of the (n, key) tables; the root selects
    level = [dask.delayed(_pass1)(part, args) for part in parts]
    while len(level) > 1:
        level = [dask.delayed(_merge)(*level[i : i + FAN_IN]) for i in range(0, len(level), FAN_IN)]
    root = dask.delayed(_select)(level[0], min_df, max_df, bool(stem))
    (vocab,) = compute([root], client=client)
    n_of, key_of, display_of = vocab["n"], vocab["key"], vocab["display"]
    if cols:
        _check_missing(cols, vocab["missing"])

    # global columns: sorted by key, a key's entries of several n merged (lowest n shown)
    order = sorted(range(len(key_of)), key=lambda i: (key_of[i], n_of[i]))
    keys_sorted = [key_of[i] for i in order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = [a != b for a, b in zip(keys_sorted[1:], keys_sorted[:-1], strict=True)]
    col_sorted = np.cumsum(new) - 1
    col = np.empty(len(order), dtype=np.int64)
    col[np.asarray(order, dtype=np.int64)] = col_sorted
    keys_all = np.asarray([k for k, f in zip(keys_sorted, new, strict=True) if f], dtype=object)
    if stem:
        terms_all = np.asarray(
            [display_of[i] for i, f in zip(order, new, strict=True) if f], dtype=object
        )
    else:
        terms_all = keys_all
    lookup = {
        int(n): ([key_of[i] for i in np.flatnonzero(n_of == n)], col[n_of == n])
        for n in np.unique(n_of)
    }
    token = uuid.uuid4().hex
    # one future under a fresh key: a scattered dict would be stored under its own keys
    # (1, 2, ...), which the release of an earlier call's lookup can remove mid-compute
    shared = client.scatter([lookup], broadcast=True, hash=False)[0] if client else lookup
    params = _params(
        unit, p, stem, stop_words, min_df, max_df, token_pattern, lowercase, extra_stop_words
    )
    args2 = dict(args, n_terms=len(keys_all), token=token, params=params, group_by=group_by)
    df = np.zeros(len(keys_all), dtype=np.int64)
    np.add.at(df, col, vocab["df"])
    return dict(
        client=client, parts=parts, dtypes=dtypes, args=args2, shared=shared, terms=terms_all,
        keys=keys_all, n_units=int(vocab["n_units"]), df=df, merged=bool(len(new) > new.sum()),
        held=held,
    )  # fmt: skip


# ----------------------------------------------------------------------------- tasks


def _empty_tables(stem: bool):
    import pyarrow as pa

    table = pa.table(
        {"n": pa.array([], pa.int16()), "key": pa.array([], pa.large_string()),
         "df": pa.array([], pa.int64())}
    )  # fmt: skip
    surf = None
    if stem:
        surf = pa.table(
            {"n": pa.array([], pa.int16()), "key": pa.array([], pa.large_string()),
             "surface": pa.array([], pa.large_string()), "count": pa.array([], pa.int64())}
        )  # fmt: skip
    return table, surf


def _units(part: pd.DataFrame, args: dict) -> pd.DataFrame:
    from ..text import segment

    return segment(part, args["unit"])


def _missing_counts(units: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """Units with a missing value per column, then in any of them (as grouped_counts counts)."""
    if not cols:
        return np.zeros(1, dtype=np.int64)
    isna = units[cols].isna()
    return np.asarray([*isna.sum().tolist(), int(isna.any(axis=1).sum())], dtype=np.int64)


@dataclass
class _Tokenized:
    """A partition's units (metadata, no text) and their tokens: what both passes read."""

    docs: pd.DataFrame
    toks: Any  # analysis.tokens.Tokens, or None when the partition has no unit


def _tokenize_part(part: pd.DataFrame, args: dict) -> _Tokenized:
    """Segment and tokenize one partition (the in-memory stages, one process)."""
    from ..dtm import _tokenize

    units = _units(part, args)
    toks = None
    if len(units):
        toks = _tokenize(units, args["p"], lowercase=args["lowercase"], stem=args["stem"], n_jobs=1)
    return _Tokenized(docs=units.drop(columns=["text"]), toks=toks)


def _counted(part: Any, args: dict, surfaces: str):
    """``(units' docs, counted levels or None)`` of a partition, tokenized or not."""
    from ..dtm import _count_tokens

    tok = part if isinstance(part, _Tokenized) else _tokenize_part(part, args)
    counted = None
    if tok.toks is not None:
        counted = _count_tokens(
            tok.toks, args["p"], lowercase=args["lowercase"], stem=args["stem"], min_count=1,
            max_count=np.inf, surfaces=surfaces,
        )  # fmt: skip
    return tok.docs, counted


def _pass1(part: Any, args: dict) -> dict:
    """Map of pass 1: ``(n, key, df)`` of the partition's n-grams (and surface counts)."""
    import pyarrow as pa

    units, counted = _counted(part, args, "all")
    stem = args["stem"]
    out = dict(n_units=len(units), kept=False, missing=_missing_counts(units, args["cols"]))
    if counted is None:
        out["table"], out["surf"] = _empty_tables(stem)
        return out
    levels, parts, _ = counted
    lo = args["p"]["ngram_range"][0]
    ns, keys, dfs = [], [], []
    s_n, s_key, s_surf, s_cnt = [], [], [], []
    for lv, (keys_n, variants) in zip([lv for lv in levels if lv.n >= lo], parts, strict=True):
        ns.append(np.full(len(keys_n), lv.n, dtype=np.int16))
        keys.extend(keys_n)
        dfs.append(np.diff(lv.indptr))
        if stem:
            vcol, vstr, vcnt = variants
            s_n.append(np.full(len(vcol), lv.n, dtype=np.int16))
            s_key.extend(np.asarray(keys_n, dtype=object)[vcol].tolist())
            s_surf.extend(vstr)
            s_cnt.append(vcnt)
    out["kept"] = True
    out["table"] = pa.table(
        {"n": np.concatenate(ns), "key": pa.array(keys, pa.large_string()),
         "df": np.concatenate(dfs).astype(np.int64)}
    )  # fmt: skip
    out["surf"] = None
    if stem:
        out["surf"] = pa.table(
            {"n": np.concatenate(s_n), "key": pa.array(s_key, pa.large_string()),
             "surface": pa.array(s_surf, pa.large_string()),
             "count": np.concatenate(s_cnt).astype(np.int64)}
        )  # fmt: skip
    return out


def _sum_by(tables: list, keys: list[str], value: str):
    """The rows of ``tables`` summed by ``keys`` (integer or string columns).

    Each string column is dictionary-encoded once (Arrow hashes the strings in C++), the
    key columns are packed into one int64 code (mixed radix, exact: the product of the
    columns' distinct counts stays below 2**63 for any vocabulary that fits in memory)
    and the values are summed per distinct code with numpy. About 3x faster than Arrow's
    ``group_by`` on a string key on UN General Debate partitions.
    """
    import pyarrow as pa

    merged = pa.concat_tables(tables)
    code = np.zeros(merged.num_rows, dtype=np.int64)
    decoders = []
    for k in keys:
        col = merged.column(k).combine_chunks()
        if pa.types.is_integer(col.type):
            vals = col.to_numpy().astype(np.int64)
            lo = int(vals.min()) if len(vals) else 0
            vals = vals - lo
            base = int(vals.max()) + 1 if len(vals) else 1
            decoders.append((k, base, lo, col.type, None))
        else:
            enc = col.dictionary_encode()
            vals = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
            base = max(1, len(enc.dictionary))
            decoders.append((k, base, 0, col.type, enc.dictionary))
        code *= base
        code += vals
    uniq, inverse = np.unique(code, return_inverse=True)
    total = np.bincount(
        inverse, weights=merged.column(value).to_numpy().astype(np.float64), minlength=len(uniq)
    ).astype(np.int64)  # exact: integer sums below 2**53
    out = {}
    rest = uniq
    for k, base, lo, typ, dictionary in reversed(decoders):
        vals, rest = rest % base, rest // base
        if dictionary is None:
            out[k] = pa.array(vals + lo, type=typ)
        else:
            out[k] = dictionary.take(pa.array(vals))
    out[value] = pa.array(total, type=pa.int64())
    # one chunk: Dask sizes a many-chunk table by its chunks' shared buffers, many times over
    return pa.table({c: out[c] for c in [*keys, value]}).combine_chunks()


def _merge(*results: dict) -> dict:
    """Reduce: the tables of a few partitions (or subtrees), summed by key."""
    out = dict(
        n_units=sum(r["n_units"] for r in results),
        kept=any(r["kept"] for r in results),
        missing=sum(r["missing"] for r in results),
        table=_sum_by([r["table"] for r in results], ["n", "key"], "df"),
        surf=None,
    )
    if results[0]["surf"] is not None:
        out["surf"] = _sum_by([r["surf"] for r in results], ["n", "key", "surface"], "count")
    return out


def _select(root: dict, min_df, max_df, stem: bool) -> dict:
    """The vocabulary: ``min_df <= df <= max_df`` over all units, display forms of stems."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..dtm import EMPTY_VOCABULARY, _df_bounds, no_terms_message

    n_units = root["n_units"]
    min_count, max_count = _df_bounds(min_df, max_df, n_units)
    if not root["kept"]:
        raise AnalysisError(EMPTY_VOCABULARY)
    table = root["table"]
    df = table.column("df")
    keep = pc.and_(pc.greater_equal(df, min_count), pc.less_equal(df, max_count))
    table = table.filter(keep)
    if table.num_rows == 0:
        raise AnalysisError(no_terms_message(min_df, max_df, n_units))
    n = table.column("n").to_numpy().astype(np.int64)
    key = table.column("key").to_pylist()
    display = None
    if stem:
        surf = root["surf"].join(table.select(["n", "key"]), ["n", "key"], join_type="inner")
        surf = surf.sort_by(
            [("n", "ascending"), ("key", "ascending"), ("count", "descending"),
             ("surface", "ascending")]
        )  # fmt: skip
        sn = surf.column("n").to_numpy().astype(np.int64)
        sk = np.asarray(surf.column("key").to_pylist(), dtype=object)
        first = np.ones(len(sn), dtype=bool)
        first[1:] = (sn[1:] != sn[:-1]) | (sk[1:] != sk[:-1])
        best = pa.table(
            {"n": pa.array(sn[first], pa.int16()), "key": pa.array(sk[first], pa.large_string()),
             "surface": surf.column("surface").filter(pa.array(first))}
        )  # fmt: skip
        mapped = table.select(["n", "key"]).join(best, ["n", "key"], join_type="left outer")
        mapped = dict(
            zip(
                zip(mapped.column("n").to_pylist(), mapped.column("key").to_pylist(), strict=True),
                mapped.column("surface").to_pylist(),
                strict=True,
            )
        )
        display = [mapped[(int(a), b)] for a, b in zip(n.tolist(), key, strict=True)]
    df = table.column("df").to_numpy().astype(np.int64)
    return dict(n=n, key=key, display=display, df=df, n_units=n_units, missing=root["missing"])


def _gather_each(tasks: list, client: Any) -> list:
    """The results of ``tasks`` in order, each fetched and released on the workers as soon
    as it is done: the blocks of pass 2 together can outgrow the workers' memory (at 10x
    the UN corpus, 4 GB of CSR blocks on two 3 GB workers), one at a time they do not."""
    if client is None:
        return compute(tasks, client=None)
    from distributed import as_completed

    futures = client.compute(tasks)
    where = {f.key: i for i, f in enumerate(futures)}
    out: list = [None] * len(futures)
    try:
        for future in as_completed(futures, loop=client.loop):
            out[where[future.key]] = future.result()
            futures[where[future.key]] = None
            future.release()
    except AnalysisError as exc:  # one line, without the worker's traceback
        raise AnalysisError(str(exc)) from None
    finally:
        for future in futures:
            if future is not None:
                future.cancel()
    return out


def _forget_lookups() -> None:
    """Drop this worker's cached vocabulary lookup (run on every worker after a build)."""
    _LOOKUPS.clear()


def _lookup(token: str, vocab: dict) -> dict:
    """``n -> (Index of keys, global columns)``, built once per worker and vocabulary."""
    found = _LOOKUPS.get(token)
    if found is None:
        _LOOKUPS.clear()
        found = {
            n: (pd.Index(np.asarray(keys, dtype=object)), cols) for n, (keys, cols) in vocab.items()
        }
        _LOOKUPS[token] = found
    return found


def _pass2(part: Any, args: dict, vocab: dict) -> tuple[sp.csr_matrix, pd.DataFrame]:
    """Map of pass 2: the partition's CSR block over the global columns, and its docs.

    With ``group_by`` the block and docs of its groups (:func:`analysis.dtm.group_units`).
    """
    from ..dtm import DTM, group_units

    units, counted = _counted(part, args, "none")
    n_terms = args["n_terms"]
    rows, cols, data = [np.empty(0, np.int64)], [np.empty(0, np.int64)], [np.empty(0, np.int64)]
    if counted is not None:
        levels, parts, _ = counted
        lookup = _lookup(args["token"], vocab)
        lo = args["p"]["ngram_range"][0]
        for lv, (keys_n, _) in zip([lv for lv in levels if lv.n >= lo], parts, strict=True):
            if lv.n not in lookup:
                continue
            index, global_cols = lookup[lv.n]
            pos = index.get_indexer(np.asarray(keys_n, dtype=object))
            col = np.where(pos >= 0, global_cols[pos], -1)
            per_col = np.repeat(col, np.diff(lv.indptr))
            ok = per_col >= 0
            rows.append(lv.indices[ok].astype(np.int64))
            cols.append(per_col[ok])
            data.append(lv.data[ok].astype(np.int64))
    matrix = sp.coo_matrix(
        (np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(units), n_terms),
    ).tocsr()  # sums a phrase and an n-gram that share a key, as in memory
    matrix.sort_indices()
    docs = units
    if args["cols"]:
        dtm = DTM(
            matrix=matrix, terms=np.arange(n_terms), docs=docs, keys=np.arange(n_terms),
            params=args["params"],
        )  # fmt: skip
        dtm = group_units(dtm, args["group_by"])
        return dtm.matrix, dtm.docs
    return matrix, docs


# ----------------------------------------------------------------------------- helpers


def _check_missing(cols: list[str], missing: np.ndarray) -> None:
    """The error :func:`analysis.keywords.grouped_counts` raises for missing group values."""
    if len(cols) == 1:
        if missing[0]:
            raise AnalysisError(
                f"column {cols[0]!r} has missing values in {int(missing[0])} units; fill them "
                "or pick another column"
            )
    elif missing[-1]:
        raise AnalysisError(
            f"columns {cols} have missing values in {int(missing[-1])} units; fill them or "
            "pick other columns"
        )


def _restore_dtypes(docs: pd.DataFrame, dtypes: pd.Series | None) -> pd.DataFrame:
    """Give the columns Dask turned into ``string[pyarrow]`` their pandas dtypes back.

    With the pandas corpus's ``dtypes`` each of its columns gets its own dtype back;
    without (a Dask corpus), ``string`` columns become pandas' default ``str``.
    """
    out = {}
    for c in docs.columns:
        if dtypes is not None and c in dtypes.index:
            if docs[c].dtype != dtypes[c]:
                out[c] = docs[c].astype(dtypes[c])
        elif isinstance(docs[c].dtype, pd.StringDtype) and docs[c].dtype.na_value is pd.NA:
            out[c] = docs[c].astype("str")
    return docs.assign(**out) if out else docs
