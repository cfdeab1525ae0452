"""Codebooks are safe: no entry matches every word, no YAML aliases, typos get suggestions.

Issue 10, observations 5 (aliases), 6 (typos) and 9 (a wildcard-only entry such as
``**`` passed validation and matched every token).
"""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from analysis import AnalysisError, load_themes, theme_rates
from analysis.themes import Codebook, Theme

GOOD = textwrap.dedent(
    """\
    themes:
      - id: war
        label: War
        definition: Words of war.
        entries: [ENTRY]
    """
)


def write(tmp_path: Path, text: str, name: str = "codebook.yml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def with_entry(tmp_path: Path, entry: str) -> Path:
    return write(tmp_path, GOOD.replace("ENTRY", repr(entry)))


def docs(*texts: str) -> pd.DataFrame:
    return pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "text": list(texts)})


# ----------------------------------------------------------------- wildcard-only entries


@pytest.mark.parametrize(
    "entry", ["**", "*", "***", "* *", "*-*", "* * *", "war **", "** war", "* war", "war *"]
)
def test_entries_that_match_any_word_are_refused_at_load_time(tmp_path, entry) -> None:
    path = with_entry(tmp_path, entry)
    escaped = entry.replace("*", r"\*")
    with pytest.raises(
        AnalysisError,
        match=rf"codebook\.yml, line 5: theme 'war': entry '{escaped}' starts or ends with the "
        r"bare wildcard '\*+', which would match any word; attach the '\*' to a word stem "
        r"\(e\.g\. 'multilateral\*'\)",
    ) as info:
        load_themes(path)
    assert "\n" not in str(info.value)


def test_double_star_inside_a_phrase_is_refused(tmp_path) -> None:
    with pytest.raises(AnalysisError, match=r"line 5: theme 'war': entry 'war \*\* peace' has"):
        load_themes(with_entry(tmp_path, "war ** peace"))


@pytest.mark.parametrize("value", ["null", "~", "", "[]"])
def test_empty_exclusions_are_accepted(tmp_path, value) -> None:
    """Found by the property tests: ``exclusions: null`` raised AttributeError."""
    cb = load_themes(write(tmp_path, GOOD.replace("ENTRY", "war") + f"    exclusions: {value}\n"))
    assert cb["war"].exclusions == ()


def test_exclusions_are_checked_too(tmp_path) -> None:
    path = write(tmp_path, GOOD.replace("ENTRY", "war") + "    exclusions: ['**']\n")
    with pytest.raises(AnalysisError, match=r"line 6: theme 'war': entry '\*\*' starts or ends"):
        load_themes(path)


@pytest.mark.parametrize(
    ("entry", "hits"),
    [("multilateral*", 2), ("war", 1), ("war * peace", 1), ("multi*ism", 1), ("*lateral", 1)],
)
def test_glob_and_phrase_entries_are_still_accepted(tmp_path, entry, hits) -> None:
    cb = load_themes(with_entry(tmp_path, entry))
    text = "Multilateral multilateralism: war and peace."
    assert theme_rates(docs(text), cb, n_boot=0)["hits"].tolist() == [hits]


def test_old_match_everything_entry_cannot_reach_the_rates() -> None:
    """Observation 9: ``**`` gave a rate of 1000 per 1,000; now no codebook can hold it."""
    with pytest.raises(AnalysisError, match=r"codebook: theme 'war': entry '\*\*' starts"):
        Theme("war", "War", "Words of war.", ("**",))
    with pytest.raises(AnalysisError, match=r"entry 'war \*\*' starts or ends"):
        Codebook((Theme("war", "War", "d", ("war **",)),))
    with pytest.raises(AnalysisError, match=r"codebook: theme 'war': entry '\* \*' starts"):
        Theme("war", "War", "d", ("war",), ("* *",))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"entries": "peace"}, r"theme 't': entries must be a list or tuple of text, not str"),
        ({"entries": ()}, r"theme 't': entries is empty"),
        ({"entries": ("peace", 3)}, r"each item of entries must be text, not 3"),
        ({"entries": ("peace",), "exclusions": "war"}, r"exclusions must be a list"),
    ],
)
def test_programmatic_themes_are_validated(kwargs, message) -> None:
    with pytest.raises(AnalysisError, match=message):
        Theme("t", "T", "d", **kwargs)


def test_programmatic_codebook_is_validated() -> None:
    t = Theme("t", "T", "d", ["peace"])
    assert t.entries == ("peace",)  # a list is accepted and frozen into a tuple
    with pytest.raises(AnalysisError, match="at least one theme"):
        Codebook(())
    with pytest.raises(AnalysisError, match="theme id 't' repeats"):
        Codebook((t, t))
    with pytest.raises(AnalysisError, match="must be Theme objects"):
        Codebook(("t",))


