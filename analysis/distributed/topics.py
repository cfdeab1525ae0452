"""An out-of-core NMF topic model over the partitions of a corpus: :func:`fit_topics_online`.

:func:`analysis.fit_topics` factorises the whole units x terms TF-IDF in memory. Past
one machine, the factorisation is learnt online instead, from mini-batches of units
that stream through the client one partition at a time (Mairal, Bach, Ponce & Sapiro
2010, "Online learning for matrix factorization and sparse coding", JMLR 11; the
multiplicative-update variant of scikit-learn's
:class:`~sklearn.decomposition.MiniBatchNMF` follows Lefèvre, Bach & Févotte 2011,
"Online algorithms for nonnegative matrix factorization with the Itakura-Saito
divergence", WASPAA):

1. **Vocabulary**: pass 1 of the distributed :func:`~analysis.distributed.dtm.build_dtm`
   (a map-reduce, Dean & Ghemawat 2004, run with Dask, Rocklin 2015) gives the columns,
   each column's document frequency ``df`` and the number of units ``N`` over the
   whole corpus, with the same options and results as in memory.
2. **Epochs**: per epoch, each partition's count block is computed on the cluster
   against that vocabulary (pass 2 of ``build_dtm``, a few partitions ahead), weighted
   there exactly like the NMF input of :func:`~analysis.fit_topics` with the *global*
   ``df`` and ``N``, and brought to the client in partition order, where its units are
   cut into mini-batches of ``batch_size`` units (in corpus order, across partition
   boundaries) and fed to ``MiniBatchNMF.partial_fit``. Each epoch counts the corpus
   again; nothing but the k x terms factors persists between blocks.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import AnalysisError
from ._client import as_partitioned, compute, is_dask_frame, require_dask, resolve_client

__all__ = ["OnlineTopicModel", "fit_topics_online"]

#: The ``forget_factor`` of MiniBatchNMF: the weight left to the past after one epoch.
FORGET_FACTOR = 0.7


class OnlineTopicModel:
    """An NMF topic model learnt online over the partitions of a corpus.

    Built by :func:`fit_topics_online`; not meant to be constructed directly.

    Attributes
    ----------
    method : str
        ``"nmf-online"``.
    k : int
        Number of topics.
    seed : int
    terms : ndarray of str, shape (n_terms,)
        Display forms of the columns, as :attr:`analysis.DTM.terms` of ``build_dtm``
        with the same options.
    keys : ndarray of str, shape (n_terms,)
    params : dict
        The DTM options (as ``DTM.params``).
    n_units : int
        Units of the corpus the model was fitted on.
    df_ : ndarray of int64, shape (n_terms,)
        Document frequency of each term over all units.
    idf_ : ndarray of float64, shape (n_terms,)
        ``1 + log((1 + n_units) / (1 + df_))``, the IDF of the NMF input.
    estimator_ : sklearn.decomposition.MiniBatchNMF
        The fitted estimator; its ``transform`` wants float32 TF-IDF rows weighted with
        ``idf_`` (see :meth:`doc_topics`).
    components_ : ndarray of float64, shape (k, n_terms)
        The topic-term weights ``H`` (on TF-IDF), in the estimator's topic order
        (topics are not re-ordered by prevalence as in :func:`~analysis.fit_topics`:
        that needs every unit's shares, which :meth:`doc_topics` computes).
    topic_term_ : ndarray of float64, shape (k, n_terms)
        ``components_`` with each row normalised to sum 1.
    labels_ : ndarray of str, shape (k,)
        The top 3 terms of each topic joined by " · " (made unique as in
        :class:`~analysis.topics.TopicModel`).
    n_steps_ : int
        Mini-batches fed to ``partial_fit`` over all epochs.
    """

    def __init__(
        self, *, k: int, seed: int, epochs: int, batch_size: int, plan: dict, est: Any
    ) -> None:
        from ..topics.model import _labels

        self.method = "nmf-online"
        self.k = k
        self.seed = seed
        self.epochs = epochs
        self.batch_size = batch_size
        self.terms = plan["terms"]
        self.keys = plan["keys"]
        self.params = plan["args"]["params"]
        self.n_units = plan["n_units"]
        self.df_ = plan["df"]
        self.idf_ = plan["idf"]
        self.estimator_ = est
        self.n_steps_ = int(getattr(est, "n_steps_", 0))
        h = np.asarray(est.components_, dtype=np.float64)
        hsum = h.sum(axis=1, keepdims=True)
        self.components_ = h
        self.topic_term_ = np.divide(h, hsum, out=np.zeros_like(h), where=hsum > 0)
        self.labels_ = _labels(self.topic_term_, self.terms)
        # what pass 2 needs to count another corpus against this vocabulary
        self._args = plan["args"]
        self._lookup = plan["lookup"]

    def __repr__(self) -> str:
        return (
            f"<OnlineTopicModel NMF k={self.k} seed={self.seed} on {self.n_units} units "
            f"x {len(self.terms)} terms, {self.epochs} epoch(s)>"
        )

    def top_term_indices(self, top_n: int = 10) -> np.ndarray:
        """Column indices of the ``top_n`` heaviest terms of each topic, shape (k, top_n).

        Ties are broken by column order (stable sort); ``top_n`` is capped at the
        number of terms.
        """
        from ..topics.model import _check_top

        top_n = _check_top(top_n, self.topic_term_.shape[1])
        return np.argsort(-self.topic_term_, axis=1, kind="stable")[:, :top_n]

    def top_terms(self, top_n: int = 10) -> pd.DataFrame:
        """The ``top_n`` top terms of each topic: the table of
        :meth:`analysis.topics.TopicModel.top_terms`.

        Returns
        -------
        DataFrame
            ``topic`` (1..k), ``label``, ``rank`` (1 = heaviest), ``term`` (display
            form), ``weight`` (the term's share of the topic, a row of ``topic_term_``).
        """
        from ..topics.model import _top_terms_table

        return _top_terms_table(
            self.top_term_indices(top_n), self.topic_term_, self.labels_, self.terms
        )

    def doc_topics(self, corpus: Any, *, client: Any = None, wide: bool = False) -> pd.DataFrame:
        """Unit x topic shares of ``corpus``, computed per partition on the cluster.

        Each partition's units are counted against the model's vocabulary, weighted
        with its ``idf_`` (as for the fit) and given ``estimator_.transform``; each
        unit's weights are divided by their sum. The table of
        :meth:`analysis.topics.TopicModel.doc_topics`.

        Parameters
        ----------
        corpus : pandas or Dask DataFrame
            The corpus (``doc_id``, ``text``, metadata), e.g. the one of the fit. A
            pandas corpus is cut into contiguous partitions.
        client : distributed.Client, optional
            Where to compute (default: Dask's default client, else Dask's local threaded
            scheduler).
        wide : bool, default False
            False: one row per (unit, topic): the unit metadata of ``build_dtm``'s
            ``docs``, then ``topic``, ``label``, ``weight``. True: one row per unit with
            the metadata and one column ``topic_<t>`` per topic.

        Returns
        -------
        DataFrame
            In corpus order. Each unit's weights sum to 1; a unit with no term of the
            vocabulary gets NaN. ``transform`` starts every unit of a partition at
            ``sqrt(mean(X_p) / k)`` and stops when the partition's relative change of W
            is at most ``tol``, so a unit's shares depend slightly on the partitioning
            (ungdc_mini paragraphs, k=3: at most 0.0043 apart between 1 and 4
            partitions); the same partitioning gives identical shares. The result
            (units x k float64) comes to the client whole.
        """
        import dask

        from .dtm import _restore_dtypes

        require_dask("doc_topics on Dask")
        client = resolve_client(client)
        ddf = as_partitioned(corpus, client=client)
        _check_columns(ddf.columns)
        dtypes = None if is_dask_frame(corpus) else corpus.dtypes
        shared = _share(client, self._lookup)
        idf = _share(client, self.idf_)
        est = _share(client, self.estimator_)
        tasks = [
            dask.delayed(_doc_topic_task)(part, self._args, shared, idf, est, self.k)
            for part in ddf.to_delayed()
        ]
        results = compute(tasks, client=client)
        _forget(client)
        meta = _restore_dtypes(pd.concat([d for d, _ in results], ignore_index=True), dtypes)
        theta = np.concatenate([t for _, t in results], axis=0)
        if wide:
            cols = pd.DataFrame(theta, columns=[f"topic_{t}" for t in range(1, self.k + 1)])
            return pd.concat([meta.reset_index(drop=True), cols], axis=1)
        n = len(meta)
        out = meta.iloc[np.repeat(np.arange(n), self.k)].reset_index(drop=True)
        topics = np.tile(np.arange(1, self.k + 1), n)
        out["topic"] = topics
        out["label"] = self.labels_[topics - 1]
        out["weight"] = theta.ravel()
        return out


def fit_topics_online(
    corpus: Any,
    k: int,
    *,
    seed: int = 0,
    epochs: int = 1,
    batch_size: int = 1024,
    prefetch: int = 2,
    unit: str = "document",
    ngram_range: tuple[int, int] = (1, 1),
    stem: bool = False,
    stop_words: str | Sequence[str] | None = "english",
    min_df: int | float = 1,
    max_df: int | float = 1.0,
    token_pattern: str | None = None,
    lowercase: bool = True,
    phrases: Sequence[str] | None = None,
    extra_stop_words: Sequence[str] | None = None,
    client: Any = None,
    **kwargs: Any,
) -> OnlineTopicModel:
    """Fit ``k`` NMF topics online, one partition's TF-IDF in client memory at a time.

    The out-of-core counterpart of :func:`analysis.fit_topics` (``method="nmf"``) for a
    corpus whose units x terms matrix does not fit in one machine's memory (see the
    module docstring for the passes).

    **Input**: the TF-IDF of :func:`~analysis.fit_topics`, row for row:
    ``(1 + log tf) * (1 + log((1 + N) / (1 + df)))``, each unit scaled to unit L2
    norm, float32, with ``df`` and ``N`` over the whole corpus (not the partition).

    **Fit**: ``MiniBatchNMF(n_components=k, random_state=seed, init="random",
    batch_size=batch_size, forget_factor=0.7 ** (b / N), **kwargs)`` with
    ``b = min(batch_size, N)``, given the units in corpus order as consecutive
    mini-batches of ``batch_size`` units (the last of an epoch smaller; all-zero
    batches skipped) through ``partial_fit``, for ``epochs`` passes. Each
    ``partial_fit`` solves the batch's W (``fresh_restarts_max_iter`` = 30
    multiplicative updates from ``sqrt(mean(X_b) / k)``) then updates H once from
    running sums that decay by ``rho = 0.7 ** (b / N)`` per batch, i.e. by 0.7 per
    epoch, as ``MiniBatchNMF.fit`` does. Batches do not depend on the partitioning,
    so the same corpus, options and seed give identical ``components_`` on any number
    of partitions and workers. The random start is scaled by the first batch's mean.
    BLAS is limited to one thread (``threadpoolctl``) as in :func:`~analysis.fit_topics`.
    One epoch is one H update per batch: on a small corpus use several epochs (the
    in-memory fit, which iterates to convergence, is then the better tool).

    **Memory** on the client, for ``V`` terms: one partition's TF-IDF block, CSR
    float32 with int32 indices, ``8 nnz_p + 4 (n_p + 1)`` bytes (``n_p`` units,
    ``nnz_p`` non-zeros; up to twice that while it is unpacked and cut), at most one
    batch carried over to the next block (``8 nnz_b + 4 b``) and the batch's W
    (``4 b k``); the factors, ``H`` and the running sums ``A`` and ``B`` plus the
    update's temporaries, about ``7 x 4 k V = 28 k V`` bytes; and the vocabulary
    (``V`` strings, their lookup, ``df_`` and ``idf_``: roughly ``100 V`` bytes). The
    model keeps ``components_`` and ``topic_term_`` (``16 k V``). Each worker holds the
    vocabulary lookup, ``idf_`` and up to ``prefetch + 1`` partitions' blocks.

    Parameters
    ----------
    corpus : Dask or pandas DataFrame
        ``doc_id``, ``text`` and metadata (:func:`analysis.read_corpus`, with
        ``engine="dask"`` for a partitioned one). A pandas corpus is cut into
        contiguous partitions (:func:`analysis.distributed.as_partitioned`).
    k : int
        Number of topics, ``2 <= k <= min(N, V)``.
    seed : int, default 0
        ``random_state`` of the estimator. The same seed gives identical results.
    epochs : int, default 1
        Passes over the corpus; each counts the corpus again on the cluster.
    batch_size : int, default 1024
        Units per mini-batch.
    prefetch : int, default 2
        Partitions computed ahead of the one being fed (on the workers, not the client).
    unit, ngram_range, stem, stop_words, min_df, max_df, token_pattern, lowercase, \
