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


def polish_many(profit: np.ndarray, cost: np.ndarray, budget: float, chosen: np.ndarray) -> np.ndarray:
    """Return the 0/1 rows of ``chosen`` (reads x customers) after the classical polish, each
    distinct row polished once: repaired to the budget (customers without profit dropped, then
    the worst profit/cost ratios until it fits), filled greedily by ratio, then improving
    1-swaps (one chosen customer out, one unchosen in, when it fits and raises the profit, the
    best swap first, refilling after each) until none is left. Every row returned is feasible."""
    chosen = np.atleast_2d(np.asarray(chosen) > 0.5)
    if len(chosen) == 0:
        return np.zeros((0, len(profit)), dtype=np.int8)
    unique, inverse = np.unique(chosen, axis=0, return_inverse=True)
    repaired = _repair(profit, cost, budget, unique)
    _, order = ratio_order(profit, cost)
    by_cost = np.argsort(cost, kind="stable")
    polished = np.array([_swap_until_stable(profit, cost, budget, row, order, by_cost) for row in repaired])
    return polished[inverse.ravel()].astype(np.int8)


def _repair(profit: np.ndarray, cost: np.ndarray, budget: float, rows: np.ndarray) -> np.ndarray:
    """Return boolean ``rows`` without unprofitable customers and, where spend still exceeds the
    budget, without the lowest-ratio chosen customers whose removal first brings it within."""
    rows = rows & (profit > 0)[None, :]
    ratio, _ = ratio_order(profit, cost)
    worst_first = np.argsort(ratio, kind="stable")
    excess = rows.astype(float) @ cost - budget
    removable = np.where(rows[:, worst_first], cost[worst_first][None, :], 0.0)
    removed_before = np.cumsum(removable, axis=1) - removable
    # A chosen customer goes while what was removed before it leaves the budget exceeded.
    drop = rows[:, worst_first] & (removed_before < excess[:, None])
    repaired = rows.copy()
    repaired[:, worst_first] &= ~drop
    return repaired


def _fill(cost: np.ndarray, budget: float, row: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Return ``row`` with the customers of ``order`` (profitable, best ratio first) added one
    after another while each still fits; a prefix that fits as a whole is taken at once."""
    row = row.copy()
    remaining = budget - float(cost @ row)
    start = 0
    while start < order.size:
        candidates = order[start:]
        takeable = ~row[candidates] & (cost[candidates] <= remaining)
        costs = np.where(takeable, cost[candidates], 0.0)
        fits = np.cumsum(costs) <= remaining
        row[candidates[takeable & fits]] = True
        if fits.all():
            break
        skipped = int(np.argmin(fits))  # the first one that no longer fits is passed over for good
        remaining -= float(costs[:skipped].sum())
        start += skipped + 1
    return row


def _swap_until_stable(
    profit: np.ndarray, cost: np.ndarray, budget: float, row: np.ndarray, order: np.ndarray, by_cost: np.ndarray,
    max_swaps: int = 100_000,
) -> np.ndarray:
    """Return ``row`` filled, then improved by the best 1-swap and refilled until no swap pays."""
    sorted_cost = cost[by_cost]
    tolerance = 1e-12 * max(float(np.abs(profit).max()), 1.0)
    row = _fill(cost, budget, row, order)
    for _ in range(max_swaps):
        remaining = budget - float(cost @ row)
        # Best unchosen profit among customers costing at most t, for every t: a running maximum
        # over customers sorted by cost, with the position where it was reached.
        values = np.where(row[by_cost] | (profit[by_cost] <= 0), -np.inf, profit[by_cost])
        running = np.maximum.accumulate(values)
        where = np.maximum.accumulate(np.where(values == running, np.arange(values.size), 0))
        out = np.flatnonzero(row)
        if out.size == 0:
            break
        reach = np.searchsorted(sorted_cost, remaining + cost[out], side="right") - 1
        gain = np.where(reach >= 0, running[np.maximum(reach, 0)], -np.inf) - profit[out]
        best = int(np.argmax(gain))
        if not gain[best] > tolerance:
            break
        row[out[best]] = False
        row[by_cost[where[reach[best]]]] = True
        row = _fill(cost, budget, row, order)
    return row
