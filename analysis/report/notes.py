"""The authors' reading of a study: Markdown notes per section, kept apart from the computed report.

A study's params file may name a folder of notes (``notes: notes``, relative to the YAML
file) holding ``<section>.md`` files (``03-themes.md`` ...). :func:`analysis.report.render`
appends each note to the end of its section's page, in a box headed "Authors' reading
(from <path>) -- not computed by the toolkit", and shows its first paragraph on the index.
Nothing else in a report is written by hand; only the study whose params file names notes
gets them.

The Markdown is rendered by mistune (CommonMark-style) with raw HTML escaped, never
passed through, and links to ``javascript:`` and similar schemes dropped, so a note
cannot inject markup or scripts into a page.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .._yaml import did_you_mean
from ..errors import AnalysisError

__all__ = ["Note", "read_notes", "markdown_html", "note_block", "teaser", "ANCHOR"]

ANCHOR = "authors-reading"  # the id of the box on a section page
_IGNORED = {"README.md"}  # a note folder may explain itself


@dataclass(frozen=True)
class Note:
    """One section's note: its file (as given), Markdown text and sha256."""

    section: str
    path: str
    text: str
    sha256: str


def read_notes(folder: str | Path | None, sections: Sequence[str]) -> dict[str, Note]:
    """Read ``<section>.md`` for every section of the suite that has one.

    Parameters
    ----------
    folder : path or None
        The notes folder (None: no notes).
    sections : sequence of str
        Names of the suite's sections (``01-corpus`` ...).

    Returns
    -------
    dict
        Section name -> :class:`Note`.

    Raises
    ------
    AnalysisError
        The folder does not exist, or holds a file that is not ``<section>.md`` for a
        section of the suite (naming the file and the sections); hidden files and a
        ``README.md`` are ignored.
    """
    if folder is None:
        return {}
    root = Path(folder)
    if not root.is_dir():
        raise AnalysisError(f"notes: {root} is not a folder; name a folder of <section>.md files")
    notes: dict[str, Note] = {}
    for p in sorted(root.iterdir()):
        if p.name.startswith(".") or p.name in _IGNORED:
            continue
        if not p.is_file() or p.suffix != ".md" or p.stem not in sections:
            raise AnalysisError(
                f"notes: {p} is not a section note{did_you_mean(p.stem, list(sections))}; "
                f"name each file <section>.md, with section one of {', '.join(sections)}"
            )
        data = p.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise AnalysisError(f"notes: {p} is not UTF-8 text") from None
        notes[p.stem] = Note(p.stem, _shown(p), text, hashlib.sha256(data).hexdigest())
    return notes


def _shown(path: Path) -> str:
    """The path as a reader knows it: relative to the current folder when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def markdown_html(text: str) -> str:
    """Markdown as HTML, raw HTML escaped (mistune with ``escape=True``, tables)."""
    import mistune

    md = mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])
    return str(md(text))


def note_block(note: Note) -> str:
    """The boxed block a section page ends with."""
    return (
        f'<aside class="authors-reading" id="{ANCHOR}"><h2>Authors\' reading '
        f"<small>(from {html.escape(note.path)}) -- not computed by the toolkit</small></h2>"
        f"{markdown_html(note.text)}</aside>"
    )


def teaser(text: str, *, limit: int = 240) -> str:
    """Plain text of the first paragraph (headings skipped), cut at a word near ``limit``."""
    paras = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    paras = [p for p in paras if not p.startswith("#")] or paras
    if not paras:
        return ""
    plain = re.sub(r"[*_`]+", "", re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", paras[0]))
    plain = " ".join(plain.split())
    if len(plain) <= limit:
        return plain
    return plain[:limit].rsplit(" ", 1)[0] + " …"
