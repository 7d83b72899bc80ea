"""Vectorised p-median arithmetic on a distance matrix: costs of many medoid sets, nearest
medoids, and the classical polish (repair to K medoids, then steepest-descent swaps).

``distances[i, j]`` is the distance from candidate medoid i to customer j: M × N, square (every
customer a candidate) or M < N candidates (``kmedoids.candidates``). A medoid set is a boolean row
over candidates. Everything is numpy over M × N arrays, never a Python loop over their terms.
"""

from __future__ import annotations

import numpy as np


def medoid_set_costs(distances: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Return the p-median cost (sum over customers of the distance to the nearest chosen medoid)
    of each boolean row of ``chosen``; ``inf`` for a row with no medoid."""
    chosen = np.atleast_2d(np.asarray(chosen, dtype=bool))
    unique, inverse = np.unique(chosen, axis=0, return_inverse=True)
    costs = np.full(len(unique), np.inf)
    # One pass per distinct medoid set over its own rows: K × N work each, not M × N.
    for position, row in enumerate(unique):
        if row.any():
            costs[position] = distances[row].min(axis=0).sum()
    return costs[inverse.ravel()]


def nearest_medoids(distances: np.ndarray, medoids: np.ndarray) -> np.ndarray:
    """Return, for every customer, the index (into ``medoids``) of its nearest medoid."""
    return np.asarray(np.argmin(distances[np.asarray(medoids)], axis=0), dtype=np.intp)


def polish(distances: np.ndarray, chosen: np.ndarray, k: int, max_swaps: int = 10_000) -> np.ndarray:
    """Return the medoid set reached from ``chosen`` (a boolean row over candidates) by the PAM
    swap step: first repaired to exactly ``k`` medoids (greedy additions or removals on the true
    cost), then the best single medoid/non-medoid swap is applied while it lowers the cost
    (steepest descent)."""
    medoids = _repair(distances, np.flatnonzero(chosen), k)
    for _ in range(max_swaps):
        swap = _best_swap(distances, medoids)
        if swap is None:
            break
        position, candidate = swap
        medoids[position] = candidate
    result = np.zeros(distances.shape[0], dtype=bool)
    result[medoids] = True
    return result


def polish_many(distances: np.ndarray, chosen: np.ndarray, k: int) -> np.ndarray:
    """Return ``polish`` applied to every row of ``chosen`` (each distinct row polished once)."""
    chosen = np.asarray(chosen, dtype=bool)
    if len(chosen) == 0:
        return np.zeros((0, distances.shape[0]), dtype=bool)
    unique, inverse = np.unique(chosen, axis=0, return_inverse=True)
    polished = np.array([polish(distances, row, k) for row in unique])
    return polished[inverse.ravel()]


def _nearest_two(distances: np.ndarray, medoids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (position of nearest medoid, nearest distance, second-nearest distance) per customer."""
    rows = distances[medoids]
    columns = np.arange(distances.shape[1])
    if len(medoids) == 1:
        return np.zeros(len(columns), dtype=int), rows[0], np.full(len(columns), np.inf)
    order = np.argpartition(rows, 1, axis=0)[:2]
    first = np.where(rows[order[0], columns] <= rows[order[1], columns], order[0], order[1])
    second = np.where(first == order[0], order[1], order[0])
    return first, rows[first, columns], rows[second, columns]


def _best_swap(distances: np.ndarray, medoids: np.ndarray) -> tuple[int, int] | None:
    """Return (position in ``medoids``, new candidate) of the swap that lowers the cost most, or
    None at a local minimum. FastPAM1's decomposition: the gain of adding candidate o, plus the
    correction for the customers whose nearest medoid is the one removed."""
    n, k = distances.shape[1], len(medoids)
    nearest, first, second = _nearest_two(distances, medoids)
    with_added = np.minimum(distances, first[None, :])
    add_gain = (with_added - first[None, :]).sum(axis=1)
    correction = np.minimum(distances, second[None, :]) - with_added
    owner = np.zeros((n, k))
    owner[np.arange(n), nearest] = 1.0
    delta = add_gain[:, None] + correction @ owner
    delta[medoids, :] = np.inf
    candidate, position = np.unravel_index(np.argmin(delta), delta.shape)
    tolerance = 1e-12 * max(1.0, float(first.sum()))
    if not delta[candidate, position] < -tolerance:
        return None
    return int(position), int(candidate)


def _repair(distances: np.ndarray, medoids: np.ndarray, k: int) -> np.ndarray:
    """Return ``medoids`` grown or shrunk to exactly ``k``, one greedy step at a time."""
    medoids = np.asarray(medoids, dtype=int)
    if medoids.size == 0:
        medoids = np.array([int(np.argmin(distances.sum(axis=1)))])
    while len(medoids) > k:
        nearest, first, second = _nearest_two(distances, medoids)
        loss = np.bincount(nearest, weights=second - first, minlength=len(medoids))
        medoids = np.delete(medoids, int(np.argmin(loss)))
    while len(medoids) < k:
        _, first, _ = _nearest_two(distances, medoids)
        gain = np.minimum(distances, first[None, :]).sum(axis=1)
        gain[medoids] = np.inf
        medoids = np.append(medoids, int(np.argmin(gain)))
    return medoids.copy()
