"""Rendering the study report: papermill runs, HTML export, index and provenance.

This module only coordinates; the analysis lives in the notebooks, which only call
``analysis``. :func:`render` runs every notebook of the suite with papermill (in
parallel), exports each to HTML (without code by default), collects the figures and
tables the notebooks wrote with :func:`analysis.save_figure` / :func:`analysis.save_table`,
writes ``index.html`` and ``provenance.json``, and swaps the new report in only when
everything succeeded, so a failed run leaves the previous report untouched.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import platform
import re
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from .._yaml import did_you_mean, read_yaml
from ..errors import AnalysisError

__all__ = ["render", "notebook_paths", "notebook_parameters", "NOTEBOOK_DIR", "SECTIONS"]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = Path(__file__).resolve().parent / "notebooks"
SECTIONS = {
    "01-corpus": "Corpus",
    "02-keywords": "Keywords",
    "03-themes": "Themes",
    "04-topics": "Topics",
    "05-compare": "Comparisons",
}
_PACKAGES = (
    "analysis", "pandas", "numpy", "scipy", "scikit-learn", "nltk", "matplotlib",
    "seaborn", "papermill", "nbconvert", "pyyaml",
)  # fmt: skip
_KEEP = {"README.md", ".gitkeep"}
_PATH_PARAMS = {"themes", "rules", "codebook"}
_RENDER_PARAMS = {"pattern"}  # read by render itself (the fail-fast read of the corpus)
_MARKER = ".analysis-build"  # written into our temporary folders, with the owner's pid


def notebook_paths(notebook_dir: str | Path | None = None) -> list[Path]:
    """The suite: every ``NN-name.ipynb`` in ``notebook_dir``, in name order."""
    folder = Path(notebook_dir) if notebook_dir else NOTEBOOK_DIR
    paths = sorted(p for p in folder.glob("[0-9][0-9]-*.ipynb"))
    if not paths:
        raise AnalysisError(
            f"{folder}: no notebooks (NN-name.ipynb) found; run from the project checkout or pass notebook_dir"
        )
    return paths


def notebook_parameters(path: str | Path) -> dict[str, dict]:
    """Parameters declared in a notebook's ``parameters`` cell (name -> type, default, help)."""
    import papermill

    return papermill.inspect_notebook(str(path))


def _load_params(
    params: str | Path | Mapping | None, declared: Mapping[str, Mapping] | None = None
) -> dict:
    """Read and check the parameters: a YAML file (via :func:`analysis._yaml.read_yaml`,
    which refuses anchors and aliases) or a mapping.

    ``declared`` maps each notebook of the suite to its declared parameters; when given,
    unknown keys and unknown sections are errors that suggest the nearest valid name.
    """
    if params is None:
        return {}
    if isinstance(params, Mapping):
        data, source = dict(params), "params"
    else:
        p = Path(params)
        data, source = read_yaml(p, what="parameters file") or {}, str(p)
        if not isinstance(data, dict):
            raise AnalysisError(f"{p}: expected a mapping of parameter names to values")
        data = _resolve_paths(data, p.resolve().parent)
    if declared is not None:
        _check_params(data, declared, source)
    return data


_NOTEBOOK_LIKE = re.compile(r"^\d\d-")


def _check_params(data: Mapping, declared: Mapping[str, Mapping], source: str) -> None:
    """Refuse keys no notebook declares and sections named after no notebook."""
    names = list(declared)
    known = sorted(_RENDER_PARAMS.union(*(set(d) for d in declared.values())))
    for key, value in data.items():
        if key in declared:
            if value is not None and not isinstance(value, Mapping):
                raise AnalysisError(f"{source}: parameters for notebook {key} must be a mapping")
            own = set(value or {}) - set(declared[key])
            if own:
                bad = sorted(own, key=str)[0]
                raise AnalysisError(
                    f"{source}: parameter {bad!r} is not declared by notebook {key}"
                    f"{did_you_mean(bad, declared[key])}; it declares "
                    f"{', '.join(declared[key]) or 'nothing'}"
                )
        elif key in known:
            continue
        elif isinstance(value, Mapping) or _NOTEBOOK_LIKE.match(str(key)):
            raise AnalysisError(
                f"{source}: section {key!r} is not a notebook of the suite"
                f"{did_you_mean(key, names)}; sections are named {', '.join(names)}"
            )
        else:
            raise AnalysisError(
                f"{source}: unknown parameter {key!r}{did_you_mean(key, known + names)}; "
                "no notebook declares it (see the parameters cell of each notebook)"
            )


