"""render: papermill runs in a pinned kernel, outputs, failures, re-runs, the CLI."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

from analysis.cli import main
from analysis.errors import AnalysisError
from analysis.report import execute, render

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def test_report_has_index_section_figures_tables_and_provenance(seed_report: Path):
    out = seed_report
    assert (out / "index.html").is_file()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "href='01-corpus.html'" in index
    assert "Summary of findings" in index
    for name in ("corpus-lengths", "corpus-top-terms"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 1000
        assert (
            (out / "figures" / f"{name}.svg")
            .read_text(encoding="utf-8")
            .lstrip()
            .startswith("<?xml")
        )
    for name in ("corpus-documents", "corpus-cleaning-audit", "corpus-top-terms"):
        assert (out / "tables" / f"{name}.csv").is_file()
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    for f, digest in prov["corpus"]["files"].items():
        assert hashlib.sha256((SEEDS / f).read_bytes()).hexdigest() == digest
    # the articles and the manifest; the study's params file and notes are not corpus files
    # the loader's files: the texts and the manifest (not the study's coding sheet)
    read = {p.name for p in SEEDS.iterdir() if p.suffix == ".txt" or p.name == "metadata.csv"}
    assert set(prov["corpus"]["files"]) == read and len(read) == 6
    assert prov["versions"]["pandas"] and prov["versions"]["analysis"] == "0.1.0"
    assert "01-corpus" in prov["notebook_seconds"] and prov["seconds"] > 0
    assert "git" in prov


def _failing_suite(folder: Path) -> Path:
    folder.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            'corpus: str = ""  # corpus\nout: str = ""  # out', metadata={"tags": ["parameters"]}
        ),
        nbformat.v4.new_code_cell("raise RuntimeError('induced failure')"),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, folder / "01-broken.ipynb")
    return folder


def test_failed_run_leaves_previous_report_intact(seed_report: Path, tmp_path: Path):
    before = {
        p.relative_to(seed_report): p.read_bytes() for p in seed_report.rglob("*") if p.is_file()
    }
    suite = _failing_suite(tmp_path / "suite")
    with pytest.raises(
        AnalysisError,
        match=r"notebook 01-broken\.ipynb failed at cell \d+ \(RuntimeError: induced failure\)",
    ):
        render(SEEDS, seed_report, notebook_dir=suite, quiet=True)
    after = {
        p.relative_to(seed_report): p.read_bytes() for p in seed_report.rglob("*") if p.is_file()
    }
    assert after == before
    leftovers = [p.name for p in seed_report.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_rerun_keeps_nested_report_and_gives_byte_identical_tables(seed_report: Path):
    before = {f.name: f.read_bytes() for f in (seed_report / "tables").glob("*.csv")}
    assert before
    nested = seed_report / "example"
    nested.mkdir(exist_ok=True)
    (nested / "provenance.json").write_text("{}", encoding="utf-8")
    render(SEEDS, seed_report, notebooks=["01-corpus"], quiet=True)
    assert (nested / "provenance.json").is_file()
    after = {f.name: f.read_bytes() for f in (seed_report / "tables").glob("*.csv")}
    assert after == before


def test_cli_report_bad_input_exits_2_without_traceback(tmp_path: Path, capsys):
    assert (
        main(["report", "--corpus", str(tmp_path / "missing"), "--out", str(tmp_path / "r")]) == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file or folder" in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()


def _probe_suite(tmp_path: Path, code: str) -> Path:
    """A one-notebook suite: the parameters ``corpus`` and ``out``, then ``code``."""
    suite = tmp_path / "suite"
    suite.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            'corpus: str = ""  # corpus\nout: str = ""  # out', metadata={"tags": ["parameters"]}
        ),
        nbformat.v4.new_code_cell(code),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, suite / "01-probe.ipynb")
    return suite


def test_notebooks_run_in_a_kernel_pinned_to_this_interpreter(
    seed_report: Path, tmp_path: Path, monkeypatch
):
    # papermill runs kernel_name="analysis-python", which exists only in the kernelspec
    # render writes (a missing kernel fails the run); the kernel is this interpreter
    suite = _probe_suite(
        tmp_path,
        "import os, sys\nfrom pathlib import Path\n(Path(out) / 'tables').mkdir()\n"
        "(Path(out) / 'tables' / 'kernel.csv').write_text(sys.executable + '\\n' + os.getcwd()"
        " + '\\n' + os.environ.get('ANALYSIS_PROBE', 'unset'))",
    )
    # the kernels inherit the caller's environment (README: "Faster on Linux")
    monkeypatch.setenv("ANALYSIS_PROBE", "from the caller")
    out = render(SEEDS, tmp_path / "r", notebook_dir=suite, quiet=True)
    exe, cwd, env = (out / "tables" / "kernel.csv").read_text(encoding="utf-8").splitlines()
    assert env == "from the caller"
    assert Path(exe).resolve() == Path(sys.executable).resolve()
    assert Path(cwd) == suite  # the notebook's folder, which outlives an interrupted run
    spec = execute.write_kernelspec(tmp_path / "k") / "kernels" / execute.KERNEL_NAME
    argv = json.loads((spec / "kernel.json").read_text(encoding="utf-8"))["argv"]
    assert argv == [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    # the kernelspec lives in the build folder only while the notebooks run
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert not (out / ".jupyter").exists() and not (seed_report / ".jupyter").exists()
    assert not [f for f in prov["outputs"] if f.startswith(".jupyter")]


def test_kernels_load_the_corpus_by_the_renders_digests_without_hashing(
    tmp_path: Path, monkeypatch
):
    # render lists and hashes the corpus once; its kernels key the cached corpus by that
    # list and those digests (provenance records the same ones) instead of listing the
    # folder and hashing every file again
    suite = _probe_suite(
        tmp_path,
        "import json, os\nfrom pathlib import Path\nimport analysis, analysis.cache\n"
        "hashed = []\nreal = analysis.cache._sha256\n"
        "analysis.cache._sha256 = lambda p: hashed.append(p.name) or real(p)\n"
        "listed = []\nreal_files = analysis.cache.corpus_files\n"
        "analysis.cache.corpus_files = lambda *a, **k: listed.append(1) or real_files(*a, **k)\n"
        "docs = analysis.cached_corpus(corpus)\n"
        "snap = json.loads(Path(os.environ['ANALYSIS_CORPUS_SNAPSHOT']).read_text())\n"
        "(Path(out) / 'tables').mkdir()\n"
        "(Path(out) / 'tables' / 'probe.json').write_text(json.dumps("
        "{'hashed': hashed, 'listed': len(listed), 'n_docs': len(docs), 'snapshot': snap}))",
    )
    # a snapshot variable from elsewhere is never handed on
    monkeypatch.setenv("ANALYSIS_CORPUS_SNAPSHOT", str(tmp_path / "not-this.json"))
    out = render(SEEDS, tmp_path / "r", notebook_dir=suite, quiet=True)
    probe = json.loads((out / "tables" / "probe.json").read_text(encoding="utf-8"))
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert probe["hashed"] == [] and probe["listed"] == 0
    assert probe["n_docs"] == 5
    listing = {"pattern": None, "manifest": "metadata.csv", "glob": "**/*.txt"}
    probe["snapshot"].pop("store", None)  # named while the render stores a fresh read
    assert probe["snapshot"] == {
        "corpus": str(SEEDS.resolve()), "files": prov["corpus"]["files"], "listing": listing
    }  # fmt: skip
    for f, digest in prov["corpus"]["files"].items():  # the digests are the files' own
        assert hashlib.sha256((SEEDS / f).read_bytes()).hexdigest() == digest
    assert not (out / ".jupyter").exists()


def test_suite_is_package_data_and_unknown_notebook_names_are_refused(tmp_path: Path):
    paths = execute.notebook_paths()
    assert paths[0].parent == execute.NOTEBOOK_DIR
    assert [p.stem for p in paths] == list(execute.SECTIONS)
    assert execute.select(paths, ["03-themes"]) == [execute.NOTEBOOK_DIR / "03-themes.ipynb"]
    with pytest.raises(AnalysisError, match=r"'03-theme' is not in the suite.*'03-themes'\?"):
        execute.select(paths, ["03-theme"])
    with pytest.raises(AnalysisError, match="no notebooks"):
        execute.notebook_paths(tmp_path)


@pytest.mark.parametrize(
    ("failures", "calls", "ok"),
    [
        ([], 1, True),
        (["Kernel died before replying to kernel_info"], 2, True),
        (["Kernel died before replying to kernel_info"] * 3, 3, False),
        (["something else broke"], 1, False),
    ],
)
def test_a_kernel_that_dies_at_start_is_started_again(monkeypatch, failures, calls, ok):
    # two kernels starting at once can draw the same port (jupyter_client#154); the loser
    # dies before any cell runs, so the notebook is started again, at most KERNEL_STARTS times
    import papermill

    seen = []

    def execute_notebook(*args, **kwargs):
        seen.append(1)
        if len(seen) <= len(failures):
            raise RuntimeError(failures[len(seen) - 1])

    monkeypatch.setattr(papermill, "execute_notebook", execute_notebook)
    result = execute._run_one("a.ipynb", "b.ipynb", {}, ".", 60)
    assert len(seen) == calls and result["ok"] is ok
    if not ok:
        assert result["cell"] is None and result["error"].startswith("RuntimeError: ")
    assert execute.KERNEL_STARTS == 3


def test_a_kernel_that_dies_while_running_is_not_started_again(monkeypatch):
    import papermill
    from nbclient.exceptions import DeadKernelError

    seen = []

    def execute_notebook(*args, **kwargs):
        seen.append(1)
        raise DeadKernelError("Kernel died")

    monkeypatch.setattr(papermill, "execute_notebook", execute_notebook)
    result = execute._run_one("a.ipynb", "b.ipynb", {}, ".", 60)
    assert seen == [1] and not result["ok"] and result["error"] == "DeadKernelError: Kernel died"


def _kernel_that(monkeypatch, code: str) -> None:
    """Make the render's kernelspec start ``python -c code -f <connection file>``."""
    real = execute.write_kernelspec

    def write_kernelspec(folder: Path) -> Path:
        real(folder)
        spec = folder / "kernels" / execute.KERNEL_NAME / "kernel.json"
        kernel = json.loads(spec.read_text(encoding="utf-8"))
        kernel["argv"] = [sys.executable, "-c", code, "-f", "{connection_file}"]
        spec.write_text(json.dumps(kernel), encoding="utf-8")
        return folder

    monkeypatch.setattr(execute, "write_kernelspec", write_kernelspec)


