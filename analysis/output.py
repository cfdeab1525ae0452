"""Writing figures and tables into a report folder, the same way everywhere.

Notebooks call :func:`save_figure` and :func:`save_table`; the report module collects
what they wrote. Tables are written byte-for-byte reproducibly (fixed float format,
``\\n`` line ends, no index) so that the same inputs and seed give identical CSV files.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ._files import open_sliced
from ._memory import release_memory
from .errors import AnalysisError

__all__ = [
    "save_figure", "save_table", "save_findings", "scratch_folder", "output_folder", "FLOAT_FORMAT",
]  # fmt: skip

FLOAT_FORMAT = "%.6g"
SVG_HASHSALT = "analysis"  # fixed salt for SVG element ids: byte-reproducible figures
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise AnalysisError(f"output name {name!r}: use letters, digits, '-', '_' and '.' only")
    return name


def save_figure(
    fig, name: str, *, out: str | Path, formats: tuple[str, ...] = ("png", "svg")
) -> list[Path]:
    """Save a figure (or the figure of an Axes) as ``out/figures/<name>.<fmt>``.

    PNG at 150 dpi and SVG by default, with a tight bounding box so nothing is cut off.
    SVG metadata carries no date and the ids of clip paths and other definitions are
    hashed with a fixed salt (matplotlib's ``svg.hashsalt``, random per process by
    default), so the same figure gives the same bytes in every run. Returns the paths.
    """
    import matplotlib

    fig = getattr(fig, "figure", fig)
    folder = Path(out) / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        p = folder / f"{_check_name(name)}.{fmt}"
        meta = {"Date": None} if fmt == "svg" else {}
        with matplotlib.rc_context({"svg.hashsalt": SVG_HASHSALT}):
            fig.savefig(p, dpi=150, bbox_inches="tight", metadata=meta)
        paths.append(p)
    return paths


#: tables with more rows than this take :func:`_write_csv_fast` (when their columns allow)
_FAST_CSV_ROWS = 50_000
_CSV_CHUNK = 200_000  # rows joined per write by the fast writer
_CSV_BLOCK = 250_000  # rows whose fields the fast writer makes at a time
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def save_table(table: pd.DataFrame, name: str, *, out: str | Path) -> Path:
    """Write ``table`` as ``out/tables/<name>.csv`` (no index, floats as ``%.6g``).

    The bytes are those of ``table.to_csv(path, index=False, float_format="%.6g",
    lineterminator="\\n")``. A long table whose columns are floats, integers, booleans
    and strings (quoted as csv quotes them; categoricals of strings too) is written by
    :func:`_write_csv_fast` instead, with the same bytes (tested, with hypothesis): pandas
    formats every float with Python's ``%`` operator and sends every row through the csv
    module, most of a minute for a keyness table of millions of terms.
    """
    folder = Path(out) / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / f"{_check_name(name)}.csv"
    if len(table) <= _FAST_CSV_ROWS:
        table.to_csv(p, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
        return p
    try:
        if not _write_csv_fast(table, p):
            table.to_csv(p, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    finally:  # the formatted fields of a long table (analysis._memory)
        release_memory()
    return p


def _write_csv_fast(table: pd.DataFrame, path: Path) -> bool:
    """Write ``table`` as :func:`save_table` does, or return False (no file left) when a
    column is of another kind or a string holds a carriage return.

    Numbers and booleans become their distinct fields plus one code per row
    (:func:`_csv_fields`); float values are distinct by bit pattern, so ``-0.0`` stays
    ``-0``, and each distinct value is formatted with ``%`` once. Strings stay Arrow
    strings; a string with a comma, a quote or a line feed is quoted as csv's minimal
    quoting does (``"..."`` with every ``"`` doubled), so a row is its fields joined by
    ``,``: Arrow joins them (``binary_join_element_wise``), ``_CSV_CHUNK`` rows at a
    time. Fields are made for ``_CSV_BLOCK`` rows at a time (a row's bytes depend on that
    row only), so a long table's fields are never all held at once. 03-themes' table of
    every hit in context (85 MB of text with commas on the UN General Debate) took 5 s
    through pandas.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    names = list(table.columns)
    if len(names) < 2 or not all(isinstance(c, str) and not _NEEDS_QUOTES.search(c) for c in names):
        return False  # csv quotes an empty field alone on its row; other labels: pandas
    comma, newline, empty = (pa.scalar(x, pa.large_string()) for x in (",", "\n", ""))
    with open_sliced(path) as f:  # 256 KiB per write() (analysis._files)
        f.write((",".join(names) + "\n").encode("utf-8"))
        # the fields of _CSV_BLOCK rows at a time: a block's codes and strings, not the
        # whole table's, are held (0.5 GB less for a keyness table of 4.8 M terms)
        for block in range(0, len(table), _CSV_BLOCK):
            rows = table.iloc[block : block + _CSV_BLOCK]
            n_rows, columns = len(rows), [_csv_fields(rows.iloc[:, j]) for j in range(len(names))]
            del rows
            if any(c is None for c in columns):
                break
            for start in range(0, n_rows, _CSV_CHUNK):
                stop = start + _CSV_CHUNK
                parts = [
                    c.slice(start, _CSV_CHUNK)
                    if isinstance(c, pa.Array)
                    else c[0].take(c[1][start:stop])
                    for c in columns
                ]
                lines = pc.binary_join_element_wise(*parts, comma)
                lines = pc.binary_join_element_wise(lines, newline, empty)
                offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset :]
                data = memoryview(lines.buffers()[2])
                f.write(data[offsets[0] : offsets[len(lines)]])
        else:
            return True
    path.unlink()  # a column the fast writer does not take: nothing is left of this try
    return False


