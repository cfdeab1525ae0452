"""Report parameters: declared in each notebook, read from YAML or a mapping, checked, split."""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
import pytest

from analysis.cli import main
from analysis.errors import AnalysisError
from analysis.report import notebook_parameters, notebook_paths, render
from analysis.report import params as report_params

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


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


def test_params_alias_bomb_is_refused_fast(seeds_dir: Path, tmp_path: Path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\n", encoding="utf-8")
    t0 = time.perf_counter()
    with pytest.raises(AnalysisError, match=r"bomb\.yaml, line 1: YAML anchors and aliases"):
        render(seeds_dir, tmp_path / "r", bomb, notebooks=["01-corpus"], quiet=True)
    assert time.perf_counter() - t0 < 5
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    "text, message",
    [
        ("top_nn: 3\n", r"typo\.yaml: unknown parameter 'top_nn' \(did you mean 'top_n'\?\)"),
        ("03-theme:\n  n_boot: 3\n", r"section '03-theme' is not a notebook.*'03-themes'\?"),
        ("03-theme: 3\n", r"section '03-theme' is not a notebook.*'03-themes'\?"),
        ("themess:\n  a: 1\n", r"section 'themess' is not a notebook of the suite"),
        ("01-corpus:\n  top_nn: 3\n", r"'top_nn' is not declared by notebook 01-corpus.*'top_n'"),
    ],
)
def test_params_typos_are_errors_with_a_suggestion(
    text: str, message: str, seeds_dir: Path, tmp_path: Path
):
    typo = tmp_path / "typo.yaml"
    typo.write_text(text, encoding="utf-8")
    with pytest.raises(AnalysisError, match=message):
        render(seeds_dir, tmp_path / "r", typo, notebooks=["01-corpus"], quiet=True)
    assert not (tmp_path / "r").exists()


def _declared() -> dict[str, dict]:
    return {p.stem: notebook_parameters(p) for p in notebook_paths()}


def test_params_mapping_gets_the_same_checks_and_render_keys_stay_valid():
    declared = _declared()
    with pytest.raises(AnalysisError, match=r"params: unknown parameter 'n_bot'.*'n_boot'"):
        report_params.load({"n_bot": 5}, declared)
    ok = {"pattern": "*.txt", "n_boot": 5, "03-themes": {"seed": 1}, "04-topics": None}
    assert report_params.load(ok, declared) == ok


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    return err


def test_cli_unreadable_params_exits_2_with_one_line(
    seeds_dir: Path, tmp_path: Path, capsys, monkeypatch
):
    params = tmp_path / "p.yaml"
    params.write_text("top_n: 3\n", encoding="utf-8")
    real = Path.read_bytes

    def read_bytes(self):
        if self == params:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    argv = ["report", "--corpus", str(seeds_dir), "--out", str(tmp_path / "r")]
    assert main(argv + ["--params", str(params)]) == 2
    assert "p.yaml: parameters file cannot be read (permission denied)" in _one_line(capsys)


def test_split_and_params_for_give_each_notebook_its_declared_common_keys_then_its_own():
    declared = {"01-corpus": {"corpus": {}, "top_n": {}}, "03-themes": {"n_boot": {}, "seed": {}}}
    common, per = report_params.split(
        {"top_n": 3, "seed": 1, "03-themes": {"n_boot": 5}, "01-corpus": None}, list(declared)
    )
    assert common == {"top_n": 3, "seed": 1}
    assert per == {"03-themes": {"n_boot": 5}, "01-corpus": {}}
    assert report_params.params_for("01-corpus", declared["01-corpus"], common, per) == {"top_n": 3}
    assert report_params.params_for("03-themes", declared["03-themes"], common, per) == {
        "seed": 1,
        "n_boot": 5,
    }
    with pytest.raises(AnalysisError, match="'x' is not declared by notebook 01-corpus"):
        report_params.params_for("01-corpus", declared["01-corpus"], {}, {"01-corpus": {"x": 1}})


def test_relative_file_parameters_are_relative_to_the_params_file(tmp_path: Path):
    sub = tmp_path / "study"
    sub.mkdir()
    f = sub / "p.yaml"
    f.write_text("themes: codes.yml\nrules_file: /abs/r.yml\n03-themes:\n  codebook: c.yml\n")
    data = report_params.load(f)
    assert data["themes"] == str(sub / "codes.yml")
    assert data["rules_file"] == "/abs/r.yml"
    assert data["03-themes"]["codebook"] == str(sub / "c.yml")


def test_read_options_maps_pattern_and_text_column_to_read_corpus_keywords():
    assert report_params.read_options({"pattern": "{year}.txt", "text_column": "body"}) == {
        "pattern": "{year}.txt",
        "columns": {"body": "text"},
    }
    assert report_params.read_options({"pattern": None, "top_n": 3}) == {}


def test_old_notebook_parameter_names_still_work_with_a_warning(tmp_path: Path):
    """group_cols (02), groups (04) and group_col (05) are now ``by``: one release of grace."""
    declared = {p.stem: notebook_parameters(p) for p in notebook_paths()}
    for stem in ("02-keywords", "04-topics", "05-compare"):
        assert "by" in declared[stem]
        assert not {"group_cols", "groups", "group_col"} & set(declared[stem])
    f = tmp_path / "old.yaml"
    f.write_text("05-compare:\n  group_col: source\n04-topics:\n  groups: [year]\n", "utf-8")
    with pytest.warns(FutureWarning, match="'group_col' is now 'by'"):
        data = report_params.load(f, declared)
    assert data["05-compare"] == {"by": ["source"]}  # a single column becomes a list
    assert data["04-topics"] == {"by": ["year"]}
    with pytest.raises(AnalysisError, match="give 'by' only"):
        report_params.load({"group_cols": ["year"], "by": ["year"]}, declared)
