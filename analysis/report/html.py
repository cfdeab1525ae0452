"""HTML of a report: each executed notebook exported as a page with a table of contents,
and ``index.html`` with the sections, the findings and the files.

Every page embeds the one stylesheet, ``analysis/report/static/report.css`` (package
data), so the pages stay self-contained.
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from importlib import resources
from pathlib import Path

from .notes import ANCHOR, Note, note_block

__all__ = ["css", "export", "write_index"]


@cache
def css() -> str:
    """The report stylesheet (``static/report.css``)."""
    return (resources.files("analysis.report") / "static" / "report.css").read_text(
        encoding="utf-8"
    )


def _heading_ids(body: str) -> list[tuple[int, str, str]]:
    out = []
    for m in re.finditer(r'<h([1-3])[^>]*\bid="([^"]+)"[^>]*>(.*?)</h\1>', body, flags=re.S):
        text = re.sub(r"<[^>]+>", "", m.group(3)).replace("¶", "").strip()
        out.append((int(m.group(1)), m.group(2), text))
    return out


_PATH_REPR = re.compile(r"^\[?\s*(?:Posix|Windows)?Path\(")


def _is_path_repr(output: dict) -> bool:
    """An ``execute_result`` that only shows a path or a list of paths (what
    ``save_figure`` returns when it is the last line of a cell): noise on a page."""
    if output.get("output_type") != "execute_result":
        return False
    data = output.get("data") or {}
    text = data.get("text/plain", "")
    text = "".join(text) if isinstance(text, list) else str(text)
    return set(data) <= {"text/plain"} and bool(_PATH_REPR.match(text.strip()))


def export(
    nb_path: Path,
    html_path: Path,
    *,
    with_code: bool,
    title: str,
    note: Note | None = None,
) -> None:
    """Write the executed notebook ``nb_path`` as a page: no stderr, no bare path reprs,
    a TOC, the stylesheet, and at the end the authors' ``note`` (boxed) if given."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(nb_path, as_version=4)
    # Progress bars and library warnings go to stderr: useful in the executed notebook
    # (kept under notebooks/), noise for a reader of the page.
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [
                o
                for o in cell.outputs
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                and not _is_path_repr(o)
            ]
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = not with_code
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.embed_images = True
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    if note is not None:
        block = note_block(note)
        at = body.rfind("</main>")
        at = at if at >= 0 else body.rfind("</body>")
        body = body[:at] + block + body[at:]
    heads = _heading_ids(body)
    if heads:
        items = "".join(
            f'<li style="margin-left:{(lvl - 1) * 1.2}rem"><a href="#{hid}">{html.escape(text)}</a></li>'
            for lvl, hid, text in heads
        )
        toc = f'<nav class="toc" aria-label="Contents"><strong>Contents</strong> · <a href="index.html">report index</a><ul>{items}</ul></nav>'
        body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + toc, body, count=1)
    body = body.replace("</head>", f"<style>{css()}</style></head>", 1)
    html_path.write_text(body, encoding="utf-8")


def _findings(build: Path, name: str) -> list[str]:
    """The sentences a section saved (``findings/<name>.json``: objects with a ``text``)."""
    p = build / "findings" / f"{name}.json"
    if not p.is_file():
        return []
    items = json.loads(p.read_text(encoding="utf-8"))
    return [str(x.get("text", "")) if isinstance(x, dict) else str(x) for x in items]


def _gallery(name: str, label: str, files: list[str]) -> str:
    """Thumbnails of a section's PNG figures, each linking to the section page."""
    esc = html.escape
    pngs = sorted(f for f in files if f.startswith("figures/") and f.endswith(".png"))
    if not pngs:
        return ""
    items = "".join(
        f"<figure><a href='{esc(name)}.html' title='{esc(label)}: {esc(Path(f).stem)}'>"
        f"<img src='{esc(f)}' alt='{esc(Path(f).stem)}' loading='lazy'></a>"
        f"<figcaption>{esc(Path(f).stem)}</figcaption></figure>"
        for f in pngs
    )
    return f"<div class='gallery'>{items}</div>"


def write_index(build: Path, provenance: dict) -> None:
    """``index.html``: sections, the findings each saved, the authors' notes (a teaser,
    marked as theirs), a gallery of figures per section, and the tables."""
    esc = html.escape
    sections = provenance["sections"]
    rerun = set(provenance.get("rendered_sections") or sections)
    git = provenance.get("git") or {}
    commit = str(git.get("commit"))[:10] if git.get("commit") else "none (not a git checkout)"
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{esc(provenance['title'])}</title><style>{css()}</style></head>"
        "<body class='report-index'>",
        f"<h1>{esc(provenance['title'])}</h1>",
        f"<p class='muted'>Corpus <code>{esc(str(provenance['corpus']['path']))}</code>: "
        f"{len(provenance['corpus']['files'])} files. Rendered {esc(provenance['finished'])} "
        f"in {provenance['seconds']:.1f} s from commit <code>{esc(commit)}</code>"
        f"{' (with uncommitted changes)' if git.get('dirty') else ''}. "
        "<a href='provenance.json'>Provenance</a>.</p>",
        "<nav class='toc' aria-label='Sections'><strong>Sections</strong><ul>",
    ]
    for name, rec in sections.items():
        when = (
            ""
            if name in rerun
            else f" <span class='muted'>(kept from {esc(str(rec.get('rendered')))})</span>"
        )
        parts.append(f"<li><a href='{esc(name)}.html'>{esc(rec['label'])}</a>{when}</li>")
    parts.append("</ul></nav><h2 id='findings'>Summary of findings</h2>")
    parts.append(
        "<p class='muted'>Every sentence below is generated from a saved table of its "
        "section; the authors' reading, where a study provides one, is marked as such.</p>"
    )
    for name, rec in sections.items():
        items = _findings(build, name)
        parts.append(f"<h3><a href='{esc(name)}.html'>{esc(rec['label'])}</a></h3>")
        if items:
            parts.append("<ul>" + "".join(f"<li>{esc(x)}</li>" for x in items) + "</ul>")
        else:
            parts.append("<p class='muted'>See the section.</p>")
        note = rec.get("note")
        if note:
            parts.append(
                "<aside class='authors-reading teaser'><strong>Authors' reading</strong> "
                f"<small>(from {esc(note['path'])}) -- not computed by the toolkit</small>: "
                f"{esc(note['teaser'])} <a href='{esc(name)}.html#{ANCHOR}'>Read on</a></aside>"
            )
    figs = sorted((build / "figures").glob("*.png")) if (build / "figures").is_dir() else []
    tables = sorted((build / "tables").glob("*.csv")) if (build / "tables").is_dir() else []
    parts.append(
        f"<h2 id='figures'>Figures</h2><p class='muted'>{len(figs)} figures (PNG and SVG in "
        "<code>figures/</code>); each thumbnail opens its section.</p>"
    )
    for name, rec in sections.items():
        gallery = _gallery(name, rec["label"], rec.get("files", []))
        if gallery:
            parts.append(f"<h3><a href='{esc(name)}.html'>{esc(rec['label'])}</a></h3>{gallery}")
    parts.append(
        f"<h2 id='tables'>Tables</h2><p class='muted'>{len(tables)} tables (CSV in "
        "<code>tables/</code>).</p><ul>"
    )
    for t in tables:
        parts.append(f"<li><a href='tables/{esc(t.name)}'>{esc(t.name)}</a></li>")
    parts.append("</ul></body></html>")
    (build / "index.html").write_text("\n".join(parts), encoding="utf-8")
