"""Findings of the validation section: hand-coded precision and robustness to choices.

* :func:`coding_findings` reads :func:`analysis.coding_precision`'s tables: one sentence
  per theme with the number of coded hits, the number judged valid, the precision and
  its Wilson interval, and one on coder agreement when hits were coded twice; or, with
  no coded file, the sentence that the dictionary's precision is unknown and how to
  measure it. Precision is a share, not a comparison: these sentences rank nothing.
* :func:`robustness_findings` reads :func:`analysis.robustness`'s result: the share of
  specifications whose estimate has the baseline's sign and the share whose interval
  excludes zero, and the codebook entries whose removal flips the sign or loses support.
"""

from __future__ import annotations

import pandas as pd

from ..validation import require_columns
from ._base import Finding, fmt_num, join_names

__all__ = ["coding_findings", "robustness_findings"]


def _level(x: float) -> str:
    return f"{100 * float(x):g}%"


def coding_findings(
    precision: pd.DataFrame | None,
    agreement: pd.DataFrame | None = None,
    *,
    table_name: str | None,
    agreement_name: str | None = None,
    level: float = 0.95,
    sample_name: str | None = None,
) -> list[Finding]:
    """Sentences on the hand-coded precision of each theme (``supported=None``).

    Parameters
    ----------
    precision : DataFrame or None
        ``CodingResult.precision``; rows with ``level == "theme"`` are described. None:
        no coded file was given; the one sentence says so (and names ``sample_name``, the
        blank coding sheet written for the study, when given).
    agreement : DataFrame, optional
        ``CodingResult.agreement``; its ``level == "overall"`` rows give one sentence.
    table_name, agreement_name : str
        The saved tables' names.
    level : float
        The interval level of the table (for the wording).
    sample_name : str, optional
    """
    if precision is None:
        where = f" (a blank sheet is in tables/{sample_name}.csv)" if sample_name else ""
        return [
            Finding(
                "No hand-coded hits were given, so the precision of the codebook (the share "
                "of its hits that mean their theme) is unknown: code a sample of hits"
                f"{where}, valid yes or no, and give the file as the `coding` parameter."
            )
        ]
    need = ["level", "theme", "n_coded", "n_valid", "precision", "ci_low", "ci_high"]
    require_columns(precision, need, "coding_findings", empty_ok=True)
    out = []
    for r in precision[precision["level"] == "theme"].itertuples(index=False):
        raw = r.n_valid / r.n_coded if r.n_coded else float("nan")
        weighted = abs(raw - r.precision) > 1e-9
        kind = "weighted precision" if weighted else "precision"
        why = (
            " (the sample is stratified; weights restore each stratum's share of the hits)"
            if weighted
            else ""
        )
        out.append(
            Finding(
                f"Hand-coded precision of '{r.theme}': {int(r.n_valid)} of {int(r.n_coded)} "
                f"sampled hits judged valid, {kind} {fmt_num(r.precision, 2)}{why} "
                f"({_level(level)} Wilson interval {fmt_num(r.ci_low, 2)} to "
                f"{fmt_num(r.ci_high, 2)}).",
                table=table_name,
                row={"level": "theme", "theme": str(r.theme)},
            )
        )
    if agreement is not None and len(agreement):
        overall = agreement[agreement["level"] == "overall"]
        for r in overall.itertuples(index=False):
            out.append(
                Finding(
                    f"Coders {r.coder_a} and {r.coder_b} coded {int(r.n_hits)} hits both: "
                    f"they agree on {fmt_num(100 * r.agreement, 0)}% (Cohen's kappa "
                    f"{fmt_num(r.kappa, 2)}, Krippendorff's alpha {fmt_num(r.alpha, 2)}).",
                    table=agreement_name,
                    row={"level": "overall", "coder_a": str(r.coder_a), "coder_b": str(r.coder_b)},
                )
            )
    elif precision is not None and len(precision):
        out.append(
            Finding(
                "Every hit was coded by one coder, so agreement between coders is not "
                "measured; have a second coder code the same sheet to measure it."
            )
        )
    return out


