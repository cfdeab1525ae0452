"""Existing dictionaries in (quanteda YAML, LIWC .dic, Lexicoder .lc3), ours out (issue 15)."""

from __future__ import annotations

import re
import textwrap
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import AnalysisError, InputWarning, read_corpus
from analysis.themes import Codebook, Theme, match_themes
from analysis.themes.codebook import load_themes
from analysis.themes.formats import theme_id

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return p


def load_quiet(path, **kw) -> Codebook:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        return load_themes(path, **kw)


def table(cb: Codebook) -> dict[str, tuple[str, ...]]:
    return {t.id: t.entries for t in cb}


def loop_count(text: str, entries) -> int:
    """Hits of disjoint word/glob/phrase entries, by plain loops over word tokens."""
    toks = re.findall(r"\w+", text.lower())
    n = 0
    for i in range(len(toks)):
        for e in entries:
            parts = e.lower().split()
            if i + len(parts) > len(toks):
                continue
            ok = True
            for j, part in enumerate(parts):
                tok = toks[i + j]
                if part.endswith("*"):
                    ok = ok and tok.startswith(part[:-1])
                else:
                    ok = ok and tok == part
            if ok:
                n += 1
                break
    return n


# ----------------------------------------------------------------------------- LIWC

LIWC = """
%
1\tposemo
2\taffect
3\tsocial\t(Social processes)
4\tempty
%
happy\t1\t2
friend*\t1\t3
kind of\t2
love\t1 2
like\t(02 134)131/125
:)\t1
"""


def test_liwc_overlapping_categories(tmp_path, corpus):
    path = write(tmp_path, "mini.dic", LIWC)
    with pytest.warns(InputWarning) as record:
        cb = load_themes(path)
    messages = [str(w.message) for w in record]
    assert any(
        re.search(r"2 LIWC entries skipped.*'like' \(line 11\), ':\)' \(line 12\)", m)
        for m in messages
    )
    assert any(
        re.search(r"categories with no entries are dropped: 'empty' \(line 5\)", m)
        for m in messages
    )
    # a word under several categories is an entry of each (LIWC's design)
    assert table(cb) == {
        "posemo": ("happy", "friend*", "love"),
        "affect": ("happy", "kind of", "love"),
        "social": ("friend*",),
    }
    assert cb.path == str(path)
    assert cb["posemo"].label == "posemo"
    assert cb["posemo"].definition == "LIWC category 'posemo' (1) from mini.dic"
    assert cb["social"].definition == "LIWC category 'social' (3, 'Social processes') from mini.dic"
    text = "Happy friends, kind of happy. I love my friend; like it."
    counts = match_themes(corpus(text), cb).counts()
    for t in cb:
        assert counts.loc["d0", t.id] == loop_count(text, t.entries)
    assert counts.loc["d0"].tolist() == [5, 4, 2]  # 'happy' counts in posemo and affect


def test_liwc_space_separated_and_phrases(tmp_path):
    path = write(tmp_path, "x.dic", "%\n01 a\n2 b\n%\nwell done 1 2\nwar*  02\n")
    assert table(load_themes(path)) == {"a": ("well done",), "b": ("well done", "war*")}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1\ta\n%\nx\t1\n", r"x\.dic: not a LIWC dictionary \(no two '%' lines\)"),
        ("hello\n%\n1\ta\n%\nx\t1\n", r"x\.dic, line 1: 'hello' comes before the first '%' line"),
        (
            "%\na\tb\n%\nx\t1\n",
            r"x\.dic, line 2: LIWC category line 'a\\tb' is not 'number<TAB>name'",
        ),
        ("%\n1\ta\n01\tb\n%\nx\t1\n", r"x\.dic, line 3: LIWC category number 01 repeats"),
        (
            "%\n1\ta\n%\nx\t1 7\n",
            r"x\.dic, line 4: LIWC word 'x' lists category 7, which the category",
        ),
        ("%\n1\ta\n%\nx\n", r"x\.dic, line 4: LIWC word 'x' lists no category"),
        ("%\n1\ta\n%\nx\t1\n%\n", r"x\.dic, line 5: a third '%' line"),
        (
            "%\n1\tpos-emo\n2\tpos_emo\n%\nx\t1\n",
            r"x\.dic, line 3: LIWC category 'pos_emo' gives the theme id 'pos_emo', as does "
            r"'pos-emo' on line 2; rename one",
        ),
        (
            "%\n1\ta\n%\n* war\t1\n",
            r"x\.dic, line 4: theme 'a': entry '\* war' starts or ends with the bare",
        ),
        ("%\n1\ta\n%\n", r"x\.dic: the LIWC file lists no entries"),
    ],
)
def test_liwc_errors_name_the_line(tmp_path, text, message):
    with pytest.raises(AnalysisError, match=message):
        load_quiet(write(tmp_path, "x.dic", text))