def test_a_kernels_stderr_stays_off_the_terminal(tmp_path: Path, monkeypatch, capfd):
    # what a kernel prints outside any cell (start-up warnings; the traceback of one that
    # lost the port race and was started again) goes to a log in the build folder: a
    # render that succeeds prints nothing of it
    _kernel_that(
        monkeypatch,
        "import os; os.write(2, b'kernel noise on fd 2\\n')\n"
        "from ipykernel import kernelapp; kernelapp.launch_new_instance()",
    )
    suite = _probe_suite(tmp_path, "print('ran')")
    out = render(SEEDS, tmp_path / "r", notebook_dir=suite, quiet=True)
    assert (out / "01-probe.html").is_file()
    assert "kernel noise" not in capfd.readouterr().err


def test_a_kernel_that_dies_is_quoted_in_the_one_line_error(tmp_path: Path, monkeypatch, capfd):
    # its last line on stderr names the cause (here after every start failed); the
    # terminal gets the render's one line, not the kernels' output
    _kernel_that(
        monkeypatch,
        "import sys; print('Traceback ...', file=sys.stderr); "
        "print('OSError: boom, no kernel here', file=sys.stderr); sys.exit(1)",
    )
    suite = _probe_suite(tmp_path, "print('ran')")
    with pytest.raises(
        AnalysisError,
        match=r"01-probe\.ipynb failed at kernel start \(RuntimeError: Kernel died before "
        r"replying to kernel_info; the kernel's last words: OSError: boom, no kernel here\)",
    ):
        render(SEEDS, tmp_path / "r", notebook_dir=suite, quiet=True)
    assert "boom" not in capfd.readouterr().err


