"""Property-based tests of the codebook and cleaning-rule parsers (issue 10).

Whatever the file holds (random bytes, random nested YAML, a mangled copy of the packaged
file), :func:`load_themes` and :func:`load_rules` return a result or raise a one-line
:class:`AnalysisError`: never another exception, and never a hang (each example has a
deadline).
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import AnalysisError, load_rules, load_themes
from analysis.clean import KINDS, Rule
from analysis.themes import Codebook

RULES_FILE = Path(__file__).resolve().parents[2] / "analysis" / "data" / "clean_rules.yml"
SEED_CODEBOOK = Path(__file__).resolve().parents[2] / "seeds" / "themes.yml"
DEFAULT_TEXT = SEED_CODEBOOK.read_text(encoding="utf-8")  # a real codebook to mangle
RULES_TEXT = RULES_FILE.read_text(encoding="utf-8")

SETTINGS = settings(
    max_examples=150,
    deadline=timedelta(seconds=5),  # "never a hang": a slow example fails the test
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _load(loader, data: bytes | str):
    """Write ``data`` to a fresh file and load it; return the result or the error."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.yml"
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
        try:
            return loader(path)
        except AnalysisError as exc:
            message = str(exc)
            assert message and "\n" not in message, message
            return exc


def _themes_ok(result) -> None:
    assert isinstance(result, Codebook | AnalysisError)
    if isinstance(result, Codebook):
        assert len(result) >= 1 and all(t.entries for t in result)


def _rules_ok(result) -> None:
    assert isinstance(result, AnalysisError) or all(isinstance(r, Rule) for r in result)


# ----------------------------------------------------------------- strategies

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(["peace", "war *", "**", "multilateral*", "a * b", "&x", "*x", "id"]),
)
_keys = st.one_of(
    st.sampled_from(
        ["themes", "name", "description", "sources", "id", "label", "definition", "entries"]
        + ["exclusions", "rules", "kind", "pattern", "min_lines", "block_requires", "lable"]
    ),
    st.text(max_size=8),
    st.integers(),
)
_nested = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_keys, children, max_size=5),
    max_leaves=25,
)

_text = st.sampled_from(["Peace", "A definition."]) | _scalars
_entries = st.lists(st.sampled_from(["peace", "war*", "a * b", "**", "x y"]) | _scalars, max_size=4)
_optional = {
    "exclusions": st.none() | _entries | _scalars,
    "sources": st.none() | st.lists(_scalars, max_size=2) | _scalars,
    "colour": _scalars,
}
_wild_theme = st.fixed_dictionaries(
    {"id": st.sampled_from(["peace", "war", "Peace", "p 1", ""]) | st.text(max_size=6)},
    optional={"label": _text, "definition": _text, "entries": _entries | _scalars, **_optional},
)
# nearly valid: every required key present, so the later checks are reached too
_near_theme = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["peace", "war"]),
        "label": _text,
        "definition": _text,
        "entries": _entries.filter(bool),
    },
    optional=_optional,
)
_theme = _near_theme | _wild_theme
_codebook = st.fixed_dictionaries(
    {
        "themes": st.lists(_near_theme, min_size=1, max_size=2)
        | st.lists(_theme, max_size=3)
        | _nested
    },
    optional={"name": _scalars, "description": _scalars, "sources": _nested, "them": _nested},
)

# Regular expressions: pieces of valid syntax, broken syntax and dangerous nestings.
_regex_piece = st.sampled_from(
    [
        "a", r"\s*", r"\s*+", r"\d+", "(", ")", "(?:", "[", "]", "[^()]", "|", "*", "+", "?",
        "{2,}", "{0,600}", "{99999999999}", "(?>", "(?=", "(?P<n>", "(?P=n)", "(?(1)a|b)",
        r"\b", ".", "\\", r"\N{FOO}", "$", "^", "(?i)", "a{5,3}", "(?:a*)*", "(a+)+",
    ]
)  # fmt: skip
_pattern = st.lists(_regex_piece, max_size=8).map("".join) | st.text(max_size=10) | _scalars
_rule = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["r1", "r2", "breadcrumb", ""]) | _scalars,
        "kind": st.sampled_from(list(KINDS) + ["drop_lines", "zap"]) | _scalars,
        "pattern": _pattern,
    },
    optional={
        "first_line_only": _scalars,
        "min_lines": _scalars,
        "block_requires": _pattern,
        "after_fraction": _scalars,
        "description": _scalars,
        "patern": _scalars,
    },
)
_rules_doc = st.fixed_dictionaries(
    {"rules": st.lists(_rule, max_size=4) | _nested}, optional={"rule": _nested}
)

