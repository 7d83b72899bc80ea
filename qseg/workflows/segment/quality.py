"""Clustering quality: internal metrics, bootstrap stability and the K sweep.

* ``cluster_quality``: silhouette, Davies–Bouldin and Calinski–Harabasz (scikit-learn) on the
  customers that are not noise (label -1; they are counted, not scored), and the p-median cost
  over *all* customers (noise included: every customer is in the objective). The silhouette is
  O(N²), so above ``silhouette_sample`` customers it is computed on a seeded sample of that many
  (without replacement) and the sample size is recorded.
* ``bootstrap_stability``: the seed notebook's procedure on a resample of bounded size. Draw
  S = min(N, ``STABILITY_SAMPLE``) customers with replacement, refit on them, and compare the
  refit labels with the base labels (the fit on all N) of the same drawn customers by the
  adjusted Rand index (invariant to renumbering): the ARI is taken on the customers both fits
  saw. Mean and population std over the resamples, read with the seed's thresholds. Up to
  ``STABILITY_SAMPLE`` customers this is exactly the seed's bootstrap (N drawn out of N); above,
  it is the m-out-of-n bootstrap, so a refit costs the same at 25,000 or 250,000 customers.
  ``fit`` is any callable, so a QUBO route plugs in like KMeans. Noise (-1) counts as one more
  label in the ARI. The draws (``resample_plan``) come first from one seeded generator, so the
  resamples can be scored in any order or process (``refit_ari``) with the same result.
* ``model_selection``: KMeans inertia (elbow) and silhouette for each K; ``chosen_k`` is the K
  with the highest silhouette (the smaller K on a tie). The elbow has no agreed numerical
  definition, so it is plotted for the reader, while the choice uses a stated maximum.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from qseg.errors import BadInputError
from qseg.workflows.segment.checks import check_labels, check_points, check_seed, whole
from qseg.workflows.segment.methods import KMEANS_N_INIT, single_threaded
from qseg.workflows.segment.pmedian import pmedian_cost

SILHOUETTE_SAMPLE = 10_000
SILHOUETTE_CHUNK_MB = 64
BOOTSTRAP_RESAMPLES = 30
# Customers drawn per bootstrap resample: up to this many customers the procedure is the seed's
# own; above, every refit costs what a 2,000-customer fit costs. At 5,000 a resample of the five
# methods took ~3.7 s CPU (FasterPAM's 5,000² matrix and the QUBO route ~1.6 s each), so 30
# resamples alone would take the whole minute the command has at 23,000 customers.
STABILITY_SAMPLE = 2_000
# The seed's reading of the mean ARI: above STABLE "highly stable", from ACCEPTABLE up to and
# including STABLE "acceptable", below ACCEPTABLE "unreliable".
STABLE = 0.75
ACCEPTABLE = 0.5


@dataclass(frozen=True)
class ClusterQuality:
    """Quality of one segmentation. The three sklearn metrics are None with fewer than 2
    clusters; ``silhouette_sample`` is the customers the silhouette used (None = all non-noise);
    ``pmedian_cost`` None when there is no medoid; ``clusters`` excludes noise, ``noise`` counts it."""

    silhouette: float | None
    silhouette_sample: int | None
    davies_bouldin: float | None
    calinski_harabasz: float | None
    pmedian_cost: float | None
    clusters: int
    noise: int


def silhouette(points: np.ndarray, labels: np.ndarray, *, seed: int,
               sample: int = SILHOUETTE_SAMPLE) -> tuple[float | None, int | None]:
    """Return (silhouette, customers used: None when all) on already-checked arrays without
    noise; the silhouette is None when fewer than 2 clusters (or as many clusters as customers)
    are present in what is scored."""
    from sklearn import config_context
    from sklearn.metrics import silhouette_score

    used: int | None = None
    if len(points) > sample:
        rows = np.random.default_rng(seed).choice(len(points), size=sample, replace=False)
        points, labels, used = points[rows], labels[rows], sample
    present = len(np.unique(labels))
    if present < 2 or present >= len(points):
        return None, used
    # scikit-learn computes the pairwise distances in chunks of its working memory (1 GB by
    # default, resident for the whole score); 64 MB chunks bound that part of the peak.
    with single_threaded(), config_context(working_memory=SILHOUETTE_CHUNK_MB):
        return float(silhouette_score(points, labels)), used


def cluster_quality(points: np.ndarray, labels: np.ndarray, medoids: np.ndarray, *, seed: int,
                    silhouette_sample: int = SILHOUETTE_SAMPLE) -> ClusterQuality:
    """Return the ClusterQuality of ``labels`` (noise -1 excluded from the metrics) and of
    ``medoids`` (row indices; the p-median cost over all customers)."""
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score

    clean = check_points(points)
    clean_labels = check_labels(labels, len(clean))
    seed, sample = check_seed(seed), whole("silhouette_sample", silhouette_sample, low=2)
    kept = clean_labels >= 0
    scored, scored_labels = clean[kept], clean_labels[kept]
    clusters = len(np.unique(scored_labels))
    cost = pmedian_cost(clean, medoids) if len(medoids) else None
    if clusters < 2 or clusters >= len(scored):
        return ClusterQuality(None, None, None, None, cost, clusters, int((~kept).sum()))
    value, used = silhouette(scored, scored_labels, seed=seed, sample=sample)
    with single_threaded():
        davies_bouldin = float(davies_bouldin_score(scored, scored_labels))
        calinski_harabasz = float(calinski_harabasz_score(scored, scored_labels))
    return ClusterQuality(silhouette=value, silhouette_sample=used, davies_bouldin=davies_bouldin,
                          calinski_harabasz=calinski_harabasz, pmedian_cost=cost, clusters=clusters,
                          noise=int((~kept).sum()))


def stability_reading(mean: float) -> str:
    """Return the seed's reading of a mean ARI: "highly stable" above 0.75, "acceptable" from
    0.5 to 0.75 (both ends included), "unreliable" below 0.5."""
    if isinstance(mean, bool) or not isinstance(mean, int | float | np.floating) or not math.isfinite(mean):
        raise BadInputError("mean", mean, "expected a finite adjusted Rand index")
    if mean > STABLE:
        return "highly stable"
    return "acceptable" if mean >= ACCEPTABLE else "unreliable"


@dataclass(frozen=True)
class Stability:
    """Bootstrap stability: mean and population std of the ARI over ``resamples``, the seed's
    ``reading`` of the mean, every resample's ARI in draw order, and ``sample`` the customers
    drawn (with replacement) per resample."""

    mean: float
    std: float
    resamples: int
    reading: str
    scores: tuple[float, ...]
    sample: int = 0


@dataclass(frozen=True, eq=False)
class Resample:
    """One bootstrap draw: ``rows`` (customer rows, with replacement) and the seed of its refit."""

    rows: np.ndarray
    fit_seed: int


def resample_plan(customers: int, *, resamples: int, seed: int, sample: int = STABILITY_SAMPLE) -> list[Resample]:
    """Return the ``resamples`` draws of ``bootstrap_stability``: each min(customers, ``sample``)
    rows drawn with replacement, then its fit seed, all from one generator seeded by ``seed``."""
    count = whole("resamples", resamples, low=1)
    size = min(whole("customers", customers, low=1), whole("stability_sample", sample, low=2))
    rng = np.random.default_rng(check_seed(seed))
    plan = []
    for _ in range(count):
        rows = rng.integers(0, customers, size=size)
        plan.append(Resample(rows, int(rng.integers(0, 2**31 - 1))))
    return plan


def refit_ari(fit: Callable[[np.ndarray, int], np.ndarray], drawn: np.ndarray, base_labels: np.ndarray,
              fit_seed: int) -> float:
    """Return the ARI between ``fit(drawn, fit_seed)`` and ``base_labels`` (the base labels of
    the drawn customers): one resample's score, scikit-learn's pools limited to one thread."""
    from sklearn.metrics import adjusted_rand_score

    with single_threaded():
        refit = check_labels(fit(drawn, fit_seed), len(drawn), "fit")
        return float(adjusted_rand_score(base_labels, refit))


def stability_of(scores: Sequence[float], sample: int) -> Stability:
    """Return the Stability of the resamples' ARIs ``scores`` (in draw order), ``sample``
    customers each."""
    mean = float(np.mean(scores))
    return Stability(mean=mean, std=float(np.std(scores)), resamples=len(scores), reading=stability_reading(mean),
                     scores=tuple(float(score) for score in scores), sample=sample)


def bootstrap_stability(points: np.ndarray, fit: Callable[[np.ndarray, int], np.ndarray], base_labels: np.ndarray, *,
                        resamples: int = BOOTSTRAP_RESAMPLES, seed: int,
                        sample: int = STABILITY_SAMPLE) -> Stability:
    """Return the Stability of ``base_labels`` by the module docstring's procedure: for each
    draw of ``resample_plan`` (S = min(N, ``sample``) customers with replacement, seeded),
    ``fit(points[rows], fit_seed)`` labels the drawn rows and the ARI compares them with
    ``base_labels[rows]``. One ``seed`` fixes the whole procedure; the fits run with
    scikit-learn's thread pools limited to one thread, like every method here."""
    clean = check_points(points)
    base = check_labels(base_labels, len(clean), "base_labels")
    plan = resample_plan(len(clean), resamples=resamples, seed=seed, sample=sample)
    return stability_of([refit_ari(fit, clean[draw.rows], base[draw.rows], draw.fit_seed) for draw in plan],
                        len(plan[0].rows))


