"""Framing in context on the command line: a target's context windows, or context keyness.

Examples::

    python -m analysis context --corpus seeds --target "Japan*" --window 5
    python -m analysis context --corpus seeds --target "Japan*" --by year --target-group 2025
    python -m analysis context --corpus ungdc --pattern '{year}/{country}_{session}_{year}.txt' \\
        --target "sovereign*" --by country --target-group CHN --reference USA --format csv

Without ``--by`` it prints one row per occurrence with its left and right context
(:func:`analysis.context.windows.context_windows`; the aligned table shows ``doc_id``,
the position, the match and the context, the CSV every column). With ``--by`` it prints the context
keyness of ``--target-group`` against ``--reference`` (default: the other groups;
:func:`analysis.context.keyness.context_keyness`), or, without ``--target-group``, of
each value of ``--by`` in turn against all the others, with a ``group`` column.
"""

from __future__ import annotations

import argparse
import warnings

import pandas as pd

from ._common import add_corpus_argument, add_format_argument, emit, load, positive_int

__all__ = ["register"]


def _one_or_list(values: list[str] | None) -> str | list[str] | None:
    if values is None:
        return None
    return values[0] if len(values) == 1 else list(values)


def _context(args: argparse.Namespace) -> int:
    from ..context.keyness import CONTEXT_KEYNESS_COLUMNS, _build, _keyness_on
    from ..context.windows import context_windows
    from ..errors import AnalysisError

    target = _one_or_list(args.target)
    if args.by is None:
        for flag, value in (("--target-group", args.target_group), ("--reference", args.reference)):
            if value is not None:
                raise AnalysisError(f"{flag} needs --by COLUMN, the column whose values it names")
    elif args.reference is not None and args.target_group is None:
        raise AnalysisError("--reference needs --target-group, the group it is compared with")
    options = dict(
        by=args.by,
        alpha0=args.alpha0,
        top_n=args.top_n,
        n_boot=args.n_boot,
        level=args.level,
        seed=args.seed,
        min_docs=args.min_docs,
    )
    _check(options)
    corpus = load(args)
    if args.by is None:
        table = context_windows(
            corpus, target, window=args.window, unit=args.unit, codebook=args.codebook
        )
        if table.empty:
            raise AnalysisError(
                f"the target {table.attrs.get('target', target)!r} does not occur in the "
                "corpus; check its spelling, or use a glob such as 'japan*'"
            )
        if args.format == "table":  # readable in a terminal; the CSV has every column
            keep = ["doc_id", "unit_id", "position", "match", "left", "right"]
            table = table[[c for c in keep if c in table.columns]]
        emit(table, args.format)
        return 0
    dtm, ctx, all_docs = _build(
        corpus,
        target,
        window=args.window,
        unit=args.unit,
        codebook=args.codebook,
        stop_words=None if args.no_stop_words else "english",
        by=args.by,
    )
    if args.target_group is not None:
        table = _keyness_on(
            dtm,
            ctx,
            all_docs,
            target_group=_one_or_list(args.target_group),
            reference=_one_or_list(args.reference),
            **options,
        )
        emit(table, args.format)
        return 0
    groups = pd.unique(dtm.docs[args.by]).tolist()
    groups = sorted(groups) if _sortable(groups) else groups
    if len(groups) < 2:
        raise AnalysisError(
            f"--by {args.by}: every document that contains {ctx.target!r} has "
            f"{args.by}={groups[0]}; there is nothing to compare it with"
        )
    parts = []
    for g in groups:
        try:
            part = _keyness_on(dtm, ctx, all_docs, target_group=g, reference=None, **options)
        except AnalysisError as exc:  # e.g. a group whose windows hold only stop words
            warnings.warn(f"{args.by}={g} skipped: {exc}", stacklevel=1)
            continue
        part.insert(0, "group", g)
        parts.append(part)
    if not parts:
        raise AnalysisError(f"no value of --by {args.by} could be compared; see the warnings")
    emit(pd.concat(parts, ignore_index=True)[["group", *CONTEXT_KEYNESS_COLUMNS]], args.format)
    return 0


def _sortable(values: list) -> bool:
    try:
        sorted(values)
    except TypeError:
        return False
    return True


def _check(options: dict) -> None:
    """The checks :func:`analysis.context.keyness.context_keyness` makes before counting."""
    from ..errors import AnalysisError
    from ..evidence import check_min_docs
    from ..validation import check_int, check_level

    check_int("n_boot", options["n_boot"], 10)
    check_int("seed", options["seed"], 0)
    check_level(options["level"])
    check_min_docs(options["min_docs"])
    if not options["alpha0"] > 0:
        raise AnalysisError(f"--alpha0 {options['alpha0']:g}: give a positive number")


def register(subparsers) -> None:
    from ..evidence import MIN_DOCS
    from ..text import UNITS

    p = subparsers.add_parser(
        "context",
        help="the words around a target: context windows, or context keyness by group",
        description="Context of a target (a word, a glob such as 'Japan*', a phrase in "
        "quotes, or a theme id of --codebook). Without --by: one row per occurrence with "
        "its left and right context. With --by: words around the target more in one group "
        "than in the others (log-odds with informative Dirichlet prior, Monroe et al. "
        "2008), with a bootstrap interval over documents.",
    )
    add_corpus_argument(p)
    p.add_argument(
        "--target",
        required=True,
        nargs="+",
        metavar="TARGET",
        help="word, glob or phrase (several: pooled), or a theme id of --codebook",
    )
    p.add_argument("--by", metavar="COLUMN", help="compare the groups of this column, e.g. year")
    p.add_argument(
        "--target-group",
        nargs="+",
        metavar="VALUE",
        help="value(s) of --by compared (default: each value in turn against the rest)",
    )
    p.add_argument(
        "--reference", nargs="+", metavar="VALUE", help="reference value(s) (default: the rest)"
    )
    p.add_argument("--window", type=positive_int, default=6, help="words on each side (default: 6)")
    p.add_argument("--unit", choices=UNITS, default="document", help="windows never cross a unit")
    p.add_argument("--codebook", metavar="FILE", help="YAML codebook where a theme id is looked up")
    p.add_argument(
        "--top-n", type=positive_int, default=20, help="terms on each side (default: 20)"
    )
    p.add_argument(
        "--n-boot", type=positive_int, default=500, help="bootstrap replicates (default: 500)"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default: 0)")
    p.add_argument(
        "--level", type=float, default=0.95, help="interval and noise-floor level (default: 0.95)"
    )
    p.add_argument(
        "--min-docs",
        type=positive_int,
        default=MIN_DOCS,
        help=f"fewest documents with the target on a side for an interval (default: {MIN_DOCS})",
    )
    p.add_argument(
        "--alpha0", type=float, default=1000.0, help="prior pseudo-counts (default: 1000)"
    )
    p.add_argument(
        "--no-stop-words", action="store_true", help="keep English stop words (default: drop)"
    )
    add_format_argument(p)
    p.set_defaults(func=_context)
