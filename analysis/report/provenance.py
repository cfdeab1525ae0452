"""Provenance of a report: what was read (sha256 per corpus file), with which versions,
from which commit of this project.

The commit is recorded only when the ``analysis`` package in use lives in a git checkout
of this project (:func:`project_root`); an installed wheel records ``None``, never the
commit of whatever repository happens to surround ``site-packages``.
"""

from __future__ import annotations

import hashlib
import platform
import re
import subprocess
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path

__all__ = ["collect", "corpus_files", "git_commit", "project_root", "versions", "sha256"]

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the analysis package folder in use
PACKAGES = (
    "analysis", "pandas", "numpy", "scipy", "scikit-learn", "nltk", "matplotlib",
    "seaborn", "papermill", "nbconvert", "pyyaml",
)  # fmt: skip
_NAME = re.compile(r'^\s*name\s*=\s*["\']analysis["\']\s*$', re.M)


def project_root(package_dir: Path = PACKAGE_DIR) -> Path | None:
    """The source checkout holding ``package_dir``: its parent, if that parent has a
    ``pyproject.toml`` naming the ``analysis`` project; otherwise (an installed wheel) None."""
    root = package_dir.parent
    try:
        return root if _NAME.search((root / "pyproject.toml").read_text(encoding="utf-8")) else None
    except (OSError, UnicodeDecodeError):
        return None


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()


def git_commit(package_dir: Path = PACKAGE_DIR) -> dict:
    """``{"commit": sha, "dirty": bool}`` of the checkout the package runs from.

    ``{"commit": None, "dirty": None}`` unless :func:`project_root` finds the checkout
    and it is the top level of a git work tree (so an enclosing, unrelated repository
    is never reported).
    """
    none = {"commit": None, "dirty": None}
    root = project_root(package_dir)
    if root is None:
        return none
    try:
        if Path(_git(root, "rev-parse", "--show-toplevel")).resolve() != root.resolve():
            return none
        commit = _git(root, "rev-parse", "HEAD")
        dirty = bool(_git(root, "status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.CalledProcessError):
        return none
    return {"commit": commit, "dirty": dirty}


def versions() -> dict[str, str]:
    """Python and the versions of the packages a report depends on."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def sha256(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def corpus_files(corpus: Path, read_opts: Mapping) -> dict[str, str]:
    """sha256 of every file the loader reads (:func:`analysis.corpus.corpus_files`), by path."""
    from ..corpus import corpus_files as files

    opts = {k: v for k, v in read_opts.items() if k == "pattern"}
    base = corpus.parent if corpus.is_file() else corpus
    return {p.relative_to(base).as_posix(): sha256(p) for p in sorted(files(corpus, **opts))}


def collect(corpus: Path, read_opts: Mapping, files: Mapping[str, str] | None = None) -> dict:
    """The parts of ``provenance.json`` that describe the inputs: corpus files, versions,
    git. ``files`` (relative path -> sha256) are digests already taken of the files the
    loader reads; None hashes them here."""
    listed = corpus_files(corpus, read_opts) if files is None else dict(sorted(files.items()))
    return {
        "corpus": {"path": str(corpus), "files": listed},
        "versions": versions(),
        "git": git_commit(),
    }
