"""``python -m analysis code-sample`` and ``code-precision``: the hand-coding round trip.

``code-sample`` writes a coding sheet of randomly drawn theme hits
(:func:`analysis.themes.coding.sample_for_coding`); ``code-precision`` reads filled
sheets back and prints precision with Wilson intervals, or the coders' agreement
(:func:`analysis.themes.coding.coding_precision`).
"""

from __future__ import annotations

import argparse
import sys

from ..errors import AnalysisError
from ..text import UNITS
from ._common import add_corpus_argument, add_format_argument, emit, load

__all__ = ["register"]


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "code-sample",
        help="draw theme hits to code by hand and write the coding sheet (CSV)",
        description="Draw a random sample of the hits of each theme (--n-per-theme, spread "
        "over the groups of --by as evenly as their hits allow) and write the coding sheet: "
        "each hit with its context, a stable hit_id, a weight and the empty columns valid "
        "(yes/no), coder and note. An existing --out file is never overwritten.",
    )
    add_corpus_argument(p)
    p.add_argument(
        "--themes",
        metavar="FILE",
        help="YAML codebook (required), e.g. examples/ungdc-sample/themes.yml",
    )
    p.add_argument("--n-per-theme", type=int, default=20, help="hits drawn per theme (default 20)")
    p.add_argument(
        "--by",
        metavar="COLUMN",
        action="append",
        help="stratify by this column within a theme, e.g. source (repeat for several)",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--window", type=int, default=8, help="context words on each side (default 8)")
    p.add_argument(
        "--unit",
        choices=UNITS,
        default="document",
        help="unit within which phrases match (default: document)",
    )
    p.add_argument("--stem", action="store_true", help="match word entries by Snowball stem")
    p.add_argument(
        "--out",
        metavar="FILE",
        help="write the sheet here (a new file); without it, print the sheet",
    )
    add_format_argument(p)
    p.set_defaults(func=run_sample)

    q = subparsers.add_parser(
        "code-precision",
        help="precision of the codebook from coded sheets, with Wilson intervals",
        description="Read filled coding sheets (one per coder, or one with a coder column) "
        "and print the share of valid hits per theme, and per entry and group where at "
        "least --min-codes hits are coded, with Wilson score intervals; --agreement prints "
        "the agreement of coders who coded the same hits (Cohen's kappa, Krippendorff's "
        "alpha) instead.",
    )
    q.add_argument("sheets", nargs="+", metavar="FILE", help="filled coding sheet(s), CSV")
    q.add_argument(
        "--by",
        metavar="COLUMN",
        action="append",
        help="group column of the sheet for per-group rows (repeat for several)",
    )
    q.add_argument(
        "--level", type=float, default=0.95, help="coverage of the intervals (default 0.95)"
    )
    q.add_argument(
        "--min-codes",
        type=int,
        default=10,
        help="fewest coded hits for an entry or group row (default 10)",
    )
    q.add_argument("--agreement", action="store_true", help="print the coders' agreement instead")
    add_format_argument(q)
    q.set_defaults(func=run_precision)


def run_sample(args: argparse.Namespace) -> int:
    from ..themes import load_themes, match_themes
    from ..themes.coding import sample_for_coding

    if args.themes is None:
        raise AnalysisError(
            "--themes is required: the package ships no codebook; give a YAML codebook, "
            "e.g. --themes examples/ungdc-sample/themes.yml"
        )
    codebook = load_themes(args.themes)
    matches = match_themes(load(args), codebook, unit=args.unit, stem=args.stem)
    sheet = sample_for_coding(
        matches,
        n_per_theme=args.n_per_theme,
        by=args.by,
        seed=args.seed,
        window=args.window,
        path=args.out,
    )
    if args.out is None:
        emit(sheet, args.format)
    else:
        n_themes = sheet["theme"].nunique()
        print(
            f"wrote {len(sheet)} hits of {n_themes} themes to {args.out}; fill valid "
            "(yes/no) and coder, then run: python -m analysis code-precision "
            f"{args.out}",
            file=sys.stderr,
        )
    return 0


def run_precision(args: argparse.Namespace) -> int:
    from ..themes.coding import coding_precision

    result = coding_precision(args.sheets, by=args.by, level=args.level, min_codes=args.min_codes)
    if args.agreement:
        if result.agreement.empty:
            print("no hit was coded by two coders: no agreement to show", file=sys.stderr)
        emit(result.agreement, args.format)
        return 0
    emit(result.precision, args.format)
    notes = []
    if result.n_uncoded:
        notes.append(f"{result.n_uncoded} hits not coded yet (ignored)")
    if not result.agreement.empty:
        n = int(result.agreement.loc[result.agreement["level"] == "overall", "n_hits"].max())
        notes.append(f"{n} hits coded by two coders: --agreement prints their agreement")
    if notes:
        print("; ".join(notes), file=sys.stderr)
    return 0