# Entries of the accepted grammar: word tokens over a small alphabet, globs, lone '*'
# inside phrases, separated by spaces or punctuation the entry syntax allows.
_token = st.text(alphabet="ab*", min_size=1, max_size=4)
_sep = st.sampled_from([" ", "-", " - ", "'", ".", "/"])
_entry = st.builds(
    lambda toks, seps: "".join(t + s for t, s in zip(toks, seps, strict=False)) + toks[-1],
    st.lists(_token, min_size=1, max_size=4),
    st.lists(_sep, min_size=3, max_size=3),
)
_words = st.lists(st.text(alphabet="ab", min_size=1, max_size=4), min_size=1, max_size=30)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entry=_entry, words=_words)
def test_no_accepted_entry_matches_every_word(entry, words) -> None:
    """Whatever the entry, a word that does not contain its letters is never matched."""
    try:
        book = Codebook((Theme("t", "T", "d", (entry,)),))
    except AnalysisError:
        assume(False)  # refused entries: see test_refused_entries_are_exactly_...
    text = " ".join(words + ["zz"])  # 'zz' shares no letter with any entry
    rate = theme_rates(docs(text), book, n_boot=0)["rate_per_1k"].iloc[0]
    assert rate < 1000


@settings(max_examples=200, deadline=None)
@given(entry=_entry)
def test_refused_entries_are_exactly_the_bare_wildcard_ones(entry) -> None:
    import re

    toks = re.findall(r"[\w*]+", entry)
    dangerous = set(toks[0]) == {"*"} or set(toks[-1]) == {"*"}
    double = any(len(t) > 1 and set(t) == {"*"} for t in toks)
    try:
        Theme("t", "T", "d", (entry,))
        refused = False
    except AnalysisError:
        refused = True
    assert refused == (dangerous or double)


# ----------------------------------------------------------------- YAML and typos


def test_anchors_and_aliases_are_refused_with_the_line(tmp_path) -> None:
    text = GOOD.replace("[ENTRY]", "&e [war]") + (
        "  - id: peace\n    label: Peace\n    definition: Peace.\n    entries: *e\n"
    )
    with pytest.raises(AnalysisError, match=r"codebook\.yml, line 5: YAML anchors and aliases"):
        load_themes(write(tmp_path, text))


def test_alias_bomb_codebook_is_refused_fast(tmp_path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
    path = write(tmp_path, "\n".join(lines) + "\n" + GOOD.replace("ENTRY", "war"))
    assert path.stat().st_size < 500
    start = time.perf_counter()
    with pytest.raises(AnalysisError, match=r"line 1: YAML anchors and aliases"):
        load_themes(path)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            GOOD.replace("label:", "lable:"),
            r"line 3: unknown key 'lable' in theme #1 \(did you mean 'label'\?\); allowed keys",
        ),
        (
            GOOD.replace("entries:", "entires:"),
            r"line 5: unknown key 'entires' in theme #1 \(did you mean 'entries'\?\)",
        ),
        (
            GOOD.replace("themes:", "theme:"),
            r"line 1: unknown key 'theme' in the codebook \(did you mean 'themes'\?\)",
        ),
        (
            "nmae: x\n" + GOOD,
            r"line 1: unknown key 'nmae' in the codebook \(did you mean 'name'\?\)",
        ),
        (
            GOOD.replace("label:", "colour:"),
            r"line 3: unknown key 'colour' in theme #1 \(did you mean 'core'\?\); allowed",
        ),
        (
            "themes: " + "[" * 600 + "]" * 600 + "\n",
            r"codebook\.yml, line 1: lists and mappings are nested more than 100 levels",
        ),
        ("themes:\n  - {[a]: b}\n", r"line 2: unknown key None in theme #1; allowed"),
    ],
)
def test_codebook_typos_suggest_the_nearest_key(tmp_path, text, message) -> None:
    with pytest.raises(AnalysisError, match=message) as info:
        load_themes(write(tmp_path, text.replace("ENTRY", "war")))
    assert "\n" not in str(info.value)


def test_unreadable_or_non_utf8_codebook_is_one_line(tmp_path, monkeypatch) -> None:
    latin = tmp_path / "latin.yml"
    latin.write_bytes(GOOD.replace("ENTRY", "caf\xe9").encode("latin-1"))
    with pytest.raises(AnalysisError, match=r"latin\.yml: codebook is not UTF-8 text"):
        load_themes(latin)
    locked = write(tmp_path, GOOD.replace("ENTRY", "war"))

    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(AnalysisError, match=r"codebook\.yml: codebook cannot be read"):
        load_themes(locked)
