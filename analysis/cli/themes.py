"""``python -m analysis themes``: theme rates with bootstrap intervals (or hits)."""

from __future__ import annotations

import argparse

from ..errors import AnalysisError
from ..evidence import MIN_DOCS
from ..text import UNITS
from ._common import (
    add_corpus_argument,
    add_format_argument,
    add_scheduler_argument,
    emit,
    load,
    scheduler_from_args,
)


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
    add_scheduler_argument(p)
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
    if args.hits and getattr(args, "scheduler", None):
        raise AnalysisError(
            "--hits with --scheduler: the hits are not gathered from the cluster (only the "
            "per-document counts are); drop --scheduler to print the hits"
        )
    with scheduler_from_args(args) as client:
        options = {"client": client} if client is not None else {}
        matches = match_themes(
            load(args, client=client), codebook, unit=args.unit, stem=args.stem, **options
        )
    if args.hits:
        table = theme_hits(matches)
    else:
        table = theme_rates(
            matches, by=args.by, n_boot=args.n_boot, seed=args.seed, min_docs=args.min_docs
        )
    emit(table, args.format)
    return 0
