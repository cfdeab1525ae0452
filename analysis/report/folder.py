"""The report folder: what ``--out`` may be, the build folder beside it, and the swap.

A report is built in a temporary sibling folder ``.NAME-build-<pid>-<hex>`` (with a marker
file naming its owner) and swapped in with renames only when every notebook succeeded.
``out`` may never be, hold or lie inside the corpus, the current folder, the project
checkout or a git repository's root; files the toolkit did not write are never deleted.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import warnings
from collections.abc import Sequence
from pathlib import Path

from ..errors import AnalysisError, InputWarning
from .provenance import project_root

MARKER = ".analysis-build"  # written into our temporary folders, with the owner's pid
_MARKER = MARKER
_KEEP = {"README.md", ".gitkeep"}

__all__ = [
    "MARKER", "check_out", "plan_replace", "remove_stale", "new_build", "outputs", "os_error",
    "swap_in", "umask_mode",
]  # fmt: skip


def umask_mode() -> int:
    """The mode ``mkdir`` gives a new folder under the current umask."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o777 & ~mask


def _git_root(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _protected(corpus: Path) -> list[tuple[Path, str]]:
    """Folders a report must never replace, nor contain: (path, what it is)."""
    cwd = Path.cwd().resolve()
    items = [(corpus, "the corpus"), (cwd, "the current working directory")]
    project = project_root()
    if project is not None:
        items.append((project, "the project checkout"))
    for start in (corpus, cwd, *([project] if project else [])):
        root = _git_root(start)
        if root is not None:
            items.append((root, "the root of a git repository"))
    return items


def check_out(out: Path, corpus: Path) -> None:
    """Refuse an ``out`` that is, holds or lies inside something a report must not replace."""
    fix = "choose another --out, such as a new folder reports/NAME"
    for path, what in _protected(corpus):
        if out == path:
            raise AnalysisError(f"{out}: is {what}; {fix}")
        if out in path.parents:
            raise AnalysisError(f"{out}: contains {what} ({path}); {fix}")
        if what == "the corpus" and path in out.parents:
            raise AnalysisError(f"{out}: lies inside the corpus folder {path}; {fix}")
    if (out / ".git").exists():
        raise AnalysisError(f"{out}: is the root of a git repository; {fix}")
    if out.exists() and not out.is_dir():
        raise AnalysisError(f"{out}: exists and is not a folder; {fix}")


def read_provenance(out: Path) -> dict | None:
    """The ``provenance.json`` of the report in ``out`` as a mapping; None when ``out``
    holds none or it is not a JSON object (then ``out`` is not treated as a report)."""
    prov = out / "provenance.json"
    if not prov.is_file():
        return None
    try:
        data = json.loads(prov.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _previous_outputs(out: Path) -> set[str] | None:
    """Files the report in ``out`` wrote (its provenance's ``outputs``), or None if no report."""
    data = read_provenance(out)
    if data is None:
        return None
    outputs = data.get("outputs")
    if outputs is None and {"corpus", "parameters", "notebook_seconds"} <= set(data):
        return _legacy_outputs(out, data)
    if not isinstance(outputs, list) or not all(isinstance(x, str) for x in outputs):
        return None
    return set(outputs)


def _legacy_outputs(out: Path, provenance: dict) -> set[str]:
    """What a report written before ``outputs`` was recorded wrote, by its fixed layout.

    Such a report wrote ``index.html``, ``provenance.json``, one ``NAME.html`` and
    ``notebooks/NAME.ipynb`` per section it ran, and figures (PNG, SVG), tables (CSV)
    and findings (JSON) in their folders. Only those names count as its own; anything
    else in the folder is treated as the user's.
    """
    names = [str(n) for n in provenance.get("notebook_seconds") or {}]
    own = {"index.html", "provenance.json"}
    own |= {f"{n}.html" for n in names} | {f"notebooks/{n}.ipynb" for n in names}
    for folder, suffixes in (
        ("figures", (".png", ".svg")),
        ("tables", (".csv",)),
        ("findings", (".json",)),
    ):
        if (out / folder).is_dir():
            own |= {
                f"{folder}/{f.name}"
                for f in (out / folder).iterdir()
                if f.is_file() and not f.is_symlink() and f.suffix in suffixes
            }
    return own


def _unlisted(path: Path, rel: str, written: set[str]) -> list[str]:
    """Paths under ``path`` (relative ``rel``) that are not among ``written``."""
    if path.is_symlink() or not path.is_dir():
        return [] if rel in written else [rel]
    if not any(w.startswith(rel + "/") for w in written):
        return [rel]
    out: list[str] = []
    for child in sorted(path.iterdir()):
        out.extend(_unlisted(child, f"{rel}/{child.name}", written))
    return out


def plan_replace(out: Path, force: bool) -> list[str]:
    """What of ``out`` to carry into the new report (relative paths); refuse if unsafe.

    Carried: ``README.md``/``.gitkeep``, nested reports and, with ``force``, every file the
    previous report did not write. Without ``force``, any such file is an error.
    """
    if not out.is_dir():
        return []
    written = _previous_outputs(out)
    carry: list[str] = []
    unknown: list[str] = []
    for entry in sorted(out.iterdir()):
        nested = entry.is_dir() and not entry.is_symlink() and (entry / "provenance.json").is_file()
        if entry.name in _KEEP or nested:
            carry.append(entry.name)
        elif written is None:
            unknown.append(entry.name)
        else:
            unknown.extend(_unlisted(entry, entry.name, written))
    if unknown and not force:
        why = (
            "is not a report folder (no provenance.json listing its outputs)"
            if written is None
            else "holds files the previous report did not write"
        )
        raise AnalysisError(
            f"{out}: {why}, e.g. {unknown[0]!r}; choose another --out, or pass --force "
            "to replace the report while keeping those files"
        )
    return carry + unknown


def _build_pattern(name: str) -> re.Pattern:
    return re.compile(rf"^\.{re.escape(name)}-(?:build|old)-(\d+)-[0-9a-f]+$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: exists, owned by someone else
        return True
    return True


def _write_marker(folder: Path, carried: Sequence[str] = ()) -> None:
    (folder / _MARKER).write_text(
        json.dumps({"tool": "analysis.report", "pid": os.getpid(), "carried": list(carried)})
        + "\n",
        encoding="utf-8",
    )


def remove_stale(out: Path) -> None:
    """Remove temporary folders of earlier runs beside ``out`` whose process is gone.

    Only folders named ``.NAME-build-<pid>-<hex>`` / ``.NAME-old-<pid>-<hex>`` that carry
    our marker file are considered; one whose marker lists user files it was carrying is
    left alone (with a warning), so nothing the toolkit did not write is deleted.
    """
    pattern = _build_pattern(out.name)
    for entry in sorted(out.parent.iterdir()):
        m = pattern.match(entry.name)
        if not m or entry.is_symlink() or not entry.is_dir() or _alive(int(m.group(1))):
            continue
        marker = entry / _MARKER
        try:
            info = json.loads(marker.read_text(encoding="utf-8")) if marker.is_file() else None
        except (OSError, ValueError):
            info = None
        if not isinstance(info, dict) or info.get("tool") != "analysis.report":
            continue
        if info.get("carried"):
            warnings.warn(
                f"{entry}: left by an interrupted run and holds your files "
                f"({info['carried'][0]!r}...); move them back into {out}, then delete it",
                stacklevel=2,
            )
            continue
        shutil.rmtree(entry, ignore_errors=True)


def new_build(out: Path) -> Path:
    """Create ``.NAME-build-<pid>-<hex>`` beside ``out``, with our marker inside."""
    parent = out.parent
    if parent.exists() and not os.access(parent, os.W_OK | os.X_OK):
        raise PermissionError(13, "Permission denied", str(parent))
    parent.mkdir(parents=True, exist_ok=True)
    for _ in range(100):
        build = parent / f".{out.name}-build-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            build.mkdir()
        except FileExistsError:
            continue
        _write_marker(build)
        return build
    raise AnalysisError(f"{parent}: cannot create a build folder; remove old .{out.name}-build-*")


def outputs(build: Path) -> list[str]:
    files = [p.relative_to(build).as_posix() for p in build.rglob("*") if not p.is_dir()]
    return sorted({f for f in files if f != _MARKER} | {"provenance.json"})


def os_error(exc: OSError, out: Path) -> AnalysisError:
    where = exc.filename or out
    if isinstance(exc, PermissionError):
        return AnalysisError(
            f"{where}: cannot write the report here (permission denied); choose another --out"
        )
    return AnalysisError(
        f"{where}: {exc.strerror or exc}; check the folder or choose another --out"
    )


def swap_in(build: Path, out: Path, carry: Sequence[str], keep_build: list[bool]) -> None:
    """Replace ``out`` by ``build``, moving the ``carry`` paths of the old one across.

    Renames only (atomic on one file system); on failure everything moved is moved back.
    If even that fails, ``keep_build`` is set so the caller does not delete the build
    folder, which then holds the user's files, and the error says where they are.
    """
    if not out.exists():
        build.rename(out)
        (out / _MARKER).unlink(missing_ok=True)
        return
    for rel in carry:
        if (build / rel).exists() or (build / rel).is_symlink():
            raise AnalysisError(
                f"{out / rel}: the new report writes this path too; move your file away "
                "or choose another --out"
            )
    if carry:
        _write_marker(build, carry)  # a stale build holding user files is never removed
    moved: list[str] = []
    old = out.with_name(f".{out.name}-old-{os.getpid()}-{secrets.token_hex(4)}")
    renamed = False
    try:
        for rel in carry:
            (build / rel).parent.mkdir(parents=True, exist_ok=True)
            (out / rel).rename(build / rel)
            moved.append(rel)
        out.rename(old)
        renamed = True
        build.rename(out)
    except BaseException:
        try:
            if renamed:
                old.rename(out)
            for rel in reversed(moved):
                (build / rel).rename(out / rel)
        except OSError:
            keep_build.append(True)
            raise AnalysisError(
                f"{build}: the report could not be swapped in and your files are here; "
                f"move them back into {out}"
            ) from None
        raise
    (out / _MARKER).unlink(missing_ok=True)
    _discard_old(old, out)


def _discard_old(old: Path, out: Path) -> None:
    """Delete the previous report's own files from ``old`` (the swapped-out folder).

    Only the files its ``provenance.json`` lists as written are deleted. Anything else,
    a file saved into the report folder while the run was going on, after the folder was
    checked, is moved into the new report, or, if the new report has a file of that
    name, left in ``old`` with a warning that names it. ``old`` goes only when empty.
    """
    written = _previous_outputs(old) or set()
    left: list[str] = []
    # children before their folders: reverse order of the relative paths
    for path in sorted(old.rglob("*"), key=lambda p: p.relative_to(old).as_posix(), reverse=True):
        rel = path.relative_to(old).as_posix()
        if path.is_dir() and not path.is_symlink():
            try:
                path.rmdir()  # empty once its files are handled; else it holds kept files
            except OSError:
                pass
        elif rel in written or rel == _MARKER:
            path.unlink(missing_ok=True)
        elif (out / rel).exists() or (out / rel).is_symlink():
            left.append(rel)
        else:
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            path.rename(out / rel)
    try:
        old.rmdir()
    except OSError:
        if left:
            warnings.warn(
                f"{old}: keeps {left[0]!r}, saved into {out} during the run; the new report "
                "has a file of that name, so yours was left here",
                InputWarning,
                stacklevel=3,
            )