def _is_path_param(name: str) -> bool:
    return name in _PATH_PARAMS or name.endswith(("_file", "_path", "_dir"))


def _resolve_paths(data: dict, base: Path) -> dict:
    """Make relative file parameters (``themes``, ``*_file``...) relative to ``base``."""
    out = {}
    for k, v in data.items():
        if isinstance(v, dict):
            out[k] = _resolve_paths(v, base)
        elif (
            isinstance(v, str)
            and v
            and _is_path_param(k)
            and not Path(v).expanduser().is_absolute()
        ):
            out[k] = str((base / v).resolve())
        else:
            out[k] = v
    return out


def _params_for(name: str, declared: Mapping, common: Mapping, per_notebook: Mapping) -> dict:
    """Parameters for one notebook: common ones it declares, then its own section."""
    out = {k: v for k, v in common.items() if k in declared}
    own = per_notebook.get(name, {}) or {}
    unknown = set(own) - set(declared)
    if unknown:
        raise AnalysisError(
            f"parameter {sorted(unknown)[0]!r} is not declared by notebook {name}; "
            f"it declares {', '.join(declared) or 'nothing'}"
        )
    out.update(own)
    return out


def _split_params(params: Mapping, names: Sequence[str]) -> tuple[dict, dict]:
    per = {k: v or {} for k, v in params.items() if k in names}
    common = {k: v for k, v in params.items() if k not in names}
    for k, v in per.items():
        if not isinstance(v, Mapping):
            raise AnalysisError(f"parameters for notebook {k} must be a mapping")
    return common, per


def _run_one(nb: str, out_nb: str, parameters: dict, cwd: str, timeout: int) -> dict:
    """Run one notebook (in a worker process); returns timing or the failure."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    t0 = time.perf_counter()
    try:
        papermill.execute_notebook(
            nb, out_nb, parameters=parameters, cwd=cwd, progress_bar=False,
            kernel_name="python3", execution_timeout=timeout, log_output=False,
            # the kernel's start-up warnings (e.g. "running over TCP") are noise on the
            # terminal; its errors still show
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )  # fmt: skip
    except PapermillExecutionError as exc:
        return {
            "ok": False,
            "cell": exc.exec_count if exc.exec_count is not None else exc.cell_index,
            "error": f"{exc.ename}: {str(exc.evalue).splitlines()[0] if exc.evalue else ''}",
            "seconds": time.perf_counter() - t0,
        }
    except Exception as exc:  # a kernel that cannot start is also a failure
        return {
            "ok": False,
            "cell": None,
            "error": f"{type(exc).__name__}: {exc}".splitlines()[0],
            "seconds": time.perf_counter() - t0,
        }
    return {"ok": True, "seconds": time.perf_counter() - t0}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _corpus_files(corpus: Path, read_opts: Mapping) -> dict[str, str]:
    """sha256 of every file the loader reads (:func:`analysis.corpus.corpus_files`), by path."""
    from ..corpus import corpus_files

    opts = {k: v for k, v in read_opts.items() if k == "pattern"}
    base = corpus.parent if corpus.is_file() else corpus
    return {
        p.relative_to(base).as_posix(): _sha256(p) for p in sorted(corpus_files(corpus, **opts))
    }


def _read_options(common: Mapping) -> dict:
    """The loader options a params file sets for every notebook (``pattern``, ``text_column``)."""
    opts: dict = {}
    if common.get("pattern"):
        opts["pattern"] = common["pattern"]
    if common.get("text_column"):
        opts["columns"] = {common["text_column"]: "text"}
    return opts


def _git_commit() -> dict:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=PROJECT_ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        )
        return {"commit": commit, "dirty": dirty}
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


# ------------------------------------------------------------------------------- HTML


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#222}
nav.toc{background:#f6f6f4;border:1px solid #e2e2dc;padding:.6rem 1.2rem;margin:1rem 0}
nav.toc ul{margin:.2rem 0;padding-left:1.2rem} a{color:#1f5fa8}
table{border-collapse:collapse;font-size:.9rem} td,th{border-bottom:1px solid #ddd;padding:.2rem .5rem;text-align:left}
img{max-width:100%;height:auto} .muted{color:#666;font-size:.9rem}
"""


