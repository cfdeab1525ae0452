"""Generated findings of the keyword and comparison sections, checked against their tables."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from analysis import AnalysisError, collocations, keyness, keyness_agreement, tfidf_keywords
from analysis.evidence import COMPARATIVE_WORDS
from analysis.findings import (
    agreement_findings,
    collocation_findings,
    keyness_findings,
    keyword_findings,
)

COMPARATIVE = re.compile(r"\b(" + "|".join(COMPARATIVE_WORDS) + r")\b", re.IGNORECASE)
LISTED = re.compile(r"([^:,()]+?) \(z = (-?[0-9.]+)\)")


def _listed(text: str) -> list[tuple[str, float]]:
    """``term (z = 1.23)`` pairs of a sentence, terms stripped of list glue."""
    body = text.split(": ", 1)[1]
    return [(re.sub(r"^(and )", "", t.strip()), float(z)) for t, z in LISTED.findall(body)]


def _check_citation(finding, table: pd.DataFrame) -> None:
    """A comparative word only with supported=True and a cited row that is supported."""
    if COMPARATIVE.search(finding.text):
        assert finding.supported is True, finding.text
        rows = table
        for k, v in finding.row.items():
            rows = rows[rows[k].astype(str) == str(v)]
        assert len(rows) == 1 and bool(rows["supported"].iloc[0]), finding
    else:
        assert finding.supported is not True


@pytest.fixture(scope="module")
def cgtn(seeds_dtm):
    return keyness(seeds_dtm, by="source", target="CGTN")


def test_keyness_sentences_list_exactly_the_supported_terms(cgtn):
    found = keyness_findings(cgtn, table_name="compare-keyness-source-vs-rest", max_terms=50)
    assert [f.table for f in found] == ["compare-keyness-source-vs-rest"] * 2
    expected_target = cgtn[cgtn["supported"] & (cgtn["z"] > 0)]
    expected_reference = cgtn[cgtn["supported"] & (cgtn["z"] < 0)].sort_values("z")
    assert len(expected_target) and len(expected_reference)  # both sides exercised
    for finding, expected in zip(found, (expected_target, expected_reference), strict=True):
        listed = _listed(finding.text)
        assert [t for t, _ in listed] == expected["term"].tolist()
        assert [z for _, z in listed] == expected["z"].round(2).tolist()
        assert f"{len(expected)} term" in finding.text
        # 1 and 4 documents: the terms are named, no group is said to use them "more"
        assert " distinctive of " in finding.text and finding.supported is False
        assert not COMPARATIVE.search(finding.text)
        # the cited row is the weakest listed term: every listed |z| is at least its |z|
        cited = cgtn.set_index("term").loc[finding.row["term"]]
        assert bool(cited["supported"])
        assert abs(cited["z"]) == pytest.approx(expected["z"].abs().min())
        _check_citation(finding, cgtn)
    head = found[0].text.split(":")[0]
    assert head == (
        "CGTN against the other 4 sources (1 and 4 documents, log-odds with informative "
        "Dirichlet prior, 95% level)"
    )
    assert "the noise band |z| < 1.96" in found[0].text
    assert "fewer than 5 documents on each side" in found[0].text


def test_keyness_lists_are_cut_at_max_terms_and_count_the_others(cgtn):
    n = int((cgtn["supported"] & (cgtn["z"] > 0)).sum())
    assert n > 3
    text = keyness_findings(cgtn, table_name="t", max_terms=3)[0].text
    assert len(_listed(text)) == 3
    assert f"and {n - 3} other" in text


def test_a_side_with_no_supported_term_says_so_without_comparing(seeds_dtm):
    table = keyness(seeds_dtm, by="year", target=2025, reference=[2010, 2020])
    found = keyness_findings(table, table_name="compare-keyness-year-2025", column="year")
    assert all(f.supported is False for f in found)  # 3 and 2 documents: nothing claimed
    assert not any(COMPARATIVE.search(f.text) for f in found)
    quiet = next(f for f in found if "no term is outside" in f.text)
    assert quiet.text.startswith("year 2025 against 2010+2020 (3 and 2 documents")
    assert "on the side of 2025, no term is outside the noise band |z| < 1.96" in quiet.text
    assert not COMPARATIVE.search(quiet.text)
    assert quiet.row == {"target": "2025", "reference": "2010+2020"}
    assert not (table["supported"] & (table["z"] > 0)).any()
    for f in found:
        _check_citation(f, table)


def test_no_term_outside_the_band_gives_one_sentence(seeds_dtm):
    table = keyness(seeds_dtm, by="year", target=2025, level=0.999)
    assert not table["supported"].any()
    (finding,) = keyness_findings(table, table_name="t", column="year")
    assert finding.supported is False
    assert "no term is outside the noise band |z| < 3.29 with these documents" in finding.text
    assert "(3 and 2 documents" in finding.text and "99.9% level" in finding.text
    assert not COMPARATIVE.search(finding.text)


def test_pooled_tables_give_sentences_per_target_and_no_caveat_with_enough_documents():
    rows = []
    for target, zs, sup in (
        ("a", [2.5, 0.3, -2.1], [True, False, True]),
        ("b", [0.5, -0.4], [False] * 2),
    ):
        for i, (z, s) in enumerate(zip(zs, sup, strict=True)):
            rows.append(
                {"term": f"{target}{i}", "z": z, "measure": "chi2", "target": target,
                 "reference": "the other 2 groups", "n_docs_target": 6, "n_docs_reference": 12,
                 "level": 0.95, "supported": s}
            )  # fmt: skip
    table = pd.DataFrame(rows)
    found = keyness_findings(table, table_name="t", min_docs=5)
    assert [f.supported for f in found] == [True, True, False]
    assert found[0].text == (
        "a against the other 2 groups (6 and 12 documents, Pearson's chi², 95% level): "
        "1 term used more in a, outside the noise band |z| < 1.96: a0 (z = 2.50)."
    )
    assert found[1].text.endswith("used more in the other 2 groups, outside the noise band "
                                  "|z| < 1.96: a2 (z = -2.10).")  # fmt: skip
    assert found[2].text.startswith("b against") and "cannot be told apart" in found[2].text
    assert "fewer than" not in " ".join(f.text for f in found)
    for f in found:
        _check_citation(f, table)
    small = keyness_findings(table, table_name="t", min_docs=10)[0]
    assert small.supported is False and " distinctive of a, " in small.text
    assert not COMPARATIVE.search(small.text)
    small = small.text
    assert small.endswith("With fewer than 10 documents in a, these terms describe those "
                          "documents, not their group in general.")  # fmt: skip


def test_keyness_findings_need_the_keyness_columns(cgtn):
    with pytest.raises(
        AnalysisError, match="keyness_findings: the table has no column 'supported'"
    ):
        keyness_findings(cgtn.drop(columns="supported"), table_name="t")


def test_agreement_sentence_is_computed_from_the_table(seeds_dtm):
    table = keyness_agreement(seeds_dtm, by="year", target=2025, top_n=15)
    (f,) = agreement_findings(table, table_name="compare-keyness-measure-agreement")
    n = int(table["shared_top_terms"].iloc[0])
    assert table["shared_top_terms"].nunique() == 1
    assert f"share {n} of their top 15 terms of the target, for every pair" in f.text
    assert f.text.startswith("The 3 keyness measures")
    assert f.supported is None and not COMPARATIVE.search(f.text)
    mixed = pd.DataFrame(
        {"measure_a": ["log_odds_dirichlet", "log_odds_dirichlet", "log_likelihood"],
         "measure_b": ["log_likelihood", "chi2", "chi2"],
         "shared_top_terms": [12, 9, 14], "top_n": 15}
    )  # fmt: skip
    (f,) = agreement_findings(mixed, table_name="t")
    assert f.text == (
        "Pairs of keyness measures share between 9 (log-odds with informative Dirichlet prior "
        "and Pearson's chi²) and 14 (log-likelihood G² and Pearson's chi²) of their top 15 "
        "terms of the target."
    )
    assert f.row == {"measure_a": "log_odds_dirichlet", "measure_b": "chi2"}
    assert agreement_findings(mixed.iloc[:0], table_name="t") == []


def test_keyword_sentence_names_top_terms_and_group_sizes(seeds_dtm, seed_corpus):
    table = tfidf_keywords(seeds_dtm, by="year", top_n=10)
    found = keyword_findings(table, table_name="keywords-by-year", column="year", top=3)
    assert len(found) == 2
    text = found[0].text
    for year, n in seed_corpus.groupby("year")["doc_id"].nunique().items():
        terms = table[(table["group"] == year) & (table["rank"] <= 3)]["term"].tolist()
        doc = "document" if n == 1 else "documents"
        assert f"{year} ({n} {doc}): {', '.join(terms)}" in text
    assert text.startswith("Characteristic terms by year (top 3 by TF-IDF")
    assert found[1].text == (
        "Every group of year has fewer than 5 documents (1 to 3 documents): its keywords "
        "describe those documents, not the group in general."
    )
    for f in found:
        assert f.supported is None and not COMPARATIVE.search(f.text), f.text


def test_keyword_sentence_caps_groups_and_names_only_small_ones():
    rows = [
        {"group": g, "term": f"{g}-t{r}", "rank": r, "n_docs": n}
        for g, n in (("p", 2), ("q", 9), ("r", 7), ("s", 1))
        for r in (1, 2)
    ]
    table = pd.DataFrame(rows)
    found = keyword_findings(table, table_name="t", column="outlet", top=1, max_groups=2)
    assert found[0].text == (
        "Characteristic terms by outlet (top 1 by TF-IDF, a description of the texts, not a "
        "test): q (9 documents): q-t1; r (7 documents): r-t1; 2 other groups in the table."
    )
    assert found[1].text == (
        "2 of 4 groups of outlet have fewer than 5 documents, so their keywords describe those "
        "documents: p (2 documents) and s (1 document)."
    )
    big = keyword_findings(table[table["n_docs"] >= 5], table_name="t", column="outlet")
    assert len(big) == 1
    with pytest.raises(AnalysisError, match="keyword_findings: the table has no column 'n_docs'"):
        keyword_findings(table.drop(columns="n_docs"), table_name="t", column="outlet")


def test_collocation_sentence_equals_the_table_head(seed_corpus):
    table = collocations(seed_corpus, measure="likelihood_ratio", top_n=10)
    (f,) = collocation_findings(table, table_name="c", top=4)
    expected = ", ".join(
        f"{g} ({c}×)" for g, c in zip(table["ngram"][:4], table["count"][:4], strict=True)
    )
    assert f.text == f"Top-ranked collocations by likelihood ratio, with their counts: {expected}."
    assert not COMPARATIVE.search(f.text) and f.supported is None
    (empty,) = collocation_findings(table.iloc[:0], table_name="c", measure="pmi")
    assert empty.text == "No collocation passes the frequency filter of the PMI table."
    with pytest.raises(AnalysisError, match="measure='dice' is not one of likelihood_ratio, pmi"):
        collocation_findings(table, table_name="c", measure="dice")


def test_categorical_and_mixed_labels_give_the_findings_of_their_strings():
    # keyness' label columns are one-label categoricals; a concatenation mixes labels of
    # other types (the year 2020 and the string "2020" are one comparison, as str says)
    rows = []
    for target, reference in ((2020, "earlier"), ("2020", "earlier"), ("x", 1999), ("x", "y")):
        for i, z in enumerate((2.5, -2.2, 0.1)):
            rows.append(
                {"term": f"{target}-{reference}-{i}", "z": z, "measure": "chi2",
                 "target": target, "reference": reference, "n_docs_target": 6,
                 "n_docs_reference": 12, "level": 0.95, "supported": abs(z) > 1.96}
            )  # fmt: skip
    plain = pd.DataFrame(rows).astype({"target": object, "reference": object})
    strings = plain.assign(target=plain["target"].map(str), reference=plain["reference"].map(str))
    want = [(f.text, f.row) for f in keyness_findings(strings, table_name="t")]
    assert len(want) == 6  # three comparisons, two sides each
    coded = plain.astype({"target": "category", "reference": "category"})
    for table in (plain, coded):
        assert [(f.text, f.row) for f in keyness_findings(table, table_name="t")] == want


def test_one_comparison_of_a_million_terms_is_read_without_a_string_per_row():
    # keyness' own table: the labels are categoricals; the findings code them from the
    # categories and read the table itself, not a copy of its rows
    import tracemalloc

    n = 1_000_000
    z = np.zeros(n)
    z[:3], z[-2:] = [3.0, 2.5, 2.1], [-2.2, -4.0]
    table = pd.DataFrame(
        {
            "term": pd.Categorical.from_codes(np.arange(n) % 7, list("abcdefg")),
            "z": z,
            "measure": pd.Categorical(["chi2"] * n),
            "target": pd.Categorical(["2024"] * n),
            "reference": pd.Categorical(["earlier"] * n),
            "n_docs_target": 6, "n_docs_reference": 60, "level": 0.95,
            "supported": np.abs(z) > 1.96,
        }
    )  # fmt: skip
    tracemalloc.start()
    try:
        found = keyness_findings(table, table_name="t")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [f.supported for f in found] == [True, True]
    assert "3 terms used more in 2024" in found[0].text
    assert peak < 16 * n  # masks of a byte a row; coding the labels per row took 64


def test_an_empty_keyness_table_has_no_findings(seeds_dtm):
    table = keyness(seeds_dtm, by="year", target=2025, measure="chi2")
    assert keyness_findings(table.iloc[:0], table_name="t") == []


def test_labels_read_as_astype_str_reads_them():
    # dates and float32 labels: the strings pandas' astype(str) writes, categorical or not
    dates = pd.Series(pd.to_datetime(["2020-01-01", "2021-06-30"]).repeat(3))
    floats = pd.Series(np.array([0.1, 0.2], dtype=np.float32).repeat(3))
    for column in (dates, floats):
        table = pd.DataFrame(
            {"term": list("abcdef"), "z": [3.0, 0.1, -2.5] * 2, "measure": "chi2",
             "target": column, "reference": "rest", "n_docs_target": 6,
             "n_docs_reference": 12, "level": 0.95, "supported": [True, False, True] * 2}
        )  # fmt: skip
        for t in (table, table.astype({"target": "category"})):
            found = keyness_findings(t, table_name="t")
            assert sorted({f.row["target"] for f in found}) == sorted(set(t["target"].astype(str)))
