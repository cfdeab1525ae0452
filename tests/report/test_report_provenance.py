"""Provenance: sha256 of the files read, versions, and the git commit only of this project."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from analysis.report import provenance, render


def test_provenance_lists_exactly_the_files_read(make_corpus, tmp_path: Path):
    from analysis.corpus import corpus_files

    text = "The delegates spoke about cooperation and peace at length today."
    corpus = make_corpus(
        {"a.txt": text, "b.txt": text.replace("peace", "trade"), "notes.md": "not a document"},
        manifest=[{"file": "a.txt", "doc_id": "A"}, {"file": "b.txt", "doc_id": "B"}],
    )
    out = tmp_path / "report"
    render(corpus, out, notebooks=["01-corpus"], quiet=True)
    files = json.loads((out / "provenance.json").read_text(encoding="utf-8"))["corpus"]["files"]
    assert sorted(files) == ["a.txt", "b.txt", "metadata.csv"]
    assert sorted(files) == sorted(p.relative_to(corpus).as_posix() for p in corpus_files(corpus))


def test_versions_name_python_and_the_packages():
    v = provenance.versions()
    assert v["analysis"] == "0.1.0" and v["pandas"] and v["python"].count(".") == 2


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=folder, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


def _package_in(root: Path, pyproject: str | None) -> Path:
    pkg = root / "analysis"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    if pyproject is not None:
        (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    return pkg


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_commit_only_for_a_checkout_of_this_project(tmp_path: Path):
    # an installed package inside some other repository: never that repository's commit
    other = tmp_path / "other"
    site = other / "venv" / "lib" / "site-packages"
    site.mkdir(parents=True)
    _git(other, "init", "-q")
    (other / "pyproject.toml").write_text('[project]\nname = "other"\n', encoding="utf-8")
    _git(other, "add", "pyproject.toml")
    _git(other, "commit", "-qm", "x")
    pkg = _package_in(site, None)
    assert provenance.project_root(pkg) is None
    assert provenance.git_commit(pkg) == {"commit": None, "dirty": None}
    # a checkout of this project in a subfolder of another repository: not its top level
    nested = _package_in(other / "vendored", '[project]\nname = "analysis"\n')
    assert provenance.project_root(nested) == other / "vendored"
    assert provenance.git_commit(nested) == {"commit": None, "dirty": None}
    # a git checkout of this project: its own commit
    own = tmp_path / "own"
    pkg = _package_in(own, '[project]\nname = "analysis"\nversion = "0.1.0"\n')
    _git(own, "init", "-q")
    _git(own, "add", ".")
    _git(own, "commit", "-qm", "x")
    head = _git(own, "rev-parse", "HEAD")
    assert provenance.git_commit(pkg) == {"commit": head, "dirty": False}
    (pkg / "__init__.py").write_text("x = 1\n", encoding="utf-8")
    assert provenance.git_commit(pkg) == {"commit": head, "dirty": True}


def test_report_records_the_commit_of_the_checkout_it_runs_from(seed_report: Path):
    prov = json.loads((seed_report / "provenance.json").read_text(encoding="utf-8"))
    root = provenance.project_root()
    assert root is not None  # the tests run from the source checkout
    assert prov["git"]["commit"] == provenance.git_commit()["commit"]
    assert prov["versions"] == {**prov["versions"], **provenance.versions()}
