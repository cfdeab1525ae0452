"""The context command through ``analysis.cli.main``: windows, keyness, errors."""

from __future__ import annotations

import importlib.util
import io

import pandas as pd
import pytest

import analysis.cli as cli
from analysis import read_corpus
from analysis.context.keyness import CONTEXT_KEYNESS_COLUMNS, context_keyness
from analysis.context.windows import context_windows


@pytest.fixture(autouse=True)
def _only_available_commands(monkeypatch):
    # commands of COMMANDS written in parallel branches may be missing on this one
    present = tuple(c for c in cli.COMMANDS if importlib.util.find_spec(f"analysis.cli.{c}"))
    assert "context" in present
    monkeypatch.setattr(cli, "COMMANDS", present)


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def csv(out: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(out))


def test_windows_without_by(capsys, seeds_dir, seed_corpus):
    code, out, err = run(
        capsys, "context", "--corpus", str(seeds_dir), "--target", "Japan*", "--window", "3",
        "--format", "csv",
    )  # fmt: skip
    assert code == 0, err
    table = csv(out)
    expected = context_windows(seed_corpus, "Japan*", window=3)
    assert list(table.columns) == list(expected.columns)
    assert table["left"].fillna("").tolist() == expected["left"].tolist()
    assert table["right"].fillna("").tolist() == expected["right"].tolist()
    code, out, _ = run(capsys, "context", "--corpus", str(seeds_dir), "--target", "Japan*")
    assert code == 0
    assert out.splitlines()[0].split() == ["doc_id", "position", "match", "left", "right"]
    assert len(out.strip().splitlines()) == 1 + len(expected)


def test_keyness_of_one_group_equals_the_function(capsys, mini_dir):
    mini_corpus = read_corpus(mini_dir, pattern="{year}/{country}_{session}_{year}.txt")
    code, out, err = run(
        capsys, "context", "--corpus", str(mini_dir), "--pattern",
        "{year}/{country}_{session}_{year}.txt", "--target", "nation*", "--by", "year",
        "--target-group", "2010", "2015", "2024", "--top-n", "4", "--n-boot", "50",
        "--min-docs", "3", "--format", "csv",
    )  # fmt: skip
    assert code == 0, err
    table = csv(out)
    assert list(table.columns) == CONTEXT_KEYNESS_COLUMNS
    expected = context_keyness(mini_corpus, "nation*", by="year", target_group=[2010, 2015, 2024],
                               top_n=4, n_boot=50, min_docs=3)  # fmt: skip
    assert table["term"].astype(str).tolist() == expected["term"].tolist()
    assert table["ci_low"].tolist() == pytest.approx(expected["ci_low"].tolist(), rel=1e-12)
    assert table["target"].iloc[0] == "2010+2015+2024"


def test_keyness_of_each_group_in_turn(capsys, seeds_dir):
    code, out, err = run(
        capsys, "context", "--corpus", str(seeds_dir), "--target", "Japan*", "--by", "year",
        "--top-n", "2", "--n-boot", "20", "--format", "csv",
    )  # fmt: skip
    assert code == 0, err
    table = csv(out)
    assert list(table.columns) == ["group", *CONTEXT_KEYNESS_COLUMNS]
    assert table["group"].unique().tolist() == [2010, 2020, 2025]
    assert (table.groupby("group")["target"].first() == pd.Series({2010: 2010, 2020: 2020,
            2025: 2025})).all()  # fmt: skip
    assert not table["supported"].any()  # 1, 1 and 3 documents: no interval, nothing supported


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--target", "zzqq"], "the target 'zzqq' does not occur"),
        (["--target", "zzqq", "--by", "year"], "the target 'zzqq' does not occur"),
        (["--target", "war", "--by", "year", "--target-group", "1999"],
         "target_group=1999 is not a value of column 'year'; its values are 2010, 2020, 2025"),
        (["--target", "war", "--target-group", "2025"], "--target-group needs --by"),
        (["--target", "war", "--by", "year", "--reference", "2010"],
         "--reference needs --target-group"),
        (["--target", "war", "--by", "decade"], "by='decade' is not a column"),
        (["--target", "war", "--by", "year", "--n-boot", "3"], "n_boot=3 must be"),
        (["--target", "war", "--by", "year", "--level", "95"], "level=95.0 must be between"),
    ],
)  # fmt: skip
def test_errors_exit_2_with_one_line(capsys, seeds_dir, argv, message):
    code, out, err = run(capsys, "context", "--corpus", str(seeds_dir), *argv)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_bad_option_values_are_usage_errors(capsys, seeds_dir):
    with pytest.raises(SystemExit) as exc:
        cli.main(["context", "--corpus", str(seeds_dir), "--target", "war", "--window", "0"])
    assert exc.value.code == 2
    assert "--window" in capsys.readouterr().err
