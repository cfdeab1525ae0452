"""``python -m analysis robustness``: a theme difference or a keyness score under every
combination of analytic choices (the specification curve), and leave-one-entry-out.

Examples::

    python -m analysis robustness --corpus examples/ungdc-sample \\
        --pattern '{year}/{country}_{session}_{year}.txt' \\
        --themes examples/ungdc-sample/themes.yml --theme multilateralism \\
        --by year --target 2020 2024 --reference 2000 2005 --show summary
    python -m analysis robustness --corpus seeds --term multilateralism --by year \\
        --target 2025 --grid grid.yml --format csv
"""

from __future__ import annotations

import argparse
import sys

from ..errors import AnalysisError
from ..evidence import MIN_DOCS
from ._common import add_corpus_argument, add_format_argument, emit, load

__all__ = ["register"]

SHOW = ("specifications", "summary", "entries")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "robustness",
        help="a theme difference or keyness score under every combination of choices",
        description="Compute a theme difference (--theme, with --themes) or a term's "
        "log-odds keyness score (--term) under every combination of analytic choices "
        "(stemming, stop words, unit, min_df, cleaning, each codebook entry left out) and "
        "print one row per specification, the summary (share of specifications that agree "
        "with the baseline) or the leave-one-entry-out table. --grid reads the choices "
        "from a YAML file (e.g. 'stem: [false, true]'); default: the grid of "
        "analysis.robustness.default_grid.",
    )
    add_corpus_argument(p)
    what = p.add_mutually_exclusive_group()
    what.add_argument("--theme", metavar="ID", help="theme id of the codebook (--themes)")
    what.add_argument("--term", metavar="TERM", help="a word or phrase for its keyness score")
    p.add_argument("--themes", metavar="FILE", help="YAML codebook (required with --theme)")
    p.add_argument("--by", required=True, metavar="COLUMN", help="grouping column, e.g. year")
    p.add_argument(
        "--target", required=True, nargs="+", metavar="VALUE", help="target group(s), pooled"
    )
    p.add_argument(
        "--reference",
        nargs="+",
        metavar="VALUE",
        help="reference group(s), pooled (required with --theme; --term: default the rest)",
    )
    p.add_argument("--grid", metavar="FILE", help="YAML file of choice: [values] (default grid)")
    p.add_argument(
        "--show",
        choices=SHOW,
        default="specifications",
        help="what to print: one row per specification (default), the summary, or the "
        "leave-one-entry-out rows (--theme)",
    )
    p.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--level", type=float, default=0.95, help="interval coverage (default 0.95)")
    p.add_argument(
        "--min-docs",
        type=int,
        default=MIN_DOCS,
        help=f"fewest documents per side for an interval (default {MIN_DOCS})",
    )
    add_format_argument(p)
    p.set_defaults(func=run)


def _groups(values: list[str] | None):
    if values is None:
        return None
    return values[0] if len(values) == 1 else list(values)


def run(args: argparse.Namespace) -> int:
    from ..robustness import KeynessScore, ThemeDifference, read_grid, robustness

    if args.theme is None and args.term is None:
        raise AnalysisError(
            "give --theme ID (with --themes FILE) for a theme difference or --term TERM for "
            "a keyness score"
        )
    codebook = None
    if args.theme is not None:
        if args.themes is None:
            raise AnalysisError(
                "--theme needs --themes: the YAML codebook, e.g. --themes "
                "examples/ungdc-sample/themes.yml"
            )
        if args.reference is None:
            raise AnalysisError(
                "--theme needs --reference: the group(s) the target is compared with"
            )
        from ..themes import load_themes

        codebook = load_themes(args.themes)
        estimate = ThemeDifference(
            args.theme, by=args.by, target=_groups(args.target), reference=_groups(args.reference)
        )
    else:
        estimate = KeynessScore(
            args.term, by=args.by, target=_groups(args.target), reference=_groups(args.reference)
        )
    if args.show == "entries" and args.term is not None:
        raise AnalysisError(
            "--show entries: only a --theme has entries; use specifications or summary"
        )
    grid = read_grid(args.grid) if args.grid else None
    result = robustness(
        load(args), estimate, grid=grid, codebook=codebook, n_boot=args.n_boot,
        level=args.level, seed=args.seed, min_docs=args.min_docs,
    )  # fmt: skip
    if args.show == "summary":
        table = result.summary
    elif args.show == "entries":
        if result.entries is None:
            raise AnalysisError(
                "--show entries: the grid does not vary drop_entry; add 'drop_entry' to "
                "--grid or use the default grid"
            )
        table = result.entries
    else:
        table = result.table
    emit(table, args.format)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0
