"""The ``themes`` CLI command (``python -m analysis themes``)."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout

import pandas as pd

from analysis import theme_hits, theme_rates


def run_cli(monkeypatch, *argv):
    import analysis.cli as cli

    monkeypatch.setattr(cli, "COMMANDS", ("themes",))  # only this command's module
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_cli_prints_rates_as_csv(monkeypatch, seeds_dir, seed_corpus, seed_codebook):
    code, out, _ = run_cli(
        monkeypatch, "themes", "--corpus", str(seeds_dir), "--themes", str(seed_codebook),
        "--by", "year", "--n-boot", "50", "--min-docs", "3", "--format", "csv",
    )  # fmt: skip
    assert code == 0
    table = pd.read_csv(io.StringIO(out), dtype={"group": str}, keep_default_na=False)
    expected = theme_rates(seed_corpus, seed_codebook, by="year", n_boot=50, min_docs=3)
    assert list(table.columns) == list(expected.columns)
    assert table["hits"].tolist() == expected["hits"].tolist()
    # --min-docs reaches theme_rates: 2025 (3 documents) has intervals, 2010 (1) has none
    assert table["note"].tolist() == expected["note"].tolist()
    assert set(table.loc[table["group"] == "2010", "note"]) == {"n=1: per-document values"}
    assert set(table.loc[table["group"] == "2025", "note"]) == {""}


def test_cli_requires_a_codebook(monkeypatch, seeds_dir):
    code, out, err = run_cli(monkeypatch, "themes", "--corpus", str(seeds_dir))
    assert code == 2 and out == ""
    assert err == (
        "error: --themes is required: the package ships no codebook; give a YAML codebook, "
        "e.g. --themes examples/ungdc-sample/themes.yml\n"
    )


def test_cli_checks_the_by_column(monkeypatch, seeds_dir, seed_codebook):
    code, out, err = run_cli(
        monkeypatch, "themes", "--corpus", str(seeds_dir), "--themes", str(seed_codebook),
        "--by", "yeer",
    )  # fmt: skip
    assert code == 2 and out == ""
    assert err.startswith("error: by='yeer' is not a corpus column; use one of ")
    assert "year" in err and err.count("\n") == 1


def test_cli_matches_once_and_prints_hits(monkeypatch, seeds_dir, seed_corpus, seed_codebook):
    import analysis.themes as themes
    import analysis.themes.stats as stats

    calls = []
    real = themes.match_themes

    def counting(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(themes, "match_themes", counting)
    monkeypatch.setattr(stats, "match_themes", counting)
    code, out, _ = run_cli(
        monkeypatch, "themes", "--corpus", str(seeds_dir), "--themes", str(seed_codebook),
        "--hits", "--unit", "paragraph", "--format", "csv",
    )  # fmt: skip
    assert code == 0
    assert calls == [{"unit": "paragraph", "stem": False}]
    table = pd.read_csv(io.StringIO(out), keep_default_na=False)
    expected = theme_hits(seed_corpus, seed_codebook, unit="paragraph")
    assert table["unit_id"].tolist() == expected["unit_id"].tolist()
    assert table["match"].tolist() == expected["match"].tolist()


def test_cli_reports_a_bad_codebook_in_one_line(monkeypatch, tmp_path, seeds_dir):
    bad = tmp_path / "bad.yml"
    bad.write_text("themes:\n  - id: x\n    colour: red\n", encoding="utf-8")
    code, out, err = run_cli(
        monkeypatch, "themes", "--corpus", str(seeds_dir), "--themes", str(bad)
    )
    assert code == 2 and out == ""
    assert err.startswith("error: ") and "line 3: unknown key 'colour'" in err
    assert err.count("\n") == 1
