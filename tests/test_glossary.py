"""The glossary, enforced: one name per concept in every public signature (issue 11).

Written against the *target* glossary (README "Glossary"): ``top_n`` for how many top
items, ``by`` (str or list) for grouping columns, ``target``/``reference`` for compared
groups, ``codebook`` for a theme codebook, ``window`` only for context words (``kwic``,
``theme_hits``), ``span`` for the collocation distance, ``n`` only for the n-gram order,
``hue_order``/``order`` for plot subsets, and seaborn's contract for every ``plot_*``.
Old names keep working for one release through :func:`analysis.validation.renamed`.

"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import analysis

ROOT = Path(__file__).resolve().parents[1]

# names that drifted and have one glossary name now (old -> see the README glossary)
FORBIDDEN = {
    "top", "a", "b", "value", "hits", "xlabel", "group_col", "group_cols", "groups",
    "themes", "topics", "docs", "random_state", "random_seed", "n_bootstrap",
}  # fmt: skip
EXEMPT = {
    "match_topics": {"a", "b"},  # two symmetric models' top-term arrays
    "topic_coherence": {"topics"},  # the topics themselves (a model or top-term arrays)
    "parse_date": {"value"},  # one date value, not a plot encoding
    # docs= is the per-document table of the interval figures (issue 12), not an order
    "plot_theme_trend": {"docs"},
    "plot_topic_prevalence": {"docs"},
    "plot_term_rates": {"docs"},
}
N_IS_NGRAM_ORDER = {"collocations"}
WINDOW_IS_CONTEXT_WORDS = {
    "kwic", "theme_hits", "find_contexts", "context_windows", "context_dtm", "context_keyness",
    "fit_embeddings", "context_shift", "context_neighbors", "context_contrast", "fit_alacarte",
    "sample_for_coding",
}  # fmt: skip
FIGURE_LEVEL = {
    "plot_faceted_bars", "plot_keywords", "plot_top_terms", "plot_select_k",
    "plot_context_neighbors", "plot_specification_curve",
}  # fmt: skip


def _public_callables() -> dict[str, Callable]:
    out: dict[str, Callable] = {}
    for name in analysis.__all__:
        obj = getattr(analysis, name)
        if isinstance(obj, type):
            if issubclass(obj, BaseException):
                continue
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and inspect.isfunction(member):
                    out[f"{name}.{attr}"] = member
        elif callable(obj):
            out[name] = obj
    return out


CALLABLES = _public_callables()
PLOTS = sorted(n for n in CALLABLES if n.startswith("plot_"))


def _params(fn: Callable) -> dict[str, inspect.Parameter]:
    return dict(inspect.signature(fn).parameters)


# ------------------------------------------------------------------ 1. parameter names


@pytest.mark.parametrize("name", sorted(CALLABLES))
def test_no_drifting_parameter_names(name: str):
    params = set(_params(CALLABLES[name]))
    bad = (params & FORBIDDEN) - EXEMPT.get(name, set())
    assert not bad, f"{name}: {sorted(bad)} (see the README glossary for the one name)"
    if "n" in params:
        assert name in N_IS_NGRAM_ORDER, f"{name}: a count is top_n; n is only the n-gram order"
    if "window" in params:
        assert name in WINDOW_IS_CONTEXT_WORDS, f"{name}: window means context words only"


@pytest.mark.parametrize(
    "name",
    # sample_hits: by is the one pattern/theme column of a hit table, not a grouping
    sorted(n for n in CALLABLES if "by" in _params(CALLABLES[n]) and n != "sample_hits"),
)
def test_by_accepts_a_list(name: str):
    p = _params(CALLABLES[name])["by"]
    assert "list" in str(p.annotation) or "Sequence" in str(p.annotation), f"{name}: {p}"


def test_n_boot_zero_means_no_interval_everywhere(seeds_dtm):
    model = analysis.fit_topics(seeds_dtm, 2, seed=0)
    out = analysis.topic_prevalence(model, by="source_type", n_boot=0)
    assert out["ci_low"].isna().all() and out["ci_high"].isna().all()


def test_level_is_validated_by_every_statistic_that_has_it(seed_corpus):
    with pytest.raises(analysis.AnalysisError, match="level="):
        analysis.theme_difference(
            seed_corpus, by="source_type", target="state media", reference="wire", level=95,
            n_boot=0, n_perm=0,
        )  # fmt: skip


# ------------------------------------------------------------------ 2. plot contract


@pytest.mark.parametrize("name", PLOTS)
def test_plot_signature_follows_seaborn(name: str):
    params = _params(CALLABLES[name])
    first, *rest = params.values()
    assert first.name == "data", f"{name}: the first parameter is data"
    encodings = {"x"} if name == "plot_select_k" else {"x", "y"}  # y: its metrics columns
    assert encodings <= set(params), f"{name}: x and y name the encoded columns"
    assert all(
        p.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.VAR_KEYWORD) for p in rest
    ), f"{name}: everything after data is keyword-only"
    ret = str(inspect.signature(CALLABLES[name]).return_annotation)
    if name in FIGURE_LEVEL:
        assert ret.endswith("FacetGrid"), f"{name} -> {ret}: figure-level plots return a FacetGrid"
    else:
        assert ret.endswith("Axes"), f"{name} -> {ret}: axes-level plots return Axes"
        assert {"hue", "ax"} <= set(params), f"{name}: hue and ax"
        assert params["ax"].default is None


# ------------------------------------------------------------------ 3. deprecated names


def _fingerprint(obj) -> object:
    """Something comparable for a result: frames as frames, figures by what they draw."""
    if isinstance(obj, pd.DataFrame | pd.Series | np.ndarray):
        return obj
    axes = list(obj.axes.flat) if hasattr(obj, "axes") and not hasattr(obj, "get_title") else [obj]
    return [
        (
            ax.get_title(),
            ax.get_xlabel(),
            ax.get_ylabel(),
            len(ax.patches),
            len(ax.lines),
            len(ax.collections),
            [t.get_text() for t in ax.get_yticklabels()],
        )  # fmt: skip
        for ax in axes
    ]


def _same(a, b) -> None:
    fa, fb = _fingerprint(a), _fingerprint(b)
    if isinstance(fa, pd.DataFrame):
        pd.testing.assert_frame_equal(fa, fb)
    elif isinstance(fa, np.ndarray):
        np.testing.assert_array_equal(fa, fb)
    else:
        assert fa == fb


class _Inputs:
    """Small real inputs, built on first use."""

    def __init__(self, corpus: pd.DataFrame, dtm):
        self.corpus, self.dtm, self._cache = corpus, dtm, {}

    def get(self, key: str):
        if key not in self._cache:
            self._cache[key] = getattr(self, f"_{key}")()
        return self._cache[key]

    def _codebook(self):
        return analysis.load_themes(ROOT / "seeds" / "themes.yml")  # the package ships none

    def _model(self):
        return analysis.fit_topics(self.dtm, 2, seed=0)

    def _keywords(self):
        return analysis.tfidf_keywords(self.dtm, by="source", top_n=5)

    def _keyness(self):
        return analysis.keyness(self.dtm, by="source_type", target="state media")

    def _rates(self):
        return analysis.theme_rates(self.corpus, self.get("codebook"), by="year", n_boot=20)

    def _contributions(self):
        return analysis.theme_contributions(
            self.corpus, self.get("codebook"), by="source_type", target="state media",
            reference="wire",
        )  # fmt: skip

    def _hits(self):
        return analysis.theme_hits(self.corpus, self.get("codebook"))

    def _prevalence(self):
        return analysis.topic_prevalence(self.get("model"), by="source_type", n_boot=20)


# name -> (old keywords, new keywords, call(fn, inputs, **kw)); the old/new pairs are the
# target glossary's renames (plan section 5)
RENAMES: dict[str, tuple[dict, dict, Callable]] = {
    "top_terms": ({"n": 3}, {"top_n": 3}, lambda f, i, **k: f(i.dtm, by="source", **k)),
    "tfidf_keywords": ({"top": 3}, {"top_n": 3}, lambda f, i, **k: f(i.dtm, by="source", **k)),
    "keyness": (
        {"top": 4},
        {"top_n": 4},
        lambda f, i, **k: f(i.dtm, by="source_type", target="state media", **k),
    ),  # fmt: skip
    "collocations": (
        {"top": 5, "window": 3},
        {"top_n": 5, "span": 3},
        lambda f, i, **k: f(i.corpus, min_freq=2, **k),
    ),  # fmt: skip
    "theme_rates": (
        {"corpus": "corpus", "themes": "codebook"},
        {"data": "corpus", "codebook": "codebook"},
        lambda f, i, **k: f(by="year", n_boot=10, **_resolve(i, k)),
    ),  # fmt: skip
    "theme_difference": (
        {"corpus": "corpus", "themes": "codebook", "a": "state media", "b": "wire"},
        {"data": "corpus", "codebook": "codebook", "target": "state media", "reference": "wire"},
        lambda f, i, **k: f(by="source_type", n_boot=10, n_perm=10, **_resolve(i, k)),
    ),  # fmt: skip
    "theme_hits": (
        {"corpus": "corpus", "themes": "codebook"},
        {"data": "corpus", "codebook": "codebook"},
        lambda f, i, **k: f(**_resolve(i, k)),
    ),  # fmt: skip
    "theme_contributions": (
        {"corpus": "corpus", "themes": "codebook", "a": "state media", "b": "wire"},
        {"data": "corpus", "codebook": "codebook", "target": "state media", "reference": "wire"},
        lambda f, i, **k: f(by="source_type", **_resolve(i, k)),
    ),  # fmt: skip
    "TopicModel.top_terms": ({"n": 3}, {"top_n": 3}, lambda f, i, **k: f(i.get("model"), **k)),
    "TopicModel.top_term_indices": (
        {"n": 3},
        {"top_n": 3},
        lambda f, i, **k: f(i.get("model"), **k),
    ),  # fmt: skip
    "plot_keywords": ({"top": 3}, {"top_n": 3}, lambda f, i, **k: f(i.get("keywords"), **k)),
    "plot_keyness": ({"top": 4}, {"top_n": 4}, lambda f, i, **k: f(i.get("keyness"), **k)),
    "plot_theme_contributions": (
        {"top": 3},
        {"top_n": 3},
        lambda f, i, **k: f(i.get("contributions"), **k),
    ),  # fmt: skip
    "plot_top_terms": (
        {"n": 3},
        {"top_n": 3},
        lambda f, i, **k: f(i.get("model").top_terms(10), **k),
    ),  # fmt: skip
    "plot_theme_heatmap": (
        {"value": "rate_per_1k"},
        {"hue": "rate_per_1k"},
        lambda f, i, **k: f(i.get("rates"), **k),
    ),  # fmt: skip
    "plot_theme_trend": (
        {"themes": ["peace"]},
        {"hue_order": ["peace"]},
        lambda f, i, **k: f(i.get("rates"), **k),
    ),  # fmt: skip
    "plot_theme_dispersion": (
        {"hits": "hits", "docs": None, "themes": None},
        {"data": "hits", "order": None, "hue_order": None},
        lambda f, i, **k: f(**_resolve(i, k)),
    ),  # fmt: skip
    "plot_topic_prevalence": (
        {"topics": [1]},
        {"hue_order": [1]},
        lambda f, i, **k: f(i.get("prevalence"), **k),
    ),  # fmt: skip
}


def _resolve(inputs: _Inputs, kw: dict) -> dict:
    """Keyword values that name an input ("codebook", "hits") become that input."""
    named = {"corpus": lambda: inputs.corpus, "codebook": lambda: inputs.get("codebook"),
             "hits": lambda: inputs.get("hits")}  # fmt: skip
    return {k: named[v]() if isinstance(v, str) and v in named else v for k, v in kw.items()}


@pytest.fixture(scope="module")
def inputs(seed_corpus, seeds_dtm) -> _Inputs:
    return _Inputs(seed_corpus, seeds_dtm)


def test_every_renamed_callable_has_a_case_covering_its_old_names():
    for name, fn in CALLABLES.items():
        old = set(getattr(fn, "__renamed__", {}))
        if old:
            assert name in RENAMES, f"{name}: add its old names to RENAMES"
            assert old <= set(RENAMES[name][0]), f"{name}: RENAMES misses {old}"


@pytest.mark.parametrize("name", sorted(RENAMES))
def test_old_name_warns_and_gives_the_same_result(name: str, inputs: _Inputs):
    old, new, call = RENAMES[name]
    fn = CALLABLES[name]
    renamed_here = set(getattr(fn, "__renamed__", {}))
    assert set(old) - set(new) <= renamed_here, f"{name}: accept {sorted(old)} with @renamed"
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        expected = call(fn, inputs, **new)
    with pytest.warns(DeprecationWarning, match="is deprecated; use"):
        got = call(fn, inputs, **old)
    _same(got, expected)
    plt.close("all")


# ------------------------------------------------------------------ 4. the README

CANONICAL = [
    "top_n", "by", "target", "reference", "seed", "n_boot", "level", "window", "span",
    "codebook", "hue_order", "order", "n_tokens", "rate_per_1k",
]  # fmt: skip


def test_readme_glossary_names_every_canonical_parameter():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Glossary" in text
    glossary = text.split("## Glossary", 1)[1].split("\n## ", 1)[0]
    missing = [n for n in CANONICAL if f"`{n}`" not in glossary]
    assert not missing, f"README glossary does not name {missing}"
