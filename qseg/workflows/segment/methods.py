"""Classical segmentations of scaled customer features, each scored on the same p-median objective.

Every function returns a ``Segmentation``: the method's *own* labels (KMeans' labels are KMeans',
a mixture's are its most likely components, HDBSCAN's include -1 for noise) and one medoid per
cluster (a customer row). The p-median score of any method is ``pmedian_cost(points, medoids)``,
which assigns every customer, noise included, to its nearest medoid: for FasterPAM that is its
own assignment, for the others it is a reassignment, so the cost compares medoid sets, not label
vectors. Methods without medoids get theirs from ``medoids_of_labels``.

Threads: every method runs single-threaded (FasterPAM ``n_cpu=1``; scikit-learn's OpenMP and
BLAS pools limited to one thread by threadpoolctl), as cells do in the harness: on a shared
2-core machine extra threads made a small KMeans fit 14 times slower, not faster.

Seeds: the same ``seed`` gives the same labels and medoids (HDBSCAN is deterministic; its seed
only draws the medoid samples of clusters above 2,000 members).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.spatial.distance import cdist
from threadpoolctl import threadpool_limits

from qseg.environment import available_memory
from qseg.problems.base import MEMORY_FRACTION
from qseg.workflows.segment.checks import check_points, check_seed, whole
from qseg.workflows.segment.pmedian import medoids_of_labels, nearest_center, pmedian_cost

Param = float | int | str | bool

# Threads per fit (OpenMP / BLAS pools and FasterPAM's n_cpu).
THREADS = 1
# KMeans restarts: the best of 10 k-means++ starts (scikit-learn's own default before "auto").
KMEANS_N_INIT = 10
# The largest N x N matrix any step forms: FasterPAM runs on the full matrix up to this many
# customers (5,000² float64 = 200 MB) and above it on a seeded sample of this many, with every
# customer then assigned to its nearest medoid. On the full 23,502 x 23,502 matrix (4.4 GB)
# FasterPAM took 37 s of a command that must finish in 60.
FASTERPAM_SAMPLE = 5000
# HDBSCAN's customers: above, a seeded sample of this many with the rest labelled by their
# nearest sampled customer (``hdbscan``).
HDBSCAN_SAMPLE = 25_000
# Customers for the full matrix when the memory available cannot be read.
FALLBACK_MAX_FULL = FASTERPAM_SAMPLE


@dataclass(frozen=True, eq=False)
class Segmentation:
    """One segmentation of N customers.

    ``labels`` (N ints, -1 = noise) are the method's own; ``medoids`` (k row indices into the
    points, in ascending cluster-label order) are what the p-median cost is scored on; ``k`` the
    number of clusters found; ``noise`` the customers labelled -1; ``seconds`` the wall time of
    the whole call (fit and medoids); ``params`` what was run (seed, restarts, path taken).
    The arrays are read-only.
    """

    method: str
    labels: np.ndarray
    medoids: np.ndarray
    k: int
    noise: int
    seconds: float
    params: dict[str, Param] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.labels.setflags(write=False)
        self.medoids.setflags(write=False)

    def pmedian(self, points: np.ndarray) -> float:
        """Return the p-median cost of this segmentation's medoids over ``points`` (every
        customer to its nearest medoid); BadInputError when no cluster was found."""
        return pmedian_cost(points, self.medoids)


def _segmentation(method: str, points: np.ndarray, labels: np.ndarray, started: float, *, seed: int,
                  params: dict[str, Param], medoids: np.ndarray | None = None) -> Segmentation:
    labels = np.asarray(labels, dtype=np.int64)
    if medoids is None:
        medoids = medoids_of_labels(points, labels, seed=seed)
    return Segmentation(method=method, labels=labels, medoids=np.asarray(medoids, dtype=np.int64), k=len(medoids),
                        noise=int((labels == -1).sum()), seconds=time.perf_counter() - started, params=params)


def single_threaded() -> threadpool_limits:
    """Return a context that limits scikit-learn's native thread pools to ``THREADS``."""
    return threadpool_limits(limits=THREADS)


def _points_and_k(points: np.ndarray, k: Any) -> tuple[np.ndarray, int]:
    clean = check_points(points)
    return clean, whole("k", k, low=2, high=len(clean))


def kmeans(points: np.ndarray, k: int, *, seed: int, n_init: int = KMEANS_N_INIT) -> Segmentation:
    """Return scikit-learn's KMeans (k-means++, best of ``n_init`` starts) with its labels and
    the medoid of each of its clusters; ``params`` records n_init, seed, inertia and iterations."""
    from sklearn.cluster import KMeans

    started = time.perf_counter()
    clean, k = _points_and_k(points, k)
    seed, n_init = check_seed(seed), whole("n_init", n_init, low=1)
    with single_threaded():
        model = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(clean)
    params: dict[str, Param] = {"seed": seed, "n_init": n_init, "inertia": float(model.inertia_),
                                "n_iter": int(model.n_iter_)}
    return _segmentation("kmeans", clean, model.labels_, started, seed=seed, params=params)


def gaussian_mixture(points: np.ndarray, k: int, *, seed: int) -> Segmentation:
    """Return a full-covariance GaussianMixture's most likely components as labels, with the
    medoid of each non-empty component; ``k`` counts the components that received customers
    (``k_requested`` in ``params``), since a component can end up empty."""
    from sklearn.mixture import GaussianMixture

    started = time.perf_counter()
    clean, k = _points_and_k(points, k)
    seed = check_seed(seed)
    with single_threaded():
        model = GaussianMixture(n_components=k, covariance_type="full", random_state=seed).fit(clean)
        labels = model.predict(clean)
    params: dict[str, Param] = {"seed": seed, "k_requested": k, "covariance_type": "full",
                                "converged": bool(model.converged_), "n_iter": int(model.n_iter_)}
    return _segmentation("gaussian_mixture", clean, labels, started, seed=seed, params=params)


