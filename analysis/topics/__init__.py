"""Topic models: NMF and LDA, model selection, stability and topic prevalence.

:func:`fit_topics` fits one model on a :class:`~analysis.dtm.DTM` and returns a
:class:`TopicModel`; :func:`select_k` fits a grid of models (k x seed) and scores each
with coherence (NPMI, UMass), topic diversity and stability across seeds;
:func:`topic_prevalence` turns the unit x topic weights into the share of each topic per
group (source, year, ...) with bootstrap intervals over documents.

Topic numbering is deterministic: after fitting, topics are ordered by their mean share
over units (topic 1 is the most prevalent), so the same seed gives the same table.

References
----------
Lee & Seung (1999), Learning the parts of objects by non-negative matrix factorization.
Blei, Ng & Jordan (2003), Latent Dirichlet Allocation; Hoffman, Blei & Bach (2010).
Bouma (2009), Normalized (pointwise) mutual information in collocation extraction.
Mimno, Wallach, Talley, Leenders & McCallum (2011), Optimizing semantic coherence in
topic models. Röder, Both & Hinneburg (2015), Exploring the space of topic coherence
measures. Dieng, Ruiz & Blei (2020), Topic modeling in embedding spaces. Greene,
O'Callaghan & Cunningham (2014), How many topics? Stability analysis for topic models.
Efron & Tibshirani (1993), An Introduction to the Bootstrap.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..dtm import DTM
from ..errors import AnalysisError

__all__ = [
    "METHODS",
    "TopicModel",
    "fit_topics",
    "topic_coherence",
    "topic_prevalence",
    "select_k",
    "match_topics",
    "document_topics",
]

METHODS = ("nmf", "lda")
NPMI_EPSILON = 1e-12
DIVERSITY_TOP = 25
LABEL_SEP = " · "


# ----------------------------------------------------------------------------- model


class TopicModel:
    """A fitted topic model over the units of a :class:`~analysis.dtm.DTM`.

    Built by :func:`fit_topics`; not meant to be constructed directly.

    Attributes
    ----------
    method : {"nmf", "lda"}
    k : int
        Number of topics.
    seed : int
    dtm : DTM
        The document-term matrix the model was fitted on.
    estimator_ : sklearn estimator
        The fitted :class:`~sklearn.decomposition.NMF` or
        :class:`~sklearn.decomposition.LatentDirichletAllocation`. NMF was fitted on
        float32 TF-IDF, so its ``transform`` wants float32 input too
        (``X.astype(np.float32)``); the model's own arrays below are float64.
    components_ : ndarray, shape (k, n_terms)
        Topic-term weights, rows in topic order: NMF's ``H`` (on TF-IDF) or LDA's
        variational topic-word parameters ``lambda``.
    topic_term_ : ndarray, shape (k, n_terms)
        ``components_`` with each row normalised to sum 1 (for LDA, the expected
        p(term | topic)); the ``weight`` of :meth:`top_terms`.
    doc_topic_ : ndarray, shape (n_units, k)
        Unit x topic weights normalised to sum 1 per unit (NMF: rows of ``W`` divided by
        their sum; LDA: the variational posterior mean of theta). Units with no term of
        the vocabulary have no topic mix and get NaN rows.
    labels_ : ndarray of str, shape (k,)
        Short label per topic: its top 3 terms joined by " · " (made unique by a
        "(topic n)" suffix when two topics share their top 3 terms).
    """

    def __init__(self, *, method: str, k: int, seed: int, dtm: DTM, params: dict) -> None:
        self.method = method
        self.k = k
        self.seed = seed
        self.dtm = dtm
        self.params = params

    def __repr__(self) -> str:
        return f"<TopicModel {self.method.upper()} k={self.k} seed={self.seed} on {self.dtm!r}>"

    @property
    def docs(self) -> pd.DataFrame:
        """Unit metadata, in the row order of ``doc_topic_``."""
        return self.dtm.docs

    def top_term_indices(self, n: int = 10) -> np.ndarray:
        """Column indices of the ``n`` heaviest terms of each topic, shape (k, n).

        Ties are broken by column order (stable sort), so the result is deterministic.
        """
        n = _check_top(n, self.topic_term_.shape[1])
        return np.argsort(-self.topic_term_, axis=1, kind="stable")[:, :n]

    def top_terms(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` top terms of each topic, in display forms.

        Returns
        -------
        DataFrame
            ``topic`` (1..k), ``label``, ``rank`` (1 = heaviest), ``term`` (the DTM's
            display form, never a bare stem), ``weight`` (the term's share of the
            topic's total weight, a row of ``topic_term_``).
        """
        idx = self.top_term_indices(n)
        k, n = idx.shape
        topics = np.repeat(np.arange(1, k + 1), n)
        return pd.DataFrame(
            {
                "topic": topics,
                "label": self.labels_[topics - 1],
                "rank": np.tile(np.arange(1, n + 1), k),
                "term": self.dtm.terms[idx.ravel()].astype(str),
                "weight": np.take_along_axis(self.topic_term_, idx, axis=1).ravel(),
            }
        )

    def topics(self) -> pd.DataFrame:
        """One row per topic: ``topic``, ``label``, ``share`` (mean unit share)."""
        return pd.DataFrame(
            {
                "topic": np.arange(1, self.k + 1),
                "label": self.labels_,
                "share": np.nanmean(self.doc_topic_, axis=0),
            }
        )

    def doc_topics(self, *, wide: bool = False) -> pd.DataFrame:
        """Unit x topic weights with the unit metadata.

        Parameters
        ----------
        wide : bool, default False
            False: tidy, one row per (unit, topic) with the metadata columns then
            ``topic``, ``label``, ``weight``. True: one row per unit with the metadata
            and one column ``topic_<t>`` per topic.
        """
        meta = self.docs.reset_index(drop=True)
        if wide:
            weights = pd.DataFrame(
                self.doc_topic_, columns=[f"topic_{t}" for t in range(1, self.k + 1)]
            )
            return pd.concat([meta, weights], axis=1)
        n = len(meta)
        out = meta.iloc[np.repeat(np.arange(n), self.k)].reset_index(drop=True)
        topics = np.tile(np.arange(1, self.k + 1), n)
        out["topic"] = topics
        out["label"] = self.labels_[topics - 1]
        out["weight"] = self.doc_topic_.ravel()
        return out


