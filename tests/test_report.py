"""The report: papermill runs, HTML, index, provenance, atomic swap, escaping."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import nbformat
import pytest

from analysis.cli import main
from analysis.errors import AnalysisError
from analysis.report import notebook_parameters, notebook_paths, render

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="module")
def seed_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rep") / "report"
    render(SEEDS, out, notebooks=["01-corpus"], quiet=True)
    return out


def test_every_notebook_declares_typed_documented_parameters():
    paths = notebook_paths()
    assert [p.stem for p in paths][0] == "01-corpus"
    for p in paths:
        params = notebook_parameters(p)
        assert {"corpus", "out"} <= set(params), p.name
        nb = nbformat.read(p, as_version=4)
        cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        assigned = {m.group(1) for m in re.finditer(r"^(\w+)\s*[:=]", cell.source, flags=re.M)}
        assert assigned == set(params), f"{p.name}: papermill cannot see {assigned - set(params)}"
        for name, spec in params.items():
            assert spec["inferred_type_name"] != "None", f"{p.name}: {name} has no type hint"
            assert spec["help"], f"{p.name}: {name} has no comment"


def test_report_has_index_section_figures_tables_and_provenance(seed_report: Path):
    out = seed_report
    assert (out / "index.html").is_file()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "href='01-corpus.html'" in index
    assert "Summary of findings" in index
    for name in ("corpus-lengths", "corpus-top-terms"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 1000
        assert (
            (out / "figures" / f"{name}.svg")
            .read_text(encoding="utf-8")
            .lstrip()
            .startswith("<?xml")
        )
    for name in ("corpus-documents", "corpus-cleaning-audit", "corpus-top-terms"):
        assert (out / "tables" / f"{name}.csv").is_file()
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    for f, digest in prov["corpus"]["files"].items():
        assert hashlib.sha256((SEEDS / f).read_bytes()).hexdigest() == digest
    assert set(prov["corpus"]["files"]) == {p.name for p in SEEDS.iterdir()}
    assert prov["versions"]["pandas"] and prov["versions"]["analysis"] == "0.1.0"
    assert "01-corpus" in prov["notebook_seconds"] and prov["seconds"] > 0
    assert "git" in prov


def test_html_has_no_code_by_default_and_a_table_of_contents(seed_report: Path):
    page = (seed_report / "01-corpus.html").read_text(encoding="utf-8")
    assert "set_theme" not in page
    assert 'class="toc"' in page and "Document lengths" in page
    assert "<img" in page
    assert (
        'data-mime-type="application/vnd.jupyter.stderr"' not in page
    )  # progress bars and warnings stay in the notebook copy


def _failing_suite(folder: Path) -> Path:
    folder.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            'corpus: str = ""  # corpus\nout: str = ""  # out', metadata={"tags": ["parameters"]}
        ),
        nbformat.v4.new_code_cell("raise RuntimeError('induced failure')"),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, folder / "01-broken.ipynb")
    return folder


def test_failed_run_leaves_previous_report_intact(seed_report: Path, tmp_path: Path):
    before = {
        p.relative_to(seed_report): p.read_bytes() for p in seed_report.rglob("*") if p.is_file()
    }
    suite = _failing_suite(tmp_path / "suite")
    with pytest.raises(
        AnalysisError,
        match=r"notebook 01-broken\.ipynb failed at cell \d+ \(RuntimeError: induced failure\)",
    ):
        render(SEEDS, seed_report, notebook_dir=suite, quiet=True)
    after = {
        p.relative_to(seed_report): p.read_bytes() for p in seed_report.rglob("*") if p.is_file()
    }
    assert after == before
    leftovers = [p.name for p in seed_report.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []


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


def test_rerun_keeps_nested_report_and_gives_byte_identical_tables(seed_report: Path):
    before = {f.name: f.read_bytes() for f in (seed_report / "tables").glob("*.csv")}
    assert before
    nested = seed_report / "example"
    nested.mkdir(exist_ok=True)
    (nested / "provenance.json").write_text("{}", encoding="utf-8")
    render(SEEDS, seed_report, notebooks=["01-corpus"], quiet=True)
    assert (nested / "provenance.json").is_file()
    after = {f.name: f.read_bytes() for f in (seed_report / "tables").glob("*.csv")}
    assert after == before


def test_params_file_reaches_notebook_with_code_and_unknown_params_are_refused(tmp_path: Path):
    good = tmp_path / "good.yaml"
    good.write_text("01-corpus:\n  top_n: 3\n", encoding="utf-8")
    out = render(SEEDS, tmp_path / "r", good, notebooks=["01-corpus"], with_code=True, quiet=True)
    top = (out / "tables" / "corpus-top-terms.csv").read_text(encoding="utf-8").splitlines()
    assert len(top) == 1 + 3 * 5  # header + 3 terms for each of 5 documents
    assert "set_theme" in (out / "01-corpus.html").read_text(encoding="utf-8")  # --with-code
    bad = tmp_path / "bad.yaml"
    bad.write_text("01-corpus:\n  no_such_parameter: 1\n", encoding="utf-8")
    with pytest.raises(
        AnalysisError, match="'no_such_parameter' is not declared by notebook 01-corpus"
    ):
        render(SEEDS, tmp_path / "r2", bad, notebooks=["01-corpus"], quiet=True)


def test_cli_report_bad_input_exits_2_without_traceback(tmp_path: Path, capsys):
    assert (
        main(["report", "--corpus", str(tmp_path / "missing"), "--out", str(tmp_path / "r")]) == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file or folder" in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()
