"""The hand-coding CLI commands (``python -m analysis code-sample`` / ``code-precision``)."""

from __future__ import annotations

import io
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout

import pandas as pd
import pytest

from analysis import load_themes, match_themes
from analysis.themes.coding import coding_precision, sample_for_coding


def run_cli(monkeypatch, *argv):
    import analysis.cli as cli

    monkeypatch.setattr(cli, "COMMANDS", ("coding",))  # only this command's module
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def read_sheet(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_code_sample_writes_the_sheet(monkeypatch, tmp_path, seeds_dir, seed_corpus, seed_codebook):
    out = tmp_path / "coding.csv"
    code, stdout, err = run_cli(
        monkeypatch, "code-sample", "--corpus", seeds_dir, "--themes", seed_codebook,
        "--n-per-theme", "4", "--by", "source", "--seed", "3", "--out", out,
    )  # fmt: skip
    assert code == 0 and stdout == ""
    assert err.startswith("wrote 28 hits of 7 themes to ") and err.count("\n") == 1
    sheet = read_sheet(out)
    expected = sample_for_coding(
        match_themes(seed_corpus, load_themes(seed_codebook)), n_per_theme=4, by="source", seed=3
    )
    assert sheet["hit_id"].tolist() == expected["hit_id"].tolist()
    assert sheet["source"].tolist() == expected["source"].tolist()
    # a second run never overwrites the sheet: one line, exit 2
    before = out.read_bytes()
    code, stdout, err = run_cli(
        monkeypatch, "code-sample", "--corpus", seeds_dir, "--themes", seed_codebook, "--out", out
    )
    assert code == 2 and stdout == "" and out.read_bytes() == before
    assert err.startswith("error: path=") and "is never overwritten" in err
    assert err.count("\n") == 1


def test_code_sample_prints_without_out(monkeypatch, seeds_dir, seed_codebook):
    code, stdout, _ = run_cli(
        monkeypatch, "code-sample", "--corpus", seeds_dir, "--themes", seed_codebook,
        "--n-per-theme", "2", "--window", "3", "--format", "csv",
    )  # fmt: skip
    assert code == 0
    sheet = pd.read_csv(io.StringIO(stdout), dtype=str, keep_default_na=False)
    assert len(sheet) == 14 and list(sheet.columns)[-3:] == ["valid", "coder", "note"]
    assert (sheet["left"].str.split().str.len() <= 3).all()


def test_code_sample_errors_in_one_line(monkeypatch, seeds_dir, seed_codebook):
    code, out, err = run_cli(monkeypatch, "code-sample", "--corpus", seeds_dir)
    assert code == 2 and out == "" and err.startswith("error: --themes is required")
    code, out, err = run_cli(
        monkeypatch, "code-sample", "--corpus", seeds_dir, "--themes", seed_codebook,
        "--by", "region",
    )  # fmt: skip
    assert code == 2 and out == ""
    assert err.startswith("error: by='region' is neither a column") and err.count("\n") == 1


def test_code_precision_round_trip(monkeypatch, tmp_path, seed_corpus, seed_codebook):
    sheet = sample_for_coding(
        match_themes(seed_corpus, load_themes(seed_codebook)), n_per_theme=6, by="source"
    )
    ann = sheet.assign(coder="ann", valid=["yes" if i % 4 else "no" for i in range(len(sheet))])
    bob = sheet.assign(coder="bob", valid=["y" if i % 5 else "n" for i in range(len(sheet))])
    bob.loc[bob.index[:10], "valid"] = ""
    pa, pb = tmp_path / "ann.csv", tmp_path / "bob.csv"
    ann.to_csv(pa, index=False)
    bob.to_csv(pb, index=False)
    code, out, err = run_cli(
        monkeypatch, "code-precision", pa, pb, "--by", "source", "--min-codes", "3",
        "--format", "csv",
    )  # fmt: skip
    assert code == 0
    table = pd.read_csv(io.StringIO(out), keep_default_na=False)
    expected = coding_precision([pa, pb], by="source", min_codes=3)
    assert table["level"].tolist() == expected.precision["level"].tolist()
    assert table["n_valid"].tolist() == expected.precision["n_valid"].tolist()
    assert table["ci_low"].to_numpy() == pytest.approx(expected.precision["ci_low"].to_numpy())
    assert (
        err == f"{len(sheet) - 10} hits coded by two coders: --agreement prints their agreement\n"
    )
    code, out, _ = run_cli(monkeypatch, "code-precision", pa, pb, "--agreement", "--format", "csv")
    agreement = pd.read_csv(io.StringIO(out), keep_default_na=False)
    assert code == 0
    assert agreement["kappa"].to_numpy() == pytest.approx(
        expected.agreement["kappa"].to_numpy(), nan_ok=True
    )


def test_code_precision_errors_exit_2(monkeypatch, tmp_path, seed_corpus, seed_codebook):
    sheet = sample_for_coding(match_themes(seed_corpus, load_themes(seed_codebook)), n_per_theme=2)
    sheet = sheet.assign(coder="ann", valid="yes")
    sheet.loc[3, "valid"] = "perhaps"
    path = tmp_path / "c.csv"
    sheet.to_csv(path, index=False)
    code, out, err = run_cli(monkeypatch, "code-precision", path)
    assert code == 2 and out == ""
    assert err == (
        f"error: {path}, row 5: valid='perhaps'; write yes or no (or y/n, 1/0, true/false), "
        "or leave it empty when the hit is not coded\n"
    )


def test_module_entry_point_lists_the_commands(repo_root):
    run = subprocess.run(
        [sys.executable, "-m", "analysis", "code-precision", "--help"],
        capture_output=True, text=True, cwd=repo_root, check=False,
    )  # fmt: skip
    assert run.returncode == 0 and "--min-codes" in run.stdout