def robustness_findings(
    result, *, table_name: str, entries_name: str | None = None, min_docs: int | None = None
) -> list[Finding]:
    """Sentences on how a comparison fares under other reasonable analytic choices.

    From a :class:`analysis.robustness.RobustnessResult`: one sentence with the baseline
    estimate and its interval, the number of specifications, the share with the
    baseline's sign and the share that are supported (interval excluding 0, enough
    documents on each side); when no specification has enough documents on both sides,
    the sentence says the curve shows estimates, not tests. One more sentence names the
    codebook entries whose removal flips the sign or loses support (the difference
    *rests on* them), or says that no single entry carries it. The shares describe
    sensitivity; they compare no groups (``supported=None``).

    Parameters
    ----------
    result : RobustnessResult
    table_name : str
        The saved specifications table's name, cited by the summary sentence.
    entries_name : str, optional
        The saved leave-one-entry-out table's name.
    min_docs : int, optional
        For the wording of the small-groups sentence.
    """
    summary = result.summary.iloc[0]
    table = result.table
    need = ["estimate", "ci_low", "ci_high", "n_docs_target", "n_docs_reference", "supported"]
    require_columns(table, need, "robustness_findings", empty_ok=True)
    n = int(summary["n_specs"])
    what = str(summary["comparison"])
    base = f"baseline {fmt_num(summary['baseline_estimate'], 3)}" + (
        f" (interval {fmt_num(summary['baseline_ci_low'], 3)} to "
        f"{fmt_num(summary['baseline_ci_high'], 3)})"
        if pd.notna(summary["baseline_ci_low"])
        else ""
    )
    floor = min_docs if min_docs is not None else "enough"
    enough = (table[["n_docs_target", "n_docs_reference"]].min(axis=1) >= (min_docs or 0)).any()
    if min_docs is not None and not enough:
        text = (
            f"{what}: {base}; under {n} specifications of the analytic choices the estimate "
            f"keeps the baseline's sign in {_pct(summary['share_same_sign'])}, but no "
            f"specification has {floor} documents on each side, so the curve shows "
            "estimates, not tests."
        )
    else:
        text = (
            f"{what}: {base}; of {n} specifications of the analytic choices, "
            f"{_pct(summary['share_same_sign'])} keep the baseline's sign and "
            f"{_pct(summary['share_supported_same_sign'])} keep it with an interval that "
            "excludes zero."
        )
    out = [Finding(text, table=table_name, row={"baseline": True})]
    entries = result.entries
    if entries is not None and len(entries) and entries_name:
        rests = entries[entries["rests_on"].astype(bool)]
        if len(rests):
            names = join_names([repr(e) for e in rests["entry"]], limit=6)
            flips, loses = rests["flips_sign"].astype(bool), rests["loses_support"].astype(bool)
            how = (
                "the sign flips"
                if flips.all()
                else "the interval no longer excludes zero"
                if loses.all() and not flips.any()
                else "the sign flips or the interval no longer excludes zero"
            )
            out.append(
                Finding(
                    f"{what}: the difference rests on {names}: without "
                    f"{'it' if len(rests) == 1 else 'any one of them'} {how}.",
                    table=entries_name,
                    row={"entry": str(rests["entry"].iloc[0])},
                )
            )
        else:
            top = entries.iloc[0]
            out.append(
                Finding(
                    f"{what}: no single codebook entry carries the difference; leaving out "
                    f"any one entry changes the estimate by at most "
                    f"{fmt_num(abs(top['change']), 3)} (without {top['entry']!r}).",
                    table=entries_name,
                    row={"entry": str(top["entry"])},
                )
            )
    return out


def _pct(x: float) -> str:
    return "n/a" if pd.isna(x) else f"{100 * float(x):.0f}%"