def hdbscan(points: np.ndarray, *, min_cluster_size: int = 30, min_samples: int = 15, seed: int = 0,
            max_fit: int | None = None) -> Segmentation:
    """Return scikit-learn's HDBSCAN: its labels (-1 = noise, counted in ``noise``), ``k`` = the
    clusters it found (0 possible: then there are no medoids and no p-median cost), and the medoid
    of each cluster.

    Path ``full`` up to ``max_fit`` customers (None: ``HDBSCAN_SAMPLE``): HDBSCAN on every
    customer. Its minimum spanning tree is built by Prim's algorithm over the points, O(N²) time
    (5 s CPU at 23,500 customers, minutes at 250,000), so above that, path ``sample``: HDBSCAN on
    a seeded sample of ``max_fit`` customers (without replacement), and every other customer takes
    the label of its nearest sampled customer (noise included). ``seed`` draws that sample and the
    medoid samples of clusters above 2,000 members; ``params`` records the path and the sample."""
    from sklearn.cluster import HDBSCAN
    from sklearn.neighbors import NearestNeighbors

    started = time.perf_counter()
    clean = check_points(points)
    min_cluster_size = whole("min_cluster_size", min_cluster_size, low=2)
    min_samples, seed = whole("min_samples", min_samples, low=1), check_seed(seed)
    limit = HDBSCAN_SAMPLE if max_fit is None else whole("max_fit", max_fit, low=min_cluster_size)
    params: dict[str, Param] = {"min_cluster_size": min_cluster_size, "min_samples": min_samples}
    model = HDBSCAN(min_cluster_size=min_cluster_size, min_samples=min_samples, copy=True)
    if len(clean) <= limit:
        with single_threaded():
            labels = model.fit_predict(clean)
        return _segmentation("hdbscan", clean, labels, started, seed=seed, params=params | {"path": "full"})
    rows = np.sort(np.random.default_rng(seed).choice(len(clean), size=limit, replace=False))
    with single_threaded():
        sampled = model.fit_predict(clean[rows])
        nearest = NearestNeighbors(n_neighbors=1).fit(clean[rows]).kneighbors(clean, return_distance=False)[:, 0]
    params |= {"path": "sample", "sample_size": limit}
    return _segmentation("hdbscan", clean, sampled[nearest], started, seed=seed, params=params)


def full_matrix_limit() -> int:
    """Return the most customers FasterPAM takes as one N x N float64 matrix: ``FASTERPAM_SAMPLE``,
    or fewer when that matrix would not fit in ``MEMORY_FRACTION`` of the memory available now
    (``FALLBACK_MAX_FULL`` when that cannot be read)."""
    available = available_memory()
    if available is None:
        return FALLBACK_MAX_FULL
    return min(FASTERPAM_SAMPLE, int(np.sqrt(MEMORY_FRACTION * available / 8)))


def fasterpam(points: np.ndarray, k: int, *, seed: int, max_full: int | None = None,
              sample_size: int = FASTERPAM_SAMPLE) -> Segmentation:
    """Return FasterPAM (the ``kmedoids`` package, random init, seeded, one thread).

    Path ``full`` when N <= ``max_full`` (None = ``full_matrix_limit()``): FasterPAM on the whole
    N x N Euclidean matrix, its own labels. Path ``sample`` otherwise: FasterPAM on a seeded
    sample of ``sample_size`` customers (without replacement), then every customer assigned to
    its nearest sample medoid (ties to the lower index); those are the labels. ``params`` records
    the path, the limit and the sample size.
    """
    import kmedoids

    started = time.perf_counter()
    clean, k = _points_and_k(points, k)
    seed = check_seed(seed)
    limit = full_matrix_limit() if max_full is None else whole("max_full", max_full, low=0)
    size = whole("sample_size", sample_size, low=k)
    n = len(clean)
    params: dict[str, Param] = {"seed": seed, "max_full": limit, "init": "random"}
    if n <= limit:
        result = kmedoids.fasterpam(cdist(clean, clean), k, init="random", random_state=seed, n_cpu=THREADS)
        params |= {"path": "full", "sample_size": n, "loss": float(result.loss)}
        return _segmentation("fasterpam", clean, result.labels, started, seed=seed, params=params,
                             medoids=np.asarray(result.medoids))
    rows = np.sort(np.random.default_rng(seed).choice(n, size=min(size, n), replace=False))
    result = kmedoids.fasterpam(cdist(clean[rows], clean[rows]), k, init="random", random_state=seed, n_cpu=THREADS)
    medoids = rows[np.asarray(result.medoids)]
    labels, _ = nearest_center(clean, clean[medoids])
    params |= {"path": "sample", "sample_size": len(rows)}
    return _segmentation("fasterpam", clean, labels, started, seed=seed, params=params, medoids=medoids)


@dataclass(frozen=True)
class Refit:
    """``fit(points, seed) -> labels`` running ``method`` (a function of this module) with
    ``options``: the callable ``quality.bootstrap_stability`` takes, picklable so resamples can
    be scored in worker processes."""

    method: Callable[..., Segmentation]
    options: dict[str, Any] = field(default_factory=dict)

    def __call__(self, points: np.ndarray, seed: int) -> np.ndarray:
        """Return the labels of ``method`` fitted on ``points`` with ``seed``."""
        return self.method(points, seed=seed, **self.options).labels


def refit(method: Callable[..., Segmentation], **options: Any) -> Refit:
    """Return the ``Refit`` of ``method`` with ``options`` (e.g. ``k=4``)."""
    return Refit(method, dict(options))
