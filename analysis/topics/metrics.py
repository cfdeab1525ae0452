"""Topic quality and model selection: coherence (NPMI, UMass), diversity, stability.

:func:`topic_coherence` scores topics from the DTM's own co-occurrences;
:func:`match_topics` matches two models' topics (Hungarian algorithm on the Jaccard
index of their top terms); :func:`select_k` fits a grid of models (k x seed) and scores
each.

References
----------
Bouma (2009), Normalized (pointwise) mutual information in collocation extraction.
Mimno, Wallach, Talley, Leenders & McCallum (2011), Optimizing semantic coherence in
topic models. Röder, Both & Hinneburg (2015), Exploring the space of topic coherence
measures. Dieng, Ruiz & Blei (2020), Topic modeling in embedding spaces. Greene,
O'Callaghan & Cunningham (2014), How many topics? Stability analysis for topic models.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._parallel import cpus_for
from ..dtm import DTM
from ..errors import AnalysisError, InputWarning
from .model import (
    METHODS,
    UNITS_PER_TOPIC,
    TopicModel,
    _check_k,
    _check_top,
    _fast_nmf_ok,
    _fit_nmf_many,
    _NMFInput,
    few_units_message,
    fit_topics,
)

__all__ = ["topic_coherence", "select_k", "match_topics"]

NPMI_EPSILON = 1e-12
DIVERSITY_TOP = 25


def _top_indices(topics: object, dtm: DTM, top_n: int) -> np.ndarray:
    if isinstance(topics, TopicModel):
        return topics.top_term_indices(top_n)
    arr = np.asarray(topics)
    if arr.ndim != 2:
        raise AnalysisError("topics must be a TopicModel or a 2-d array (k x terms or k x top_n)")
    if np.issubdtype(arr.dtype, np.integer) and arr.shape[1] != dtm.matrix.shape[1]:
        return arr[:, :top_n]
    if arr.shape[1] != dtm.matrix.shape[1]:
        raise AnalysisError(
            f"topics has {arr.shape[1]} columns but the DTM has {dtm.matrix.shape[1]} terms; "
            "pass topic-term weights over the DTM's terms or top-term column indices"
        )
    n = _check_top(top_n, arr.shape[1])
    return np.argsort(-arr.astype(np.float64), axis=1, kind="stable")[:, :n]


def _cooccurrence(matrix: sp.spmatrix, top: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Document frequencies and co-document frequencies of the columns in ``top``.

    Returns ``(cols, D)`` where ``cols`` are the distinct columns and ``D`` the square
    matrix of co-occurrence counts over units (diagonal = document frequency).
    """
    cols = np.unique(top)
    sub = matrix[:, cols]
    b = (sub > 0).astype(np.float64).tocsc()
    d = np.asarray((b.T @ b).todense())
    return cols, np.rint(d).astype(np.int64), matrix.shape[0]


def _coherence_from(top: np.ndarray, cols: np.ndarray, d: np.ndarray, n_units: int):
    pos = np.searchsorted(cols, top)
    k, n = top.shape
    npmi = np.full(k, np.nan)
    umass = np.full(k, np.nan)
    if n < 2:
        return npmi, umass
    i_idx, j_idx = np.triu_indices(n, 1)  # i < j: i ranks higher
    for t in range(k):
        p = pos[t]
        dij = d[p[i_idx], p[j_idx]].astype(np.float64)
        di = d[p[i_idx], p[i_idx]].astype(np.float64)
        dj = d[p[j_idx], p[j_idx]].astype(np.float64)
        pij = dij / n_units
        pi = di / n_units
        pj = dj / n_units
        with np.errstate(divide="ignore", invalid="ignore"):
            num = np.log((pij + NPMI_EPSILON) / (pi * pj))
            den = -np.log(pij + NPMI_EPSILON)
            v = num / den
        v = np.where(dij >= n_units, 1.0, v)  # P(wi, wj) = 1: the limit is 1
        v = np.clip(v, -1.0, 1.0)
        ok = (di > 0) & (dj > 0)
        if ok.any():
            npmi[t] = float(v[ok].mean())
        # UMass over ordered pairs (m > l): log((D(w_m, w_l) + 1) / D(w_l)), w_l ranks higher.
        with np.errstate(divide="ignore"):
            u = np.log((dij + 1.0) / di)
        ok = di > 0
        if ok.any():
            umass[t] = float(u[ok].mean())
    return npmi, umass