def _csv_fields(column: pd.Series) -> object:
    """How pandas' ``to_csv`` writes ``column``: an Arrow string array of its fields, or
    ``(fields, codes)`` (an Arrow array of the distinct fields, one code per row); None
    when the column is of another kind or a string holds a carriage return."""
    import pyarrow as pa
    import pyarrow.compute as pc

    dtype = column.dtype
    numeric = isinstance(dtype, np.dtype) and dtype.kind in "fbiu"
    values = column.to_numpy() if numeric else None
    if dtype in (np.float64, np.float32):
        bits = values.view(np.int64 if dtype == np.float64 else np.int32)
        codes, distinct = pd.factorize(bits)
        fields = ["" if v != v else FLOAT_FORMAT % v for v in distinct.view(dtype).tolist()]
    elif dtype == np.bool_:
        fields, codes = ["False", "True"], values.astype(np.int8)
    elif isinstance(dtype, np.dtype) and dtype.kind in "iu":
        codes, distinct = pd.factorize(values)
        fields = [str(v) for v in distinct.tolist()]
    elif isinstance(dtype, pd.CategoricalDtype):  # e.g. keyness' constant label columns
        cats = dtype.categories
        if not (cats.dtype.kind == "O" or isinstance(cats.dtype, pd.StringDtype)):
            return None  # numbers or dates as categories: pandas formats them
        fields = _csv_fields(pd.Series(cats, dtype=object))
        if fields is None:
            return None
        codes = column.cat.codes.to_numpy()
        if (codes < 0).any():  # a missing value: an empty field, after the categories
            fields = pa.concat_arrays([fields, pa.array([""], pa.large_string())])
            codes = np.where(codes < 0, len(cats), codes)
        return fields, pa.array(codes)
    elif (isinstance(dtype, np.dtype) and dtype.kind == "O") or isinstance(dtype, pd.StringDtype):
        try:
            strings = pa.array(column, from_pandas=True)  # missing values (None, NaN): null
        except Exception:  # not all strings (an int beyond int64 raises OverflowError)
            return None
        if not pa.types.is_string(strings.type) and not pa.types.is_large_string(strings.type):
            return None
        strings = strings.cast(pa.large_string())  # 64-bit offsets: no 2 GB limit
        if isinstance(strings, pa.ChunkedArray):  # e.g. a column of concatenated frames
            strings = strings.combine_chunks()
        strings = pc.fill_null(strings, "")  # pandas' na_rep
        if pc.any(pc.match_substring(strings, "\r")).as_py():
            return None  # whether csv quotes a lone \r has varied between Python versions
        needs = pc.match_substring_regex(strings, _NEEDS_QUOTES.pattern)
        if pc.any(needs).as_py():  # csv's minimal quoting: "...", with every " doubled
            quote, empty = (pa.scalar(x, pa.large_string()) for x in ('"', ""))
            doubled = pc.replace_substring(strings, '"', '""')
            quoted = pc.binary_join_element_wise(quote, doubled, quote, empty)
            strings = pc.if_else(needs, quoted, strings)
        return strings
    else:
        return None
    return pa.array(fields, pa.large_string()), pa.array(codes)


def save_findings(items: list, *, section: str, out: str | Path) -> Path:
    """Record a section's key findings for the report's index page.

    ``items`` are :class:`analysis.findings.Finding` objects (a sentence, the table and
    row it was computed from, and whether that row supports a comparison) or plain
    strings (a sentence that cites no table). Written to ``out/findings/<section>.json``
    as a list of objects; :func:`analysis.report.render` lists their text, escaped,
    under the section's link in ``index.html``.
    """
    import json

    folder = Path(out) / "findings"
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / f"{_check_name(section)}.json"
    records = []
    for x in items:
        if hasattr(x, "to_dict"):
            records.append(x.to_dict())
        elif isinstance(x, str):
            records.append({"text": x, "table": None, "row": {}, "supported": None})
        else:
            raise AnalysisError(f"save_findings: item {x!r} is neither a sentence nor a Finding")
    p.write_text(
        json.dumps(records, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )
    return p


def scratch_folder(section: str) -> Path:
    """Where a notebook run outside :func:`analysis.report.render` writes: never a report.

    ``$ANALYSIS_SCRATCH/<section>`` when that variable is set, else
    ``$XDG_CACHE_HOME/framing-analysis/scratch/<section>`` (``~/.cache`` by default).
    """
    import os

    base = os.environ.get("ANALYSIS_SCRATCH")
    if base:
        root = Path(base).expanduser()
    else:
        cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        root = Path(cache).expanduser() / "framing-analysis" / "scratch"
    return root / _check_name(section)


def output_folder(out: str | Path | None, section: str) -> Path:
    """The folder a notebook writes its figures, tables and findings into.

    ``out`` when given (``render`` always passes its build folder); None, the notebooks'
    default, gives :func:`scratch_folder` so that exploring a notebook in JupyterLab
    never touches a published report. The folder is printed, so the reader sees it.
    """
    if out is None or str(out) == "":
        folder = scratch_folder(section)
        print(f"out=None: writing figures and tables to the scratch folder {folder}")
        return folder
    return Path(out)
