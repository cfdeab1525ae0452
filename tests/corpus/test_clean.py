"""Cleaning: each seed keeps its whole body and loses its page furniture; rules are data."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from analysis import AnalysisError, clean_audit, clean_text, load_rules, read_corpus
from analysis.text import split_paragraphs, split_sentences

# First and last body paragraphs of each seed, read off the raw files by hand
# (start, end) of each paragraph.
FIRST_LAST = {
    "000": (
        ("CHINESE President Xi Jinping yesterday stressed", "achieve national rejuvenation."),
        ("Putin said that during the arduous war,", "achieve flourishing development."),
    ),
    "001": (
        ("Chinese President Hu Jintao, while meeting in Moscow on Saturday", "honored their great contributions."),
        ("It is thus the call of our time", "sustained peace and prosperity."),
    ),
    "002": (
        ("Moscow, May 10 – Chinese President Xi Jinping left here", "Great Patriotic War of the Soviet Union."),
        ("Serbia is ready to unite in China", "added Vucic."),
    ),
    "003": (
        ("The Hundred-Regiment Campaign was the largest", "resistance against Japanese aggression."),
        ("As China draws strength from its revolutionary legacy", "remain deeply relevant."),
    ),
    "004": (
        ("On September 1, 2025, the Chinese Mission to the EU held a symposium", "delivered a speech at the symposium."),
        ("Prior to the main event, guests visited a photo exhibition", "Against Japanese Aggression."),
    ),
}  # fmt: skip

# Raw lines (1-based) that are furniture and must go entirely, read off the raw files:
# 000: "date … Home » Nation"; 001: headline, time stamp, share bar, photo caption,
# "Source: Xinhua", page links, seven caption bullets; 002: "date …" + photo caption;
# 003: headline, then everything from "Hashtags" (line 26) to the end; 004: nothing
# (only the "date …" prefix of line 1 goes).
FURNITURE_LINES = {
    "000": {1},
    "001": {1, 3, 5, 7, 45, 47, 50, 51, 52, 53, 54, 55, 56},
    "002": {1},
    "003": {1, *range(26, 54)},
    "004": set(),
}
DATE_PREFIX = re.compile(r"^\s*date \d{4}-\d{2}-\d{2} ")

# Strings of page furniture that no cleaned seed may contain.
FURNITURE = [
    "date 20", "Home »", "Email | Print", "【", "(Xinhua/", "[Photo/Xinhua]", "Source: Xinhua",
    "Hashtags", "Try Our AI Features", "Related Articles", "Korea Herald", "shuttle diplomacy",
    "Stockholm", "•", "Do you have anything to say", "10:15, May 09, 2010", "Daily8",
    "No comments yet", "days ago",
]  # fmt: skip


def _row(corpus: pd.DataFrame, prefix: str) -> pd.Series:
    return corpus[corpus["file"].str.startswith(prefix)].iloc[0]


def _expected_paragraphs(seeds_dir: Path, prefix: str) -> list[str]:
    """The body as a reader sees it: raw lines minus furniture, one paragraph per line."""
    (path,) = seeds_dir.glob(f"{prefix}_*.txt")
    lines = path.read_text(encoding="utf-8").replace("\xa0", " ").split("\n")
    out = []
    for i, line in enumerate(lines, 1):
        if i in FURNITURE_LINES[prefix]:
            continue
        line = DATE_PREFIX.sub("", line).strip() if i == 1 else line.strip()
        if line:
            out.append(line)
    return out


@pytest.mark.parametrize("prefix", sorted(FIRST_LAST))
def test_seed_keeps_first_and_last_body_paragraph(seed_corpus, prefix) -> None:
    paras = split_paragraphs(_row(seed_corpus, prefix)["text"])
    (first_start, first_end), (last_start, last_end) = FIRST_LAST[prefix]
    assert paras[0].startswith(first_start) and paras[0].endswith(first_end)
    assert paras[-1].startswith(last_start) and paras[-1].endswith(last_end)


@pytest.mark.parametrize("prefix", sorted(FIRST_LAST))
def test_seed_keeps_every_body_paragraph_and_sentence(seed_corpus, seeds_dir, prefix) -> None:
    text = _row(seed_corpus, prefix)["text"]
    expected = _expected_paragraphs(seeds_dir, prefix)
    assert split_paragraphs(text) == expected
    assert split_sentences(text) == split_sentences("\n\n".join(expected))


@pytest.mark.parametrize("prefix", sorted(FIRST_LAST))
def test_seed_loses_its_furniture(seed_corpus, prefix) -> None:
    text = _row(seed_corpus, prefix)["text"]
    for junk in FURNITURE:
        assert junk.lower() not in text.lower(), f"{prefix}: {junk!r} left in the cleaned text"


def test_furniture_strings_do_occur_in_the_raw_seeds(seed_corpus) -> None:
    # guards the test above: each furniture string is really there before cleaning
    raw = "\n".join(seed_corpus["raw_text"]).lower()
    for junk in FURNITURE:
        assert junk.lower() in raw, junk


def test_headline_becomes_title_not_body(seed_corpus) -> None:
    pd_row, cgtn = _row(seed_corpus, "001"), _row(seed_corpus, "003")
    assert pd_row["title"] == "Wartime forges lasting Sino-Russian friendship"
    assert "Wartime forges" not in pd_row["text"]
    assert cgtn["title"] == "CGTN: Why does China honor the spirit of resisting aggression?"
    assert "Why does China honor" not in cgtn["text"]


def test_header_text_after_date_prefix_stays_caption_goes(seed_corpus) -> None:
    mission, wire = _row(seed_corpus, "004"), _row(seed_corpus, "002")
    assert mission["text"].startswith(
        "On September 1, 2025, the Chinese Mission to the EU held a symposium"
    )
    assert "The soldiers walk during a great parade" in wire["raw_text"]
    assert "The soldiers walk during a great parade" not in wire["text"]


def test_every_raw_line_is_kept_or_audited(seed_corpus) -> None:
    audit = clean_audit(seed_corpus)
    kinds = {r.name: r.kind for r in load_rules()} | {"headline": "drop_line"}
    for row in seed_corpus.itertuples():
        kept = set(row.text.split("\n"))
        a = audit[audit["doc_id"] == row.doc_id]
        dropped = set(a.loc[a["rule"].map(kinds) != "strip_prefix", "line"])
        prefixes = a[a["rule"].map(kinds) == "strip_prefix"]
        for i, line in enumerate(row.raw_text.split("\n"), 1):
            if not line.strip() or i in dropped:
                continue
            rest = line.strip()
            for p in prefixes.loc[prefixes["line"] == i, "text"]:
                assert rest.startswith(p), (row.doc_id, i)
                rest = rest[len(p) :].strip()
            assert not rest or rest in kept, f"{row.doc_id} line {i} lost: {rest[:60]!r}"


def test_audit_names_rules_lines_and_chars(seed_corpus) -> None:
    audit = clean_audit(seed_corpus)
    assert list(audit.columns) == ["doc_id", "rule", "line", "chars", "text"]
    names = {r.name for r in load_rules()} | {"headline"}
    assert set(audit["rule"]) <= names
    # chars per document add up to the corpus's chars_removed
    sums = audit.groupby("doc_id")["chars"].sum()
    for row in seed_corpus.itertuples():
        assert sums.get(row.doc_id, 0) == row.chars_removed, row.doc_id
    short = audit[audit["text"].str.len() < 200]
    assert (short["chars"] == short["text"].str.len()).all()
    # which rule removed what, per the furniture each page has
    by_doc = {d: set(g["rule"]) for d, g in audit.groupby("doc_id")}
    ids = {f[:3]: d for f, d in zip(seed_corpus["file"], seed_corpus["doc_id"], strict=True)}
    assert by_doc[ids["000"]] == {"date_header", "breadcrumb"}
    assert {"headline", "timestamp", "share_bar", "photo_caption", "source_line"} <= by_doc[
        ids["001"]
    ]
    assert {"page_links", "caption_list"} <= by_doc[ids["001"]]
    assert by_doc[ids["002"]] == {"date_header", "photo_caption"}
    assert by_doc[ids["003"]] == {"headline", "aggregator_tail"}
    assert by_doc[ids["004"]] == {"date_header"}
    removed_lines = {d: set(g["line"]) for d, g in audit.groupby("doc_id")}
    for prefix, lines in FURNITURE_LINES.items():
        expect = lines | ({1} if prefix in {"000", "002", "004"} else set())
        nonblank = {
            i
            for i, ln in enumerate(_row(seed_corpus, prefix)["raw_text"].split("\n"), 1)
            if ln.strip()
        }
        assert removed_lines[ids[prefix]] == expect & nonblank, prefix
    caption = audit[(audit["doc_id"] == ids["001"]) & (audit["rule"] == "caption_list")]
    assert len(caption) == 7


def test_n_tokens_counts_words_of_cleaned_text(seed_corpus) -> None:
    for row in seed_corpus.itertuples():
        assert row.n_tokens == len(re.findall(r"\w+", row.text))
        assert row.n_chars == len(row.text)
    # cleaning removed ~11 kB of aggregator furniture from 003, little from 004
    assert _row(seed_corpus, "003")["chars_removed"] > 10_000
    assert _row(seed_corpus, "004")["chars_removed"] == len("date 2025-09-07")


# ----------------------------------------------------------------- rules are data


def _write(tmp_path: Path, body: str, name: str = "rules.yml") -> Path:
    p = tmp_path / name
    p.write_text(body, encoding="utf-8")
    return p


SUBHEADS = """
rules:
  - name: subheads
    kind: drop_line
    pattern: '(?:Remember History|Iron friendships|Maintain multilateralism)'
    description: 'Subheadings of the Moscow wire report.'
