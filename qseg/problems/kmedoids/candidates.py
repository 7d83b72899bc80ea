"""Candidate medoids for customer bases too large for an N × N matrix.

The scalable route picks medoids among M candidate customers (M a parameter, a few hundred): a
coreset, the customer nearest each centre of a k-means with M clusters, so candidates are dense
where customers are (where medoids lie). The problem then holds the M × N distances from candidates to every customer: that is
enough for the exact objective (the full p-median over all N customers with medoids among the
candidates), its CQM, its NL model and the PAM swap polish. The QUBOs see the customers through
weighted representatives: each customer is represented by its nearest candidate, so a candidate
carries the number of customers nearest it and the QUBOs are built from the M × M distances among
candidates and those weights. No step forms an N × N matrix.
"""

from __future__ import annotations

import numpy as np

from qseg.errors import BadInputError

ROWS_PER_BLOCK_ELEMENTS = 1 << 22  # bounds the temporary of the chunked distance computation
CENTRES_PER_BLOCK = 32
COARSE_ITERATIONS = 50  # the coreset's k-means need not converge: it only spreads candidates
# Every customer is a candidate up to this many customers: beyond it the N-variable QUBOs have
# over 125,000 interactions (SA takes minutes) and the matrix grows as N², while a few hundred candidates
# cover the data and keep the true objective over all N.
FULL_MATRIX_LIMIT = 500
DEFAULT_CANDIDATES = 200


def default_candidates(customers: int) -> int:
    """Return the default number of candidates M for ``customers`` customers: all of them up to
    ``FULL_MATRIX_LIMIT``, ``DEFAULT_CANDIDATES`` above."""
    return customers if customers <= FULL_MATRIX_LIMIT else DEFAULT_CANDIDATES


def coreset_candidates(points: np.ndarray, m: int, seed: int) -> np.ndarray:
    """Return the row indices of ``m`` distinct candidate customers: the customer nearest each
    centre of a seeded k-means with ``m`` clusters (scikit-learn, k-means++ start, one run), so the
    candidates follow the density of the customers, ordered by how many customers each centre
    holds (largest first)."""
    from scipy.spatial.distance import cdist
    from sklearn.cluster import KMeans

    n = len(points)
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or not 1 <= m <= n:
        raise BadInputError("candidates", m, f"must be a whole number in 1..{n} (the number of customers)")
    distinct = len(np.unique(points, axis=0))
    if m > distinct:
        raise BadInputError("candidates", m, f"only {distinct:,} customers have distinct features")
    fitted = KMeans(int(m), n_init=1, max_iter=COARSE_ITERATIONS, random_state=seed).fit(points)
    order = np.argsort(-np.bincount(fitted.labels_, minlength=m), kind="stable")
    centres = fitted.cluster_centers_[order]
    nearest = np.empty(m, dtype=np.intp)
    for start in range(0, m, CENTRES_PER_BLOCK):
        nearest[start : start + CENTRES_PER_BLOCK] = np.argmin(cdist(centres[start : start + CENTRES_PER_BLOCK], points), axis=1)
    _, first = np.unique(nearest, return_index=True)
    if len(first) < m:
        return _distinct_candidates(points, nearest, m)
    return nearest


def _distinct_candidates(points: np.ndarray, picked: np.ndarray, m: int) -> np.ndarray:
    """Return ``picked`` without repeats (first occurrences kept, in order), completed to ``m``
    by the customers farthest from the candidates kept so far, one at a time."""
    _, first = np.unique(picked, return_index=True)
    kept = list(picked[np.sort(first)])
    nearest = candidate_distances(points, points[kept]).min(axis=0)
    while len(kept) < m:
        far = int(np.argmax(nearest))
        kept.append(far)
        nearest = np.minimum(nearest, np.linalg.norm(points - points[far], axis=1))
    return np.asarray(kept, dtype=np.intp)


def candidate_distances(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Return the Euclidean distances from each row of ``centres`` (M) to each row of ``points``
    (N) as an M × N float64 matrix, computed in blocks of customers (scipy's ``cdist``)."""
    from scipy.spatial.distance import cdist

    m, n = len(centres), len(points)
    result = np.empty((m, n))
    step = max(1, ROWS_PER_BLOCK_ELEMENTS // max(m, 1))
    for start in range(0, n, step):
        result[:, start : start + step] = cdist(centres, points[start : start + step])
    return result


def representative_weights(distances: np.ndarray) -> np.ndarray:
    """Return, per candidate (row of the M × N ``distances``), the number of customers whose
    nearest candidate it is (ties to the lower row), as floats summing to N."""
    nearest = np.argmin(distances, axis=0)
    return np.bincount(nearest, minlength=distances.shape[0]).astype(float)
