"""Findings of the keyword and comparison sections, generated from their tables.

* :func:`keyness_findings` reads a table of :func:`analysis.keyness` (one comparison, or
  several pooled with different ``target`` values) and lists, for each side, only the
  terms outside the noise band (``supported`` True: ``|z| >= z_crit``). The word "more"
  appears only in those sentences, which cite the weakest listed row: every listed term
  has a ``|z|`` at least as large, so that row being supported covers all of them.
  When no term of a side is outside the band, the sentence says so and names the
  number of documents.
* :func:`agreement_findings` states how many top terms the keyness measures share, from
  :func:`analysis.keyness_agreement`.
* :func:`keyword_findings` and :func:`collocation_findings` describe TF-IDF keywords and
  collocations. Neither is a test, so their sentences never compare groups: they name the
  top-ranked terms and, for groups below ``min_docs`` documents, how many documents the
  list describes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..compare import MEASURE_NAMES, critical_z
from ..errors import AnalysisError
from ..evidence import MIN_DOCS, check_min_docs
from ..validation import check_top_n, require_columns
from ._base import Finding, fmt_num, join_names

__all__ = [
    "keyness_findings",
    "agreement_findings",
    "keyword_findings",
    "collocation_findings",
    "MEASURE_NAMES",
]


_COLLOCATION_NAMES = {"likelihood_ratio": "likelihood ratio", "pmi": "PMI"}


def _docs(n: int) -> str:
    return f"{int(n):,} document{'' if int(n) == 1 else 's'}"


def _str_codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``column.astype(str)`` as ``(codes, labels)``: ``labels[codes]`` equals it, the labels
    distinct. A categorical column (keyness' ``target`` and ``reference``: one label on
    millions of rows) is coded from its categories, without a string per row and in its
    own small integer codes."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        # each category once, as a categorical: astype(str) writes it as it would per row
        once = pd.Categorical.from_codes(np.arange(len(column.cat.categories)), dtype=column.dtype)
        labels = list(pd.Series(once).astype(str))
        codes = column.cat.codes.to_numpy()
        if (codes < 0).any():  # a missing value reads "nan"
            codes = np.where(codes < 0, len(labels), codes)
            labels.append("nan")
    else:
        codes, values = pd.factorize(column.astype(str), use_na_sentinel=False)
        labels = ["nan" if v is None or v != v else v for v in values]  # missing: "nan"
    merged, distinct = pd.factorize(np.asarray(labels, dtype=object))  # "1" and 1 alike
    if len(distinct) < len(labels):
        codes = merged[codes]
    return codes, np.asarray(distinct, dtype=object)


def _comparisons(table: pd.DataFrame) -> tuple[list[tuple[str, str]], np.ndarray | None]:
    """The (target, reference) comparisons of ``table`` in order of appearance, and the
    comparison of each row (an index into that list; None when there is one)."""
    if len(table) == 0:
        return [], None
    t_codes, t_labels = _str_codes(table["target"])
    r_codes, r_labels = _str_codes(table["reference"])
    if len(t_labels) == 1 and len(r_labels) == 1:  # keyness' own table
        return [(str(t_labels[0]), str(r_labels[0]))], None
    pair, first = pd.factorize(  # first appearances, in C
        t_codes.astype(np.int64) * len(r_labels) + r_codes
    )
    t_first, r_first = np.divmod(np.asarray(first), len(r_labels))
    pairs = zip(t_labels[t_first].tolist(), r_labels[r_first].tolist(), strict=True)
    return [(str(t), str(r)) for t, r in pairs], pair


def keyness_findings(
    table: pd.DataFrame,
    *,
    table_name: str,
    column: str | None = None,
    max_terms: int = 8,
    min_docs: int = MIN_DOCS,
) -> list[Finding]:
    """Sentences on the terms outside the noise band of each keyness comparison.

    For each comparison (``target``, ``reference``) of ``table`` and each side, the
    terms with ``supported`` True are listed by ``|z|`` (largest first):
    ``"terms used more in 2025: europe (z = 2.31), ..."``, with ``supported=True`` and
    ``row = {"target", "reference", "term"}`` naming the listed term of the smallest
    ``|z|``. A side with no such term gets ``"no term is outside the noise band
    (|z| < 1.96)"`` with ``supported=False``; when neither side has one, a single
    sentence says the two sides cannot be told apart term by term with these documents.
    The band is ``|z| < z_crit`` with ``z_crit = critical_z(level)``
    (:func:`analysis.compare.critical_z`, ``level`` from the table).

    Parameters
    ----------
    table : DataFrame
        From :func:`analysis.keyness` with ``top_n=None`` (or a concatenation of such
        tables); needs ``term, z, measure, target, reference, n_docs_target,
        n_docs_reference, level, supported``.
    table_name : str
        The name the table is saved under (``tables/<table_name>.csv``), cited by every
        Finding.
    column : str, optional
        The grouping column, to name the target as ``"year 2025"``.
    max_terms : int, default 8
        Terms named per side; the others are counted (``"and 4 others"``).
    min_docs : int, default :data:`analysis.evidence.MIN_DOCS`
        When a side has fewer documents, its terms are named as *distinctive of* that
        side, without "more", and with the note that they describe those documents
        (``supported=False``): token-level z-scores from a handful of texts say nothing
        about the groups the texts come from (see :mod:`analysis.evidence`).

    Returns
    -------
    list of Finding
    """
    need = ["term", "z", "measure", "target", "reference", "n_docs_target", "n_docs_reference"]
    require_columns(table, [*need, "level", "supported"], "keyness_findings", empty_ok=True)
    max_terms = check_top_n(max_terms, name="max_terms", allow_none=False)
    min_docs = check_min_docs(min_docs)
    out: list[Finding] = []
    pairs, pair_of_row = _comparisons(table)
    for k, (target, reference) in enumerate(pairs):
        # one comparison (keyness' own table): the table itself, not a copy of its rows
        rows = table if pair_of_row is None else table[pair_of_row == k]
        first = rows.iloc[0]
        z_crit = critical_z(float(first["level"]))
        n_t, n_r = int(first["n_docs_target"]), int(first["n_docs_reference"])
        name = f"{column} {target}" if column else target
        measure = MEASURE_NAMES.get(str(first["measure"]), str(first["measure"]))
        level = f"{100 * float(first['level']):g}"
        head = f"{name} against {reference} ({n_t:,} and {_docs(n_r)}, {measure}, {level}% level)"
        band = f"the noise band |z| < {z_crit:.2f}"
        small = [s for s, n in ((target, n_t), (reference, n_r)) if n < min_docs]
        where = "on each side" if len(small) == 2 else f"in {small[0]}" if small else ""
        caveat = (
            f" With fewer than {min_docs} documents {where}, these terms describe those "
            "documents, not their group in general."
            if small
            else ""
        )
        row = {"target": target, "reference": reference}
        supported = rows[rows["supported"].astype(bool)]
        sides = [
            (target, supported[supported["z"] > 0].sort_values("z", ascending=False)),
            (reference, supported[supported["z"] < 0].sort_values("z", ascending=True)),
        ]
        if all(terms.empty for _, terms in sides):
            out.append(
                Finding(
                    f"{head}: no term is outside {band} with these documents; the two "
                    "sides cannot be told apart term by term.",
                    table=table_name,
                    row=row,
                    supported=False,
                )
            )
            continue
        for side, terms in sides:
            if terms.empty:
                out.append(
                    Finding(
                        f"{head}: on the side of {side}, no term is outside {band} with "
                        "these documents.",
                        table=table_name,
                        row=row,
                        supported=False,
                    )
                )
                continue
            named = [
                f"{t} (z = {fmt_num(z, 2)})"
                for t, z in zip(
                    terms["term"].head(max_terms), terms["z"].head(max_terms), strict=True
                )
            ]
            if len(terms) > max_terms:
                rest = len(terms) - max_terms
                named.append(f"{rest} other{'s' if rest > 1 else ''}")
            weakest = terms.iloc[-1]
            listed = join_names(named, limit=len(named))
            plural = "s" if len(terms) > 1 else ""
            if small:
                # token-level z with a handful of documents: name the terms, claim nothing
                # about the groups (analysis.evidence)
                text = (
                    f"{head}: {len(terms)} term{plural} distinctive of {side}, outside "
                    f"{band}: {listed}." + caveat
                )
            else:
                text = f"{head}: {len(terms)} term{plural} used more in {side}, outside {band}: {listed}."
            out.append(
                Finding(
                    text,
                    table=table_name,
                    row={**row, "term": str(weakest["term"])},
                    supported=not small,
                )
            )
    return out


def agreement_findings(table: pd.DataFrame, *, table_name: str) -> list[Finding]:
    """One sentence on how many top terms the keyness measures share.

    From :func:`analysis.keyness_agreement`: when every pair shares the same number of
    its ``top_n`` terms, ``"... share 15 of their top 15 terms, for every pair"``;
    otherwise the smallest and the largest overlap with their pairs. Compares no groups
    (``supported=None``); cites the pair of the smallest overlap.

    Parameters
    ----------
    table : DataFrame
        ``measure_a, measure_b, shared_top_terms, top_n``.
    table_name : str
        The saved table's name.

    Returns
    -------
    list of Finding
        Empty for an empty table.
    """
    cols = ["measure_a", "measure_b", "shared_top_terms", "top_n"]
    require_columns(table, cols, "agreement_findings", empty_ok=True)
    if table.empty:
        return []
    top_n = int(table["top_n"].iloc[0])
    shared = table["shared_top_terms"].astype(int)
    lo, hi = table.loc[shared.idxmin()], table.loc[shared.idxmax()]
    names = list(dict.fromkeys([*table["measure_a"], *table["measure_b"]]))

    def pair(r: pd.Series) -> str:
        return f"{MEASURE_NAMES.get(r['measure_a'], r['measure_a'])} and " + MEASURE_NAMES.get(
            r["measure_b"], r["measure_b"]
        )

    row = {"measure_a": lo["measure_a"], "measure_b": lo["measure_b"]}
    if shared.nunique() == 1:
        text = (
            f"The {len(names)} keyness measures ({join_names(MEASURE_NAMES.get(m, m) for m in names)}) "
            f"share {int(shared.iloc[0])} of their top {top_n} terms of the target, for every pair."
            if len(table) > 1
            else f"{pair(lo)} share {int(shared.iloc[0])} of their top {top_n} terms of the target."
        )
    else:
        text = (
            f"Pairs of keyness measures share between {int(lo['shared_top_terms'])} "
            f"({pair(lo)}) and {int(hi['shared_top_terms'])} ({pair(hi)}) of their top "
            f"{top_n} terms of the target."
        )
    return [Finding(text, table=table_name, row=row, supported=None)]


def keyword_findings(
    table: pd.DataFrame,
    *,
    table_name: str,
    column: str,
    top: int = 3,
    max_groups: int = 6,
    min_docs: int = MIN_DOCS,
) -> list[Finding]:
    """Sentences naming the top-ranked TF-IDF terms of each group, and the group sizes.

    TF-IDF ranks terms within a group; it is no test, so the sentence lists each group's
    ``top`` terms by ``rank`` as *characteristic terms* and compares nothing
    (``supported=None``). Groups are listed by number of documents (ties by their order in
    the table), at most ``max_groups``; the sentence counts the others. When groups
    hold fewer than ``min_docs`` documents, a second sentence names their sizes.

    Parameters
    ----------
    table : DataFrame
        From :func:`analysis.tfidf_keywords`: ``group, term, rank, n_docs``.
    table_name : str
        The saved table's name.
    column : str
        The grouping column (``"year"``), named in the sentence.
    top : int, default 3
        Terms named per group.
    max_groups : int, default 6
    min_docs : int, default :data:`analysis.evidence.MIN_DOCS`

    Returns
    -------
    list of Finding
    """
    require_columns(table, ["group", "term", "rank", "n_docs"], "keyword_findings", empty_ok=True)
    top = check_top_n(top, name="top", allow_none=False)
    max_groups = check_top_n(max_groups, name="max_groups", allow_none=False)
    min_docs = check_min_docs(min_docs)
    if table.empty:
        return [Finding(f"No group of {column} has a counted term.", table=table_name)]
    groups = table.drop_duplicates("group")[["group", "n_docs"]].reset_index(drop=True)
    groups["order"] = range(len(groups))
    shown = groups.sort_values(["n_docs", "order"], ascending=[False, True]).head(max_groups)
    shown = shown.sort_values("order")
    parts = []
    for g, n in zip(shown["group"], shown["n_docs"], strict=True):
        terms = table[(table["group"] == g) & (table["rank"] <= top)].sort_values("rank")["term"]
        parts.append(f"{g} ({_docs(n)}): {', '.join(map(str, terms))}")
    left = len(groups) - len(shown)
    scope = f"; {left} other group{'s' if left > 1 else ''} in the table" if left else ""
    out = [
        Finding(
            f"Characteristic terms by {column} (top {top} by TF-IDF, a description of the "
            f"texts, not a test): {'; '.join(parts)}{scope}.",
            table=table_name,
            row={"rank": 1},
        )
    ]
    small = groups[groups["n_docs"] < min_docs]
    if len(small) == len(groups):
        lo, hi = int(groups["n_docs"].min()), int(groups["n_docs"].max())
        span = _docs(lo) if lo == hi else f"{lo} to {hi:,} documents"
        out.append(
            Finding(
                f"Every group of {column} has fewer than {min_docs} documents ({span}): its "
                "keywords describe those documents, not the group in general.",
                table=table_name,
            )
        )
    elif len(small):
        named = [f"{g} ({_docs(n)})" for g, n in zip(small["group"], small["n_docs"], strict=True)]
        out.append(
            Finding(
                f"{len(small)} of {len(groups)} groups of {column} have fewer than {min_docs} "
                f"documents, so their keywords describe those documents: {join_names(named)}.",
                table=table_name,
            )
        )
    return out


def collocation_findings(
    table: pd.DataFrame,
    *,
    table_name: str,
    measure: str = "likelihood_ratio",
    top: int = 5,
) -> list[Finding]:
    """One sentence naming the top-ranked collocations of a :func:`analysis.collocations` table.

    Association scores rank word pairs (or triples) of the whole corpus; the sentence
    names the first ``top`` with their counts and compares no groups (``supported=None``).

    Parameters
    ----------
    table : DataFrame
        ``ngram, score, count``, sorted by score (as :func:`analysis.collocations` returns
        it).
    table_name : str
    measure : {"likelihood_ratio", "pmi"}
        Named in the sentence.
    top : int, default 5

    Returns
    -------
    list of Finding
    """
    require_columns(table, ["ngram", "score", "count"], "collocation_findings", empty_ok=True)
    top = check_top_n(top, name="top", allow_none=False)
    if measure not in _COLLOCATION_NAMES:
        raise AnalysisError(f"measure={measure!r} is not one of {', '.join(_COLLOCATION_NAMES)}")
    name = _COLLOCATION_NAMES[measure]
    if table.empty:
        return [
            Finding(
                f"No collocation passes the frequency filter of the {name} table.",
                table=table_name,
            )
        ]
    head = table.head(top)
    named = [f"{g} ({int(c)}×)" for g, c in zip(head["ngram"], head["count"], strict=True)]
    return [
        Finding(
            f"Top-ranked collocations by {name}, with their counts: {', '.join(named)}.",
            table=table_name,
            row={"ngram": str(head["ngram"].iloc[-1])},
        )
    ]
