"""Sentences of the validation section: precision (weighted or not), agreement, robustness."""

from __future__ import annotations

import pandas as pd

import analysis
from analysis.findings import coding_findings, robustness_findings


def _precision(n_valid=4, n_coded=6, precision=None):
    p = n_valid / n_coded if precision is None else precision
    return pd.DataFrame(
        [("theme", "peace", n_coded, n_valid, p, 0.3, 0.9)],
        columns=["level", "theme", "n_coded", "n_valid", "precision", "ci_low", "ci_high"],
    )


def test_coding_sentences():
    (one, solo) = coding_findings(_precision(), table_name="coding-precision")
    assert one.text.startswith("Hand-coded precision of 'peace': 4 of 6 sampled hits judged")
    assert "precision 0.67 (95% Wilson interval 0.30 to 0.90)" in one.text
    assert "weighted" not in one.text and one.row == {"level": "theme", "theme": "peace"}
    assert "agreement between coders is not measured" in solo.text
    (weighted, _) = coding_findings(_precision(precision=0.8), table_name="t")
    assert "weighted precision 0.80 (the sample is stratified" in weighted.text


def test_coding_agreement_and_none():
    agreement = pd.DataFrame(
        [("overall", "", "ann", "bob", 40, 0.9, 0.71, 0.7, "")],
        columns=["level", "theme", "coder_a", "coder_b", "n_hits", "agreement", "kappa", "alpha", "note"],
    )  # fmt: skip
    found = coding_findings(_precision(), agreement, table_name="p", agreement_name="a")
    assert "Coders ann and bob coded 40 hits both: they agree on 90%" in found[1].text
    (none,) = coding_findings(None, table_name=None, sample_name="coding-sample")
    assert "precision of the codebook" in none.text and "tables/coding-sample.csv" in none.text


def test_robustness_sentences(seed_corpus, seed_codebook):
    cb = analysis.load_themes(seed_codebook)
    est = analysis.ThemeDifference("peace", by="year", target=2025, reference=[2010, 2020])
    result = analysis.robustness(seed_corpus, est, codebook=cb, n_boot=20)
    found = robustness_findings(result, table_name="r", entries_name="r-entries", min_docs=5)
    assert "no specification has 5 documents on each side" in found[0].text
    assert found[0].text.startswith("peace: 2025 - 2010+2020 (year)")
    n = len(result.table)
    assert f"under {n} specifications" in found[0].text
    # with a floor of 1 document the shares are stated
    found = robustness_findings(result, table_name="r", entries_name="r-entries", min_docs=1)
    assert "keep the baseline's sign" in found[0].text
    assert found[1].table == "r-entries"
