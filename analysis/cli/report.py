"""``python -m analysis report``: render the papermill report."""

from __future__ import annotations

import argparse
import sys
import time


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="run the notebooks with papermill and write the HTML report")
    p.add_argument(
        "--corpus",
        required=True,
        metavar="PATH",
        help="corpus folder or file (anything read_corpus reads)",
    )
    p.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="report folder: new, empty or an earlier report (replaced only when the run "
        "succeeds; files the toolkit did not write are never deleted)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace an --out folder that is not a report, keeping every file in it "
        "(the corpus, the current folder, a project or git root are still refused)",
    )
    p.add_argument(
        "--params",
        metavar="FILE.yaml",
        help="notebook parameters: top-level keys for all notebooks, '<NN-name>:' sections for one",
    )
    p.add_argument(
        "--notebooks",
        nargs="+",
        metavar="NAME",
        help="run only these notebooks, e.g. 01-corpus 03-themes",
    )
    p.add_argument("--with-code", action="store_true", help="keep code cells in the HTML pages")
    p.add_argument(
        "--jobs", type=int, metavar="N", help="notebooks run in parallel (default: CPUs, at most 3)"
    )
    p.add_argument("--title", help="report title")
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="build the document-term matrices on Dask: 'local' starts a cluster for the run, "
        "or give a running scheduler's address, e.g. tcp://host:8786 (tables are identical; "
        "needs pip install -e '.[dask]')",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..report import render
    from ..report.execute import import_papermill

    t0 = time.perf_counter()
    import_papermill()  # without jsonschema's IRI grammars: a second less before the kernels
    out = render(
        args.corpus, args.out, args.params, notebooks=args.notebooks, with_code=args.with_code,
        jobs=args.jobs, title=args.title, force=args.force, scheduler=args.scheduler,
    )  # fmt: skip
    print(
        f"report written to {out / 'index.html'} in {time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
    )
    return 0
