"""Where notebooks write, and what a findings file holds."""

from __future__ import annotations

import json

import pytest

import analysis
from analysis import AnalysisError
from analysis.findings import Finding, join_names
from analysis.output import output_folder, scratch_folder


def test_output_folder_none_is_the_scratch_folder_never_a_report(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ANALYSIS_SCRATCH", str(tmp_path / "s"))
    assert output_folder(None, "03-themes") == tmp_path / "s" / "03-themes"
    assert "scratch folder" in capsys.readouterr().out
    assert output_folder(tmp_path / "rep", "03-themes") == tmp_path / "rep"


def test_scratch_folder_follows_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.delenv("ANALYSIS_SCRATCH", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert scratch_folder("01-corpus") == tmp_path / "framing-analysis" / "scratch" / "01-corpus"
    with pytest.raises(AnalysisError, match="output name"):
        scratch_folder("../x")


def test_save_findings_keeps_the_evidence_of_each_sentence(tmp_path):
    f = Finding("A is higher than B.", table="t", row={"group": 2020}, supported=True)
    p = analysis.save_findings([f, "Plain."], section="03-themes", out=tmp_path)
    assert json.loads(p.read_text(encoding="utf-8")) == [
        {"text": "A is higher than B.", "table": "t", "row": {"group": 2020}, "supported": True},
        {"text": "Plain.", "table": None, "row": {}, "supported": None},
    ]
    with pytest.raises(AnalysisError, match="neither a sentence nor a Finding"):
        analysis.save_findings([3], section="x", out=tmp_path)


def test_join_names():
    assert join_names(["a"]) == "a"
    assert join_names(["a", "b", "c"]) == "a, b and c"
    assert join_names(list("abcdefg"), limit=3) == "a, b, c and 4 others"


def test_findings_markdown_escapes_what_markdown_would_read_as_markup(capsys):
    from analysis.findings import findings_markdown, show_findings

    items = [Finding("multilateral* (2), |z| < 1.96 [see table]"), "a_b"]
    assert findings_markdown(items) == (
        "- multilateral\\* (2), \\|z\\| \\< 1.96 \\[see table\\]\n- a\\_b"
    )
    show_findings(items)  # outside a notebook: plain lines
    assert capsys.readouterr().out == "- multilateral* (2), |z| < 1.96 [see table]\n- a_b\n"