def _check_top(n: int, n_terms: int) -> int:
    if not isinstance(n, int | np.integer) or n < 1:
        raise AnalysisError(f"n={n!r}: the number of top terms must be a positive integer")
    return int(min(n, n_terms))


def _check_k(k: object, dtm: DTM) -> int:
    n_units, n_terms = dtm.matrix.shape
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise AnalysisError(f"k={k!r}: the number of topics must be an integer >= 2")
    limit = min(n_units, n_terms)
    if k < 2 or k > limit:
        raise AnalysisError(
            f"k={k}: the number of topics must be between 2 and {limit} "
            f"(this DTM has {n_units} units and {n_terms} terms); pick another k or a "
            "smaller unit (paragraph, sentence)"
        )
    return int(k)


def _tfidf(counts: sp.csr_matrix) -> sp.csr_matrix:
    from sklearn.feature_extraction.text import TfidfTransformer

    return TfidfTransformer(
        norm="l2", use_idf=True, smooth_idf=True, sublinear_tf=True
    ).fit_transform(counts)


def _labels(topic_term: np.ndarray, terms: np.ndarray) -> np.ndarray:
    top = np.argsort(-topic_term, axis=1, kind="stable")[:, :3]
    labels = [LABEL_SEP.join(str(terms[j]) for j in row) for row in top]
    seen: dict[str, int] = {}
    for lab in labels:
        seen[lab] = seen.get(lab, 0) + 1
    return np.asarray(
        [lab if seen[lab] == 1 else f"{lab} (topic {i + 1})" for i, lab in enumerate(labels)],
        dtype=object,
    )


