"""Findings of the context section, generated from its tables.

* :func:`context_keyness_findings` reads a table of :func:`analysis.context_keyness`
  (one comparison, or several concatenated) and names, for each side, the context words
  that are ``supported``: outside the noise band, with a bootstrap interval over
  documents that excludes zero, and at least ``min_docs`` documents on both sides. The
  word "more" appears only in those sentences, which cite the weakest listed row. A
  side with fewer documents is described without comparison.
* :func:`context_shift_findings` reads a table of :func:`analysis.context_shift` and says,
  for each group, whether its mean context embedding of the target differs from the
  reference's beyond what random groups of the same documents produce (the permutation
  test), with the norm, its interval and the documents on each side. It never ranks the
  groups (a norm is a distance, not a direction).
"""

from __future__ import annotations

import pandas as pd

from ..compare import critical_z
from ..evidence import MIN_DOCS, check_min_docs
from ..validation import check_top_n, require_columns
from ._base import Finding, fmt_num, join_names

__all__ = ["context_keyness_findings", "context_shift_findings"]


def _docs(n: int) -> str:
    return f"{int(n):,} document{'' if int(n) == 1 else 's'}"


def _occ(n: int) -> str:
    return f"{int(n):,} occurrence{'' if int(n) == 1 else 's'}"


def _level(x: float) -> str:
    return f"{100 * float(x):g}%"


def context_keyness_findings(
    table: pd.DataFrame,
    *,
    table_name: str,
    max_terms: int = 6,
    min_docs: int = MIN_DOCS,
) -> list[Finding]:
    """Sentences on the context words that separate the groups around a target.

    For each comparison (``target``, ``reference``) and each side, the terms with
    ``supported`` True, by ``|z|``: ``"Near 'sovereignty', the words used more in China
    (6 documents, 41 occurrences) than in the other 2 sources (12 documents):
    territorial (z = 3.10, 95% interval of the log-odds 0.41 to 1.20), ..."``, citing the
    listed term of the smallest ``|z|`` (``supported=True``). A side without such a term
    gets a sentence without comparison (``supported=False``). When a side has fewer than
    ``min_docs`` documents, one sentence says that the comparison is shown, not
    summarised: one sentence per target word lists those comparisons and names no term.

    Parameters
    ----------
    table : DataFrame
        From :func:`analysis.context_keyness`: ``term, z, ci_low, ci_high, target,
        reference, n_docs_target, n_docs_reference, n_occurrences_target,
        n_occurrences_reference, level, supported, context_target``.
    table_name : str
        The saved table's name, cited by every Finding.
    max_terms : int, default 6
        Terms named per side; the others are counted.
    min_docs : int, default :data:`analysis.evidence.MIN_DOCS`

    Returns
    -------
    list of Finding
    """
    need = [
        "term", "z", "ci_low", "ci_high", "target", "reference", "n_docs_target",
        "n_docs_reference", "n_occurrences_target", "n_occurrences_reference", "level",
        "supported", "context_target",
    ]  # fmt: skip
    require_columns(table, need, "context_keyness_findings", empty_ok=True)
    max_terms = check_top_n(max_terms, name="max_terms", allow_none=False)
    min_docs = check_min_docs(min_docs)
    out: list[Finding] = []
    small: dict[str, list] = {}  # target word -> its comparisons with a side below min_docs
    keys = table[["context_target", "target", "reference"]].astype(str)
    pairs = list(keys.drop_duplicates().itertuples(index=False, name=None))  # in order
    for word_key, target, reference in pairs:
        rows = table[
            (keys["context_target"] == word_key)
            & (keys["target"] == target)
            & (keys["reference"] == reference)
        ]
        first = rows.iloc[0]
        word = str(first["context_target"])
        n_t, n_r = int(first["n_docs_target"]), int(first["n_docs_reference"])
        o_t, o_r = int(first["n_occurrences_target"]), int(first["n_occurrences_reference"])
        level = _level(first["level"])
        z_crit = critical_z(float(first["level"]))
        row = {"context_target": word, "target": target, "reference": reference}
        sizes = f"{target} ({_docs(n_t)}, {_occ(o_t)}) and {reference} ({_docs(n_r)}, {_occ(o_r)})"
        if min(n_t, n_r) < min_docs:
            small.setdefault(word, []).append((target, n_t, row))
            continue
        supported = rows[rows["supported"].astype(bool)]
        sides = [
            (target, reference, supported[supported["z"] > 0].sort_values("z", ascending=False)),
            (reference, target, supported[supported["z"] < 0].sort_values("z")),
        ]
        if all(terms.empty for *_, terms in sides):
            out.append(
                Finding(
                    f"Near '{word}': no context word separates {sizes} (every term is "
                    f"inside the noise band |z| < {z_crit:.2f} or has a {level} bootstrap "
                    "interval that includes zero).",
                    table=table_name,
                    row=row,
                    supported=False,
                )
            )
            continue
        for side, other, terms in sides:
            if terms.empty:
                continue
            named = [
                f"{r.term} (z = {fmt_num(r.z, 2)}, {level} interval {fmt_num(r.ci_low, 2)} "
                f"to {fmt_num(r.ci_high, 2)})"
                for r in terms.head(max_terms).itertuples(index=False)
            ]
            if len(terms) > max_terms:
                rest = len(terms) - max_terms
                named.append(f"{rest} other{'s' if rest > 1 else ''}")
            weakest = terms.iloc[-1]
            out.append(
                Finding(
                    f"Near '{word}', words used more in {side} than in {other} "
                    f"({sizes}): {join_names(named, limit=len(named))}.",
                    table=table_name,
                    row={**row, "term": str(weakest["term"])},
                    supported=True,
                )
            )
    for word, pairs in small.items():
        groups = join_names([f"{t}: {_docs(n)}" for t, n, _ in pairs], limit=len(pairs))
        out.append(
            Finding(
                f"Near '{word}', {len(pairs)} comparison{'s' if len(pairs) > 1 else ''} "
                f"of a group against the others ({groups} with the target) "
                f"{'have' if len(pairs) > 1 else 'has'} fewer than {min_docs} documents on "
                "a side: the context words are shown in the table and figures, not compared.",
                table=table_name,
                row=pairs[0][2],
                supported=False,
            )
        )
    return out


