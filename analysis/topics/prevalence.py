"""Topic prevalence: shares per document and per group, with bootstrap intervals.

:func:`document_topics` aggregates unit x topic weights to documents;
:func:`topic_prevalence` gives the share of each topic per group (source, year, ...)
with bootstrap intervals over documents; :func:`topic_leaders` tests, per group, the
leading topic's share against the runner-up's (paired document bootstrap); :func:`topic_exemplars` picks the units that
carry each topic most.

References
----------
Efron & Tibshirani (1993), An Introduction to the Bootstrap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import AnalysisError
from ..evidence import MIN_DOCS, check_min_docs, per_document_note
from ..grouping import check_by, group_labels, group_order
from ..validation import check_int, check_level, check_top_n
from .model import TopicModel

__all__ = ["document_topics", "topic_prevalence", "topic_leaders", "topic_exemplars"]


def document_topics(model: TopicModel, *, long: bool = False) -> pd.DataFrame:
    """Topic shares per document, aggregating units (paragraphs, sentences) first.

    A document's share of topic t is the token-weighted mean of its units' shares::

        theta[d, t] = sum_u n_tokens[u] * theta[u, t] / sum_u n_tokens[u]

    over the units u of d that have a topic mix (units with no vocabulary term are
    skipped); ``n_tokens`` is the unit's length before stop-word removal. When the
    units are documents this is the identity.

    Parameters
    ----------
    model : TopicModel
    long : bool, default False
        One row per document and topic instead of one column per topic: the metadata,
        ``topic`` (1..k) and ``prevalence`` (the document's share of the topic), the
        per-document table that :func:`analysis.plot.plot_topic_prevalence` draws for
        groups too small for an interval (``docs=``).

    Returns
    -------
    DataFrame
        One row per document with a topic mix: the document's metadata (the first unit's
        values of the ``docs`` columns other than ``unit_id``, ``unit_index`` and
        ``n_tokens``), ``n_tokens`` (sum over units) and ``topic_1..topic_k``; with
        ``long``, ``topic`` and ``prevalence`` instead of the topic columns, documents in
        order, then topics.
    """
    docs = model.docs.reset_index(drop=True)
    theta = model.doc_topic_
    ok = ~np.isnan(theta).any(axis=1)
    codes, uniques = pd.factorize(docs["doc_id"], sort=False)
    n_docs = len(uniques)
    w = docs["n_tokens"].to_numpy(dtype=np.float64).copy()
    w[~ok] = 0.0
    w[ok & (w <= 0)] = 1e-12  # a unit with a topic mix but n_tokens 0 still counts a little
    num = np.zeros((n_docs, model.k))
    np.add.at(num, codes[ok], theta[ok] * w[ok, None])
    den = np.bincount(codes[ok], weights=w[ok], minlength=n_docs)
    keep = den > 0
    shares = num[keep] / den[keep, None]
    first = np.unique(codes, return_index=True)[1]
    meta = docs.iloc[first].drop(columns=["unit_id", "unit_index", "n_tokens"], errors="ignore")
    meta = meta.reset_index(drop=True)
    meta["n_tokens"] = np.bincount(
        codes, weights=docs["n_tokens"].to_numpy(float), minlength=n_docs
    ).astype(np.int64)
    meta = meta[keep].reset_index(drop=True)
    if long:
        out = meta.loc[meta.index.repeat(model.k)].reset_index(drop=True)
        out["topic"] = np.tile(np.arange(1, model.k + 1), len(meta))
        out["prevalence"] = shares.ravel()
        return out
    cols = pd.DataFrame(shares, columns=[f"topic_{t}" for t in range(1, model.k + 1)])
    return pd.concat([meta, cols], axis=1)


def _group_shares(model: TopicModel, by) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Document shares, each document's group code and the groups, in sorted order."""
    docs = model.docs
    cols = check_by(docs, by)
    for c in cols:
        if docs[c].isna().any():
            raise AnalysisError(
                f"column {c!r} has missing values in {int(docs[c].isna().sum())} units; fill them or pick another column"
            )
        varies = docs.groupby("doc_id", sort=False)[c].nunique()
        if (varies > 1).any():
            raise AnalysisError(
                f"column {c!r} varies within document {varies.index[varies > 1][0]!r}; group by a document-level column"
            )
    dt = document_topics(model)
    shares = dt[[f"topic_{t}" for t in range(1, model.k + 1)]].to_numpy()
    if not cols:
        codes = np.zeros(len(dt), dtype=np.int64)
        groups = np.asarray(["all"], dtype=object)
    elif len(cols) == 1:
        codes, groups = pd.factorize(dt[cols[0]], sort=True)
        groups = np.asarray(groups)
    else:
        labels = group_labels(dt, cols)
        groups = np.asarray(group_order(dt, cols, labels), dtype=object)
        codes = pd.Categorical(labels, categories=groups).codes.astype(np.int64)
    return shares, codes, groups


