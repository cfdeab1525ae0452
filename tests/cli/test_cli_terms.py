"""The term-statistics commands through ``analysis.cli.main``."""

from __future__ import annotations

import importlib.util
import io

import pandas as pd
import pytest
from fixtures_terms import SEEDS

import analysis.cli as cli


@pytest.fixture(autouse=True)
def _only_available_commands(monkeypatch):
    # Other commands of COMMANDS are written in parallel branches; build the parser from
    # the modules present so these tests exercise the term commands on any branch.
    present = tuple(c for c in cli.COMMANDS if importlib.util.find_spec(f"analysis.cli.{c}"))
    assert "terms" in present
    monkeypatch.setattr(cli, "COMMANDS", present)


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def csv(out: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(out))


def test_keywords_by_year_csv(capsys):
    code, out, err = run(
        capsys, "keywords", "--corpus", str(SEEDS), "--by", "year", "--top", "4", "--format", "csv"
    )
    assert code == 0, err
    table = csv(out)
    assert list(table.columns) == ["group", "term", "score", "rank", "count"]
    assert table.groupby("group").size().to_dict() == {2010: 4, 2020: 4, 2025: 4}


def test_keywords_table_with_ngrams_has_phrases(capsys):
    code, out, _ = run(
        capsys, "keywords", "--corpus", str(SEEDS), "--ngram", "2", "2", "--top", "3"
    )
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].split() == ["group", "term", "score", "rank", "count"]
    assert len(lines) == 1 + 5 * 3


def test_frequencies_of_terms(capsys):
    code, out, _ = run(
        capsys, "frequencies", "--corpus", str(SEEDS), "--by", "year",
        "--terms", "war", "multilateralism", "--format", "csv",
    )  # fmt: skip
    assert code == 0
    table = csv(out)
    assert table["term"].tolist() == ["war", "multilateralism"] * 3
    assert (table["rate_per_1k"] == 1000 * table["count"] / table["tokens"]).all()


def test_keyness_log_likelihood(capsys):
    code, out, _ = run(
        capsys, "keyness", "--corpus", str(SEEDS), "--by", "year", "--target", "2025",
        "--measure", "log_likelihood", "--top", "3", "--format", "csv",
    )  # fmt: skip
    assert code == 0
    table = csv(out)
    assert len(table) == 6 and set(table["measure"]) == {"log_likelihood"}
    assert (table["z"].iloc[:3] > 0).all() and (table["z"].iloc[3:] < 0).all()


def test_kwic_phrase_positional(capsys):
    code, out, _ = run(
        capsys, "kwic", "--corpus", str(SEEDS), "community with a shared future",
        "--window", "3", "--format", "csv",
    )  # fmt: skip
    assert code == 0
    table = csv(out)
    assert len(table) >= 2
    assert table["match"].str.lower().eq("community with a shared future").all()


def test_collocations(capsys):
    code, out, _ = run(
        capsys, "collocations", "--corpus", str(SEEDS), "--measure", "likelihood_ratio",
        "--top", "5", "--format", "csv",
    )  # fmt: skip
    assert code == 0
    table = csv(out)
    assert list(table.columns) == ["ngram", "score", "count"] and len(table) == 5


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["keywords", "--by", "yaer"], "by='yaer'"),
        (["keyness", "--by", "year", "--target", "2024"], "target=2024"),
        (["keyness", "--by", "year", "--target", "2025", "--reference", "2025"], "share 2025"),
        (["frequencies", "--terms", "qqqq"], "'qqqq'"),
        (["kwic", "***"], "pattern="),
    ],
)
def test_user_errors_exit_2_with_one_line(capsys, argv, needle):
    code, out, err = run(capsys, argv[0], "--corpus", str(SEEDS), *argv[1:])
    assert code == 2
    lines = [line for line in err.splitlines() if not line.startswith("warning: ")]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and needle in lines[0]
    assert "Traceback" not in err
