"""Tokenizing, sentence and paragraph splitting, segmentation into units."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.feature_extraction.text import CountVectorizer

from analysis import AnalysisError, segment, split_paragraphs, split_sentences, tokenize


def test_sentences_keep_titles_and_abbreviations_together() -> None:
    text = (
        "Mr. Smith met the U.S. delegation in Geneva. Dr. Li of the U.N. spoke on Sept. 26 "
        "about No. 5. Talks ended! Did they agree?"
    )
    assert split_sentences(text) == [
        "Mr. Smith met the U.S. delegation in Geneva.",
        "Dr. Li of the U.N. spoke on Sept. 26 about No. 5.",
        "Talks ended!",
        "Did they agree?",
    ]


def test_sentences_do_not_cross_paragraphs() -> None:
    text = "Iron friendships\n\nDuring bilateral meetings, Xi spoke. He left.\n\nMaintain multilateralism"
    assert split_sentences(text) == [
        "Iron friendships",
        "During bilateral meetings, Xi spoke.",
        "He left.",
        "Maintain multilateralism",
    ]


def test_sentences_join_wrapped_lines_within_a_paragraph() -> None:
    text = "A sentence wrapped\nover two lines. Next one.\n\nSecond paragraph."
    assert split_sentences(text) == [
        "A sentence wrapped over two lines.",
        "Next one.",
        "Second paragraph.",
    ]
    # without any blank line each line is a paragraph (scraped pages), see split_paragraphs
    assert split_sentences("Heading\nBody sentence.") == ["Heading", "Body sentence."]


def test_split_paragraphs() -> None:
    assert split_paragraphs("One.\nStill one.\n\n\n  Two.\n \nThree.") == [
        "One.\nStill one.",
        "Two.",
        "Three.",
    ]
    # no blank line at all: one paragraph per line (as in scraped pages)
    assert split_paragraphs("One.\nTwo.\nThree.") == ["One.", "Two.", "Three."]
    assert split_paragraphs("") == [] and split_paragraphs(" \n\n ") == []


def _corpus() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_id": ["d1", "d2"],
            "year": [2010, 2025],
            "text": ["First one. Second one.\n\nThird, new paragraph.", "Solo text"],
            "raw_text": ["RAW1", "RAW2"],
        }
    )


def test_segment_sentences_and_paragraphs() -> None:
    sents = segment(_corpus(), "sentence")
    assert list(sents["unit_id"]) == ["d1#s0", "d1#s1", "d1#s2", "d2#s0"]
    assert list(sents["unit_index"]) == [0, 1, 2, 0]
    assert list(sents["text"]) == ["First one.", "Second one.", "Third, new paragraph.", "Solo text"]  # fmt: skip
    assert list(sents["year"]) == [2010, 2010, 2010, 2025]  # metadata carried to units
    assert "raw_text" not in sents.columns
    paras = segment(_corpus(), "paragraph")
    assert list(paras["unit_id"]) == ["d1#p0", "d1#p1", "d2#p0"]
    assert list(paras["text"]) == ["First one. Second one.", "Third, new paragraph.", "Solo text"]
    docs = segment(_corpus())
    assert list(docs["unit_id"]) == ["d1", "d2"] and list(docs["unit_index"]) == [0, 0]
    # every unit carries its own word count (maximal \w runs), not its document's
    assert list(sents["n_tokens"]) == [2, 2, 3, 2]
    assert list(paras["n_tokens"]) == [4, 3, 2]
    assert list(docs["n_tokens"]) == [7, 2]
    assert list(docs["text"]) == list(_corpus()["text"])


def test_segment_seed_sentences_cover_the_text(seed_corpus) -> None:
    units = segment(seed_corpus, "sentence")
    assert units["unit_id"].is_unique
    for doc_id, text in zip(seed_corpus["doc_id"], seed_corpus["text"], strict=True):
        mine = units[units["doc_id"] == doc_id]
        # sentences are the text's words, in order, none lost or duplicated
        assert " ".join(mine["text"]).split() == text.split()


def test_segment_rejects_unknown_unit_and_missing_column() -> None:
    with pytest.raises(AnalysisError, match="unit='word'"):
        segment(_corpus(), "word")
    with pytest.raises(AnalysisError, match="no column 'body'"):
        segment(_corpus(), "sentence", text_column="body")


SAMPLES = [
    "The U.S.-China talks, in 2024: Xi's “speech” — naïve café, Ünïcode a b 12 a_b_c!",
    "CHINESE President Xi Jinping yesterday stressed carrying forward the great spirit.",
    "【1】 【2】 Email | Print e-mail 35-million 1937–1945 don't",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_tokenize_equals_sklearn_analyzer(text) -> None:
    assert tokenize(text) == CountVectorizer().build_analyzer()(text)
    assert tokenize(text, lowercase=False) == CountVectorizer(lowercase=False).build_analyzer()(text)  # fmt: skip


def test_tokenize_equals_sklearn_on_seeds(seed_corpus) -> None:
    analyzer = CountVectorizer().build_analyzer()
    for text in seed_corpus["text"]:
        assert tokenize(text) == analyzer(text)


def test_tokenize_custom_pattern_and_errors() -> None:
    pattern = r"(?u)\b\w+\b"
    text = "A b cd"
    assert tokenize(text, token_pattern=pattern) == CountVectorizer(token_pattern=pattern).build_analyzer()(text)  # fmt: skip
    with pytest.raises(AnalysisError, match="token_pattern"):
        tokenize("x", token_pattern="(")
    with pytest.raises(AnalysisError, match="capturing groups"):
        tokenize("x", token_pattern=r"(a)(b)")


def test_segment_units_carry_the_metadata_not_the_document_text():
    """Paragraph rows: the document's metadata, the paragraph's text, columns in place
    (the document's text is not taken row by row, which copied it once per unit)."""
    import pandas as pd

    from analysis.text import segment, split_paragraphs

    docs = pd.DataFrame(
        {
            "doc_id": ["a", "b"],
            "year": [2010, 2020],
            "text": pd.Series(["one two\n\nthree", "four\n\nfive six\n\nseven"], dtype="str"),
            "source": ["x", "y"],
        }
    )
    out = segment(docs, "paragraph")
    rows = []
    for _, d in docs.iterrows():
        for j, p in enumerate(split_paragraphs(d["text"])):
            rows.append((d["doc_id"], f"{d['doc_id']}#p{j}", j, d["year"], p, d["source"]))
    assert list(out.columns) == [
        "doc_id", "unit_id", "unit_index", "year", "text", "source", "n_tokens",
    ]  # fmt: skip
    assert [tuple(r) for r in out.iloc[:, :6].itertuples(index=False)] == rows
    assert out["n_tokens"].tolist() == [2, 1, 1, 2, 1]


@pytest.mark.parametrize("unit", ["paragraph", "sentence"])
def test_segment_gives_a_missing_text_no_units(unit):
    corpus = pd.DataFrame({"doc_id": ["a", "b", "c"], "text": [None, "One. Two words.", None]})
    assert corpus["text"].isna().sum() == 2  # missing, whatever the string dtype
    units = segment(corpus, unit)
    assert units["doc_id"].tolist() == ["b"] * len(units) and len(units) >= 1
    assert int(units["n_tokens"].sum()) == 3
