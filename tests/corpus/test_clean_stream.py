"""Cleaning a text block by block (analysis.clean.CleanStream) removes what cleaning it
at once does (issue 13: a file too large to hold is cleaned as it is read)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import clean_text, load_rules
from analysis.clean import CleanStream, Rule

SETTINGS = settings(
    max_examples=300,
    deadline=5000,
    suppress_health_check=[HealthCheck.too_slow],
)

#: Lines that the rules below remove, keep or shorten, blank ones, and near misses.
LINES = [
    "",
    "   ",
    "Body sentence one.",
    "Another line of body text, with words",
    "Short Heading",
    "* * *",
    "DATE 2020-01-02 Opening words.",
    "DATE 2020-01-02",
    "TAG tagged line",
    "TAG",
    "drop me",
    "drop me too",
    "- bullet",
    "- bullet (Photo/Someone)",
    "  - indented bullet  ",
    "END",
    "END of it",
    "Related",
    "\u00e9t\u00e9 \u00e0 Gen\u00e8ve",
]


def _rules(after_fraction: float, min_lines: int) -> tuple[Rule, ...]:
    return (
        Rule("date", "strip_prefix", r"DATE \d{4}-\d{2}-\d{2}\s*+", first_line_only=True),
        Rule("tag", "strip_prefix", r"TAG\s*+"),
        Rule("drop", "drop_line", r"drop me"),
        Rule("drop_too", "drop_line", r"drop me too"),
        Rule(
            "bullets",
            "drop_block",
            r"\s*+- .*",
            min_lines=min_lines,
            block_requires=r"\(Photo/",
        ),
        Rule("any_bullets", "drop_block", r"\s*+-\s.*", min_lines=min_lines + 1),
        Rule("end", "truncate", r"END|Related", after_fraction=after_fraction),
    )


def _streamed(text: str, cuts: list[int], **kwargs) -> tuple[str, str | None, tuple]:
    """clean_text's result from ``text`` fed to a CleanStream in blocks of lines cut at
    ``cuts`` (line numbers)."""
    lines = text.split("\n")
    stream = CleanStream(total_chars=len(text), **kwargs)
    edges = [0, *sorted({c % (len(lines) + 1) for c in cuts}), len(lines)]
    body = ""
    for a, b in zip(edges, edges[1:], strict=False):
        body += stream.feed(lines[a:b], final=False)
    body += stream.feed([], final=True)
    if not stream.paragraphs:
        body = body.replace("\n", "\n\n")
    return body, stream.title, stream.sorted_removals()


@SETTINGS
@given(
    lines=st.lists(st.sampled_from(LINES), max_size=40),
    cuts=st.lists(st.integers(0, 60), max_size=12),
    after_fraction=st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.9]),
    min_lines=st.integers(1, 3),
    title=st.sampled_from([None, "Short Heading", "Body sentence one"]),
    infer_title=st.booleans(),
)
def test_blocks_of_lines_clean_as_the_whole_text(
    lines, cuts, after_fraction, min_lines, title, infer_title
) -> None:
    text = "\n".join(lines)
    kwargs = dict(rules=_rules(after_fraction, min_lines), title=title, infer_title=infer_title)
    whole = clean_text(text, **kwargs)
    assert _streamed(text, cuts, **kwargs) == (whole.text, whole.title, whole.removals)


def test_a_run_of_block_lines_waits_across_many_blocks() -> None:
    """A drop_block run that spans every block is decided once the text ends, with the
    lines it needs (here too few, then enough, live lines)."""
    rules = (Rule("bullets", "drop_block", r"- .*", min_lines=5),)
    for n_bullets, removed in ((4, 0), (5, 5)):
        text = "Body.\n" + "\n".join(["- b", ""] * n_bullets) + "\nMore body."
        lines = text.split("\n")
        stream = CleanStream(rules, total_chars=len(text))
        body = "".join(stream.feed([ln]) for ln in lines) + stream.feed([], final=True)
        whole = clean_text(text, rules=rules)
        assert stream.sorted_removals() == whole.removals
        assert len(whole.removals) == removed
        assert body == whole.text


def test_the_default_rules_on_the_seeds_clean_the_same_in_blocks(seeds_dir: Path) -> None:
    from analysis.clean import normalize_text

    rules = load_rules()
    texts = [
        normalize_text(p.read_text(encoding="utf-8")) for p in sorted(seeds_dir.rglob("*.txt"))
    ]
    assert texts
    for text in texts:
        whole = clean_text(text, rules=rules, infer_title=True)
        got = _streamed(text, list(range(0, 400, 3)), rules=rules, infer_title=True)
        assert got == (whole.text, whole.title, whole.removals)
        assert whole.removals  # the seeds carry furniture the rules remove


@pytest.mark.parametrize("final_blank", [False, True])
def test_paragraphs_are_made_explicit_only_without_a_blank_line(final_blank: bool) -> None:
    text = "One line.\nTwo line.\n" + ("\nThree." if final_blank else "Three.")
    stream = CleanStream((), total_chars=len(text))
    body = "".join(stream.feed([ln]) for ln in text.split("\n")) + stream.feed([], final=True)
    assert stream.paragraphs is final_blank
    assert body == (
        "One line.\nTwo line.\n\nThree." if final_blank else "One line.\nTwo line.\nThree."
    )


def test_lines_that_wait_are_not_copied_block_after_block(monkeypatch) -> None:
    """A drop_block run across many blocks waits in place (extended, read on where it
    stopped), so its cost grows with its length, not with length x blocks."""
    from analysis import clean

    rules = (Rule("bullets", "drop_block", r"- .*", block_requires=r"\(Photo/"),)
    lines = ["- item"] * 2000 + ["- last (Photo/X)", "Body."]
    cuts = []
    real_part = clean._Lines._part
    monkeypatch.setattr(
        clean._Lines, "_part", lambda s, a, b: cuts.append(b - a) or real_part(s, a, b)
    )
    stream = CleanStream(rules, total_chars=sum(map(len, lines)) + len(lines))
    body = "".join(stream.feed(lines[i : i + 10]) for i in range(0, len(lines), 10))
    body += stream.feed([], final=True)
    assert body == "Body."
    assert len(stream.sorted_removals()) == 2001
    assert sum(cuts) <= 2 * len(lines)  # each line copied at most about once