def _heading_ids(body: str) -> list[tuple[int, str, str]]:
    out = []
    for m in re.finditer(r'<h([1-3])[^>]*\bid="([^"]+)"[^>]*>(.*?)</h\1>', body, flags=re.S):
        text = re.sub(r"<[^>]+>", "", m.group(3)).replace("¶", "").strip()
        out.append((int(m.group(1)), m.group(2), text))
    return out


def _export_html(nb_path: Path, html_path: Path, *, with_code: bool, title: str) -> None:
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(nb_path, as_version=4)
    # Progress bars and library warnings go to stderr: useful in the executed notebook
    # (kept under notebooks/), noise for a reader of the page.
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [
                o
                for o in cell.outputs
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = not with_code
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.embed_images = True
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    heads = _heading_ids(body)
    if heads:
        items = "".join(
            f'<li style="margin-left:{(lvl - 1) * 1.2}rem"><a href="#{hid}">{html.escape(text)}</a></li>'
            for lvl, hid, text in heads
        )
        toc = f'<nav class="toc" aria-label="Contents"><strong>Contents</strong> · <a href="index.html">report index</a><ul>{items}</ul></nav>'
        body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + toc, body, count=1)
    # nbconvert's lab template can clip wide outputs; let them scroll/scale instead
    body = body.replace(
        "</head>",
        "<style>.jp-OutputArea-output{overflow-x:auto}.jp-RenderedImage img{max-width:100%;height:auto}"
        "nav.toc{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;font-size:14px;background:#f6f6f4;"
        "border:1px solid #e2e2dc;padding:.6rem 1.2rem;margin:1rem auto;max-width:1100px}"
        "nav.toc ul{margin:.2rem 0;padding-left:1.2rem;list-style:none}nav.toc a{color:#1f5fa8}</style></head>",
        1,
    )
    html_path.write_text(body, encoding="utf-8")


def _findings(build: Path, name: str) -> list[str]:
    p = build / "findings" / f"{name}.json"
    if not p.is_file():
        return []
    return [str(x) for x in json.loads(p.read_text(encoding="utf-8"))]


def _write_index(build: Path, sections: list[tuple[str, str]], provenance: dict) -> None:
    esc = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{esc(provenance['title'])}</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(provenance['title'])}</h1>",
        f"<p class='muted'>Corpus <code>{esc(provenance['corpus']['path'])}</code>: "
        f"{len(provenance['corpus']['files'])} files. Rendered {esc(provenance['finished'])} "
        f"in {provenance['seconds']:.1f} s from commit <code>{esc(str(provenance['git']['commit'])[:10])}</code>"
        f"{' (with uncommitted changes)' if provenance['git']['dirty'] else ''}. "
        "<a href='provenance.json'>Provenance</a>.</p>",
        "<nav class='toc' aria-label='Sections'><strong>Sections</strong><ul>",
    ]
    for name, label in sections:
        parts.append(f"<li><a href='{esc(name)}.html'>{esc(label)}</a></li>")
    parts.append("</ul></nav><h2 id='findings'>Summary of findings</h2>")
    for name, label in sections:
        items = _findings(build, name)
        parts.append(f"<h3><a href='{esc(name)}.html'>{esc(label)}</a></h3>")
        if items:
            parts.append("<ul>" + "".join(f"<li>{esc(x)}</li>" for x in items) + "</ul>")
        else:
            parts.append("<p class='muted'>See the section.</p>")
    figs = sorted((build / "figures").glob("*.png")) if (build / "figures").is_dir() else []
    tables = sorted((build / "tables").glob("*.csv")) if (build / "tables").is_dir() else []
    parts.append(
        f"<h2 id='files'>Figures and tables</h2><p>{len(figs)} figures (PNG and SVG in <code>figures/</code>), {len(tables)} tables (CSV in <code>tables/</code>).</p><ul>"
    )
    for t in tables:
        parts.append(f"<li><a href='tables/{esc(t.name)}'>{esc(t.name)}</a></li>")
    parts.append("</ul></body></html>")
    (build / "index.html").write_text("\n".join(parts), encoding="utf-8")


# ------------------------------------------------------------------- the report folder


def _umask_mode() -> int:
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
    if (PROJECT_ROOT / "pyproject.toml").is_file() or (PROJECT_ROOT / ".git").exists():
        items.append((PROJECT_ROOT, "the project checkout"))
    for start in (corpus, cwd, PROJECT_ROOT):
        root = _git_root(start)
        if root is not None:
            items.append((root, "the root of a git repository"))
    return items


def _check_out(out: Path, corpus: Path) -> None:
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


