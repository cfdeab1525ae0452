"""Rendering the study report: papermill runs, HTML export, index and provenance.

:func:`render` only coordinates; the analysis lives in the notebooks, which only call
``analysis``. The steps live in submodules:

- :mod:`.params`: the parameters file, checked and split per notebook;
- :mod:`.execute`: the suite (package data) and the papermill runs, in a pool, in a
  kernel pinned to this interpreter;
- :mod:`.html`: the section pages and ``index.html`` (one stylesheet, ``static/report.css``);
- :mod:`.provenance`: sha256 of the corpus files, versions, the git commit of a checkout;
- :mod:`.folder`: what ``--out`` may be, the build folder beside it, and the atomic swap;
- :mod:`.sections`: which files each section wrote, and keeping sections not re-rendered;
- :mod:`.notes`: the study's own reading, Markdown per section, rendered safely.
"""

from __future__ import annotations

import json
import shutil
import stat
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from .._memory import release_memory
from .._yaml import did_you_mean
from ..errors import AnalysisError
from . import folder, html, provenance
from . import notes as _notes
from . import params as _params
from . import sections as _sections
from .execute import (
    NOTEBOOK_DIR,
    SECTIONS,
    died_before_answering,
    notebook_parameters,
    notebook_paths,
    run_suite,
    select,
    start_order,
)

