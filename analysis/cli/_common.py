"""Options and output shared by the CLI commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd

__all__ = [
    "add_corpus_argument",
    "add_scheduler_argument",
    "scheduler_from_args",
    "column_map",
    "add_dtm_options",
    "add_format_argument",
    "dtm_from_args",
    "emit",
    "load",
    "min_df_value",
    "positive_int",
]


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give 1 or more")
    return value


def min_df_value(text: str) -> int | float:
    """argparse type: a unit count (``5``) or a proportion of units (``0.01``)."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r}: give a count (5) or a proportion (0.01)"
            ) from None


def column_map(text: str) -> dict[str, str]:
    """argparse type: ``published=date,body=text`` -> ``{"published": "date", "body": "text"}``."""
    mapping: dict[str, str] = {}
    for part in text.split(","):
        old, sep, new = (x.strip() for x in part.partition("="))
        if not sep or not old or not new:
            raise argparse.ArgumentTypeError(
                f"{part.strip()!r}: give OLD=NEW pairs separated by commas, e.g. published=date,body=text"
            )
        mapping[old] = new
    return mapping


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
    parser.add_argument(
        "--columns",
        type=column_map,
        metavar="OLD=NEW,...",
        help="rename columns of a CSV/JSONL/Parquet corpus, e.g. published=date,body=text",
    )


def add_format_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("table", "csv"),
        default="table",
        help="print an aligned table (default) or CSV",
    )


def add_dtm_options(
    parser: argparse.ArgumentParser,
    *,
    unit_help: str = "unit of the document-term matrix (default: document)",
    min_df: int = 1,
) -> None:
    """The document-term matrix options every term and topic command shares:
    ``--unit``, ``--ngram MIN MAX``, ``--stem``, ``--no-stop-words`` and ``--min-df``."""
    from ..text import UNITS

    parser.add_argument("--unit", choices=UNITS, default="document", help=unit_help)
    parser.add_argument(
        "--ngram",
        nargs=2,
        type=positive_int,
        default=(1, 1),
        metavar=("MIN", "MAX"),
        help="n-gram lengths, e.g. --ngram 1 2 (default: 1 1)",
    )
    parser.add_argument(
        "--stem",
        action="store_true",
        help="merge inflections by Snowball stem (terms stay readable)",
    )
    parser.add_argument(
        "--no-stop-words", action="store_true", help="keep English stop words (default: drop)"
    )
    parser.add_argument(
        "--min-df",
        type=min_df_value,
        default=min_df,
        help=f"drop terms in fewer units, a count or a proportion (default: {min_df})",
    )


def add_scheduler_argument(parser: argparse.ArgumentParser) -> None:
    """``--scheduler``: run the counting on Dask (a local cluster or a running scheduler)."""
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="count on Dask: 'local' starts a cluster on this machine (a worker per core, "
        "each with a memory limit), or give a running scheduler's address, e.g. "
        "tcp://host:8786; results are identical (needs pip install -e '.[dask]')",
    )


@contextmanager
def scheduler_from_args(args: argparse.Namespace) -> Iterator[Any]:
    """The Dask client ``--scheduler`` asks for (None without it), closed on exit.

    Prints the number of workers and the dashboard link on stderr; Dask's progress bar
    is shown while a computation runs when stderr is a terminal.
    """
    address = getattr(args, "scheduler", None)
    if not address:
        yield None
        return
    from ..distributed import connect
    from ..distributed._client import show_progress

    client = connect(address)
    try:
        n = len(client.scheduler_info().get("workers", {}))
        print(f"dask: {n} workers; dashboard {client.dashboard_link}", file=sys.stderr)
        with show_progress(sys.stderr.isatty()):
            yield client
    finally:
        cluster = client.cluster if address == "local" else None
        client.close()
        if cluster is not None:
            cluster.close()


def dtm_from_args(args: argparse.Namespace, *, client: Any = None, group_by: Any = None):
    """Build the document-term matrix that :func:`add_dtm_options` describes.

    With a Dask ``client`` the corpus is read in partitions and counted on the cluster;
    ``group_by`` then sums the counts per group there, so the document-level matrix is
    never assembled (the statistics by those groups are unchanged).
    """
    from ..dtm import build_dtm
    from ..errors import AnalysisError

    lo, hi = args.ngram
    if lo > hi:
        raise AnalysisError(f"--ngram {lo} {hi}: the first number must not exceed the second")
    options: dict = {}
    if client is not None:
        from ..dtm import _NOT_GROUPS

        options["client"] = client
        cols = [group_by] if isinstance(group_by, str) else list(group_by or [])
        if cols and not set(cols) & set(_NOT_GROUPS):  # else: the document-level matrix
            options["group_by"] = group_by
    return build_dtm(
        load(args, client=client),
        unit=args.unit,
        ngram_range=(lo, hi),
        stem=args.stem,
        stop_words=None if args.no_stop_words else "english",
        min_df=args.min_df,
        **options,
    )


def load(args: argparse.Namespace, *, client: Any = None) -> pd.DataFrame:
    """The corpus the options name; partitioned on Dask when ``client`` is given."""
    from ..corpus import read_corpus

    options: dict = {}
    if getattr(args, "pattern", None):
        options["pattern"] = args.pattern
    columns = dict(getattr(args, "columns", None) or {})
    if getattr(args, "text_column", None):
        columns[args.text_column] = "text"
    if columns:
        options["columns"] = columns
    if client is not None:
        options.update(engine="dask", client=client)
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
