"""Reading a corpus: files, manifests, metadata, dates, provenance.

:func:`read_corpus` is the one constructor. It returns a pandas DataFrame with one row
per document and these columns, in this order:

``doc_id, file, source, source_type, date, date_raw, year, title, language,
n_tokens, n_chars, chars_removed, duplicate_of, ...other metadata..., text, raw_text``

``text`` is the cleaned body (see :mod:`analysis.clean`), ``raw_text`` the decoded,
Unicode-normalised original. ``n_tokens`` is the number of word tokens of ``text``:
maximal runs of ``\\w`` (words, numbers, one-letter words), the one definition of
:mod:`analysis.tokens`, which every ``rate_per_1k`` divides by. ``date_raw`` keeps
the date string as found, so :func:`corpus_summary` can count the dates that could not
be parsed.
"""

from __future__ import annotations

import calendar
import csv
import io
import json
import os
import re
import sys
import warnings
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from . import _parallel
from ._memory import release_memory
from ._yaml import did_you_mean
from .clean import (
    Cleaned,
    Rule,
    _norm_title,
    _special_table,
    clean_text,
    load_rules,
    normalize_text,
)
from .duplicates import pairs_from_sketches, sketch_keys
from .errors import AnalysisError, InputWarning
from .tokens import _chunk_bounds, _fold_table, _resolve_jobs, _word_table, word_keys

__all__ = ["read_corpus", "corpus_files", "corpus_summary", "parse_date", "CORE_COLUMNS"]

ENGINES = ("pandas", "dask")


class _DedupeDefault:
    """The default of ``read_corpus(dedupe_threshold=)``: 0.8 in memory, no check with
    ``engine="dask"`` (an explicit value is then distinguished from it)."""

    def __repr__(self) -> str:
        return "0.8 (None with engine='dask')"

    def __reduce__(self) -> str:
        return "DEDUPE_DEFAULT"  # one instance, also after pickling


DEDUPE_DEFAULT = _DedupeDefault()

CORE_COLUMNS = (
    "doc_id", "file", "source", "source_type", "date", "date_raw", "year", "title",
    "language", "n_tokens", "n_chars", "chars_removed", "duplicate_of",
)  # fmt: skip
TABLE_SUFFIXES = {".csv", ".jsonl", ".ndjson", ".parquet", ".pq"}
PROGRESS_THRESHOLD = 500  # files; larger folders show a progress bar

# ----------------------------------------------------------------------------- dates

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTHS["sept"] = 9
_MON = r"(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DATE_PATTERNS = [
    re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"),  # 2020-09-04, 2010/05/09
    re.compile(_MON + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})"),  # May 09, 2010
    re.compile(
        r"(?P<d>\d{1,2})(?:st|nd|rd|th)?[\s-]+" + _MON + r",?[\s-]+(?P<y>\d{4})"
    ),  # 9 May 2025, 23-Jun-2022
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),  # 2010年5月9日
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"),  # 20100509
]
_TIME = re.compile(
    r"\b\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?(?:\s*(?:UTC|GMT|BJT|CST|EST|EDT|Z|[+-]\d{2}:?\d{2}))?"
)


