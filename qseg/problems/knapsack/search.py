"""Classical knapsack methods on arrays: profit/cost ratios, the LP critical ratio of the budget,
the greedy choice and exact dynamic programming.

``profit[i]`` and ``cost[i]`` are customer i's profit and cost (costs >= 0), ``budget`` > 0; a
choice is a 0/1 int8 vector over customers.
"""

from __future__ import annotations

import numpy as np

from qseg.errors import BadInputError

DP_MAX_CELLS = 400_000_000


def default_resolution(cost: np.ndarray, budget: float) -> float:
    """Return 1 when costs and budget are integers, else 0.01 (cents)."""
    integral = np.all(np.equal(np.mod(cost, 1), 0)) and float(budget).is_integer()
    return 1.0 if integral else 0.01


def ratio_order(profit: np.ndarray, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return profit/cost ratios (inf for free customers) and the profitable customers sorted by
    ratio, best first."""
    with np.errstate(divide="ignore"):
        ratio = np.where(cost > 0, profit / np.where(cost > 0, cost, 1), np.inf)
    profitable = np.flatnonzero(profit > 0)
    order = profitable[np.argsort(-ratio[profitable], kind="stable")]
    return ratio, order


def critical_ratio(profit: np.ndarray, cost: np.ndarray, budget: float) -> float:
    """Return the LP multiplier estimate of the budget: the profit/cost ratio of the greedy
    break item, or the smallest positive ratio when all profitable customers fit (0.0 when none
    is profitable)."""
    ratio, order = ratio_order(profit, cost)
    if order.size == 0:
        return 0.0
    cumulative = np.cumsum(cost[order])
    breaking = np.flatnonzero(cumulative > budget)
    return float(ratio[order[breaking[0]]] if breaking.size else ratio[order[-1]])


def greedy(profit: np.ndarray, cost: np.ndarray, budget: float) -> np.ndarray:
    """Return the greedy 0/1 choice: profitable customers by profit/cost ratio, each taken
    when it still fits (customers that do not fit are passed over, not a stop)."""
    _, order = ratio_order(profit, cost)
    x = np.zeros(len(profit), dtype=np.int8)
    spend = 0.0
    for i in order:
        if spend + cost[i] <= budget:
            x[i] = 1
            spend += cost[i]
    return x


def dynamic_programming(
    profit: np.ndarray, cost: np.ndarray, budget: float, resolution: float | None = None,
    max_cells: int = DP_MAX_CELLS,
) -> np.ndarray:
    """Return an optimal 0/1 choice by DP over integer costs.

    Costs are scaled to ``resolution`` (default: 1 for integer data, else 0.01), rounded up,
    and the budget rounded down, so the answer is always feasible and exact for integer data.
    Raises BadInputError when the table would exceed ``max_cells`` entries.
    """
    size = len(profit)
    step = resolution or default_resolution(cost, budget)
    weights = np.ceil(cost / step - 1e-9).astype(np.int64)
    capacity = int(np.floor(budget / step + 1e-9))
    if size * (capacity + 1) > max_cells:
        raise BadInputError("resolution", step, f"DP table of {size}x{capacity + 1} is too large")
    best = np.zeros(capacity + 1)
    taken = np.zeros((size, capacity + 1), dtype=bool)
    for i in range(size):
        w, p = weights[i], profit[i]
        if p <= 0 or w > capacity:
            continue
        candidate = best[: capacity + 1 - w] + p
        improves = candidate > best[w:]
        taken[i, w:] = improves
        best[w:] = np.where(improves, candidate, best[w:])
    x = np.zeros(size, dtype=np.int8)
    remaining = capacity
    for i in range(size - 1, -1, -1):
        if taken[i, remaining]:
            x[i] = 1
            remaining -= weights[i]
    return x
