"""Choosing the number of topics from :func:`~analysis.topics.select_k`'s table by a rule.

:func:`choose_k` applies a documented rule to the per-k means of the selection metrics
and returns a :class:`KChoice`: the chosen k, the rule in words, whether the topics at
that k are stable across seeds, and the table of per-k means it was chosen from.

References
----------
Greene, O'Callaghan & Cunningham (2014), How many topics? Stability analysis for topic
models. Röder, Both & Hinneburg (2015), Exploring the space of topic coherence measures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import AnalysisError
from ..validation import check_choice, require_columns

__all__ = ["RULES", "KChoice", "choose_k"]

#: The rules :func:`choose_k` knows, with their wording (``{t}``: the stability threshold).
RULES = {
    "npmi_stable": (
        "the k with the top mean NPMI among the k whose mean stability across seeds reaches "
        "{t}; ties go to the fewest topics"
    ),
    "npmi": "the k with the top mean NPMI; ties go to the fewest topics",
}

_METRICS = ("npmi", "umass", "diversity", "stability")


@dataclass(frozen=True)
class KChoice:
    """The number of topics chosen by :func:`choose_k`, and the evidence for it.

    Attributes
    ----------
    k : int
        The chosen number of topics.
    rule : str
        The rule's name (a key of :data:`RULES`).
    rule_text : str
        The rule in words, with the threshold filled in.
    passed : bool
        Whether the chosen k's mean stability reaches ``min_stability``. For
        ``"npmi_stable"``, False means that no k passed and the rule fell back to the
        top mean NPMI over all k: the topics are unstable (other seeds find partly
        different topics). Always False when stability was not measured (one seed).
    min_stability : float
        The stability threshold.
    table : DataFrame
        One row per k, sorted by k: ``k``, the mean over seeds of each metric column of
        the selection table (``npmi``, ``umass``, ``diversity``, ``stability``, those
        present), ``n_seeds``, ``passes`` (mean stability >= ``min_stability``) and
        ``chosen`` (True on the chosen k's row).
    """

    k: int
    rule: str
    rule_text: str
    passed: bool
    min_stability: float
    table: pd.DataFrame

    @property
    def unstable(self) -> bool:
        """True when the chosen k's topics do not reach the stability threshold."""
        return not self.passed

    def row(self, k: int | None = None) -> pd.Series | None:
        """The per-k means of ``k`` (default: the chosen k), or None if k was not scored."""
        k = self.k if k is None else int(k)
        hit = self.table[self.table["k"] == k]
        return None if hit.empty else hit.iloc[0]


def choose_k(
    selection: pd.DataFrame, *, min_stability: float = 0.7, rule: str = "npmi_stable"
) -> KChoice:
    """Choose the number of topics from the table of :func:`select_k` by a stated rule.

    The metrics are first averaged over seeds for each k (``mean_s npmi[k, s]`` and so
    on; NaN values, e.g. the stability of a single seed, are skipped). Then:

    ``"npmi_stable"`` (default)
        Among the k whose mean stability is at least ``min_stability`` (the
        Jaccard-based agreement of the top terms across seeds, Greene, O'Callaghan &
        Cunningham 2014), take the one with the top mean NPMI (Bouma 2009; Röder, Both
        & Hinneburg 2015)::

            k* = argmax { npmi(k) : stability(k) >= min_stability }

        Coherence alone favours a k whose topics a different seed would not reproduce;
        stability alone favours few, broad topics. When no k reaches the threshold, the
        k with the top mean NPMI over all k is returned with ``passed=False``: the
        topics are unstable and should be read as one of several possible solutions.
    ``"npmi"``
        The k with the top mean NPMI, ignoring stability; ``passed`` still says whether
        its stability reaches ``min_stability``.

    Ties (mean NPMI equal to 12 decimals) go to the smaller k: with equal coherence,
    fewer topics are the simpler description.

    Parameters
    ----------
    selection : DataFrame
        :func:`select_k`'s table: ``k``, ``npmi`` and ``stability`` (``umass``,
        ``diversity`` and ``seed`` optional), one row per (k, seed).
    min_stability : float, default 0.7
        Stability threshold in [0, 1]. 0.7 is a common reading of "most seeds find the
        same top terms" for the Jaccard agreement; it is a convention, not a test.
    rule : {"npmi_stable", "npmi"}, default "npmi_stable"

    Returns
    -------
    KChoice
        The chosen ``k``, ``rule``, ``rule_text``, ``passed``, ``min_stability`` and the
        per-k ``table``.
    """
    rule = check_choice("rule", rule, tuple(RULES))
    if (
        isinstance(min_stability, bool)
        or not isinstance(min_stability, int | float | np.number)
        or not 0.0 <= float(min_stability) <= 1.0
    ):
        raise AnalysisError(f"min_stability={min_stability!r} must be a number between 0 and 1")
    min_stability = float(min_stability)
    require_columns(selection, ("k", "npmi", "stability"), "choose_k")
    metrics = [c for c in _METRICS if c in selection.columns]
    grouped = selection.groupby("k", sort=True)
    table = grouped[metrics].mean().reset_index()
    table["k"] = table["k"].astype(np.int64)
    table["n_seeds"] = grouped.size().to_numpy().astype(np.int64)
    table["passes"] = (table["stability"] >= min_stability).to_numpy(dtype=bool)
    scored = table[table["npmi"].notna()]
    if scored.empty:
        raise AnalysisError("selection has no NPMI value for any k; check the select_k table")
    pool = scored[scored["passes"]] if rule == "npmi_stable" else scored
    if pool.empty:
        pool = scored
    best = pool["npmi"].round(12)
    k = int(pool.loc[best == best.max(), "k"].min())
    table["chosen"] = table["k"] == k
    passed = bool(table.loc[table["chosen"], "passes"].iloc[0])
    return KChoice(
        k=k,
        rule=rule,
        rule_text=RULES[rule].format(t=f"{min_stability:g}"),
        passed=passed,
        min_stability=min_stability,
        table=table,
    )
