"""Packaging: the environment files agree, pins are complete, notebooks are clean, no downloads."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from analysis.report import NOTEBOOK_DIR

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((NOTEBOOK_DIR).glob("*.ipynb"))


def _norm(name: str) -> str:
    """PEP 503 normalised distribution name, without version specifiers or extras."""
    name = re.split(r"[\s\[<>=!~;]", name.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _runtime_deps() -> set[str]:
    return {_norm(d) for d in _pyproject()["project"]["dependencies"]}


def _dev_deps() -> set[str]:
    return {_norm(d) for d in _pyproject()["project"]["optional-dependencies"]["dev"]}


def _environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def test_environment_yml_names_the_same_dependencies_as_pyproject() -> None:
    env = _environment()
    assert env["channels"] == ["conda-forge"]
    conda = {
        _norm(d) for d in env["dependencies"] if isinstance(d, str) and _norm(d) not in {"python", "pip"}
    }  # fmt: skip
    expected = _runtime_deps() | _dev_deps()
    assert conda == expected, (
        f"only in environment.yml: {sorted(conda - expected)}; "
        f"only in pyproject.toml: {sorted(expected - conda)}"
    )
    # the required set is present (scikit-learn by its distribution name)
    assert {"jupyterlab", "scikit-learn", "nltk", "matplotlib", "seaborn", "papermill", "pandas"} <= expected  # fmt: skip


def test_environment_yml_pins_python_and_installs_the_package_with_pip() -> None:
    deps = _environment()["dependencies"]
    assert any(isinstance(d, str) and re.fullmatch(r"python\s*=+\s*3\.11.*", d) for d in deps)
    assert "pip" in deps
    pip_sections = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    assert len(pip_sections) == 1
    assert any(re.fullmatch(r"-e\s+\.(\[\w+\])?", item.strip()) for item in pip_sections[0])


def test_constraints_pin_every_dependency_exactly() -> None:
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][0-9A-Za-z.+!-]*)", line)
        assert m, f"constraints.txt: {line!r} is not an exact 'name==version' pin"
        pins[_norm(m.group(1))] = m.group(2)
    missing = (_runtime_deps() | _dev_deps()) - set(pins)
    assert not missing, f"not pinned in constraints.txt: {sorted(missing)}"


def test_package_requires_python_311() -> None:
    assert _pyproject()["project"]["requires-python"] == ">=3.11"


def test_rules_data_ship_with_the_package() -> None:
    data = _pyproject()["tool"]["setuptools"]["package-data"]["analysis"]
    assert "data/*.yml" in data
    assert (ROOT / "analysis" / "data" / "clean_rules.yml").is_file()


def test_report_notebooks_and_stylesheet_ship_with_the_package() -> None:
    """The report renders from an installed wheel: its suite and CSS are package data."""
    data = _pyproject()["tool"]["setuptools"]["package-data"]["analysis"]
    assert {"report/notebooks/*.ipynb", "report/static/*.css"} <= set(data)
    assert NOTEBOOK_DIR == ROOT / "analysis" / "report" / "notebooks"
    assert (ROOT / "analysis" / "report" / "static" / "report.css").is_file()
    assert not (ROOT / "notebooks").exists(), "the only copy of the suite is package data"


def test_report_code_has_no_checkout_relative_paths() -> None:
    """No PROJECT_ROOT/parents[...] lookups: an installed wheel has no checkout around it."""
    for path in (ROOT / "analysis" / "report").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "PROJECT_ROOT" not in text, path.name
        assert not re.search(r"parents\[[2-9]\]", text), path.name


# ----------------------------------------------------------------- notebooks


def notebook_problems(nb: dict) -> list[str]:
    """What keeps a notebook from being stored in git: outputs, counts, parameters cell."""
    problems = []
    code = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    for i, cell in enumerate(code):
        if cell.get("outputs"):
            problems.append(f"code cell {i} has outputs")
        if cell.get("execution_count") is not None:
            problems.append(f"code cell {i} has an execution count")
    tagged = [
        c for c in nb.get("cells", []) if "parameters" in c.get("metadata", {}).get("tags", [])
    ]
    if len(tagged) != 1:
        problems.append(f"{len(tagged)} cells tagged 'parameters' (need exactly one)")
    elif tagged[0].get("cell_type") != "code":
        problems.append("the 'parameters' cell is not a code cell")
    return problems


def _cell(kind: str, source: str, tags=(), outputs=(), count=None) -> dict:
    cell = {"cell_type": kind, "metadata": {"tags": list(tags)}, "source": source}
    if kind == "code":
        cell.update(outputs=list(outputs), execution_count=count)
    return cell


def test_notebook_checker_catches_outputs_counts_and_parameters() -> None:
    params = _cell("code", 'corpus: str = "../seeds"  # corpus path', tags=["parameters"])
    good = {"cells": [_cell("markdown", "# Title"), params, _cell("code", "x = 1")]}
    assert notebook_problems(good) == []
    ran = {"cells": [params, _cell("code", "x", outputs=[{"output_type": "stream"}], count=3)]}
    assert notebook_problems(ran) == ["code cell 1 has outputs", "code cell 1 has an execution count"]  # fmt: skip
    assert notebook_problems({"cells": [_cell("code", "x = 1")]}) == [
        "0 cells tagged 'parameters' (need exactly one)"
    ]
    assert notebook_problems({"cells": [params, params]}) == [
        "2 cells tagged 'parameters' (need exactly one)"
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_stored_clean_with_one_parameters_cell(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb.get("nbformat") == 4
    assert notebook_problems(nb) == [], path.name
    (params,) = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
    source = "".join(params["source"])
    # typed, commented defaults: every assignment reads "name: type = value  # comment"
    assigns = [ln for ln in source.splitlines() if re.match(r"\s*\w+\s*(:[^=]+)?=", ln)]
    assert assigns, f"{path.name}: parameters cell assigns nothing"
    for ln in assigns:
        assert re.match(r"\s*\w+\s*:\s*[\w\[\], |]+=.+#\s*\S", ln), f"{path.name}: {ln!r}"


def test_notebooks_folder_holds_the_suite() -> None:
    assert NOTEBOOK_DIR.is_dir(), f"{NOTEBOOK_DIR}: the report's notebooks are missing"
    assert NOTEBOOKS, f"{NOTEBOOK_DIR} holds no .ipynb files"
    for path in NOTEBOOKS:
        assert re.fullmatch(r"\d\d-[a-z0-9-]+\.ipynb", path.name), path.name


# ----------------------------------------------------------------- no downloads, CI, make


def test_no_nltk_download_anywhere() -> None:
    offending = []
    rx = re.compile(r"nltk\s*\.\s*download|from\s+nltk\s+import\s+download|nltk\.downloader")
    for folder in ("analysis",):  # the notebooks live in analysis/report/notebooks
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".ipynb", ".yml", ".yaml", ".md"} and path.is_file():
                if rx.search(path.read_text(encoding="utf-8", errors="replace")):
                    offending.append(path.relative_to(ROOT).as_posix())
    assert offending == []


def test_ci_runs_make_test() -> None:
    ci = ROOT / ".ci" / "run"
    lines = [ln.strip() for ln in ci.read_text(encoding="utf-8").splitlines()]
    assert lines[0].startswith("#!")
    assert "make test" in lines
    assert ci.stat().st_mode & 0o111, ".ci/run is not executable"


def test_makefile_has_the_documented_targets() -> None:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([A-Za-z][\w-]*)\s*:(?!=)", text, flags=re.M))
    assert {"setup", "report", "test", "lab", "help"} <= targets
    # test and report bootstrap the environment through setup
    for target in ("test", "report", "lab"):
        deps = re.search(rf"^{target}\s*:([^#\n]*)", text, flags=re.M).group(1).split()
        assert "setup" in deps, f"make {target} does not depend on setup"
    # make lab opens the packaged notebooks, and works as root (Jupyter refuses root otherwise)
    lab = re.search(r"^lab\s*:.*\n((?:\t.*\n)+)", text, flags=re.M).group(1)
    assert "--notebook-dir=analysis/report/notebooks" in lab
    assert "--allow-root" in lab and "id -u" in lab
    # help lists every documented target
    documented = set(re.findall(r"^([A-Za-z][\w-]*)\s*:[^\n]*##", text, flags=re.M))
    assert {"setup", "report", "test", "lab", "help"} <= documented


def test_every_figure_is_reachable_from_analysis_and_analysis_plot():
    import analysis
    import analysis.plot

    for name in analysis.plot.__all__:
        assert getattr(analysis, name) is getattr(analysis.plot, name), name
    assert set(analysis.plot.__all__) <= set(analysis.__all__)