_noise = st.sampled_from(
    list(":-*&!|>[]{}#'\"\t\n ,?%@`") + ["\x00", "\ufeff", "é", "  - ", "\n  ", "*a", "&a "]
)


def _mutate(text: str, ops) -> str:
    """Apply edits (position fractions in [0, 1]) to ``text``."""
    for kind, where, size, noise in ops:
        i = int(where * len(text))
        if kind == "delete":
            text = text[:i] + text[i + size :]
        elif kind == "insert":
            text = text[:i] + noise * size + text[i:]
        elif kind == "duplicate_line":
            lines = text.split("\n")
            j = min(int(where * len(lines)), len(lines) - 1)
            lines.insert(j, lines[j])
            text = "\n".join(lines)
        else:  # swap two lines
            lines = text.split("\n")
            j = min(int(where * len(lines)), len(lines) - 1)
            k = min(j + size, len(lines) - 1)
            lines[j], lines[k] = lines[k], lines[j]
            text = "\n".join(lines)
    return text


_ops = st.lists(
    st.tuples(
        st.sampled_from(["delete", "insert", "duplicate_line", "swap_lines"]),
        st.floats(0, 1),
        st.integers(1, 30),
        _noise,
    ),
    min_size=1,
    max_size=4,
)


# ----------------------------------------------------------------- codebooks


@SETTINGS
@given(st.binary(max_size=400))
def test_codebook_from_random_bytes(data) -> None:
    _themes_ok(_load(load_themes, data))


@SETTINGS
@given(_nested)
def test_codebook_from_random_nested_yaml(value) -> None:
    _themes_ok(_load(load_themes, yaml.safe_dump(value, allow_unicode=True)))


@SETTINGS
@given(_codebook)
def test_codebook_from_random_codebook_like_yaml(value) -> None:
    _themes_ok(_load(load_themes, yaml.safe_dump(value, allow_unicode=True)))


@SETTINGS
@given(_ops)
def test_codebook_from_mutations_of_the_default(ops) -> None:
    _themes_ok(_load(load_themes, _mutate(DEFAULT_TEXT, ops)))


@settings(SETTINGS, max_examples=25)
@given(st.integers(1, 3000), st.sampled_from(["[", "{a: ", "- "]))
def test_codebook_nested_to_any_depth(depth, opener) -> None:
    closer = {"[": "]", "{a: ": "}", "- ": ""}[opener]
    if opener == "- ":
        # block style grows quadratically in size: 300 levels are 90 kB
        text = "themes:\n" + "".join("  " * i + "- " + "\n" for i in range(min(depth, 300)))
    else:
        text = "themes: " + opener * depth + "x" + closer * depth + "\n"
    _themes_ok(_load(load_themes, text))


# ----------------------------------------------------------------- cleaning rules


@SETTINGS
@given(st.binary(max_size=400))
def test_rules_from_random_bytes(data) -> None:
    _rules_ok(_load(load_rules, data))


@SETTINGS
@given(_nested)
def test_rules_from_random_nested_yaml(value) -> None:
    _rules_ok(_load(load_rules, yaml.safe_dump(value, allow_unicode=True)))


@SETTINGS
@given(_rules_doc)
def test_rules_from_random_rule_files(value) -> None:
    _rules_ok(_load(load_rules, yaml.safe_dump(value, allow_unicode=True)))


@SETTINGS
@given(_ops)
def test_rules_from_mutations_of_the_packaged_file(ops) -> None:
    _rules_ok(_load(load_rules, _mutate(RULES_TEXT, ops)))


def test_the_packaged_files_load_unchanged() -> None:
    """The properties above are about broken files; the real ones must still load."""
    assert isinstance(_load(load_themes, DEFAULT_TEXT), Codebook)
    assert [r.name for r in _load(load_rules, RULES_TEXT)] == [r.name for r in load_rules()]