def fit_topics(
    dtm: DTM, k: int, *, method: str = "nmf", seed: int = 0, **kwargs: object
) -> TopicModel:
    """Fit a topic model with ``k`` topics on the units of ``dtm``.

    Parameters
    ----------
    dtm : DTM
        Counts, units x terms (see :func:`analysis.build_dtm`). On a small corpus build
        it on paragraphs or sentences: k topics cannot be identified from a handful of
        documents.
    k : int
        Number of topics, ``2 <= k <= min(n_units, n_terms)``.
    method : {"nmf", "lda"}, default "nmf"
        ``"nmf"``: :class:`sklearn.decomposition.NMF` (Lee & Seung 1999; coordinate
        descent, Frobenius loss) on the TF-IDF of the counts, computed with
        ``TfidfTransformer(sublinear_tf=True, smooth_idf=True, norm="l2")``, i.e.
        ``(1 + log tf) * (1 + log((1 + n) / (1 + df)))`` then each unit scaled to unit
        L2 norm, then cast to single precision (float32) for the fit: scikit-learn's
        solver keeps the input's precision, and single precision roughly halves the
        memory traffic (on 2,000 UN General Debate speeches one k=20 fit took 12 s
        instead of 34 s, with the same iterations and identical top terms; gains vary
        with k and the start, see benchmarks/README.md; gensim also fits in float32 by
        default). ``components_``, ``topic_term_`` and ``doc_topic_`` are float64.
        Default ``init="random"`` seeded by ``seed``, so different seeds are
        genuinely different starts and :func:`select_k` measures stability (the
        ``"nndsvda"`` start is almost seed-independent); ``max_iter=400``, ``tol=1e-3``
        (on UNGDC samples, tighter tolerances cost 2-3x the time for the same NPMI and
        stability).
        ``"lda"``: :class:`sklearn.decomposition.LatentDirichletAllocation` (Blei, Ng &
        Jordan 2003) on the raw counts, ``learning_method="batch"``, ``max_iter=50``,
        default priors 1/k, ``n_jobs=1`` (parallel E-steps change the summation order).
        Both fit with BLAS/OpenMP limited to one thread (``threadpoolctl``): threaded
        BLAS can change the order of floating-point sums, and on small matrices it is
        slower anyway.
    seed : int, default 0
        ``random_state`` of the estimator. The same seed gives identical results.
    **kwargs
        Passed to the scikit-learn estimator, overriding the defaults above (e.g.
        ``init="nndsvda"``, ``alpha_W=0.1``, ``doc_topic_prior=0.1``).

    Returns
    -------
    TopicModel
    """
    from sklearn.decomposition import NMF, LatentDirichletAllocation
    from threadpoolctl import threadpool_limits

    if method not in METHODS:
        raise AnalysisError(f"method={method!r} is not one of {', '.join(METHODS)}; pick one")
    if not isinstance(dtm, DTM):
        raise AnalysisError("dtm must be an analysis.DTM; build it with analysis.build_dtm")
    k = _check_k(k, dtm)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise AnalysisError(f"seed={seed!r}: use an integer")
    counts = dtm.matrix.tocsr().astype(np.float64)
    if counts.nnz == 0:
        raise AnalysisError("the DTM is empty (no counts); lower min_df or check the corpus")
    if method == "nmf":
        params: dict = dict(init="random", max_iter=400, tol=1e-3)
        params.update(kwargs)
        est = NMF(n_components=k, random_state=int(seed), **params)
        try:
            with threadpool_limits(limits=1):
                w = est.fit_transform(_tfidf(counts).astype(np.float32))
        except (TypeError, ValueError) as exc:
            raise AnalysisError(
                f"NMF rejected its options ({exc}); check the keyword arguments"
            ) from None
        h = est.components_
    else:
        params = dict(learning_method="batch", max_iter=50, n_jobs=1)
        params.update(kwargs)
        est = LatentDirichletAllocation(n_components=k, random_state=int(seed), **params)
        try:
            with threadpool_limits(limits=1):
                w = est.fit_transform(counts)
        except (TypeError, ValueError) as exc:
            raise AnalysisError(
                f"LDA rejected its options ({exc}); check the keyword arguments"
            ) from None
        h = est.components_
    w = np.asarray(w, dtype=np.float64)
    h = np.asarray(h, dtype=np.float64)
    empty = np.asarray(counts.sum(axis=1)).ravel() == 0
    row = w.sum(axis=1, keepdims=True)
    bad = empty | (row.ravel() <= 0)
    theta = np.divide(w, row, out=np.full_like(w, np.nan), where=~bad[:, None])
    # Deterministic topic order: by mean share over units, then by original index.
    share = np.nanmean(theta, axis=0) if (~bad).any() else np.zeros(k)
    order = np.lexsort((np.arange(k), -np.round(share, 12)))
    theta = theta[:, order]
    h = h[order]
    hsum = h.sum(axis=1, keepdims=True)
    topic_term = np.divide(h, hsum, out=np.zeros_like(h), where=hsum > 0)

    model = TopicModel(method=method, k=k, seed=int(seed), dtm=dtm, params=params)
    model.estimator_ = est
    model.order_ = order
    model.components_ = h
    model.topic_term_ = topic_term
    model.doc_topic_ = theta
    model.labels_ = _labels(topic_term, dtm.terms)
    model.n_iter_ = int(getattr(est, "n_iter_", 0))
    return model


# ----------------------------------------------------------------------------- metrics


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
        Numbers of topics to try.
    method : {"nmf", "lda"}, default "nmf"
    seeds : sequence of int, default (0, 1)
    top_n : int, default 10
        Top terms per topic for coherence and stability.
    progress : bool, default True
        Show a tqdm progress bar over the fits.
    return_models : bool, default False
        Also return a dict ``{(k, seed): TopicModel}``.
    n_jobs : int, default 1
        Fits run in this many processes (joblib); each fit is single-threaded, so the
        results do not depend on ``n_jobs``. -1: all cores.
    **kwargs
        Passed to :func:`fit_topics`.

    Returns
    -------
    DataFrame
        One row per (k, seed): ``method, k, seed, npmi, umass, diversity, stability``.
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
    if n_jobs == 1:
        fits: Iterable = (fit_topics(dtm, k, method=method, seed=s, **kwargs) for k, s in schedule)
    else:
        from joblib import Parallel, delayed

        fits = Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(fit_topics)(dtm, k, method=method, seed=s, **kwargs) for k, s in schedule
        )
    bar = tqdm(
        fits, total=len(grid), desc=f"{method.upper()} fits", disable=not progress, unit="fit"
    )
    done: dict = {}
    for (k, s), m in zip(schedule, bar, strict=True):  # metrics as each fit arrives
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
    return (out, models) if return_models else out