phrases, extra_stop_words
        The DTM options of :func:`analysis.build_dtm` (``group_by`` is not offered:
        topics are fitted on units).
    client : distributed.Client, optional
        Where to compute (default: Dask's default client, else Dask's local threaded
        scheduler, which then counts in this process one partition at a time).
    **kwargs
        Passed to :class:`~sklearn.decomposition.MiniBatchNMF` (e.g. ``alpha_H``,
        ``beta_loss``, ``fresh_restarts_max_iter``); ``forget_factor`` is the weight
        left after one epoch (default 0.7), scaled per batch as above.

    Returns
    -------
    OnlineTopicModel

    Raises
    ------
    AnalysisError
        One line: ``k`` not an integer in ``[2, min(N, V)]``, ``epochs``,
        ``batch_size`` or ``prefetch`` not whole numbers (>= 1, >= 1, >= 0), rejected
        estimator options, and the errors of ``build_dtm``.
    """
    require_dask("fit_topics_online")
    import dask
    from sklearn.decomposition import MiniBatchNMF
    from threadpoolctl import threadpool_limits

    from ..topics.model import _check_k_shape

    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise AnalysisError(f"k={k!r}: the number of topics must be an integer >= 2")
    if k < 2:
        raise AnalysisError(f"k={k}: the number of topics must be at least 2; pick another k")
    seed = _whole(seed, "seed", 0, "use an integer", allow_negative=True)
    epochs = _whole(epochs, "epochs", 1, "give the number of passes over the corpus, >= 1")
    batch_size = _whole(batch_size, "batch_size", 1, "give the units per mini-batch, >= 1")
    prefetch = _whole(prefetch, "prefetch", 0, "give the partitions computed ahead, >= 0")
    forget = kwargs.pop("forget_factor", FORGET_FACTOR)
    if isinstance(forget, bool) or not isinstance(forget, int | float) or not 0 < forget <= 1:
        raise AnalysisError(f"forget_factor={forget!r}: give a number in (0, 1]")
    for name in ("n_components", "random_state", "batch_size"):
        if name in kwargs:
            raise AnalysisError(
                f"{name} is set by fit_topics_online; pass k, seed or batch_size instead"
            )

    from .dtm import _vocabulary

    plan = _vocabulary(
        corpus, unit=unit, ngram_range=ngram_range, stem=stem, stop_words=stop_words,
        min_df=min_df, max_df=max_df, token_pattern=token_pattern, lowercase=lowercase,
        phrases=phrases, extra_stop_words=extra_stop_words, group_by=None, client=client,
    )  # fmt: skip
    client, parts, args = plan["client"], plan["parts"], plan["args"]
    n_units, n_terms = plan["n_units"], len(plan["keys"])
    k = _check_k_shape(k, n_units, n_terms)
    shared = plan["shared"]
    plan["lookup"] = client.gather(shared) if client is not None else shared
    df = plan["df"]
    if plan["merged"]:  # a phrase and an n-gram share a column: count its units exactly
        df = _column_df(parts, args, shared, n_terms, client=client)
    plan["df"] = df
    plan["idf"] = idf = _idf(df, n_units)
    idf_shared = _share(client, idf)

    b = min(batch_size, n_units)
    params: dict = dict(init="random")
    params.update(kwargs)
    try:
        est = MiniBatchNMF(
            n_components=k, random_state=seed, batch_size=b,
            forget_factor=float(forget) ** (b / n_units), **params,
        )  # fmt: skip
    except TypeError as exc:
        raise AnalysisError(
            f"MiniBatchNMF rejected its options ({exc}); check the keyword arguments"
        ) from None

    def tasks() -> list:
        return [dask.delayed(_tfidf_task)(part, args, shared, idf_shared) for part in parts]

    for _ in range(epochs):
        for batch in _batches(_stream(tasks(), client, prefetch), batch_size):
            if batch.nnz == 0:
                continue
            try:
                with threadpool_limits(limits=1):
                    est.partial_fit(batch)
            except (TypeError, ValueError) as exc:
                raise AnalysisError(
                    f"MiniBatchNMF rejected its options ({exc}); check the keyword arguments"
                ) from None
    _forget(client)
    if not hasattr(est, "components_"):
        raise AnalysisError("the DTM is empty (no counts); lower min_df or check the corpus")
    return OnlineTopicModel(
        k=k, seed=seed, epochs=epochs, batch_size=batch_size, plan=plan, est=est
    )


def _forget(client: Any) -> None:
    """Drop the vocabulary lookup the workers cached for this fit (rebuilt when needed)."""
    if client is not None:
        from .dtm import _forget_lookups

        client.run(_forget_lookups)


# ----------------------------------------------------------------------------- weighting


def _idf(df: np.ndarray, n_units: int) -> np.ndarray:
    """Smooth IDF, ``1 + log((1 + N) / (1 + df))``, computed as ``TfidfTransformer.fit``
    computes it (float64, the same operations in the same order)."""
    d = np.asarray(df).astype(np.float64)
    d += 1.0
    idf = np.full_like(d, fill_value=int(n_units) + 1, dtype=np.float64)
    idf /= d
    np.log(idf, out=idf)
    idf += 1.0
    return idf


def _weigh(counts: sp.spmatrix, idf: np.ndarray) -> sp.csr_matrix:
    """The float32 NMF input of :func:`analysis.fit_topics` for rows of counts, given
    the global ``idf``: sublinear TF times IDF, rows scaled to unit L2 norm, as
    ``TfidfTransformer(sublinear_tf=True, smooth_idf=True, norm="l2").transform``."""
    from sklearn.preprocessing import normalize

    x = sp.csr_matrix(counts, dtype=np.float64, copy=True)
    np.log(x.data, x.data)
    x.data += 1.0
    x.data *= idf[x.indices]
    x = normalize(x, norm="l2", copy=False)
    return sp.csr_matrix(x.astype(np.float32))


# ----------------------------------------------------------------------------- tasks


def _tfidf_task(part: pd.DataFrame, args: dict, vocab: dict, idf: np.ndarray) -> sp.csr_matrix:
    """Map: the partition's float32 TF-IDF block against the global vocabulary."""
    from .dtm import _pass2

    counts, _ = _pass2(part, args, vocab)
    return _weigh(counts, idf)