def _no_interval_note(n: int, n_boot: int, min_docs: int) -> str:
    if n < min_docs:
        return per_document_note(n)
    return "n_boot=0: no interval" if n_boot == 0 else ""


def topic_prevalence(
    model: TopicModel,
    *,
    by: str | list[str] | None = None,
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
    min_docs: int = MIN_DOCS,
) -> pd.DataFrame:
    """Share of each topic per group, with bootstrap intervals over documents.

    1. Units are aggregated to documents (:func:`document_topics`: token-weighted mean
       of the units' topic shares).
    2. A group's prevalence of topic t is the mean of its documents' shares (every
       document counts once): ``prevalence = mean_d theta[d, t]``.
    3. The interval is a nonparametric percentile bootstrap (Efron & Tibshirani 1993):
       the group's n documents are resampled with replacement ``n_boot`` times (the
       resample counts are multinomial(n, 1/n), drawn with ``numpy.random.default_rng(
       seed)``, one group after the other in sorted order, skipping groups without an
       interval), the mean is recomputed, and ``ci_low``/``ci_high`` are the
       (1 - level)/2 and (1 + level)/2 quantiles. Documents are resampled within
       groups, so the intervals reflect between-document variation, not the fit's own
       uncertainty.
    4. A group with fewer than ``min_docs`` documents gets no interval: NaN bounds and
       the note ``"n=3: per-document values"`` (its documents are shown one by one,
       :func:`document_topics`; see :mod:`analysis.evidence` for why). With
       ``n_boot=0`` no group has an interval (note ``"n_boot=0: no interval"``).

    Parameters
    ----------
    model : TopicModel
    by : str, list of str or None
        Column(s) of the unit metadata, constant within a document (``year``,
        ``source`` ...), without missing values. Several columns group by their
        combinations, labelled ``"a | b"`` and ordered by the columns' values. None:
        one group, ``"all"``.
    n_boot : int, default 2000
        Bootstrap resamples; 0 skips the bootstrap.
    seed : int, default 0
    level : float, default 0.95
    min_docs : int, default :data:`analysis.evidence.MIN_DOCS`
        Fewest documents for an interval (at least 2).

    Returns
    -------
    DataFrame
        ``group, topic, label, prevalence, ci_low, ci_high, n_docs, note``, sorted by
        group then topic; ``attrs["level"]`` holds ``level`` and ``attrs["min_docs"]``
        ``min_docs``. ``group`` keeps the column's values for one column, and is a
        string label for several.
    """
    if not isinstance(model, TopicModel):
        raise AnalysisError("model must be a TopicModel; fit it with analysis.fit_topics")
    n_boot = check_int("n_boot", n_boot, 0)
    level = check_level(level)
    min_docs = check_min_docs(min_docs)
    shares, codes, groups = _group_shares(model, by)
    rng = np.random.default_rng(seed)
    q = [(1 - level) / 2, (1 + level) / 2]
    frames = []
    for g in range(len(groups)):
        x = shares[codes == g]
        n = len(x)
        point = x.mean(axis=0)
        note = _no_interval_note(n, n_boot, min_docs)
        if not note:
            counts = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot)
            boot = counts @ x / n
            lo, hi = np.quantile(boot, q, axis=0)
        else:
            lo = hi = np.full(model.k, np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "group": [groups[g]] * model.k,
                    "topic": np.arange(1, model.k + 1),
                    "label": model.labels_,
                    "prevalence": point,
                    "ci_low": lo,
                    "ci_high": hi,
                    "n_docs": n,
                    "note": note,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out.attrs["level"] = level
    out.attrs["min_docs"] = min_docs
    if by is not None:  # the grouping column(s), for axis labels
        out.attrs["by"] = by if isinstance(by, str) else " + ".join(map(str, by))
    return out


LEADER_COLUMNS = [
    "group",
    "topic",
    "label",
    "runner_up",
    "runner_up_label",
    "prevalence",
    "runner_up_prevalence",
    "diff",
    "ci_low",
    "ci_high",
    "n_docs",
    "supported",
    "note",
]


def topic_leaders(
    model: TopicModel,
    *,
    by: str | list[str] | None = None,
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
    min_docs: int = MIN_DOCS,
) -> pd.DataFrame:
    """Per group, whether its leading topic's share is distinguishable from the runner-up's.

    In each group (as in :func:`topic_prevalence`), the *leading* topic is the one with
    the top prevalence (mean document share; ties: the lower topic number) and the
    *runner-up* the next one. Their difference is tested by a paired percentile
    bootstrap over the group's documents (Efron & Tibshirani 1993, ch. 13): the n
    documents are resampled with replacement ``n_boot`` times (multinomial counts from
    ``numpy.random.default_rng(seed)``, groups in sorted order), and in each resample
    the difference is::

        diff* = mean*(theta[:, lead]) - max over t != lead of mean*(theta[:, t])

    i.e. against whichever other topic is on top in that resample, so the interval also
    carries the uncertainty of which topic is second; its point value is
    ``prevalence - runner_up_prevalence``. Both shares come from the same documents, so
    the resampling is paired. ``ci_low``/``ci_high`` are the (1 - level)/2 and
    (1 + level)/2 quantiles of ``diff*``, and the difference is ``supported`` when the
    group has at least ``min_docs`` documents and ``ci_low > 0`` (the interval excludes
    0). The leading topic is picked on the same data, so a supported row says "this
    topic's share is distinguishable from every other topic's in these documents", not
    more.

    Groups below ``min_docs`` documents get no interval, ``supported=False`` and the
    note ``"n=3: per-document values"``.

    Parameters
    ----------
    model : TopicModel
    by : str, list of str or None
        As in :func:`topic_prevalence`.
    n_boot : int, default 2000
        Bootstrap resamples; 0: no test (``supported`` False, note
        ``"n_boot=0: no interval"``).
    seed : int, default 0
    level : float, default 0.95
    min_docs : int, default :data:`analysis.evidence.MIN_DOCS`

    Returns
    -------
    DataFrame
        One row per group: ``group, topic, label, runner_up, runner_up_label,
        prevalence, runner_up_prevalence, diff, ci_low, ci_high, n_docs, supported,
        note``; ``prevalence`` and ``runner_up_prevalence`` equal the corresponding rows
        of :func:`topic_prevalence`. ``attrs`` holds ``level``, ``min_docs``, ``n_boot``
        and ``test`` (the test's name).
    """
    if not isinstance(model, TopicModel):
        raise AnalysisError("model must be a TopicModel; fit it with analysis.fit_topics")
    n_boot = check_int("n_boot", n_boot, 0)
    level = check_level(level)
    min_docs = check_min_docs(min_docs)
    shares, codes, groups = _group_shares(model, by)
    rng = np.random.default_rng(seed)
    q = [(1 - level) / 2, (1 + level) / 2]
    labels = model.labels_
    rows = []
    for g in range(len(groups)):
        x = shares[codes == g]
        n = len(x)
        point = x.mean(axis=0)
        order = np.lexsort((np.arange(model.k), -np.round(point, 12)))
        lead, second = int(order[0]), int(order[1])
        others = np.delete(np.arange(model.k), lead)
        note = _no_interval_note(n, n_boot, min_docs)
        lo = hi = np.nan
        if not note:
            counts = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot)
            boot = counts @ x / n
            diff = boot[:, lead] - boot[:, others].max(axis=1)
            lo, hi = (float(v) for v in np.quantile(diff, q))
        rows.append(
            {
                "group": groups[g],
                "topic": lead + 1,
                "label": labels[lead],
                "runner_up": second + 1,
                "runner_up_label": labels[second],
                "prevalence": float(point[lead]),
                "runner_up_prevalence": float(point[second]),
                "diff": float(point[lead] - point[second]),
                "ci_low": lo,
                "ci_high": hi,
                "n_docs": n,
                "supported": bool(not note and lo > 0),
                "note": note,
            }
        )
    out = pd.DataFrame(rows, columns=LEADER_COLUMNS)
    out.attrs.update(
        level=level, min_docs=min_docs, n_boot=n_boot, test="paired document bootstrap"
    )
    return out


