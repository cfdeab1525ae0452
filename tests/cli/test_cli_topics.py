"""The ``topics`` command: top terms, shared DTM options, errors."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout

import pandas as pd
import pytest

from analysis import build_dtm, read_corpus
from analysis.topics import fit_topics


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
