"""The ``robustness`` CLI command (``python -m analysis robustness``)."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pandas as pd
import pytest

from analysis import read_corpus
from analysis.robustness import KeynessScore, ThemeDifference, robustness
from analysis.themes import load_themes

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "ungdc-sample"
PATTERN = "{year}/{country}_{session}_{year}.txt"
THEMES = SAMPLE / "themes.yml"


def run_cli(monkeypatch, *argv):
    import analysis.cli as cli

    monkeypatch.setattr(cli, "COMMANDS", ("robustness",))  # only this command's module
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


BASE = ("robustness", "--corpus", str(SAMPLE), "--pattern", PATTERN)
THEME = ("--themes", str(THEMES), "--theme", "multilateralism", "--by", "year")
GROUPS = ("--target", "2020", "2024", "--reference", "2000", "2005")


@pytest.fixture(scope="module")
def sample():
    return read_corpus(SAMPLE, pattern=PATTERN)


def test_cli_theme_table_equals_the_function(monkeypatch, tmp_path, sample):
    grid = tmp_path / "grid.yml"
    grid.write_text("stem: [false, true]\ndrop_entry: [null, security council]\n")
    code, out, err = run_cli(
        monkeypatch, *BASE, *THEME, *GROUPS, "--grid", str(grid), "--n-boot", "100",
        "--seed", "2", "--format", "csv",
    )  # fmt: skip
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out), keep_default_na=False)
    est = ThemeDifference("multilateralism", by="year", target=["2020", "2024"],
                          reference=["2000", "2005"])  # fmt: skip
    expected = robustness(
        sample, est, codebook=load_themes(THEMES), n_boot=100, seed=2,
        grid={"stem": [False, True], "drop_entry": [None, "security council"]},
    ).table  # fmt: skip
    assert list(table.columns) == list(expected.columns)
    assert table["estimate"].tolist() == pytest.approx(expected["estimate"].tolist(), rel=1e-12)
    assert table["ci_low"].tolist() == pytest.approx(expected["ci_low"].tolist(), rel=1e-12)
    assert table["drop_entry"].tolist() == ["", "security council", "", "security council"]
    assert table["supported"].tolist() == expected["supported"].tolist()


def test_cli_summary_and_entries(monkeypatch):
    code, out, _ = run_cli(
        monkeypatch, *BASE, *THEME, *GROUPS, "--n-boot", "50", "--show", "summary",
        "--format", "csv",
    )  # fmt: skip
    assert code == 0
    summary = pd.read_csv(io.StringIO(out))
    assert len(summary) == 1 and summary["n_specs"].iloc[0] == 8 * 11
    code, out, _ = run_cli(
        monkeypatch, *BASE, *THEME, *GROUPS, "--n-boot", "50", "--show", "entries",
        "--format", "csv",
    )  # fmt: skip
    entries = pd.read_csv(io.StringIO(out), keep_default_na=False)
    assert len(entries) == 10
    assert entries["entry"].iloc[0] == "united nations" and entries["rests_on"].iloc[0]


def test_cli_keyness(monkeypatch, sample):
    code, out, _ = run_cli(
        monkeypatch, *BASE, "--term", "sovereignty", "--by", "year", "--target", "2020",
        "2024", "--reference", "2000", "2005", "--show", "summary", "--format", "csv",
    )  # fmt: skip
    assert code == 0
    summary = pd.read_csv(io.StringIO(out))
    est = KeynessScore("sovereignty", by="year", target=["2020", "2024"],
                       reference=["2000", "2005"])  # fmt: skip
    expected = robustness(sample, est).summary
    assert summary["n_specs"].iloc[0] == 48
    assert summary["baseline_estimate"].iloc[0] == pytest.approx(
        expected["baseline_estimate"].iloc[0], rel=1e-12
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ("--by", "year", *GROUPS),
            "error: give --theme ID (with --themes FILE) for a theme difference or --term "
            "TERM for a keyness score\n",
        ),
        (
            ("--theme", "multilateralism", "--by", "year", *GROUPS),
            "error: --theme needs --themes: the YAML codebook, e.g. --themes "
            "examples/ungdc-sample/themes.yml\n",
        ),
        (
            (*THEME, "--target", "2020"),
            "error: --theme needs --reference: the group(s) the target is compared with\n",
        ),
        (
            ("--term", "peace", "--by", "year", "--target", "2020", "--show", "entries"),
            "error: --show entries: only a --theme has entries; use specifications or summary\n",
        ),
        (
            (*THEME, "--target", "2021", "--reference", "2000"),
            None,
        ),
    ],
)
def test_cli_errors_exit_2_with_one_line(monkeypatch, argv, message):
    code, out, err = run_cli(monkeypatch, *BASE, *argv, "--n-boot", "0")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ")
    if message is not None:
        assert err == message
    else:
        assert "target='2021' is not a group of by='year'" in err


def test_cli_grid_errors(monkeypatch, tmp_path):
    grid = tmp_path / "grid.yml"
    grid.write_text("stemm: [true]\n")
    code, out, err = run_cli(monkeypatch, *BASE, *THEME, *GROUPS, "--grid", str(grid))
    assert code == 2 and out == ""
    assert err.startswith("error: grid key 'stemm' is not a choice (did you mean 'stem'?)")
    grid.write_text("- stem\n")
    code, _, err = run_cli(monkeypatch, *BASE, *THEME, *GROUPS, "--grid", str(grid))
    assert code == 2 and "a grid file is a mapping of choice -> list of values" in err
    code, _, err = run_cli(monkeypatch, *BASE, *THEME, *GROUPS, "--grid", str(tmp_path / "no"))
    assert code == 2 and "grid file not found" in err
