"""Checks render makes before any notebook runs, and exploring outside render."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import analysis.report as report
from analysis.errors import AnalysisError
from analysis.report import NOTEBOOK_DIR, render

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"


def test_themes_without_a_codebook_fail_before_any_notebook_runs(tmp_path, monkeypatch):
    ran = []
    monkeypatch.setattr(report, "run_suite", lambda *a, **k: ran.append(1))
    with pytest.raises(
        AnalysisError,
        match=r"^03-themes needs a codebook: set `themes:` in the params file .* leave the "
        r"section out with --notebooks \(e\.g\. --notebooks 01-corpus 02-keywords 04-topics 05-compare\)$",
    ):
        render(SEEDS, tmp_path / "r", notebooks=["01-corpus", "03-themes"], quiet=True)
    assert not ran and not (tmp_path / "r").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".r-build")]


def test_context_without_targets_or_codebook_fails_before_any_notebook_runs(tmp_path, monkeypatch):
    ran = []
    monkeypatch.setattr(report, "run_suite", lambda *a, **k: ran.append(1))
    with pytest.raises(AnalysisError, match=r"^06-context needs targets or a codebook: set"):
        render(SEEDS, tmp_path / "r", notebooks=["06-context"], quiet=True)
    assert not ran
    params = tmp_path / "p.yaml"
    params.write_text("06-context:\n  targets: [peace]\n", encoding="utf-8")

    def reached(*args, **kwargs):
        raise RuntimeError("the notebooks would run now")

    monkeypatch.setattr(report, "run_suite", reached)
    with pytest.raises(RuntimeError, match="would run"):  # targets alone are enough
        render(SEEDS, tmp_path / "r", params, notebooks=["06-context"], quiet=True)


def test_themes_with_a_codebook_in_the_params_pass_the_check(tmp_path, monkeypatch):
    ran = []

    def fake_run(runs, *a, **k):
        ran.extend(prm.get("themes") for _, prm in runs)
        raise KeyboardInterrupt  # stop here: the check passed

    monkeypatch.setattr(report, "run_suite", fake_run)
    (tmp_path / "cb.yml").write_text("x: 1\n", encoding="utf-8")
    (tmp_path / "p.yaml").write_text("themes: cb.yml\n", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        render(SEEDS, tmp_path / "r", tmp_path / "p.yaml", notebooks=["03-themes"], quiet=True)
    assert ran == [str(tmp_path / "cb.yml")]


@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        ("by: [yaer]\n", r"^02-keywords: by: column 'yaer' is not in the corpus \(did you mean 'year'\?\); its columns are doc_id, "),
        ("05-compare:\n  time_col: date_x\n", r"^05-compare: time_col: column 'date_x' is not in the corpus"),
        ("by: source\n", None),
    ],
)  # fmt: skip
def test_a_grouping_column_the_user_names_must_exist(tmp_path, monkeypatch, yaml, message):
    ran = []

    def fake_run(runs, *a, **k):
        ran.append(1)
        raise KeyboardInterrupt  # stop here: the check passed

    monkeypatch.setattr(report, "run_suite", fake_run)
    (tmp_path / "p.yaml").write_text(yaml, encoding="utf-8")
    names = ["02-keywords", "05-compare"]
    if message is None:
        with pytest.raises(KeyboardInterrupt):
            render(SEEDS, tmp_path / "r", tmp_path / "p.yaml", notebooks=names, quiet=True)
        assert ran
        return
    with pytest.raises(AnalysisError, match=message):
        render(SEEDS, tmp_path / "r", tmp_path / "p.yaml", notebooks=names, quiet=True)
    assert not ran and not (tmp_path / "r").exists()


def test_a_notebook_run_outside_render_writes_only_to_the_scratch_folder(tmp_path, monkeypatch):
    papermill = pytest.importorskip("papermill")
    work = tmp_path / "work"
    work.mkdir()
    scratch = tmp_path / "scratch"
    monkeypatch.setenv("ANALYSIS_SCRATCH", str(scratch))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    reports = ROOT / "reports"
    before = sorted(p.as_posix() for p in reports.rglob("*")) if reports.exists() else None
    nb_before = sorted(p.name for p in NOTEBOOK_DIR.iterdir())
    papermill.execute_notebook(
        str(NOTEBOOK_DIR / "01-corpus.ipynb"),
        str(work / "executed.ipynb"),
        parameters={"corpus": str(SEEDS)},  # no out: the notebook's default
        cwd=str(work),
        kernel_name="python3",
        progress_bar=False,
    )
    assert sorted(p.name for p in work.iterdir()) == ["executed.ipynb"]  # nothing beside it
    assert sorted(p.name for p in NOTEBOOK_DIR.iterdir()) == nb_before
    after = sorted(p.as_posix() for p in reports.rglob("*")) if reports.exists() else None
    assert after == before
    written = scratch / "01-corpus"
    assert (written / "tables" / "corpus-groups.csv").is_file()
    assert (written / "findings" / "01-corpus.json").is_file()
    assert (written / "figures" / "corpus-lengths.png").is_file()
    text = (work / "executed.ipynb").read_text(encoding="utf-8")
    assert "PosixPath" not in text  # save_figure's return value is not shown
    assert "scratch folder" in text