"""


def test_study_rules_extend_the_defaults(seeds_dir, tmp_path) -> None:
    extra = _write(tmp_path, SUBHEADS)
    corpus = read_corpus(seeds_dir, rules=["default", extra])
    wire = _row(corpus, "002")
    assert "Iron friendships" not in wire["text"]
    assert "date 20" not in wire["text"] and "[Photo/Xinhua]" not in wire["text"]
    audit = clean_audit(corpus)
    sub = audit[audit["rule"] == "subheads"]
    assert sorted(sub["text"]) == [
        "Iron friendships",
        "Maintain multilateralism",
        "Remember History",
    ]
    # the audit of the loaded corpus is the audit of its own rules
    sums = audit.groupby("doc_id")["chars"].sum()
    assert [sums.get(d, 0) for d in corpus["doc_id"]] == list(corpus["chars_removed"])


def test_study_rules_replace_the_defaults(seeds_dir, tmp_path) -> None:
    only = _write(tmp_path, SUBHEADS)
    corpus = read_corpus(seeds_dir, rules=only)
    wire, pdo = _row(corpus, "002"), _row(corpus, "001")
    assert "Iron friendships" not in wire["text"]
    assert "[Photo/Xinhua]" in wire["text"]  # default rules not applied
    assert "Email | Print" in pdo["text"]
    assert set(clean_audit(corpus)["rule"]) <= {"subheads", "headline"}


def test_clean_false_keeps_the_furniture(seeds_dir) -> None:
    corpus = read_corpus(seeds_dir, clean=False)
    assert "Korea Herald" in _row(corpus, "003")["text"]
    sums = clean_audit(corpus).groupby("doc_id")["chars"].sum()
    assert [sums.get(d, 0) for d in corpus["doc_id"]] == list(corpus["chars_removed"])


def test_load_rules_forms() -> None:
    defaults = load_rules()
    assert load_rules("default") == defaults
    assert [r.name for r in defaults][:2] == ["date_header", "breadcrumb"]
    assert load_rules("none") == () and load_rules([]) == ()
    assert len({r.name for r in defaults}) == len(defaults)


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("rules:\n  - name: x\n   kind: [unclosed\n", r"rules\.yml.*not valid YAML"),
        ("rules: 3\n", r"rules\.yml.*'rules:' list"),
        (
            "rules:\n  - {name: tint, kind: drop_line, pattern: 'a', colour: red}\n",
            r"rules\.yml.*'tint'.*unknown key 'colour'",
        ),
        (
            "rules:\n  - {name: paren, kind: drop_line, pattern: '('}\n",
            r"rules\.yml.*'paren'.*pattern",
        ),
        ("rules:\n  - {name: zap, kind: zap_line, pattern: 'a'}\n", r"rules\.yml.*'zap'.*zap_line"),
        ("rules:\n  - {name: nokind, pattern: 'a'}\n", r"rules\.yml.*rule 1 needs"),
        (
            "rules:\n  - {name: few, kind: drop_block, pattern: 'a', min_lines: two}\n",
            r"rules\.yml.*'few'.*min_lines",
        ),
        (
            "rules:\n  - {name: frac, kind: truncate, pattern: 'a', after_fraction: 2}\n",
            r"rules\.yml.*'frac'.*after_fraction",
        ),
        ("rules:\n  - {name: num, kind: drop_line, pattern: 12}\n", r"rules\.yml.*'num'.*pattern"),
    ],
)
def test_bad_rules_file_is_a_one_line_error(tmp_path, body, match) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(AnalysisError, match=match) as info:
        load_rules(["default", path])
    assert "\n" not in str(info.value)


def test_rule_defined_twice_and_missing_file(tmp_path) -> None:
    twice = _write(tmp_path, "rules:\n  - {name: breadcrumb, kind: drop_line, pattern: 'x'}\n")
    with pytest.raises(AnalysisError, match="'breadcrumb' is defined twice"):
        load_rules(["default", twice])
    with pytest.raises(AnalysisError, match=r"nowhere\.yml.*not found"):
        load_rules(tmp_path / "nowhere.yml")


# ----------------------------------------------------------------- rule kinds


def _rules(tmp_path: Path, yaml_rules: str):
    return load_rules(_write(tmp_path, "rules:\n" + yaml_rules, name="k.yml"))


def test_strip_prefix_first_line_only(tmp_path) -> None:
    rules = _rules(
        tmp_path, "  - {name: tag, kind: strip_prefix, first_line_only: true, pattern: 'TAG '}\n"
    )
    c = clean_text("\nTAG Keep this.\nTAG and this too.", rules=rules)
    assert c.text.split("\n\n") == ["Keep this.", "TAG and this too."]
    assert [(r.rule, r.line, r.chars) for r in c.removals] == [("tag", 2, 3)]


def test_drop_block_needs_min_lines(tmp_path) -> None:
    rules = _rules(
        tmp_path, "  - {name: bullets, kind: drop_block, min_lines: 2, pattern: '\\s*• .*'}\n"
    )
    lone = clean_text("Body line.\n• only one bullet", rules=rules)
    assert "• only one bullet" in lone.text and not lone.removals
    two = clean_text("Body line.\n• first\n\n• second", rules=rules)
    assert two.text == "Body line."
    assert [r.line for r in two.removals] == [2, 4]


def test_truncate_respects_after_fraction(tmp_path) -> None:
    rules = _rules(
        tmp_path, "  - {name: tail, kind: truncate, after_fraction: 0.5, pattern: 'Comments'}\n"
    )
    body = "\n".join(f"Sentence number {i} of the article." for i in range(10))
    early = clean_text("Comments\n" + body, rules=rules)
    assert early.text.startswith("Comments")  # near the top: a word, not furniture
    late = clean_text(
        body + "\nComments\nUnrelated teaser one.\nUnrelated teaser two.", rules=rules
    )
    assert "Unrelated" not in late.text and late.text.endswith("Sentence number 9 of the article.")
    assert {r.rule for r in late.removals} == {"tail"} and len(late.removals) == 3


def test_headline_removed_only_when_it_matches_title() -> None:
    c = clean_text("My Headline!\n\nBody text here.", rules=(), title="my headline")
    assert c.text == "Body text here." and c.title == "my headline"
    assert [r.rule for r in c.removals] == ["headline"]
    other = clean_text("Body first.\n\nMore body.", rules=(), title="My Headline")
    assert other.text == "Body first.\n\nMore body." and not other.removals
    inferred = clean_text("Short Heading\nBody sentence one.", rules=(), infer_title=True)
    assert inferred.title == "Short Heading" and inferred.text == "Body sentence one."
    sentence = clean_text("A full sentence ends here.\nMore.", rules=(), infer_title=True)
    assert sentence.title is None and sentence.text.startswith("A full sentence")


@pytest.mark.parametrize(
    ("first", "title"),
    [
        ("CGTN: Why does China honor the past?", "Why does China honor the past?"),
        ("Xinhua | Talks resume in Geneva", "talks resume in geneva"),
        ("Opinion - Talks resume", "Talks resume"),
    ],
)
def test_labelled_headline_is_removed(first, title) -> None:
    c = clean_text(f"{first}\n\nBody text here.", rules=(), title=title)
    assert c.text == "Body text here."
    assert [r.rule for r in c.removals] == ["headline"]


@pytest.mark.parametrize(
    ("first", "title"),
    [
        ("Officials from many nations met in China", "China"),  # a sentence ending in the title
        ("The summit was held in Sochina", "ina"),  # not even at a word boundary
        ("Sino-Russian friendship", "Russian friendship"),  # a hyphen is not a separator
    ],
)
def test_body_line_ending_with_title_words_is_kept(first, title) -> None:
    c = clean_text(f"{first}\n\nBody text here.", rules=(), title=title)
    assert c.text.startswith(first) and not c.removals


def test_bulleted_speech_text_is_not_a_caption_list() -> None:
    # UN speeches list their points with bullets; only a run of bullets carrying a
    # photo credit is page furniture (the seed 001's caption list)
    speech = (
        "Mr. President, we call for:\n\n"
        "• preserving the role of the UN as the global center of coordination;\n"
        "• strengthening the multilateral system, in accordance with international law;\n"
        "• intensifying the UN reform process.\n\n"
        "I thank you."
    )
    c = clean_text(speech)
    assert not c.removals
    assert "• intensifying the UN reform process." in c.text
    captions = (
        speech + "\n\n• Actors perform in Seoul. (Xinhua/He Lulu)\n• Do you have anything to say?"
    )
    c = clean_text(captions)
    assert c.text.endswith("I thank you.")
    assert {r.rule for r in c.removals} == {"caption_list"} and len(c.removals) == 2


def test_drop_block_requires(tmp_path) -> None:
    rules = _rules(
        tmp_path,
        "  - {name: teasers, kind: drop_block, min_lines: 2, pattern: '- .*', block_requires: 'AD'}\n",
    )
    kept = clean_text("Body.\n- one\n- two\n\nMore body.", rules=rules)
    assert not kept.removals and "- two" in kept.text
    gone = clean_text("Body.\n- one AD\n- two\n\nMore body.", rules=rules)
    assert gone.text == "Body.\n\nMore body."
    bad = _write(tmp_path, "rules:\n  - {name: br, kind: drop_block, pattern: 'x', block_requires: '['}\n")  # fmt: skip
    with pytest.raises(AnalysisError, match=r"rules\.yml.*'br'.*invalid pattern"):
        load_rules(bad)


def test_ungdc_speeches_have_no_page_furniture() -> None:
    """Default rules on real speeches (UN General Debate, 2024, countries B-H) remove nothing."""
    cache = Path("~/.cache/framing-analysis").expanduser()
    if not (cache / "2024").is_dir():
        pytest.skip(f"UNGDC corpus not unpacked at {cache}; real-speech check skipped")
    corpus = read_corpus(
        cache,
        pattern="{year}/{country}_{session}_{year}.txt",
        glob="2024/[B-H]*_79_2024.txt",
        dedupe_threshold=None,
    )
    assert {"BIH", "DEU", "ETH", "HRV"} <= set(corpus["country"])  # speeches with bullet lists
    audit = clean_audit(corpus)
    assert audit.empty, audit.groupby(["doc_id", "rule"]).size().to_dict()
    raw_words = corpus["raw_text"].str.count(r"\w+")
    assert (corpus["n_tokens"] == raw_words).all()  # not a word lost


# --- drop_line rules in one pass --------------------------------------------------------

_FRAGMENTS = [
    "Home » World", "Email | Print | Share", "Page 2 of 5", "【1】 【2】", "Next Last",
    "Source: Xinhua", "Editor: Liu Ming", "A caption (Xinhua/Li Wei)", "[Photo/Xinhua]",
    "10:15, May 09, 2010", "Comments", "Related Articles", "• a bullet (AFP/X)", "• another",
    "The Assembly met today.", "Peace and security, Share and share alike.", "", "  ",
    "TAG prefix line", "abab", "XYZ twice XYZ", "date 2020-01-02 headline", "Source: line",
    "prefix line", "a line",
]  # fmt: skip


def _custom_rules(tmp_path):
    """Rules whose runs cannot all be joined: a capturing group with a backreference,
    a global flag, a strip_prefix between two runs."""
    return _rules(
        tmp_path,
        "  - {name: tag, kind: strip_prefix, pattern: 'TAG '}\n"
        "  - {name: twice, kind: drop_line, pattern: '(XYZ) twice \\1'}\n"
        "  - {name: ab_twice, kind: drop_line, pattern: '(?:ab){2}'}\n"
        "  - {name: bullets, kind: drop_block, pattern: '\\s*+•.*', min_lines: 2}\n"
        "  - {name: ab, kind: drop_line, pattern: '(?:ab)++'}\n"
        "  - {name: upper, kind: drop_line, pattern: '(?i)comments'}\n"
        "  - {name: date, kind: strip_prefix, pattern: 'date \\S++ '}\n"
        "  - {name: src, kind: drop_line, pattern: 'Source: \\w++'}\n"
        "  - {name: prefix, kind: drop_line, pattern: 'prefix line'}\n"
        "  - {name: any_line, kind: drop_line, pattern: '.*line'}\n",
    )


@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=25), st.booleans())
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_drop_line_rules_in_one_pass_equal_one_pass_per_rule(tmp_path, monkeypatch, lines, custom):
    """The joined runs (analysis.clean._steps) remove the same lines under the same rule
    names as the rules applied one by one."""
    import analysis.clean as clean

    rules = _custom_rules(tmp_path) if custom else load_rules()
    text = "\n".join(lines)
    joined = clean_text(text, rules=rules)
    with monkeypatch.context() as m:
        m.setattr(clean, "_steps", lambda rs: rs)  # every rule on its own
        alone = clean_text(text, rules=rules)
    assert joined == alone


def test_runs_join_only_rules_that_can_be_joined(tmp_path):
    from analysis.clean import _LineRun, _steps

    default = _steps(load_rules())
    assert [len(s.rules) for s in default if isinstance(s, _LineRun)] == [4, 2]
    custom = _steps(_custom_rules(tmp_path))
    kinds = [f"run{len(s.rules)}" if isinstance(s, _LineRun) else s.name for s in custom]
    # a run with a backreference, and one with a global flag, stay rule by rule
    assert kinds == ["tag", "twice", "ab_twice", "bullets", "ab", "upper", "date", "run3"]


_AUDIT_LINES = [
    "Email | Print | Share", "Home > World > Asia", "Source: Xinhua", "date 2025-09-03 Peace",
    "Page 2 of 3", "• a caption", "• another caption", "Related Articles", "A headline here",
    "Peace and friendship, the speech said.", "   ", "", "Share Tweet",
    "* * *", "©",  # short first lines without a word character: no inferred headline
]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    docs=st.lists(
        st.tuples(
            st.sampled_from(["", "A headline here", "Peace", "Other title"]),
            st.lists(st.sampled_from(_AUDIT_LINES), min_size=1, max_size=10),
        ),
        min_size=1,
        max_size=5,
    ),
    infer_title=st.booleans(),
)
def test_the_loaders_own_removals_are_the_audit(docs, infer_title, tmp_path_factory):
    # what the loader collects while it cleans (stored with a cache entry) equals
    # clean_audit of the corpus it returns, headlines given or inferred included
    import json

    from analysis.clean import audit_frame
    from analysis.corpus import AUDIT_ROWS

    path = tmp_path_factory.mktemp("audit") / "corpus.jsonl"
    rows = [
        {"doc_id": f"d{i}", "title": title, "text": "\n".join([*lines, "Body words stay."])}
        for i, (title, lines) in enumerate(docs)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    kept: list = []
    reset = AUDIT_ROWS.set(kept)
    try:
        corpus = read_corpus(path, infer_title=infer_title, dedupe_threshold=None)
    except AnalysisError as exc:  # a text the rules empty (truncated after its body)
        assert "no text left after cleaning" in str(exc)
        assume(False)
    finally:
        AUDIT_ROWS.reset(reset)
    pd.testing.assert_frame_equal(audit_frame(kept), clean_audit(corpus))
