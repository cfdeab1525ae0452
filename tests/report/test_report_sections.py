"""Per-section outputs: re-rendering some sections keeps the others, files and all."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from analysis.errors import AnalysisError
from analysis.report import render, sections

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def _probe_suite(folder: Path, names=("01-aaa", "02-bbb"), same_name: bool = False) -> Path:
    """Notebooks that write one figure, one table and findings each, stamped with a run id."""
    folder.mkdir(exist_ok=True)
    for name in names:
        table = "shared" if same_name else f"{name[3:]}-t"
        nb = nbformat.v4.new_notebook()
        nb.cells = [
            nbformat.v4.new_code_cell(
                'corpus: str = ""  # corpus\nout: str = ""  # out\nstamp: str = "0"  # run id',
                metadata={"tags": ["parameters"]},
            ),
            nbformat.v4.new_code_cell(
                "from pathlib import Path\nimport json\n"
                "for sub in ('tables', 'figures', 'findings'):\n"
                "    (Path(out) / sub).mkdir(exist_ok=True)\n"
                f"(Path(out) / 'tables' / '{table}.csv').write_text('x\\n' + stamp + '\\n')\n"
                f"(Path(out) / 'figures' / '{name[3:]}-f.png').write_bytes(b'png' + stamp.encode())\n"
                f"(Path(out) / 'findings' / '{name}.json').write_text(json.dumps([{{'text': 'run ' + stamp}}]))"
            ),
        ]
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nbformat.write(nb, folder / f"{name}.ipynb")
    return folder


def test_rerendering_one_section_keeps_the_others_files_and_rebuilds_the_index(tmp_path: Path):
    suite = _probe_suite(tmp_path / "suite")
    out = render(SEEDS, tmp_path / "r", {"stamp": "1"}, notebook_dir=suite, quiet=True)
    first = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert first["sections"]["01-aaa"]["files"] == [
        "figures/aaa-f.png", "findings/01-aaa.json", "tables/aaa-t.csv",
    ]  # fmt: skip
    kept = {rel: (out / rel).read_bytes() for rel in (
        "02-bbb.html", "notebooks/02-bbb.ipynb", "figures/bbb-f.png", "tables/bbb-t.csv",
        "findings/02-bbb.json",
    )}  # fmt: skip
    render(SEEDS, out, {"stamp": "2"}, notebooks=["01-aaa"], notebook_dir=suite, quiet=True)
    for rel, data in kept.items():
        assert (out / rel).read_bytes() == data, rel  # the other section, untouched
    assert (out / "tables" / "aaa-t.csv").read_text() == "x\n2\n"  # the re-rendered one, new
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert prov["rendered_sections"] == ["01-aaa"]
    assert sorted(prov["sections"]) == ["01-aaa", "02-bbb"]
    assert prov["sections"]["02-bbb"]["rendered"] == first["sections"]["02-bbb"]["rendered"]
    assert prov["parameters"]["notebooks"]["02-bbb"]["stamp"] == "1"
    assert prov["parameters"]["notebooks"]["01-aaa"]["stamp"] == "2"
    assert set(kept) <= set(prov["outputs"])  # still the report's own files, still guarded
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "run 2" in index and "run 1" in index and "02-bbb.html" in index
    assert "figures/aaa-f.png" in index and "figures/bbb-f.png" in index  # the gallery
    assert "kept from" in index
    assert not (out / sections.STAGE).exists()


def test_rerendering_into_a_report_of_another_corpus_is_refused(tmp_path: Path):
    suite = _probe_suite(tmp_path / "suite")
    out = render(SEEDS, tmp_path / "r", notebook_dir=suite, quiet=True)
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.txt").write_text("A short text about something.\n", encoding="utf-8")
    with pytest.raises(
        AnalysisError, match=r"rendered from another corpus .* render every section"
    ):
        render(other, out, notebooks=["01-aaa"], notebook_dir=suite, quiet=True)
    assert (out / "02-bbb.html").is_file()


def test_two_sections_writing_the_same_path_is_an_error(tmp_path: Path):
    suite = _probe_suite(tmp_path / "suite", same_name=True)
    with pytest.raises(
        AnalysisError, match=r"sections 01-aaa and 02-bbb both write tables/shared\.csv"
    ):
        render(SEEDS, tmp_path / "r", notebook_dir=suite, quiet=True)
    assert not (tmp_path / "r").exists()


def test_a_report_without_recorded_sections_is_split_by_name_prefix(tmp_path: Path):
    out = tmp_path / "old"
    for rel in ("figures/corpus-a.png", "tables/corpus-a.csv", "tables/themes-b.csv",
                "findings/01-corpus.json", "findings/03-themes.json"):  # fmt: skip
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text("x", encoding="utf-8")
    prov = {
        "corpus": {}, "parameters": {"notebooks": {}}, "finished": "then",
        "notebook_seconds": {"01-corpus": 1.0, "03-themes": 2.0},
        "outputs": sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()),
    }  # fmt: skip
    (out / "provenance.json").write_text(json.dumps(prov), encoding="utf-8")
    _, found = sections.previous(out)
    assert found["01-corpus"]["files"] == [
        "figures/corpus-a.png", "findings/01-corpus.json", "tables/corpus-a.csv",
    ]  # fmt: skip
    assert found["03-themes"]["files"] == ["findings/03-themes.json", "tables/themes-b.csv"]