def topic_exemplars(
    model: TopicModel, corpus: pd.DataFrame, *, top_n: int = 2, chars: int = 300
) -> pd.DataFrame:
    """The units that carry each topic most, with the start of their text.

    For each topic, the ``top_n`` units with the largest weight (``doc_topic_``; ties
    keep unit order). The unit texts come from ``analysis.segment(corpus, unit)`` with
    the model's unit, so ``corpus`` is the document table the DTM was built from.

    Parameters
    ----------
    model : TopicModel
    corpus : DataFrame
        The documents (``doc_id``, ``text`` ...) that the model's DTM was built from.
    top_n : int, default 2
        Units per topic.
    chars : int, default 300
        Characters of text kept per unit.

    Returns
    -------
    DataFrame
        ``topic, label, doc_id, unit_id, weight, text``, by topic then weight
        descending.
    """
    from ..text import segment

    if not isinstance(model, TopicModel):
        raise AnalysisError("model must be a TopicModel; fit it with analysis.fit_topics")
    top_n = check_top_n(top_n, allow_none=False)
    chars = check_int("chars", chars, 0)
    unit = model.dtm.params.get("unit", "document")
    units = segment(corpus, unit)[["unit_id", "text"]]
    top = (
        model.doc_topics()
        .sort_values(["topic", "weight"], ascending=[True, False], kind="stable")
        .groupby("topic")
        .head(top_n)[["topic", "label", "doc_id", "unit_id", "weight"]]
        .reset_index(drop=True)
    )
    # the texts of the chosen units only (not a copy of every text for every topic)
    text = top[["unit_id"]].merge(units, on="unit_id", how="left")["text"]
    out = top.assign(text=text.str.slice(0, chars).set_axis(top.index))
    return out
