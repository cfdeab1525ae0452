"""theme_hits' context columns: the vectorised bounds give, hit for hit, what slicing
each unit's token spans one hit at a time gives."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pandas as pd
import pytest

from analysis import load_themes, match_themes, read_corpus, theme_hits
from analysis.themes import stats
from analysis.themes.stats import _context_bounds
from analysis.tokens import spans


def _one_at_a_time(m, window):
    """The context of each hit from its own unit's spans (the direct reading)."""
    texts = m.units["text"].tolist()
    rows = []
    for u, s, n in zip(m.unit_of, m.start, m.length, strict=True):
        sp, text = spans(texts[u]), texts[u]
        i = s - m.tokens.offsets[u]
        j = i + n - 1
        left = text[sp[max(0, i - window), 0] : sp[i, 0]] if i > 0 and window else ""
        right = text[sp[j, 1] : sp[min(len(sp) - 1, j + window), 1]] if window else ""
        rows.append(
            (
                " ".join(left.split()),
                " ".join(text[sp[i, 0] : sp[j, 1]].split()),
                " ".join(right.split()),
            )
        )
    return pd.DataFrame(rows, columns=["left", "match", "right"])


@pytest.mark.parametrize("which", ["seeds", "mini"])
@pytest.mark.parametrize("unit", ["document", "sentence"])
@pytest.mark.parametrize("window", [0, 1, 8])
def test_context_equals_slicing_each_hit(which, unit, window, seeds_dir, mini_dir, seed_codebook):
    path, book = (
        (seeds_dir, seed_codebook) if which == "seeds" else (mini_dir, mini_dir / "themes.yml")
    )
    if not book.is_file():
        book = seed_codebook
    m = match_themes(read_corpus(path), load_themes(book), unit=unit)
    assert m.n_hits > 20
    hits = theme_hits(m, window=window)
    want = _one_at_a_time(m, window)
    pd.testing.assert_frame_equal(hits[["left", "match", "right"]], want, check_dtype=False)
    assert hits["match"].str.len().gt(0).all()
    # blocks of any size give the same bounds
    texts = m.units["text"].tolist()
    first = m.start - m.tokens.offsets[m.unit_of]
    last = first + m.length - 1
    whole = _context_bounds(texts, m.unit_of, first, last, window)
    for block in (1, 2, 7):
        assert np.array_equal(_context_bounds(texts, m.unit_of, first, last, window, block), whole)
    # the texts made strings a few units at a time: the same table
    for units_at_once in (1, 3):
        with mock.patch.object(stats, "_CONTEXT_UNITS", units_at_once):
            pd.testing.assert_frame_equal(theme_hits(m, window=window), hits)


def test_hits_hold_a_few_units_texts_at_once(tmp_path):
    # the contexts are cut from a few units' texts at a time, never from the whole corpus
    # made Python strings (16 MB here; 0.35 GB for the UN General Debate)
    import tracemalloc

    codebook = tmp_path / "themes.yml"
    codebook.write_text(
        "themes:\n  - id: peace\n    label: Peace\n    definition: Peace.\n    entries: [peace]\n",
        encoding="utf-8",
    )
    filler = ("w" * 99 + " ") * 200  # 20,000 characters in 200 words
    docs = pd.DataFrame(
        {"doc_id": [f"d{i}" for i in range(400)], "text": [f"{filler}peace {filler}"] * 400}
    )
    m = match_themes(docs, load_themes(codebook), unit="document")
    assert m.n_hits == 400
    with mock.patch.object(stats, "_CONTEXT_UNITS", 20):
        tracemalloc.start()
        try:
            hits = theme_hits(m)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert len(hits) == 400 and (hits["match"] == "peace").all()
    assert peak < 4_000_000  # the texts of 20 units: 0.8 MB
