"""Options and output shared by the CLI commands."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

__all__ = ["add_corpus_argument", "add_format_argument", "emit", "load"]


def add_corpus_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--corpus",
        required=True,
        metavar="PATH",
        help="folder of .txt files (with metadata.csv, or --pattern), or a CSV/JSONL/Parquet file",
    )
    parser.add_argument(
        "--pattern",
        metavar="TEMPLATE",
        help="file-name template that carries metadata, e.g. '{year}/{country}_{session}_{year}.txt'",
    )
    parser.add_argument(
        "--text-column", metavar="NAME", help="text column of a CSV/JSONL/Parquet corpus"
    )


def add_format_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("table", "csv"),
        default="table",
        help="print an aligned table (default) or CSV",
    )


def load(args: argparse.Namespace) -> pd.DataFrame:
    from ..corpus import read_corpus

    options = {}
    if getattr(args, "pattern", None):
        options["pattern"] = args.pattern
    if getattr(args, "text_column", None):
        options["columns"] = {args.text_column: "text"}
    return read_corpus(args.corpus, **options)


def emit(table: pd.DataFrame, fmt: str = "table") -> None:
    """Print ``table`` on stdout as CSV or as an aligned plain-text table."""
    if fmt == "csv":
        table.to_csv(sys.stdout, index=False, lineterminator="\n")
        return
    with pd.option_context(
        "display.max_rows",
        None,
        "display.max_columns",
        None,
        "display.width",
        200,
        "display.max_colwidth",
        60,
    ):
        print(table.to_string(index=False))
