"""A cache of loaded corpora and their document-term matrices: read, clean and count
once, then load in seconds.

:func:`cached_dtm` does for :func:`analysis.build_dtm` what :func:`cached_corpus` does
for the loader (see its docstring: keyed by the corpus table's content, the options and
the package's code; ``<sha256>.dtm.*`` files in the same folder; the most recently used
kept). The rest of this docstring is about corpora.

:func:`cached_corpus` returns exactly what :func:`analysis.read_corpus` returns for the
same arguments, and stores it in a cache folder the first time, as two uncompressed
Arrow IPC files (the table, and its raw texts apart) that a hit memory-maps after
checking each file's CRC-32 (which reads it once): the texts are then the file's own
pages in the page cache, shared by every process that loads the same entry (a report's
notebooks), not decoded into each. The UN General Debate's cleaned texts (190 MB) load
in about 0.1 s instead of 0.5 s, and a process holds 0.2 GB less memory of its own
(benchmarks/README.md, "A memory-mapped corpus cache"). The entry's name is a hash
(sha256) of everything the result depends on:

* the content of every file the loader reads (sha256 of each, as
  :func:`analysis.corpus.corpus_files` lists them: the manifest and the documents, or
  the table file), with their paths relative to the corpus;
* the cleaning rules (their content, not their file name) and the loader's options
  (``pattern``, ``columns``/``text_column``, ``manifest``, ``glob``, ``clean``,
  ``infer_title``, ``dedupe_threshold``);
* the source code of the modules that build the table, the package version, and the
  versions of pandas and pyarrow (the Arrow round trip).

So an edited document, a changed rule or another option is a new entry, never a stale
one. The files are hashed on every call (about a second for 200 MB), which is what lets
a second render of an unchanged corpus, or a notebook opened in JupyterLab, skip the
reading and cleaning (tens of seconds for the 10,952 UN General Debate speeches).

A third, small file (``<key>.audit.arrow``) keeps the cleaning audit, the lines the
loader's cleaning removed as :func:`analysis.clean_audit` reports them, with the rules
they were made with: ``clean_audit`` of a corpus loaded from the entry reads them
instead of cleaning every text again (4 s for the UN General Debate), as long as the
frame keeps the very ``raw_text``, ``doc_id`` and ``title`` columns it was loaded with
and the rules are the same. A damaged or missing audit file is not rebuilt: the audit
is then computed, as without the cache.

The cache folder is ``$ANALYSIS_CACHE`` when set, else
``$XDG_CACHE_HOME/framing-analysis-cache/corpora`` (``~/.cache`` by default), or the
``cache_dir`` argument. It is the toolkit's own folder: entries are written atomically
(a temporary file, then a rename), nothing is stored when an input file changed while
it was being read (the files are hashed again after reading), an entry that cannot be
read or whose CRC-32 differs from the one recorded is rebuilt, and when a
corpus is cached anew the older entries for the same corpus folder and options are
deleted (only files this module wrote, recognised by name). Nothing is ever written
inside the corpus: a cache folder inside it is not used (the corpus is read directly,
with a warning naming the folder). Since a loaded table maps its entry, never edit an
entry's files in place (a program that truncates one under a running notebook crashes
that notebook with a bus error). On a local disk deleting them, or the whole folder, is
safe at any time: a file stays readable while it is mapped. A network file system (NFS)
may not keep a deleted or replaced file for a process that maps it: there (NFS, SMB,
Lustre, GPFS and the like, by the mount table) an entry is read into memory instead,
about as fast as the Parquet entries of earlier versions were decoded.
"""

from __future__ import annotations

import functools
import hashlib
import json
import operator
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from . import dtm as _dtm
from ._arrays import ArrayMemo, arrow_array
from ._files import open_sliced
from ._memory import release_memory, releasing
from ._yaml import did_you_mean
from .corpus import AUDIT_ROWS, _str_column, _with_text_column, corpus_files, read_corpus
from .errors import AnalysisError, InputWarning

__all__ = ["cached_corpus", "cached_dtm", "cached_tokens", "cache_folder", "corpus_key"]

#: Modules whose code shapes the table read_corpus returns.
_LOADER_MODULES = (
    "corpus.py", "clean.py", "tokens.py", "duplicates.py", "_parallel.py", "_yaml.py",
    "errors.py", "data/clean_rules.yml",
)  # fmt: skip
#: An entry: the table without its raw text and the raw text, each an Arrow IPC file
#: (``<key>.corpus.arrow``, ``<key>.raw.arrow``), the loader's cleaning audit when it
#: cleaned (``<key>.audit.arrow``), and its record (``<key>.json``).
_SUFFIX = ".corpus.arrow"
_RAW_SUFFIX = ".raw.arrow"
_AUDIT_SUFFIX = ".audit.arrow"
#: The table files of earlier versions (Parquet): deleted when their corpus is cached anew.
_LEGACY = (".corpus.parquet",)
_OPTIONS = (
    "pattern",
    "columns",
    "manifest",
    "glob",
    "clean",
    "rules",
    "infer_title",
    "dedupe_threshold",
)


