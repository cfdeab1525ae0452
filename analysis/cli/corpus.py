"""``python -m analysis corpus``: the per-document summary of a corpus."""

from __future__ import annotations

import argparse
import sys

from ._common import add_corpus_argument, add_format_argument, emit, load


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("corpus", help="per-document summary: source, date, title, tokens, cleaning")
    add_corpus_argument(p)
    add_format_argument(p)
    p.add_argument(
        "--audit",
        action="store_true",
        help="print the cleaning audit (one row per removed line) instead",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..clean import clean_audit
    from ..corpus import corpus_summary

    corpus = load(args)
    if args.audit:
        emit(clean_audit(corpus), args.format)
        return 0
    table = corpus_summary(corpus)
    t = table.attrs["totals"]
    cols = [
        c
        for c in (
            "doc_id",
            "source",
            "source_type",
            "date",
            "year",
            "title",
            "n_tokens",
            "chars_removed",
            "duplicate_of",
        )
        if c in table.columns
    ]
    table = table[cols].copy()
    table["date"] = table["date"].dt.strftime("%Y-%m-%d").fillna("")
    emit(table, args.format)
    print(
        f"{t['documents']} documents, {t['tokens']:,} tokens, {t['chars_removed']:,} characters of page furniture removed, "
        f"{t['unparsed_dates']} unparsed dates, {t['missing_dates']} without date, {t['near_duplicates']} near-duplicates",
        file=sys.stderr,
    )
    return 0
