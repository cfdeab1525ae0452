"""Which files of a report belong to which section, so one section can be re-rendered alone.

Every notebook of a run writes into its own staging folder ``<build>/.stage/<name>/``;
:func:`collect` then moves what it wrote into the report folder and records the list.
The section's files are therefore known exactly, whatever they are named, and two
sections that write the same path are an error instead of one silently replacing the
other. ``provenance.json`` records them as ``sections: {name: {"files": [...],
"rendered": <time>, ...}}``.

``render(..., notebooks=[...])`` into an existing report re-renders only those sections
and copies every other section's files (its page, executed notebook, findings, figures
and tables) from the previous report into the new one (:func:`keep`), so the index is
rebuilt from all sections present. A report written before sections were recorded is
split by the fixed names of its time (:func:`_legacy_sections`): ``NAME.html``,
``notebooks/NAME.ipynb``, ``findings/NAME.json`` and figures and tables whose names start
with the section's prefix (``corpus-``, ``keywords-``, ``themes-``, ``topics-``,
``compare-``).
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

from ..errors import AnalysisError
from .folder import read_provenance

__all__ = ["STAGE", "PREFIXES", "stage_folder", "collect", "previous", "keep", "page_files"]

STAGE = ".stage"  # inside the build folder; empty and removed once the run is collected
PREFIXES = {
    "01-corpus": "corpus-",
    "02-keywords": "keywords-",
    "03-themes": "themes-",
    "04-topics": "topics-",
    "05-compare": "compare-",
    "06-context": "context-",
    "07-robustness": "robustness-",
}


def stage_folder(build: Path, name: str) -> Path:
    """The folder notebook ``name`` writes into (passed as its ``out``)."""
    return build / STAGE / name


def page_files(name: str) -> list[str]:
    """The page and the executed notebook of a section (written by render itself)."""
    return [f"{name}.html", f"notebooks/{name}.ipynb"]


def collect(build: Path, names: list[str]) -> dict[str, list[str]]:
    """Move each section's staged files into ``build``; return ``{name: [relative paths]}``.

    Raises
    ------
    AnalysisError
        Two sections wrote the same path.
    """
    owner: dict[str, str] = {}
    files: dict[str, list[str]] = {}
    for name in names:
        stage = stage_folder(build, name)
        rels = (
            sorted(p.relative_to(stage).as_posix() for p in stage.rglob("*") if not p.is_dir())
            if stage.is_dir()
            else []
        )
        for rel in rels:
            if rel in owner or (build / rel).exists():
                raise AnalysisError(
                    f"sections {owner.get(rel, 'render')} and {name} both write {rel}; "
                    "give each section's outputs their own names"
                )
            owner[rel] = name
            (build / rel).parent.mkdir(parents=True, exist_ok=True)
            (stage / rel).rename(build / rel)
        files[name] = rels
    shutil.rmtree(build / STAGE, ignore_errors=True)
    return files


def _legacy_sections(out: Path, provenance: Mapping) -> dict[str, dict]:
    names = [str(n) for n in provenance.get("notebook_seconds") or {}]
    outputs = [str(x) for x in provenance.get("outputs") or []]
    sections = {}
    for name in names:
        prefix = PREFIXES.get(name, f"{name}-")
        own = [
            rel
            for rel in outputs
            if rel.split("/", 1)[0] in ("figures", "tables")
            and rel.split("/")[-1].startswith(prefix)
        ]
        own += [rel for rel in (f"findings/{name}.json",) if rel in outputs]
        params = (provenance.get("parameters") or {}).get("notebooks", {}).get(name, {})
        sections[name] = {
            "files": sorted(own),
            "rendered": provenance.get("finished"),
            "seconds": (provenance.get("notebook_seconds") or {}).get(name),
            "parameters": params,
            "note": None,
        }
    return sections


def previous(out: Path) -> tuple[dict, dict[str, dict]] | None:
    """The previous report's provenance and its sections, or None if ``out`` holds none."""
    data = read_provenance(out)
    if data is None or not isinstance(data.get("outputs"), list):
        return None
    sections = data.get("sections")
    if not isinstance(sections, dict):
        sections = _legacy_sections(out, data)
    return data, sections


def keep(
    out: Path, build: Path, provenance: Mapping, sections: Mapping[str, dict], corpus: Mapping
) -> dict[str, dict]:
    """Copy the files of ``sections`` (not re-rendered) from the report in ``out`` into ``build``.

    Copies, never moves: if the run fails later, ``out`` is unchanged. A section whose
    page is missing from ``out`` is dropped (it is no longer present). Returns the
    sections kept, each with the list of files actually copied.

    Raises
    ------
    AnalysisError
        The previous report was rendered from another corpus (other files or content):
        its sections would describe other data than the new ones.
    """
    if not sections:
        return {}
    before = provenance.get("corpus") or {}
    if before.get("path") != corpus.get("path") or before.get("files") != corpus.get("files"):
        raise AnalysisError(
            f"{out}: its report was rendered from another corpus ({before.get('path')}, "
            f"{len(before.get('files') or {})} files) and would keep sections "
            f"{', '.join(sorted(sections))} of it; render every section (leave out --notebooks) "
            "or choose another --out"
        )
    kept: dict[str, dict] = {}
    for name, record in sorted(sections.items()):
        if not (out / f"{name}.html").is_file():
            continue
        files = []
        for rel in [*page_files(name), *record.get("files", [])]:
            src = out / rel
            if src.is_symlink() or not src.is_file():
                continue
            dst = build / rel
            if dst.exists():
                raise AnalysisError(
                    f"{out / rel}: kept section {name} and a new section both write it"
                )
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
            files.append(rel)
        own = [f for f in files if f not in page_files(name)]
        kept[name] = {**record, "files": own}
    return kept
