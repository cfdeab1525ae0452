"""Writing figures and tables into a report folder, the same way everywhere.

Notebooks call :func:`save_figure` and :func:`save_table`; the report module collects
what they wrote. Tables are written byte-for-byte reproducibly (fixed float format,
``\\n`` line ends, no index) so that the same inputs and seed give identical CSV files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

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


def save_table(table: pd.DataFrame, name: str, *, out: str | Path) -> Path:
    """Write ``table`` as ``out/tables/<name>.csv`` (no index, floats as ``%.6g``)."""
    folder = Path(out) / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / f"{_check_name(name)}.csv"
    table.to_csv(p, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    return p


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