def _fd2() -> tuple[int, int]:
    import os

    st = os.fstat(2)
    return st.st_dev, st.st_ino


def test_stderr_is_restored_after_each_notebook(tmp_path: Path):
    # the worker's own standard error comes back after each run, also when the run
    # raises, and a log only gets what was written during the block
    import os

    log, before = tmp_path / "a.log", _fd2()
    with execute._stderr_to(str(log)) as start:
        os.write(2, b"first\n")
    assert start == 0 and _fd2() == before
    with pytest.raises(KeyboardInterrupt), execute._stderr_to(str(log)) as start:
        os.write(2, b"second\n\n  \n")
        raise KeyboardInterrupt
    assert _fd2() == before and start == len(b"first\n")
    assert execute._last_line(str(log), 0) == "second"
    assert execute._last_line(str(log), start + len("second\n")) == ""
    assert execute._last_line(str(tmp_path / "missing.log"), 0) == ""
    for path in (None, str(tmp_path / "gone" / "a.log")):  # no log, or its folder removed
        with execute._stderr_to(path) as start:
            assert start == 0 and _fd2() == before
    assert not (tmp_path / "gone").exists()  # never made again


def _failing(monkeypatch, errors: list, silent: int = 0) -> list:
    """papermill.execute_notebook replaced: attempt N writes "attempt N" to fd 2 (not
    attempt ``silent``), then raises errors[N - 1] (None: succeeds). Returns the list of
    attempts made."""
    import os

    import papermill

    seen: list[int] = []

    def execute_notebook(*args, **kwargs):
        seen.append(len(seen) + 1)
        if len(seen) != silent:
            os.write(2, f"Traceback ...\nattempt {len(seen)}\n".encode())
        if errors[len(seen) - 1] is not None:
            raise errors[len(seen) - 1]

    monkeypatch.setattr(papermill, "execute_notebook", execute_notebook)
    return seen


