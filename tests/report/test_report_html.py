"""Report HTML: section pages without code, a table of contents, escaping, one stylesheet."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from analysis.report import html as report_html
from analysis.report import render


def test_html_has_no_code_by_default_and_a_table_of_contents(seed_report: Path):
    page = (seed_report / "01-corpus.html").read_text(encoding="utf-8")
    assert "set_theme" not in page
    assert 'class="toc"' in page and "Document lengths" in page
    assert "<img" in page
    assert (
        'data-mime-type="application/vnd.jupyter.stderr"' not in page
    )  # progress bars and warnings stay in the notebook copy


def test_document_text_is_escaped_in_html(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "<script>alert('x')</script> Peace and friendship.\n\nMore words here about the war.",
        encoding="utf-8",
    )
    (corpus / "b.txt").write_text(
        "Another document on multilateralism and cooperation.", encoding="utf-8"
    )
    (corpus / "metadata.csv").write_text(
        "doc_id,file,source,date,title\n"
        "a,a.txt,<b>Evil</b> News,2020-01-01,<script>alert('t')</script>\n"
        "b,b.txt,Good News,2021-01-01,Plain\n",
        encoding="utf-8",
    )
    out = render(corpus, tmp_path / "r", notebooks=["01-corpus"], quiet=True)
    pages = (out / "01-corpus.html").read_text(encoding="utf-8") + (out / "index.html").read_text(
        encoding="utf-8"
    )
    assert "<script>alert(" not in pages
    assert "&lt;script&gt;alert(" in pages
    assert "<b>Evil</b>" not in pages


def test_every_page_embeds_the_one_packaged_stylesheet(seed_report: Path):
    css = (resources.files("analysis.report") / "static" / "report.css").read_text(encoding="utf-8")
    assert "nav.toc" in css and ".jp-OutputArea-output" in css
    assert report_html.css() == css
    for page in ("index.html", "01-corpus.html"):
        text = (seed_report / page).read_text(encoding="utf-8")
        assert text.count(f"<style>{css}</style>") == 1, page
    assert "<body class='report-index'>" in (seed_report / "index.html").read_text(encoding="utf-8")
