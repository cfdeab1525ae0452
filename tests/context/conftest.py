"""Fixtures shared by the context tests: small synthetic corpora with known structure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def planted_corpus() -> pd.DataFrame:
    """200 documents where "apple"/"pear" share one set of contexts and "car"/"truck" another.

    Each document is 30 sentences of five words: a target drawn from one family, then
    four words drawn from that family's contexts, with filler words mixed in. Built from
    a fixed seed, so the corpus is the same in every run.
    """
    rng = np.random.default_rng(20240514)
    families = {
        ("apple", "pear"): ["eat", "juice", "sweet", "ripe", "orchard", "peel", "tree", "fruit"],
        ("car", "truck"): ["drive", "road", "engine", "fuel", "garage", "wheel", "park", "speed"],
    }
    filler = ["the", "a", "of", "and", "very", "with"]
    docs = []
    for d in range(200):
        words = []
        for _ in range(30):
            targets, contexts = list(families.items())[rng.integers(2)]
            words.append(str(rng.choice(targets)))
            words.extend(str(w) for w in rng.choice(contexts + filler, size=4))
            words.append(".")
        docs.append(
            {"doc_id": f"d{d:03d}", "text": " ".join(words), "year": 2000 + d % 2, "source": "s"}
        )
    return pd.DataFrame(docs)
