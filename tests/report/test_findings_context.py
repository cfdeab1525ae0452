"""Sentences of the context section: claims only from supported rows, small groups listed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.errors import AnalysisError
from analysis.findings import context_keyness_findings, context_shift_findings


def _keyness(n_t=8, n_r=9, supported=(True, True, False, True)):
    return pd.DataFrame(
        {
            "term": ["integrity", "territorial", "noise", "freedom"],
            "z": [4.0, 2.5, 0.3, -3.0],
            "ci_low": [0.5, 0.1, -0.4, -1.2],
            "ci_high": [1.5, 0.9, 0.6, -0.3],
            "target": "China",
            "reference": "the other 2 sources",
            "n_docs_target": n_t,
            "n_docs_reference": n_r,
            "n_occurrences_target": 40,
            "n_occurrences_reference": 1,
            "level": 0.95,
            "supported": list(supported),
            "context_target": "sovereignty",
        }
    )


def test_keyness_sentences_name_supported_terms_and_cite_the_weakest():
    found = context_keyness_findings(_keyness(), table_name="t")
    assert [f.supported for f in found] == [True, True]
    first, second = found
    assert first.text.startswith("Near 'sovereignty', words used more in China than in the other")
    assert "integrity (z = 4.00, 95% interval 0.50 to 1.50)" in first.text
    assert "territorial" in first.text and "noise" not in first.text
    assert first.row["term"] == "territorial"  # the smallest |z| listed
    assert "1 occurrence)" in first.text  # singular
    assert second.row["term"] == "freedom" and "used more in the other 2 sources" in second.text


def test_keyness_small_sides_are_listed_once_per_target_without_comparison():
    table = pd.concat([_keyness(n_t=3), _keyness(n_t=2).assign(target="Russia")], ignore_index=True)
    (found,) = context_keyness_findings(table, table_name="t")
    assert found.supported is False
    assert "2 comparisons" in found.text and "China: 3 documents" in found.text
    assert "Russia: 2 documents" in found.text and "more" not in found.text


def test_keyness_no_supported_term():
    (found,) = context_keyness_findings(_keyness(supported=(False,) * 4), table_name="t")
    assert found.supported is False and "no context word separates" in found.text


def _shift():
    return pd.DataFrame(
        {
            "group": ["B", "C", "D"],
            "reference": "A",
            "target": "bank",
            "norm": [0.5, 0.1, 0.3],
            "ci_low": [0.4, 0.0, np.nan],
            "ci_high": [0.6, 0.2, np.nan],
            "p_value": [0.001, 0.4, np.nan],
            "n_perm": 999,
            "level": 0.95,
            "supported": [True, False, False],
            "n_docs": [20, 12, 2],
            "n_docs_reference": 15,
        }
    )


def test_shift_sentences():
    found = context_shift_findings(_shift(), table_name="s")
    assert [f.supported for f in found] == [True, False, False]
    assert "differ beyond what random groups" in found[0].text and "p = 0.001" in found[0].text
    assert "cannot be told apart" in found[1].text
    assert found[2].text.startswith("The contexts of 'bank' in D (2 documents) against A")
    assert found[0].row == {"target": "bank", "group": "B", "reference": "A"}


def test_shift_note_and_errors():
    (note,) = context_shift_findings(None, table_name=None, note="Embeddings skipped: why.")
    assert note.text == "Embeddings skipped: why." and note.supported is None
    assert context_shift_findings(None, table_name=None) == []
    with pytest.raises(AnalysisError, match="context_shift_findings"):
        context_shift_findings(_shift().drop(columns="p_value"), table_name="s")


def test_keyness_tables_of_two_targets_are_kept_apart():
    table = pd.concat(
        [_keyness(), _keyness().assign(context_target="lake", z=[9.0, 8.0, 0.1, -9.0])],
        ignore_index=True,
    )
    found = context_keyness_findings(table, table_name="t")
    peace = [f for f in found if f.text.startswith("Near 'sovereignty'")]
    lake = [f for f in found if f.text.startswith("Near 'lake'")]
    assert len(peace) == 2 and len(lake) == 2
    assert "z = 9.00" not in peace[0].text and "z = 4.00" not in lake[0].text