_names = st.text("abcdefghij", min_size=1, max_size=6)
_words = st.tuples(
    st.lists(st.text("klmnopqrstuvwxyz", min_size=1, max_size=5), min_size=1, max_size=2),
    st.booleans(),
).map(lambda t: " ".join(t[0]) + ("*" if t[1] else ""))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cats=st.lists(_names, min_size=1, max_size=5, unique=True),
    rows=st.lists(
        st.tuples(_words, st.lists(st.integers(0, 4), min_size=1, max_size=3)), max_size=12
    ),
    numbers=st.permutations(range(1, 60)),
    sep=st.sampled_from(["\t", "\t\t", " "]),
)
def test_liwc_parser_reads_back_what_was_written(tmp_path, cats, rows, numbers, sep):
    nums = numbers[: len(cats)]
    lines = ["%"] + [f"{n}\t{c}" for n, c in zip(nums, cats, strict=True)] + ["%"]
    expected: dict[str, list[str]] = {c: [] for c in cats}
    for word, picks in rows:
        picks = [k % len(cats) for k in picks]
        lines.append(word + "\t" + sep.join(str(nums[k]) for k in picks))
        for k in picks:
            if word not in expected[cats[k]]:
                expected[cats[k]].append(word)
    path = tmp_path / "prop.dic"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    want = {c: tuple(ws) for c, ws in expected.items() if ws}
    if not want:
        with pytest.raises(AnalysisError, match="lists no entries"):
            load_quiet(path)
        return
    cb = load_quiet(path)
    assert table(cb) == want
    assert [t.label for t in cb] == list(want)


# ----------------------------------------------------------------------------- quanteda

QUANTEDA = """
economy:
  taxes:
    - tax*
    - Public Spending
  jobs: [jobs, unemploy*, tax*]
Security Policy:
  - war
  - armed   conflict
Single: peace
"""


def test_quanteda_nested_keys_become_themes(tmp_path):
    path = write(tmp_path, "dict.yml", QUANTEDA)
    cb = load_themes(path)
    assert table(cb) == {
        "economy": ("tax*", "Public Spending", "jobs", "unemploy*"),  # union, once each
        "economy_taxes": ("tax*", "Public Spending"),
        "economy_jobs": ("jobs", "unemploy*", "tax*"),
        "security_policy": ("war", "armed conflict"),
        "single": ("peace",),
    }
    assert cb["economy_taxes"].label == "economy > taxes"
    assert cb["economy_taxes"].definition == "quanteda dictionary key 'economy.taxes' from dict.yml"
    assert cb["security_policy"].label == "Security Policy"
    assert cb.path == str(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "a:\n  - colo?r\n",
            r"d\.yml, line 2: quanteda key 'a': value 'colo\?r' uses the one-character wildcard "
            r"'\?', which has no equivalent here; write '\*' \(any characters\) or list the word forms$",
        ),
        (
            "a b: [x]\na_b: [y]\n",
            r"d\.yml, line 2: quanteda category 'a_b' gives the theme id 'a_b', as does 'a b' on "
            r"line 1; rename one",
        ),
        (
            "a:\n  b: [x]\na_b: [y]\n",
            r"line 3: quanteda category 'a_b' gives the theme id 'a_b', as does 'a > b'",
        ),
        (
            "a:\n  - {x: y}\n",
            r"line 2: each value of quanteda key 'a' must be text; a toolkit codebook needs",
        ),
        ("a: [1945]\n", r"line 1: each value of quanteda key 'a' must be text; quote it"),
        ("a: ['war **']\n", r"d\.yml, line 1: theme 'a': entry 'war \*\*' starts or ends"),
        ("a: []\nb: ~\n", r"d\.yml: the quanteda file lists no entries"),
        ("[x, y]\n", r"d\.yml: a quanteda dictionary is a mapping of keys to lists of values"),
    ],
)
def test_quanteda_errors_name_the_line(tmp_path, text, message):
    with pytest.raises(AnalysisError, match=message):
        load_quiet(write(tmp_path, "d.yml", text), format="quanteda")


