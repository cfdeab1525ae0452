"""``python -m analysis topics``: fit a topic model and print its top terms."""

from __future__ import annotations

import argparse

from ._common import (
    add_corpus_argument,
    add_dtm_options,
    add_format_argument,
    dtm_from_args,
    emit,
    positive_int,
)


def _ngram_range(text: str) -> tuple[int, int]:
    """The old ``--ngram-range MIN,MAX`` (or ``N`` for N,N) form of ``--ngram MIN MAX``."""
    lo, _, hi = text.partition(",")
    try:
        return positive_int(lo), positive_int(hi or lo)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: use --ngram MIN MAX, e.g. --ngram 1 2"
        ) from None


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
    p.add_argument("--top", type=positive_int, default=10, help="top terms per topic (default: 10)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    add_dtm_options(
        p,
        unit_help="units the model is fitted on (default: document; use paragraph on small "
        "corpora)",
        min_df=2,
    )
    # The spelling of earlier versions, kept so old scripts still run; not in --help.
    p.add_argument("--ngram-range", dest="ngram", type=_ngram_range, help=argparse.SUPPRESS)
    add_format_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..topics import fit_topics

    model = fit_topics(dtm_from_args(args), args.k, method=args.method, seed=args.seed)
    emit(model.top_terms(top_n=args.top), args.format)
    return 0
