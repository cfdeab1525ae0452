"""Robustness across analytic choices: the specification curve and leave-one-entry-out.

A finding from a dictionary study rests on choices the researcher made and could have
made otherwise: stem or not, drop stop words or not, count per document or per
paragraph, prune rare terms, clean the page furniture, include this or that codebook
entry. :func:`robustness` computes one comparison (an *estimate*: a
:class:`ThemeDifference` or a :class:`KeynessScore`) under every combination of such
choices and reports how many of the specifications agree with the one reported.
This is the specification curve of Simonsohn, Simmons & Nelson (2020, "Specification
curve analysis", *Nature Human Behaviour* 4, 1208-1214), applied to the preprocessing
choices that Denny & Spirling (2018, "Text preprocessing for unsupervised learning:
why it matters, when it misleads, and what to do about it", *Political Analysis*
26(2), 168-189) showed can change substantive conclusions. Dropping each codebook
entry in turn (leave-one-entry-out) shows whether a theme difference rests on one word.

The choices (``grid`` keys) and their defaults (the *baseline* specification):

``unit`` ("document")
    Unit of matching or counting: ``"document"``, ``"paragraph"`` or ``"sentence"``.
``clean`` (True)
    True: the cleaned ``text``; False: the text before the cleaning rules, the corpus's
    ``raw_text`` column (:func:`analysis.read_corpus`). A corpus without ``raw_text``
    cannot vary it: the choice is dropped and :attr:`RobustnessResult.notes` says so.
``stem`` (False)
    Snowball stems (theme entries: :func:`analysis.match_themes`; terms:
    :func:`analysis.build_dtm`).
``stop_words`` ("english"; :class:`KeynessScore` only)
    ``"english"`` or None, as in :func:`analysis.build_dtm`.
``min_df`` (1; :class:`KeynessScore` only)
    Fewest units a term must occur in (an int) or a proportion of units (a float).
``drop_entry`` (None; :class:`ThemeDifference` only)
    None, or one entry of the theme left out of the codebook.

Speed: the corpus is tokenized once per text variant (``clean``); the tokens of
paragraphs and sentences are the documents' token stream with other boundaries (checked
per document, see :class:`_Streams`); a theme's entries are found once per ``stem`` and
a unit keeps the hits that do not cross its boundaries; only the exclusions and the
overlap rule run again per dropped entry (the result equals matching the reduced
codebook, overlaps included). A document-term matrix is built once per ``unit``,
``clean``, ``stem`` and ``stop_words`` and its ``min_df`` variants are column prunings
of it (equal to building them anew).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._yaml import did_you_mean
from .errors import AnalysisError
from .evidence import MIN_DOCS, check_min_docs
from .grouping import check_by, group_labels, group_order
from .validation import check_int, check_level

__all__ = [
    "ThemeDifference",
    "KeynessScore",
    "RobustnessResult",
    "robustness",
    "default_grid",
    "CHOICES",
]

#: Every choice a grid may vary, with its default (the baseline value).
CHOICES: dict[str, Any] = {
    "unit": "document",
    "clean": True,
    "stem": False,
    "stop_words": "english",
    "min_df": 1,
    "drop_entry": None,
}

_THEME_CHOICES = ("unit", "clean", "stem", "drop_entry")
_KEYNESS_CHOICES = ("unit", "clean", "stem", "stop_words", "min_df")
_SIDE_COLUMN = "_robustness_side"
TABLE_COLUMNS = [
    "estimate", "ci_low", "ci_high", "n_docs_target", "n_docs_reference", "supported",
    "baseline", "note",
]  # fmt: skip
SUMMARY_COLUMNS = [
    "comparison", "n_specs", "share_same_sign", "share_supported",
    "share_supported_same_sign", "baseline_estimate", "baseline_ci_low", "baseline_ci_high",
    "baseline_supported",
]  # fmt: skip
ENTRY_COLUMNS = [
    "entry", "core", "hits_target", "hits_reference", "estimate", "ci_low", "ci_high",
    "n_docs_target", "n_docs_reference", "supported", "change", "flips_sign",
    "loses_support", "rests_on", "note",
]  # fmt: skip


def _groups_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "+".join(map(str, value))
    return str(value)


def _check_group(name: str, value: Any, *, optional: bool = False) -> Any:
    if value is None:
        if optional:
            return None
        raise AnalysisError(f"{name}=None: give a group of by, e.g. {name}=2025")
    if isinstance(value, list | tuple):
        if not value:
            raise AnalysisError(f"{name}=[]: give at least one group of by")
        return tuple(value)
    return value


def _check_estimate_by(by: Any) -> Any:
    if isinstance(by, str) and by:
        return by
    if isinstance(by, list | tuple) and by and all(isinstance(c, str) for c in by):
        return tuple(by)
    raise AnalysisError(f"by={by!r}: give the grouping column, e.g. by='year'")


@dataclass(frozen=True)
class ThemeDifference:
    """The difference of one theme's rate per 1,000 words between two groups.

    ``estimate = rate_target - rate_reference`` with ``rate = 1000 * sum(hits) /
    sum(n_tokens)`` over the group's documents, and the percentile-bootstrap interval
    of :func:`analysis.theme_difference` (documents resampled within each group; the
    same seed gives the same numbers as calling it directly).

    Parameters
    ----------
    theme : str
        A theme id of the codebook given to :func:`robustness`.
    by : str or list of str
        Grouping column(s).
    target, reference : group label or list of group labels
        The compared groups. A list pools its groups into one side (``[2020, 2024]``
        is the documents of both years, labelled ``"2020+2024"``).
    """

    theme: str
    by: str | Sequence[str] = field(kw_only=True)
    target: Any = field(kw_only=True)
    reference: Any = field(kw_only=True)

    def __post_init__(self) -> None:
        if not isinstance(self.theme, str) or not self.theme:
            raise AnalysisError(f"theme={self.theme!r}: give a theme id of the codebook")
        object.__setattr__(self, "by", _check_estimate_by(self.by))
        object.__setattr__(self, "target", _check_group("target", self.target))
        object.__setattr__(self, "reference", _check_group("reference", self.reference))

    def describe(self) -> str:
        """``"multilateralism: 2020+2024 - 2000+2005 (year)"``."""
        by = self.by if isinstance(self.by, str) else " | ".join(self.by)
        return (
            f"{self.theme}: {_groups_text(self.target)} - {_groups_text(self.reference)} "
            f"({by}), rate per 1,000 words"
        )


@dataclass(frozen=True)
class KeynessScore:
    """A term's log-odds keyness score between a target and a reference group.

    ``estimate`` is the ``score`` of :func:`analysis.keyness` with the default measure,
    the log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn
    2008, "Fightin' Words", *Political Analysis* 16(4)): ``delta`` of the term, with
    the interval ``delta ± z_crit * sigma`` where ``sigma = delta / z`` (the prior's
    standard error) and ``z_crit = Phi^-1(1 - (1 - level) / 2)``; the interval excludes
    0 exactly when ``|z| >= z_crit``. NaN when the term has no count in target or
    reference under a specification (a stop word, pruned by ``min_df``, or absent).
    A multi-word term is counted as an n-gram (the matrix then holds 1- to n-grams).

    Parameters
    ----------
    term : str
        A word or phrase as the document-term matrix spells it (lower case); with
        stemming, its stem is looked up.
    by : str or list of str
        Grouping column(s).
    target : group label or list of group labels
    reference : group label, list of group labels or None
        None: every group not in ``target``, as in :func:`analysis.keyness`.
    """

    term: str
    by: str | Sequence[str] = field(kw_only=True)
    target: Any = field(kw_only=True)
    reference: Any = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        if not isinstance(self.term, str) or not self.term.strip():
            raise AnalysisError(f"term={self.term!r}: give a word or phrase, e.g. 'sovereignty'")
        object.__setattr__(self, "term", " ".join(self.term.lower().split()))
        object.__setattr__(self, "by", _check_estimate_by(self.by))
        object.__setattr__(self, "target", _check_group("target", self.target))
        object.__setattr__(
            self, "reference", _check_group("reference", self.reference, optional=True)
        )

    def describe(self) -> str:
        """``"'sovereignty': 2025 vs the rest (year), log-odds"``."""
        by = self.by if isinstance(self.by, str) else " | ".join(self.by)
        ref = "the rest" if self.reference is None else _groups_text(self.reference)
        return f"{self.term!r}: {_groups_text(self.target)} vs {ref} ({by}), log-odds score"


Estimate = ThemeDifference | KeynessScore


@dataclass(frozen=True, eq=False)
class RobustnessResult:
    """The output of :func:`robustness`.

    Attributes
    ----------
    estimate : ThemeDifference or KeynessScore
        The comparison.
    table : DataFrame
        One row per specification: one column per varied choice (``attrs["choices"]``
        lists them), ``estimate, ci_low, ci_high, n_docs_target, n_docs_reference,
        supported`` (the interval excludes 0 and each side has at least ``min_docs``
        documents; with fewer, the interval is NaN: a side of a handful of documents is
        shown, not summarised, see :mod:`analysis.evidence`), ``baseline`` (every choice
        at its baseline value) and ``note``.
    summary : DataFrame
        One row: ``comparison, n_specs, share_same_sign`` (share of specifications whose
        estimate has the baseline's sign), ``share_supported``,
        ``share_supported_same_sign`` and the baseline's ``estimate, ci_low, ci_high,
        supported`` (prefixed ``baseline_``).
    entries : DataFrame or None
        :class:`ThemeDifference` with ``drop_entry`` varied: one row per dropped entry,
        the other choices at baseline, sorted by ``|change|``: ``entry, core,
        hits_target, hits_reference`` (the entry's hits in the baseline), ``estimate,
        ci_low, ci_high, n_docs_target, n_docs_reference, supported, change`` (estimate minus the baseline's),
        ``flips_sign, loses_support, rests_on`` (either) and ``note`` ("the difference
        rests on 'security council'"). None otherwise.
    grid : dict
        The choices varied and their values (the baseline value first).
    notes : tuple of str
        Choices dropped and why.
    """

    estimate: Estimate
    table: pd.DataFrame
    summary: pd.DataFrame
    entries: pd.DataFrame | None
    grid: dict
    notes: tuple[str, ...] = ()

    def __repr__(self) -> str:
        s = self.summary.iloc[0]
        return (
            f"<RobustnessResult {s['comparison']}: {int(s['n_specs'])} specifications, "
            f"{s['share_same_sign']:.0%} same sign, {s['share_supported']:.0%} supported>"
        )


# --------------------------------------------------------------------------- the grid


def _kind_choices(estimate: Estimate) -> tuple[str, ...]:
    return _THEME_CHOICES if isinstance(estimate, ThemeDifference) else _KEYNESS_CHOICES


def default_grid(estimate: Estimate, *, codebook=None) -> dict[str, list]:
    """The grid :func:`robustness` uses when given none.

    :class:`ThemeDifference`: ``unit`` [document, paragraph], ``clean`` [True, False],
    ``stem`` [False, True] and ``drop_entry`` [None, each entry of the theme] (the
    codebook is needed for the entries): ``8 * (1 + entries)`` specifications.
    :class:`KeynessScore`: ``unit`` [document, paragraph], ``clean`` [True, False],
    ``stem`` [False, True], ``stop_words`` ["english", None] and ``min_df`` [1, 2, 5]:
    48 specifications.
    """
    _check_estimate(estimate)
    grid: dict[str, list] = {"unit": ["document", "paragraph"], "clean": [True, False]}
    grid["stem"] = [False, True]
    if isinstance(estimate, ThemeDifference):
        if codebook is None:
            raise AnalysisError(
                "codebook is required for a ThemeDifference: its entries are dropped in turn"
            )
        from .themes.codebook import as_codebook

        theme = as_codebook(codebook)[estimate.theme]
        grid["drop_entry"] = [None, *theme.entries] if len(theme.entries) > 1 else [None]
    else:
        grid["stop_words"] = ["english", None]
        grid["min_df"] = [1, 2, 5]
    return grid


def _check_estimate(estimate: object) -> None:
    if not isinstance(estimate, ThemeDifference | KeynessScore):
        raise AnalysisError(
            f"estimate={estimate!r}: give a ThemeDifference(theme, by=..., target=..., "
            "reference=...) or a KeynessScore(term, by=..., target=...)"
        )


def _check_value(name: str, value: Any, entries: Sequence[str]) -> Any:
    """One grid value, checked; returns it normalised."""
    from .dtm import _check_df
    from .text import UNITS

    if name in ("stem", "clean"):
        if not isinstance(value, bool | np.bool_):
            raise AnalysisError(f"grid {name}: {value!r} is not True or False; list True, False")
        return bool(value)
    if name == "unit":
        if value not in UNITS:
            raise AnalysisError(
                f"grid unit: {value!r} is not one of {', '.join(UNITS)}{did_you_mean(value, UNITS)}"
            )
        return value
    if name == "stop_words":
        if value is not None and value != "english":
            raise AnalysisError(
                f"grid stop_words: {value!r} is not 'english' or None"
                f"{did_you_mean(value, ['english'])}"
            )
        return value
    if name == "min_df":
        try:
            _check_df("min_df", value)
        except AnalysisError as exc:
            raise AnalysisError(f"grid {exc}") from None
        return value
    # drop_entry
    if value is None:
        return None
    if value not in entries:
        raise AnalysisError(
            f"grid drop_entry: {value!r} is not an entry of the theme"
            f"{did_you_mean(value, entries)}; its entries are {', '.join(entries)}"
        )
    if len(entries) < 2:
        raise AnalysisError(
            f"grid drop_entry: the theme has the one entry {entries[0]!r}; nothing is left "
            "without it"
        )
    return value


def _check_grid(grid: Mapping, estimate: Estimate, entries: Sequence[str]) -> dict[str, list]:
    """The grid with checked values in the order of :data:`CHOICES`, baseline value first."""
    if not isinstance(grid, Mapping):
        raise AnalysisError(
            f"grid={grid!r}: give a mapping of choice -> list of values, e.g. "
            "{'stem': [False, True]}"
        )
    allowed = _kind_choices(estimate)
    kind = type(estimate).__name__
    for key in grid:
        if key not in allowed:
            why = "is not a choice" if key not in CHOICES else f"is not a choice of a {kind}"
            raise AnalysisError(
                f"grid key {key!r} {why}{did_you_mean(key, allowed)}; the choices of a "
                f"{kind} are {', '.join(allowed)}"
            )
    out: dict[str, list] = {}
    for name in allowed:
        if name not in grid:
            continue
        values = grid[name]
        if isinstance(values, str) or not isinstance(values, Sequence):
            values = [values]
        values = [_check_value(name, v, entries) for v in values]
        if not values:
            raise AnalysisError(f"grid {name}: the list is empty; give at least one value")
        unique: list = []
        for v in values:
            if not any(v == u and type(v) is type(u) for u in unique):
                unique.append(v)
        base = CHOICES[name]
        if any(base == u and type(base) is type(u) for u in unique):
            unique = [base] + [u for u in unique if not (u == base and type(u) is type(base))]
        out[name] = unique
    return out


# --------------------------------------------------------------------------- the groups


def _side_column(frame: pd.DataFrame, estimate: Estimate) -> tuple[Any, Any, Any, pd.Series | None]:
    """``by, target, reference`` to pass on, and a pooled side column when a side is a list.

    A scalar target and reference pass through unchanged (then the numbers equal a direct
    call of the underlying function). A list pools its groups: the documents get the
    label ``"2020+2024"`` (target), ``"2000+2005"`` (reference) or ``"other"`` in a
    column of their own.
    """
    cols = check_by(frame, estimate.by)
    t, r = estimate.target, estimate.reference
    if not isinstance(t, tuple) and not isinstance(r, tuple):
        return estimate.by, t, r, None
    labels = group_labels(frame, cols).to_numpy()
    known = set(labels)
    t_list = list(t) if isinstance(t, tuple) else [t]
    r_list = list(r) if isinstance(r, tuple) else [r]
    for name, values in (("target", t_list), ("reference", r_list)):
        for g in values:
            if str(g) not in known:
                shown = ", ".join(group_order(frame, cols, pd.Series(labels))[:12])
                raise AnalysisError(
                    f"{name}={g!r} is not a group of by={estimate.by!r}; groups: {shown}"
                )
    t_set, r_set = {str(g) for g in t_list}, {str(g) for g in r_list}
    if t_set & r_set:
        both = ", ".join(sorted(t_set & r_set))
        raise AnalysisError(f"target and reference share {both}; a group can be on one side only")
    t_label, r_label = "+".join(map(str, t_list)), "+".join(map(str, r_list))
    side = np.where(
        np.isin(labels, list(t_set)),
        t_label,
        np.where(np.isin(labels, list(r_set)), r_label, "other"),
    )
    return _SIDE_COLUMN, t_label, r_label, pd.Series(side, index=frame.index)


# --------------------------------------------------------------------------- the engine


def robustness(
    corpus: pd.DataFrame,
    estimate: Estimate,
    *,
    grid: Mapping[str, Sequence] | None = None,
    codebook=None,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    min_docs: int = MIN_DOCS,
) -> RobustnessResult:
    """The estimate under every combination of analytic choices: a specification curve.

    Every combination of the values in ``grid`` is one *specification*; the estimate is
    computed under each, and the summary counts how many agree with the *baseline*
    specification (every choice at its default, see :mod:`analysis.robustness`):

    * ``share_same_sign = #{sign(estimate_s) = sign(estimate_baseline)} / n_specs``
      (a NaN estimate never agrees; NaN when the baseline is 0 or NaN);
    * ``share_supported = #{supported_s} / n_specs``, where a specification is
      *supported* when its interval excludes 0 and each side has at least ``min_docs``
      documents;
    * ``share_supported_same_sign``: supported and of the baseline's sign.

    This is the descriptive part of the specification curve of Simonsohn, Simmons &
    Nelson (2020, "Specification curve analysis", *Nature Human Behaviour* 4,
    1208-1214): the curve shows how far reasonable choices move the estimate. The
    choices are the preprocessing steps Denny & Spirling (2018, "Text preprocessing for
    unsupervised learning: why it matters, when it misleads, and what to do about it",
    *Political Analysis* 26(2), 168-189) found can change conclusions, plus, for a
    dictionary measure, each entry left out in turn. The shares describe sensitivity
    to the choices; they are not a joint test (specifications share their documents and
    are not independent). Intervals are those of the underlying function: bootstrap
    over documents for a :class:`ThemeDifference` (:func:`analysis.theme_difference`,
    same ``seed``, same numbers), the log-odds standard error for a
    :class:`KeynessScore` (:func:`analysis.keyness`).

    Parameters
    ----------
    corpus : DataFrame
        From :func:`analysis.read_corpus` (``doc_id``, ``text``, metadata; ``raw_text``
        for the ``clean`` choice).
    estimate : ThemeDifference or KeynessScore
        The comparison.
    grid : mapping of str to list, optional
        Choice -> values to try (see :mod:`analysis.robustness` for the choices); a
        choice left out stays at its default. None: :func:`default_grid`. A value
        equal to the default is tried first; without one, the first value listed is the
        baseline value. Unknown choices or values are an error.
    codebook : Codebook or path
        The codebook of a :class:`ThemeDifference` (required for it).
    n_boot : int, default 1000
        Bootstrap resamples of a :class:`ThemeDifference`'s interval (0: none).
    level : float, default 0.95
        Interval coverage.
    seed : int, default 0
        Seed of the bootstrap; the result is identical for a given seed.
    min_docs : int, default :data:`analysis.evidence.MIN_DOCS` (5)
        Fewest documents per side for an interval and for ``supported``.

    Returns
    -------
    RobustnessResult
        ``table`` (one row per specification), ``summary`` (one row), ``entries``
        (leave-one-entry-out, for a :class:`ThemeDifference`), ``grid`` and ``notes``.

    Examples
    --------
    >>> est = ThemeDifference("multilateralism", by="year", target=[2020, 2024],
    ...                       reference=[2000, 2005])
    >>> res = robustness(corpus, est, codebook="examples/ungdc-sample/themes.yml")
    >>> res.summary                      # share of specifications that agree
    >>> res.entries.head()               # the entries the difference rests on
    """
    _check_estimate(estimate)
    if not isinstance(corpus, pd.DataFrame):
        raise AnalysisError("corpus must be a DataFrame from analysis.read_corpus")
    for col in ("doc_id", "text"):
        if col not in corpus.columns:
            raise AnalysisError(f"corpus has no column {col!r}; load it with analysis.read_corpus")
    if len(corpus) == 0:
        raise AnalysisError("corpus has no documents; check the path given to read_corpus")
    n_boot = check_int("n_boot", n_boot, 0)
    seed = check_int("seed", seed, 0)
    level = check_level(level)
    min_docs = check_min_docs(min_docs)
    theme = None
    if isinstance(estimate, ThemeDifference):
        if codebook is None:
            raise AnalysisError(
                "codebook is required for a ThemeDifference; give codebook= (a Codebook or "
                "the path of a YAML codebook)"
            )
        from .themes.codebook import as_codebook

        codebook = as_codebook(codebook)
        theme = codebook[estimate.theme]
    entries = theme.entries if theme is not None else ()
    if grid is None:
        grid = default_grid(estimate, codebook=codebook)
    grid = _check_grid(grid, estimate, entries)
    notes: list[str] = []
    if "clean" in grid and False in grid["clean"] and "raw_text" not in corpus.columns:
        del grid["clean"]
        notes.append(
            "clean: the corpus has no raw_text column (the text before cleaning), so only "
            "the cleaned text is used"
        )
    corpus = corpus.reset_index(drop=True)
    by, target, reference, side = _side_column(corpus, estimate)
    if side is not None:
        corpus = corpus.assign(**{_SIDE_COLUMN: side})
    fixed = {k: v for k, v in CHOICES.items() if k in _kind_choices(estimate)}
    names = list(grid)
    specs = [
        {**fixed, **dict(zip(names, values, strict=True))}
        for values in itertools.product(*(grid[n] for n in names))
    ]
    base = {**fixed, **{n: grid[n][0] for n in names}}
    ctx = _Context(corpus, by, target, reference, n_boot, level, seed, min_docs)
    if isinstance(estimate, ThemeDifference):
        rows, entry_hits = _theme_rows(ctx, theme, specs, base)
    else:
        rows, entry_hits = _keyness_rows(ctx, estimate.term, specs), None
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    for k, n in enumerate(names):  # object columns keep None (no NaN for stop_words=None)
        values = pd.Series([s[n] for s in specs], dtype=object)
        if not values.isna().any():  # bools and numbers keep their dtype
            values = values.infer_objects()
        table.insert(k, n, values)
    table["baseline"] = [all(_same(s[n], base[n]) for n in names) for s in specs]
    table["supported"] = table["supported"].astype(bool)
    table.attrs.update(choices=names, level=level, min_docs=min_docs)
    table.attrs["comparison"] = estimate.describe()
    table.attrs["estimate_label"] = (
        "rate difference per 1,000 words (target - reference)"
        if isinstance(estimate, ThemeDifference)
        else "log-odds keyness score (target vs reference)"
    )
    summary = _summary(table, estimate.describe())
    entry_table = None
    if isinstance(estimate, ThemeDifference) and "drop_entry" in grid:
        entry_table = _entry_table(table, names, base, theme, entry_hits)
    return RobustnessResult(
        estimate=estimate,
        table=table,
        summary=summary,
        entries=entry_table,
        grid=grid,
        notes=tuple(notes),
    )


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


@dataclass
class _Context:
    corpus: pd.DataFrame
    by: Any
    target: Any
    reference: Any
    n_boot: int
    level: float
    seed: int
    min_docs: int
    texts: dict = field(default_factory=dict)

    def text(self, clean: bool) -> pd.DataFrame:
        """The corpus with ``text`` the cleaned (True) or the raw text (False)."""
        if clean:
            return self.corpus
        if False not in self.texts:
            self.texts[False] = self.corpus.assign(text=self.corpus["raw_text"].fillna(""))
        return self.texts[False]


def _row(estimate, lo, hi, n_t, n_r, min_docs, note="") -> dict:
    if min(n_t, n_r) < min_docs:  # shown, not summarised (analysis.evidence)
        lo = hi = np.nan
    ok = bool(np.isfinite(lo) and np.isfinite(hi) and (lo > 0 or hi < 0))
    return {
        "estimate": float(estimate),
        "ci_low": float(lo),
        "ci_high": float(hi),
        "n_docs_target": int(n_t),
        "n_docs_reference": int(n_r),
        "supported": ok and min(n_t, n_r) >= min_docs,
        "note": note,
    }


# ------------------------------------------------------------------ theme differences


def _raw_theme_hits(tokens, theme, stem: bool):
    """Per entry and per exclusion of ``theme``: start positions and lengths of its hits."""
    from .themes.codebook import entry_tokens
    from .themes.match import _Finder, _slot_ids

    items = list(theme.entries) + list(theme.exclusions)
    patterns = [[_slot_ids(t, tokens, stem) for t in entry_tokens(e)] for e in items]
    finder = _Finder(tokens, patterns)
    found = [finder.find(k) for k in range(len(items))]
    lengths = [len(p) for p in patterns]
    n = len(theme.entries)
    return found[:n], lengths[:n], found[n:], lengths[n:]


def _without(theme, drop: str | None):
    """``theme`` without the entry ``drop`` (and without it in ``core``)."""
    if drop is None:
        return theme
    return replace(
        theme,
        entries=tuple(e for e in theme.entries if e != drop),
        core=tuple(c for c in theme.core if c != drop),
    )


def _within_units(raw, offsets: np.ndarray):
    """``raw`` hits (global positions) without those that cross a unit boundary.

    The condition of ``match_themes`` (a phrase never crosses a unit): a hit at ``s``
    of ``n`` tokens stays when ``s + n`` does not pass the end of the unit of ``s``.
    """
    hs, hl, xs, xl = raw

    def keep(starts: np.ndarray, n: int) -> np.ndarray:
        if n == 1 or not len(starts):
            return starts
        unit = np.searchsorted(offsets, starts, "right") - 1
        return starts[starts + n <= offsets[unit + 1]]

    return (
        [keep(h, n) for h, n in zip(hs, hl, strict=True)], hl,
        [keep(x, n) for x, n in zip(xs, xl, strict=True)], xl,
    )  # fmt: skip


class _Streams:
    """The tokens of one text variant, once: the documents' token stream, and each unit's.

    Segmenting into paragraphs or sentences only removes whitespace between units, and
    a word token never contains whitespace, so the units' tokens are the documents'
    tokens with other boundaries: a unit's :class:`~analysis.tokens.Tokens` share the
    documents' ``ids`` and ``types`` and get their own ``offsets``. This is checked
    (each document's units must hold as many tokens as the document); where it fails the
    units are tokenized themselves. The entries of a theme are found once per ``stem``
    in the documents' stream; the hits of a unit are those that do not cross its
    boundaries (:func:`_within_units`), as :func:`~analysis.match_themes` finds them.
    """

    def __init__(self, text: pd.DataFrame, theme, *, derive: bool = True):
        self.text, self.theme, self.derive = text, theme, derive
        self.doc_index = pd.Index(text["doc_id"])
        self._units: dict[str, tuple] = {}
        self._raw: dict[tuple, tuple] = {}

    def units(self, unit: str):
        """``units`` (with ``doc_index``), their ``Tokens``, and whether they are derived."""
        from .text import segment
        from .tokens import Tokens, word_tokens

        if unit not in self._units:
            units = segment(self.text[["doc_id", "text"]], unit)
            units = units.assign(doc_index=self.doc_index.get_indexer(units["doc_id"]))
            if unit == "document" or not self.derive:
                self._units[unit] = (units, word_tokens(units["text"].tolist()), unit != "document")
            else:
                _, docs = self.units("document")[:2]
                n = units["n_tokens"].to_numpy(np.int64)
                per_doc = np.bincount(units["doc_index"], weights=n, minlength=len(self.text))
                if np.array_equal(per_doc.astype(np.int64), docs.n_tokens):
                    offsets = np.zeros(len(n) + 1, dtype=np.int64)
                    np.cumsum(n, out=offsets[1:])
                    tokens = Tokens(ids=docs.ids, offsets=offsets, types=docs.types, n_tokens=n)
                    self._units[unit] = (units, tokens, False)
                else:  # not the same stream: tokenize the units themselves
                    self._units[unit] = (units, word_tokens(units["text"].tolist()), True)
        return self._units[unit]

    def raw(self, unit: str, stem: bool):
        """:func:`_raw_theme_hits` of the theme within ``unit``."""
        units, tokens, own = self.units(unit)
        if own:  # a tokenization of its own: search it
            key = (unit, stem)
            if key not in self._raw:
                self._raw[key] = _raw_theme_hits(tokens, self.theme, stem)
            return self._raw[key]
        key = ("document", stem)
        if key not in self._raw:
            self._raw[key] = _raw_theme_hits(self.units("document")[1], self.theme, stem)
        if unit == "document":
            return self._raw[key]
        return _within_units(self._raw[key], tokens.offsets)

    def matches(self, docs: pd.DataFrame, unit: str, stem: bool, drop: str | None):
        """The ThemeMatches of the theme without ``drop``, as match_themes gives them."""
        units, tokens, _ = self.units(unit)
        raw = self.raw(unit, stem)
        return _theme_matches(
            docs, units, tokens, self.theme, raw, drop, {"unit": unit, "stem": stem}
        )


def _theme_matches(docs, units, tokens, theme, raw, drop: str | None, params: dict):
    """The :class:`~analysis.ThemeMatches` of ``theme`` without the entry ``drop``.

    ``raw`` is :func:`_raw_theme_hits` of the full theme; only the exclusions and the
    overlap rule run again, so the hits equal ``match_themes`` with the reduced codebook
    (entry indices are those of the reduced theme).
    """
    from .themes.codebook import Codebook
    from .themes.match import ThemeMatches, _counted

    hs, hl, xs, xl = raw
    keep = [k for k, e in enumerate(theme.entries) if e != drop]
    starts, lengths, entry = _counted(
        [hs[k] for k in keep],
        [np.full(len(hs[k]), hl[k]) for k in keep],
        [np.full(len(hs[k]), j) for j, k in enumerate(keep)],
        xs,
        [np.full(len(x), n) for x, n in zip(xs, xl, strict=True)],
    )
    order = np.argsort(starts, kind="stable")
    starts, lengths, entry = starts[order], lengths[order], entry[order]
    reduced = _without(theme, drop)
    return ThemeMatches(
        codebook=Codebook((reduced,)),
        docs=docs,
        units=units,
        tokens=tokens,
        entries=(tuple(reduced.entries),),
        unit_of=np.searchsorted(tokens.offsets, starts, "right") - 1,
        theme=np.zeros(len(starts), dtype=np.int64),
        entry=entry,
        start=starts,
        length=lengths,
        params=params,
    )


def _theme_rows(ctx: _Context, theme, specs: list[dict], base: dict):
    """One row per specification of a :class:`ThemeDifference`, and the baseline's hits
    per entry and side (for the leave-one-entry-out table)."""
    from .themes.stats import theme_difference

    docs = ctx.corpus.drop(columns=[c for c in ("text", "raw_text") if c in ctx.corpus])
    results: dict[int, dict] = {}
    entry_hits = None
    order = sorted(range(len(specs)), key=lambda i: (not specs[i]["clean"], specs[i]["unit"]))
    streams, current = None, None
    for i in order:
        s = specs[i]
        if s["clean"] != current:  # one tokenization per text variant
            current = s["clean"]
            streams = _Streams(ctx.text(s["clean"]), theme)
        m = streams.matches(docs, s["unit"], s["stem"], s["drop_entry"])
        d = theme_difference(
            m, by=ctx.by, target=ctx.target, reference=ctx.reference, n_boot=ctx.n_boot,
            n_perm=0, seed=ctx.seed, level=ctx.level, min_docs=ctx.min_docs,
        ).iloc[0]  # fmt: skip
        note = "; ".join(p for p in d["note"].split("; ") if p and not p.startswith("n_perm"))
        results[i] = _row(
            d["diff"], d["ci_low"], d["ci_high"], d["n_a"], d["n_b"], ctx.min_docs, note
        )
        if all(_same(s[n], base[n]) for n in s):
            entry_hits = _hits_by_entry(ctx, m)
    return [results[i] for i in range(len(specs))], entry_hits


def _hits_by_entry(ctx: _Context, m) -> pd.DataFrame:
    """Counted hits of each entry in the target and the reference documents."""
    cols = check_by(m.docs, ctx.by)
    labels = group_labels(m.docs, cols).to_numpy()
    hit_label = labels[m.units["doc_index"].to_numpy()[m.unit_of]]
    n = len(m.entries[0])
    out = pd.DataFrame(
        {
            "hits_target": np.bincount(m.entry[hit_label == str(ctx.target)], minlength=n),
            "hits_reference": np.bincount(m.entry[hit_label == str(ctx.reference)], minlength=n),
        },
        index=pd.Index(m.entries[0], name="entry"),
    )
    return out


def _entry_table(table, names, base, theme, entry_hits) -> pd.DataFrame:
    """The leave-one-entry-out rows (other choices at baseline), sorted by |change|."""
    others = [n for n in names if n != "drop_entry"]
    at_base = np.ones(len(table), dtype=bool)
    for n in others:
        at_base &= np.array([_same(v, base[n]) for v in table[n]])
    b = table[table["baseline"]].iloc[0]
    rows = table[at_base & table["drop_entry"].notna().to_numpy()]
    out = pd.DataFrame(
        {
            "entry": rows["drop_entry"].to_numpy(),
            "core": [theme.is_core(e) for e in rows["drop_entry"]],
            "estimate": rows["estimate"].to_numpy(),
            "ci_low": rows["ci_low"].to_numpy(),
            "ci_high": rows["ci_high"].to_numpy(),
            "n_docs_target": rows["n_docs_target"].to_numpy(),
            "n_docs_reference": rows["n_docs_reference"].to_numpy(),
            "supported": rows["supported"].to_numpy(dtype=bool),
        }
    )
    hits = (
        entry_hits
        if entry_hits is not None
        else pd.DataFrame(
            {"hits_target": 0, "hits_reference": 0}, index=pd.Index(theme.entries, name="entry")
        )
    )
    out["hits_target"] = hits["hits_target"].reindex(out["entry"]).fillna(0).to_numpy(np.int64)
    out["hits_reference"] = (
        hits["hits_reference"].reindex(out["entry"]).fillna(0).to_numpy(np.int64)
    )
    out["change"] = out["estimate"] - b["estimate"]
    base_sign = np.sign(b["estimate"])
    out["flips_sign"] = (base_sign != 0) & (np.sign(out["estimate"]) == -base_sign)
    out["loses_support"] = bool(b["supported"]) & ~out["supported"]
    out["rests_on"] = out["flips_sign"] | out["loses_support"]
    why = np.where(
        out["flips_sign"] & out["loses_support"],
        "sign flips and the difference is no longer supported",
        np.where(out["flips_sign"], "sign flips", "difference is no longer supported"),
    )  # fmt: skip
    out["note"] = [
        f"the difference rests on {e!r}: without it the {w}" if r else ""
        for e, w, r in zip(out["entry"], why, out["rests_on"], strict=True)
    ]
    out = out.iloc[np.argsort(-np.abs(out["change"].to_numpy()), kind="stable")]
    return out[ENTRY_COLUMNS].reset_index(drop=True)


# ------------------------------------------------------------------ keyness


def _term_column(dtm, term: str, stem: bool) -> int | None:
    """Column of ``term`` in ``dtm`` (its stem's column with stemming), None if absent."""
    from .tokens import TOKEN_PATTERN, tokenize
    from .tokens import stem as stem_word

    words = tokenize(term, token_pattern=TOKEN_PATTERN)
    key = " ".join(stem_word(w) for w in words) if stem else " ".join(words)
    keys = np.asarray(dtm.keys, dtype=object)
    hit = np.flatnonzero(keys == key)
    return int(hit[0]) if len(hit) else None


def _prune(dtm, min_df):
    """``dtm`` without the columns in fewer than ``min_df`` units (as build_dtm prunes)."""
    from .dtm import DTM, _df_bounds
    from .keywords import column_nonzeros

    if _same(min_df, 1):
        return dtm
    n_units = dtm.matrix.shape[0]
    min_count, _ = _df_bounds(min_df, 1.0, n_units)
    df = column_nonzeros(dtm.matrix)
    keep = np.flatnonzero(df >= min_count)
    if not len(keep):
        return None
    return DTM(
        matrix=dtm.matrix[:, keep].tocsr(),
        terms=dtm.terms[keep],
        docs=dtm.docs,
        keys=dtm.keys[keep],
        params={**dtm.params, "min_df": min_df},
    )


def _keyness_rows(ctx: _Context, term: str, specs: list[dict]) -> list[dict]:
    """One row per specification of a :class:`KeynessScore`."""
    from .compare import critical_z, keyness
    from .dtm import build_dtm
    from .tokens import TOKEN_PATTERN, tokenize

    n_words = len(tokenize(term, token_pattern=TOKEN_PATTERN))
    if n_words == 0:
        raise AnalysisError(
            f"term={term!r} has no word of two or more letters; give a word or phrase"
        )
    z_crit = critical_z(ctx.level)

    def matrix_key(i: int) -> tuple:
        s = specs[i]
        return (s["unit"], not s["clean"], s["stem"], s["stop_words"] is None)

    rows: dict[int, dict] = {}
    nan = float("nan")
    current, full = None, None
    for i in sorted(range(len(specs)), key=matrix_key):
        s = specs[i]
        if matrix_key(i) != current:  # one matrix per unit, clean, stem and stop_words
            current = matrix_key(i)
            full = build_dtm(
                ctx.text(s["clean"]), unit=s["unit"], stem=s["stem"],
                stop_words=s["stop_words"], ngram_range=(1, n_words),
            )  # fmt: skip
        dtm = _prune(full, s["min_df"])
        if dtm is None:
            rows[i] = _row(nan, nan, nan, 0, 0, ctx.min_docs, "no term left after min_df")
            continue
        try:
            k = keyness(dtm, by=ctx.by, target=ctx.target, reference=ctx.reference, level=ctx.level)
        except AnalysisError as exc:
            if "has no counted terms" not in str(exc):
                raise
            rows[i] = _row(nan, nan, nan, 0, 0, ctx.min_docs, str(exc))
            continue
        n_t, n_r = int(k["n_docs_target"].iloc[0]), int(k["n_docs_reference"].iloc[0])
        col = _term_column(dtm, term, s["stem"])
        found = k[k["term"] == dtm.terms[col]] if col is not None else k.iloc[:0]
        if not len(found):
            why = "a stop word" if s["stop_words"] and _is_stop(term) else "no count"
            rows[i] = _row(nan, nan, nan, n_t, n_r, ctx.min_docs, f"{term!r}: {why}")
            continue
        r = found.iloc[0]
        score, z = float(r["score"]), float(r["z"])
        sigma = abs(score / z) if z != 0 else nan
        rows[i] = _row(
            score, score - z_crit * sigma, score + z_crit * sigma, n_t, n_r, ctx.min_docs
        )
    return [rows[i] for i in range(len(specs))]


def _is_stop(term: str) -> bool:
    from .tokens import stop_word_set

    return any(w in stop_word_set("english") for w in term.split())


# ------------------------------------------------------------------ summary


def _summary(table: pd.DataFrame, comparison: str) -> pd.DataFrame:
    n = len(table)
    b = table[table["baseline"]]
    est = table["estimate"].to_numpy()
    sup = table["supported"].to_numpy(dtype=bool)
    if len(b):
        b = b.iloc[0]
        sign = np.sign(b["estimate"])
        b_vals = (b["estimate"], b["ci_low"], b["ci_high"], bool(b["supported"]))
    else:
        sign, b_vals = np.nan, (np.nan, np.nan, np.nan, False)
    if np.isfinite(sign) and sign != 0:
        same = np.sign(est) == sign  # NaN estimates: False
        share_same, share_sup_same = same.mean(), (same & sup).mean()
    else:
        share_same = share_sup_same = np.nan
    return pd.DataFrame(
        [(comparison, n, share_same, sup.mean(), share_sup_same, *b_vals)],
        columns=SUMMARY_COLUMNS,
    )


def read_grid(path: str | Path) -> dict:
    """A grid from a YAML file: a mapping of choice -> value or list of values
    (``null`` for None), e.g. ``stem: [false, true]`` and ``stop_words: [english, null]``."""
    from ._yaml import read_yaml

    data = read_yaml(path, what="grid file")
    if not isinstance(data, dict):
        raise AnalysisError(
            f"{path}: a grid file is a mapping of choice -> list of values, e.g. "
            "'stem: [false, true]'; fix the file"
        )
    return data
