"""``python -m analysis themes``: theme rates with bootstrap intervals (or hits)."""

from __future__ import annotations

import argparse

from ..text import UNITS
from ._common import add_corpus_argument, add_format_argument, emit, load


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "themes",
        help="theme rates per 1,000 words by group, with bootstrap intervals",
        description="Count codebook themes (default codebook unless --themes) and print "
        "rates per 1,000 words with percentile-bootstrap intervals over documents; "
        "--hits prints every hit in context instead.",
    )
    add_corpus_argument(p)
    p.add_argument("--themes", metavar="FILE", help="YAML codebook (default: the built-in one)")
    p.add_argument(
        "--by",
        metavar="COLUMN",
        action="append",
        help="grouping column, e.g. year or source (repeat for several; default: one group)",
    )
    p.add_argument(
        "--unit",
        choices=UNITS,
        default="document",
        help="unit within which phrases match (default: document)",
    )
    p.add_argument("--n-boot", type=int, default=2000, help="bootstrap resamples (default 2000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--stem", action="store_true", help="match word entries by Snowball stem")
    p.add_argument(
        "--hits", action="store_true", help="print every hit with its context instead of rates"
    )
    add_format_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..themes import load_themes, match_themes, theme_hits, theme_rates

    codebook = load_themes(args.themes)
    corpus = load(args)
    matches = match_themes(corpus, codebook, unit=args.unit, stem=args.stem)
    if args.hits:
        table = theme_hits(matches)
    else:
        table = theme_rates(matches, by=args.by, n_boot=args.n_boot, seed=args.seed)
    emit(table, args.format)
    return 0