def parse_date(value: object) -> pd.Timestamp | None:
    """Parse a date as written on real pages; None when it cannot.

    Accepted, with any surrounding label (``Published:``, ``Updated``), weekday or
    time of day: ISO dates and timestamps (``2020-09-04``, ``2020-09-04T10:15:00Z``),
    ``2010/05/09``, ``May 09, 2010``, ``10:15, May 09, 2010``, ``Sept. 26, 2011``,
    ``9 May 2025``, ``23-Jun-2022``, ``Published: Aug 25, 2022 09:24 PM``,
    ``2010年5月9日`` and ``20100509``. Numeric day/month orders other than
    year-month-day (``05/09/2010``) are ambiguous and are not guessed.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.normalize()
    s = str(value).strip()
    if not s:
        return None
    s = _TIME.sub(" ", s.replace("T", " ") if re.match(r"\d{4}-\d{2}-\d{2}T", s) else s)
    low = s.lower()
    for rx in _DATE_PATTERNS:
        m = rx.search(low)
        if not m:
            continue
        g = m.groupdict()
        month = _MONTHS[g["mon"].lower()] if g.get("mon") else int(g["m"])
        try:
            return pd.Timestamp(year=int(g["y"]), month=month, day=int(g["d"]))
        except ValueError:
            continue
    return None


# ----------------------------------------------------------------------------- files

# Every file the loader reads is opened by _open_file (whole, by _read_bytes; a block at a
# time, by analysis._stream), so corpus_files() can be checked against what read_corpus()
# actually opens.


def _open_file(path: Path, what: str = "") -> BinaryIO:
    """``path`` opened for reading bytes, or the one-line error that it cannot be."""
    try:
        return Path(path).open("rb")  # the caller closes it
    except OSError as exc:
        raise _unreadable(path, exc, what) from None


def _read_bytes(path: Path, what: str = "") -> bytes:
    with _open_file(path, what) as f:
        try:
            return f.read()
        except OSError as exc:
            raise _unreadable(path, exc, what) from None


def _unreadable(path: Path, exc: OSError, what: str = "") -> AnalysisError:
    """The one-line error for a file that cannot be read."""
    label = f"{what} " if what else ""
    if isinstance(exc, PermissionError):
        return AnalysisError(f"{path}: {label}cannot be read (permission denied); make it readable")
    if isinstance(exc, IsADirectoryError):
        return AnalysisError(f"{path}: {label}is a folder, not a file; name a file")
    return AnalysisError(
        f"{path}: {label}cannot be read ({exc.strerror or type(exc).__name__}); check the file"
    )


def _binary(path: Path) -> AnalysisError:
    return AnalysisError(f"{path}: looks like a binary file, not text; remove it from the corpus")


# C0 control characters other than the whitespace ones (\t \n \v \f \r)
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1f]")


#: Byte-order marks a ``.txt`` document may start with: the codec that reads it, its name.
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8"),
    (b"\xff\xfe", "utf-16", "UTF-16"),
    (b"\xfe\xff", "utf-16", "UTF-16"),
)
#: Encodings tried in turn for a document without a byte-order mark.
_FALLBACKS = (("utf-8", "UTF-8"), ("cp1252", "Windows-1252"), ("latin-1", "Latin-1"))


def _empty(path: Path) -> AnalysisError:
    return AnalysisError(
        f"{path}: file is empty (or only whitespace); remove it or restore its text"
    )


def _bad_bom(path: Path, name: str) -> AnalysisError:
    return AnalysisError(
        f"{path}: starts with a {name} byte-order mark but is not valid {name} "
        "(truncated or damaged); re-save it as UTF-8"
    )


def _not_utf8(path: Path, name: str) -> None:
    warnings.warn(
        f"{path}: not valid UTF-8; read as {name}. Check its accented characters, or re-save it as UTF-8",
        InputWarning,
        stacklevel=4,
    )


def _control_head(head: str) -> bool:
    """Whether the first 4,096 characters of a text hold too many control characters
    (more than 5 %) to be text."""
    return len(_CONTROL_RE.findall(head)) > 0.05 * len(head)


def _decode(path: Path, data: bytes) -> str:
    """Bytes of a ``.txt`` document -> text; any NUL character makes it binary."""
    if not data or data.isspace():  # as ``not data.strip()``, without a copy
        raise _empty(path)
    text = None
    for bom, enc, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                raise _bad_bom(path, name) from None
            break
    if text is None:
        if b"\x00" in data:
            raise _binary(path)
        for enc, name in _FALLBACKS:
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if enc != "utf-8":
                _not_utf8(path, name)
            break
    # a NUL anywhere (not only in the first few KiB) means binary data, not text
    if "\x00" in text:
        raise _binary(path)
    if _control_head(text[:4096]):
        raise _binary(path)
    if not text or text.isspace():
        raise _empty(path)
    return text


def _read_text_file(path: Path) -> str:
    return normalize_text(_decode(path, _read_bytes(path)))


def _template_regex(template: str) -> re.Pattern[str]:
    """``"{year}/{country}_{session}_{year}.txt"`` -> regex with named groups."""
    out, seen, pos = [], set(), 0
    for m in re.finditer(r"\{(\w+)\}", template):
        out.append(re.escape(template[pos : m.start()]))
        name = m.group(1)
        out.append(f"(?P={name})" if name in seen else f"(?P<{name}>[^/]+?)")
        seen.add(name)
        pos = m.end()
    out.append(re.escape(template[pos:]))
    if not seen:
        raise AnalysisError(
            f"pattern {template!r} has no {{field}}; write e.g. '{{year}}/{{country}}_{{session}}_{{year}}.txt'"
        )
    return re.compile("".join(out) + r"\Z")


# ----------------------------------------------------------------------------- discovery


def _glob_regex(glob: str) -> re.Pattern[str]:
    """A ``Path.glob`` pattern -> regex over a relative POSIX path.

    ``**`` is any number of folders (also none), ``*`` and ``?`` stay within one
    name, ``[...]`` is a character class. No ``..`` and no absolute patterns: a
    glob selects files inside the corpus folder only.
    """
    parts = glob.split("/")
    if not glob or glob.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise AnalysisError(
            f"glob {glob!r}: not a pattern inside the corpus folder; give one relative to it, e.g. '**/*.txt'"
        )
    out = []
    for i, seg in enumerate(parts):
        last = i == len(parts) - 1
        if seg == "**":
            out.append(".*" if last else "(?:[^/]*/)*")
            continue
        rx, j = [], 0
        while j < len(seg):
            ch = seg[j]
            if ch == "*":
                rx.append("[^/]*")
            elif ch == "?":
                rx.append("[^/]")
            elif ch == "[" and (k := seg.find("]", j + 2)) != -1:
                body = seg[j + 1 : k]
                neg = body.startswith("!")
                body = re.sub(r"([\\\[\]^])", r"\\\1", body[1:] if neg else body)
                rx.append("[" + ("^" if neg else "") + body + "]")
                j = k
            else:
                rx.append(re.escape(ch))
            j += 1
        out.append("".join(rx) + ("" if last else "/"))
    try:
        return re.compile("".join(out) + r"\Z", re.DOTALL)
    except re.error:
        raise AnalysisError(
            f"glob {glob!r}: not a valid file pattern; write e.g. '**/*.txt'"
        ) from None


def _resolve_inside(root: Path, p: Path, where: str, shown: str) -> Path:
    """``p`` with symlinks resolved; an error naming ``where`` unless it lies in ``root``."""
    try:
        real = p.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python 3.11)
        raise AnalysisError(
            f"{where}: {shown} is a symbolic link that cannot be resolved (a loop?); remove it"
        ) from None
    if real != root and not real.is_relative_to(root):
        raise AnalysisError(
            f"{where}: {shown} lies outside the corpus folder {root}; copy it into the corpus"
        )
    return real


def _walk(root: Path) -> list[tuple[str, Path, bool]]:
    """Every non-hidden file under ``root``: ``(relative POSIX path, path, is a link)``.

    An explicit stack instead of recursion, so any depth of folders is read (no
    RecursionError). Hidden names (``.git``, ``.ipynb_checkpoints``) are skipped, and
    symbolic links to folders are not followed: their files are read where they
    really are, when that is inside the corpus, and nothing outside is ever listed.
    So every folder on a listed file's path is a real folder under ``root``, and a file
    that is not itself a link is ``root.resolve() / relative path``.
    """
    found: list[tuple[str, Path, bool]] = []
    stack: list[tuple[Path, str]] = [(root, "")]
    while stack:
        folder, rel = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except PermissionError:
            raise AnalysisError(
                f"{folder}: folder cannot be read (permission denied); make it readable"
            ) from None
        except OSError as exc:
            raise AnalysisError(
                f"{folder}: folder cannot be read ({exc.strerror or type(exc).__name__}); check it"
            ) from None
        for e in entries:
            if e.name.startswith("."):
                continue
            try:
                if e.is_dir(follow_symlinks=False):
                    stack.append((Path(e.path), f"{rel}{e.name}/"))
                elif e.is_file():  # a regular file, or a link to one (checked later)
                    found.append((f"{rel}{e.name}", Path(e.path), e.is_symlink()))
            except OSError:
                continue  # vanished, or a broken link: not a document
    found.sort(key=lambda item: item[0].split("/"))
    return found


class _Plan:
    """What :func:`read_corpus` reads for given options (see :func:`corpus_files`)."""

    def __init__(self, kind: str, path: Path) -> None:
        self.kind = kind  # "table" or "folder"
        self.path = path
        self.manifest: Path | None = None
        self.meta: pd.DataFrame | None = None  # folder layouts: one row per document
        self.docs: list[Path] = []  # resolved document paths, in row order


def _plan(path: Path, *, pattern: str | None, manifest: str, glob: str) -> _Plan:
    if not path.exists():
        raise AnalysisError(f"{path}: no such file or folder; check the corpus path")
    if path.is_file():
        if path.suffix.lower() not in TABLE_SUFFIXES:
            raise AnalysisError(
                f"{path}: unsupported corpus file; use a folder of .txt files or a .csv, .jsonl or .parquet file"
            )
        if pattern:
            raise AnalysisError(
                f"pattern {pattern!r}: a file-name pattern applies to a folder of .txt files, "
                f"not to the table {path.name}; drop it"
            )
        plan = _Plan("table", path)
        return plan
    plan = _Plan("folder", path)
    root = path.resolve()
    rx = _glob_regex(glob)
    manifest_path = path / manifest
    manifest_real = None
    if manifest_path.is_file():
        manifest_real = _resolve_inside(root, manifest_path, str(manifest_path), "the manifest")
    files: list[tuple[str, Path]] = []
    for rel, p, link in _walk(path):
        if not rx.match(rel):
            continue
        if not link:  # inside by construction (_walk): no resolve() per file (0.4 s per 10,000)
            real = root / rel
        elif manifest_real is None:
            real = _resolve_inside(root, p, str(p), "this link")
        else:  # the manifest's rows are checked first; _read_manifest checks these after
            try:
                real = p.resolve()
            except (OSError, RuntimeError):
                real = _resolve_inside(root, p, str(p), "this link")  # raises: a loop
        if real != manifest_real:
            files.append((rel, real))
    if not files:
        raise AnalysisError(
            f"{path}: folder has no {glob.rsplit('/', 1)[-1]} files; point the corpus path at a folder of text files or at a CSV/JSONL/Parquet file"
        )
    if manifest_real is not None:
        meta, plan.docs = _read_manifest(manifest_path, manifest_real, path, root, files)
        plan.manifest = manifest_real
    else:
        rel = [r for r, _ in files]
        plan.docs = [p for _, p in files]
        # doc_id: the file stem when a pattern carries the metadata and stems are
        # unique; otherwise the relative path without its suffix
        stems = [Path(r).stem for r in rel]
        unique_stems = bool(pattern) and len(set(stems)) == len(stems)
        ids = stems if unique_stems else [Path(r).with_suffix("").as_posix() for r in rel]
        meta = pd.DataFrame({"doc_id": ids, "file": rel})
        if pattern:
            prx = _template_regex(pattern)
            fields: list[dict[str, str]] = []
            for r in rel:
                m = prx.match(r)
                if not m:
                    raise AnalysisError(
                        f"{path / r}: file name does not fit pattern {pattern!r}; rename it, move it out, or fix the pattern"
                    )
                fields.append(m.groupdict())
            meta = pd.concat([meta, pd.DataFrame(fields, dtype=str)], axis=1)
            _check_rows(meta, [str(path / r) for r in rel])
    plan.meta = meta
    return plan


def corpus_files(
    path: str | Path,
    *,
    pattern: str | None = None,
    manifest: str = "metadata.csv",
    glob: str = "**/*.txt",
) -> list[Path]:
    """The files :func:`read_corpus` reads with these options, for provenance.

    Parameters
    ----------
    path, pattern, manifest, glob
        As for :func:`read_corpus`.

    Returns
    -------
    list of Path
        Absolute paths with symbolic links resolved, each inside the corpus folder:
        the manifest first (when the folder has one), then the documents in the order
        they are read. For a CSV, JSONL or Parquet corpus, the file itself.

    Raises
    ------
    AnalysisError
        As :func:`read_corpus` does for a missing path, an empty folder, a manifest
        row naming a missing file or one outside the corpus folder, and so on.
        Documents are not opened, so an empty or binary document is not detected here.
    """
    plan = _plan(Path(path).expanduser(), pattern=pattern, manifest=manifest, glob=glob)
    if plan.kind == "table":
        return [plan.path.resolve()]
    return ([plan.manifest] if plan.manifest is not None else []) + list(plan.docs)


# ----------------------------------------------------------------------------- checks


def _is_null(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and bool(np.isnan(value))


_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")


def _describe(value: object) -> str:
    """What a non-string cell is, for a message: ``a number (42)``."""
    shown = repr(value.tolist() if isinstance(value, np.ndarray) else value)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    if isinstance(value, bool | np.bool_):
        return f"a true/false value ({shown})"
    if isinstance(value, int | float | np.number):
        return f"a number ({shown})"
    if isinstance(value, list | tuple | np.ndarray):
        return f"a list ({shown})"
    if isinstance(value, dict):
        return f"an object ({shown})"
    if isinstance(value, bytes):
        return f"bytes ({shown})"
    return f"a {type(value).__name__} ({shown})"


def _whole_year(value: object) -> int | None:
    """A year cell -> int; None when empty; ValueError when it is not a whole number."""
    if _is_null(value):
        return None
    if isinstance(value, bool | np.bool_):
        raise ValueError
    if isinstance(value, int | np.integer):
        year = int(value)
    elif isinstance(value, float | np.floating):
        if not float(value).is_integer():
            raise ValueError
        year = int(value)
    else:
        s = str(value).strip()
        if not s:
            return None
        if not re.fullmatch(r"[+-]?\d{1,4}(?:\.0*)?", s):
            raise ValueError
        year = int(float(s))
    if not -9999 <= year <= 9999:
        raise ValueError
    return year


def _check_rows(meta: pd.DataFrame, where: Sequence[str], refs: Sequence[str] | None = None):
    """The row checks every layout shares (manifest rows, table rows, file names).

    ``where[i]`` names row ``i`` in a message (``"metadata.csv, line 3"``), ``refs[i]``
    is how another row's message refers back to it (``"line 3"``). Checked: a null or
    empty doc_id, a repeated doc_id, NUL characters or invalid Unicode in a cell, an
    unparseable date, a year that is not a whole number, and a year that disagrees
    with the date.
    """
    refs = where if refs is None else refs
    seen: dict[str, int] = {}
    for i, v in enumerate(meta["doc_id"]):
        doc_id = "" if _is_null(v) else str(v)
        if not doc_id.strip():
            raise AnalysisError(f"{where[i]}: empty doc_id; give every row a unique doc_id")
        if doc_id in seen:
            raise AnalysisError(
                f"{where[i]}: doc_id {doc_id!r} repeats {refs[seen[doc_id]]}; doc_ids must be unique"
            )
        seen[doc_id] = i
    for col in meta.columns:
        if meta[col].dtype != object:
            continue
        for i, v in enumerate(meta[col]):
            if isinstance(v, str) and _BAD_CHARS.search(v):
                raise AnalysisError(
                    f"{where[i]}: column {col!r} contains a NUL character or invalid Unicode; "
                    "the file looks damaged, re-export it"
                )
    dates: list[pd.Timestamp | None] = [None] * len(meta)
    if "date" in meta.columns:
        for i, v in enumerate(meta["date"]):
            raw = "" if _is_null(v) else str(v)
            if raw.strip():
                dates[i] = parse_date(raw)
                if dates[i] is None:
                    raise AnalysisError(
                        f"{where[i]}: cannot parse date {raw!r}; write it as YYYY-MM-DD, or leave it empty and fill 'year'"
                    )
    if "year" in meta.columns:
        for i, v in enumerate(meta["year"]):
            try:
                year = _whole_year(v)
            except ValueError:
                raise AnalysisError(
                    f"{where[i]}: year {v!r} is not a year; write a whole number such as 2020, or leave it empty"
                ) from None
            if year is not None and dates[i] is not None and dates[i].year != year:
                raise AnalysisError(
                    f"{where[i]} ({meta['doc_id'].iloc[i]}): year {year} disagrees with date {dates[i].date()}; fix one of them"
                )


# ----------------------------------------------------------------------------- CSV


def _read_csv(path: Path, data: bytes, what: str) -> pd.DataFrame:
    """A CSV file's bytes -> all-string DataFrame; every problem is one line naming it.

    Read with the :mod:`csv` module rather than pandas, so a repeated header is an
    error (pandas renames it ``source.1``), a row with more or fewer fields than the
    header is an error (pandas would shift it into an index or pad it), and an empty
    file says so.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AnalysisError(f"{path}: {what} is not UTF-8 text; re-save it as UTF-8 CSV") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[str]] = []
    limit = csv.field_size_limit(2**31 - 1)  # a document may be longer than 128 KiB
    try:
        header = next((r for r in reader if r), None)
        if header is None:
            raise AnalysisError(
                f"{path}: {what} is empty (no header row); write a header line of column names"
            )
        header = [h.strip() for h in header]
        for name in header:
            if name and header.count(name) > 1:
                raise AnalysisError(
                    f"{path}: column {name!r} appears twice in the header; rename or remove one of them"
                )
        for row in reader:
            if not row:
                continue  # blank line
            if len(row) != len(header):
                raise AnalysisError(
                    f"{path}, line {reader.line_num}: {len(row)} fields but the header has {len(header)}; "
                    "quote values that contain commas"
                )
            rows.append(row)
    except csv.Error as exc:
        raise AnalysisError(
            f"{path}, line {reader.line_num}: cannot read it as CSV ({exc}); fix the file"
        ) from None
    finally:
        csv.field_size_limit(limit)
    # a nameless column (a trailing comma, as spreadsheets write) is dropped when empty
    keep = []
    for j, name in enumerate(header):
        if not name:
            if any(r[j].strip() for r in rows):
                raise AnalysisError(
                    f"{path}: column {j + 1} has values but no name in the header; name it"
                )
            continue
        keep.append(j)
    header = [header[j] for j in keep]
    rows = [[r[j] for j in keep] for r in rows]
    return pd.DataFrame(rows, columns=header, dtype=object)


