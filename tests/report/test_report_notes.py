"""The authors' notes: read per section, rendered safely, boxed on the page, only when named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.errors import AnalysisError
from analysis.report import notes, params, render

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SECTIONS = ["01-corpus", "02-keywords", "03-themes"]


def test_unknown_note_file_is_an_error_naming_it_and_the_sections(tmp_path: Path):
    (tmp_path / "01-corpus.md").write_text("fine\n", encoding="utf-8")
    (tmp_path / "03-theme.md").write_text("typo\n", encoding="utf-8")
    with pytest.raises(
        AnalysisError,
        match=r"03-theme\.md is not a section note \(did you mean '03-themes'\?\).*01-corpus, 02-keywords, 03-themes",
    ):
        notes.read_notes(tmp_path, SECTIONS)


def test_notes_folder_must_exist_and_hidden_files_and_readme_are_ignored(tmp_path: Path):
    with pytest.raises(AnalysisError, match="is not a folder"):
        notes.read_notes(tmp_path / "nope", SECTIONS)
    (tmp_path / ".DS_Store").write_bytes(b"\0")
    (tmp_path / "README.md").write_text("about the notes\n", encoding="utf-8")
    (tmp_path / "02-keywords.md").write_text("words\n", encoding="utf-8")
    got = notes.read_notes(tmp_path, SECTIONS)
    assert list(got) == ["02-keywords"] and got["02-keywords"].text == "words\n"


def test_markdown_is_rendered_with_raw_html_escaped_and_harmful_links_dropped():
    out = notes.markdown_html(
        "Some **bold** <script>alert(1)</script> [x](javascript:alert(1)) [y](https://example.org)\n"
    )
    assert "<strong>bold</strong>" in out
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "javascript:" not in out and 'href="https://example.org"' in out


def test_teaser_is_the_first_paragraph_as_plain_text_cut_at_a_word():
    text = "# Title\n\nThe **first** paragraph with a [link](https://x.org).\n\nSecond.\n"
    assert notes.teaser(text) == "The first paragraph with a link."
    long = "word " * 100
    cut = notes.teaser(long, limit=50)
    assert cut.endswith(" …") and len(cut) <= 52 and "wor …" not in cut


def test_notes_is_a_render_key_resolved_against_the_yaml_and_never_given_to_a_notebook(tmp_path):
    (tmp_path / "study").mkdir()
    yml = tmp_path / "study" / "report.yaml"
    yml.write_text("notes: my-notes\n", encoding="utf-8")
    declared = {"01-corpus": {"corpus": {}, "out": {}}}
    data = params.load(yml, declared)
    common, per = params.split(data, list(declared))
    assert params.notes_folder(common) == (tmp_path / "study" / "my-notes").resolve()
    assert params.params_for("01-corpus", declared["01-corpus"], common, per) == {}


def test_seed_study_notes_name_only_sections_of_the_suite():
    from analysis.report import SECTIONS as SUITE

    data = params.load(SEEDS / "report.yaml")
    got = notes.read_notes(params.notes_folder(data), list(SUITE))
    assert set(got) == set(SUITE)  # one note per section, none stray


def test_a_note_is_boxed_at_the_end_of_its_page_and_teased_on_the_index(tmp_path: Path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "01-corpus.md").write_text(
        "Our *own* reading of this corpus.\n\nMore <b>text</b>.\n", encoding="utf-8"
    )
    (tmp_path / "p.yaml").write_text("notes: notes\n", encoding="utf-8")
    out = render(SEEDS, tmp_path / "r", tmp_path / "p.yaml", notebooks=["01-corpus"], quiet=True)
    page = (out / "01-corpus.html").read_text(encoding="utf-8")
    box = page.index('<aside class="authors-reading" id="authors-reading">')
    assert "Authors' reading" in page[box:] and "not computed by the toolkit" in page[box:]
    assert f"from {tmp_path / 'notes' / '01-corpus.md'}" in page[box:]
    assert "<em>own</em>" in page[box:] and "&lt;b&gt;text&lt;/b&gt;" in page[box:]
    # at the end: after every output of the notebook
    assert page.rfind("jp-OutputArea") < box
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Our own reading of this corpus." in index and "01-corpus.html#authors-reading" in index
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert prov["sections"]["01-corpus"]["note"]["sha256"]
    assert "notes" not in prov["parameters"]["notebooks"]["01-corpus"]


def test_without_notes_a_page_has_no_authors_box(seed_report: Path):
    assert "<aside class" not in (seed_report / "01-corpus.html").read_text(encoding="utf-8")
    assert "Authors' reading" not in (seed_report / "index.html").read_text(encoding="utf-8")