def cache_folder(cache_dir: str | Path | None = None) -> Path:
    """The cache folder: ``cache_dir``, else ``$ANALYSIS_CACHE``, else
    ``$XDG_CACHE_HOME/framing-analysis-cache/corpora`` (``~/.cache`` by default)."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    if os.environ.get("ANALYSIS_CACHE"):
        return Path(os.environ["ANALYSIS_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "framing-analysis-cache" / "corpora"


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _code_digest() -> str:
    from importlib import metadata

    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in _LOADER_MODULES:
        h.update(name.encode())
        h.update((here / name).read_bytes())
    for dist in ("pandas", "pyarrow"):
        try:
            h.update(f"{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{dist}=none".encode())
    return h.hexdigest()


def _rules_record(rules, clean: bool) -> list | None:
    """The content of the cleaning rules, as JSON-able data (their files are not named)."""
    if not clean:
        return None
    from dataclasses import fields

    from .clean import load_rules

    return [{f.name: getattr(r, f.name) for f in fields(r) if f.init} for r in load_rules(rules)]


def corpus_key(path: str | Path, **options) -> tuple[str, dict]:
    """The cache key of ``read_corpus(path, **options)`` and the record it hashes.

    Raises the loader's own one-line error for a missing corpus, a bad manifest and so
    on (the files are listed with :func:`analysis.corpus.corpus_files`).
    """
    return _corpus_key(path, options)


def _corpus_key(
    path: str | Path,
    options: dict,
    known: Mapping[str, str] | None = None,
    *,
    listed: Mapping[str, str] | None = None,
) -> tuple[str, dict]:
    """:func:`corpus_key`; ``known`` (relative path -> sha256, from the render's
    snapshot, :data:`SNAPSHOT_ENV`) spares hashing the files it names, and ``listed``
    (the snapshot's digests of every file, when it was taken with the same listing
    options, :func:`_snapshot_listed`) spares listing the corpus as well."""
    options = dict(options)
    known = known or {}
    path = Path(path).expanduser().resolve()
    unknown = sorted(set(options) - set(_OPTIONS) - {"text_column"})
    if unknown:
        raise AnalysisError(
            f"cached_corpus: unknown option {unknown[0]!r}; give read_corpus options "
            f"({', '.join(_OPTIONS)}, text_column)"
        )
    columns = _with_text_column(options.pop("columns", None), options.pop("text_column", None))
    if listed is not None:
        files = dict(listed)
    else:
        base = path.parent if path.is_file() else path
        files = {
            rel: known.get(rel) or _sha256(p)
            for rel, p in (
                (p.relative_to(base).as_posix(), p) for p in corpus_files(path, **_listing(options))
            )
        }
    record = {
        "corpus": str(path),
        "files": files,
        "options": {
            **_listing(options),  # as the snapshot records them
            "columns": dict(columns) if isinstance(columns, Mapping) else columns,
            "clean": options.get("clean", True),
            "infer_title": options.get("infer_title", False),
            "dedupe_threshold": options.get("dedupe_threshold", 0.8),
        },
        "rules": _rules_record(options.get("rules"), options.get("clean", True)),
        "code": _code_digest(),
    }
    blob = json.dumps(record, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest(), record


#: Set by :func:`analysis.report.render` for its kernels: a JSON file of the digests of
#: the corpus files the render read, ``{"corpus": path, "files": {relative path: sha256},
#: "listing": {"pattern", "manifest", "glob"}}`` (the options it listed them with), with
#: ``"store": {"entry", "lock"}`` while the render writes that entry (see
#: :class:`BackgroundStore`).
SNAPSHOT_ENV = "ANALYSIS_CORPUS_SNAPSHOT"


def _snapshot(corpus: Path) -> dict:
    """The snapshot ``$ANALYSIS_CORPUS_SNAPSHOT`` names when it is ``corpus``'s, else {}
    (no snapshot, another corpus, or a file that cannot be read)."""
    name = os.environ.get(SNAPSHOT_ENV)
    if not name:
        return {}
    try:
        data = json.loads(Path(name).read_text(encoding="utf-8"))
        if data.get("corpus") != str(corpus) or not isinstance(data.get("files"), dict):
            return {}
        return data
    except (OSError, ValueError, AttributeError):
        return {}


def _snapshot_digests(snapshot: Mapping) -> dict[str, str]:
    """The digests of the corpus files in ``snapshot`` (from :func:`_snapshot`), or {}."""
    files = snapshot.get("files", {})
    return {str(k): str(v) for k, v in files.items()}


def _listing(options: Mapping) -> dict:
    """The options of ``options`` that decide which files are read (defaults filled in)."""
    return {
        "pattern": options.get("pattern"),
        "manifest": options.get("manifest", "metadata.csv"),
        "glob": options.get("glob", "**/*.txt"),
    }


def _snapshot_listed(snapshot: Mapping, options: Mapping) -> dict[str, str] | None:
    """The digests of every corpus file in ``snapshot`` (from :func:`_snapshot`) when the
    render listed them with the same options (:func:`_listing`), else None.

    Then a section takes the render's list of files instead of listing the corpus
    folder again (0.3 s for the 10,952 files of the UN General Debate, in each section),
    and when it loads the render's entry it reads the corpus as it was when the render
    began: without a file added since, as a file edited since is read as it was (see
    :func:`_cached_corpus`). A section that finds no entry (the render could not store
    it) reads the files as they are, and stores nothing under the snapshot's key.
    """
    listing = snapshot.get("listing")
    if not isinstance(listing, dict) or listing != _listing(options):
        return None
    return _snapshot_digests(snapshot) or None


def _snapshot_store(snapshot: Mapping, entry: Path) -> Path | None:
    """The lock of the render's background store of ``entry`` (see
    :class:`BackgroundStore`), when ``snapshot`` (from :func:`_snapshot`) names one for
    that very file (same key, same cache folder), else None."""
    store = snapshot.get("store")
    if not isinstance(store, dict) or store.get("entry") != str(entry) or not store.get("lock"):
        return None
    return Path(str(store["lock"]))


def _inside(a: Path, b: Path) -> bool:
    """Whether ``a`` is ``b`` or lies inside it."""
    try:
        a.resolve().relative_to(b.resolve())
        return True
    except ValueError:
        return False


def cached_corpus(
    path: str | Path,
    *,
    cache_dir: str | Path | None = None,
    pattern: str | None = None,
    columns: Mapping[str, str] | None = None,
    text_column: str | None = None,
    manifest: str = "metadata.csv",
    glob: str = "**/*.txt",
    clean: bool = True,
    rules: str | Path | Sequence | None = None,
    infer_title: bool = False,
    dedupe_threshold: float | None = 0.8,
    progress: bool | None = None,
    n_jobs: int | None = None,
    engine: str = "pandas",
    raw_text: bool = True,
) -> pd.DataFrame:
    """:func:`analysis.read_corpus`, through the corpus cache (see the module docstring).

    Parameters
    ----------
    path, pattern, columns, text_column, manifest, glob, clean, rules, infer_title, dedupe_threshold
        As for :func:`analysis.read_corpus`; all of them are part of the cache key.
    cache_dir : path, optional
        The cache folder (default :func:`cache_folder`).
    progress, n_jobs
        As for :func:`analysis.read_corpus` (not part of the key: they do not change
        the result).
    engine : {"pandas"}, default "pandas"
        The cache holds in-memory corpora only: ``"dask"`` is an error saying to call
        ``read_corpus(path, engine="dask")``, which reads the files in the workers.
    raw_text : bool, default True
        False leaves out the ``raw_text`` column (the text before cleaning), which only
        the cleaning audit and the robustness checks of other cleaning rules read; the
        corpus then takes about half the memory and loads faster (not part of the key:
        the entry always holds it).

    Returns
    -------
    DataFrame
        Equal to ``read_corpus(path, ...)`` with the same options: values, dtypes and
        ``attrs["clean_rules"]``; ``attrs["corpus_folder"]`` names the corpus folder, so
        that :func:`cached_dtm` never writes inside it. The loader's warnings (non-UTF-8 files,
        near-duplicates) are given again on a cache hit, so a notebook shows them either
        way.
    """
    options = dict(
        pattern=pattern, columns=columns, text_column=text_column, manifest=manifest,
        glob=glob, clean=clean, rules=rules, infer_title=infer_title,
        dedupe_threshold=dedupe_threshold,
    )  # fmt: skip
    try:  # no wrapper: the loader's warnings keep pointing at the caller
        return _cached_corpus(
            path, options, cache_dir=cache_dir, progress=progress, n_jobs=n_jobs, engine=engine,
            raw_text=raw_text,
        )[0]  # fmt: skip
    finally:  # the buffers of a table read afresh (analysis._memory)
        release_memory()


def _cached_corpus(
    path: str | Path,
    options: Mapping,
    *,
    cache_dir: str | Path | None = None,
    progress: bool | None = None,
    n_jobs: int | None = None,
    engine: str = "pandas",
    raw_text: bool = True,
    use_snapshot: bool = True,
    store_with: BackgroundStore | None = None,
) -> tuple[pd.DataFrame, dict | None]:
    """:func:`cached_corpus` with the loader ``options`` (those :func:`analysis.read_corpus`
    takes, defaults left out as they like), and the record of its key (the digest of
    every file read), or None for the record when the cache was not used.

    A freshly read table is stored by ``store_with`` (the render's
    :class:`BackgroundStore`), else at once. A section of that render that finds no entry
    for the snapshot's key waits for that store to end, then loads the entry.

    Under :func:`analysis.report.render` (``$ANALYSIS_CORPUS_SNAPSHOT`` set) the key is
    made from the list of files and the digests the render took before its notebooks
    started (:func:`_snapshot_listed`), so a section neither lists nor hashes the corpus
    again (about a second per 200 MB) and every section reads the corpus as it was then.
    Whether a freshly read table may be stored is always checked against digests taken
    after the read, never the snapshot's.
    ``use_snapshot=False`` (the render's own first load) hashes every file.
    """
    if not isinstance(raw_text, bool):
        raise AnalysisError(f"raw_text={raw_text!r}: give True or False")
    if engine != "pandas":
        if engine == "dask":
            raise AnalysisError(
                "cached_corpus(engine='dask'): the corpus cache holds in-memory corpora only; "
                "call read_corpus(path, engine='dask') for a partitioned Dask corpus"
            )
        raise AnalysisError(
            f"engine={engine!r}{did_you_mean(engine, ['pandas', 'dask'])}: cached_corpus reads "
            "in memory ('pandas'); call read_corpus(path, engine='dask') for a Dask corpus"
        )
    options = dict(options)
    folder = cache_folder(cache_dir)
    corpus = Path(path).expanduser().resolve()
    if corpus.is_dir() and (_inside(folder, corpus) or _inside(corpus, folder)):
        warnings.warn(
            f"cache folder {folder} is inside the corpus {corpus} (or holds it); reading without "
            "the cache. Set ANALYSIS_CACHE to a folder outside the corpus to use one",
            InputWarning,
            stacklevel=3,
        )
        table = read_corpus(path, progress=progress, n_jobs=n_jobs, **options)
        return _named(_without_raw(table, raw_text), corpus), None
    snapshot = _snapshot(corpus) if use_snapshot else {}  # read once: 1 MB for 10,952 files
    listed = _snapshot_listed(snapshot, options)
    known = _snapshot_digests(snapshot) if listed is None else None
    key, record = _corpus_key(path, options, known, listed=listed)
    entry = folder / key[:2] / f"{key}{_SUFFIX}"
    load = functools.partial(
        _load, entry, rules=options.get("rules"), clean=options.get("clean", True),
        raw_text=raw_text,
    )  # fmt: skip
    loaded = load()
    lock = _snapshot_store(snapshot, entry) if loaded is None else None
    if lock is not None:  # the render is storing this very entry: wait, then load it
        _await_store(lock)
        loaded = load()
    if loaded is not None:
        table, caught = loaded
        for message, category in caught:
            warnings.warn(message, category, stacklevel=3)
        return _named(table, corpus), record
    audit: list = []  # the loader's removals, stored with the entry (corpus.AUDIT_ROWS)
    reset = AUDIT_ROWS.set(audit)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            table = read_corpus(path, progress=progress, n_jobs=n_jobs, **options)
    finally:
        AUDIT_ROWS.reset(reset)
    said = [(str(w.message), w.category) for w in caught]
    for message, category in said:
        warnings.warn(message, category, stacklevel=3)
    kept = audit if options.get("clean", True) else None

    def store() -> None:
        if _corpus_key(path, options)[0] == key:  # no input changed while it was read
            _store(entry, table, record, said, audit=kept)

    if store_with is None:
        store()
    else:
        store_with(entry, store)
    return _named(_without_raw(table, raw_text), corpus), record


class BackgroundStore:
    """Store a freshly read corpus in a process of its own while the caller goes on.

    :func:`analysis.report.render` reads the corpus once, then its sections load the
    cached entry. Checking that no file changed during the read (hashing them again) and
    writing the entry take one core for a few seconds (3.4 s for the UN General Debate
    on a slow virtual machine) while the sections' kernels start and import their
    libraries, which takes them about as long. So the render hands that work to a child
    process (:func:`_fork_store`) and starts the kernels at once; the snapshot it gives
    them names the store's lock (:attr:`pending`), and a section that finds no entry
    waits for the lock (:func:`_await_store`) before loading it. The entry is the same
    file either way. The store runs at once, as without this class, where it is not
    forked: off Linux, in a daemon process such as a Dask worker, or when no lock folder
    can be made. Neither the wait nor :meth:`wait` has a time limit: a store that hangs
    (a cache folder on a network mount that stopped answering) holds them up, as it
    would hold up the caller if it ran at once. Measured on the UN General Debate, a
    render of two sections that only load the corpus took 0.9 s less (median of six
    pairs, benchmarks/README.md).
    """

    def __init__(self) -> None:
        self.pending: dict | None = None  # {"entry", "lock"} of a store under way
        self.pid: int | None = None
        self._reaper = None

    def __call__(self, entry: Path, store) -> None:
        started = _fork_store(store)
        if started is None:
            store()
            return
        lock, self.pid, self._reaper = started
        self.pending = {"entry": str(entry), "lock": str(lock)}

    def wait(self) -> None:
        """Return once the store's process has ended and been reaped (at once when none
        was started)."""
        if self._reaper is not None:
            self._reaper.join()


def _fork_store(func):
    """Run ``func()`` in a child process holding an exclusive ``flock`` on a new lock
    file until it ends: ``(lock path, pid, reaper thread)``, or None where it is not
    forked (off Linux, in a daemon process, or when the lock cannot be made).

    The child ignores Ctrl-C (an interrupted render still leaves a whole entry or none),
    lets go of the caller's standard streams, swallows any error (a store that fails
    only leaves the entry uncached), removes the lock file and its folder once ``func``
    is done, and exits without running the caller's clean-up (``os._exit``); its lock
    ends with it, even when it is killed. A daemon thread waits for it (``waitpid``), so
    it never lingers as a zombie, whatever the caller does next.
    """
    import sys

    from ._parallel import _in_worker

    if not sys.platform.startswith("linux") or _in_worker():
        return None
    import fcntl
    import shutil
    import signal
    import tempfile
    import threading

    folder = lock = None
    fd = -1
    try:
        folder = Path(tempfile.mkdtemp(prefix="analysis-store-"))
        lock = folder / "store.lock"
        fd = os.open(lock, os.O_CREAT | os.O_WRONLY, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)  # the child's copy of the descriptor holds it
        pid = os.fork()
    except OSError:
        if fd >= 0:
            os.close(fd)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        return None
    if pid == 0:  # the child
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            null = os.open(os.devnull, os.O_RDWR)
            for std in (0, 1, 2):  # never hold the caller's terminal or pipes open
                os.dup2(null, std)
            func()
        except BaseException:
            pass
        finally:
            try:
                lock.unlink(missing_ok=True)  # a reader that finds no lock loads at once
                folder.rmdir()
            finally:
                os._exit(0)
    os.close(fd)
    reaper = threading.Thread(target=_reap, args=(pid,), daemon=True)
    try:
        reaper.start()
    except RuntimeError:  # no thread to spare: wait for the store here
        _reap(pid)
        reaper = None
    return lock, pid, reaper


def _reap(pid: int) -> None:
    """Wait for child ``pid`` to end (nothing to do when another waiter reaped it)."""
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _await_store(lock: Path) -> None:
    """Wait for the process that holds ``lock`` (see :func:`_fork_store`) to end: a shared
    ``flock`` is granted once its exclusive one is gone. A lock that cannot be opened or
    taken (the file is gone once the store has ended) does not wait: the caller then
    loads the entry, or reads the corpus itself when there is none."""
    import fcntl

    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
    except OSError:
        pass
    finally:
        os.close(fd)


def _without_raw(table: pd.DataFrame, raw_text: bool) -> pd.DataFrame:
    if raw_text or "raw_text" not in table.columns:
        return table
    attrs = dict(table.attrs)
    table = table.drop(columns="raw_text")
    table.attrs = attrs
    return table


def _named(table: pd.DataFrame, corpus: Path) -> pd.DataFrame:
    """``table`` with ``attrs["corpus_folder"]``: the folder :func:`cached_dtm` must not
    write into (for a table file, the folder that holds it)."""
    table.attrs["corpus_folder"] = str(corpus if corpus.is_dir() else corpus.parent)
    return table


def _load(
    entry: Path, *, rules, clean: bool, raw_text: bool = True
) -> tuple[pd.DataFrame, list] | None:
    """The cached table and its recorded warnings, or None (absent or unreadable).

    Both files are memory-mapped (:func:`_map_arrow`): the text columns are the cache
    file's own pages, shared with every other process that maps the entry, never copied
    into this one. Without ``raw_text`` its file is neither needed nor read.
    """
    meta, raw = _meta_path(entry), _raw_path(entry)
    if not entry.is_file() or not meta.is_file() or (raw_text and not raw.is_file()):
        return None
    try:
        import pyarrow as pa

        info = json.loads(meta.read_text(encoding="utf-8"))
        crc, names = info["crc32"], list(info["columns"])
        stored = _map_arrow(entry, crc["table"])
        if "text" not in stored.column_names or "raw_text" not in names:
            return None  # every entry holds both: not one this cache wrote
        texts = {"text": stored.column("text")}
        if raw_text:
            texts["raw_text"] = _map_arrow(raw, crc["raw_text"]).column("raw_text")
        if any(len(values) != stored.num_rows for values in texts.values()):
            return None  # files not written together
        table = stored.drop_columns(["text"]).to_pandas()  # dtypes from the pandas metadata
        for column, values in texts.items():
            if values.type != pa.large_string():  # an entry another writer made
                values = values.cast(pa.large_string())
            table[column] = _str_column(values.chunks).rename(column)
        table = table[[c for c in names if raw_text or c != "raw_text"]]
        digest = _recorded_digest(info.get("text_digest"))
        values = arrow_array(table["text"])
        if digest is not None and values is not None:  # the stored text's (CRC-checked)
            _TEXT_DIGESTS.put([values], digest)
    except Exception:  # a damaged entry is rebuilt, never trusted
        return None
    from .clean import load_rules

    table.attrs.clear()
    table.attrs["clean_rules"] = tuple(load_rules(rules)) if clean else ()
    made_with = info.get("audit_rules")  # the rules the stored audit was made with
    if raw_text and clean and "audit" in crc and _audit_path(entry).is_file():
        # served only under those very rules: not when the rules file changed since
        if made_with == _rules_record(table.attrs["clean_rules"], True):
            from .clean import remember_audit

            read = functools.partial(_read_audit, _audit_path(entry), crc["audit"])
            remember_audit(table, rules=table.attrs["clean_rules"], read=read)
    categories = {c.__name__: c for c in (InputWarning, UserWarning, RuntimeWarning)}
    caught = [(m, categories.get(c, UserWarning)) for m, c in info.get("warnings", [])]
    return table, caught


def _meta_path(entry: Path) -> Path:
    return entry.with_name(entry.name.replace(_SUFFIX, ".json"))


def _raw_path(entry: Path) -> Path:
    return entry.with_name(entry.name.replace(_SUFFIX, _RAW_SUFFIX))


def _audit_path(entry: Path) -> Path:
    return entry.with_name(entry.name.replace(_SUFFIX, _AUDIT_SUFFIX))


def _read_audit(path: Path, crc: int) -> pd.DataFrame | None:
    """The cleaning audit stored with an entry (:func:`_store`), built as
    :func:`analysis.clean_audit` builds it, or None when the file is gone or damaged (the
    audit is then computed)."""
    from .clean import AUDIT_COLUMNS, audit_frame

    try:
        table = _map_arrow(path, crc)
        columns = [table.column(c).to_pylist() for c in AUDIT_COLUMNS]
    except Exception:
        return None
    return audit_frame(list(zip(*columns, strict=True)))


def _map_arrow(path: Path, crc: int):
    """The Arrow table in the IPC file ``path``, memory-mapped (no copy), after checking
    the CRC-32 of the whole file against ``crc``: a damaged byte anywhere, in the data or
    in Arrow's own metadata, is an error here, never a frame with wrong values.

    The check reads the file once (from the page cache when it was just written or
    read: about 0.1 s for the 190 MB of the UN General Debate's cleaned texts); the pages
    it maps stay shared with every process mapping the same file, so two notebooks that
    load the corpus hold one copy of its text. An entry is replaced by renaming a new file
    over it, never rewritten in place, so on a local disk a table this returned stays
    valid after its entry is replaced or pruned. On a network file system
    (:func:`_local`) the file is read into memory instead.
    """
    import zlib

    import pyarrow as pa

    if _local(path):
        data = pa.memory_map(str(path)).read_buffer()
    else:  # read into memory: a network file system may not keep a file for its mappers
        with pa.OSFile(str(path)) as fh:
            data = fh.read_buffer()
    if zlib.crc32(data) != crc:
        raise ValueError(f"{path}: checksum mismatch")
    return pa.ipc.open_file(data).read_all()


#: File systems whose files a process may lose while it maps them (the server does not
#: keep a deleted or replaced file for another host's readers): read, never mapped.
_NETWORK_FS = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "lustre", "gpfs", "beegfs", "ceph",
     "glusterfs", "fuse.sshfs", "fuse.glusterfs", "fuse.ceph", "afs"}
)  # fmt: skip


def _local(path: Path, mounts: str | None = None) -> bool:
    """Whether ``path`` lies on a file system that keeps a mapped file readable after it
    is deleted or replaced: not one of :data:`_NETWORK_FS`, by the mount table
    (``mounts``, default ``/proc/self/mounts``: the last-mounted of the longest mount
    points above ``path``). True where there is no mount table to read (macOS,
    Windows)."""
    if mounts is None:
        try:
            with open("/proc/self/mounts", encoding="utf-8") as fh:
                mounts = fh.read()
        except OSError:
            return True
    where = str(Path(path).resolve())
    best, kind = "", ""
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")  # the table's escape for a space
        inside = where == point or where.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, fields[2]
    return kind not in _NETWORK_FS


def _write_arrow(frame: pd.DataFrame, path: Path, *, combine: bool) -> int:
    """Write ``frame`` to ``path`` as an Arrow IPC file and return the file's CRC-32.

    ``combine``: one record batch, so that a hit maps each column as one array. Arrow
    takes rows of a chunked string column (a sort, ``iloc``) far more slowly than of one
    array: reordering the UN General Debate's cleaned texts took 1.7 s in 49 chunks and
    0.03 s in one. Otherwise the columns keep the chunks the loader's processes made
    (one batch per chunk), without another copy of the texts in memory: right for the
    raw texts, which are only read in order (the cleaning audit) or filtered.
    """
    import zlib

    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)
    if combine:
        table = table.combine_chunks()
    # 256 KiB per write() (analysis._files); Arrow hands over each buffer in one
    with open_sliced(path) as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    del table
    return zlib.crc32(pa.memory_map(str(path)).read_buffer())


def _store(
    entry: Path, table: pd.DataFrame, record: dict, said: list, *, audit: list | None = None
) -> None:
    """Write ``table`` (its raw text in a file of its own), the loader's cleaning
    ``audit`` rows when given, and the record, each atomically; drop older entries of
    the same corpus and options. A table Arrow cannot hold, or a folder that cannot be
    written, is simply not cached."""
    if "raw_text" not in table.columns or "text" not in table.columns:
        return
    meta, raw, audited = _meta_path(entry), _raw_path(entry), _audit_path(entry)
    info = {
        "corpus": record["corpus"],
        "options": record["options"],
        "files": len(record["files"]),
        "warnings": [(m, c.__name__) for m, c in said],
        "columns": list(table.columns),
    }
    tmps: list[Path] = []
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        finals = (entry, raw, *([audited] if audit is not None else []), meta)
        for p in finals:  # names no other writer has: never one it maps
            tmps.append(_new_file(p))
        plain = table.copy(deep=False)
        plain.attrs = {}
        # uncompressed: a hit maps the file instead of decoding it
        info["crc32"] = {
            "table": _write_arrow(plain.drop(columns="raw_text"), tmps[0], combine=True),
            "raw_text": _write_arrow(plain[["raw_text"]], tmps[1], combine=False),
        }
        del plain
        info["text_digest"] = {  # see _load
            "version": _TEXT_DIGEST_VERSION, "sha256": _text_digest(table["text"]).hex(),
        }  # fmt: skip
        if audit is not None:
            from .clean import audit_frame

            info["crc32"]["audit"] = _write_arrow(audit_frame(audit), tmps[2], combine=True)
            info["audit_rules"] = _rules_record(table.attrs.get("clean_rules", ()), True)
        tmps[-1].write_text(json.dumps(info, default=str) + "\n", encoding="utf-8")
        for tmp, final in zip(tmps, finals, strict=True):
            os.replace(tmp, final)
    except Exception:
        _discard(*tmps)
        return
    _discard(*(entry.with_name(entry.name.replace(_SUFFIX, s)) for s in _LEGACY))
    _prune(entry.parent.parent, keep=entry, info=info)


def _new_file(final: Path) -> Path:
    """A new, empty temporary file next to ``final``, created exclusively (``O_EXCL``,
    permissions as the umask gives): no other process or thread writes to it, even one
    with the same process id (a container, a cache folder shared over the network)."""
    import secrets

    while True:
        tmp = final.with_name(f".{final.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
        try:
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
            return tmp
        except FileExistsError:
            continue


def _prune(folder: Path, *, keep: Path, info: dict) -> None:
    """Delete the older entries of the same corpus and options: files this module wrote,
    recognised by name (``<64 hex digits>.json`` in the folder of its first two digits,
    and the entry's files next to it). The record goes last, and only once every file
    of its entry is gone (a file mapped by a process on Windows cannot be deleted): an
    entry is found through its record, so none is left without one."""
    import re

    name = re.compile(r"^([0-9a-f]{64})\.json$")
    for meta in folder.glob("??/*.json"):
        m = name.match(meta.name)
        if not m or meta.parent.name != m.group(1)[:2]:
            continue
        stem = m.group(1)
        entry = meta.with_name(stem + _SUFFIX)
        parts = [meta.with_name(stem + s) for s in (_SUFFIX, _RAW_SUFFIX, _AUDIT_SUFFIX, *_LEGACY)]
        if entry == keep or not any(p.is_file() for p in parts):
            continue
        try:
            other = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if other.get("corpus") == info["corpus"] and other.get("options") == json.loads(
            json.dumps(info["options"], default=str)
        ):
            if _discard(*parts):
                _discard(meta)


# ---------------------------------------------------------------------------------------
# document-term matrices

#: DTM entries kept in the cache folder; beyond this, the least recently used are deleted
MAX_DTM_ENTRIES = 8
_DTM = ".dtm"
_DTM_PARTS = (".matrix.npz", ".terms.parquet", ".docs.parquet")
_BUILD_DTM = _dtm.build_dtm  # its signature names the options cached_dtm accepts
#: build_dtm arguments that do not change the matrix (where it is computed, not what)
_DTM_NOT_KEYED = ("n_jobs", "client")


def _frame_digest(corpus: pd.DataFrame) -> str:
    """sha256 of what :func:`analysis.build_dtm` reads from ``corpus``: the ``text``
    column (the digest of its Arrow data, offsets and missing values, :func:`_text_digest`)
    and every other column but ``raw_text`` (pandas' row hashes), with the column labels
    and dtypes (their reprs: a categorical's categories and order count) and the index.
    Raises for values pandas cannot hash (lists in a column): :func:`cached_dtm` then
    builds without the cache."""
    h = hashlib.sha256()
    # repr: a label's type (7 vs "7") and a categorical's categories and order count
    h.update(repr([(repr(c), repr(t)) for c, t in corpus.dtypes.items()]).encode())
    if "text" in corpus.columns:
        _hash_texts(h, corpus["text"])
    rest = corpus.drop(columns=[c for c in ("text", "raw_text") if c in corpus.columns])
    h.update(pd.util.hash_pandas_object(rest, index=True).to_numpy().tobytes())
    return h.hexdigest()


def _hash_texts(h, texts: pd.Series) -> None:
    """Feed ``texts`` to the hash ``h`` through their digest (:func:`_text_digest`). A
    non-str value raises (pyarrow), and the caller does without the cache."""
    h.update(_text_digest(texts))


#: Digests of text columns, for the very Arrow array of each (see :func:`_text_digest`).
_TEXT_DIGESTS = ArrayMemo()

#: What :func:`_hash_arrow_texts` hashes: a corpus entry's recorded digest is used only
#: when recorded under this version (raise it whenever that function changes).
_TEXT_DIGEST_VERSION = 1


def _text_digest(texts: pd.Series) -> bytes:
    """sha256 of ``texts``: the UTF-8 bytes, the offsets (from 0) and the missing values of
    their Arrow array, as one large-string array (no Python pass over the strings;
    0.2-0.3 s for the 200 MB of the UN General Debate).

    A column held in Arrow is hashed once per process: its array cannot change in place
    (pandas gives a column a new array when a value is set, and a frame made by filtering,
    sorting or slicing rows new arrays), so the digest is remembered for that very array
    (:class:`analysis._arrays.ArrayMemo`). A corpus the cache loads comes with the digest
    its entry recorded (:func:`_load`), so a section's matrices and tokens are keyed
    without hashing its text at all. Other columns (object, categorical) are hashed at
    every call. This holds for arrays over Arrow's own immutable buffers, which pandas,
    the loader and the cache make: an array built over a buffer someone writes to afterwards
    (``pa.py_buffer`` of a ``bytearray``), or a cache file edited in place while mapped,
    would keep its first digest.
    """
    values = arrow_array(texts)
    known = _TEXT_DIGESTS.get([values]) if values is not None else None
    if known is not None:
        return known
    digest = _hash_arrow_texts(texts)
    if values is not None:
        _TEXT_DIGESTS.put([values], digest)
    return digest


def _hash_arrow_texts(texts: pd.Series) -> bytes:
    """The digest of :func:`_text_digest`, computed."""
    import pyarrow as pa

    h = hashlib.sha256()
    text = pa.array(texts, from_pandas=True)
    text = text if isinstance(text, pa.ChunkedArray) else pa.chunked_array([text])
    text = text.cast(pa.large_string()).combine_chunks()
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[text.offset :][: len(text) + 1]
    h.update((offsets - offsets[0]).tobytes())
    h.update(np.asarray(text.is_null()).tobytes())
    if text.buffers()[2] is not None:
        h.update(memoryview(text.buffers()[2])[offsets[0] : offsets[-1]])
    return h.digest()


def _recorded_digest(record: object) -> bytes | None:
    """The digest a corpus entry recorded (``{"version", "sha256"}``), or None when it is
    missing, of another version or not 64 hex digits (the text is then hashed)."""
    if not isinstance(record, dict) or record.get("version") != _TEXT_DIGEST_VERSION:
        return None
    digest = record.get("sha256")
    if not isinstance(digest, str) or len(digest) != 64:
        return None
    try:
        value = bytes.fromhex(digest)
    except ValueError:
        return None
    return value if len(value) == 32 else None


def _package_digest() -> str:
    """sha256 of the package's source (every module and data file), the Python version and
    the versions of the libraries a DTM's values pass through (scikit-learn: the stop
    words)."""
    from importlib import metadata

    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for p in sorted(here.rglob("*")):
        if p.suffix in (".py", ".yml", ".txt") and "__pycache__" not in p.parts:
            h.update(p.relative_to(here).as_posix().encode())
            h.update(p.read_bytes())
    import sys

    h.update(sys.version.encode())  # the Unicode tables behind \w
    for dist in ("numpy", "scipy", "pandas", "pyarrow", "nltk", "scikit-learn"):
        try:
            h.update(f"{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{dist}=none".encode())
    return h.hexdigest()


@releasing
def cached_dtm(corpus: pd.DataFrame, *, cache_dir: str | Path | None = None, **options):
    """:func:`analysis.build_dtm` through a cache: a DTM built once is loaded in seconds.

    The entry's name is the sha256 of the corpus frame's content (the text and the
    metadata columns, see :func:`_frame_digest`), of the ``build_dtm`` options (all but
    ``n_jobs`` and ``client``, which change where the matrix is computed, not what), and
    of the package's source and library versions. So notebooks that build the same
    matrix (02-keywords and 05-compare with their defaults) build it once, and a second
    render of an unchanged corpus builds none. Hashing the text takes 0.2-0.3 s per 200 MB,
    once per column held in Arrow (none for a corpus loaded from the cache, whose entry
    recorded it; :func:`_text_digest`).

    Entries live in the corpus cache folder (:func:`cache_folder`; ``cache_dir``
    overrides it) as ``<key>.dtm.*`` files, written atomically (the ``.json`` record last;
    an entry without it, or one that fails to load, is rebuilt). The
    ``MAX_DTM_ENTRIES`` most recently used entries are kept; older ones are deleted
    (files named ``<sha256>.dtm.*`` only). Counts are stored in the narrowest unsigned
    type that holds them and come back as they were built (:func:`_narrow_counts`); an
    entry of the UN General Debate's 1-2-gram matrix takes 233 MB. Nothing is cached when
    the folder cannot be written, the options cannot be written down, or ``docs`` holds
    Python objects (``group_by`` labels), which a Parquet round trip would not return as
    they are; the DTM is returned either way.

    A matrix of lower-cased word runs (the default ``token_pattern``, or another pattern
    of word runs that :func:`analysis.build_dtm` takes ``tokens=`` for) is
    built from the units' word tokens through :func:`cached_tokens` (``tokens=`` of
    :func:`analysis.build_dtm`), which stores them for the sections that read tokens
    (collocations, themes, contexts) and loads them for the next matrix of the same
    units: on the UN General Debate a matrix's tokenizing took 1.1 s instead of 3.3 s
    (benchmarks/README.md).

    Returns
    -------
    DTM
        Equal to ``build_dtm(corpus, **options)``: matrix (values, dtypes, class), terms,
        keys, docs (values, dtypes, ``attrs``) and params. An entry whose ``docs`` would
        come back with other dtypes (the Parquet round trip keeps most, not all) is
        built again. A corpus from :func:`cached_corpus` names its folder in
        ``attrs["corpus_folder"]``; a cache folder inside it is not used, so nothing is
        written inside the corpus.
    """
    import ast
    import inspect

    known = set(inspect.signature(_BUILD_DTM).parameters) - {"corpus", "tokens"}
    build_dtm = _dtm.build_dtm  # looked up now: the module's function, whatever replaced it
    unknown = sorted(set(options) - known)
    if unknown:
        raise AnalysisError(
            f"cached_dtm: unknown option {unknown[0]!r}{did_you_mean(unknown[0], sorted(known))}; "
            f"give build_dtm options ({', '.join(sorted(known))})"
        )
    keyed = {k: v for k, v in options.items() if k not in _DTM_NOT_KEYED}
    try:
        recorded = repr(sorted(keyed.items()))
        literal = ast.literal_eval(recorded) == sorted(keyed.items())
    except (ValueError, SyntaxError, TypeError):
        literal = False
    folder = cache_folder(cache_dir)
    if not literal or not isinstance(corpus, pd.DataFrame):
        return build_dtm(corpus, **options)  # options that cannot be written down, or Dask
    source = corpus.attrs.get("corpus_folder")
    if source and (_inside(folder, Path(source)) or _inside(Path(source), folder)):
        return build_dtm(corpus, **options)  # never write inside the corpus (cached_corpus warned)
    try:
        digest = _frame_digest(corpus)
    except Exception:  # e.g. lists in a metadata column: build_dtm copes, the hash does not
        return build_dtm(corpus, **options)
    blob = json.dumps([digest, recorded, _package_digest()]).encode()
    key = hashlib.sha256(blob).hexdigest()
    stem = folder / key[:2] / f"{key}{_DTM}"
    dtm = _load_dtm(stem, attrs=corpus.attrs)
    if dtm is not None:
        return dtm
    if _from_word_tokens(options):  # handed over, not kept here: freed inside the build
        _dtm._check_build_options(corpus.columns, options)  # a bad option: before tokenizing
        unit = options.get("unit", "document")
        words = _dtm.HandedTokens(cached_tokens(corpus, unit=unit, cache_dir=cache_dir))
        dtm = build_dtm(corpus, tokens=words, **options)
    else:
        dtm = build_dtm(corpus, **options)
    _store_dtm(stem, dtm)
    return dtm


def _from_word_tokens(options: Mapping) -> bool:
    """Whether :func:`cached_dtm` builds from the cached word tokens: in memory, with
    options the tokens serve (:func:`analysis.dtm.tokens_serve`)."""
    return options.get("client") is None and _dtm.tokens_serve(
        options.get("token_pattern", _dtm.TOKEN_PATTERN), options.get("lowercase", True)
    )


def _load_dtm(stem: Path, *, attrs: Mapping):
    import ast

    import scipy.sparse as sp

    from .dtm import DTM

    record = stem.with_name(stem.name + ".json")
    if not record.is_file() or not all(stem.with_name(stem.name + p).is_file() for p in _DTM_PARTS):
        return None
    try:
        info = json.loads(record.read_text(encoding="utf-8"))
        matrix = sp.load_npz(stem.with_name(stem.name + ".matrix.npz"))
        counts = np.dtype(info.get("data_dtype", matrix.dtype))  # stored narrower
        if matrix.dtype != counts:  # see _narrow_counts: only ever a narrower unsigned type
            wider = counts.kind in "iu" and counts.itemsize > matrix.dtype.itemsize
            if matrix.dtype.kind != "u" or not wider:
                return None
            matrix.data = matrix.data.astype(counts)
        if info["matrix_class"] == "csr_matrix":
            matrix = sp.csr_matrix(matrix)
        import pyarrow.parquet as pq

        terms = pq.read_table(
            stem.with_name(stem.name + ".terms.parquet"), page_checksum_verification=True
        )
        docs = pd.read_parquet(
            stem.with_name(stem.name + ".docs.parquet"), page_checksum_verification=True
        )
        params = ast.literal_eval(info["params"])
        if [repr(t) for t in docs.dtypes] != info["docs_dtypes"]:
            return None  # a dtype the Parquet round trip does not keep: built again
        if not info.get("keys_are_terms") and "keys" not in terms.column_names:
            return None  # not one this cache wrote
    except Exception:  # damaged or from elsewhere: rebuilt, never trusted
        return None
    import copy

    docs.attrs = copy.deepcopy(dict(attrs))  # build_dtm's docs carry the corpus' attrs

    as_str = lambda c: np.asarray(terms[c].to_numpy(), dtype=object)  # noqa: E731
    terms_arr = as_str("terms")
    # without stemming the keys are the terms: share the str objects, as build_dtm does
    # (4.8 million 1-2-grams of the UN General Debate: about 350 MB less)
    keys_arr = terms_arr.copy() if info.get("keys_are_terms") else as_str("keys")
    for p in [record, *(stem.with_name(stem.name + q) for q in _DTM_PARTS)]:
        try:
            os.utime(p)  # recently used
        except OSError:
            pass
    return DTM(matrix=matrix, terms=terms_arr, docs=docs, keys=keys_arr, params=params)


def _store_dtm(stem: Path, dtm) -> None:
    """Write ``dtm``'s parts, then its record (atomically each); keep the newest
    ``MAX_DTM_ENTRIES`` entries."""
    import ast

    import pyarrow as pa
    import pyarrow.parquet as pq
    import scipy.sparse as sp

    try:
        if ast.literal_eval(repr(dtm.params)) != dtm.params:
            return
    except (ValueError, SyntaxError, TypeError):
        return  # parameters that cannot be written down: not cached
    if any(isinstance(dt, np.dtype) and dt.kind == "O" for dt in dtm.docs.dtypes):
        return  # Python objects (e.g. group_by's labels) would not come back as they are
    parts = [stem.with_name(stem.name + p) for p in (*_DTM_PARTS, ".json")]
    import threading

    tag = f"{os.getpid()}.{threading.get_ident()}"
    tmps = [p.with_name(f".{p.name}.{tag}.tmp") for p in parts]
    try:
        stem.parent.mkdir(parents=True, exist_ok=True)
        with open_sliced(tmps[0]) as fh:  # 256 KiB per write() (analysis._files)
            sp.save_npz(fh, _narrow_counts(dtm.matrix), compressed=False)
        # without stemming the keys are the terms: written once (95 MB less for the UN
        # General Debate's 4.8 million 1-2-grams), the record says so
        same = len(dtm.keys) == len(dtm.terms) and all(map(operator.eq, dtm.keys, dtm.terms))
        columns = {"terms": pd.array(dtm.terms, dtype="str")}
        if not same:
            columns["keys"] = pd.array(dtm.keys, dtype="str")
        with open_sliced(tmps[1]) as fh:  # what to_parquet(index=False) writes, sliced
            pq.write_table(
                pa.Table.from_pandas(pd.DataFrame(columns), preserve_index=False), fh,
                compression=None, write_page_checksum=True,
            )  # fmt: skip
        docs = dtm.docs.copy(deep=False)
        docs.attrs = {}
        docs.to_parquet(tmps[2], index=True, compression=None, write_page_checksum=True)
        record = {
            "params": repr(dtm.params),
            "matrix_class": type(dtm.matrix).__name__,
            "data_dtype": dtm.matrix.dtype.str,
            "docs_dtypes": [repr(t) for t in dtm.docs.dtypes],
            "keys_are_terms": same,
        }
        tmps[3].write_text(json.dumps(record) + "\n", encoding="utf-8")
        for tmp, part in zip(tmps, parts, strict=True):
            os.replace(tmp, part)
    except Exception:
        _discard(*tmps)
        return
    _prune_entries(stem.parent.parent, suffix=_DTM, record=".json", parts=_DTM_PARTS)


def _narrow_counts(matrix):
    """``matrix`` with its values in the narrowest unsigned integer type that holds every
    one of them (uint8, uint16 or uint32) when that type is narrower than theirs, else
    ``matrix`` itself (values that are not non-negative integers, that need 64 bits, or
    that are already as narrow: int32 values above 65,535 stay int32). The new matrix
    shares ``indices`` and ``indptr`` when they are int32, as :func:`analysis.build_dtm`
    makes them (scipy narrows int64 index arrays that fit in int32: a copy).

    Counts are stored this way and cast back to the recorded dtype on load, an exact
    round trip: a value ``v`` with ``0 <= v <= np.iinfo(t).max`` is the same number in
    ``t``. The UN General Debate's 1-2-gram counts fit in uint16, so the entry's matrix
    file is 137 MB instead of 275 MB (int64 values).
    """
    data = matrix.data
    if data.dtype.kind not in "iu" or data.dtype.itemsize == 1:
        return matrix
    low, high = (int(data.min()), int(data.max())) if data.size else (0, 0)
    if low < 0:
        return matrix
    narrow = np.min_scalar_type(high)  # uint8, 16, 32 or 64 for a non-negative integer
    if narrow.itemsize >= data.dtype.itemsize:
        return matrix
    return type(matrix)(
        (data.astype(narrow), matrix.indices, matrix.indptr), shape=matrix.shape, copy=False
    )


def _discard(*paths: Path) -> bool:
    """Delete ``paths``, files this module wrote (the temporary files of a write that
    failed, an entry pruned), where they exist; one that cannot be deleted is left.
    Whether none is left."""
    gone = True
    for p in paths:
        try:
            p.unlink(missing_ok=True)
        except OSError:  # e.g. the cache path is a file, or Windows' lock on a mapped file
            gone = False
    return gone


def _prune_entries(folder: Path, *, suffix: str, record: str, parts: Sequence[str]) -> None:
    """Delete all but the ``MAX_DTM_ENTRIES`` most recently used entries of one kind:
    files named ``<64 hex digits><suffix><record>`` (and their ``parts``) in the
    sub-folder of their first two digits, nothing else. Another process pruning at the
    same time is not an error, nor is a folder that cannot be listed."""
    import re

    name = re.compile(r"^([0-9a-f]{64})" + re.escape(suffix + record) + "$")
    records = []
    try:
        found = list(folder.glob(f"??/*{suffix}{record}"))
    except OSError:
        return
    for rec in found:
        m = name.match(rec.name)
        if not m or rec.parent.name != m.group(1)[:2]:
            continue
        try:
            records.append((rec.stat().st_mtime, rec))
        except OSError:
            continue  # removed meanwhile
    records.sort(key=lambda x: x[0], reverse=True)
    for _, rec in records[MAX_DTM_ENTRIES:]:
        stem = rec.with_name(rec.name[: -len(record)])
        for p in [rec, *(stem.with_name(stem.name + q) for q in parts)]:
            try:
                p.unlink(missing_ok=True)
            except OSError:
                pass


# --------------------------------------------------------------------------- word tokens

_TOKENS = ".tokens"


@releasing
def cached_tokens(
    corpus: pd.DataFrame, *, unit: str = "document", cache_dir: str | Path | None = None
):
    """:func:`analysis.tokens.word_tokens` of the units of ``corpus``, through the cache.

    Tokenizing is the costly part of collocations, KWIC and theme matching (about 13 s
    for the 32 million words of the UN General Debate), and several report sections
    tokenize the same texts: the first stores the tokens, the others load them (about a
    second). Pass the result as ``tokens=`` to :func:`analysis.match_themes` or
    :func:`analysis.collocations` (with ``unit="document"``).

    Parameters
    ----------
    corpus : DataFrame
        From :func:`analysis.read_corpus` or :func:`cached_corpus`: ``doc_id`` and
        ``text``.
    unit : {"document", "paragraph", "sentence"}, default "document"
        The texts tokenized are those of ``analysis.segment(corpus, unit)``: one entry
        per document (its ``text``; a missing text counts as empty) or per unit.
    cache_dir : str or Path, optional
        The cache folder (:func:`cache_folder` when None).

    Returns
    -------
    Tokens
        Equal to ``word_tokens(analysis.segment(corpus, unit)["text"])``: ``ids``,
        ``offsets``, ``types`` and ``n_tokens``, array for array (tested).

    Notes
    -----
    The entry's name is the sha256 of the texts (their UTF-8 bytes and offsets; the
    metadata does not matter), ``unit`` and the package's source and library versions,
    as for :func:`cached_dtm`: ``<key>.tokens.npz`` (the UN General Debate's: about
    130 MB), written atomically, the ``MAX_DTM_ENTRIES`` most recently used kept. As for
    :func:`cached_dtm`, nothing is cached when the folder cannot be written or lies
    inside the corpus, and the tokens are returned either way.
    """
    from .text import UNITS, segment
    from .tokens import Tokens, word_tokens
    from .validation import check_choice

    if not isinstance(corpus, pd.DataFrame):
        raise AnalysisError("corpus must be a DataFrame from analysis.read_corpus or cached_corpus")
    check_choice("unit", unit, UNITS)
    if "text" not in corpus.columns:
        raise AnalysisError("corpus has no column 'text'; load it with analysis.read_corpus")
    column = corpus["text"] if unit == "document" else segment(corpus, unit)["text"]

    def tokenize() -> Tokens:
        return word_tokens(column)  # missing texts: empty; an Arrow column a chunk at a time

    folder = cache_folder(cache_dir)
    source = corpus.attrs.get("corpus_folder")
    if source and (_inside(folder, Path(source)) or _inside(Path(source), folder)):
        return tokenize()  # never write inside the corpus (cached_corpus warned)
    h = hashlib.sha256(json.dumps(["tokens", unit, _package_digest()]).encode())
    try:  # the column as it is: no list of Python strings unless tokenizing
        _hash_texts(h, column.fillna("") if column.isna().any() else column)
    except Exception:  # values pyarrow cannot take as text: tokenized without the cache
        return tokenize()
    key = h.hexdigest()
    stem = folder / key[:2] / f"{key}{_TOKENS}"
    tokens = _load_tokens(stem, n_texts=len(column))
    if tokens is None:
        tokens = tokenize()
        _store_tokens(stem, tokens)
    return tokens


def _load_tokens(stem: Path, *, n_texts: int):
    from .tokens import Tokens

    path = stem.with_name(stem.name + ".npz")
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            ids, offsets, n_tokens = z["ids"], z["offsets"], z["n_tokens"]
            blob = z["types"].tobytes().decode("utf-8")
            n_types = int(z["n_types"])
        types = blob.split("\n") if n_types else []
        if len(types) != n_types or len(offsets) != n_texts + 1 or len(n_tokens) != n_texts:
            return None
        if offsets[0] != 0 or not np.array_equal(np.diff(offsets), n_tokens):
            return None  # the default tokenizer keeps every word token
        if len(ids) != offsets[-1] or (
            len(ids) and not 0 <= int(ids.min()) <= int(ids.max()) < n_types
        ):
            return None
    except Exception:  # damaged or from elsewhere: tokenized again, never trusted
        return None
    try:
        os.utime(path)  # recently used
    except OSError:
        pass
    return Tokens(ids=ids, offsets=offsets, types=np.array(types, dtype=object), n_tokens=n_tokens)


def _store_tokens(stem: Path, tokens) -> None:
    """Write ``tokens`` as one ``.npz`` (atomically); keep the newest entries."""
    import threading

    types = list(tokens.types)
    blob = "\n".join(types)
    if blob.count("\n") != max(len(types) - 1, 0):
        return  # a type holding a newline (not a \\w token) could not be split back
    path = stem.with_name(stem.name + ".npz")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        stem.parent.mkdir(parents=True, exist_ok=True)
        with open_sliced(tmp) as fh:  # 256 KiB per write() (analysis._files)
            np.savez(
                fh,
                ids=tokens.ids,
                offsets=tokens.offsets,
                n_tokens=tokens.n_tokens,
                types=np.frombuffer(blob.encode("utf-8"), dtype=np.uint8),
                n_types=np.int64(len(types)),
            )
        os.replace(tmp, path)
    except Exception:
        _discard(tmp)
        return
    _prune_entries(stem.parent.parent, suffix=_TOKENS, record=".npz", parts=())