# ----------------------------------------------------------------------------- manifest


def _read_manifest(
    manifest: Path, real: Path, folder: Path, root: Path, files: list[tuple[str, Path]]
) -> tuple[pd.DataFrame, list[Path]]:
    meta = _read_csv(manifest, _read_bytes(real, "manifest"), "manifest")
    if "file" not in meta.columns:
        raise AnalysisError(f"{manifest}: needs a 'file' column naming each text file; add it")
    if "doc_id" not in meta.columns:
        meta.insert(0, "doc_id", [Path(f).stem for f in meta["file"]])
    lines = [i + 2 for i in range(len(meta))]  # header is line 1
    where = [f"{manifest}, line {n}" for n in lines]
    _check_rows(meta, where, [f"line {n}" for n in lines])
    docs: list[Path] = []
    for name, w in zip(meta["file"], where, strict=True):
        real_doc = _resolve_inside(root, folder / name, w, f"file {name!r}")
        if not real_doc.is_file():
            raise AnalysisError(
                f"{w}: file {name!r} not found in {folder}; fix the row or add the file"
            )
        docs.append(real_doc)
    listed = set(docs)
    for rel, real_doc in files:
        _resolve_inside(root, folder / rel, str(folder / rel), "this link")
        if real_doc not in listed:
            raise AnalysisError(
                f"{folder / rel}: not listed in {manifest.name}; add a row for it or move the file out of the folder"
            )
    return meta, docs


