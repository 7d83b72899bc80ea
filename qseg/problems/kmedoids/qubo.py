"""QUBO formulations of k-medoids (p-median), each built from numpy arrays.

``selection`` (default, N variables ``y_i``): a savings QUBO. Each customer j gets a radius R_j,
the distance to its ``radius_rank``-th nearest other customer (default ⌈N/K⌉, a typical cluster
size), and medoid i saves s_ij = max(0, R_j - d_ij) on it. Energy::

    Σ_j R_j - Σ_i S_i y_i + Σ_{i<k} M_ik y_i y_k + γ (Σ y - K)²,
    S_i = Σ_j s_ij,  M_ik = Σ_j min(s_ij, s_kj),  γ = max_i S_i

The pair term is the second Bonferroni term of max_i s_ij, so for K medoids the energy is
Σ_j min(R_j, distance to the nearest medoid) when no customer is within the radius of three
chosen medoids: the exact p-median cost when every customer is also within some medoid's
radius, and an upper bound of it whenever every customer is. γ = max_i S_i makes a (K+1)-th
medoid never pay: adding medoid i saves at most S_i.

``bauckhage`` (N variables): Bauckhage et al., "A QUBO Formulation of the k-Medoids Problem"
(LWDA 2019): Welsch-transformed distances Δ = 1 - exp(-d² / 2σ²) (σ = median distance, Δ scaled
to max 1), energy y'(γ11' - α/2 Δ)y + (βΔ1 - 2γK)'y + γK² with α = 1/K, β = 1/N and
γ = 2·max(αK, βN) = 2, which bounds both the gain of an extra medoid and of a dropped one.

``assignment`` (N² + N variables, the seed notebook's model): y_i (i is a medoid) and z_ij
(customer j is served by medoid i), energy G(Σy - K)² + A Σ_j (Σ_i z_ij - 1)²
+ B Σ_ij z_ij (1 - y_i) + Σ_ij d_ij z_ij with A = B = G = 10 · max distance. The constants the
notebook drops are kept as the offset, so a feasible state's energy is its p-median cost.
Integer labels: y_i is ``i``, z_ij is ``N + i*N + j`` (``KMedoidsProblem.variable_name``).

With candidates (``kmedoids.candidates``) every formulation is built over the M candidates, and
the customers enter through weighted representatives: representative j (a candidate) stands for
its w_j nearest customers, so savings, Welsch sums and assignment costs are multiplied by w_j
(β = 1/Σw, the assignment penalties by max w). With every customer a candidate, w = 1 and each
formulation is the one above. The energy of a feasible state is then the p-median cost of the
representatives, not of the customers: the problem always evaluates the true cost over all N.

The builders take the M × M distances among candidates, the weights, K and the y labels, never
the problem object.
"""

from __future__ import annotations

import math
from typing import Any

import dimod
import numpy as np

from qseg.environment import available_memory
from qseg.errors import BadInputError
from qseg.problems.base import Qubo, positive_number

ASSIGNMENT_PENALTY_FACTOR = 10.0
DEFAULT_MEMORY_FRACTION = 0.5
# Peak bytes per interaction while building: dimod's adjacency stores each interaction twice
# (index + float64 bias) and the construction arrays hold two int32 indices and one float64.
BYTES_PER_INTERACTION = 2 * 16 + 16


def build(
    formulation: str, distances: np.ndarray, weights: np.ndarray, k: int, labels: list[str], options: dict[str, Any]
) -> Qubo:
    """Return the named formulation of the p-median over ``distances`` (checked, M × M among
    candidates) with representative ``weights`` and ``k`` medoids, over the y variables
    ``labels`` (the M-variable formulations), with the penalty weights it used; ``options`` are
    the checked penalty options (``penalty_values``)."""
    builders = {"selection": _selection, "bauckhage": _bauckhage, "assignment": _assignment}
    return builders[formulation](distances, np.asarray(weights, dtype=float), k, labels, options)


def _selection(distances: np.ndarray, weights: np.ndarray, k: int, labels: list[str], options: dict[str, Any]) -> Qubo:
    n = distances.shape[0]
    # ceil(N/K) is N for K = 1: the farthest neighbour, N - 1, is the widest radius there is.
    rank = int(options.get("radius_rank", min(math.ceil(n / k), max(n - 1, 1))))
    if n > 1 and not 1 <= rank <= n - 1:
        raise BadInputError("radius_rank", rank, f"must be in 1..{n - 1}")
    radius = np.sort(distances, axis=1)[:, min(rank, n - 1)]
    savings = np.maximum(0.0, radius[None, :] - distances) * weights[None, :]
    total_savings = savings.sum(axis=1)
    gamma = positive_number("gamma", options["gamma"]) if "gamma" in options else max(float(total_savings.max()), 1e-9)
    overlap = _pairwise_overlap(savings)
    rows, columns = np.triu_indices(n, 1)
    quadratic = overlap[rows, columns] + 2 * gamma
    linear = -total_savings + gamma * (1 - 2 * k)
    bqm = dimod.BinaryQuadraticModel.from_numpy_vectors(
        linear, (rows, columns, quadratic), float(radius @ weights + gamma * k * k), dimod.BINARY,
        variable_order=labels,
    )
    return Qubo(bqm, "selection", {"gamma": gamma, "radius_rank": float(rank)})


