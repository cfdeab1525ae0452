"""The topic model: :class:`TopicModel` and :func:`fit_topics` (NMF on TF-IDF, or LDA).

Topic numbering is deterministic: after fitting, topics are ordered by their mean share
over units (topic 1 is the most prevalent), so the same seed gives the same table.

References
----------
Lee & Seung (1999), Learning the parts of objects by non-negative matrix factorization.
Blei, Ng & Jordan (2003), Latent Dirichlet Allocation; Hoffman, Blei & Bach (2010).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..dtm import DTM
from ..errors import AnalysisError, InputWarning
from ..validation import check_top_n, renamed

__all__ = ["METHODS", "UNITS_PER_TOPIC", "TopicModel", "fit_topics"]

METHODS = ("nmf", "lda")
LABEL_SEP = " · "

#: Fewest units per topic: fitting k topics on fewer than ``UNITS_PER_TOPIC * k`` units
#: warns (:func:`fit_topics`) and :func:`~analysis.topics.select_k` skips such k. A rank-k
#: factorisation of n <= 2k rows can give (nearly) every unit a topic of its own, so
#: its topics describe single units rather than what they share.
UNITS_PER_TOPIC = 2


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

    @renamed(n="top_n")
    def top_term_indices(self, top_n: int = 10) -> np.ndarray:
        """Column indices of the ``top_n`` heaviest terms of each topic, shape (k, top_n).

        Ties are broken by column order (stable sort), so the result is deterministic.
        ``top_n`` is capped at the number of terms. (``n=`` is the deprecated old name.)
        """
        top_n = _check_top(top_n, self.topic_term_.shape[1])
        return np.argsort(-self.topic_term_, axis=1, kind="stable")[:, :top_n]

    @renamed(n="top_n")
    def top_terms(self, top_n: int = 10) -> pd.DataFrame:
        """The ``top_n`` top terms of each topic, in display forms.

        ``n=`` is the deprecated old name of ``top_n``.

        Returns
        -------
        DataFrame
            ``topic`` (1..k), ``label``, ``rank`` (1 = heaviest), ``term`` (the DTM's
            display form, never a bare stem), ``weight`` (the term's share of the
            topic's total weight, a row of ``topic_term_``).
        """
        return _top_terms_table(
            self.top_term_indices(top_n), self.topic_term_, self.labels_, self.dtm.terms
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


def _check_top(top_n: int, n_terms: int) -> int:
    """``top_n`` checked (a whole number >= 1) and capped at the number of terms."""
    return min(check_top_n(top_n, allow_none=False), int(n_terms))


def _top_terms_table(
    idx: np.ndarray, topic_term: np.ndarray, labels: np.ndarray, terms: np.ndarray
) -> pd.DataFrame:
    """The table of :meth:`TopicModel.top_terms` for the column indices ``idx`` (k, n)."""
    k, n = idx.shape
    topics = np.repeat(np.arange(1, k + 1), n)
    return pd.DataFrame(
        {
            "topic": topics,
            "label": labels[topics - 1],
            "rank": np.tile(np.arange(1, n + 1), k),
            "term": terms[idx.ravel()].astype(str),
            "weight": np.take_along_axis(topic_term, idx, axis=1).ravel(),
        }
    )


def _check_k(k: object, dtm: DTM) -> int:
    return _check_k_shape(k, *dtm.matrix.shape)


def _check_k_shape(k: object, n_units: int, n_terms: int) -> int:
    """``k`` checked: an integer with ``2 <= k <= min(n_units, n_terms)``."""
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


def few_units_message(k: int, n_units: int) -> str | None:
    """The warning for ``k`` topics on ``n_units`` units, or None when there are enough.

    ``"k=5 topics on 5 units: fewer than 2k = 10 units, ..."`` (one line), for
    ``n_units < UNITS_PER_TOPIC * k``.
    """
    need = UNITS_PER_TOPIC * int(k)
    if n_units >= need:
        return None
    most = int(n_units) // UNITS_PER_TOPIC
    fix = f"use k <= {most} or a smaller unit" if most >= 2 else "use a smaller unit"
    return (
        f"k={int(k)} topics on {int(n_units)} units: fewer than {UNITS_PER_TOPIC}k = {need} "
        f"units, so the topics can describe single units rather than what they share; "
        f"{fix} (paragraph, sentence)"
    )


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
        Number of topics, ``2 <= k <= min(n_units, n_terms)``. Fewer than
        ``2 k`` units (:data:`UNITS_PER_TOPIC`) emit an
        :class:`~analysis.errors.InputWarning` naming k and the number of units: the fit
        runs, but its topics are not identified by the data.
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
        With the default options or only ``max_iter``, ``tol`` and ``init="random"``
        given, the fit is scikit-learn's, update for update, with its sparse products
        made faster (:func:`_nmf_cd_many`; the same factors, iterations and
        ``reconstruction_err_`` to the bit, tested); other options go to
        :class:`~sklearn.decomposition.NMF` itself.
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

    Notes
    -----
    **Scale.** The fit holds the whole units x terms matrix in memory several times.
    With ``nnz`` non-zero counts, ``n`` units and ``V`` terms, the NMF fit peaks at about
    ``40 nnz + 8 k (n + V)`` bytes on top of the DTM's own ``12 nnz + 4 n`` (int64
    counts, int32 indices): a float64 copy of the counts (12 per non-zero), their float64
    TF-IDF (12) and the float32 input of the solver (8: float32 value, int32 index), for
    the default options its transpose (8), and the factors (measured with
    ``tracemalloc``: 2,000,000 non-zeros, 20,000 units and terms, k=10: a peak of 83.4 MB
    over the DTM's 24 MB; 83.5 MB through scikit-learn's estimator). So 10^9 non-zeros
    need about 52 GB. Past one machine, learn the topics online from one partition at a
    time with :func:`analysis.distributed.fit_topics_online` (MiniBatchNMF on the same
    TF-IDF rows, with the corpus-wide document frequencies).
    """
    from sklearn.decomposition import LatentDirichletAllocation
    from threadpoolctl import threadpool_limits

    if method not in METHODS:
        raise AnalysisError(f"method={method!r} is not one of {', '.join(METHODS)}; pick one")
    if not isinstance(dtm, DTM):
        raise AnalysisError("dtm must be an analysis.DTM; build it with analysis.build_dtm")
    k = _check_k(k, dtm)
    few = few_units_message(k, dtm.matrix.shape[0])
    if few is not None:
        warnings.warn(few, InputWarning, stacklevel=2)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise AnalysisError(f"seed={seed!r}: use an integer")
    if method == "nmf" and _fast_nmf_ok(kwargs):
        # scikit-learn's fit, bit for bit, with faster products (see _nmf_cd_many)
        [(_, model)] = _fit_nmf_many(dtm, [(k, seed)], data=_NMFInput(dtm), **kwargs)
        return model
    counts = dtm.matrix.tocsr().astype(np.float64)
    if counts.nnz == 0:
        raise AnalysisError("the DTM is empty (no counts); lower min_df or check the corpus")
    if method == "nmf":
        params: dict = dict(init="random", max_iter=400, tol=1e-3)
        params.update(kwargs)
        est = _nmf_estimator(k, seed, params)
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
    empty = np.asarray(counts.sum(axis=1)).ravel() == 0
    return _model(
        dtm, method=method, k=k, seed=int(seed), params=params, est=est, w=w, h=h, empty=empty
    )


def _model(
    dtm: DTM,
    *,
    method: str,
    k: int,
    seed: int,
    params: dict,
    est: object,
    w: np.ndarray,
    h: np.ndarray,
    empty: np.ndarray,
) -> TopicModel:
    """A :class:`TopicModel` from the factors ``w`` (units x k) and ``h`` (k x terms)."""
    w = np.asarray(w, dtype=np.float64)
    h = np.asarray(h, dtype=np.float64)
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

    model = TopicModel(method=method, k=k, seed=seed, dtm=dtm, params=params)
    model.estimator_ = est
    model.order_ = order
    model.components_ = h
    model.topic_term_ = topic_term
    model.doc_topic_ = theta
    model.labels_ = _labels(topic_term, dtm.terms)
    model.n_iter_ = int(getattr(est, "n_iter_", 0))
    return model


#: Options of the NMF fit that :func:`_fit_nmf_many` reproduces exactly; any other
#: keyword argument sends the fit through :class:`sklearn.decomposition.NMF` itself.
_FAST_NMF_OPTIONS = frozenset({"init", "max_iter", "tol"})


class _NMFInput:
    """The NMF input of a DTM, computed once and shared by many fits.

    ``x``: the float32 TF-IDF of :func:`fit_topics` (CSR, units x terms); ``xt``: its
    transpose, also CSR; ``empty``: the units with no count. The products ``x @ Hᵀ`` and
    ``xt @ W`` of coordinate descent are made by :class:`_Product`, which reads either
    matrix row by row or column by column (``xt``'s arrays are ``x``'s columns): every
    form adds the same terms in the same order as scikit-learn's ``X @ Hᵀ`` (rows of
    ``X``, terms ascending) and ``X.T @ W`` (columns of ``X``, units ascending), so the
    fits are bit-identical to scikit-learn's.
    """

    def __init__(self, dtm: DTM) -> None:
        counts = dtm.matrix.tocsr().astype(np.float64)
        if counts.nnz == 0:
            raise AnalysisError("the DTM is empty (no counts); lower min_df or check the corpus")
        self.x = _tfidf(counts).astype(np.float32)
        self.xt = self.x.T.tocsr()  # rows of x.T; units ascending within each row
        self.empty = np.asarray(counts.sum(axis=1)).ravel() == 0


def _fast_nmf_ok(kwargs: dict) -> bool:
    return set(kwargs) <= _FAST_NMF_OPTIONS and kwargs.get("init", "random") == "random"


def _row_blocks(x: sp.csr_matrix, n: int) -> list[sp.csr_matrix]:
    """``x`` cut into at most ``n`` blocks of consecutive rows holding about equal
    numbers of non-zeros (the cost of a sparse product), for one thread each. The blocks
    are copies (scipy copies a small view of a large array), so more than one block
    takes the memory of ``x`` once more."""
    if n <= 1 or x.shape[0] < 2 * n:
        return [x]
    cuts = np.searchsorted(x.indptr, np.arange(1, n) * (x.nnz / n))
    bounds = np.unique(np.concatenate([[0], np.clip(cuts, 1, x.shape[0] - 1), [x.shape[0]]]))
    return [x[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


#: Largest result (bytes, per block of rows) that :class:`_Product` computes by
#: scattering: a result of a few MB stays in the CPU caches while the dense operand is
#: read in order; a larger one is better gathered into row by row. On 5,000 UN General
#: Debate speeches x 42,692 terms (3.9 M non-zeros, AMD EPYC, 1 MB L2 a core), ``x @ Hᵀ``
#: with 99 columns (a 2 MB result) took 64 ms gathered and 42 ms scattered, ``xᵀ @ W``
#: with 12 columns (2 MB) 11 and 7 ms, with 48 columns (8 MB) 22 and 23 ms
#: (benchmarks/README.md). Either way the sums are the same.
_SCATTER_BYTES = 4 << 20


class _Product:
    """``m @ dense`` for a fixed sparse ``m`` (CSR, indices sorted within rows) given
    with its transpose ``mt`` (CSR), by one of scipy's two kernels: gathering (CSR: each
    row of the result adds the rows of ``dense`` its non-zeros name) or scattering (CSC:
    each row of ``dense`` is added into the rows of the result its column names; the
    columns of ``m`` are the rows of ``mt``, so with one block that form needs no copy,
    and it is made only if a product uses it). Row ``i`` of
    the result adds ``m[i, j] * dense[j]`` over ``j`` ascending in both, so they are
    equal to the bit; the faster one is chosen by the result's size
    (:data:`_SCATTER_BYTES`). With ``n_blocks > 1`` both forms are cut into blocks of
    rows, one per thread (each block's rows are summed as in the whole)."""

    def __init__(self, m: sp.csr_matrix, mt: sp.csr_matrix, n_blocks: int = 1) -> None:
        self.gather = _row_blocks(m, n_blocks)
        self.sorted = bool(m.has_sorted_indices)  # else scattering adds in another order
        self._mt = mt if len(self.gather) == 1 else None
        self._scatter: list | None = None

    @property
    def scatter(self) -> list | None:
        """The scattering blocks (CSC), made when first needed: with one block, ``mt``'s
        arrays read as CSC (no copy); with several, each block converted (a copy of the
        input). None when ``m``'s rows are not sorted."""
        if not self.sorted:
            return None
        if self._scatter is None:
            if self._mt is not None:
                mt, shape = self._mt, self.gather[0].shape
                self._scatter = [sp.csc_matrix((mt.data, mt.indices, mt.indptr), shape=shape)]
            else:
                self._scatter = [block.tocsc() for block in self.gather]
        return self._scatter

    def blocks(self, dense: np.ndarray) -> list:
        """The form that multiplies ``dense``: the scattering blocks (CSC) when each
        block's result takes at most :data:`_SCATTER_BYTES`, else the gathering ones."""
        rows = max(block.shape[0] for block in self.gather)
        big = rows * dense.shape[1] * dense.itemsize > _SCATTER_BYTES
        return self.gather if big or not self.sorted else self.scatter

    def __call__(self, dense: np.ndarray, pool) -> np.ndarray:
        blocks = self.blocks(dense)
        if len(blocks) == 1:
            return blocks[0] @ dense
        each = map if pool is None else pool.map
        return np.vstack(list(each(lambda block: block @ dense, blocks)))


class _CDFit:
    """The state of one (k, seed) fit in :func:`_nmf_cd_many`."""

    __slots__ = ("key", "k", "w", "ht", "perm", "violation", "violation_init")

    def __init__(self, key: tuple, k: int, w: np.ndarray, ht: np.ndarray) -> None:
        self.key, self.k, self.w, self.ht = key, k, w, ht
        self.perm = np.arange(k, dtype=np.intp)
        self.violation = self.violation_init = 0.0


def _nmf_cd_many(
    data: _NMFInput,
    fits: Sequence[tuple[int, int]],
    *,
    tol: float,
    max_iter: int,
    n_threads: int = 1,
):
    """scikit-learn's NMF coordinate descent (Frobenius loss, no regularisation, no
    shuffle, ``init="random"``) for many (k, seed) at once, in lockstep, on the shared
    input ``data``: yields ``((k, seed), w, h, n_iter)`` as each fit meets its stopping
    rule.

    Every fit makes scikit-learn's updates step for step: the same start
    (``_initialize_nmf``), the same cyclic sweeps (``_update_cdnmf_fast`` on ``H Hᵀ`` and
    ``X Hᵀ``, then on ``WᵀW`` and ``Xᵀ W``) and the same stopping rule (summed
    projected-gradient violation over the first iteration's <= ``tol``), so ``W``, ``H``
    and the iteration count equal ``NMF(...).fit_transform`` bit for bit (tested). What
    is saved is the TF-IDF per fit, time in each product (:class:`_Product` reads the
    input by rows or by columns, whichever suits the product's size; scikit-learn
    gathers ``X Hᵀ`` by rows and scatters ``Xᵀ W`` by columns), and most of the sparse
    products: those of one iteration are shared, ``X [H_1ᵀ | H_2ᵀ | ...]`` and
    ``Xᵀ [W_1 | W_2 | ...]`` over the fits still running, one pass over the non-zeros
    for all of them instead of one per fit. Column ``j`` of such a product adds the same
    terms in the same order as the product with that column alone, so each fit stays
    bit-identical (tested). The cost of scipy's product is mostly per non-zero, not per
    column: on 5,000 UN General Debate speeches x 42,692 terms (3.9 M non-zeros) one
    pair of products took about 31 ms for 6 columns and 230 ms for 99, so 2.2x less per
    column (benchmarks/README.md; before :class:`_Product`). With ``n_threads > 1`` each
    product runs on blocks of rows, one per thread, and the coordinate-descent sweeps of
    the fits are spread over the threads; neither changes any sum (the row blocks hold
    the input once more, and once more again when a product scatters them). A fit that
    reaches ``max_iter`` warns as scikit-learn does.
    """
    from concurrent.futures import ThreadPoolExecutor

    from sklearn.decomposition._cdnmf_fast import _update_cdnmf_fast
    from sklearn.decomposition._nmf import _initialize_nmf

    state = []
    for k, seed in fits:
        w, h = _initialize_nmf(data.x, k, init="random", random_state=int(seed))
        state.append(_CDFit((k, seed), k, np.ascontiguousarray(w), np.ascontiguousarray(h.T)))
    x_ht, xt_w = _Product(data.x, data.xt, n_threads), _Product(data.xt, data.x, n_threads)
    pool = ThreadPoolExecutor(max_workers=n_threads) if n_threads > 1 else None
    each = pool.map if pool is not None else map

    def sweep_w(f_xht: tuple[_CDFit, np.ndarray]) -> None:
        f, xht = f_xht
        f.violation = _update_cdnmf_fast(f.w, np.dot(f.ht.T, f.ht), xht, f.perm)

    def sweep_h(f_xtw: tuple[_CDFit, np.ndarray]) -> None:
        f, xtw = f_xtw
        f.violation += _update_cdnmf_fast(f.ht, np.dot(f.w.T, f.w), xtw, f.perm)

    def columns(product: np.ndarray, running: list[_CDFit]) -> list[tuple[_CDFit, np.ndarray]]:
        # each fit's columns as a view: the sweep reads its product through strides
        ends = np.cumsum([f.k for f in running])
        return [(f, product[:, end - f.k : end]) for f, end in zip(running, ends, strict=True)]

    running, max_iter = state, int(max_iter)
    try:
        for n_iter in range(1, max_iter + 1):
            xht = x_ht(np.hstack([f.ht for f in running]), pool)
            list(each(sweep_w, columns(xht, running)))
            del xht
            xtw = xt_w(np.hstack([f.w for f in running]), pool)
            list(each(sweep_h, columns(xtw, running)))
            del xtw
            still = []
            for f in running:
                if n_iter == 1:
                    f.violation_init = f.violation
                converged = f.violation_init == 0 or f.violation / f.violation_init <= tol
                if not converged and n_iter < max_iter:
                    still.append(f)
                    continue
                if n_iter == max_iter and tol > 0:  # as scikit-learn: even if it just converged
                    from sklearn.exceptions import ConvergenceWarning

                    warnings.warn(
                        f"Maximum number of iterations {max_iter} reached. Increase it to "
                        "improve convergence.",
                        ConvergenceWarning,
                        stacklevel=2,
                    )
                yield f.key, f.w, f.ht.T, n_iter
            running = still
            if not running:
                break
    finally:
        if pool is not None:
            pool.shutdown(wait=True)


def _fast_params(kwargs: dict) -> dict:
    params: dict = dict(init="random", max_iter=400, tol=1e-3)
    params.update(kwargs)
    return params


def _nmf_estimator(k: int, seed: int, params: dict):
    """scikit-learn's :class:`NMF` with ``params``, checked as its ``fit`` checks them:
    an unknown or invalid option is a one-line :class:`AnalysisError`."""
    from sklearn.decomposition import NMF

    try:
        est = NMF(n_components=k, random_state=int(seed), **params)
        est._validate_params()
    except (TypeError, ValueError) as exc:
        raise AnalysisError(
            f"NMF rejected its options ({exc}); check the keyword arguments"
        ) from None
    return est


def _prepared_model(
    dtm: DTM, k: int, *, seed: int, data: _NMFInput, params: dict, w, h, n_iter: int
) -> TopicModel:
    """The :class:`TopicModel` of factors fitted on a shared :class:`_NMFInput`; its
    ``estimator_`` is an :class:`NMF` with the attributes its ``fit_transform`` sets
    (``components_``, ``n_iter_``, ``reconstruction_err_``...; usable for ``transform``)."""
    from sklearn.decomposition._nmf import _beta_divergence

    est = _nmf_estimator(k, seed, params)
    est.reconstruction_err_ = _beta_divergence(data.x, w, h, 2, square_root=True)
    est.components_ = h
    est.n_components_ = k
    est._n_components = k
    est.n_features_in_ = h.shape[1]
    est.n_iter_ = n_iter
    return _model(
        dtm, method="nmf", k=k, seed=int(seed), params=params, est=est, w=w, h=h, empty=data.empty
    )


def _fit_nmf_many(
    dtm: DTM,
    fits: Sequence[tuple[int, int]],
    *,
    data: _NMFInput,
    n_threads: int = 1,
    **kwargs: object,
):
    """:func:`fit_topics` (NMF) for every (k, seed) of ``fits``, the same models, fitted
    together on the shared input ``data`` by :func:`_nmf_cd_many`; yields ``((k, seed),
    TopicModel)`` as each fit converges. The options must pass :func:`_fast_nmf_ok`
    (other options go through :func:`fit_topics`)."""
    from threadpoolctl import threadpool_limits

    params = _fast_params(kwargs)
    for k, seed in fits:
        _nmf_estimator(k, seed, params)  # a bad option stops before any fit
    with threadpool_limits(limits=1):  # one BLAS thread, as in fit_topics
        for (k, seed), w, h, n_iter in _nmf_cd_many(
            data,
            fits,
            tol=float(params["tol"]),
            max_iter=int(params["max_iter"]),
            n_threads=n_threads,
        ):
            yield (
                (k, seed),
                _prepared_model(
                    dtm, k, seed=seed, data=data, params=dict(params), w=w, h=h, n_iter=n_iter
                ),
            )