# ----------------------------------------------------------------------------- reader


def read_corpus(
    path: str | Path,
    *,
    pattern: str | None = None,
    columns: Mapping[str, str] | None = None,
    text_column: str | None = None,
    manifest: str = "metadata.csv",
    glob: str = "**/*.txt",
    clean: bool = True,
    rules: str | Path | Sequence[str | Path | Rule] | None = None,
    infer_title: bool = False,
    dedupe_threshold: float | None | _DedupeDefault = DEDUPE_DEFAULT,
    progress: bool | None = None,
    n_jobs: int | None = None,
    engine: str = "pandas",
    partition_size: int | str = "32MB",
    client: Any = None,
) -> pd.DataFrame | Any:
    """Read a corpus into a DataFrame with one row per document.

    Three layouts are read:

    * a folder of ``.txt`` files with a ``metadata.csv`` manifest (one row per file;
      columns ``file`` and optionally ``doc_id, source, source_type, date, year, title,
      language`` and any others, which are kept);
    * a folder tree whose file names carry metadata through ``pattern``, a template of
      the path relative to ``path`` such as ``"{year}/{country}_{session}_{year}.txt"``
      (a field may repeat; its values must agree). Without a manifest or pattern each
      ``.txt`` file is a document named after its stem;
    * a CSV, JSONL or Parquet file, one row per document; ``columns`` renames columns,
      e.g. ``{"published": "date", "headline": "title", "body": "text"}``.

    Only files inside the corpus folder are read: a manifest row, or a symbolic link,
    that leads outside it is an error. Hidden files and folders are skipped, and links
    to folders are not followed. :func:`corpus_files` lists the files read.

    Manifest rows and table rows get the same checks: a unique, non-empty ``doc_id``;
    a ``date`` that :func:`parse_date` reads; a ``year`` that is a whole number and
    agrees with the date; no NUL characters. A table's ``text`` must be a non-empty
    string, and a ``.txt`` file with a NUL byte anywhere is taken for a binary file.

    Parameters
    ----------
    path : str or Path
    pattern : str, optional
        File-name template (folder layout only).
    columns : mapping, optional
        Column renames (table layout only) applied before anything else. Each source
        must exist, two sources may not share a target, and a target may not be a
        column the file already has unless that column is mapped away too
        (``{"body": "text", "text": "old_text"}``).
    text_column : str, optional
        The column holding the texts (table layout only): shorthand for
        ``columns={text_column: "text"}``, merged into ``columns`` and checked the same
        way. ``"text"`` (or None) changes nothing.
    manifest : str, default "metadata.csv"
        Manifest file name inside the folder.
    glob : str, default "**/*.txt"
        Which files of a folder are documents (relative to the folder).
    clean : bool, default True
        Remove page furniture with ``rules`` (see :mod:`analysis.clean`).
    rules : optional
        Cleaning rules, as accepted by :func:`analysis.clean.load_rules`.
    infer_title : bool, default False
        Take a short first line as the headline when no title is given.
    dedupe_threshold : float or None, default 0.8 (None with ``engine="dask"``)
        Flag near-duplicates at or above this estimated Jaccard resemblance of word
        5-gram shingles (column ``duplicate_of``); None skips the check. With
        ``engine="dask"`` the check compares every document with every other, so it
        runs only when a threshold is given explicitly (see
        :func:`analysis.distributed.corpus.read_corpus` for what it costs).
    progress : bool or None
        Show a progress bar; None shows one for folders of 500 files or more
        (``engine="pandas"`` only).
    n_jobs : int, optional
        Processes that read, clean and tokenize the documents (forked, Linux only; -1:
        all cores). Default: all cores (``$ANALYSIS_CPUS`` when set) for corpora of
        more than 20 million characters, one otherwise. The result does not depend on it (``engine="pandas"`` only).
    engine : {"pandas", "dask"}, default "pandas"
        ``"pandas"`` reads the corpus into memory now. ``"dask"`` returns a lazy Dask
        DataFrame whose partitions are runs of about ``partition_size`` of input files,
        each read and cleaned by a Dask worker with this function's own code; its
        ``compute()`` equals the ``"pandas"`` result with the same options (columns,
        dtypes, values, index ``0..n-1``). Needs Dask (``pip install -e '.[dask]'``).
    partition_size : int or str, default "32MB"
        ``engine="dask"`` only: bytes of input files per partition, as an int or a size
        such as ``"64MB"``, ``"512kB"`` or ``"1GiB"`` (for a table: characters of text).
    client : distributed.Client, optional
        ``engine="dask"`` only: the cluster that computes the near-duplicate sketches
        when ``dedupe_threshold`` is given (default: Dask's default client, else its
        local scheduler). The returned frame computes wherever it is computed
        (``client.compute(ddf)``, or ``ddf.compute()`` on the default client).

    Returns
    -------
    DataFrame
        See the module docstring for the columns. ``n_tokens`` is the document's word
        tokens (maximal runs of ``\\w``; :mod:`analysis.tokens`). ``attrs["clean_rules"]``
        holds the rules used, for :func:`analysis.clean_audit`; it stays for one release
        only, so pass the same ``rules=`` to ``clean_audit`` explicitly. With
        ``engine="dask"``, a ``dask.dataframe.DataFrame`` (see
        :func:`analysis.distributed.corpus.read_corpus`).

    Raises
    ------
    AnalysisError
        With a one-line message naming the file, manifest line or table row: a missing
        path, an empty folder, an unreadable file, an empty, whitespace-only or binary
        file, a damaged UTF-16/UTF-8 file, a manifest row without its file or naming a
        file outside the corpus, a file without a row, an empty or repeated doc_id, an
        unparseable date, a year that is not a number or disagrees with the date, a
        repeated CSV header, a non-string text, a bad ``columns`` mapping, an unknown
        ``engine``. With ``engine="dask"`` the same checks run at the call, before any
        task; a document that cannot be read or that cleaning empties raises its
        one-line error when the frame is computed.
    """
    if engine not in ENGINES:
        raise AnalysisError(
            f"engine={engine!r}{did_you_mean(engine, ENGINES)}: give 'pandas' (in memory) or 'dask' (partitioned)"
        )
    if engine == "dask":
        from .distributed.corpus import read_corpus as read_partitioned

        return read_partitioned(
            path, pattern=pattern, columns=columns, text_column=text_column,
            manifest=manifest, glob=glob, clean=clean, rules=rules,
            infer_title=infer_title, dedupe_threshold=dedupe_threshold,
            progress=progress, n_jobs=n_jobs, partition_size=partition_size, client=client,
        )  # fmt: skip
    if client is not None:
        raise AnalysisError(
            "client= is for engine='dask'; pass engine='dask' to read the corpus on the cluster, or drop client"
        )
    if dedupe_threshold is DEDUPE_DEFAULT:
        dedupe_threshold = 0.8
    meta, source = _documents(path, pattern=pattern, columns=columns, text_column=text_column,
                              manifest=manifest, glob=glob)  # fmt: skip
    try:
        return _assemble(
            meta,
            source,
            clean=clean,
            rules=rules,
            infer_title=infer_title,
            dedupe_threshold=dedupe_threshold,
            progress=progress,
            n_jobs=n_jobs,
        )
    finally:  # the files' bytes and the cleaning's temporaries (no wrapper: warnings keep their frame)
        release_memory()


