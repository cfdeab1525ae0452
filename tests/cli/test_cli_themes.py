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


def test_cli_prints_rates_as_csv(monkeypatch, seeds_dir, seed_corpus):
    code, out, _ = run_cli(
        monkeypatch, "themes", "--corpus", str(seeds_dir), "--by", "year", "--n-boot", "50",
        "--format", "csv",
    )  # fmt: skip
    assert code == 0
    table = pd.read_csv(io.StringIO(out), dtype={"group": str})
    expected = theme_rates(seed_corpus, by="year", n_boot=50)
    assert list(table.columns) == list(expected.columns)
    assert table["hits"].tolist() == expected["hits"].tolist()


def test_cli_matches_once_and_prints_hits(monkeypatch, seeds_dir, seed_corpus):
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
        monkeypatch, "themes", "--corpus", str(seeds_dir), "--hits", "--unit", "paragraph",
        "--format", "csv",
    )  # fmt: skip
    assert code == 0
    assert calls == [{"unit": "paragraph", "stem": False}]
    table = pd.read_csv(io.StringIO(out), keep_default_na=False)
    expected = theme_hits(seed_corpus, unit="paragraph")
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
