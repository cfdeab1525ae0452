"""``python -m analysis topics``: fit a topic model and print its top terms."""

from __future__ import annotations

import argparse

from ..text import UNITS
from ._common import add_corpus_argument, add_format_argument, emit, load


def _ngram_range(text: str) -> tuple[int, int]:
    try:
        lo, _, hi = text.partition(",")
        out = (int(lo), int(hi or lo))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: use MIN,MAX, e.g. 1,2") from None
    if out[0] < 1 or out[1] < out[0]:
        raise argparse.ArgumentTypeError(f"{text!r}: use 1 <= MIN <= MAX, e.g. 1,2")
    return out


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "topics",
        help="fit a topic model (NMF or LDA) and print the top terms of each topic",
        description="Fit a topic model on the corpus' units and print each topic's top terms "
        "(topic, label, rank, term, weight).",
    )
    add_corpus_argument(p)
    p.add_argument("--k", type=int, required=True, help="number of topics (>= 2)")
    p.add_argument("--method", choices=("nmf", "lda"), default="nmf", help="default: nmf")
    p.add_argument(
        "--unit",
        choices=UNITS,
        default="document",
        help="units the model is fitted on (default: document; use paragraph on small corpora)",
    )
    p.add_argument("--top", type=int, default=10, help="top terms per topic (default: 10)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument(
        "--ngram-range",
        type=_ngram_range,
        default=(1, 1),
        metavar="MIN,MAX",
        help="n-gram lengths, e.g. 1,2 (default: 1,1)",
    )
    p.add_argument("--min-df", type=int, default=2, help="minimum units per term (default: 2)")
    p.add_argument("--stem", action="store_true", help="merge inflections (terms stay readable)")
    add_format_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..dtm import build_dtm
    from ..errors import AnalysisError
    from ..topics import fit_topics

    if args.top < 1:
        raise AnalysisError(f"--top {args.top}: use a positive number of terms")
    corpus = load(args)
    dtm = build_dtm(
        corpus,
        unit=args.unit,
        ngram_range=args.ngram_range,
        min_df=args.min_df,
        stem=args.stem,
    )
    model = fit_topics(dtm, args.k, method=args.method, seed=args.seed)
    emit(model.top_terms(args.top), args.format)
    return 0