def _documents(
    path: str | Path,
    *,
    pattern: str | None,
    columns: Mapping[str, str] | None,
    text_column: str | None,
    manifest: str,
    glob: str,
) -> tuple[pd.DataFrame, list[Path] | list[str]]:
    """Every check :func:`read_corpus` makes before reading a document, and what it
    then reads: the metadata (one row per document) and the document paths (a folder)
    or the texts (a table, read here)."""
    path = Path(path).expanduser()
    columns = _with_text_column(columns, text_column)
    plan = _plan(path, pattern=pattern, manifest=manifest, glob=glob)
    if plan.kind == "table":
        meta, texts = _read_table(path, columns or {})
        return meta, texts
    if columns:
        raise AnalysisError(
            f"columns: a column mapping applies to a CSV/JSONL/Parquet corpus, not to the folder {path}; "
            f"name the columns in its {manifest} instead"
        )
    return plan.meta, plan.docs


def _with_text_column(
    columns: Mapping[str, str] | None, text_column: str | None
) -> Mapping[str, str] | None:
    """``columns`` plus ``{text_column: "text"}`` (``_rename`` checks the result)."""
    if text_column is None or text_column == "text":
        return columns
    if not isinstance(text_column, str) or not text_column:
        raise AnalysisError(f"text_column={text_column!r} must be a column name (a string)")
    if columns is None:
        return {text_column: "text"}
    if not isinstance(columns, Mapping):
        return columns  # _rename reports it
    if columns.get(text_column, "text") != "text":
        raise AnalysisError(
            f"text_column={text_column!r} but columns maps it to {columns[text_column]!r}; give one of them"
        )
    return {**columns, text_column: "text"}


