"""Reading a corpus: files, manifests, metadata, dates, provenance.

:func:`read_corpus` is the one constructor. It returns a pandas DataFrame with one row
per document and these columns, in this order:

``doc_id, file, source, source_type, date, date_raw, year, title, language,
n_tokens, n_chars, chars_removed, duplicate_of, ...other metadata..., text, raw_text``

``text`` is the cleaned body (see :mod:`analysis.clean`), ``raw_text`` the decoded,
Unicode-normalised original. ``n_tokens`` counts word tokens (runs of ``\\w``) of
``text``. ``date_raw`` keeps the date string as found, so :func:`corpus_summary` can
count the dates that could not be parsed.
"""

from __future__ import annotations

import calendar
import re
import sys
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .clean import (
    Rule,
    ShingleSketcher,
    _pairs_from_sketches,
    clean_text,
    load_rules,
    normalize_text,
)
from .errors import AnalysisError, InputWarning

__all__ = ["read_corpus", "corpus_summary", "parse_date", "CORE_COLUMNS"]

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


def _decode(path: Path, data: bytes) -> str:
    if not data.strip():
        raise AnalysisError(
            f"{path}: file is empty (or only whitespace); remove it or restore its text"
        )
    head = data[:8192]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise AnalysisError(
            f"{path}: looks like a binary file, not text; remove it from the corpus"
        )
    for bom, enc in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(enc)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
            enc = "Windows-1252"
        except UnicodeDecodeError:
            text = data.decode("latin-1")
            enc = "Latin-1"
        warnings.warn(
            f"{path}: not valid UTF-8; read as {enc}. Check its accented characters, or re-save it as UTF-8",
            InputWarning,
            stacklevel=3,
        )
    controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\n\r\t\f\v")
    if controls > 0.05 * min(len(text), 4096):
        raise AnalysisError(
            f"{path}: looks like a binary file, not text; remove it from the corpus"
        )
    if not text.strip():
        raise AnalysisError(
            f"{path}: file is empty (or only whitespace); remove it or restore its text"
        )
    return text


def _read_text_file(path: Path) -> str:
    return normalize_text(_decode(path, path.read_bytes()))


def _progress(items, total: int, progress: bool | None, desc: str):
    show = progress if progress is not None else total >= PROGRESS_THRESHOLD
    if not show:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, total=total, desc=desc, unit="file", file=sys.stderr)


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


# ----------------------------------------------------------------------------- manifest