def _df_task(part: pd.DataFrame, args: dict, vocab: dict) -> np.ndarray:
    """Map: units of the partition with each column (int64, length n_terms)."""
    from .dtm import _pass2

    counts, _ = _pass2(part, args, vocab)
    return np.bincount(counts.indices, minlength=args["n_terms"]).astype(np.int64)


def _sum(*arrays: np.ndarray) -> np.ndarray:
    return np.sum(arrays, axis=0)


def _doc_topic_task(
    part: pd.DataFrame, args: dict, vocab: dict, idf: np.ndarray, est: Any, k: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """Map: the partition's unit metadata and unit x topic shares (NaN for empty units)."""
    from threadpoolctl import threadpool_limits

    from .dtm import _pass2

    counts, docs = _pass2(part, args, vocab)
    if counts.shape[0] == 0:
        return docs, np.empty((0, k))
    x = _weigh(counts, idf)
    if x.nnz == 0:
        return docs, np.full((x.shape[0], k), np.nan)
    with threadpool_limits(limits=1):
        w = np.asarray(est.transform(x), dtype=np.float64)
    row = w.sum(axis=1, keepdims=True)
    bad = (np.diff(counts.indptr) == 0) | (row.ravel() <= 0)
    return docs, np.divide(w, row, out=np.full_like(w, np.nan), where=~bad[:, None])


# ----------------------------------------------------------------------------- helpers


def _stream(tasks: list, client: Any, prefetch: int) -> Iterator[sp.csr_matrix]:
    """The results of ``tasks`` in order, ``prefetch`` computed ahead on the cluster;
    without a client, one at a time in this process."""
    if client is None:
        for task in tasks:
            (block,) = compute([task], client=None)
            yield block
        return
    pending = deque()
    todo = iter(tasks)
    for task in todo:
        pending.append(client.compute(task))
        if len(pending) > prefetch:
            break
    while pending:
        future = pending.popleft()
        nxt = next(todo, None)
        if nxt is not None:
            pending.append(client.compute(nxt))
        try:
            block = future.result()
        except AnalysisError as exc:  # one line, without the worker's traceback
            raise AnalysisError(str(exc)) from None
        del future
        yield block


def _batches(blocks: Iterator[sp.csr_matrix], size: int) -> Iterator[sp.csr_matrix]:
    """Consecutive batches of ``size`` rows of the stacked ``blocks`` (the last smaller),
    holding at most one block and one carried-over part batch."""
    carry: list[sp.csr_matrix] = []
    held = 0
    for block in blocks:
        start = 0
        n = block.shape[0]
        while start < n:
            take = min(size - held, n - start)
            carry.append(block[start : start + take])
            held += take
            start += take
            if held == size:
                yield carry[0] if len(carry) == 1 else sp.vstack(carry, format="csr")
                carry, held = [], 0
    if held:
        yield carry[0] if len(carry) == 1 else sp.vstack(carry, format="csr")


def _column_df(parts: list, args: dict, vocab: Any, n_terms: int, *, client: Any) -> np.ndarray:
    """Exact document frequency per column, by a tree sum of per-partition counts."""
    import dask

    from .dtm import FAN_IN

    level = [dask.delayed(_df_task)(part, args, vocab) for part in parts]
    while len(level) > 1:
        level = [dask.delayed(_sum)(*level[i : i + FAN_IN]) for i in range(0, len(level), FAN_IN)]
    (df,) = compute(level, client=client)
    return np.asarray(df, dtype=np.int64)


def _share(client: Any, obj: Any) -> Any:
    """``obj`` scattered to every worker once, as one future under a fresh key (itself
    without a client): a content-hashed key, as for the same ``idf_`` in the fit and in
    :meth:`OnlineTopicModel.doc_topics`, can be released by the earlier call mid-compute."""
    if client is None:
        return obj
    return client.scatter([obj], broadcast=True, hash=False)[0]


def _check_columns(columns: Any) -> None:
    missing = {"doc_id", "text"} - set(columns)
    if missing:
        raise AnalysisError(
            f"corpus has no column {sorted(missing)[0]!r}; load it with analysis.read_corpus"
        )


def _whole(value: Any, name: str, least: int, fix: str, *, allow_negative: bool = False) -> int:
    """``value`` as an int, checked to be a whole number (>= ``least`` unless negative
    numbers are allowed); else a one-line AnalysisError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise AnalysisError(f"{name}={value!r}: not a whole number; {fix}")
    if not allow_negative and value < least:
        raise AnalysisError(f"{name}={value}: too small; {fix}")
    return int(value)
