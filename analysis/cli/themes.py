"""``python -m analysis themes``: theme rates with bootstrap intervals (or hits)."""

from __future__ import annotations

import argparse

from ..errors import AnalysisError
from ..evidence import MIN_DOCS
from ..text import UNITS
from ._common import add_corpus_argument, add_format_argument, emit, load


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "themes",
        help="theme rates per 1,000 words by group, with bootstrap intervals",
        description="Count the themes of a codebook (--themes, required: the package ships "
        "none) and print rates per 1,000 words with percentile-bootstrap intervals over "
        "documents (none for groups under --min-docs documents); --hits prints every hit "
        "in context instead.",
    )
    add_corpus_argument(p)
    p.add_argument(
        "--themes",
        metavar="FILE",
        help="YAML codebook (required), e.g. examples/ungdc-sample/themes.yml",
    )
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
    p.add_argument(
        "--min-docs",
        type=int,
        default=MIN_DOCS,
        help=f"fewest documents for an interval (default {MIN_DOCS}; see analysis.evidence)",
    )
    p.add_argument("--stem", action="store_true", help="match word entries by Snowball stem")
    p.add_argument(
        "--hits", action="store_true", help="print every hit with its context instead of rates"
    )
    add_format_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..themes import load_themes, match_themes, theme_hits, theme_rates

    if args.themes is None:
        raise AnalysisError(
            "--themes is required: the package ships no codebook; give a YAML codebook, "
            "e.g. --themes examples/ungdc-sample/themes.yml"
        )
    codebook = load_themes(args.themes)
    corpus = load(args)
    matches = match_themes(corpus, codebook, unit=args.unit, stem=args.stem)
    if args.hits:
        table = theme_hits(matches)
    else:
        table = theme_rates(
            matches, by=args.by, n_boot=args.n_boot, seed=args.seed, min_docs=args.min_docs
        )
    emit(table, args.format)
    return 0
