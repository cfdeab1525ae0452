"""Issue 10, the report renderer: --out never loses user files, params are checked,
one-line errors, interrupted runs clean up, byte-reproducible SVG."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis.cli import main
from analysis.errors import AnalysisError
from analysis.report import render
from analysis.report.folder import MARKER as _MARKER
from analysis.report.folder import swap_in as _swap_in

ROOT = Path(__file__).resolve().parents[2]


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


# ------------------------------------------------------------------ 1. --out safety


def test_existing_non_report_folder_is_refused_and_untouched(seeds_dir: Path, tmp_path: Path):
    thesis = tmp_path / "thesis"
    (thesis / "chapters").mkdir(parents=True)
    (thesis / "chapters" / "one.tex").write_text("precious", encoding="utf-8")
    (thesis / "index.html").write_text("mine", encoding="utf-8")
    thesis.chmod(0o750)
    before = _tree(thesis)
    with pytest.raises(AnalysisError, match=r"thesis: is not a report folder .*--force"):
        render(seeds_dir, thesis, notebooks=["01-corpus"], quiet=True)
    assert _tree(thesis) == before
    assert stat.S_IMODE(thesis.stat().st_mode) == 0o750
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis"]  # no build folder left


@pytest.mark.parametrize("where", ["corpus", "inside-corpus", "cwd", "parent-of-cwd", "git-root"])
def test_out_that_is_or_holds_protected_folders_is_refused(
    where: str, make_corpus, tmp_path: Path, monkeypatch
):
    corpus = make_corpus({"a.txt": "Peace and war.", "b.txt": "More words here."})
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / "code.py").write_text("x = 1\n", encoding="utf-8")
    work = project / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    out, message = {
        "corpus": (corpus, "is the corpus"),
        "inside-corpus": (corpus / "report", "lies inside the corpus folder"),
        "cwd": (Path("."), "is the current working directory"),
        "parent-of-cwd": (Path(".."), "contains the current working directory"),
        "git-root": (project, "contains the current working directory"),
    }[where]
    before = _tree(tmp_path)
    with pytest.raises(AnalysisError, match=message):
        render(corpus, out, notebooks=["01-corpus"], quiet=True, force=True)
    assert _tree(tmp_path) == before


def test_git_root_and_project_checkout_are_refused(
    make_corpus, repo_root: Path, tmp_path: Path, monkeypatch
):
    corpus = make_corpus({"a.txt": "Peace and war.", "b.txt": "More words here."})
    monkeypatch.chdir(tmp_path)
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    with pytest.raises(AnalysisError, match="repo: is the root of a git repository"):
        render(corpus, repo, notebooks=["01-corpus"], quiet=True, force=True)
    with pytest.raises(AnalysisError, match="is the project checkout"):
        render(corpus, repo_root, notebooks=["01-corpus"], quiet=True, force=True)
    # the parent of the checkout may also hold the corpus or the cwd (a checkout in /tmp):
    # whichever is named first, it is refused, and the checkout is among the protected
    with pytest.raises(AnalysisError, match="contains the (project checkout|corpus|current)"):
        render(corpus, repo_root.parent, notebooks=["01-corpus"], quiet=True, force=True)
    from analysis.report.folder import _protected

    assert (repo_root.resolve(), "the project checkout") in _protected(corpus)
    assert (repo / ".git").is_dir()


def test_existing_file_at_out_is_refused(seeds_dir: Path, tmp_path: Path):
    f = tmp_path / "report"
    f.write_text("not a folder", encoding="utf-8")
    with pytest.raises(AnalysisError, match="exists and is not a folder"):
        render(seeds_dir, f, notebooks=["01-corpus"], quiet=True, force=True)
    assert f.read_text(encoding="utf-8") == "not a folder"


def test_report_with_user_file_is_refused_and_force_keeps_the_file_and_mode(
    seeds_dir: Path, tmp_path: Path
):
    out = tmp_path / "report"
    (out / "figures").mkdir(parents=True)
    (out / "index.html").write_text("old index", encoding="utf-8")
    (out / "figures" / "old.png").write_bytes(b"old")
    (out / "figures" / "mine.png").write_bytes(b"user figure")
    (out / "notes.txt").write_text("user notes", encoding="utf-8")
    outputs = ["figures/old.png", "index.html", "provenance.json"]
    (out / "provenance.json").write_text(json.dumps({"outputs": outputs}), encoding="utf-8")
    out.chmod(0o750)
    before = _tree(out)
    with pytest.raises(AnalysisError, match=r"report: holds files the previous report did not"):
        render(seeds_dir, out, notebooks=["01-corpus"], quiet=True)
    assert _tree(out) == before
    render(seeds_dir, out, notebooks=["01-corpus"], quiet=True, force=True)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "user notes"
    assert (out / "figures" / "mine.png").read_bytes() == b"user figure"
    assert not (out / "figures" / "old.png").exists()  # written by the previous report
    assert (out / "index.html").read_text(encoding="utf-8") != "old index"
    assert stat.S_IMODE(out.stat().st_mode) == 0o750
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert "index.html" in prov["outputs"] and "notes.txt" not in prov["outputs"]
    assert set(prov["outputs"]) == {
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and p.name not in {"notes.txt", "mine.png"}
    }
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def _legacy_report(out: Path) -> None:
    """A report as versions before ``outputs`` wrote it (provenance without the list)."""
    (out / "figures").mkdir(parents=True)
    (out / "notebooks").mkdir()
    for rel in (
        "index.html",
        "01-corpus.html",
        "figures/corpus-lengths.png",
        "notebooks/01-corpus.ipynb",
    ):
        (out / rel).write_text("old", encoding="utf-8")
    prov = {"corpus": {}, "parameters": {}, "notebook_seconds": {"01-corpus": 1.0}}
    (out / "provenance.json").write_text(json.dumps(prov), encoding="utf-8")


def test_report_written_before_outputs_were_listed_is_replaced(seeds_dir: Path, tmp_path: Path):
    out = tmp_path / "report"
    _legacy_report(out)
    render(seeds_dir, out, notebooks=["01-corpus"], quiet=True)
    assert (out / "index.html").read_text(encoding="utf-8") != "old"
    assert "outputs" in json.loads((out / "provenance.json").read_text(encoding="utf-8"))


def test_old_report_with_a_user_file_is_refused(seeds_dir: Path, tmp_path: Path):
    out = tmp_path / "report"
    _legacy_report(out)
    (out / "figures" / "draft.pdf").write_text("mine", encoding="utf-8")
    before = _tree(out)
    with pytest.raises(AnalysisError, match=r"did not write, e\.g\. 'figures/draft\.pdf'"):
        render(seeds_dir, out, notebooks=["01-corpus"], quiet=True)
    assert _tree(out) == before


def test_carried_file_that_the_new_report_also_writes_is_refused(tmp_path: Path):
    out, build = tmp_path / "report", tmp_path / ".report-build-1-ab"
    out.mkdir()
    build.mkdir()
    (out / "index.html").write_text("user page", encoding="utf-8")
    (build / "index.html").write_text("new page", encoding="utf-8")
    with pytest.raises(AnalysisError, match=r"index\.html: the new report writes this path too"):
        _swap_in(build, out, ["index.html"], [])
    assert (out / "index.html").read_text(encoding="utf-8") == "user page"


# --------------------------------------------------- 8 (stale builds) + new-folder mode


def test_stale_build_of_dead_process_is_removed_live_and_foreign_ones_kept(
    seeds_dir: Path, tmp_path: Path
):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], text=True,
                          capture_output=True, check=True).stdout.strip()  # fmt: skip
    marker = json.dumps({"tool": "analysis.report", "pid": 0, "carried": []})
    folders = {
        "stale": tmp_path / f".report-build-{dead}-0123abcd",
        "live": tmp_path / f".report-build-{os.getppid()}-0123abcd",
        "unmarked": tmp_path / f".report-build-{dead}-4567abcd",
        "carrying": tmp_path / f".report-build-{dead}-89abcdef",
    }
    for name, folder in folders.items():
        folder.mkdir()
        (folder / "x.csv").write_text("x", encoding="utf-8")
        if name != "unmarked":
            (folder / _MARKER).write_text(marker, encoding="utf-8")
    (folders["carrying"] / _MARKER).write_text(
        json.dumps({"tool": "analysis.report", "pid": 0, "carried": ["notes.txt"]}),
        encoding="utf-8",
    )
    old = os.umask(0o027)
    try:
        with pytest.warns(UserWarning, match="holds your files"):
            out = render(seeds_dir, tmp_path / "report", notebooks=["01-corpus"], quiet=True)
    finally:
        os.umask(old)
    assert not folders["stale"].exists()
    assert folders["live"].is_dir() and folders["unmarked"].is_dir()
    assert folders["carrying"].is_dir()
    assert stat.S_IMODE(out.stat().st_mode) == 0o750  # mkdir under the umask, not 0700
    assert not (out / _MARKER).exists()


# ------------------------------------------------------------------ 7. one-line errors


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("jobs", ["-2", "0"])
def test_cli_bad_jobs_exits_2_with_one_line(jobs: str, seeds_dir: Path, tmp_path: Path, capsys):
    argv = ["report", "--corpus", str(seeds_dir), "--out", str(tmp_path / "r"), "--jobs", jobs]
    assert main(argv) == 2
    assert f"--jobs {jobs}: must be" in _one_line(capsys)
    assert not (tmp_path / "r").exists()


def test_cli_unwritable_out_parent_exits_2_with_one_line(
    seeds_dir: Path, tmp_path: Path, capsys, monkeypatch
):
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode, **kw: Path(p) != locked and real_access(p, mode, **kw)
    )
    argv = ["report", "--corpus", str(seeds_dir), "--out", str(locked / "r")]
    argv += ["--notebooks", "01-corpus"]
    assert main(argv) == 2
    err = _one_line(capsys)
    assert (
        f"{locked}: cannot write the report here (permission denied); choose another --out" in err
    )
    assert list(locked.iterdir()) == []


def test_cli_mkdir_permission_error_exits_2_with_one_line(
    seeds_dir: Path, tmp_path: Path, capsys, monkeypatch
):
    def refuse(self, *a, **kw):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    argv = ["report", "--corpus", str(seeds_dir), "--out", str(tmp_path / "a" / "r")]
    assert main(argv + ["--notebooks", "01-corpus"]) == 2
    assert "cannot write the report here (permission denied)" in _one_line(capsys)


# ------------------------------------------------------------------ 8. Ctrl-C


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    out, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.add(c)
            todo.append(c)
    return out


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to list child processes")
def test_ctrl_c_stops_with_one_line_exit_130_and_cleans_up(seeds_dir: Path, tmp_path: Path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "analysis", "report", "--corpus", str(seeds_dir),
           "--out", str(tmp_path / "r"), "--notebooks", "02-keywords", "04-topics"]  # fmt: skip
    proc = subprocess.Popen(
        cmd, env=env, stderr=subprocess.PIPE, text=True, start_new_session=True, cwd=tmp_path,
        # a terminal's Ctrl-C reaches a process that does not ignore SIGINT; an ignored
        # SIGINT is inherited, and in the full suite the render once started ignoring it
        # (SigIgn had SIGINT and SIGQUIT: what C's system() sets while another thread of
        # the test process runs it), so the child starts from the default disposition
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    time.sleep(3.5)
    children = _descendants(proc.pid)
    # how the render's process stands towards SIGINT (blocked or ignored signals are masks
    # in /proc), named if the test fails
    status = (
        Path(f"/proc/{proc.pid}/status").read_text() if Path(f"/proc/{proc.pid}").exists() else ""
    )
    masks = [
        line for line in status.splitlines() if line.startswith(("SigBlk", "SigIgn", "SigCgt"))
    ]
    masks.append(f"pytest blocks {sorted(signal.pthread_sigmask(signal.SIG_BLOCK, []))}")
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    try:
        _, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError(f"SIGINT did not stop the render; {masks}") from None
    assert proc.returncode == 130, err
    assert err == "error: interrupted\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no report, no build folder
    deadline = time.time() + 5
    while time.time() < deadline and any(Path(f"/proc/{c}").exists() for c in children):
        time.sleep(0.2)
    left = [c for c in children if Path(f"/proc/{c}").exists()]
    assert left == [], f"processes left running: {left}"


def _start_sleeper(path: str) -> int:
    """(In a pool worker) start a process that sleeps, as a kernel would run; its pid."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    Path(path).write_text(str(child.pid), encoding="utf-8")
    time.sleep(60)
    return child.pid


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to list child processes")
def test_stopping_the_pool_ends_the_workers_processes_before_it_returns(tmp_path: Path):
    # an interrupted render removes its build folder right after the pool is stopped: the
    # kernels (the workers' children) must be gone by then, or one finishing a file makes
    # the folder again (seen in the Ctrl-C test above)
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    from analysis.report.execute import _descendants, _running, _stop_pool

    pool = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("fork"))
    marker = tmp_path / "pid"
    pool.submit(_start_sleeper, str(marker))
    deadline = time.time() + 20
    while not marker.is_file() and time.time() < deadline:
        time.sleep(0.05)
    child = int(marker.read_text(encoding="utf-8"))
    worker = next(iter(pool._processes.values())).pid
    found = dict(_descendants(worker))
    assert child in found and _running(child, found[child])
    assert not _running(child, "0")  # another start time: another process
    _stop_pool(pool)
    assert not _running(child, found[child])