def test_quanteda_empty_key_is_dropped_with_a_warning(tmp_path):
    path = write(tmp_path, "d.yml", "a: [x]\nb: []\n")
    with pytest.warns(
        InputWarning, match=r"quanteda categories with no entries are dropped: 'b' \(line 2\)"
    ):
        assert load_themes(path).ids == ["a"]


# ----------------------------------------------------------------------------- Lexicoder

LEXICODER = """
+negative#AA0000
a lie
abandon*
   bad   faith
+positive#008800
good
well  done
"""


def test_lexicoder_categories_and_phrases(tmp_path):
    path = write(tmp_path, "lsd.lc3", LEXICODER)
    cb = load_themes(path)
    assert table(cb) == {
        "negative": ("a lie", "abandon*", "bad faith"),
        "positive": ("good", "well done"),
    }
    assert cb["negative"].definition == "Lexicoder category 'negative' from lsd.lc3"
    assert load_themes(write(tmp_path, "lsd.lcd", LEXICODER)).ids == ["negative", "positive"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "good\n+positive\n",
            r"l\.lc3, line 1: entry 'good' comes before the first '\+category' line",
        ),
        ("+\ngood\n", r"l\.lc3, line 1: a '\+' line with no category name"),
        (
            "+Pos\na\n+pos\nb\n",
            r"l\.lc3, line 3: Lexicoder category 'pos' gives the theme id 'pos'",
        ),
        ("+pos\n(good|fine)\n", r"l\.lc3, line 2: theme 'pos': entry '\(good\|fine\)' contains"),
        ("+pos\n+neg\n", r"l\.lc3: the Lexicoder file lists no entries"),
    ],
)
def test_lexicoder_errors_name_the_line(tmp_path, text, message):
    with pytest.raises(AnalysisError, match=message):
        load_quiet(write(tmp_path, "l.lc3", text))


def test_lexicoder_2_xml_is_refused(tmp_path):
    path = write(
        tmp_path, "old.lcd", '<?xml version="1.0"?>\n<dictionary><cnode name="a"/></dictionary>\n'
    )
    with pytest.raises(
        AnalysisError, match=r"old\.lcd, line 1: an XML \(Lexicoder 2 / Yoshikoder\) dictionary"
    ):
        load_themes(path)


# ----------------------------------------------------------------------------- detection


def test_format_detection_and_override(tmp_path):
    liwc = write(tmp_path, "liwc.txt", "%\n1\ta\n%\nx\t1\n")
    lexi = write(tmp_path, "lexi.txt", "+a\nx\n")
    yml = write(tmp_path, "q.txt", "a: [x]\n")
    for p in (liwc, lexi, yml):
        assert table(load_themes(p)) == {"a": ("x",)}
    # an explicit format wins over the extension
    assert table(load_themes(write(tmp_path, "q.dic", "a: [x]\n"), format="quanteda")) == {
        "a": ("x",)
    }
    # our codebook errors stay ours: a mapping with one of our top-level keys is ours
    with pytest.raises(AnalysisError, match=r"ours\.yml, line 2: unknown key 'a' in the codebook"):
        load_themes(write(tmp_path, "ours.yml", "name: x\na: [y]\n"))
    # ... unless the format is given: then 'themes' is just a quanteda key
    assert table(load_themes(write(tmp_path, "q2.yml", "themes: [x]\n"), format="quanteda")) == {
        "themes": ("x",)
    }


def test_unknown_format_lists_the_formats(tmp_path):
    with pytest.raises(
        AnalysisError,
        match=r"^format='liwc2015' is not one of analysis, quanteda, liwc, lexicoder \(did you mean 'liwc'\?\)$",
    ):
        load_themes(write(tmp_path, "a.dic", "%\n"), format="liwc2015")


def test_theme_ids_from_category_names():
    assert theme_id("Positive Emotion") == "positive_emotion"
    assert theme_id("négatif") == "negatif"
    assert theme_id("2015 words") == "theme_2015_words"
    assert theme_id("__a--b__") == "a_b"
    assert theme_id("???") == "theme"


# ----------------------------------------------------------------------------- writing


