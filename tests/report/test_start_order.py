"""render starts the longest notebooks first; the order changes no output."""

from __future__ import annotations

from analysis.report import notebook_paths, start_order


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


def test_without_full_history_the_heavy_sections_go_first_in_suite_order():
    names = [p.stem for p in notebook_paths()]
    runs = _runs(names)
    first = ["02-keywords", "04-topics", "05-compare", "06-context", "07-robustness"]
    expected = first + [n for n in names if n not in first]
    assert _names(start_order(runs)) == expected
    assert _names(start_order(runs, {"01-corpus": 5.0})) == expected  # partial: not used
    assert _names(start_order(runs, {n: "x" for n in names})) == expected  # unreadable values