def _pairwise_overlap(savings: np.ndarray) -> np.ndarray:
    """Return M_ik = Σ_j min(s_ij, s_kj), looping over customers j (N iterations, each over the
    few medoids that save anything on j), so the work is N·(N/K)², not N³."""
    n = savings.shape[0]
    overlap = np.zeros((n, n))
    for j in range(n):
        saving = np.flatnonzero(savings[:, j])
        if saving.size > 1:
            values = savings[saving, j]
            overlap[np.ix_(saving, saving)] += np.minimum.outer(values, values)
    np.fill_diagonal(overlap, 0.0)
    return overlap


def _bauckhage(distances: np.ndarray, weights: np.ndarray, k: int, labels: list[str], options: dict[str, Any]) -> Qubo:
    n = distances.shape[0]
    off_diagonal = distances[~np.eye(n, dtype=bool)]
    default_sigma = float(np.median(off_diagonal)) if off_diagonal.size else 1.0
    sigma = positive_number("sigma", options.get("sigma", default_sigma or 1.0))
    welsch = 1.0 - np.exp(-0.5 * (distances / sigma) ** 2)
    welsch /= max(float(welsch.max()), 1e-12)
    alpha = positive_number("alpha", options.get("alpha", 1.0 / k))
    customers = float(weights.sum())
    beta = positive_number("beta", options.get("beta", 1.0 / customers))
    gamma = positive_number("gamma", options.get("gamma", 2.0 * max(alpha * k, beta * customers)))
    rows, columns = np.triu_indices(n, 1)
    quadratic = 2 * gamma - alpha * welsch[rows, columns]
    linear = gamma - 0.5 * alpha * np.diag(welsch) + beta * (welsch @ weights) - 2 * gamma * k
    bqm = dimod.BinaryQuadraticModel.from_numpy_vectors(
        linear, (rows, columns, quadratic), gamma * k * k, dimod.BINARY, variable_order=labels
    )
    return Qubo(bqm, "bauckhage", {"alpha": alpha, "beta": beta, "gamma": gamma, "sigma": sigma})


def assignment_interactions(n: int) -> int:
    """Return the number of interactions of the ``assignment`` QUBO for ``n`` customers."""
    return n * (n - 1) // 2 * (n + 1) + n * n


def _assignment(distances: np.ndarray, weights: np.ndarray, k: int, labels: list[str], options: dict[str, Any]) -> Qubo:
    n = distances.shape[0]
    fraction = positive_number("max_memory_fraction", options.get("max_memory_fraction", DEFAULT_MEMORY_FRACTION))
    _check_memory(n, fraction)
    largest = float(weights.max()) * max(float(distances.max()), 1e-9)
    penalty = positive_number("penalty", options.get("penalty", ASSIGNMENT_PENALTY_FACTOR * largest))
    bqm = assignment_bqm(distances * weights[None, :], k, penalty)
    return Qubo(bqm, "assignment", {"A": penalty, "B": penalty, "G": penalty}, {"index_map": "y_i = i, z_ij = N + i*N + j"})


def assignment_bqm(costs: np.ndarray, k: int, penalty: float) -> dimod.BinaryQuadraticModel:
    """Return the notebook's facility-location QUBO over the n × n serving ``costs`` (distances,
    times the representative weights) with A = B = G = ``penalty``, built from index arrays:
    y-y pairs, z-z pairs sharing a customer, and z_ij-y_i links."""
    n = costs.shape[0]
    index_type = np.int32 if n * (n + 1) < 2**31 else np.int64
    a = b = g = penalty
    z = (n + np.arange(n)[:, None] * n + np.arange(n)[None, :]).astype(index_type)  # z[i, j]
    first, second = np.triu_indices(n, 1)
    pair_rows = np.concatenate([first.astype(index_type), z[first].ravel(), z.ravel()])
    pair_columns = np.concatenate([second.astype(index_type), z[second].ravel(), np.repeat(np.arange(n, dtype=index_type), n)])
    pair_biases = np.concatenate([
        np.full(len(first), 2 * g), np.full(len(first) * n, 2 * a), np.full(n * n, -b),
    ])
    linear = np.concatenate([np.full(n, g * (1 - 2 * k)), (costs + (b - a)).ravel()])
    return dimod.BinaryQuadraticModel.from_numpy_vectors(
        linear, (pair_rows, pair_columns, pair_biases), g * k * k + a * n, dimod.BINARY
    )


def _check_memory(n: int, fraction: float) -> None:
    """Refuse, before allocating, an ``assignment`` build whose estimate exceeds ``fraction`` of
    the memory available now."""
    needed = assignment_interactions(n) * BYTES_PER_INTERACTION
    available = available_memory()
    if available is not None and needed > fraction * available:
        raise BadInputError(
            "size", n,
            f"the assignment QUBO needs ~{needed / 2**30:.1f} GiB ({assignment_interactions(n):,} interactions), "
            f"over {fraction:g} of the {available / 2**30:.1f} GiB available "
            "(raise max_memory_fraction, or use the selection formulation)",
        )