# ------------------------------------------------------------------ 11. SVG bytes

_SVG_SCRIPT = """
import sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from analysis.output import save_figure
fig, ax = plt.subplots()
ax.bar(["a", "b", "c"], [3, 1, 2])
ax.plot([0, 1, 2], [1, 3, 2])
save_figure(fig, "bars", out=sys.argv[1], formats=("svg",))
"""


def test_svg_is_byte_identical_across_processes(tmp_path: Path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    svgs = []
    for run in ("a", "b"):
        subprocess.run([sys.executable, "-c", _SVG_SCRIPT, str(tmp_path / run)], env=env,
                       check=True)  # fmt: skip
        svgs.append((tmp_path / run / "figures" / "bars.svg").read_bytes())
    assert b"clip-path" in svgs[0]  # the ids that used to carry a random salt
    assert svgs[0] == svgs[1]


def test_a_file_saved_into_out_during_the_run_survives_the_swap(tmp_path: Path):
    """The folder is checked before the notebooks run; a file saved into it meanwhile is
    not the previous report's, so the swap keeps it (never deleted), and a clash with
    the new report leaves it in the old folder with a warning."""
    from analysis.report import folder

    out = tmp_path / "rep"
    (out / "figures").mkdir(parents=True)
    (out / "index.html").write_text("old", encoding="utf-8")
    (out / "figures" / "a.png").write_bytes(b"old figure")
    outputs = ["figures/a.png", "index.html", "provenance.json"]
    (out / "provenance.json").write_text(json.dumps({"outputs": outputs}), encoding="utf-8")
    carry = folder.plan_replace(out, force=False)
    (out / "my-notes.md").write_text("written while the notebooks ran", encoding="utf-8")
    (out / "figures" / "mine.png").write_bytes(b"mine")
    build = folder.new_build(out)
    (build / "index.html").write_text("new", encoding="utf-8")
    (build / "provenance.json").write_text("{}", encoding="utf-8")
    folder.swap_in(build, out, carry, [])
    assert (out / "index.html").read_text(encoding="utf-8") == "new"
    assert (out / "my-notes.md").read_text(encoding="utf-8") == "written while the notebooks ran"
    assert (out / "figures" / "mine.png").read_bytes() == b"mine"
    assert not (out / "figures" / "a.png").exists()  # the previous report's own file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rep"]  # old folder gone

    # a file saved during the run under a name the new report also writes: left in the
    # old folder, with a warning
    (out / "provenance.json").write_text(
        json.dumps({"outputs": ["index.html", "provenance.json"]}), encoding="utf-8"
    )
    (out / "my-notes.md").unlink()
    (out / "figures" / "mine.png").unlink()
    (out / "figures").rmdir()
    carry = folder.plan_replace(out, force=False)
    (out / "figures").mkdir()
    (out / "figures" / "new.png").write_bytes(b"saved by the user")
    build = folder.new_build(out)
    (build / "figures").mkdir()
    (build / "figures" / "new.png").write_bytes(b"the new report's")
    with pytest.warns(UserWarning, match="keeps 'figures/new.png'"):
        folder.swap_in(build, out, carry, [])
    assert (out / "figures" / "new.png").read_bytes() == b"the new report's"
    old = [p for p in tmp_path.iterdir() if p.name != "rep"]
    assert len(old) == 1 and (old[0] / "figures" / "new.png").read_bytes() == b"saved by the user"
