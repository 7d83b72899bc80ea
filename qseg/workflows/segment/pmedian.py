"""The p-median objective over points, never forming an N x N matrix.

The p-median cost of a medoid set is the sum over *all* customers of the Euclidean distance to
the nearest medoid. Distances are computed in blocks of customers against the K medoids, so
memory stays O(block x K) on top of the N x F points; a block-wise computation gives exactly the
same numbers as the full matrix (every entry is the same ``cdist`` value). Ties between medoids
at the same distance go to the lower medoid index (``argmin`` keeps the first).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy.spatial.distance import cdist

from qseg.workflows.segment.checks import check_labels, check_points, check_rows, check_seed, whole

# Customers per block: 65,536 x K distances (K <= a few hundred) stay well under 100 MB.
BLOCK_ROWS = 1 << 16
# Medoids of clusters larger than this come from a seeded sample (see ``medoids_of_labels``).
MEDOID_SAMPLE = 2000


def _blocks(n: int) -> Iterator[slice]:
    """Yield consecutive slices covering ``0..n`` in blocks of ``BLOCK_ROWS`` (read per call)."""
    rows = BLOCK_ROWS
    for start in range(0, n, rows):
        yield slice(start, min(start + rows, n))


def nearest_center(points: np.ndarray, centers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (index of the nearest centre, distance to it) for every point, computed block-wise;
    ties go to the lower centre index. Both arrays must already be checked 2-D finite floats."""
    index = np.empty(len(points), dtype=np.int64)
    distance = np.empty(len(points), dtype=float)
    for block in _blocks(len(points)):
        to_centers = cdist(points[block], centers)
        index[block] = np.argmin(to_centers, axis=1)
        distance[block] = to_centers[np.arange(len(to_centers)), index[block]]
    return index, distance


def _points_and_medoids(points: np.ndarray, medoid_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    clean = check_points(points)
    return clean, clean[check_rows(medoid_rows, len(clean))]


def pmedian_cost(points: np.ndarray, medoid_rows: np.ndarray) -> float:
    """Return the p-median cost: the sum over every row of ``points`` of the Euclidean distance
    to the nearest of the rows ``medoid_rows`` (distinct row indices, at least one)."""
    clean, medoids = _points_and_medoids(points, medoid_rows)
    return float(nearest_center(clean, medoids)[1].sum())


def nearest_medoid(points: np.ndarray, medoid_rows: np.ndarray) -> np.ndarray:
    """Return, for every row of ``points``, the position in ``medoid_rows`` of its nearest medoid
    (an int array; ties to the lower position)."""
    clean, medoids = _points_and_medoids(points, medoid_rows)
    return nearest_center(clean, medoids)[0]


def medoids_of_labels(points: np.ndarray, labels: np.ndarray, *, seed: int, sample: int = MEDOID_SAMPLE) -> np.ndarray:
    """Return one medoid row per cluster of ``labels`` (clusters in ascending label order; noise
    -1 is no cluster): the member minimising the summed Euclidean distance to the members.

    Exact when a cluster has at most ``sample`` members (an m x m block, <= 32 MB at 2,000).
    Above that, ``sample`` candidates drawn without replacement (seeded) are each scored against
    another seeded draw of ``sample`` members, and the best candidate is returned: an estimate of
    the medoid whose cost is O(sample²) per cluster instead of O(m²). An empty array when every
    customer is noise.
    """
    clean = check_points(points)
    clean_labels = check_labels(labels, len(clean))
    limit = whole("sample", sample, low=1)
    rng = np.random.default_rng(check_seed(seed))
    clusters = np.unique(clean_labels[clean_labels >= 0])
    medoids = np.empty(len(clusters), dtype=np.int64)
    # One pass per cluster (K of them), each vectorised over its members.
    for position, cluster in enumerate(clusters):
        members = np.flatnonzero(clean_labels == cluster)
        if len(members) <= limit:
            candidates = reference = members
        else:
            candidates = rng.choice(members, size=limit, replace=False)
            reference = rng.choice(members, size=limit, replace=False)
        summed = cdist(clean[candidates], clean[reference]).sum(axis=1)
        medoids[position] = candidates[int(np.argmin(summed))]
    return medoids