def test_round_trip_ours_quanteda_ours(tmp_path):
    cb = load_themes(ROOT / "seeds" / "themes.yml")
    out = tmp_path / "seeds_quanteda.yml"
    with pytest.warns(
        InputWarning,
        match=r"quanteda dictionaries have no exclusions; the exclusions of multilateralism",
    ):
        assert cb.to_quanteda_yaml(out) == out
    text = out.read_text(encoding="utf-8")
    assert "#   exclusions (not in quanteda's format, lost): social fairness and justice" in text
    assert "#   core (not in quanteda's format): multilateral*" in text
    back = load_themes(out)
    assert back.ids == cb.ids
    assert table(back) == table(cb)
    assert all(not t.exclusions and not t.core for t in back)


def test_round_trip_without_exclusions_is_silent_and_other_formats(tmp_path):
    cb = load_quiet(write(tmp_path, "mini.dic", LIWC))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = cb.to_quanteda_yaml(tmp_path / "liwc.yml")
    assert table(load_themes(path)) == table(cb)
    lexi = load_themes(write(tmp_path, "l.lc3", LEXICODER))
    assert table(load_themes(lexi.to_quanteda_yaml(tmp_path / "l.yml"))) == table(lexi)
    # quoting: entries YAML would read as something else stay text
    odd = Codebook((Theme("t", "T", "d", ("yes", "null", "1945", "o'clock", "u.n.")),))
    assert table(load_themes(odd.to_quanteda_yaml(tmp_path / "odd.yml"))) == table(odd)


def test_to_quanteda_yaml_bad_path(tmp_path):
    cb = Codebook((Theme("t", "T", "d", ("x",)),))
    with pytest.raises(AnalysisError, match=r"^path must be text or a Path, not int"):
        cb.to_quanteda_yaml(3)
    with pytest.raises(AnalysisError, match=r"cannot write the dictionary"):
        cb.to_quanteda_yaml(tmp_path / "missing" / "x.yml")


# ----------------------------------------------------------------------------- matching


def test_same_counts_in_every_format(tmp_path, corpus):
    ours = write(
        tmp_path,
        "ours.yml",
        """
        themes:
          - id: peace
            label: peace
            definition: d
            entries: [peace, "united nations", "war* crime*"]
          - id: conflict
            label: conflict
            definition: d
            entries: [war*, conflict]
        """,
    )
    quanteda = write(
        tmp_path,
        "q.yml",
        "peace: [peace, united nations, war* crime*]\nconflict: [war*, conflict]\n",
    )
    liwc = write(
        tmp_path,
        "l.dic",
        "%\n1\tpeace\n2\tconflict\n%\npeace\t1\nunited nations\t1\nwar* crime*\t1\nwar*\t2\nconflict\t2\n",
    )
    lexi = write(
        tmp_path, "l.lc3", "+peace\npeace\nunited nations\nwar* crime*\n+conflict\nwar*\nconflict\n"
    )
    texts = [
        "Peace and the United Nations. War, warfare; wars end in peace.",
        "conflict conflicts united\nnations peace-keeping",
        "nothing here",
        "war crimes are crimes of war",
    ]
    docs = corpus(*texts)
    want = match_themes(docs, load_themes(ours)).counts()
    for path in (quanteda, liwc, lexi):
        got = match_themes(docs, load_themes(path)).counts()
        assert got.equals(want), path
    # and the counts are the plain-loop counts of disjoint entries
    for i, text in enumerate(texts):
        assert want.loc[f"d{i}", "conflict"] == loop_count(text, ["war*", "conflict"])
    assert want["peace"].tolist() == [3, 2, 0, 1]


def test_seed_codebook_through_quanteda_matches_the_same(tmp_path):
    docs = read_corpus("seeds")
    cb = load_themes(ROOT / "seeds" / "themes.yml")
    plain = Codebook(tuple(Theme(t.id, t.label, t.definition, t.entries) for t in cb))
    back = load_themes(plain.to_quanteda_yaml(tmp_path / "seeds.yml"))
    assert match_themes(docs, back).counts().equals(match_themes(docs, plain).counts())


def test_a_misspelt_themes_key_is_still_our_codebook(tmp_path):
    text = "theme:\n  - id: war\n    label: War\n    definition: d\n    entries: [war]\n"
    with pytest.raises(
        AnalysisError, match=r"unknown key 'theme' in the codebook \(did you mean 'themes'\?\)"
    ):
        load_themes(write(tmp_path, "typo.yml", text))
