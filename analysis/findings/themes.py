"""Findings of the themes section, generated from its tables.

Two kinds of sentence, both computed only from the tables a notebook saves:

* :func:`theme_comparison_findings`: for each focus theme and grouping column, what
  :func:`analysis.theme_comparisons` supports. A group is said to have "the highest
  rate" and to be "higher than" others only for the comparisons whose ``supported`` is
  True (permutation test, Holm-adjusted, at the table's ``alpha``); otherwise the
  sentence says the groups cannot be told apart with these documents, with the numbers
  that say why (how many groups have at least ``min_docs`` documents, the range of the
  rates) and no comparative word.
* :func:`theme_carrier_findings`: which entries carry a theme (their share of the
  theme's hits, from :func:`analysis.theme_contributions`), and a flag when over half
  of the hits come from entries outside the theme's ``core``: the rate then measures
  related vocabulary rather than the concept (the validity check that dictionary
  methods need; Grimmer & Stewart 2013, "Text as data", *Political Analysis* 21(3)).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from ..evidence import MIN_DOCS
from ._base import Finding, fmt_num, join_names

__all__ = ["theme_comparison_findings", "theme_carrier_findings", "fmt_p", "fmt_pct"]

#: Share of a theme's hits from entries outside its core above which a finding flags it.
NON_CORE_FLAG = 0.5


def fmt_p(p: float) -> str:
    """A p-value with four decimals (``0.0002``); NaN -> ``"n/a"``."""
    return "n/a" if p != p else f"{p:.4f}"


def fmt_pct(share: float) -> str:
    """A share as a whole percentage (``0.724`` -> ``"72%"``)."""
    return f"{round(100 * share):d}%"


def _interval(lo: float, hi: float, level: float) -> str:
    if lo != lo or hi != hi:
        return ""
    return f", {level * 100:g}% CI {fmt_num(lo)}-{fmt_num(hi)}"


def _label(rates: pd.DataFrame, theme: str) -> str:
    r = rates.loc[rates["theme"] == theme, "label"]
    return str(r.iloc[0]) if len(r) else theme


def theme_comparison_findings(
    rates: pd.DataFrame,
    comparisons: pd.DataFrame,
    *,
    by: str,
    themes: Sequence[str],
    min_docs: int = MIN_DOCS,
    level: float = 0.95,
    contributions: pd.DataFrame | None = None,
    cores: Mapping[str, Sequence[str]] | None = None,
    table: str | None = None,
) -> list[Finding]:
    """One sentence per theme on how the groups of ``by`` compare, as far as supported.

    Parameters
    ----------
    rates : DataFrame
        :func:`analysis.theme_rates` grouped by ``by``.
    comparisons : DataFrame
        :func:`analysis.theme_comparisons` grouped by ``by``, with the same
        ``min_docs``; its ``supported`` column decides what a sentence may claim.
    by : str
        The grouping column's name, as printed ("Friendship by year: ...").
    themes : list of str
        Theme ids, one sentence each, in this order.
    min_docs : int, default 5
        The ``min_docs`` the tables were computed with (printed in the sentences).
    level : float, default 0.95
        Coverage of the rates' intervals (printed as "95% CI").
    contributions : DataFrame, optional
        :func:`analysis.theme_contributions` grouped by ``by``: with ``cores``, a
        supported sentence also says which share of the named group's hits come from
        entries outside the theme's core, when that share is over one half.
    cores : mapping, optional
        Theme id -> its ``core`` entries (themes without a core get no flag).
    table : str, optional
        Name of the saved comparisons table (default ``themes-comparisons-by-<by>``).

    Returns
    -------
    list of Finding
        When every tested comparison is supported: "<Label> by <by>: <g> has the highest
        rate (x per 1,000 words, 95% CI a-b, n=N) -- higher than <groups> (permutation
        test, Holm-adjusted p=...)."; when only some are: "the rate of <g> (...) is higher
        than that of <groups> (...). It cannot be told apart from <others> (...)." Both cite
        the supported row with the largest adjusted p-value (``supported=True``).
        Otherwise: "<Label> by <by>: the N groups cannot be told apart with these documents
        (k of N groups reach the m documents a test needs; rates from a to b per 1,000
        words)." citing ``{by, theme}`` (``supported=False``). No sentence uses a word of
        :data:`analysis.evidence.COMPARATIVE_WORDS` unless it is supported.
    """
    table = table or f"themes-comparisons-by-{by}"
    out = []
    for theme in themes:
        r = rates[rates["theme"] == theme]
        label = _label(rates, theme)
        c = comparisons[comparisons["theme"] == theme]
        n_groups = len(r)
        if n_groups < 2:
            if n_groups == 1:
                row = r.iloc[0]
                out.append(
                    Finding(
                        f"{label} by {by}: one group ({row['group']}), "
                        f"{fmt_num(row['rate_per_1k'])} per 1,000 words "
                        f"(n={int(row['n_docs'])}); nothing to compare.",
                        table=table,
                        row={"by": by, "theme": theme},
                        supported=False,
                    )
                )
            continue
        k = int((r["n_docs"] >= min_docs).sum())
        sup = c[c["supported"].astype(bool)]
        if len(sup):
            out.append(
                _supported_sentence(
                    label,
                    by,
                    theme,
                    c,
                    sup,
                    k,
                    n_groups,
                    min_docs,
                    level,
                    table,
                    contributions if (cores or {}).get(theme) else None,
                )  # fmt: skip
            )
            continue
        tested = c[c["test"] == "permutation"]
        text = (
            f"{label} by {by}: the {n_groups} groups cannot be told apart with these "
            f"documents ({k} of {n_groups} groups reach the {min_docs} documents a test needs; rates "
            f"from {fmt_num(r['rate_per_1k'].min())} to {fmt_num(r['rate_per_1k'].max())} "
            "per 1,000 words"
        )
        if len(tested):
            ps = tested["p_adjusted"]
            span = (
                fmt_p(ps.min())
                if ps.min() == ps.max()
                else f"{fmt_p(ps.min())} to {fmt_p(ps.max())}"
            )
            text += f"; permutation tests, Holm-adjusted p={span}"
        out.append(
            Finding(text + ").", table=table, row={"by": by, "theme": theme}, supported=False)
        )
    return out


def _supported_sentence(label, by, theme, c, sup, k, n_groups, min_docs, level, table, contrib):
    lead = sup.iloc[0]
    apart = c[(c["test"] == "permutation") & ~c["supported"].astype(bool)]
    rate = (
        f"{fmt_num(lead['rate_a'])} per 1,000 words"
        f"{_interval(lead['ci_low_a'], lead['ci_high_a'], level)}, n={int(lead['n_a'])}"
    )
    versus = (
        f"{join_names(sup['group_b'], limit=8)} (permutation test, Holm-adjusted "
        f"p={', '.join(fmt_p(p) for p in sup['p_adjusted'])})."
    )
    if apart.empty:  # "highest" only when every tested comparison supports it
        scope = "" if k == n_groups else f" of the {k} groups that reach {min_docs} documents"
        text = f"{label} by {by}: {lead['group_a']} has the highest rate{scope} ({rate}) -- higher than {versus}"
    else:
        text = f"{label} by {by}: the rate of {lead['group_a']} ({rate}) is higher than that of {versus}"
    if len(apart):
        text += (
            f" It cannot be told apart from {join_names(apart['group_b'], limit=8)} "
            f"(Holm-adjusted p={', '.join(fmt_p(p) for p in apart['p_adjusted'])})."
        )
    untested = c[c["test"] != "permutation"]
    if len(untested):
        text += (
            f" Not tested (under {min_docs} documents): {join_names(untested['group_b'], limit=8)}."
        )
    if contrib is not None:
        part = contrib[(contrib["group"] == lead["group_a"]) & (contrib["theme"] == theme)]
        total = part["hits"].sum()
        if total:
            outside = part.loc[~part["core"].astype(bool), "hits"].sum() / total
            if outside > NON_CORE_FLAG:
                text += (
                    f" {fmt_pct(outside)} of the hits of {lead['group_a']} come from entries "
                    "outside the theme's core."
                )
    weakest = sup.loc[sup["p_adjusted"].idxmax()]
    row = {"by": by, "theme": theme, "group_a": weakest["group_a"], "group_b": weakest["group_b"]}
    return Finding(text, table=table, row=row, supported=True)


def theme_carrier_findings(
    contributions: pd.DataFrame,
    *,
    themes: Sequence[str],
    cores: Mapping[str, Sequence[str]],
    labels: Mapping[str, str] | None = None,
    top_n: int = 3,
    only_flagged: bool = False,
    table: str = "themes-contributions",
) -> list[Finding]:
    """One sentence per group and theme: the entries that carry it, and a core flag.

    Parameters
    ----------
    contributions : DataFrame
        :func:`analysis.theme_contributions` without target/reference (``group, theme,
        label, entry, hits, share, core``, hits descending within a group and theme).
        A table with the single group ``"all"`` gives one sentence per theme without a
        group name.
    themes : list of str
        Theme ids, in this order.
    cores : mapping
        Theme id -> its ``core`` entries (``{t.id: t.core for t in codebook}``); a theme
        with no core gets no core flag, only its entries and shares.
    labels : mapping, optional
        Theme id -> label (default: the table's ``label``, else the id).
    top_n : int, default 3
        Entries named; the rest are summed as "N other entries".
    only_flagged : bool, default False
        Keep only the sentences of themes (or groups) whose hits come mostly from
        entries outside the core: for a table by group, the groups worth a warning.
    table : str, default "themes-contributions"
        Name of the saved table the sentences cite.

    Returns
    -------
    list of Finding
        "<Label>: 12 hits, carried by multilateral* (42%, 5 hits), u n (25%, 3 hits) and
        2 other entries (33%, 4 hits)." and, for a theme with a core, either "X% of its
        hits come from its core entries." or, when over half come from elsewhere, "X% of
        its hits come from entries outside its core (<core>): e (h), ...". Cites ``{group,
        theme}`` of ``table``; ``supported`` is None (nothing is compared).
    """
    labels = dict(labels or {})
    out = []
    groups = list(dict.fromkeys(contributions["group"])) or ["all"]
    for g in groups:
        for theme in themes:
            part = contributions[(contributions["group"] == g) & (contributions["theme"] == theme)]
            part = part.sort_values("hits", ascending=False, kind="stable")
            label = labels.get(theme) or (str(part["label"].iloc[0]) if len(part) else theme)
            where = "" if g == "all" else f" in {g}"
            total = int(part["hits"].sum())
            row = {"group": g, "theme": theme}
            if not total:
                if not only_flagged:
                    out.append(Finding(f"{label}{where}: no hits.", table=table, row=row))
                continue
            shown = part.head(top_n)
            items = [
                f"{e} ({fmt_pct(h / total)}, {int(h)} hit{'s' if h != 1 else ''})"
                for e, h in zip(shown["entry"], shown["hits"], strict=True)
            ]
            rest = part.iloc[top_n:]
            if len(rest):
                h = int(rest["hits"].sum())
                items.append(
                    f"{len(rest)} other entr{'ies' if len(rest) > 1 else 'y'} "
                    f"({fmt_pct(h / total)}, {h} hit{'s' if h != 1 else ''})"
                )
            text = f"{label}{where}: {total} hit{'s' if total != 1 else ''}, carried by {join_names(items, limit=top_n + 1)}."
            core = tuple(cores.get(theme, ()))
            flagged = False
            if core:
                is_core = part["core"].astype(bool)
                outside = part[~is_core]
                share_out = outside["hits"].sum() / total
                if share_out > NON_CORE_FLAG:
                    flagged = True
                    listed = ", ".join(
                        f"{e} ({int(h)})"
                        for e, h in zip(outside["entry"], outside["hits"], strict=True)
                    )
                    text += (
                        f" {fmt_pct(share_out)} of its hits come from entries outside its core "
                        f"({', '.join(core)}): {listed}."
                    )
                else:
                    text += f" {fmt_pct(1 - share_out)} of its hits come from its core entries."
            if flagged or not only_flagged:
                out.append(Finding(text, table=table, row=row))
    return out