def context_shift_findings(
    table: pd.DataFrame | None,
    *,
    table_name: str | None,
    note: str | None = None,
) -> list[Finding]:
    """Sentences on whether each group's context of the target differs from the reference.

    One sentence per tested row of :func:`analysis.context_shift`: the norm of the
    difference of mean embeddings with its interval, the permutation p-value and the
    documents on each side. A row with ``supported`` True says the contexts *differ* (the
    permutation test, Holm-adjusted over the groups of the table, rejects exchangeable
    groups at the table's level); otherwise the
    sentence says they cannot be told apart. One more sentence lists the groups with too
    few documents for a test.
    ``table=None`` with a ``note`` (why embeddings were skipped) gives that note as the
    one finding.

    Parameters
    ----------
    table : DataFrame or None
        ``group, reference, target, norm, ci_low, ci_high, p_value, n_perm, level,
        supported, n_docs, n_docs_reference``.
    table_name : str or None
    note : str, optional

    Returns
    -------
    list of Finding
    """
    if table is None:
        return [Finding(note)] if note else []
    need = [
        "group", "reference", "target", "norm", "ci_low", "ci_high", "p_value", "n_perm",
        "level", "supported", "n_docs", "n_docs_reference",
    ]  # fmt: skip
    require_columns(table, need, "context_shift_findings", empty_ok=True)
    out: list[Finding] = []
    untested = table[table["p_value"].isna()]
    n_tests = int(table["p_value"].notna().sum())
    for r in table[table["p_value"].notna()].itertuples(index=False):
        word, level = str(r.target), _level(r.level)
        sizes = f"{_docs(r.n_docs)} and {_docs(r.n_docs_reference)}"
        row = {"target": word, "group": str(r.group), "reference": str(r.reference)}
        head = f"The contexts of '{word}' in {r.group} against {r.reference} ({sizes})"
        adjusted = getattr(r, "p_adjusted", float("nan"))
        holm = (
            f", {adjusted:.3g} after Holm's adjustment for the {n_tests} groups tested"
            if n_tests > 1 and pd.notna(adjusted)
            else ""
        )
        stats = (
            f"norm of the difference {fmt_num(r.norm, 3)}, {level} interval "
            f"{fmt_num(r.ci_low, 3)} to {fmt_num(r.ci_high, 3)}; permutation p = "
            f"{r.p_value:.3g} over {int(r.n_perm):,} permutations of the documents{holm}"
        )
        if bool(r.supported):
            text = f"{head} differ beyond what random groups of these documents give ({stats})."
        else:
            text = f"{head} cannot be told apart from random groups of these documents ({stats})."
        out.append(Finding(text, table=table_name, row=row, supported=bool(r.supported)))
    if len(untested):
        first = untested.iloc[0]
        groups = join_names(
            [
                f"{g} ({_docs(n)})"
                for g, n in zip(untested["group"], untested["n_docs"], strict=True)
            ],
            limit=6,
        )
        out.append(
            Finding(
                f"The contexts of '{first['target']}' in {groups} against "
                f"{first['reference']} ({_docs(first['n_docs_reference'])}): "
                + (
                    "no permutation test was run (n_perm=0)."
                    if int(first["n_perm"]) == 0
                    else "too few documents for an interval or a permutation test."
                ),
                table=table_name,
                row={"target": str(first["target"]), "group": str(first["group"])},
                supported=False,
            )
        )
    return out
