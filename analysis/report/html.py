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


def export(nb_path: Path, html_path: Path, *, with_code: bool, title: str) -> None:
    """Write the executed notebook ``nb_path`` as a page: no stderr, a TOC, the stylesheet."""
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
            ]
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = not with_code
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.embed_images = True
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
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
    p = build / "findings" / f"{name}.json"
    if not p.is_file():
        return []
    items = json.loads(p.read_text(encoding="utf-8"))
    return [str(x["text"]) if isinstance(x, dict) else str(x) for x in items]


def write_index(build: Path, sections: list[tuple[str, str]], provenance: dict) -> None:
    """``index.html``: sections, the findings each notebook saved, figures and tables."""
    esc = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{esc(provenance['title'])}</title><style>{css()}</style></head>"
        "<body class='report-index'>",
        f"<h1>{esc(provenance['title'])}</h1>",
        f"<p class='muted'>Corpus <code>{esc(provenance['corpus']['path'])}</code>: "
        f"{len(provenance['corpus']['files'])} files. Rendered {esc(provenance['finished'])} "
        f"in {provenance['seconds']:.1f} s from commit <code>{esc(str(provenance['git']['commit'])[:10])}</code>"
        f"{' (with uncommitted changes)' if provenance['git']['dirty'] else ''}. "
        "<a href='provenance.json'>Provenance</a>.</p>",
        "<nav class='toc' aria-label='Sections'><strong>Sections</strong><ul>",
    ]
    for name, label in sections:
        parts.append(f"<li><a href='{esc(name)}.html'>{esc(label)}</a></li>")
    parts.append("</ul></nav><h2 id='findings'>Summary of findings</h2>")
    for name, label in sections:
        items = _findings(build, name)
        parts.append(f"<h3><a href='{esc(name)}.html'>{esc(label)}</a></h3>")
        if items:
            parts.append("<ul>" + "".join(f"<li>{esc(x)}</li>" for x in items) + "</ul>")
        else:
            parts.append("<p class='muted'>See the section.</p>")
    figs = sorted((build / "figures").glob("*.png")) if (build / "figures").is_dir() else []
    tables = sorted((build / "tables").glob("*.csv")) if (build / "tables").is_dir() else []
    parts.append(
        f"<h2 id='files'>Figures and tables</h2><p>{len(figs)} figures (PNG and SVG in <code>figures/</code>), {len(tables)} tables (CSV in <code>tables/</code>).</p><ul>"
    )
    for t in tables:
        parts.append(f"<li><a href='tables/{esc(t.name)}'>{esc(t.name)}</a></li>")
    parts.append("</ul></body></html>")
    (build / "index.html").write_text("\n".join(parts), encoding="utf-8")
