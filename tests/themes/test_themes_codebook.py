"""Theme codebooks: the default codebook, another study's codebook, invalid files."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from analysis import AnalysisError, load_themes, theme_rates


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "themes.yml"
    p.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return p


GOOD = """
themes:
  - id: peace
    label: Peace
    definition: Peace.
    entries: [peace]
"""


def test_default_codebook_has_the_required_themes():
    cb = load_themes()
    for tid in (
        "multilateralism", "unilateralism", "friendship", "rejuvenation",
        "war_memory", "resistance", "peace",
    ):  # fmt: skip
        theme = cb[tid]
        assert theme.entries and theme.definition and theme.sources
    frame = cb.to_frame()
    assert list(frame.columns) == ["theme", "label", "kind", "entry"]
    assert "multi polar*" in set(frame["entry"])
    assert len(frame) == sum(len(t.entries) + len(t.exclusions) for t in cb)


def test_another_study_passes_its_own_codebook(tmp_path, corpus):
    cb = load_themes(write(tmp_path, GOOD))
    assert cb.ids == ["peace"]
    rates = theme_rates(corpus("peace now"), write(tmp_path, GOOD), n_boot=0)
    assert rates["hits"].tolist() == [1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            GOOD.replace("    entries", "    colour: red\n    entries"),
            r"line 5: unknown key 'colour'",
        ),
        (GOOD.replace("[peace]", "[]"), r"line 5: theme 'peace': entries is empty"),
        (GOOD.replace("[peace]", ""), r"line 5: theme 'peace': entries is empty"),
        (GOOD.replace("[peace]", "{a: b}"), r"line 5: theme 'peace': entries must be a list"),
        (
            GOOD.replace("[peace]", "[1945]"),
            r"line 5: each item of theme 'peace': entries must be text",
        ),
        (
            GOOD.replace("[peace]", "[peace, Peace]"),
            r"line 5: theme 'peace': entries lists 'Peace' twice",
        ),
        (GOOD.replace("[peace]", "['*']"), r"line 5: theme 'peace': entry '\*' starts or ends"),
        (GOOD.replace("[peace]", "['pea(ce)?']"), r"theme 'peace': entry 'pea\(ce\)\?' contains"),
        (GOOD + GOOD.split("themes:\n")[1], r"line 6: theme id 'peace' repeats line 2"),
        (GOOD.replace("    label: Peace\n", ""), r"line 2: theme 'peace' has no 'label'"),
        (GOOD.replace("id: peace", "id: Peace Theme"), r"line 2: theme id 'Peace Theme'"),
        (GOOD.replace("entries: [peace]", "entries: [peace"), r"line \d+: not valid YAML"),
        ("themes: []\n", r"line 1: 'themes' must be a non-empty list"),
        ("name: x\n", r"no 'themes:' list"),
        ("", r"the file is empty"),
        ("themes:\n  - peace\n", r"line 2: theme #1 must be a mapping"),
    ],
)
def test_invalid_codebooks_name_the_line_or_theme(tmp_path, text, message):
    with pytest.raises(AnalysisError, match=message):
        load_themes(write(tmp_path, text))


def test_missing_codebook_file(tmp_path):
    with pytest.raises(AnalysisError, match="not found"):
        load_themes(tmp_path / "nope.yml")
