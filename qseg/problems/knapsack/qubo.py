"""QUBO formulations of knapsack targeting, each with its penalty rule.

With objective -sum p x (minimised) and h = B - sum c x (the unspent budget):

``unbalanced`` (default; Montanez-Barrera et al. 2022, no slack variables)
    E = -sum p x - l1*h + l2*h^2. With r the LP multiplier of the budget (the greedy break
    item's profit/cost ratio; the smallest profitable ratio when everything profitable fits),
    l2 = r/(2*h*) with h* = max(B - greedy spend, B/(2*kappa)), kappa = 8, and
    l1 = r + 2*l2*margin*B, margin = 0.01. At the LP price alone (l1 = r) the energy of the best
    state at each spend is flat to first order at h = 0 and the sampler's reads straddle the
    budget; the extra 2*l2*margin*B moves that minimum margin*B inside it. Both are then scaled
    up together, when needed, until adding any overflowing customer to the greedy answer costs
    10 % more than it earns (``stability_scale`` in the details). Measured (sa, 100 reads x 1000
    sweeps, Pisinger-recipe instances of types 1-3, n = 100-200, tuned on generated ones): the
    former kappa = 16 without margin left 1.3 % mean gap, 4.7 % on a strongly correlated one; a
    softer l2 is what helps there, kappa = 2 left some instances without a feasible read. On the
    seed recipe's generated customers (n = 16-250, sa and tabu) a softer l2 costs feasibility:
    kappa = 4 left 8 of 36 cells without a feasible read, kappa = 16 with the margin 3, kappa = 8
    6; kappa = 8 keeps the Pisinger figures (mean 0.32 %, max 1.39 % on the held-back instances).
    Options: ``lambda1``, ``lambda2`` (given weights are used as they are), ``kappa``, ``margin``.
``slack`` (binary-expanded slack, Lucas 2014)
    E = -sum p x + lam*(sum c' x + sum 2^k s_k - B')^2 on costs scaled to ``resolution`` r
    (c' = ceil(c/r), B' = floor(B/r): conservative, so a QUBO-feasible state is feasible;
    r = 1 for integer data, else 0.01). lam = (1 + 1e-3) * max p: one scaled unit of overspend
    costs more than any one customer can add (Lucas's A > B max p). Options: ``lam``,
    ``resolution``.
``equality`` (the seed notebook's baseline)
    E = -sum p x + lam*(sum c x - B)^2, lam = 10 * max(1, max|p|). It forces spend to equal the
    budget, which is why the notebook's answer lands far below the optimum.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import cast

import dimod
import numpy as np

from qseg.problems.base import Qubo
from qseg.problems.knapsack.search import critical_ratio, default_resolution, greedy

DEFAULT_KAPPA = 8.0
DEFAULT_MARGIN = 0.01
STABILITY_MARGIN = 1.1


def build(
    formulation: str, profit: np.ndarray, cost: np.ndarray, budget: float, labels: list[str],
    options: dict[str, float],
) -> Qubo:
    """Return ``formulation`` of the knapsack ``profit``, ``cost``, ``budget`` over variables
    ``labels`` with the penalty weights it used; ``options`` are the checked penalty options
    (``penalty_values``)."""
    builder = {"unbalanced": _unbalanced, "slack": _slack, "equality": _equality}[formulation]
    return builder(profit, cost, budget, labels, options)


def _objective(profit: np.ndarray, labels: list[str]) -> dimod.BinaryQuadraticModel:
    return dimod.BinaryQuadraticModel.from_numpy_vectors(
        -profit, ([], [], []), 0.0, dimod.BINARY, variable_order=labels
    )


def _unbalanced(
    profit: np.ndarray, cost: np.ndarray, budget: float, labels: list[str], options: dict[str, float]
) -> Qubo:
    kappa = options.get("kappa", DEFAULT_KAPPA)
    margin = options.get("margin", DEFAULT_MARGIN)
    chosen = greedy(profit, cost, budget)
    greedy_slack = budget - float(cost @ chosen)
    neutral_slack = max(greedy_slack, budget / (2 * kappa))
    price = critical_ratio(profit, cost, budget)
    lambda2 = options.get("lambda2", price / (2 * neutral_slack) if price > 0 else 1.0 / budget)
    lambda1 = options.get("lambda1", price + 2 * lambda2 * margin * budget)
    scale = 1.0
    if "lambda1" not in options and "lambda2" not in options:
        scale = _stability_scale(profit, cost, chosen, greedy_slack, lambda1, lambda2)
        lambda1, lambda2 = scale * lambda1, scale * lambda2
    bqm = _objective(profit, labels)
    # -l1*h = l1*sum c x - l1*B. Built directly rather than through dimod's "unbalanced"
    # inequality, which adds an unscaled offset (-B instead of -l1*B) and warns on real costs.
    bqm.add_linear_from(zip(labels, lambda1 * cost))
    bqm.offset -= lambda1 * budget
    bqm.add_linear_equality_constraint(zip(labels, cost), lambda2, -budget)
    return Qubo(
        bqm,
        "unbalanced",
        {"lambda1": lambda1, "lambda2": lambda2},
        {"kappa": kappa, "margin": margin, "neutral_slack": neutral_slack, "stability_scale": scale},
    )


def _stability_scale(
    profit: np.ndarray, cost: np.ndarray, greedy: np.ndarray, slack: float, lambda1: float, lambda2: float
) -> float:
    """Return the factor (>= 1) by which both weights must grow so that, from the greedy answer,
    adding any customer that overflows the budget raises the energy by more than its profit
    (with a 10 % margin). It binds when items are large against the budget: with Pisinger's
    similar-weight instances the greedy answer leaves half the budget unspent."""

    def penalty(h: np.ndarray | float) -> np.ndarray | float:
        return -lambda1 * h + lambda2 * h**2

    overflow = (greedy == 0) & (profit > 0) & (cost > slack)
    if not overflow.any():
        return 1.0
    rise = penalty(slack - cost[overflow]) - penalty(slack)
    needed = STABILITY_MARGIN * profit[overflow] / np.maximum(rise, 1e-300)
    return float(max(1.0, needed.max()))


def _slack(
    profit: np.ndarray, cost: np.ndarray, budget: float, labels: list[str], options: dict[str, float]
) -> Qubo:
    resolution = options.get("resolution", default_resolution(cost, budget))
    scaled_cost = np.ceil(cost / resolution - 1e-9).astype(np.int64)
    scaled_budget = int(np.floor(budget / resolution + 1e-9))
    lam = options.get("lam", (1 + 1e-3) * max(float(profit.max()), 1e-9))
    bqm = _objective(profit, labels)
    # dimod annotates the slack terms as an Iterable; it returns them as a list.
    slack_terms = cast(list[tuple[Hashable, int]], bqm.add_linear_inequality_constraint(
        [(v, int(c)) for v, c in zip(labels, scaled_cost)],
        lagrange_multiplier=lam,
        label="budget",
        ub=scaled_budget,
        penalization_method="slack",
    ))
    return Qubo(
        bqm,
        "slack",
        {"lam": lam},
        {"resolution": resolution, "scaled_budget": scaled_budget, "slack_variables": len(slack_terms)},
    )


def _equality(
    profit: np.ndarray, cost: np.ndarray, budget: float, labels: list[str], options: dict[str, float]
) -> Qubo:
    lam = options.get("lam", 10.0 * max(1.0, float(np.abs(profit).max())))
    bqm = _objective(profit, labels)
    bqm.add_linear_equality_constraint(zip(labels, cost), lam, -budget)
    return Qubo(bqm, "equality", {"lam": lam})
