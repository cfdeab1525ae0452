"""The ``topics`` command: top terms, shared DTM options, errors."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout

import pandas as pd
import pytest

from analysis import build_dtm, read_corpus
from analysis.topics import choose_k, fit_topics, select_k


def _run_cli(argv, monkeypatch):
    from analysis import cli

    monkeypatch.setattr(cli, "COMMANDS", ("topics",))
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(argv)
    return code, out.getvalue(), err.getvalue()


def test_cli_prints_top_terms(monkeypatch, seeds_dir):
    code, out, err = _run_cli(
        ["topics", "--corpus", str(seeds_dir), "--k", "4", "--unit", "paragraph", "--top", "6"]
        + ["--format", "csv"],
        monkeypatch,
    )
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns) == ["topic", "label", "rank", "term", "weight"]
    assert len(table) == 24
    corpus = read_corpus(seeds_dir)
    expected = fit_topics(build_dtm(corpus, unit="paragraph", min_df=2), 4).top_terms(6)
    assert table["term"].tolist() == expected["term"].tolist()


def test_cli_shares_the_term_commands_dtm_options(monkeypatch, seeds_dir):
    code, out, err = _run_cli(
        ["topics", "--corpus", str(seeds_dir), "--k", "3", "--unit", "paragraph", "--top", "5"]
        + ["--ngram", "2", "2", "--stem", "--format", "csv"],
        monkeypatch,
    )
    assert code == 0, err
    terms = pd.read_csv(io.StringIO(out))["term"]
    assert terms.str.contains(" ").all()  # bigrams only, shown as readable words
    corpus = read_corpus(seeds_dir)
    dtm = build_dtm(corpus, unit="paragraph", ngram_range=(2, 2), stem=True, min_df=2)
    assert terms.tolist() == fit_topics(dtm, 3).top_terms(5)["term"].tolist()

    code, out, err = _run_cli(
        ["topics", "--corpus", str(seeds_dir), "--k", "3", "--ngram", "2", "1"], monkeypatch
    )
    assert code == 2 and out == ""
    assert [line for line in err.splitlines() if line.startswith("error:")] == [
        "error: --ngram 2 1: the first number must not exceed the second"
    ]


def test_cli_keeps_the_old_ngram_range_spelling(monkeypatch, seeds_dir):
    new = _run_cli(
        ["topics", "--corpus", str(seeds_dir), "--k", "3", "--unit", "paragraph"]
        + ["--ngram", "1", "2", "--format", "csv"],
        monkeypatch,
    )
    old = _run_cli(
        ["topics", "--corpus", str(seeds_dir), "--k", "3", "--unit", "paragraph"]
        + ["--ngram-range", "1,2", "--format", "csv"],
        monkeypatch,
    )
    assert new[0] == old[0] == 0 and new[1] == old[1]
    assert " " in "".join(pd.read_csv(io.StringIO(old[1]))["term"])  # bigrams were counted
    # argparse reports a bad value itself: usage line, one error line, exit status 2
    with pytest.raises(SystemExit) as exit_info:
        _run_cli(
            ["topics", "--corpus", str(seeds_dir), "--k", "3", "--ngram-range", "a,2"], monkeypatch
        )
    assert exit_info.value.code == 2


def test_cli_error_exits_2(monkeypatch, seeds_dir):
    code, out, err = _run_cli(["topics", "--corpus", str(seeds_dir), "--k", "9"], monkeypatch)
    assert code == 2
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: k=9")
    assert "Traceback" not in err and out == ""


def test_k_topics_on_fewer_than_2k_units_warns_in_one_line(seeds_dir, repo_root):
    # the real command line: 5 documents as units, 5 topics
    proc = subprocess.run(
        [sys.executable, "-m", "analysis", "topics", "--corpus", str(seeds_dir), "--k", "5"]
        + ["--top", "3", "--format", "csv"],
        capture_output=True,
        text=True,
        cwd=repo_root,
        env={**os.environ, "PYTHONPATH": str(repo_root)},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines == [
        "warning: k=5 topics on 5 units: fewer than 2k = 10 units, so the topics can describe "
        "single units rather than what they share; use k <= 2 or a smaller unit (paragraph, "
        "sentence)"
    ]
    assert len(pd.read_csv(io.StringIO(proc.stdout))) == 15


def test_without_k_the_rule_chooses_it_and_says_so(monkeypatch, seeds_dir):
    code, out, err = _run_cli(
        ["topics", "--corpus", str(seeds_dir), "--unit", "paragraph", "--ks", "2-4"]
        + ["--min-stability", "0.6", "--top", "4", "--format", "csv"],
        monkeypatch,
    )
    assert code == 0, err
    dtm = build_dtm(read_corpus(seeds_dir), unit="paragraph", min_df=2)
    choice = choose_k(
        select_k(dtm, ks=[2, 3, 4], seeds=(0, 1, 2), progress=False), min_stability=0.6
    )
    notes = [line for line in err.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and notes[0].startswith(f"note: k={choice.k} chosen by the rule (")
    assert f"mean NPMI {choice.row()['npmi']:.2f}" in notes[0]
    assert pd.read_csv(io.StringIO(out))["topic"].nunique() == choice.k
    # on 5 documents only k=2 has 2k units: the others are skipped with one warning line
    code, out, err = _run_cli(
        ["topics", "--corpus", str(seeds_dir), "--ks", "2,3,4", "--format", "csv"], monkeypatch
    )
    assert code == 0, err
    assert [line for line in err.splitlines() if line.startswith("warning:")] == [
        "warning: select_k skips k=3, 4: 5 units, fewer than 2k for each of them; try a smaller "
        "unit (paragraph, sentence)"
    ]
    assert "note: k=2 chosen by the rule" in err
    with pytest.raises(SystemExit) as exit_info:
        _run_cli(["topics", "--corpus", str(seeds_dir), "--ks", "1,x"], monkeypatch)
    assert exit_info.value.code == 2
    code, out, err = _run_cli(["topics", "--corpus", str(seeds_dir), "--ks", "3-5"], monkeypatch)
    assert code == 2 and out == ""
    assert [line for line in err.splitlines() if line.startswith("error:")] == [
        "error: ks=[3, 4, 5]: every k needs at least 2k units and this DTM has 5; try k <= 2 or "
        "a smaller unit (paragraph, sentence)"
    ]
