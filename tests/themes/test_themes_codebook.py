"""Theme codebooks: none by default, the seed study's and the example's, core entries, invalid files."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from analysis import (
    AnalysisError,
    load_themes,
    match_themes,
    theme_comparisons,
    theme_contributions,
    theme_document_rates,
    theme_hits,
    theme_rates,
)
from analysis.themes import Theme, focus_themes


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


def test_seed_codebook_lives_with_the_study(seed_codebook, repo_root):
    # the package ships no codebook; the seed study's is seeds/themes.yml
    assert not (repo_root / "analysis" / "data" / "themes.yml").exists()
    cb = load_themes(seed_codebook)
    for tid in (
        "multilateralism", "unilateralism", "friendship", "rejuvenation",
        "war_memory", "resistance", "peace",
    ):  # fmt: skip
        theme = cb[tid]
        assert theme.entries and theme.definition and theme.sources
        assert theme.core and set(theme.core) <= set(theme.entries)
    assert cb["multilateralism"].is_core("multilateral*")
    assert not cb["multilateralism"].is_core("multi polar*")
    frame = cb.to_frame()
    assert list(frame.columns) == ["theme", "label", "kind", "entry", "core"]
    assert "multi polar*" in set(frame["entry"])
    assert len(frame) == sum(len(t.entries) + len(t.exclusions) for t in cb)
    assert frame["core"].sum() == sum(len(t.core) for t in cb)
    assert not frame.loc[frame["kind"] == "exclusion", "core"].any()


NO_BOOK = r"^a codebook is required: give the path of a YAML codebook \(e\.g\. examples/ungdc-sample/themes\.yml\)"


def test_no_codebook_is_an_error_everywhere(corpus):
    docs = corpus("peace now")
    for call in (
        lambda: load_themes(None),
        lambda: load_themes(),
        lambda: theme_rates(docs, None),
        lambda: theme_rates(docs),
        lambda: match_themes(docs, None),
        lambda: theme_hits(docs),
        lambda: theme_contributions(docs),
        lambda: theme_document_rates(docs),
        lambda: theme_comparisons(docs, by="doc_id"),
    ):
        with pytest.raises(AnalysisError, match=NO_BOOK) as info:
            call()
        assert "\n" not in str(info.value)


def test_example_codebook_declares_cores(repo_root):
    cb = load_themes(repo_root / "examples" / "ungdc-sample" / "themes.yml")
    assert all(t.core for t in cb)
    assert cb["multilateralism"].core == (
        "multilateral*",
        "international law",
        "international order",
    )


def test_core_must_list_entries_of_the_theme(tmp_path):
    ok = load_themes(
        write(
            tmp_path, GOOD.replace("entries: [peace]", "entries: [peace, calm]\n    core: [Peace]")
        )
    )
    assert ok["peace"].core == ("Peace",) and ok["peace"].is_core("peace")
    assert not ok["peace"].is_core("calm")
    bad = write(
        tmp_path, GOOD.replace("entries: [peace]", "entries: [peace]\n    core:\n      - calm")
    )
    with pytest.raises(
        AnalysisError,
        match=r"themes\.yml, line 7: theme 'peace': core item 'calm' is not one of its entries "
        r"\(peace\); list it under entries too$",
    ):
        load_themes(bad)
    with pytest.raises(
        AnalysisError, match="theme 'peace': core item 'war' is not one of its entries"
    ):
        Theme("peace", "Peace", "d", ("peace",), core=("war",))
    empty = load_themes(
        write(tmp_path, GOOD.replace("entries: [peace]", "entries: [peace]\n    core: []"))
    )
    assert empty["peace"].core == ()


def test_focus_themes_checks_the_ids(seed_codebook):
    cb = load_themes(seed_codebook)
    assert focus_themes(cb, []) == cb.ids
    assert focus_themes(cb, None) == cb.ids
    assert focus_themes(cb, "peace") == ["peace"]
    assert focus_themes(cb, ["peace", "friendship", "peace"]) == ["peace", "friendship"]
    with pytest.raises(
        AnalysisError,
        match=r"^focus: 'frendship' is not a theme of the codebook \(did you mean 'friendship'\?\); "
        r"its themes are multilateralism, unilateralism, friendship, rejuvenation, war_memory, "
        r"resistance, peace$",
    ):
        focus_themes(cb, ["peace", "frendship"])


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


def test_an_unknown_theme_id_suggests_the_nearest(seed_codebook):
    from analysis import load_themes
    from analysis.errors import AnalysisError

    cb = load_themes(seed_codebook)
    with pytest.raises(
        AnalysisError, match=r"no theme 'frendship' \(did you mean 'friendship'\?\)"
    ):
        cb["frendship"]