@dataclass(frozen=True)
class ModelSelection:
    """The KMeans sweep over ``ks``: ``inertia`` (the elbow curve) and ``silhouette`` per K (with
    ``silhouette_sample`` customers, None = all), ``chosen_k`` by ``rule``."""

    ks: tuple[int, ...]
    inertia: tuple[float, ...]
    silhouette: tuple[float, ...]
    silhouette_sample: int | None
    chosen_k: int
    rule: str


def model_selection(points: np.ndarray, ks: Sequence[int], *, seed: int, silhouette_sample: int = SILHOUETTE_SAMPLE,
                    n_init: int = KMEANS_N_INIT) -> ModelSelection:
    """Return the ModelSelection of KMeans (``n_init`` starts, seeded) for each K in ``ks``
    (distinct, each in 2..N-1); ``chosen_k`` is the highest silhouette, the smaller K on a tie."""
    from sklearn.cluster import KMeans

    clean = check_points(points)
    if isinstance(ks, str | bytes) or len(ks) == 0:
        raise BadInputError("k", ks, "expected one or more values of K")
    values = tuple(whole("k", k, low=2, high=len(clean) - 1) for k in ks)
    if len(set(values)) != len(values):
        raise BadInputError("k", list(values), "values of K repeat")
    seed, sample = check_seed(seed), whole("silhouette_sample", silhouette_sample, low=2)
    n_init = whole("n_init", n_init, low=1)
    inertia, scores, used = [], [], None
    for k in values:
        with single_threaded():
            model = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(clean)
        value, used = silhouette(clean, model.labels_, seed=seed, sample=sample)
        inertia.append(float(model.inertia_))
        scores.append(math.nan if value is None else value)
    best = max(range(len(values)), key=lambda i: (np.nan_to_num(scores[i], nan=-2.0), -values[i]))
    return ModelSelection(ks=values, inertia=tuple(inertia), silhouette=tuple(scores), silhouette_sample=used,
                          chosen_k=values[best], rule="highest silhouette (smaller K on a tie)")
