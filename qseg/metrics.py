"""Every metric qseg reports, defined once as pure functions (docs/architecture.md §3).

Objectives enter here in the minimisation sense (qseg's one internal sense); the record converts
to the problem's natural sense at its boundary. Fractions over reads are weighted by
``num_occurrences``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TypedDict

import numpy as np
import numpy.typing as npt

from qseg.errors import BadInputError

DEFAULT_EPS = 1e-6
TARGET_PROBABILITY = 0.99
ROUNDING_NOISE = 1e-12  # relative; the same cost summed in another order differs by ~1e-16
RANDOM_CONTROL_EXACT_MAX = 20
RANDOM_CONTROL_DRAWS = 1 << 16

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


def gap_array(objective: npt.ArrayLike, reference: float) -> FloatArray:
    """Return (objective - reference) / max(|reference|, 1e-9) elementwise, for minimisation
    objectives: >= 0 for a worse answer, 0 at the reference (noise below 1e-12 is 0)."""
    relative = (np.asarray(objective, dtype=float) - reference) / max(abs(reference), 1e-9)
    return np.where(np.abs(relative) < ROUNDING_NOISE, 0.0, relative)


def gap(objective: float, reference: float) -> float:
    """Return the relative gap of one minimisation objective to the reference (see ``gap_array``)."""
    return float(gap_array(objective, reference))


def weighted_fraction(mask: BoolArray, occurrences: IntArray) -> float:
    """Return the fraction of reads (weighted by ``num_occurrences``) where ``mask`` holds."""
    total = int(occurrences.sum())
    return float(occurrences[mask].sum() / total) if total else 0.0


def best_feasible(minimised: FloatArray, feasible: BoolArray) -> int | None:
    """Return the row of the feasible read with the lowest (minimisation) objective, or None
    when no read is feasible. The best sample is never chosen by energy."""
    if not feasible.any():
        return None
    rows = np.flatnonzero(feasible)
    return int(rows[np.argmin(minimised[rows])])


def success_probability(
    minimised: FloatArray, feasible: BoolArray, occurrences: IntArray, reference: float,
    eps: float = DEFAULT_EPS,
) -> float:
    """Return the fraction of reads that are feasible and within ``gap <= eps`` of the reference."""
    hits = feasible & (gap_array(minimised, reference) <= eps)
    return weighted_fraction(hits, occurrences)


def tts99(t_read_s: float, probability: float) -> float | None:
    """Return the time to reach the reference with 99 % confidence: ``t_read`` when the success
    probability is at least 0.99, ``t_read * ln(0.01) / ln(1 - p)`` below it, None when p = 0."""
    if probability <= 0.0:
        return None
    if probability >= TARGET_PROBABILITY:
        return t_read_s
    return t_read_s * math.log(1 - TARGET_PROBABILITY) / math.log(1 - probability)


def tts_basis_ns(timing: Mapping[str, int], basis: str, polish_ns: int = 0) -> int:
    """Return the solve time TTS99 is computed from: the backend's declared basis field (falling
    back to ``wall_ns`` when the backend did not report it) plus the polish time, since a
    polished read costs both."""
    return int(timing.get(basis, timing["wall_ns"])) + int(polish_ns)


def approximation_ratios(
    natural: FloatArray, feasible: BoolArray, occurrences: IntArray, best: int, reference_natural: float,
) -> tuple[float, float] | None:
    """Return (best, mean) approximation ratios: the best feasible objective and the
    counts-weighted mean feasible objective, each over the reference, natural sense (≤ 1 for
    maximisation, ≥ 1 for minimisation, 1 = optimal); None when the reference is 0.

    This is what a Record stores as ``approximation_ratio_best`` / ``_mean`` (the ratio is the
    same whichever sense the two objectives are given in, as both flip sign together). To compare
    problems of both senses, read it through ``oriented_ratio``."""
    if reference_natural == 0 or not feasible.any():
        return None
    mean = float(np.average(natural[feasible], weights=occurrences[feasible]))
    return float(natural[best] / reference_natural), mean / reference_natural


def oriented_ratio(ratio: npt.ArrayLike, sense: npt.ArrayLike) -> FloatArray:
    """Return stored approximation ratios (objective / reference, natural sense) oriented so that
    1 is optimal and lower is worse in both senses: the ratio itself for ``sense`` "max", its
    inverse (reference / objective) for "min". NaN where the ratio is missing or not positive
    (an objective of the other sign than the reference has no oriented ratio)."""
    values = np.asarray(ratio, dtype=float)
    minimise = np.asarray(sense, dtype=object) == "min"
    with np.errstate(divide="ignore", invalid="ignore"):
        oriented = np.where(minimise, 1.0 / values, values)
    return np.where(values > 0, oriented, np.nan)


class RandomControl(TypedDict):
    """What uniformly random bitstrings achieve at a cell's shot count."""

    method: str
    success_probability_per_shot: float
    probability_in_shots: float
    shots: int


