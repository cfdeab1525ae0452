"""Installable anywhere: build a wheel, install it into a fresh virtual environment outside
the checkout, and render the seed report there with ``python -m analysis report``.

The new environment borrows the dependencies (pandas, papermill, ipykernel...) from this
interpreter's site-packages through a ``.pth`` line, which Python appends to ``sys.path``
without processing the ``.pth`` files inside it, so the checkout's editable ``analysis`` is
not visible there: the only ``analysis`` is the wheel's. Their data files (nbconvert's
templates) are borrowed through ``JUPYTER_PATH``. The build uses setuptools from this
environment when it is new enough for the project metadata, otherwise pip's build isolation
(fetching setuptools from the package index, as ``make setup`` does).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from analysis.report import SECTIONS

ROOT = Path(__file__).resolve().parents[1]
_SETUPTOOLS_FOR_LICENSE = (77,)  # `license = "MIT"` (PEP 639) needs setuptools >= 77


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)


def _local_setuptools_is_new_enough() -> bool:
    try:
        import setuptools
    except ImportError:
        return False
    major = int(setuptools.__version__.split(".")[0])
    return (major,) >= _SETUPTOOLS_FOR_LICENSE


def _build_wheel(tmp: Path) -> Path:
    src = tmp / "src"
    src.mkdir()
    shutil.copytree(
        ROOT / "analysis", src / "analysis", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "dist")]
    if _local_setuptools_is_new_enough():
        cmd.append("--no-build-isolation")
    r = _run([*cmd, str(src)])
    if r.returncode and "from versions: none" in r.stderr:
        pytest.skip("building the wheel needs setuptools>=77 from the package index (offline)")
    assert r.returncode == 0, r.stderr[-2000:]
    (wheel,) = (tmp / "dist").glob("analysis-*.whl")
    return wheel


@pytest.mark.slow
def test_wheel_installs_in_a_fresh_venv_and_renders_the_seed_report(tmp_path: Path):
    wheel = _build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"analysis/report/notebooks/{n}.ipynb" for n in SECTIONS}
    expected |= {"analysis/data/clean_rules.yml", "analysis/report/static/report.css"}
    assert "analysis/data/themes.yml" not in names  # a codebook belongs to its study
    assert expected <= names, sorted(expected - names)
    assert not [n for n in names if n.startswith(("tests/", "seeds/"))]

    venv = tmp_path / "venv"
    r = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    assert r.returncode == 0, r.stderr
    python = venv / "bin" / "python"
    purelib = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())  # fmt: skip
    (purelib / "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    r = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--ignore-installed",
              "--no-index", "-q", str(wheel)])  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]

    work = tmp_path / "work"
    shutil.copytree(ROOT / "seeds", work / "seeds")
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "JUPYTER_PATH"}}
    env.update(
        MPLBACKEND="Agg",
        JUPYTER_DATA_DIR=str(tmp_path / "jupyter"),  # no user kernelspecs
        JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"),  # the borrowed templates
    )
    where = _run([str(python), "-c", "import analysis; print(analysis.__file__)"], env=env, cwd=work)  # fmt: skip
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout + where.stderr
    r = _run([str(python), "-m", "analysis", "report", "--corpus", "seeds", "--out", "rep",
              "--params", "seeds/report.yaml"], env=env, cwd=work)  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    rep = work / "rep"
    assert (rep / "index.html").is_file()
    assert sorted(p.name for p in rep.glob("*.html")) == sorted(
        ["index.html", *(f"{n}.html" for n in SECTIONS)]
    )
    prov = json.loads((rep / "provenance.json").read_text(encoding="utf-8"))
    assert prov["git"] == {"commit": None, "dirty": None}  # never another repository's commit
    assert prov["versions"]["analysis"] == "0.1.0"
    read = {
        p.name for p in (work / "seeds").iterdir() if p.suffix == ".txt" or p.name == "metadata.csv"
    }
    assert set(prov["corpus"]["files"]) == read  # not report.yaml, notes/ nor coding.csv
    assert len(list((rep / "tables").glob("*.csv"))) > 10