def _rename(df: pd.DataFrame, columns: Mapping[str, str], path: Path) -> pd.DataFrame:
    """Apply a ``columns`` mapping after checking it cannot merge or clobber columns."""
    if not isinstance(columns, Mapping):
        raise AnalysisError(
            f"columns: give a mapping of old to new names such as {{'body': 'text'}}, not {type(columns).__name__}"
        )
    have = [str(c) for c in df.columns]
    for src, dst in columns.items():
        if not isinstance(dst, str) or not dst:
            raise AnalysisError(f"columns: {src!r} -> {dst!r}; map each column to a name")
        if src not in have:
            raise AnalysisError(
                f"columns: {path.name} has no column {src!r}{did_you_mean(src, have)}; its columns are {', '.join(have)}"
            )
    moved = {src: dst for src, dst in columns.items() if src != dst}
    target_of: dict[str, str] = {}
    for src, dst in moved.items():
        if dst in target_of:
            raise AnalysisError(
                f"columns: {target_of[dst]!r} and {src!r} are both mapped to {dst!r}; map only one of them to {dst!r}"
            )
        target_of[dst] = src
    for dst, src in target_of.items():
        if dst in have and dst not in moved:
            raise AnalysisError(
                f"columns: {src!r} -> {dst!r} but {path.name} already has a {dst!r} column; "
                f"drop the mapping to use it, or map it away (columns={{{src!r}: {dst!r}, {dst!r}: 'old_{dst}'}})"
            )
    return df.rename(columns=dict(moved))


def _read_jsonl(path: Path, data: bytes) -> tuple[pd.DataFrame, list[int]]:
    """JSON Lines -> DataFrame and the line number of each row; one object per line."""

    def no_repeats(pairs):
        obj = dict(pairs)
        if len(obj) < len(pairs):
            keys = [k for k, _ in pairs]
            k = next(k for i, k in enumerate(keys) if k in keys[:i])
            raise AnalysisError(
                f"key {k!r} appears twice in one object; rename or remove one of them"
            )
        return obj

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AnalysisError(f"{path}: is not UTF-8 text; re-save it as UTF-8 JSON Lines") from None
    records, lines = [], []
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line, object_pairs_hook=no_repeats)
        except AnalysisError as exc:
            raise AnalysisError(f"{path}, line {n}: {exc}") from None
        except (ValueError, RecursionError) as exc:
            msg = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
            raise AnalysisError(
                f"{path}, line {n}: cannot read it as JSONL ({msg}); write one JSON object per line"
            ) from None
        if not isinstance(obj, dict):
            raise AnalysisError(
                f"{path}, line {n}: cannot read it as JSONL (found {_describe(obj)}); write one JSON object per line"
            )
        records.append(obj)
        lines.append(n)
    return pd.DataFrame.from_records(records) if records else pd.DataFrame(), lines


def _read_table(path: Path, columns: Mapping[str, str]) -> tuple[pd.DataFrame, list[str]]:
    suffix = path.suffix.lower()
    data = _read_bytes(path)
    if suffix == ".csv":
        df = _read_csv(path, data, "table")
        rows = [i + 2 for i in range(len(df))]  # header is row 1
    elif suffix in {".jsonl", ".ndjson"}:
        df, rows = _read_jsonl(path, data)
    else:
        try:
            df = pd.read_parquet(io.BytesIO(data))
        except Exception as exc:  # pyarrow raises many types for a damaged file
            msg = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
            raise AnalysisError(
                f"{path}: cannot read it as PARQUET ({msg}); check the file"
            ) from None
        rows = [i + 1 for i in range(len(df))]
    df = _rename(df, columns, path)
    if "text" not in df.columns:
        raise AnalysisError(
            f"{path}: no 'text' column (columns: {', '.join(map(str, df.columns))}); map one with columns={{'<name>': 'text'}} or --text-column"
        )
    if df.empty:
        raise AnalysisError(f"{path}: has no rows; add documents to it")
    df = df.reset_index(drop=True)
    where = [f"{path}, row {n}" for n in rows]
    texts = []
    for i, t in enumerate(df["text"]):
        if _is_null(t) or (isinstance(t, str) and not t.strip()):
            raise AnalysisError(f"{where[i]}: empty text; remove the row or fill its text")
        if not isinstance(t, str):
            raise AnalysisError(
                f"{where[i]}: text is {_describe(t)}, not a string; put the document's text in "
                "the 'text' column, or map the right column with columns={'<name>': 'text'}"
            )
        if _BAD_CHARS.search(t):
            raise AnalysisError(
                f"{where[i]}: text contains a NUL character or invalid Unicode; the file looks damaged, re-export it"
            )
        texts.append(normalize_text(t))
    if "doc_id" not in df.columns:
        df.insert(0, "doc_id", [f"{path.stem}-{i + 1}" for i in range(len(df))])
    _check_rows(df.drop(columns="text"), where, [f"row {n}" for n in rows])
    df["doc_id"] = [str(v) for v in df["doc_id"]]
    if "file" not in df.columns:
        df["file"] = path.name
    meta = df.drop(columns="text")
    for c in meta.columns:
        if c != "year" and meta[c].dtype == object:
            meta[c] = ["" if _is_null(v) else str(v) for v in meta[c]]
    return meta, texts


# ----------------------------------------------------------------------------- loading

#: Characters per chunk of documents handed to a worker (bounds what is in flight).
_CHUNK_CHARS = 4_000_000


@dataclass
class _Loaded:
    """One chunk of documents read, cleaned, counted and sketched (see :func:`_load_chunk`)."""

    raw: list | None  # pyarrow arrays of the decoded, normalised texts (None: the caller has them)
    texts: list  # pyarrow arrays of the cleaned texts
    titles: list[str]
    removed: list[int]
    n_tokens: np.ndarray
    n_chars: np.ndarray
    sketches: list[np.ndarray] | None
    empty: int | None  # offset of the first text that cleaning left empty
    warnings: list[tuple[str, type[Warning]]]
    removals: list[tuple] | None = None  # (offset, rule, line, chars, text), when kept


#: Where :func:`_assemble` puts the rows of the cleaning audit of the corpus it reads
#: (``[(doc_id, rule, line, chars, text), ...]``, what :func:`analysis.clean_audit` gives
#: for it, made from the loader's own cleaning: :func:`_audited`), when a caller sets a
#: list here: the corpus cache stores them with its entry
#: (:func:`analysis.cache._cached_corpus`). Unset (the default), nothing is kept.
AUDIT_ROWS: ContextVar[list | None] = ContextVar("analysis_audit_rows", default=None)


def _load_chunk(bounds: tuple[int, int]) -> _Loaded:
    """Documents ``lo:hi`` of the current load: read (files), clean, count, sketch.

    Runs in a worker process or in-process (:func:`analysis._parallel.fork_map`); the
    inputs come from :data:`analysis._parallel.STATE`. Texts go back as Arrow arrays
    (UTF-8, what the DataFrame stores), never as Python strings. Warnings are recorded
    and handed back, so the caller issues them whichever process read the file. A long
    file (``job["long"]``) is a chunk of its own, read, cleaned and counted a block at a
    time (:func:`_load_long`).
    """
    lo, hi = bounds
    job = _parallel.STATE
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = _load_long(lo, job) if lo in job["long"] else _load_texts(lo, hi, job)
    loaded.warnings = [(str(w.message), w.category) for w in caught]
    return loaded