ScoreStates = Callable[[npt.NDArray[np.int8]], tuple[FloatArray, BoolArray]]


def random_control(score: ScoreStates, num_variables: int, shots: int, reference: float,
                   eps: float = DEFAULT_EPS) -> RandomControl:
    """Return the per-shot probability that a uniformly random bitstring is feasible and within
    ``eps`` of the (minimisation) reference, exact by enumeration up to 20 variables and else
    estimated from 2^16 seeded draws, and the probability that ``shots`` draws contain one.
    ``score`` maps a (states × variables) 0/1 array to (minimised objectives, feasible).
    "Found the optimum" means little for QAOA when this is already high."""
    n = num_variables
    exact = n <= RANDOM_CONTROL_EXACT_MAX
    total, hits = 0, 0
    rng = np.random.default_rng(0)
    starts = range(0, 1 << n, RANDOM_CONTROL_DRAWS) if exact else range(1)
    for start in starts:
        if exact:
            codes = np.arange(start, min(start + RANDOM_CONTROL_DRAWS, 1 << n), dtype=np.int64)
            states = ((codes[:, None] >> np.arange(n)) & 1).astype(np.int8)
        else:
            states = rng.integers(0, 2, size=(RANDOM_CONTROL_DRAWS, n), dtype=np.int8)
        minimised, feasible = score(states)
        good = feasible & (gap_array(minimised, reference) <= eps)
        total, hits = total + len(states), hits + int(good.sum())
    per_shot = hits / total
    return {
        "method": "exact" if exact else f"sampled ({total} states)",
        "success_probability_per_shot": per_shot,
        "probability_in_shots": 1.0 - (1.0 - per_shot) ** shots,
        "shots": shots,
    }


# Across cells: performance profiles (Dolan & Moré 2002) and empirical distribution functions.
# A cost matrix has one row per instance and one column per solver; +inf marks a failure.


def time_to_gap(wall_s: npt.ArrayLike, gap: npt.ArrayLike, feasible: npt.ArrayLike, eps: float) -> FloatArray:
    """Return each cell's time to a gap <= ``eps``: its wall time when its best read is feasible
    and within ``eps`` of the reference, +inf otherwise (a miss, or no gap at all: NaN)."""
    wall = np.asarray(wall_s, dtype=float)
    gaps = np.asarray(gap, dtype=float)
    reached = np.asarray(feasible, dtype=bool) & (np.nan_to_num(gaps, nan=np.inf) <= eps)
    return np.where(reached, wall, np.inf)