def topic_coherence(dtm: DTM, topics: object, *, top_n: int = 10) -> pd.DataFrame:
    """NPMI and UMass coherence of each topic, from the DTM's own co-occurrences.

    Co-occurrence is counted over the DTM's units (document co-occurrence, Mimno et al.
    2011; the "boolean document" window of Röder et al. 2015): with N units, D(w) the
    number of units containing w and D(wi, wj) the number containing both,
    P(w) = D(w) / N and P(wi, wj) = D(wi, wj) / N. No external reference corpus.

    NPMI (Bouma 2009; Röder et al. 2015's c_npmi with this window)::

        NPMI(wi, wj) = log((P(wi, wj) + eps) / (P(wi) P(wj))) / -log(P(wi, wj) + eps)

    with eps = 1e-12 (so a pair that never co-occurs scores ~ -1), 1 for a pair present
    in every unit (the limit), clipped to [-1, 1]; a topic's NPMI is the mean over the
    n(n-1)/2 unordered pairs of its top ``top_n`` terms.

    UMass (Mimno et al. 2011), over ordered pairs of the top terms, w_l ranked above
    w_m::

        UMass = mean over l < m of log((D(w_m, w_l) + 1) / D(w_l))

    (Mimno et al. sum over pairs; the mean makes it comparable across ``top_n``.) It is
    <= log 2 and usually negative; closer to 0 is more coherent.

    Parameters
    ----------
    dtm : DTM
        Defines the units over which co-occurrence is counted.
    topics : TopicModel or array
        A fitted model, a (k x n_terms) array of topic-term weights over ``dtm.terms``,
        or a (k x n) integer array of top-term column indices (ranked).
    top_n : int, default 10

    Returns
    -------
    DataFrame
        ``topic`` (1..k), ``npmi``, ``umass``.
    """
    top = _top_indices(topics, dtm, top_n)
    cols, d, n_units = _cooccurrence(dtm.matrix.tocsc(), top)
    npmi, umass = _coherence_from(top, cols, d, n_units)
    return pd.DataFrame({"topic": np.arange(1, len(top) + 1), "npmi": npmi, "umass": umass})


def _diversity(topic_term: np.ndarray) -> float:
    n = min(DIVERSITY_TOP, topic_term.shape[1])
    top = np.argsort(-topic_term, axis=1, kind="stable")[:, :n]
    return float(len(np.unique(top)) / top.size)