def test_a_retried_kernel_start_is_quoted_from_its_own_attempt(tmp_path, monkeypatch, capfd):
    # each start's stderr goes to the log: a start that failed then succeeded leaves the
    # terminal clean; when all fail, the error quotes the last attempt's last line
    start_failed = RuntimeError("Kernel died before replying to kernel_info")
    log = str(tmp_path / "a.log")
    seen = _failing(monkeypatch, [start_failed, None])
    result = execute._run_one("a.ipynb", "b.ipynb", {}, ".", 60, log)
    assert seen == [1, 2] and result["ok"]
    seen = _failing(monkeypatch, [start_failed] * 3)
    result = execute._run_one("a.ipynb", "b.ipynb", {}, ".", 60, log)
    assert seen == [1, 2, 3] and not result["ok"]
    assert result["error"] == (
        "RuntimeError: Kernel died before replying to kernel_info; "
        "the kernel's last words: attempt 3"
    )
    seen = _failing(monkeypatch, [start_failed] * 3, silent=3)  # only this attempt is quoted
    result = execute._run_one("a.ipynb", "b.ipynb", {}, ".", 60, log)
    assert seen == [1, 2, 3] and result["error"] == f"RuntimeError: {start_failed}"
    assert "attempt" not in capfd.readouterr().err


def test_only_a_dead_kernel_is_quoted(tmp_path, monkeypatch):
    # a kernel that died while running is quoted; a failing cell, a timeout or another
    # error is not (what the kernel last wrote says nothing about them)
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    log = str(tmp_path / "a.log")
    _failing(monkeypatch, [DeadKernelError("Kernel died")])
    died = execute._run_one("a.ipynb", "b.ipynb", {}, ".", 60, log)
    assert died["error"] == "DeadKernelError: Kernel died; the kernel's last words: attempt 1"
    cell_error = PapermillExecutionError(3, 4, "x", "ValueError", "bad value", [])
    for error in (cell_error, CellTimeoutError("timed out"), OSError("no such file")):
        _failing(monkeypatch, [error])
        result = execute._run_one("a.ipynb", "b.ipynb", {}, ".", 60, log)
        assert not result["ok"] and "last words" not in result["error"], result


@pytest.mark.parametrize(
    ("result", "where"),
    [
        ({"cell": 4, "error": "ValueError: bad value"}, "failed at cell 4 (ValueError"),
        (
            {"cell": None, "error": "RuntimeError: Kernel died before replying to kernel_info"},
            "failed at kernel start (RuntimeError",
        ),
        ({"cell": None, "error": "DeadKernelError: Kernel died"}, "failed (DeadKernelError"),
        ({"cell": None, "error": "CellTimeoutError: timed out"}, "failed (CellTimeoutError"),
    ],
)
def test_the_error_says_where_a_notebook_failed(tmp_path, result, where):
    # "at kernel start" only for a kernel that never answered
    from analysis.report import _raise_failed

    with pytest.raises(AnalysisError, match=rf"notebook 04-topics\.ipynb {re.escape(where)}"):
        _raise_failed({"04-topics": {"ok": False, **result}}, tmp_path)


