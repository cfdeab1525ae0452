"""Term statistics on the command line: keywords, frequencies, keyness, kwic, collocations.

Examples::

    python -m analysis keywords --corpus seeds --by source --top 10 --ngram 1 2
    python -m analysis frequencies --corpus seeds --by year --terms war multilateralism
    python -m analysis keyness --corpus seeds --by year --target 2025 --measure log_likelihood
    python -m analysis keyness --corpus seeds --by source --target CGTN --level 0.99
    python -m analysis kwic --corpus seeds "community with a shared future" --window 6
    python -m analysis collocations --corpus seeds --n 2 --measure likelihood_ratio
"""

from __future__ import annotations

import argparse

from ._common import (
    add_corpus_argument,
    add_dtm_options,
    add_format_argument,
    add_scheduler_argument,
    dtm_from_args,
    emit,
    load,
    positive_int,
    scheduler_from_args,
)

__all__ = ["register"]


def _keywords(args: argparse.Namespace) -> int:
    from ..keywords import tfidf_keywords

    with scheduler_from_args(args) as client:
        dtm = dtm_from_args(args, client=client, group_by=args.by)
    emit(tfidf_keywords(dtm, by=args.by, top_n=args.top), args.format)
    return 0


def _frequencies(args: argparse.Namespace) -> int:
    from ..compare import term_frequencies

    with scheduler_from_args(args) as client:
        dtm = dtm_from_args(args, client=client, group_by=args.by)
    table = term_frequencies(dtm, by=args.by, terms=args.terms)
    if args.terms is None:
        table = table.groupby("group", sort=False).head(args.top)
    emit(table, args.format)
    return 0


def _keyness(args: argparse.Namespace) -> int:
    from ..compare import keyness

    with scheduler_from_args(args) as client:
        dtm = dtm_from_args(args, client=client, group_by=args.by)
    table = keyness(
        dtm,
        by=args.by,
        target=args.target,
        reference=args.reference,
        measure=args.measure,
        top_n=args.top,
        level=args.level,
    )
    emit(table, args.format)
    return 0


def _kwic(args: argparse.Namespace) -> int:
    from ..concordance import kwic

    emit(kwic(load(args), args.query, window=args.window), args.format)
    return 0


def _collocations(args: argparse.Namespace) -> int:
    from ..concordance import collocations

    table = collocations(
        load(args),
        n=args.n,
        measure=args.measure,
        min_freq=args.min_freq,
        span=args.window,
        top_n=args.top,
        stop_words=None if args.no_stop_words else "english",
    )
    emit(table, args.format)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "keywords",
        help="TF-IDF keywords per document or per group",
        description="TF-IDF keywords (tf = count / tokens, smooth idf over the groups).",
    )
    add_corpus_argument(p)
    p.add_argument("--by", metavar="COLUMN", help="group by this column (default: per document)")
    p.add_argument("--top", type=positive_int, default=10, help="terms per group (default: 10)")
    add_dtm_options(p)
    add_scheduler_argument(p)
    add_format_argument(p)
    p.set_defaults(func=_keywords)

    p = subparsers.add_parser(
        "frequencies",
        help="term counts and rates per 1,000 tokens by group",
        description="Counts and rates per 1,000 tokens (tokens before stop-word removal).",
    )
    add_corpus_argument(p)
    p.add_argument("--by", metavar="COLUMN", help="group by this column (default: per document)")
    p.add_argument("--terms", nargs="+", metavar="TERM", help="report these terms (all groups)")
    p.add_argument(
        "--top",
        type=positive_int,
        default=10,
        help="without --terms: the most frequent terms per group (default: 10)",
    )
    add_dtm_options(p)
    add_scheduler_argument(p)
    add_format_argument(p)
    p.set_defaults(func=_frequencies)

    p = subparsers.add_parser(
        "keyness",
        help="terms over- and under-represented in a target group",
        description="Keyness of a target group against a reference (default: all other "
        "groups): log-odds with informative Dirichlet prior (Monroe et al. 2008), "
        "Dunning's G2 or Pearson's chi2.",
    )
    add_corpus_argument(p)
    p.add_argument("--by", required=True, metavar="COLUMN", help="grouping column, e.g. year")
    p.add_argument("--target", required=True, nargs="+", metavar="VALUE", help="target group(s)")
    p.add_argument(
        "--reference", nargs="+", metavar="VALUE", help="reference group(s) (default: the rest)"
    )
    p.add_argument(
        "--measure",
        choices=("log_odds_dirichlet", "log_likelihood", "chi2"),
        default="log_odds_dirichlet",
        help="keyness statistic (default: log_odds_dirichlet)",
    )
    p.add_argument("--top", type=positive_int, default=15, help="terms on each side (default: 15)")
    p.add_argument(
        "--level",
        type=float,
        default=0.95,
        help="level of the noise floor: column supported is |z| >= z_crit (default: 0.95, "
        "z_crit 1.96)",
    )
    add_dtm_options(p)
    add_scheduler_argument(p)
    add_format_argument(p)
    p.set_defaults(func=_keyness)

    p = subparsers.add_parser(
        "kwic",
        help="keyword in context for a word, glob or phrase",
        description="Keyword in context. QUERY is a word, a glob ('multilateral*') or a "
        "phrase in quotes; matching is case-insensitive and crosses line breaks.",
    )
    add_corpus_argument(p)
    p.add_argument("query", metavar="QUERY", help="word, glob or phrase to search")
    p.add_argument(
        "--window", type=int, default=8, help="words of context on each side (default: 8)"
    )
    add_format_argument(p)
    p.set_defaults(func=_kwic)

    p = subparsers.add_parser(
        "collocations",
        help="collocations by PMI or likelihood ratio (nltk)",
        description="Bigram or trigram collocations within documents (nltk collocation "
        "finders), after a frequency and a stop-word filter.",
    )
    add_corpus_argument(p)
    p.add_argument("--n", type=int, choices=(2, 3), default=2, help="2 or 3 words (default: 2)")
    p.add_argument(
        "--measure",
        choices=("pmi", "likelihood_ratio"),
        default="pmi",
        help="association measure (default: pmi)",
    )
    p.add_argument(
        "--min-freq", type=positive_int, default=3, help="minimum n-gram count (default: 3)"
    )
    p.add_argument(
        "--window", type=int, help="bigrams: count pairs within this many words (default: 2)"
    )
    p.add_argument("--top", type=positive_int, default=20, help="rows (default: 20)")
    p.add_argument("--no-stop-words", action="store_true", help="keep n-grams with stop words")
    add_format_argument(p)
    p.set_defaults(func=_collocations)