def _jaccard_matrix(a: np.ndarray, b: np.ndarray, n_terms: int) -> np.ndarray:
    """Jaccard index between the top-term sets of every topic of ``a`` and of ``b``."""
    ka, kb = len(a), len(b)
    ia = sp.csr_matrix(
        (np.ones(a.size), (np.repeat(np.arange(ka), a.shape[1]), a.ravel())), shape=(ka, n_terms)
    )
    ib = sp.csr_matrix(
        (np.ones(b.size), (np.repeat(np.arange(kb), b.shape[1]), b.ravel())), shape=(kb, n_terms)
    )
    inter = np.asarray((ia @ ib.T).todense())
    sa = np.asarray(ia.sum(axis=1)).ravel()
    sb = np.asarray(ib.sum(axis=1)).ravel()
    union = sa[:, None] + sb[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def match_topics(a: np.ndarray, b: np.ndarray, *, n_terms: int | None = None):
    """Match the topics of two models by their top terms (Hungarian algorithm).

    Parameters
    ----------
    a, b : ndarray of int, shape (k, n)
        Top-term column indices per topic (e.g. ``TopicModel.top_term_indices``).
    n_terms : int, optional
        Vocabulary size (default: the largest index + 1).

    Returns
    -------
    assignment : ndarray of int, shape (k,)
        ``assignment[i]`` is the topic of ``b`` matched to topic ``i`` of ``a``, the
        one-to-one matching that maximises the summed Jaccard index of the top-term
        sets (:func:`scipy.optimize.linear_sum_assignment`).
    agreement : float
        Mean Jaccard index over the matched pairs, in [0, 1] (Greene, O'Callaghan &
        Cunningham 2014, with the Jaccard index of the full top-n sets).
    """
    from scipy.optimize import linear_sum_assignment

    a = np.asarray(a)
    b = np.asarray(b)
    if n_terms is None:
        n_terms = int(max(a.max(), b.max())) + 1
    j = _jaccard_matrix(a, b, n_terms)
    rows, cols = linear_sum_assignment(j, maximize=True)
    assignment = np.full(len(a), -1, dtype=np.int64)
    assignment[rows] = cols
    return assignment, float(j[rows, cols].mean())


def select_k(
    dtm: DTM,
    *,
    ks: Iterable[int],
    method: str = "nmf",
    seeds: Sequence[int] = (0, 1),
    top_n: int = 10,
    progress: bool = True,
    return_models: bool = False,
    n_jobs: int = 1,
    sample: int | None = None,
    sample_seed: int = 0,
    **kwargs: object,
) -> pd.DataFrame | tuple[pd.DataFrame, dict]:
    """Fit a model for every (k, seed) and score it, to choose the number of topics.

    Metrics (all from the corpus' own co-occurrences, over the DTM's units; see
    :func:`topic_coherence` for the exact formulas):

    ``npmi``
        Mean NPMI (Bouma 2009; Röder et al. 2015) over the pairs of each topic's
        ``top_n`` terms, averaged over topics. Window: the whole unit (boolean document
        co-occurrence), eps = 1e-12. In [-1, 1]; higher is more coherent.
    ``umass``
        Mean of log((D(w_m, w_l) + 1) / D(w_l)) over the ordered pairs of top terms
        (Mimno et al. 2011), averaged over topics. <= log 2; higher is more coherent.
    ``diversity``
        Topic diversity (Dieng, Ruiz & Blei 2020): the number of unique terms among
        the top-25 terms of all topics divided by 25 k. In (0, 1]; 1 = no shared terms.
    ``stability``
        Greene, O'Callaghan & Cunningham (2014): for each pair of seeds at the same k,
        the topics are matched one-to-one by the Hungarian algorithm on the Jaccard
        index of their top ``top_n`` term sets, and the matched Jaccard values are
        averaged. A model's stability is the mean agreement with the models of the
        other seeds at its k. In [0, 1]; NaN with a single seed.

    Parameters
    ----------
    dtm : DTM
    ks : iterable of int
        Numbers of topics to try. A k with fewer than ``2 k`` units
        (:data:`~analysis.topics.model.UNITS_PER_TOPIC`) is skipped with one
        :class:`~analysis.errors.InputWarning` naming the skipped k and the number of
        units; when every k is skipped, :class:`~analysis.errors.AnalysisError`.
    method : {"nmf", "lda"}, default "nmf"
    seeds : sequence of int, default (0, 1)
    top_n : int, default 10
        Top terms per topic for coherence and stability.
    progress : bool, default True
        Show a tqdm progress bar over the fits.
    return_models : bool, default False
        Also return a dict ``{(k, seed): TopicModel}``.
    n_jobs : int, default 1
        Threads (NMF with the default options: each iteration's products are cut into
        blocks of rows and the fits' sweeps spread over the threads) or processes
        (joblib, one fit each: LDA, or NMF with other options). No sum depends on it, so
        neither do the results. -1: all the cores this process may use
        (``$ANALYSIS_CPUS`` when set, as the report sets it in its kernels), -2 all but
        one, and so on.
    sample : int, optional
        Fit every (k, seed) on the same random sample of this many units (drawn once
        with ``sample_seed``, rows kept in DTM order) when the DTM has more; coherence
        is still counted over all units. The time of the fits is proportional to the
        non-zeros, so a sample of ``s`` of ``n`` units costs about ``s / n`` of it.
        Stability on random subsets of the documents is how Greene, O'Callaghan &
        Cunningham (2014) measure it; the price is a noisier stability for each k (on
        the UN General Debate, 5,000 of 10,952 speeches chose the same k; see
        benchmarks/README.md). None (default): every unit.
    sample_seed : int, default 0
        Seed of the sample.
    **kwargs
        Passed to :func:`fit_topics`.

    Notes
    -----
    NMF fits with the default options (``init="random"``, ``max_iter``, ``tol``) share
    one TF-IDF matrix and its transpose, computed once, instead of one per fit, and run
    together: every iteration multiplies the sparse input once by the factors of all the
    fits still running, side by side, instead of once per fit. The coordinate descent is
    scikit-learn's step for step and each column of a product adds the same terms in the
    same order, so every fit (``W``, ``H``, the iteration count) and hence the table are
    bit-identical to fitting each (k, seed) with :func:`fit_topics` (tested on the seed
    corpus and ``tests/data/ungdc_mini``). The time goes into those sparse products; in
    scipy they cost mostly per non-zero, so sharing them made the 18 fits of the UN
    General Debate report (5,000 speeches, k = 3..8, 3 seeds) take 44 s of CPU instead
    of 81 s (benchmarks/README.md). The metrics take well under 1% of the time.

    Returns
    -------
    DataFrame
        One row per (k, seed): ``method, k, seed, npmi, umass, diversity, stability``.
        ``attrs["skipped_k"]`` lists the k skipped for having too few units (may be
        empty), ``attrs["n_units"]`` the number of units and ``attrs["n_fitted"]`` the
        number the models were fitted on (``sample`` when the DTM has more units). With
        ``return_models``, the models are those of the fitted units.
    """
    from tqdm import tqdm

    ks = [int(k) for k in ks] if not isinstance(ks, int | np.integer) else [int(ks)]
    seeds = [int(s) for s in seeds]
    if not ks:
        raise AnalysisError("ks is empty; pass the numbers of topics to try, e.g. ks=range(2, 11)")
    if not seeds:
        raise AnalysisError("seeds is empty; pass at least one seed, e.g. seeds=(0, 1)")
    if len(set(seeds)) != len(seeds):
        raise AnalysisError(f"seeds={seeds} has duplicates; use distinct seeds")
    if method not in METHODS:
        raise AnalysisError(f"method={method!r} is not one of {', '.join(METHODS)}; pick one")
    n_units = dtm.matrix.shape[0]
    fit_dtm = _sample_units(dtm, sample, sample_seed)
    n_fitted = fit_dtm.matrix.shape[0]
    skipped = [k for k in ks if k >= 2 and few_units_message(k, n_fitted) is not None]
    ks = [k for k in ks if k not in skipped]
    if not ks:
        most = n_fitted // UNITS_PER_TOPIC
        fix = f"try k <= {most} or a smaller unit" if most >= 2 else "try a smaller unit"
        raise AnalysisError(
            f"ks={skipped}: every k needs at least {UNITS_PER_TOPIC}k units and this DTM has "
            f"{n_fitted}{' in the sample' if n_fitted < n_units else ''}; {fix} (paragraph, sentence)"
        )
    if skipped:
        warnings.warn(
            f"select_k skips k={', '.join(map(str, skipped))}: {n_fitted} units, fewer than "
            f"{UNITS_PER_TOPIC}k for each of them; try a smaller unit (paragraph, sentence)",
            InputWarning,
            stacklevel=2,
        )
    for k in ks:
        _check_k(k, dtm)
    n_terms = dtm.matrix.shape[1]
    top_n = _check_top(top_n, n_terms)
    csc = dtm.matrix.tocsc()
    models: dict = {}
    tops: dict = {}
    grid = list(itertools.product(ks, seeds))
    # Largest k first: fits take longer as k grows, and starting the long ones first
    # keeps parallel workers from idling at the end (longest-processing-time rule).
    # The rows keep the order of ``ks`` and ``seeds``.
    schedule = sorted(grid, key=lambda ks_: -ks_[0])
    if method == "nmf" and _fast_nmf_ok(kwargs):
        # One TF-IDF (and its transpose) for every fit, and the fits run in lockstep:
        # each iteration's sparse products are shared by all the fits still running
        # (bit-identical to fitting them one by one; see _nmf_cd_many).
        workers = cpus_for(n_jobs)
        fits: Iterable = _fit_nmf_many(
            fit_dtm, schedule, data=_NMFInput(fit_dtm), n_threads=workers, **kwargs
        )
    elif n_jobs == 1:
        fits = (
            ((k, s), fit_topics(fit_dtm, k, method=method, seed=s, **kwargs)) for k, s in schedule
        )
    else:
        from joblib import Parallel, delayed

        fitted = Parallel(n_jobs=cpus_for(n_jobs), return_as="generator")(
            delayed(fit_topics)(fit_dtm, k, method=method, seed=s, **kwargs) for k, s in schedule
        )
        fits = zip(schedule, fitted, strict=True)
    bar = tqdm(
        fits, total=len(grid), desc=f"{method.upper()} fits", disable=not progress, unit="fit"
    )
    done: dict = {}
    try:
        for (k, s), m in bar:  # metrics as each fit arrives
            top = m.top_term_indices(top_n)
            cols, d, n_units = _cooccurrence(csc, top)
            npmi, umass = _coherence_from(top, cols, d, n_units)
            tops[k, s] = top
            done[k, s] = dict(
                method=method,
                k=k,
                seed=s,
                npmi=float(np.nanmean(npmi)),
                umass=float(np.nanmean(umass)),
                diversity=_diversity(m.topic_term_),
            )
            if return_models:
                models[k, s] = m
    finally:
        close = getattr(fits, "close", None)
        if close is not None:  # stops the fits still running (their threads, their pool)
            close()
    rows = [done[key] for key in grid]
    models = {key: models[key] for key in grid if key in models}
    for row in rows:
        others = [s for s in seeds if s != row["seed"]]
        agree = [
            match_topics(tops[row["k"], row["seed"]], tops[row["k"], o], n_terms=n_terms)[1]
            for o in others
        ]
        row["stability"] = float(np.mean(agree)) if agree else math.nan
    out = pd.DataFrame(
        rows, columns=["method", "k", "seed", "npmi", "umass", "diversity", "stability"]
    )
    out.attrs["skipped_k"] = skipped
    out.attrs["n_units"] = int(n_units)
    out.attrs["n_fitted"] = int(n_fitted)
    return (out, models) if return_models else out


def _sample_units(dtm: DTM, sample: int | None, seed: int) -> DTM:
    """``dtm`` restricted to a random ``sample`` of its units (rows in DTM order, the
    vocabulary kept whole), or ``dtm`` itself when ``sample`` is None or not smaller."""
    if sample is None:
        return dtm
    if isinstance(sample, bool) or not isinstance(sample, int | np.integer) or sample < 2:
        raise AnalysisError(
            f"sample={sample!r}: give a whole number of units of at least 2, or None for all units"
        )
    n = dtm.matrix.shape[0]
    if sample >= n:
        return dtm
    rows = np.sort(np.random.default_rng(int(seed)).choice(n, size=int(sample), replace=False))
    return DTM(
        matrix=dtm.matrix[rows],
        terms=dtm.terms,
        docs=dtm.docs.iloc[rows].reset_index(drop=True),
        keys=dtm.keys,
        params=dtm.params,
    )
