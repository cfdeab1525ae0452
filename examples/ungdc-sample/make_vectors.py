"""Write ``vectors.vec``: word vectors trained on the full UN General Debate corpus.

The example's 18 speeches (about 55,000 word tokens) are far too few to train word
vectors on (see ``analysis.context.embeddings``), so its report reads vectors trained on
all 10,952 speeches of the corpus it was drawn from, with the toolkit's own
``analysis.fit_embeddings`` (positive PMI of window co-occurrences reduced by truncated
SVD; nothing downloaded). To keep the file small it holds only the words that occur at
least twice in the example's speeches, rounded to 5 significant digits.

    python examples/ungdc-sample/make_vectors.py --ungdc ~/.cache/framing-analysis

``--ungdc`` is the unpacked ``ungdc-1946-2024.tar.xz`` (year folders of
``<country>_<session>_<year>.txt``). The same arguments give the same file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import analysis
from analysis.tokens import word_tokens

HERE = Path(__file__).resolve().parent
PATTERN = "{year}/{country}_{session}_{year}.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--ungdc", required=True, type=Path, help="the unpacked UN General Debate corpus"
    )
    parser.add_argument("--out", type=Path, default=HERE / "vectors.vec")
    parser.add_argument("--min-sample-count", type=int, default=2)
    args = parser.parse_args()

    full = analysis.cached_corpus(args.ungdc, pattern=PATTERN)
    vectors = analysis.fit_embeddings(full, dim=100, window=6, min_count=5, seed=0)
    sample = analysis.read_corpus(HERE)
    tokens = word_tokens(sample["text"].tolist())
    counts = np.bincount(tokens.ids, minlength=len(tokens.types))
    wanted = set(tokens.types[counts >= args.min_sample_count])
    keep = np.flatnonzero([t in wanted for t in vectors.terms])
    with open(args.out, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(f"{len(keep)} {vectors.dim}\n")
        for i in keep:
            values = " ".join(f"{v:.5g}" for v in vectors.vectors[i])
            fh.write(f"{vectors.terms[i]} {values}\n")
    print(
        f"{args.out}: {len(keep):,} of {len(vectors):,} words, {vectors.dim} dimensions "
        f"(trained on {len(full):,} speeches, {vectors.params['n_tokens']:,} word tokens)"
    )


if __name__ == "__main__":
    main()