# ----------------------------------------------------------------------------- prevalence


def document_topics(model: TopicModel) -> pd.DataFrame:
    """Topic shares per document, aggregating units (paragraphs, sentences) first.

    A document's share of topic t is the token-weighted mean of its units' shares::

        theta[d, t] = sum_u n_tokens[u] * theta[u, t] / sum_u n_tokens[u]

    over the units u of d that have a topic mix (units with no vocabulary term are
    skipped); ``n_tokens`` is the unit's length before stop-word removal. When the
    units are documents this is the identity.

    Returns
    -------
    DataFrame
        One row per document with a topic mix: the document's metadata (the first unit's
        values of the ``docs`` columns other than ``unit_id``, ``unit_index`` and
        ``n_tokens``), ``n_tokens`` (sum over units) and ``topic_1..topic_k``.
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
    cols = pd.DataFrame(shares, columns=[f"topic_{t}" for t in range(1, model.k + 1)])
    return pd.concat([meta, cols], axis=1)


def topic_prevalence(
    model: TopicModel,
    *,
    by: str | None = None,
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Share of each topic per group, with bootstrap intervals over documents.

    1. Units are aggregated to documents (:func:`document_topics`: token-weighted mean
       of the units' topic shares).
    2. A group's prevalence of topic t is the mean of its documents' shares (every
       document counts once): ``prevalence = mean_d theta[d, t]``.
    3. The interval is a nonparametric percentile bootstrap (Efron & Tibshirani 1993):
       the group's n documents are resampled with replacement ``n_boot`` times (the
       resample counts are multinomial(n, 1/n), drawn with ``numpy.random.default_rng(
       seed)``, one group after the other in sorted order), the mean is recomputed, and
       ``ci_low``/``ci_high`` are the (1 - level)/2 and (1 + level)/2 quantiles.
       Documents are resampled within groups, so the intervals reflect between-document
       variation, not the fit's own uncertainty. A group with one document has no
       interval: NaN bounds and a ``note``.

    Parameters
    ----------
    model : TopicModel
    by : str or None
        A column of the unit metadata, constant within a document (``year``,
        ``source`` ...). None: one group, ``"all"``.
    n_boot : int, default 2000
    seed : int, default 0
    level : float, default 0.95

    Returns
    -------
    DataFrame
        ``group, topic, label, prevalence, ci_low, ci_high, n_docs, note``, sorted by
        group then topic.
    """
    if not isinstance(model, TopicModel):
        raise AnalysisError("model must be a TopicModel; fit it with analysis.fit_topics")
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 1:
        raise AnalysisError(f"n_boot={n_boot!r}: use a positive integer (e.g. 2000)")
    if not 0 < level < 1:
        raise AnalysisError(f"level={level!r}: use a confidence level between 0 and 1, e.g. 0.95")
    docs = model.docs
    if by is not None:
        if by not in docs.columns:
            raise AnalysisError(
                f"by={by!r} is not a column of the corpus; use one of {', '.join(map(str, docs.columns))}"
            )
        if docs[by].isna().any():
            raise AnalysisError(
                f"column {by!r} has missing values in {int(docs[by].isna().sum())} units; fill them or pick another column"
            )
        varies = docs.groupby("doc_id", sort=False)[by].nunique()
        if (varies > 1).any():
            raise AnalysisError(
                f"column {by!r} varies within document {varies.index[varies > 1][0]!r}; group by a document-level column"
            )
    dt = document_topics(model)
    shares = dt[[f"topic_{t}" for t in range(1, model.k + 1)]].to_numpy()
    if by is None:
        codes = np.zeros(len(dt), dtype=np.int64)
        groups = np.asarray(["all"], dtype=object)
    else:
        codes, groups = pd.factorize(dt[by], sort=True)
        groups = np.asarray(groups)
    rng = np.random.default_rng(seed)
    q = [(1 - level) / 2, (1 + level) / 2]
    frames = []
    for g in range(len(groups)):
        x = shares[codes == g]
        n = len(x)
        point = x.mean(axis=0)
        if n >= 2:
            counts = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot)
            boot = counts @ x / n
            lo, hi = np.quantile(boot, q, axis=0)
            note = ""
        else:
            lo = hi = np.full(model.k, np.nan)
            note = "one document: no interval"
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
    return pd.concat(frames, ignore_index=True)
