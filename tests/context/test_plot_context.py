"""The context-keyness figure: bars, intervals, the per-word noise band, grey = unsupported."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba

import analysis
from analysis.compare import critical_z
from analysis.context.keyness import context_keyness
from analysis.errors import AnalysisError
from analysis.plot import plot_context_keyness


@pytest.fixture(scope="module")
def planted_table(planted_corpus):
    return context_keyness(planted_corpus, "peace", by="group", target_group="A", n_boot=200)


def _bars(ax):
    return [p for p in ax.patches if p.get_gid() == "bar"]


def _is_grey(patch) -> bool:
    return to_rgba(patch.get_facecolor()) == to_rgba("0.62")


def test_smoke_title_bars_intervals_and_band(planted_table):
    ax = plot_context_keyness(planted_table, top_n=4)
    assert isinstance(ax, Axes)
    title = ax.get_title().replace("\n", " ")
    assert title == "Words around 'peace' (±6 words): A vs B"
    bars = _bars(ax)
    widths = [p.get_width() for p in bars]
    assert sum(w > 0 for w in widths) == 4 and sum(w < 0 for w in widths) == 4
    assert widths == sorted(widths, reverse=True)  # largest score on top (y inverted)
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "war"
    (intervals,) = [c for c in ax.collections if c.get_gid() == "interval"]
    assert len(intervals.get_segments()) == 8
    bands = [p for p in ax.patches if p.get_gid() == "noise-band"]
    assert len(bands) == 8
    shown = planted_table.set_index("term").loc[[t.get_text() for t in ax.get_yticklabels()]]
    sigma = (shown["score"] / shown["z"]).abs().to_numpy()
    assert [b.get_width() for b in bands] == pytest.approx(2 * critical_z() * sigma)
    legend = [t.get_text() for t in ax.figure.legends[0].get_texts()]
    assert legend[:2] == ["more in A", "more in B"]
    assert "95% interval, documents resampled" in legend
    with pytest.raises(AnalysisError, match="plot_context_keyness: the table has no column 'z'"):
        plot_context_keyness(planted_table.drop(columns="z"))
    plt.close("all")


def test_grey_bars_are_the_unsupported_ones(planted_table, seed_corpus):
    ax = plot_context_keyness(planted_table, top_n=20)
    terms = [t.get_text() for t in ax.get_yticklabels()]
    supported = planted_table.set_index("term").loc[terms, "supported"].to_numpy()
    grey = np.array([_is_grey(p) for p in _bars(ax)])
    assert (grey == ~supported).all()
    assert grey.any() and not grey.all()  # war and trade in colour, the filler grey
    # on the seeds (2 and 3 documents) nothing is supported: every bar grey, no interval
    small = context_keyness(seed_corpus, "japan*", by="year", target_group=2025, n_boot=50)
    ax = plot_context_keyness(small, top_n=5)
    assert all(_is_grey(p) for p in _bars(ax))
    assert not [c for c in ax.collections if c.get_gid() == "interval"]
    legend = [t.get_text() for t in ax.figure.legends[0].get_texts()]
    assert legend[0] == "distinctive of 2025"
    assert "no intervals: fewer than 5 documents on a side" in legend
    plt.close("all")


def test_on_a_callers_axes_and_by_z(planted_table):
    fig, axes = plt.subplots(1, 2)
    ax = plot_context_keyness(planted_table, x="z", top_n=3, ax=axes[1])
    assert ax is axes[1] and ax.get_xlabel() == "z"
    bands = [p for p in ax.patches if p.get_gid() == "noise-band"]
    assert {round(b.get_width(), 6) for b in bands} == {round(2 * critical_z(), 6)}
    assert ax.get_legend() is not None  # to the right of the caller's axes
    assert "plot_context_keyness" in analysis.plot.__all__
    plt.close("all")