def _load_texts(lo: int, hi: int, job: Mapping) -> _Loaded:
    """Documents ``lo:hi``, each read (a file) and held as one string."""
    import pyarrow as pa

    files = job["files"]
    raw = [_read_text_file(p) for p in files[lo:hi]] if files is not None else None
    texts, titles, removed = [], [], []
    kept: list[tuple] | None = [] if job["audit"] else None
    for rt, t in zip(raw or job["raw"][lo:hi], job["titles"][lo:hi], strict=True):
        c = clean_text(rt, rules=job["rules"], title=t, infer_title=job["infer_title"])
        if kept is not None:
            audited = _audited(c, rt, t, job).removals
            kept.extend((len(texts), r.rule, r.line, r.chars, r.text) for r in audited)
        texts.append(c.text)
        titles.append(c.title or "")
        removed.append(c.chars_removed)
    keys, n_tokens = word_keys(texts)  # one scan gives n_tokens and the duplicate sketches
    return _Loaded(
        raw=None if raw is None else [pa.array(raw, type=pa.large_string())],
        texts=[pa.array(texts, type=pa.large_string())],
        titles=titles,
        removed=removed,
        n_tokens=n_tokens,
        n_chars=np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)),
        sketches=sketch_keys(keys, n_tokens, n=5, k=128) if job["sketch"] else None,
        empty=next((i for i, t in enumerate(texts) if not t or t.isspace()), None),
        warnings=[],
        removals=kept,
    )


def _load_long(i: int, job: Mapping) -> _Loaded:
    """Document ``i``, a file of more than :data:`analysis._stream.LONG_BYTES`, a block at
    a time (:mod:`analysis._stream`): it is never held as one string."""
    from ._stream import arrow_string, cleaned, normalized

    path, given = job["files"][i], job["titles"][i]
    raw, n_raw = normalized(path)
    got = cleaned(
        raw,
        n_raw,
        rules=job["rules"],
        title=given,
        infer_title=job["infer_title"],
        sketch=(5, 128) if job["sketch"] else None,
    )
    kept = None
    if job["audit"]:
        again = _audit_title(got.title, given, job)
        removals = got.removals
        if again is not None:
            removals = cleaned(
                raw, n_raw, rules=job["rules"], title=again, infer_title=False, keep_text=False
            ).removals
        kept = [(0, r.rule, r.line, r.chars, r.text) for r in removals]
    return _Loaded(
        raw=[arrow_string(raw)],
        texts=[got.text],
        titles=[got.title or ""],
        removed=[got.chars_removed],
        n_tokens=np.array([got.n_tokens], dtype=np.int64),
        n_chars=np.array([got.n_chars], dtype=np.int64),
        sketches=[got.sketch] if job["sketch"] else None,
        empty=0 if got.n_chars == 0 else None,
        warnings=[],
        removals=kept,
    )


def _audited(c: Cleaned, raw: str, title: str | None, job: Mapping) -> Cleaned:
    """The cleaning of ``raw`` as :func:`analysis.clean_audit` makes it, given the
    loader's ``c``: the audit cleans again with the title the loader found (the
    ``title`` column) and infers none, which removes the same lines, except where the
    loader inferred a title that has no word character (``"* * *"``): that line is no
    headline for a given title (:func:`analysis.clean._is_headline`), so such a text is
    cleaned again the audit's way (:func:`_audit_title`)."""
    again = _audit_title(c.title, title, job)
    return c if again is None else clean_text(raw, rules=job["rules"], title=again)


def _audit_title(found: str | None, given: str | None, job: Mapping) -> str | None:
    """The title a text must be cleaned again with for its audit (see :func:`_audited`):
    one the loader inferred that has no word character; else None."""
    if given is None and job["infer_title"] and found is not None and not _norm_title(found):
        return found
    return None


def _str_column(values: list[str] | list) -> pd.Series:
    """A string column from Python strings or from pyarrow arrays (chunks), with the
    dtype pandas infers for a list of strings (Arrow-backed ``str`` since pandas 3);
    chunks become the column without a copy."""
    import pyarrow as pa

    dtype = pd.Series(["x"]).dtype
    if values and isinstance(values[0], pa.Array):
        chunked = pa.chunked_array(values, type=pa.large_string())
        if getattr(dtype, "storage", None) == "pyarrow":
            return pd.Series(chunked, dtype=dtype)
        return pd.Series(chunked.to_pylist(), dtype=dtype)
    if getattr(dtype, "storage", None) == "pyarrow":  # ~15x faster than pandas' conversion
        return pd.Series(pa.array(values, type=pa.large_string()), dtype=dtype)
    return pd.Series(values, dtype=dtype)


def _sizes(source: Sequence[Path] | Sequence[str], files: bool) -> np.ndarray:
    if not files:
        return np.fromiter((len(t) for t in source), dtype=np.int64, count=len(source))
    out = np.empty(len(source), dtype=np.int64)
    for i, p in enumerate(source):
        try:
            out[i] = p.stat().st_size
        except OSError:
            out[i] = 0  # reading it will say what is wrong
    return out


