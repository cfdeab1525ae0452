"""theme_hits' context columns: the vectorised bounds give, hit for hit, what slicing
each unit's token spans one hit at a time gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import load_themes, match_themes, read_corpus, theme_hits
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