def test_each_kernel_gets_its_share_of_the_cores(tmp_path: Path, monkeypatch):
    # two notebooks at once on this machine's cores: each kernel may use half of them
    # (ANALYSIS_CPUS, which every "all cores" default reads, and the BLAS/OpenMP pools);
    # a thread count the user set is kept
    from analysis._parallel import available_cpus

    suite = _probe_suite(
        tmp_path,
        "import json, os\nfrom pathlib import Path\nimport threadpoolctl\n"
        "from analysis._parallel import available_cpus\nfrom analysis.tokens import _resolve_jobs\n"
        "import numpy\n"
        "blas = {i['internal_api']: i['num_threads'] for i in threadpoolctl.threadpool_info()}\n"
        "names = ['ANALYSIS_CPUS', 'OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS']\n"
        "(Path(out) / 'tables').mkdir()\n"
        "(Path(out) / 'tables' / 'cpus.json').write_text(json.dumps({'env': {n: os.environ.get(n)"
        " for n in names}, 'cpus': available_cpus(), 'jobs': _resolve_jobs(None, 10**9),"
        " 'openblas': blas.get('openblas')}))",
    )
    for name in ("ANALYSIS_CPUS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    out = render(SEEDS, tmp_path / "r", notebook_dir=suite, quiet=True, jobs=2)
    probe = json.loads((out / "tables" / "cpus.json").read_text(encoding="utf-8"))
    share = max(1, available_cpus() // 2)
    assert probe["env"] == {
        "ANALYSIS_CPUS": str(share), "OPENBLAS_NUM_THREADS": str(share),
        "OMP_NUM_THREADS": "7", "MKL_NUM_THREADS": str(share),
    }  # fmt: skip
    assert probe["cpus"] == probe["jobs"] == share
    assert probe["openblas"] == share


def test_each_page_is_written_as_its_notebook_finishes(tmp_path, monkeypatch):
    # the render process writes a section's page while the other notebooks still run,
    # not all of them after the last one: only the last page is left for the end
    import analysis.report as report

    events = []
    real_export, real_run = report.html.export, report.run_suite

    def export(nb, dest, **kwargs):
        events.append(("page", Path(nb).stem))
        return real_export(nb, dest, **kwargs)

    def run(*args, **kwargs):
        results = real_run(*args, **kwargs)
        events.append(("suite done", sorted(results)))
        return results

    monkeypatch.setattr(report.html, "export", export)
    monkeypatch.setattr(report, "run_suite", run)
    names = ["01-corpus", "02-keywords"]
    out = render(SEEDS, tmp_path / "r", None, notebooks=names, quiet=True, jobs=2)
    assert events[-1] == ("suite done", names)
    assert sorted(name for _, name in events[:-1]) == names  # both pages, before the end
    assert all((out / f"{name}.html").stat().st_size > 0 for name in names)


def test_a_page_that_cannot_be_written_fails_the_render_after_the_notebooks(tmp_path, monkeypatch):
    # written while other notebooks run, a page's error neither stops them nor leaves a
    # half-built report: it is raised after the run, as a one-line error
    import analysis.report as report

    def export(nb, dest, **kwargs):
        raise PermissionError(13, "Permission denied", str(dest))

    ran = []
    real_run = report.run_suite

    def run(*args, **kwargs):
        results = real_run(*args, **kwargs)
        ran.extend(sorted(results))
        return results

    monkeypatch.setattr(report.html, "export", export)
    monkeypatch.setattr(report, "run_suite", run)
    with pytest.raises(AnalysisError, match=r"cannot write the report here \(permission denied\)"):
        render(SEEDS, tmp_path / "r", None, notebooks=["01-corpus", "02-keywords"], quiet=True)
    assert ran == ["01-corpus", "02-keywords"]  # both notebooks ran to their end
    assert not (tmp_path / "r").exists() and not list(tmp_path.glob(".r*"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the store is forked on Linux")
def test_the_sections_load_the_entry_the_render_stores_while_they_start(tmp_path, monkeypatch):
    import time

    import analysis.cache as cache

    monkeypatch.setenv("ANALYSIS_CACHE", str(tmp_path / "cache"))  # empty: the render reads
    real = cache._store

    def slow(*args, **kwargs):  # the forked store starts late: the kernel gets there first
        time.sleep(4)
        real(*args, **kwargs)

    monkeypatch.setattr(cache, "_store", slow)
    suite = _probe_suite(
        tmp_path,
        "import json, os\nfrom pathlib import Path\nimport analysis, analysis.cache\n"
        "snapshot = json.loads(Path(os.environ['ANALYSIS_CORPUS_SNAPSHOT']).read_text())\n"
        "def again(*args, **kwargs):\n    raise AssertionError('the corpus was read again')\n"
        "analysis.cache.read_corpus = again\n"
        "docs = analysis.cached_corpus(corpus)\n"
        "(Path(out) / 'tables').mkdir()\n"
        "(Path(out) / 'tables' / 'probe.json').write_text(json.dumps("
        "{'store': sorted(snapshot.get('store') or {}), 'documents': len(docs)}))",
    )
    out = render(SEEDS, tmp_path / "r", notebook_dir=suite, quiet=True)
    probe = json.loads((out / "tables" / "probe.json").read_text(encoding="utf-8"))
    assert probe == {"store": ["entry", "lock"], "documents": 5}
    assert len(list((tmp_path / "cache").glob("??/*.corpus.arrow"))) == 1  # written by then


def test_the_command_line_imports_papermill_without_jsonschemas_iri_grammars():
    import subprocess

    pytest.importorskip("rfc3987_syntax")  # installed with JupyterLab (jsonschema[format-nongpl])
    try:
        import rfc3987  # noqa: F401  # jsonschema prefers it and never imports rfc3987_syntax
    except ImportError:
        pass
    else:
        pytest.skip("rfc3987 is installed: jsonschema takes its IRI checks from it")
    code = (
        "import sys\n"
        "from analysis.report.execute import import_papermill\n"
        "import_papermill()\n"
        "import jsonschema, nbformat\n"
        "print('papermill' in sys.modules, 'rfc3987_syntax' in sys.modules)\n"
        "print(sorted(f for f in ('iri', 'iri-reference', 'uri') if f in\n"
        "      jsonschema.Draft7Validator.FORMAT_CHECKER.checkers))\n"
        "nb = nbformat.read(sys.argv[1], as_version=4)\n"
        "nbformat.validate(nb)  # notebooks still validate\n"
        "import rfc3987_syntax  # and the module can be imported afterwards\n"
        "print(rfc3987_syntax.is_valid_syntax('iri', 'http://example.org/\\u00e9'))\n"
    )
    notebook = str(execute.notebook_paths()[0])
    done = subprocess.run([sys.executable, "-c", code, notebook], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["True False", "['uri']", "True"]
    # a process that imported jsonschema already keeps its IRI checks
    before = "import jsonschema\n" + code
    done = subprocess.run([sys.executable, "-c", before, notebook], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["True True", "['iri', 'iri-reference', 'uri']"]


def test_papermill_is_imported_as_it_comes_when_it_needs_the_iri_checker():
    import subprocess

    pytest.importorskip("rfc3987_syntax")
    code = (
        "import importlib.abc, sys\n"
        "class Needs(importlib.abc.MetaPathFinder):  # papermill as if it imported the module\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name == 'papermill' and sys.modules.get('rfc3987_syntax', 0) is None:\n"
        "            raise ImportError('needs rfc3987_syntax')\n"
        "sys.meta_path.insert(0, Needs())\n"
        "from analysis.report.execute import import_papermill\n"
        "import_papermill()\n"
        "print('papermill' in sys.modules, sys.modules.get('rfc3987_syntax', 0) is None)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False"]  # imported, and the block is gone


def test_the_report_command_imports_papermill_the_light_way(tmp_path, monkeypatch, capsys):
    import analysis.report

    calls = []
    monkeypatch.setattr(execute, "import_papermill", lambda: calls.append("light"))
    monkeypatch.setattr(
        analysis.report, "render", lambda *a, **k: calls.append("render") or tmp_path
    )
    assert main(["report", "--corpus", str(SEEDS), "--out", str(tmp_path / "r")]) == 0
    assert calls == ["light", "render"]