def _assemble(
    meta: pd.DataFrame,
    source: Sequence[Path] | Sequence[str],
    *,
    clean,
    rules,
    infer_title,
    dedupe_threshold,
    progress=None,
    n_jobs=None,
) -> pd.DataFrame:
    """Read (``source`` as paths), clean and tokenize the documents, then build the table.

    Chunks of about ``_CHUNK_CHARS`` characters go through :func:`_load_chunk`, in
    forked processes for large corpora. Everything a chunk returns depends on its own
    documents only (counts, a sketch per text from the words' characters, the texts),
    so the result equals a one-process run whatever the number of processes. The
    caller never holds the texts as Python strings: they stay Arrow arrays, about half
    the memory.
    """
    meta = meta.reset_index(drop=True).copy()
    n = len(meta)
    ruleset = load_rules(rules) if clean else ()
    audit_rows = AUDIT_ROWS.get() if clean else None  # the cleaning audit, when asked for
    titles_in = meta["title"] if "title" in meta.columns else pd.Series([""] * n)
    given = [str(t).strip() if isinstance(t, str) and str(t).strip() else None for t in titles_in]
    files = bool(n) and isinstance(source[0], Path)
    sizes = _sizes(source, files)
    jobs = _resolve_jobs(n_jobs, int(sizes.sum()))
    n_chunks = max(4 * jobs if jobs > 1 else 1, int(sizes.sum()) // _CHUNK_CHARS)
    long = _long_files(sizes) if files else set()
    bounds = _own_chunks(_chunk_bounds(sizes, n_chunks), long) if n else []
    show = progress if progress is not None else (files and n >= PROGRESS_THRESHOLD)
    bar = None
    if show:
        from tqdm.auto import tqdm

        bar = tqdm(total=n, desc="reading", unit="file", file=sys.stderr)
    if jobs > 1:  # build the lookup tables once, before the workers fork
        _word_table(), _fold_table(), _special_table()
    chunks: list[_Loaded] = []
    try:
        with _parallel.shared(
            files=source if files else None,
            raw=None if files else source,
            titles=given,
            rules=ruleset,
            infer_title=infer_title,
            sketch=dedupe_threshold is not None and n > 1,
            audit=audit_rows is not None,
            long=long,
        ):
            # a long file is read here, not in a worker: handing its texts back would
            # hold them twice in each process
            others = _parallel.fork_map(
                _load_chunk, [b for b in bounds if b[0] not in long], jobs=jobs
            )
            try:
                for lo, hi in bounds:
                    got = _load_chunk((lo, hi)) if lo in long else next(others)
                    for message, category in got.warnings:
                        warnings.warn(message, category, stacklevel=3)
                    if got.empty is not None:
                        i = lo + got.empty
                        name = meta["file"][i] if "file" in meta.columns else ""
                        raise AnalysisError(
                            f"{name or meta['doc_id'][i]}: no text left after cleaning (rules removed everything); check the cleaning rules with analysis.clean_audit"
                        )
                    chunks.append(got)
                    if bar is not None:
                        bar.update(hi - lo)
            finally:
                others.close()  # the workers exit now, not once the table is built
    finally:
        if bar is not None:
            bar.close()
    out = pd.DataFrame({"doc_id": meta["doc_id"].astype(str)})
    out["file"] = meta["file"].astype(str) if "file" in meta.columns else ""
    for col in ("source", "source_type"):
        out[col] = meta[col].astype(str) if col in meta.columns else ""
    date_raw = pd.Series(
        ["" if _is_null(v) else str(v) for v in meta["date"]]
        if "date" in meta.columns
        else [""] * n,
        dtype=object,
    )
    dates = [parse_date(v) for v in date_raw]
    out["date"] = pd.to_datetime(pd.Series(dates, dtype="object"), errors="coerce").astype(
        "datetime64[ns]"
    )
    out["date_raw"] = date_raw.fillna("").astype(str).to_numpy()
    year = pd.Series(pd.NA, index=out.index, dtype="Int64")
    if "year" in meta.columns:  # checked by _check_rows: whole numbers agreeing with the date
        year = pd.Series(pd.array([_whole_year(v) for v in meta["year"]], dtype="Int64"))
    from_date = out["date"].dt.year.astype("Int64")
    out["year"] = year.fillna(from_date)
    out["title"] = [t for c in chunks for t in c.titles]
    out["language"] = meta["language"].astype(str) if "language" in meta.columns else ""
    out["n_tokens"] = _concat([c.n_tokens for c in chunks])
    out["n_chars"] = _concat([c.n_chars for c in chunks])
    out["chars_removed"] = np.asarray([r for c in chunks for r in c.removed], dtype=np.int64)
    out["duplicate_of"] = ""
    if dedupe_threshold is not None and n > 1:
        first = _near_duplicates(
            list(out["doc_id"]),
            [sk for c in chunks for sk in c.sketches],
            threshold=dedupe_threshold,
            stacklevel=4,
        )
        out["duplicate_of"] = [first.get(d, "") for d in out["doc_id"]]
    extra = [c for c in meta.columns if c not in out.columns and c not in ("text", "raw_text")]
    for c in extra:
        out[c] = meta[c].to_numpy()
    out["text"] = _str_column([a for c in chunks for a in c.texts])
    out["raw_text"] = _str_column([a for c in chunks for a in c.raw] if files else list(source))
    # the rules used, so clean_audit(corpus) reports exactly this load's removals (for one
    # more release: pass rules= to clean_audit explicitly)
    out.attrs["clean_rules"] = tuple(ruleset)
    if audit_rows is not None:
        ids = out["doc_id"].tolist()
        audit_rows.extend(
            (ids[lo + i], *row)
            for (lo, _), c in zip(bounds, chunks, strict=True)
            for i, *row in c.removals
        )
    return out


def _long_files(sizes: np.ndarray) -> set[int]:
    """The documents whose files are read a block at a time (:func:`_load_long`)."""
    from ._stream import LONG_BYTES

    return set(np.flatnonzero(sizes > LONG_BYTES).tolist())


def _own_chunks(bounds: list[tuple[int, int]], alone: set[int]) -> list[tuple[int, int]]:
    """``bounds`` with each document of ``alone`` cut out as a chunk of its own."""
    out = []
    for lo, hi in bounds:
        for i in sorted(d for d in alone if lo <= d < hi):
            out.extend([(lo, i)] if i > lo else [])
            out.append((i, i + 1))
            lo = i + 1
        out.extend([(lo, hi)] if hi > lo else [])
    return out


def _near_duplicates(
    ids: list[str], sketches: list[np.ndarray], *, threshold: float, stacklevel: int
) -> pd.Series:
    """``duplicate_of`` by ``doc_id`` for the documents that have one (the first earlier
    document at or above ``threshold``), from every document's sketch; warns when any."""
    pairs = pairs_from_sketches(ids, sketches, threshold=threshold, k=128, max_postings=500)
    first = pairs.drop_duplicates("doc_id").set_index("doc_id")["duplicate_of"]
    if len(first):
        warnings.warn(
            f"{len(first)} near-duplicate document(s), e.g. {first.index[0]!r} ~ {first.iloc[0]!r}; see column duplicate_of",
            InputWarning,
            stacklevel=stacklevel,
        )
    return first


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)


def corpus_summary(corpus: pd.DataFrame) -> pd.DataFrame:
    """Per-document summary of a corpus (without the texts).

    The table's ``attrs["totals"]`` holds the load summary: documents, tokens,
    characters removed by cleaning, unparsed dates (a date string that
    :func:`parse_date` could not read) and near-duplicates.
    """
    cols = [c for c in corpus.columns if c not in ("text", "raw_text")]
    table = corpus[cols].copy()
    unparsed = int((corpus["date"].isna() & (corpus["date_raw"].str.strip() != "")).sum())
    table.attrs["totals"] = {
        "documents": len(corpus),
        "tokens": int(corpus["n_tokens"].sum()),
        "chars_removed": int(corpus["chars_removed"].sum()),
        "unparsed_dates": unparsed,
        "missing_dates": int(corpus["date"].isna().sum()),
        "near_duplicates": int((corpus["duplicate_of"] != "").sum()),
    }
    return table
