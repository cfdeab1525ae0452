"""``python -m analysis topics``: fit a topic model and print its top terms.

Without ``--k``, the number of topics is chosen by :func:`analysis.topics.choose_k` from
:func:`analysis.select_k` over ``--ks`` (seeds ``--seed``, ``--seed + 1``, ``--seed + 2``),
and one line on stderr says which k the rule chose and why.
"""

from __future__ import annotations

import argparse
import sys

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


def _ks(text: str) -> list[int]:
    """argparse type: ``3,4,5`` or a range ``2-10`` (both ends included)."""
    try:
        if "-" in text and "," not in text:
            lo, hi = (int(x) for x in text.split("-", 1))
            ks = list(range(lo, hi + 1))
        else:
            ks = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        ks = []
    if not ks or min(ks) < 2:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give numbers of topics >= 2 as 3,4,5 or a range 2-10"
        )
    return ks


def _stability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number between 0 and 1, e.g. 0.7")
    return value


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "topics",
        help="fit a topic model (NMF or LDA) and print the top terms of each topic",
        description="Fit a topic model on the corpus' units and print each topic's top terms "
        "(topic, label, rank, term, weight).",
    )
    add_corpus_argument(p)
    p.add_argument(
        "--k",
        type=int,
        help="number of topics (>= 2); default: chosen from --ks by the rule (the top mean "
        "NPMI among the k whose mean stability across 3 seeds reaches --min-stability)",
    )
    p.add_argument(
        "--ks",
        type=_ks,
        default=list(range(2, 11)),
        help="numbers of topics the rule chooses from when --k is not given: 3,4,5 or 2-10 "
        "(default: 2-10; a k with fewer than 2k units is skipped)",
    )
    p.add_argument(
        "--min-stability",
        type=_stability,
        default=0.7,
        help="stability threshold of the rule (default: 0.7)",
    )
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
    from ..topics import choose_k, fit_topics, select_k

    dtm = dtm_from_args(args)
    k = args.k
    if k is None:
        seeds = (args.seed, args.seed + 1, args.seed + 2)
        selection = select_k(dtm, ks=args.ks, method=args.method, seeds=seeds, progress=False)
        choice = choose_k(selection, min_stability=args.min_stability)
        k = choice.k
        row = choice.row()
        state = "" if choice.passed else "; no k reaches the threshold: the topics are unstable"
        print(
            f"note: k={k} chosen by the rule ({choice.rule_text}): mean NPMI "
            f"{row['npmi']:.2f}, mean stability {row['stability']:.2f}{state}",
            file=sys.stderr,
        )
    model = fit_topics(dtm, k, method=args.method, seed=args.seed)
    emit(model.top_terms(top_n=args.top), args.format)
    return 0