def _read_manifest(manifest: Path, folder: Path, files: list[Path]) -> pd.DataFrame:
    try:
        meta = pd.read_csv(manifest, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise AnalysisError(
            f"{manifest}: cannot read it as CSV ({str(exc).splitlines()[0]}); fix the file"
        ) from None
    meta.columns = [c.strip() for c in meta.columns]
    if "file" not in meta.columns:
        raise AnalysisError(f"{manifest}: needs a 'file' column naming each text file; add it")
    if "doc_id" not in meta.columns:
        meta.insert(0, "doc_id", [Path(f).stem for f in meta["file"]])
    meta["_line"] = np.arange(len(meta)) + 2  # header is line 1
    seen: dict[str, int] = {}
    for doc_id, line in zip(meta["doc_id"], meta["_line"], strict=True):
        if not doc_id.strip():
            raise AnalysisError(
                f"{manifest}, line {line}: empty doc_id; give every row a unique doc_id"
            )
        if doc_id in seen:
            raise AnalysisError(
                f"{manifest}, line {line}: doc_id {doc_id!r} repeats line {seen[doc_id]}; doc_ids must be unique"
            )
        seen[doc_id] = line
    listed = set()
    for name, line in zip(meta["file"], meta["_line"], strict=True):
        if not (folder / name).is_file():
            raise AnalysisError(
                f"{manifest}, line {line}: file {name!r} not found in {folder}; fix the row or add the file"
            )
        listed.add((folder / name).resolve())
    for f in files:
        if f.resolve() not in listed:
            raise AnalysisError(
                f"{f}: not listed in {manifest.name}; add a row for it or move the file out of the folder"
            )
    for value, line in zip(meta.get("date", []), meta["_line"], strict=False):
        if value.strip() and parse_date(value) is None:
            raise AnalysisError(
                f"{manifest}, line {line}: cannot parse date {value!r}; write it as YYYY-MM-DD, or leave it empty and fill 'year'"
            )
    return meta


# ----------------------------------------------------------------------------- reader


def read_corpus(
    path: str | Path,
    *,
    pattern: str | None = None,
    columns: Mapping[str, str] | None = None,
    manifest: str = "metadata.csv",
    glob: str = "**/*.txt",
    clean: bool = True,
    rules: str | Path | Sequence[str | Path | Rule] | None = None,
    infer_title: bool = False,
    dedupe_threshold: float | None = 0.8,
    progress: bool | None = None,
) -> pd.DataFrame:
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

    Parameters
    ----------
    path : str or Path
    pattern : str, optional
        File-name template (folder layout only).
    columns : mapping, optional
        Column renames (table layout) applied before anything else.
    manifest : str, default "metadata.csv"
        Manifest file name inside the folder.
    glob : str, default "**/*.txt"
        Which files of a folder are documents.
    clean : bool, default True
        Remove page furniture with ``rules`` (see :mod:`analysis.clean`).
    rules : optional
        Cleaning rules, as accepted by :func:`analysis.clean.load_rules`.
    infer_title : bool, default False
        Take a short first line as the headline when no title is given.
    dedupe_threshold : float or None, default 0.8
        Flag near-duplicates at or above this estimated Jaccard resemblance of word
        5-gram shingles (column ``duplicate_of``); None skips the check.
    progress : bool or None
        Show a progress bar; None shows one for folders of 500 files or more.

    Returns
    -------
    DataFrame
        See the module docstring for the columns.

    Raises
    ------
    AnalysisError
        With a one-line message naming the file or manifest row: a missing path, an
        empty folder, an empty, whitespace-only or binary file, a manifest row without
        its file or a file without a row, duplicate doc_ids, an unparseable manifest date.
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise AnalysisError(f"{path}: no such file or folder; check the corpus path")
    if path.is_file():
        if path.suffix.lower() not in TABLE_SUFFIXES:
            raise AnalysisError(
                f"{path}: unsupported corpus file; use a folder of .txt files or a .csv, .jsonl or .parquet file"
            )
        meta, texts = _read_table(path, columns or {})
        manifest_path = None
    else:
        meta, texts, manifest_path = _read_folder(
            path, pattern=pattern, manifest=manifest, glob=glob, progress=progress
        )
    return _assemble(
        meta,
        texts,
        clean=clean,
        rules=rules,
        infer_title=infer_title,
        dedupe_threshold=dedupe_threshold,
        manifest_path=manifest_path,
    )


def _read_folder(
    path: Path, *, pattern, manifest, glob, progress
) -> tuple[pd.DataFrame, list[str], Path | None]:
    # hidden files and anything under a hidden folder (.ipynb_checkpoints/, .git/) are
    # not documents
    files = sorted(
        p
        for p in path.glob(glob)
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )
    if not files:
        raise AnalysisError(
            f"{path}: folder has no {glob.rsplit('/', 1)[-1]} files; point the corpus path at a folder of text files or at a CSV/JSONL/Parquet file"
        )
    manifest_path = path / manifest
    if manifest_path.is_file():
        meta = _read_manifest(manifest_path, path, files)
        paths = [path / f for f in meta["file"]]
        meta = meta.drop(columns="_line")
    else:
        paths = files
        rel = [p.relative_to(path).as_posix() for p in files]
        # doc_id: the file stem when a pattern carries the metadata and stems are
        # unique; otherwise the relative path without its suffix
        stems = [Path(r).stem for r in rel]
        unique_stems = bool(pattern) and len(set(stems)) == len(stems)
        ids = stems if unique_stems else [Path(r).with_suffix("").as_posix() for r in rel]
        meta = pd.DataFrame({"doc_id": ids, "file": rel})
        if pattern:
            rx = _template_regex(pattern)
            fields: list[dict[str, str]] = []
            for r in rel:
                m = rx.match(r)
                if not m:
                    raise AnalysisError(
                        f"{path / r}: file name does not fit pattern {pattern!r}; rename it, move it out, or fix the pattern"
                    )
                fields.append(m.groupdict())
            meta = pd.concat([meta, pd.DataFrame(fields, dtype=str)], axis=1)
    texts = [_read_text_file(p) for p in _progress(paths, len(paths), progress, "reading")]
    return meta, texts, (manifest_path if manifest_path.is_file() else None)


def _read_table(path: Path, columns: Mapping[str, str]) -> tuple[pd.DataFrame, list[str]]:
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        elif suffix in {".jsonl", ".ndjson"}:
            df = pd.read_json(path, lines=True, dtype=False)
        else:
            df = pd.read_parquet(path)
    except Exception as exc:
        raise AnalysisError(
            f"{path}: cannot read it as {suffix[1:].upper()} ({str(exc).splitlines()[0][:120]}); check the file"
        ) from None
    df = df.rename(columns=dict(columns))
    if "text" not in df.columns:
        raise AnalysisError(
            f"{path}: no 'text' column (columns: {', '.join(map(str, df.columns))}); map one with columns={{'<name>': 'text'}} or --text-column"
        )
    if df.empty:
        raise AnalysisError(f"{path}: has no rows; add documents to it")
    line0 = 2 if suffix == ".csv" else 1
    texts = []
    for i, t in enumerate(df["text"]):
        if not isinstance(t, str) or not t.strip():
            raise AnalysisError(
                f"{path}, row {i + line0}: empty text; remove the row or fill its text"
            )
        texts.append(normalize_text(t))
    if "doc_id" not in df.columns:
        df.insert(0, "doc_id", [f"{path.stem}-{i + 1}" for i in range(len(df))])
    df["doc_id"] = df["doc_id"].astype(str)
    dup = df["doc_id"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise AnalysisError(
            f"{path}, row {i + line0}: doc_id {df['doc_id'].iloc[i]!r} is not unique; doc_ids must be unique"
        )
    if "file" not in df.columns:
        df["file"] = path.name
    meta = df.drop(columns="text")
    for c in meta.columns:
        if c not in ("year",) and meta[c].dtype == object:
            meta[c] = meta[c].astype(str)
    return meta, texts


def _assemble(
    meta: pd.DataFrame,
    raw: list[str],
    *,
    clean,
    rules,
    infer_title,
    dedupe_threshold,
    manifest_path: Path | None,
) -> pd.DataFrame:
    meta = meta.reset_index(drop=True).copy()
    n = len(meta)
    ruleset = load_rules(rules) if clean else ()
    titles_in = meta["title"] if "title" in meta.columns else pd.Series([""] * n)
    texts, titles, removed = [], [], []
    for rt, t in zip(raw, titles_in, strict=True):
        t = str(t).strip() if isinstance(t, str) and str(t).strip() else None
        c = clean_text(rt, rules=ruleset, title=t, infer_title=infer_title)
        texts.append(c.text)
        titles.append(c.title or "")
        removed.append(c.chars_removed)
    out = pd.DataFrame({"doc_id": meta["doc_id"].astype(str)})
    out["file"] = meta["file"].astype(str) if "file" in meta.columns else ""
    for col in ("source", "source_type"):
        out[col] = meta[col].astype(str) if col in meta.columns else ""
    date_raw = meta["date"].astype(str) if "date" in meta.columns else pd.Series([""] * n)
    dates = [parse_date(v) for v in date_raw]
    out["date"] = pd.to_datetime(pd.Series(dates, dtype="object"), errors="coerce").astype(
        "datetime64[ns]"
    )
    out["date_raw"] = date_raw.fillna("").astype(str).to_numpy()
    year = pd.Series(pd.NA, index=out.index, dtype="Int64")
    if "year" in meta.columns:
        year = pd.to_numeric(meta["year"].replace("", pd.NA), errors="coerce").astype("Int64")
    from_date = out["date"].dt.year.astype("Int64")
    clash = year.notna() & from_date.notna() & (year != from_date)
    if clash.any() and manifest_path is not None:
        i = int(np.flatnonzero(clash.to_numpy())[0])
        raise AnalysisError(
            f"{manifest_path}, line {i + 2} ({out['doc_id'][i]}): year {year[i]} disagrees with date {out['date'][i].date()}; fix one of them"
        )
    out["year"] = year.fillna(from_date)
    out["title"] = titles
    out["language"] = meta["language"].astype(str) if "language" in meta.columns else ""
    sketcher = ShingleSketcher()  # one tokenization gives n_tokens and the duplicate sketch
    counted = [sketcher(t) for t in texts]
    out["n_tokens"] = np.fromiter((c[0] for c in counted), dtype=np.int64, count=n)
    out["n_chars"] = np.fromiter((len(t) for t in texts), dtype=np.int64, count=n)
    out["chars_removed"] = np.asarray(removed, dtype=np.int64)
    out["duplicate_of"] = ""
    if dedupe_threshold is not None and n > 1:
        pairs = _pairs_from_sketches(
            list(out["doc_id"]),
            [c[1] for c in counted],
            threshold=dedupe_threshold,
            k=sketcher.k,
            max_postings=500,
        )
        first = pairs.drop_duplicates("doc_id").set_index("doc_id")["duplicate_of"]
        out["duplicate_of"] = [first.get(d, "") for d in out["doc_id"]]
        if len(first):
            warnings.warn(
                f"{len(first)} near-duplicate document(s), e.g. {first.index[0]!r} ~ {first.iloc[0]!r}; see column duplicate_of",
                InputWarning,
                stacklevel=3,
            )
    extra = [c for c in meta.columns if c not in out.columns and c not in ("text", "raw_text")]
    for c in extra:
        out[c] = meta[c].to_numpy()
    empty = [i for i, t in enumerate(texts) if not t.strip()]
    if empty:
        i = empty[0]
        raise AnalysisError(
            f"{out['file'][i] or out['doc_id'][i]}: no text left after cleaning (rules removed everything); check the cleaning rules with analysis.clean_audit"
        )
    out["text"] = texts
    out["raw_text"] = raw
    # the rules used, so clean_audit(corpus) reports exactly this load's removals
    out.attrs["clean_rules"] = tuple(ruleset)
    return out


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