__all__ = ["render", "notebook_paths", "notebook_parameters", "NOTEBOOK_DIR", "SECTIONS"]


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
    scheduler: str | None = None,
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
        sections are errors; YAML anchors and aliases are refused. ``notes`` (a folder of
        ``<section>.md`` files, relative to the YAML file) is read by render itself: each
        note ends its section's page, boxed as the authors' reading
        (:mod:`analysis.report.notes`); it is never passed to a notebook.
    notebooks : list of str, optional
        Subset of the suite by name (``["01-corpus"]``); default all. Into an existing
        report of the same corpus, only these sections are re-rendered: the others are
        kept (their page, executed notebook, findings, figures and tables, known from
        ``provenance.json``'s ``sections``) and the index is rebuilt from all of them.
    with_code : bool, default False
        Keep code cells in the HTML pages.
    jobs : int, optional
        Notebooks run at once (default: number of CPUs, at most 3).
    force : bool, default False
        Replace an ``out`` that is not a report, or that holds files the previous report
        did not write. Those files are still kept (moved into the new report folder);
        a file whose path the new report also writes is an error.
    scheduler : str, optional
        Count on Dask (:func:`analysis.distributed.connect`): ``"local"`` starts a
        ``LocalCluster`` for the run (closed at the end), an address such as
        ``"tcp://host:8786"`` uses a running cluster. Every notebook that declares a
        ``scheduler`` parameter gets the cluster's address and builds its document-term
        matrices there; the tables are identical to an in-memory run.

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
    from ..cache import BackgroundStore, _cached_corpus, _listing

    t_start, started = time.perf_counter(), datetime.now(UTC).isoformat(timespec="seconds")
    corpus, out = Path(corpus).resolve(), Path(out).resolve()
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise AnalysisError(f"--jobs {jobs}: must be a whole number of at least 1")
    suite = notebook_paths(notebook_dir)
    paths = select(suite, notebooks)
    declared = {p.stem: notebook_parameters(p) for p in suite}
    common, per = _params.split(_params.load(params, declared), list(declared))
    notes = _notes.read_notes(_params.notes_folder(common), list(declared))
    folder.check_out(out, corpus)
    try:
        carry = folder.plan_replace(out, force)
        before = _sections.previous(out) if notebooks and out.is_dir() else None
    except OSError as exc:
        raise folder.os_error(exc, out) from None
    read_opts = _params.read_options(common)
    # fail fast, with the loader's one-line error; the notebooks then load the cached table
    # (only its columns are kept: the frame is not held while the notebooks run), keyed by
    # the digests taken here, which provenance records and the notebooks reuse. A fresh
    # read is stored by a process of its own while the kernels start (the snapshot names
    # its lock: a section waits for it before loading the entry)
    store = BackgroundStore()
    table, record = _cached_corpus(corpus, read_opts, use_snapshot=False, store_with=store)
    columns = list(table.columns)
    del table
    release_memory()  # the render process stays small while the kernels work (it writes
    # each section's page as its notebook finishes: nbconvert, a page at a time)
    runs = [(p, _params.params_for(p.stem, declared[p.stem], common, per)) for p in paths]
    lacking = [p.stem for p, prm in runs if _lacks_codebook(declared[p.stem], prm)]
    if lacking:  # the suggestion names every section that can run as the params stand
        can = [
            n for n in declared
            if not _lacks_codebook(declared[n], _params.params_for(n, declared[n], common, per))
        ]  # fmt: skip
        _no_codebook(lacking[0], declared[lacking[0]], can)
    for p, prm in runs:
        _check_columns(p.stem, prm, columns)
    files = record["files"] if record is not None else None
    inputs = provenance.collect(corpus, read_opts, files)
    try:
        mode = stat.S_IMODE(out.stat().st_mode) if out.is_dir() else folder.umask_mode()
        if out.parent.is_dir():
            folder.remove_stale(out)
        build = folder.new_build(out)
    except OSError as exc:
        raise folder.os_error(exc, out) from None
    for p, prm in runs:  # absolute paths; each notebook writes into its own staging folder
        given = {"corpus": str(corpus), "out": str(_sections.stage_folder(build, p.stem))}
        prm.update({k: v for k, v in given.items() if k in declared[p.stem]})
    keep_build: list[bool] = []
    client = None
    try:
        if scheduler:
            from ..distributed import connect

            client = connect(scheduler)
            address = client.scheduler.address
            for p, prm in runs:
                if "scheduler" in declared[p.stem]:
                    prm["scheduler"] = address
        (build / "notebooks").mkdir()
        for p, _ in runs:  # each notebook's out exists, as the report folder always did
            _sections.stage_folder(build, p.stem).mkdir(parents=True)
        order = start_order(runs, _previous_seconds(out))  # the longest first
        snapshot = None if files is None else {
            "corpus": record["corpus"], "files": files, "listing": _listing(record["options"]),
        }  # fmt: skip
        if snapshot is not None and store.pending is not None:
            snapshot["store"] = store.pending

        page_errors: list[Exception] = []

        def page(name: str, _result: dict) -> None:
            # each section's page as its notebook finishes, while the others run: only
            # the last one's is left for the end (nbconvert's import alone takes ~1 s).
            # A page that cannot be written stops nothing here: a failed notebook is
            # reported first, else the page's error after the run
            if page_errors:
                return
            try:
                html.export(
                    build / "notebooks" / f"{name}.ipynb", build / f"{name}.html",
                    with_code=with_code, title=SECTIONS.get(name, name), note=notes.get(name),
                )  # fmt: skip
            except Exception as exc:
                page_errors.append(exc)

        results = run_suite(
            order, build, jobs=jobs, timeout=timeout, quiet=quiet, snapshot=snapshot,
            on_done=page,
        )  # fmt: skip
        _raise_failed(results, out)
        if page_errors:
            raise page_errors[0]
        written = _sections.collect(build, [p.stem for p, _ in runs])
        finished = datetime.now(UTC).isoformat(timespec="seconds")
        for _, prm in runs:
            if "out" in prm:
                prm["out"] = str(out)
        records = {
            p.stem: {
                "label": SECTIONS.get(p.stem, p.stem),
                "files": written[p.stem],
                "rendered": finished,
                "seconds": round(results[p.stem]["seconds"], 2),
                "parameters": prm,
                "note": _note_record(notes.get(p.stem)),
            }
            for p, prm in runs
        }
        if before is not None:
            previous, sections = before
            others = {n: r for n, r in sections.items() if n not in records and n in declared}
            records.update(_sections.keep(out, build, previous, others, inputs["corpus"]))
        records = dict(sorted(records.items()))
        record = {
            "title": title or f"Framing analysis: {corpus.name}",
            **inputs,
            "parameters": {
                "common": common,
                "notebooks": {n: r["parameters"] for n, r in records.items()},
            },
            "notes": str(_params.notes_folder(common) or "") or None,
            "sections": records,
            "rendered_sections": [p.stem for p, _ in runs],
            "started": started,
            "finished": finished,
            "notebook_seconds": {n: r["seconds"] for n, r in records.items()},
            "seconds": round(time.perf_counter() - t_start, 2),
            "command": " ".join(sys.argv),
            "scheduler": scheduler,
        }
        html.write_index(build, record)
        record["outputs"] = folder.outputs(build)  # the marker: every file this report wrote
        (build / "provenance.json").write_text(
            json.dumps(record, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8"
        )
        build.chmod(mode)
        folder.swap_in(build, out, carry, keep_build)
    except BaseException as exc:
        if not keep_build:
            shutil.rmtree(build, ignore_errors=True)
        if isinstance(exc, OSError):
            raise folder.os_error(exc, out) from None
        raise
    finally:
        if client is not None:
            cluster = client.cluster if scheduler == "local" else None
            client.close()
            if cluster is not None:
                cluster.close()
    store.wait()  # a finished render has written the corpus entry (unless a file changed while
    # it was read); after an error the store goes on by itself and ends in seconds
    return out


def _note_record(note: _notes.Note | None) -> dict | None:
    if note is None:
        return None
    return {"path": note.path, "sha256": note.sha256, "teaser": _notes.teaser(note.text)}


def _lacks_codebook(declared: Mapping, prm: Mapping) -> bool:
    """A themes section without a codebook to read, or a context section with neither
    targets nor a codebook."""
    if "themes" not in declared or prm.get("themes"):
        return False
    return not ("targets" in declared and prm.get("targets"))


def _no_codebook(name: str, declared: Mapping, others: list[str]) -> None:
    """Refuse, before any notebook runs, the first section :func:`_lacks_codebook`;
    ``others`` are the sections that can run as the params stand."""
    leave = f"or leave the section out with --notebooks (e.g. --notebooks {' '.join(others)})"
    if "targets" in declared:  # a context section looks at targets, or at the themes' cores
        raise AnalysisError(
            f"{name} needs targets or a codebook: set `targets:` (words, globs, phrases) in "
            f"its section of the params file, or `themes:` to look at each theme's core "
            f"entries, {leave}"
        )
    raise AnalysisError(
        f"{name} needs a codebook: set `themes:` in the params file (a YAML codebook, "
        f"relative to the params file) {leave}"
    )


#: parameters that name corpus columns; a name the user gives must exist (the notebooks'
#: defaults are skipped when a corpus lacks them)
COLUMN_PARAMS = ("by", "time_col")


def _check_columns(name: str, prm: Mapping, columns: list[str]) -> None:
    """Refuse, before any notebook runs, a grouping column the corpus does not have."""
    for key in COLUMN_PARAMS:
        value = prm.get(key)
        for col in [value] if isinstance(value, str) else list(value or []):
            if col not in columns:
                raise AnalysisError(
                    f"{name}: {key}: column {col!r} is not in the corpus"
                    f"{did_you_mean(col, columns)}; its columns are {', '.join(map(str, columns))}"
                )


def _raise_failed(results: Mapping[str, dict], out: Path) -> None:
    failed = [(n, r) for n, r in sorted(results.items()) if not r["ok"]]
    if failed:
        name, r = failed[0]
        error = str(r["error"])
        if r.get("cell") is not None:
            where = f" at cell {r['cell']}"
        elif died_before_answering(r):
            where = " at kernel start"
        else:  # a kernel that died while running, a timeout, a notebook papermill cannot run
            where = ""
        raise AnalysisError(
            f"notebook {name}.ipynb failed{where} ({error}); the executed copy is not "
            f"kept and the previous report in {out} is unchanged"
        )


def _previous_seconds(out: Path) -> dict:
    """Seconds per notebook of the report already in ``out`` (``{}`` when there is none or
    its ``provenance.json`` cannot be read)."""
    import json

    try:
        data = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    seconds = data.get("notebook_seconds") if isinstance(data, dict) else None
    return seconds if isinstance(seconds, dict) else {}
