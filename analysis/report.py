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
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from .errors import AnalysisError

__all__ = ["render", "notebook_paths", "notebook_parameters", "NOTEBOOK_DIR", "SECTIONS"]

PROJECT_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
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


def _load_params(params: str | Path | Mapping | None) -> dict:
    if params is None:
        return {}
    if isinstance(params, Mapping):
        return dict(params)
    import yaml

    p = Path(params)
    if not p.is_file():
        raise AnalysisError(f"{p}: parameters file not found; pass a YAML file")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise AnalysisError(f"{p}{where}: not valid YAML; fix the syntax") from None
    if not isinstance(data, dict):
        raise AnalysisError(f"{p}: expected a mapping of parameter names to values")
    return _resolve_paths(data, p.resolve().parent)


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
    per = {k: v for k, v in params.items() if k in names}
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


def _corpus_files(corpus: Path) -> dict[str, str]:
    if corpus.is_file():
        return {corpus.name: _sha256(corpus)}
    return {
        p.relative_to(corpus).as_posix(): _sha256(p)
        for p in sorted(corpus.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


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
        ``provenance.json``) and ``README.md`` of the previous report are carried over.
    params : YAML path or mapping, optional
        Top-level keys are passed to every notebook that declares them; a key named
        after a notebook (``03-themes: {n_boot: 500}``) holds that notebook's own.
        Relative paths of file parameters (``themes``, ``rules``, ``*_file``,
        ``*_path``) in a YAML file are relative to that file's folder.
    notebooks : list of str, optional
        Subset of the suite by name (``["01-corpus"]``); default all.
    with_code : bool, default False
        Keep code cells in the HTML pages.
    jobs : int, optional
        Notebooks run at once (default: number of CPUs, at most 3).

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    AnalysisError
        Naming the notebook and cell that failed; the previous report is left intact.
    """
    from .corpus import read_corpus

    t_start = time.perf_counter()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    corpus = Path(corpus).resolve()
    out = Path(out).resolve()
    paths = notebook_paths(notebook_dir)
    names = [p.stem for p in paths]
    if notebooks:
        unknown = [n for n in notebooks if n not in names]
        if unknown:
            raise AnalysisError(
                f"notebook {unknown[0]!r} is not in the suite; choose from {', '.join(names)}"
            )
        paths = [p for p in paths if p.stem in notebooks]
    options = _load_params(params)
    common, per = _split_params(options, names)
    read_opts = {k: common[k] for k in ("pattern",) if common.get(k)}
    read_corpus(corpus, **read_opts)  # fail fast, with the loader's one-line error
    out.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".{out.name}-build-", dir=out.parent))
    try:
        (build / "notebooks").mkdir()
        runs = []
        for p in paths:
            declared = notebook_parameters(p)
            prm = _params_for(p.stem, declared, common, per)
            prm.update(
                {k: v for k, v in (("corpus", str(corpus)), ("out", str(build))) if k in declared}
            )
            runs.append((p, prm))
        n_jobs = jobs or max(1, min(3, os.cpu_count() or 1, len(runs)))
        results: dict[str, dict] = {}
        with ProcessPoolExecutor(max_workers=n_jobs) as pool:
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
            "corpus": {"path": str(corpus), "files": _corpus_files(corpus)},
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
        (build / "provenance.json").write_text(
            json.dumps(provenance, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8"
        )
        _swap_in(build, out)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    return out


def _swap_in(build: Path, out: Path) -> None:
    """Replace ``out`` by ``build``, keeping nested reports and README of the old one."""
    if out.exists():
        if not out.is_dir():
            raise AnalysisError(f"{out}: exists and is not a folder; choose another --out")
        for entry in out.iterdir():
            nested = entry.is_dir() and (entry / "provenance.json").is_file()
            if (nested or entry.name in _KEEP) and not (build / entry.name).exists():
                entry.rename(build / entry.name)
        old = out.with_name(f".{out.name}-old-{os.getpid()}")
        out.rename(old)
        build.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        build.rename(out)
