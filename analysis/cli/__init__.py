"""Command-line interface: ``python -m analysis <command> --corpus PATH ...``.

Each command lives in its own module of this package with a ``register(subparsers)``
function; :data:`COMMANDS` lists them in the order ``--help`` shows them. User errors
(:class:`analysis.errors.AnalysisError`) print one line on stderr and exit with 2.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import warnings
from collections.abc import Sequence

from ..errors import AnalysisError

__all__ = ["main", "COMMANDS"]

COMMANDS: tuple[str, ...] = (
    "corpus", "report", "terms", "themes", "coding", "topics", "context", "robustness",
)  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analysis",
        description="Framing analysis of a text corpus: corpus summary, keywords, keyness, "
        "themes, hand coding of theme hits, topics, the context of a target and the papermill "
        "report.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def _warning_line(message, category, filename, lineno, file=None, line=None):
    print(f"warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    with warnings.catch_warnings():  # restores showwarning and the filters on return
        warnings.showwarning = _warning_line
        try:
            return int(args.func(args) or 0)
        except AnalysisError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            # the process is ending: a second Ctrl-C must not turn the exit into a traceback
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            print("error: interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:
            return 0