def performance_ratios(costs: npt.ArrayLike) -> FloatArray:
    """Return Dolan & Moré's performance ratios r[p, s] = cost[p, s] / min over solvers of
    cost[p, :] for an (instances x solvers) matrix of non-negative costs, +inf for a failure.

    A failure's ratio is +inf, and so is every ratio on an instance no solver solved. Ties share
    ratio 1. A zero best cost gives ratio 1 to the solvers that tie it and +inf to the others.
    Raises BadInputError for a NaN (a solver not run is not a failure: leave it out before) or a
    negative cost.
    """
    cost = np.asarray(costs, dtype=float)
    if cost.ndim != 2:
        raise BadInputError("costs", cost.shape, "expected an (instances x solvers) matrix")
    if np.isnan(cost).any():
        raise BadInputError("costs", "NaN", "every solver must have run on every instance (+inf marks a failure)")
    if (cost < 0).any():
        raise BadInputError("costs", float(cost.min()), "costs must be >= 0")
    best = cost.min(axis=1, initial=np.inf, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = cost / best
    ratios[cost == best] = 1.0  # ties, including 0 / 0
    ratios[~np.isfinite(best[:, 0])] = np.inf  # nobody solved it: 1 would flatter every solver
    return np.where(np.isnan(ratios), np.inf, ratios)


def profile(ratios: npt.ArrayLike, taus: npt.ArrayLike) -> FloatArray:
    """Return rho[t, s]: the fraction of instances (rows of ``ratios``) on which solver s is within
    a factor ``taus[t]`` of the best, i.e. with ratio <= tau; +inf ratios never count."""
    ratio = np.asarray(ratios, dtype=float)
    tau = np.asarray(taus, dtype=float)
    if ratio.shape[0] == 0:
        return np.zeros((tau.size, ratio.shape[1] if ratio.ndim == 2 else 0))
    within = np.isfinite(ratio)[None, :, :] & (ratio[None, :, :] <= tau[:, None, None])  # inf <= inf holds
    return np.asarray(within.mean(axis=1), dtype=float)


def ecdf(values: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Return (x, y) of the empirical distribution of ``values``: the finite values sorted, and
    for each the fraction of *all* values <= it. +inf and NaN (never reached) stay in the
    denominator, so y ends below 1 when some runs failed. Both are empty without a finite value."""
    data = np.asarray(values, dtype=float).ravel()
    finite = np.sort(data[np.isfinite(data)])
    if data.size == 0:
        return finite, finite.copy()
    return finite, np.arange(1, finite.size + 1) / data.size


def complete_block(ran: npt.ArrayLike, min_coverage: float = 0.5) -> tuple[BoolArray, BoolArray]:
    """Return (instances kept, solvers kept) for an (instances x solvers) mask of which solver
    ran on which instance, such that every kept solver ran on every kept instance (a profile
    compares solvers on the same instances).

    Solvers that ran on under ``min_coverage`` of the instances go first (one run only on the
    small instances, like QAOA, would shrink the set to those); then, while it enlarges the
    block (instances x solvers), the solver whose removal does so most is dropped (a baseline
    run on half the instances would otherwise cost the other half to every solver). Ties go
    to the lowest column.
    """
    mask = np.asarray(ran, dtype=bool)
    if mask.ndim != 2:
        raise BadInputError("ran", mask.shape, "expected an (instances x solvers) mask")
    if not 0.0 <= min_coverage <= 1.0:
        raise BadInputError("min_coverage", min_coverage, "must lie in [0, 1]")
    if mask.shape[0] == 0:
        return np.zeros(0, dtype=bool), np.zeros(mask.shape[1], dtype=bool)
    solvers = mask.mean(axis=0) >= min_coverage

    def block(keep: BoolArray) -> tuple[BoolArray, int]:
        rows: BoolArray = np.asarray(mask[:, keep].all(axis=1) if keep.any() else np.zeros(mask.shape[0], dtype=bool))
        return rows, int(rows.sum()) * int(keep.sum())

    instances, size = block(solvers)
    while solvers.sum() > 1:
        trials = [(block(solvers & (np.arange(mask.shape[1]) != column))[1], column) for column in np.flatnonzero(solvers)]
        best, column = max(trials, key=lambda trial: (trial[0], -trial[1]))
        if best <= size:
            break
        solvers = solvers.copy()
        solvers[column] = False
        instances, size = block(solvers)
    return instances, solvers
