"""Findings of the topics section, generated from its tables.

- :func:`k_choice_findings`: the model, how k was chosen (the rule, or fixed by the
  user), the selection metrics at that k and whether its topics are stable, from
  :func:`analysis.topics.choose_k`'s per-k table (saved as ``topics-k-choice``).
- :func:`topic_label_findings`: the topics' labels, from ``topics-overview``.
- :func:`topic_leader_findings`: per group, whether one topic's share is
  distinguishable from the runner-up's, from :func:`analysis.topics.topic_leaders`
  (saved as ``topics-leaders-<column>``). A sentence says a topic "has a larger share
  than every other topic" only on a row whose ``supported`` is True; every other group is reported as
  one whose topics' shares cannot be told apart with this many documents.

Every number in a sentence is the table's value, rounded (``fmt_num``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from ..evidence import MIN_DOCS
from ._base import Finding, fmt_num, join_names

__all__ = ["k_choice_findings", "topic_label_findings", "topic_leader_findings"]

#: Groups named in a summary sentence before "and N others".
LIST_LIMIT = 8

#: Name of the test in the leader sentences (see :func:`analysis.topics.topic_leaders`).
LEADER_TEST = "paired document bootstrap"


def _num(x: object, digits: int = 2) -> str:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return "n/a"
    return fmt_num(x, digits)


def _scalar(v: object) -> object:
    """A numpy scalar as the Python value (so a finding's row is plain JSON)."""
    return v.item() if hasattr(v, "item") else v


def _pct(level: float) -> str:
    return f"{float(level) * 100:g}%"


def _docs(n: int) -> str:
    n = int(n)
    return f"{n} document{'s' if n != 1 else ''}"


def k_choice_findings(
    choice,
    *,
    k: int | None = None,
    method: str,
    unit: str,
    n_units: int,
    n_docs: int,
    skipped: Sequence[int] = (),
    units_per_topic: int = 2,
    table: str = "topics-k-choice",
    n_fitted: int | None = None,
) -> list[Finding]:
    """How many topics the model has, and why.

    Parameters
    ----------
    choice : analysis.topics.KChoice
        :func:`analysis.topics.choose_k`'s result; its ``table`` is the one saved as
        ``table`` and cited by the sentences.
    k : int, optional
        The k fixed by the user; None when the rule chose it (``choice.k``).
    method, unit : str
        The model (``"nmf"``, ``"lda"``) and the unit it was fitted on.
    n_units, n_docs : int
        Units fitted and documents they come from.
    skipped : sequence of int
        The k that :func:`analysis.select_k` skipped for having too few units
        (``selection.attrs["skipped_k"]``).
    units_per_topic : int, default 2
        The units each topic needs (:data:`analysis.topics.UNITS_PER_TOPIC`).
    table : str, default "topics-k-choice"
    n_fitted : int, optional
        The units :func:`analysis.select_k` fitted on (``selection.attrs["n_fitted"]``);
        when fewer than ``n_units`` (its ``sample``), a sentence says so, and that
        another sample can choose another k: on the full UN General Debate, three draws
        of 5,000 speeches chose k = 6, 5 and 5 (benchmarks/README.md, "A smaller
        ``k_sample`` would not help").

    Returns
    -------
    list of Finding
        The model and how k was chosen; the metrics at k (cites ``table``, row
        ``{"k": k}``); when the topics at k do not reach the stability threshold, a
        sentence saying they are unstable; the k not fitted, if any.
    """
    fixed = k is not None
    k = int(choice.k if k is None else k)
    t = fmt_num(choice.min_stability, 2)
    out = []
    model = f"{method.upper()} topic model with k={k} topics on {n_units} {unit} units of {_docs(n_docs)}"
    if fixed and k == choice.k:
        how = f"k was fixed by the user and equals the rule's choice ({choice.rule_text})"
    elif fixed:
        how = f"k was fixed by the user; the rule ({choice.rule_text}) gives k={choice.k}"
    else:
        how = f"k was chosen by the rule: {choice.rule_text}"
    out.append(Finding(f"{model}; {how}.", table=table, row={"k": k}))
    if n_fitted is not None and n_fitted < n_units:
        out.append(
            Finding(
                f"The candidate k were fitted on a random sample of {n_fitted:,} of the "
                f"{n_units:,} units (coherence counted over all of them); the model with "
                f"k={k} is fitted on all {n_units:,}. Another random sample can choose "
                "another k; fitting the candidates on all units removes that dependence."
            )
        )
    row = choice.row(k)
    if row is None:
        scored = ", ".join(str(int(v)) for v in choice.table["k"])
        why = (
            f"k={k} was not scored: {n_units} units, and k topics need {units_per_topic}k units"
            if n_units < units_per_topic * k
            else f"k={k} was not among the k scored ({scored})"
        )
        out.append(
            Finding(
                f"{why}, so its selection metrics are not available and its stability across "
                "seeds is unknown."
            )
        )
    else:
        parts = [f"NPMI {_num(row['npmi'])}"]
        for col, name in (("umass", "UMass"), ("diversity", "diversity")):
            if col in row.index:
                parts.append(f"{name} {_num(row[col])}")
        parts.append(f"stability {_num(row['stability'])}")
        out.append(
            Finding(
                f"At k={k}, mean over {int(row['n_seeds'])} seeds: {', '.join(parts)}.",
                table=table,
                row={"k": k},
            )
        )
        stab = float(row["stability"])
        if math.isnan(stab):
            out.append(
                Finding(
                    f"Stability across seeds was not measured (one seed), so whether other "
                    f"seeds find the same {k} topics is unknown; treat them as unstable.",
                    table=table,
                    row={"k": k},
                )
            )
        elif stab < choice.min_stability:
            lead = ""
            if not fixed and not choice.table["passes"].any():
                lead = f"No k reaches mean stability {t}. "
            out.append(
                Finding(
                    f"{lead}The topics at k={k} are unstable: mean stability across seeds is "
                    f"{_num(stab)}, under the threshold {t}, so other seeds find partly "
                    "different topics.",
                    table=table,
                    row={"k": k},
                )
            )
    if len(skipped):
        ks = ", ".join(str(int(v)) for v in skipped)
        out.append(
            Finding(
                f"k={ks} not fitted: {n_units} units, and k topics need {units_per_topic}k units."
            )
        )
    return out


def topic_label_findings(
    overview: pd.DataFrame, *, table: str = "topics-overview"
) -> list[Finding]:
    """The topics' labels (each topic's three heaviest terms), from ``topics-overview``."""
    items = "; ".join(f"{int(r.topic)}: {r.label}" for r in overview.itertuples())
    return [Finding(f"Topics (labelled by their three heaviest terms): {items}.", table=table)]


def topic_leader_findings(
    leaders: pd.DataFrame,
    *,
    column: str,
    table: str | None = None,
    level: float | None = None,
    min_docs: int | None = None,
    max_listed: int = 6,
) -> list[Finding]:
    """Per group, the leading topic where the test supports it; otherwise that it cannot.

    Parameters
    ----------
    leaders : DataFrame
        :func:`analysis.topics.topic_leaders` for one grouping column.
    column : str
        The grouping column (named in every sentence).
    table : str, optional
        The saved table's name (default ``"topics-leaders-<column>"``).
    level, min_docs : optional
        Default: ``leaders.attrs`` (as set by ``topic_leaders``), else 0.95 and
        :data:`analysis.evidence.MIN_DOCS`.
    max_listed : int, default 6
        Groups whose difference was tested but not supported get one sentence each
        (with their difference and interval) when there are at most this many; more
        are summarised in one sentence that names them.

    Returns
    -------
    list of Finding
        One sentence per supported group (``supported=True``, cites ``table`` and
        ``{"group": g}``: "has a larger share than every other topic"); the tested groups whose interval
        includes 0 (``supported=False``, "cannot be told apart"); one sentence naming
        the groups below ``min_docs`` documents (``supported=False``); one for groups
        without a bootstrap (``n_boot=0``).
    """
    table = table or f"topics-leaders-{column}"
    level = float(level if level is not None else leaders.attrs.get("level", 0.95))
    min_docs = int(min_docs if min_docs is not None else leaders.attrs.get("min_docs", MIN_DOCS))
    ci = f"{_pct(level)} CI"
    out: list[Finding] = []
    small = leaders[leaders["n_docs"] < min_docs]
    rest = leaders[leaders["n_docs"] >= min_docs]
    untested = rest[rest["ci_low"].isna()]
    tested = rest[rest["ci_low"].notna()]
    supported = tested[tested["supported"].astype(bool)]
    apart = tested[~tested["supported"].astype(bool)]
    for r in supported.itertuples():
        out.append(
            Finding(
                f"{column} = {r.group} ({_docs(r.n_docs)}): topic {r.topic} ({r.label}) has a "
                f"larger share than every other topic, {_num(r.prevalence)} against "
                f"{_num(r.runner_up_prevalence)} for the runner-up, topic {r.runner_up} "
                f"({r.runner_up_label}); difference {_num(r.diff)}, {ci} {_num(r.ci_low)} to "
                f"{_num(r.ci_high)} ({LEADER_TEST}).",
                table=table,
                row={"group": _scalar(r.group)},
                supported=True,
            )
        )
    if len(apart) <= max_listed:
        for r in apart.itertuples():
            out.append(
                Finding(
                    f"{column} = {r.group} ({_docs(r.n_docs)}): the shares of topic {r.topic} "
                    f"({_num(r.prevalence)}) and topic {r.runner_up} "
                    f"({_num(r.runner_up_prevalence)}) cannot be told apart with this many "
                    f"documents (difference {_num(r.diff)}, {ci} {_num(r.ci_low)} to "
                    f"{_num(r.ci_high)}, {LEADER_TEST}).",
                    table=table,
                    row={"group": _scalar(r.group)},
                    supported=False,
                )
            )
    else:
        names = join_names(
            [f"{g} (n={n})" for g, n in zip(apart["group"], apart["n_docs"], strict=True)],
            limit=LIST_LIMIT,
        )
        out.append(
            Finding(
                f"{column}: in {len(apart)} of {len(leaders)} groups ({names}) the shares of the "
                f"top two topics cannot be told apart with this many documents (the {ci} of "
                f"their difference includes 0, {LEADER_TEST}; see {table}).",
                table=table,
                supported=False,
            )
        )
    if len(small):
        names = join_names(
            [f"{g} (n={n})" for g, n in zip(small["group"], small["n_docs"], strict=True)],
            limit=LIST_LIMIT,
        )
        out.append(
            Finding(
                f"{column}: {names} {'has' if len(small) == 1 else 'have'} under {min_docs} "
                "documents, so topic shares are shown per document, without an interval, and "
                "the topics' shares cannot be told apart with this many documents.",
                table=table,
                supported=False,
            )
        )
    if len(untested):
        names = join_names([str(g) for g in untested["group"]], limit=LIST_LIMIT)
        out.append(
            Finding(
                f"{column}: no bootstrap was run (n_boot=0), so the topics' shares in {names} "
                "are not compared.",
                table=table,
                supported=False,
            )
        )
    return out
