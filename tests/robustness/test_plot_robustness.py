"""plot_specification_curve: what it draws, sorted, with the choices beneath."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import seaborn as sns

from analysis import AnalysisError
from analysis.plot import plot_specification_curve
from analysis.robustness import ThemeDifference, robustness


@pytest.fixture(scope="module")
def result(fragile_corpus, order_codebook):
    est = ThemeDifference("order", by="year", target=2025, reference=2010)
    grid = {"stem": [False, True], "drop_entry": [None, "security council", "multilateral*"]}
    return robustness(fragile_corpus, est, codebook=order_codebook, grid=grid, n_boot=100)


def _points(ax) -> np.ndarray:
    return np.concatenate([c.get_offsets() for c in ax.collections if hasattr(c, "get_offsets")])


def test_the_curve_is_sorted_with_choices_beneath(result):
    grid = plot_specification_curve(result)
    assert isinstance(grid, sns.FacetGrid)
    top, bottom = grid.axes[0, 0], grid.axes[1, 0]
    # one point per specification, estimates in ascending order (the last collection
    # is the circle around the baseline)
    pts = top.collections[1].get_offsets()
    assert len(pts) == len(result.table)
    assert list(pts[:, 1]) == sorted(result.table["estimate"])
    labels = [t.get_text() for t in bottom.get_yticklabels()]
    assert labels == [
        "stem: no", "stem: yes", "drop entry: none", "drop entry: security council",
        "drop entry: multilateral*",
    ]  # fmt: skip
    # every specification has exactly one dot per choice
    dots = _points(bottom)
    assert len(dots) == 2 * len(result.table)
    # the specifications without 'security council' sit at 0 and are grey
    colors = top.collections[1].get_facecolors()
    grey = np.all(np.isclose(colors[:, :3], 0.6), axis=1)
    assert grey.sum() == (~result.table["supported"]).sum() == 2
    assert top.get_ylabel() == "rate difference per 1,000 words (target - reference)"
    assert "6 specifications" in grid.figure._suptitle.get_text()
    plt.close(grid.figure)


def test_top_n_caps_and_keeps_the_baseline(result):
    grid = plot_specification_curve(result.table, top_n=3)
    pts = grid.axes[0, 0].collections[1].get_offsets()
    assert len(pts) == 3
    base = result.table.loc[result.table["baseline"], "estimate"].iloc[0]
    assert base in pts[:, 1]
    assert "showing 3 of 6 specifications" in grid.figure._suptitle.get_text()
    plt.close(grid.figure)


def test_nothing_to_draw_is_an_error(result):
    table = result.table.assign(estimate=np.nan)
    with pytest.raises(AnalysisError, match="no specification has an estimate"):
        plot_specification_curve(table)
    with pytest.raises(AnalysisError, match="has no column 'supported'"):
        plot_specification_curve(pd.DataFrame({"estimate": [1.0], "ci_low": [0], "ci_high": [2]}))
