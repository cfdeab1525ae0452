"""render starts the longest notebooks first; the order changes no output."""

from __future__ import annotations

import nbformat
import pytest

from analysis.report import notebook_paths, start_order
from analysis.report.execute import reference_seconds


def _runs(names):
    suite = {p.stem: p for p in notebook_paths()}
    return [(suite[n], {"n": n}) for n in names]


def _names(runs):
    return [p.stem for p, _ in runs]


def test_by_the_previous_renders_seconds_when_all_are_known():
    runs = _runs(["01-corpus", "02-keywords", "04-topics", "05-compare"])
    previous = {"01-corpus": 20.8, "02-keywords": 98.9, "04-topics": 250.2, "05-compare": 132.7}
    order = start_order(runs, previous)
    assert _names(order) == ["04-topics", "05-compare", "02-keywords", "01-corpus"]
    assert [prm["n"] for _, prm in order] == _names(order)  # parameters travel with their notebook


def test_without_full_history_the_reference_seconds_order_the_suite():
    names = [p.stem for p in notebook_paths()]
    runs = _runs(names)
    reference = {p.stem: reference_seconds(p) for p in notebook_paths()}
    assert all(s > 0 for s in reference.values())  # every section of the suite has one
    expected = sorted(names, key=lambda n: -reference[n])
    assert _names(start_order(runs)) == expected
    assert _names(start_order(runs, {"01-corpus": 5.0})) == expected  # partial: not used
    assert _names(start_order(runs, {n: "x" for n in names})) == expected  # unreadable values
    # the heaviest sections first, the corpus description last; 05 after the 02 it loads from
    assert expected[0] == "07-robustness" and expected[-1] == "01-corpus"
    assert expected.index("05-compare") > expected.index("02-keywords")


def _with_metadata(tmp_path, name, analysis_meta):
    nb = nbformat.v4.new_notebook()
    if analysis_meta is not None:
        nb.metadata["analysis"] = analysis_meta
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize(
    ("meta", "seconds"),
    [
        ({"reference_seconds": 12.5}, 12.5),
        ({"reference_seconds": 0}, 0.0),
        ({"reference_seconds": -3}, 0.0),
        ({"reference_seconds": True}, 0.0),
        ({"reference_seconds": "long"}, 0.0),
        ({}, 0.0),
        (None, 0.0),
    ],
)
def test_reference_seconds_reads_only_a_non_negative_number(tmp_path, meta, seconds):
    assert reference_seconds(_with_metadata(tmp_path, "a", meta)) == seconds


def test_notebooks_without_reference_seconds_start_last_in_suite_order(tmp_path):
    a = _with_metadata(tmp_path, "a", None)
    b = _with_metadata(tmp_path, "b", {"reference_seconds": 3})
    c = _with_metadata(tmp_path, "c", None)
    d = _with_metadata(tmp_path, "d", {"reference_seconds": 9})
    runs = [(p, {}) for p in (a, b, c, d)]
    assert _names(start_order(runs)) == ["d", "b", "a", "c"]
