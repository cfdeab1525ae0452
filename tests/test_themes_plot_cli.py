"""Theme figures and the ``themes`` CLI command."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from analysis import (
    AnalysisError,
    read_corpus,
    theme_contributions,
    theme_hits,
    theme_rates,
)
from analysis.plot import (
    plot_theme_contributions,
    plot_theme_dispersion,
    plot_theme_heatmap,
    plot_theme_trend,
)

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(scope="module")
def seeds():
    return read_corpus(SEEDS)


def test_plots_return_titled_axes(seeds):
    rates = theme_rates(seeds, by="year", n_boot=50)
    hits = theme_hits(seeds)
    axes = [
        plot_theme_heatmap(rates),
        plot_theme_trend(rates, themes=["multilateralism", "friendship"]),
        plot_theme_contributions(theme_contributions(seeds, by="year")),
        plot_theme_contributions(
            theme_contributions(seeds, by="year", a=2025, b=2010), theme="multilateralism"
        ),
        plot_theme_dispersion(hits),
    ]
    for ax in axes:
        assert ax.get_title()
    # the heatmap has one cell per theme and group
    assert len(axes[0].get_yticklabels()) == rates["theme"].nunique()
    assert len(axes[0].get_xticklabels()) == rates["group"].nunique()
    # the dispersion plot has one row per document and one point per hit
    assert len(axes[4].get_yticklabels()) == len(seeds)
    assert sum(len(c.get_offsets()) for c in axes[4].collections) == len(hits)
    plt.close("all")


def test_plots_reject_the_wrong_table(seeds):
    with pytest.raises(AnalysisError, match="no column 'rate_per_1k'"):
        plot_theme_heatmap(pd.DataFrame({"group": [1], "theme": ["a"], "label": ["A"]}))
    with pytest.raises(AnalysisError, match="no column 'rel_position'"):
        plot_theme_dispersion(pd.DataFrame({"doc_id": ["d"], "theme": ["a"]}))


def run_cli(monkeypatch, *argv):
    import analysis.cli as cli

    monkeypatch.setattr(cli, "COMMANDS", ("themes",))  # only this command's module
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_cli_prints_rates_as_csv(monkeypatch, seeds):
    code, out, _ = run_cli(
        monkeypatch, "themes", "--corpus", str(SEEDS), "--by", "year", "--n-boot", "50",
        "--format", "csv",
    )  # fmt: skip
    assert code == 0
    table = pd.read_csv(io.StringIO(out), dtype={"group": str})
    expected = theme_rates(seeds, by="year", n_boot=50)
    assert list(table.columns) == list(expected.columns)
    assert table["hits"].tolist() == expected["hits"].tolist()


def test_cli_reports_a_bad_codebook_in_one_line(monkeypatch, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("themes:\n  - id: x\n    colour: red\n", encoding="utf-8")
    code, out, err = run_cli(monkeypatch, "themes", "--corpus", str(SEEDS), "--themes", str(bad))
    assert code == 2 and out == ""
    assert err.startswith("error: ") and "line 3: unknown key 'colour'" in err
    assert err.count("\n") == 1