def _previous_outputs(out: Path) -> set[str] | None:
    """Files the report in ``out`` wrote (its provenance's ``outputs``), or None if no report."""
    prov = out / "provenance.json"
    if not prov.is_file():
        return None
    try:
        data = json.loads(prov.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict):
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


def _plan_replace(out: Path, force: bool) -> list[str]:
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


def _remove_stale(out: Path) -> None:
    """Remove temporary folders of earlier runs beside ``out`` whose process is gone.

    Only folders named ``.NAME-build-<pid>-<hex>`` / ``.NAME-old-<pid>-<hex>`` that carry
    our marker file are considered; one whose marker lists user files it was carrying is
    left alone (with a warning), so nothing the toolkit did not write is deleted.
    """
    import warnings

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


def _new_build(out: Path) -> Path:
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


def _outputs(build: Path) -> list[str]:
    files = [p.relative_to(build).as_posix() for p in build.rglob("*") if not p.is_dir()]
    return sorted({f for f in files if f != _MARKER} | {"provenance.json"})


# ------------------------------------------------------------------------- processes


def _worker_init(parent: int) -> None:
    """Set up a notebook worker: Ctrl-C is the parent's business; die with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel pending notebooks and terminate the workers now (their kernels follow)."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        if proc.is_alive():
            proc.terminate()
    for proc in procs:
        proc.join(timeout=5)


def _os_error(exc: OSError, out: Path) -> AnalysisError:
    where = exc.filename or out
    if isinstance(exc, PermissionError):
        return AnalysisError(
            f"{where}: cannot write the report here (permission denied); choose another --out"
        )
    return AnalysisError(
        f"{where}: {exc.strerror or exc}; check the folder or choose another --out"
    )


# ----------------------------------------------------------------------------- render


def render(
    corpus: str | Path,
    out: str | Path,
    params: str | Path | Mapping | None = None,
    *,
    notebooks: Sequence[str] | None = None,
    notebook_dir: str | Path | None = None,
    with_code: bool = False,
    jobs: int | None = None,
    timeout: int = 900,
    title: str | None = None,
    quiet: bool = False,
    force: bool = False,
) -> Path:
    """Render the report of ``corpus`` into ``out``.

    Parameters
    ----------
    corpus : path
        Anything :func:`analysis.read_corpus` reads. Passed to every notebook as
        ``corpus`` (absolute path); ``out`` is passed as the build folder.
    out : path
        Report folder. Built in a temporary sibling folder and swapped in only when
        every notebook succeeded; nested reports (sub-folders with their own
        ``provenance.json``), ``README.md`` and ``.gitkeep`` of the previous report are
        carried over. ``out`` may be new, empty, or a previous report whose
        ``provenance.json`` lists every file in it; anything else is refused. It may
        never be (or contain) the corpus, the current folder, the project checkout or a
        git repository's root, nor lie inside the corpus.
    params : YAML path or mapping, optional
        Top-level keys are passed to every notebook that declares them; a key named
        after a notebook (``03-themes: {n_boot: 500}``) holds that notebook's own.
        Relative paths of file parameters (``themes``, ``rules``, ``*_file``,
        ``*_path``) in a YAML file are relative to that file's folder. Unknown keys and
        sections are errors; YAML anchors and aliases are refused.
    notebooks : list of str, optional
        Subset of the suite by name (``["01-corpus"]``); default all.
    with_code : bool, default False
        Keep code cells in the HTML pages.
    jobs : int, optional
        Notebooks run at once (default: number of CPUs, at most 3).
    force : bool, default False
        Replace an ``out`` that is not a report, or that holds files the previous report
        did not write. Those files are still kept (moved into the new report folder);
        a file whose path the new report also writes is an error.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    AnalysisError
        Naming the notebook and cell that failed, or the folder that cannot be used;
        the previous report is left intact.
    """
    from ..corpus import read_corpus

    t_start = time.perf_counter()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    corpus = Path(corpus).resolve()
    out = Path(out).resolve()
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise AnalysisError(f"--jobs {jobs}: must be a whole number of at least 1")
    paths = notebook_paths(notebook_dir)
    names = [p.stem for p in paths]
    if notebooks:
        unknown = [n for n in notebooks if n not in names]
        if unknown:
            raise AnalysisError(
                f"notebook {unknown[0]!r} is not in the suite{did_you_mean(unknown[0], names)}; "
                f"choose from {', '.join(names)}"
            )
        paths = [p for p in paths if p.stem in notebooks]
    declared_all = {p.stem: notebook_parameters(p) for p in notebook_paths(notebook_dir)}
    options = _load_params(params, declared_all)
    common, per = _split_params(options, names)
    _check_out(out, corpus)
    try:
        carry = _plan_replace(out, force)
    except OSError as exc:
        raise _os_error(exc, out) from None
    read_opts = _read_options(common)
    read_corpus(corpus, **read_opts)  # fail fast, with the loader's one-line error
    runs = []
    for p in paths:
        prm = _params_for(p.stem, declared_all[p.stem], common, per)
        prm.update(
            {k: v for k, v in (("corpus", str(corpus)), ("out", None)) if k in declared_all[p.stem]}
        )
        runs.append((p, prm))
    try:
        mode = stat.S_IMODE(out.stat().st_mode) if out.is_dir() else _umask_mode()
        if out.parent.is_dir():
            _remove_stale(out)
        build = _new_build(out)
    except OSError as exc:
        raise _os_error(exc, out) from None
    keep_build: list[bool] = []
    try:
        (build / "notebooks").mkdir()
        for _, prm in runs:
            if "out" in prm:
                prm["out"] = str(build)
        results = _run_all(runs, build, jobs, timeout, quiet)
        failed = [(n, r) for n, r in sorted(results.items()) if not r["ok"]]
        if failed:
            name, r = failed[0]
            cell = f"cell {r['cell']}" if r.get("cell") is not None else "kernel start"
            raise AnalysisError(
                f"notebook {name}.ipynb failed at {cell} ({r['error']}); the executed copy is not kept and the previous report in {out} is unchanged"
            )
        for p, _ in runs:
            label = SECTIONS.get(p.stem, p.stem)
            _export_html(
                build / "notebooks" / p.name,
                build / f"{p.stem}.html",
                with_code=with_code,
                title=label,
            )
        provenance = {
            "title": title or f"Framing analysis: {corpus.name}",
            "corpus": {"path": str(corpus), "files": _corpus_files(corpus, read_opts)},
            "parameters": {"common": common, "notebooks": {p.stem: prm for p, prm in runs}},
            "versions": _versions(),
            "git": _git_commit(),
            "started": started,
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "notebook_seconds": {n: round(r["seconds"], 2) for n, r in sorted(results.items())},
            "seconds": round(time.perf_counter() - t_start, 2),
            "command": " ".join(sys.argv),
        }
        for prm in provenance["parameters"]["notebooks"].values():
            prm["out"] = str(out) if "out" in prm else None
        _write_index(build, [(p.stem, SECTIONS.get(p.stem, p.stem)) for p, _ in runs], provenance)
        provenance["outputs"] = _outputs(build)  # the marker: every file this report wrote
        (build / "provenance.json").write_text(
            json.dumps(provenance, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8"
        )
        build.chmod(mode)
        _swap_in(build, out, carry, keep_build)
    except OSError as exc:
        if not keep_build:
            shutil.rmtree(build, ignore_errors=True)
        raise _os_error(exc, out) from None
    except BaseException:
        if not keep_build:
            shutil.rmtree(build, ignore_errors=True)
        raise
    return out


def _run_all(
    runs: list[tuple[Path, dict]], build: Path, jobs: int | None, timeout: int, quiet: bool
) -> dict[str, dict]:
    """Run the notebooks in a process pool; on any interruption stop the workers at once."""
    n_jobs = jobs or max(1, min(3, os.cpu_count() or 1, len(runs)))
    results: dict[str, dict] = {}
    pool = ProcessPoolExecutor(
        max_workers=n_jobs, initializer=_worker_init, initargs=(os.getpid(),)
    )
    try:
        futs = {
            pool.submit(
                _run_one, str(p), str(build / "notebooks" / p.name), prm, str(p.parent), timeout
            ): p
            for p, prm in runs
        }
        for fut in as_completed(futs):
            p = futs[fut]
            results[p.stem] = fut.result()
            if not quiet:
                r = results[p.stem]
                print(
                    f"  {p.stem}: {'ok' if r['ok'] else 'FAILED'} ({r['seconds']:.1f} s)",
                    file=sys.stderr,
                )
    except BaseException:
        _stop_pool(pool)
        raise
    pool.shutdown()
    return results


def _swap_in(build: Path, out: Path, carry: Sequence[str], keep_build: list[bool]) -> None:
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
    try:
        _write_marker(old)
    except OSError:
        pass
    shutil.rmtree(old, ignore_errors=True)
