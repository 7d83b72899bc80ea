"""Classical knapsack methods on arrays: profit/cost ratios, the LP critical ratio of the budget,
the greedy choice (a heuristic), the exact optimum (dynamic programming, proven for the data
given: see ``exact_optimum``) and the polish of reads (a local search).

``profit[i]`` and ``cost[i]`` are customer i's profit and cost (costs >= 0), ``budget`` > 0; a
choice is a 0/1 int8 vector over customers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qseg.errors import SolverError

DP_MAX_CELLS = 400_000_000
DP_FIRST_CELLS = 2_000_000  # the sandwich's first table (refined x8 up to DP_SANDWICH_CELLS)
# Beyond this the MILP (milliseconds at thousands of customers) is cheaper than a finer table.
DP_SANDWICH_CELLS = 16_000_000
DP_MAX_DECIMALS = 6  # costs with at most this many decimals are scaled to whole numbers exactly


def default_resolution(cost: np.ndarray, budget: float) -> float:
    """Return 1 when costs and budget are integers, else 0.01 (cents): the slack QUBO's step."""
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
    profit: np.ndarray, cost: np.ndarray, budget: float, max_cells: int = DP_MAX_CELLS,
) -> np.ndarray:
    """Return an optimal 0/1 choice (``exact_optimum``'s choice): exact for the data given."""
    return exact_optimum(profit, cost, budget, max_cells).choice


@dataclass(frozen=True)
class KnapsackOptimum:
    """An optimal choice and how it was proven.

    ``method``: "dp" (costs are whole multiples of ``step``: the DP over them is exact),
    "dp-sandwich" (costs rounded up to ``step`` give a feasible choice whose profit meets the
    bound of the DP over costs rounded down, a relaxation) or "milp" (neither applied: HiGHS's
    branch and bound through ``scipy.optimize.milp`` at zero gap). ``bound`` is the proven upper
    bound on the profit: the choice's profit within float noise (see ``_milp`` for the one case
    where it is not).
    """

    choice: np.ndarray
    method: str
    step: float | None
    bound: float


def exact_step(cost: np.ndarray, max_decimals: int = DP_MAX_DECIMALS) -> float | None:
    """Return the coarsest step 10**-k (k <= ``max_decimals``) of which every cost is a whole
    multiple (to float precision: 12.34 is 1234 cents), or None when the costs have more decimals."""
    for decimals in range(max_decimals + 1):
        scaled = cost * 10.0**decimals
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-6) and np.all(np.abs(scaled) < 2.0**52):
            return 10.0**-decimals
    return None


def exact_optimum(profit: np.ndarray, cost: np.ndarray, budget: float, max_cells: int = DP_MAX_CELLS) -> KnapsackOptimum:
    """Return a proven optimal choice of the knapsack ``profit``, ``cost``, ``budget``.

    Costs with at most ``DP_MAX_DECIMALS`` decimals whose table (customers x scaled budget) fits
    ``max_cells`` are solved by DP exactly. Otherwise the DP runs on a step, twice: costs
    rounded up (a feasible choice) and rounded down (an upper bound, since any feasible choice's
    rounded-down costs fit the rounded-down budget); when the two meet, the feasible choice is
    optimal, else the step is refined (``_table_sizes``). When they have not met at
    ``DP_SANDWICH_CELLS``, HiGHS's MILP at zero gap decides.
    """
    size = len(profit)
    useful = (profit > 0) & (cost <= budget)
    step = exact_step(cost[useful])
    if step is not None and size * (int(np.floor(budget / step + 1e-9)) + 1) <= max_cells:
        capacity = int(np.floor(budget / step + 1e-9))
        # Customers that cannot pay or cannot fit never enter the table (their costs may have
        # any number of decimals).
        weights = np.where(useful, np.round(cost / step), capacity + 1).astype(np.int64)
        choice, value = _dp(profit, weights, capacity)
        return KnapsackOptimum(choice, "dp", step, value)
    for cells in _table_sizes(min(max_cells, DP_SANDWICH_CELLS)):
        step = budget / max(cells // max(size, 1) - 1, 1)
        scaled = np.where(useful, cost / step, np.inf)
        capacity = int(np.floor(budget / step + 1e-9))
        blocked = capacity + 1
        choice, _ = _dp(profit, _whole(np.ceil(scaled - 1e-9), blocked), capacity)
        # Rounded down exactly (no tolerance), so that the bound stays a relaxation's.
        _, bound = _dp(profit, _whole(np.floor(scaled), blocked), capacity, choose=False)
        if float(profit @ choice) >= bound - 1e-9 * max(abs(bound), 1.0):
            return KnapsackOptimum(choice, "dp-sandwich", step, bound)
    return _milp(profit, cost, budget, choice)


def _table_sizes(max_cells: int) -> list[int]:
    """Return the DP table sizes the sandwich tries, coarse first (x8 each, ``max_cells`` last):
    a coarse table is cheap and often already closes the gap."""
    sizes = [min(DP_FIRST_CELLS, max_cells)]
    while sizes[-1] < max_cells:
        sizes.append(min(sizes[-1] * 8, max_cells))
    return sizes


def _whole(weights: np.ndarray, blocked: int) -> np.ndarray:
    """Return integer weights, ``blocked`` (more than the capacity) where a weight is infinite."""
    return np.where(np.isfinite(weights), weights, blocked).astype(np.int64)


def _dp(profit: np.ndarray, weights: np.ndarray, capacity: int, choose: bool = True) -> tuple[np.ndarray, float]:
    """Return the best 0/1 choice (zeros unless ``choose``) and its profit for integer
    ``weights`` (>= 0) and ``capacity``: the textbook table over capacities, one row per customer."""
    size = len(profit)
    best = np.zeros(capacity + 1)
    taken = np.zeros((size, capacity + 1), dtype=bool) if choose else None
    for i in range(size):
        w, p = weights[i], profit[i]
        if p <= 0 or w > capacity:
            continue
        candidate = best[: capacity + 1 - w] + p
        improves = candidate > best[w:]
        if taken is not None:
            taken[i, w:] = improves
        best[w:] = np.where(improves, candidate, best[w:])
    x = np.zeros(size, dtype=np.int8)
    if taken is not None:
        remaining = capacity
        for i in range(size - 1, -1, -1):
            if taken[i, remaining]:
                x[i] = 1
                remaining -= weights[i]
    return x, float(best[capacity])


def _milp(profit: np.ndarray, cost: np.ndarray, budget: float, fallback: np.ndarray) -> KnapsackOptimum:
    """Return HiGHS's proven optimum (zero gap) through ``scipy.optimize.milp``; when its
    answer, rounded, overspends the budget (within HiGHS's feasibility tolerance) or is worse
    than ``fallback`` (a feasible choice), ``fallback`` with HiGHS's bound, which then shows how
    far from proven it is."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    size = len(profit)
    result = milp(-profit, integrality=np.ones(size), bounds=Bounds(0, 1),
                  constraints=LinearConstraint(cost[None, :], -np.inf, budget),
                  options={"mip_rel_gap": 0.0, "presolve": True})
    if result.x is None or not result.success:
        raise SolverError(f"the knapsack MILP failed: {result.message}")
    choice = np.round(result.x).astype(np.int8)
    bound = float(-getattr(result, "mip_dual_bound", result.fun))
    if float(cost @ choice) > budget or profit @ choice < profit @ fallback:
        choice = fallback
    return KnapsackOptimum(choice, "milp", None, bound)


def polish_many(
    profit: np.ndarray, cost: np.ndarray, budget: float, chosen: np.ndarray, max_moves: int = 10_000,
) -> np.ndarray:
    """Return the 0/1 rows of ``chosen`` (reads x customers) after the classical polish, each
    distinct row polished once: repaired to the budget (customers without profit dropped, then
    the worst profit/cost ratios until it fits), filled greedily by ratio, then a local search
    until no move raises the profit: the best improving 1-swap (one chosen customer out, one
    unchosen in), and when none is left the best improving exchange of one chosen customer for
    two unchosen ones or of two chosen for one (``_best_exchange``), refilling after each move.
    A local search, not an exact method: it stops at a row no such move improves.
    Deterministic (ties go to the first candidate in cost order). Every row returned is feasible.

    Cost per distinct row, per move: the 1-swap search is O(n log n); the exchange search,
    run only when no 1-swap pays, compares m·u (chosen x unchosen, at most n²/4) pairs against
    an LP bound in blocks of ``EXCHANGE_BLOCK`` cells (memory bounded whatever n) and looks
    partners up, O(log n) each, only for the pairs that can pay; at most ``max_moves`` moves,
    each raising the profit (from a uniformly random read about n/5 moves were needed at
    n = 2,000 and 5,000)."""
    chosen = np.atleast_2d(np.asarray(chosen) > 0.5)
    if len(chosen) == 0:
        return np.zeros((0, len(profit)), dtype=np.int8)
    unique, inverse = np.unique(chosen, axis=0, return_inverse=True)
    repaired = _repair(profit, cost, budget, unique)
    _, order = ratio_order(profit, cost)
    by_cost = np.argsort(cost, kind="stable")
    price = critical_ratio(profit, cost, budget)
    price = price if np.isfinite(price) else 0.0  # any price >= 0 gives a valid bound on a move's gain
    polished = np.array([_local_search(profit, cost, budget, row, order, by_cost, max_moves, price)
                         for row in repaired])
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


def _local_search(
    profit: np.ndarray, cost: np.ndarray, budget: float, row: np.ndarray, order: np.ndarray, by_cost: np.ndarray,
    max_moves: int, price: float,
) -> np.ndarray:
    """Return ``row`` filled, then improved by the best 1-swap, or when none pays by the best
    1-for-2 / 2-for-1 exchange, refilled after each move, until no move pays (or ``max_moves``)."""
    tolerance = 1e-12 * max(float(np.abs(profit).max()), 1.0)
    row = _fill(cost, budget, row, order)
    for _ in range(max_moves):
        move = _best_swap(profit, cost, budget, row, by_cost)
        if move is None or not move[0] > tolerance:
            move = _best_exchange(profit, cost, budget, row, by_cost, price)
        if move is None or not move[0] > tolerance:
            break
        _, out, into = move
        candidate = row.copy()
        candidate[list(out)] = False
        candidate[list(into)] = True
        if float(cost @ candidate) > budget:  # a fit decided within rounding: stop rather than overspend
            break
        row = _fill(cost, budget, candidate, order)
    return row


Move = tuple[float, tuple[int, ...], tuple[int, ...]]
EXCHANGE_BLOCK = 1 << 20


def _best_swap(profit: np.ndarray, cost: np.ndarray, budget: float, row: np.ndarray, by_cost: np.ndarray) -> Move | None:
    """Return the best 1-swap of ``row`` as (gain, customers out, customers in), or None when
    no chosen customer can be exchanged for an unchosen profitable one within the budget."""
    remaining = budget - float(cost @ row)
    # Best unchosen profit among customers costing at most t, for every t: a running maximum
    # over customers sorted by cost, with the position where it was reached.
    values = np.where(row[by_cost] | (profit[by_cost] <= 0), -np.inf, profit[by_cost])
    running = np.maximum.accumulate(values)
    where = np.maximum.accumulate(np.where(values == running, np.arange(values.size), 0))
    out = np.flatnonzero(row)
    if out.size == 0:
        return None
    reach = np.searchsorted(cost[by_cost], remaining + cost[out], side="right") - 1
    gain = np.where(reach >= 0, running[np.maximum(reach, 0)], -np.inf) - profit[out]
    best = int(np.argmax(gain))
    if not np.isfinite(gain[best]):
        return None
    return float(gain[best]), (int(out[best]),), (int(by_cost[where[reach[best]]]),)


def _blocks(rows: np.ndarray, columns: int) -> list[np.ndarray]:
    """Return ``rows`` split into consecutive blocks of at most ``EXCHANGE_BLOCK`` cells (one
    row at least) of ``columns`` columns each."""
    return np.array_split(rows, min(rows.size, -(-rows.size * columns // EXCHANGE_BLOCK)))


def _best_exchange(
    profit: np.ndarray, cost: np.ndarray, budget: float, row: np.ndarray, by_cost: np.ndarray, price: float,
) -> Move | None:
    """Return the best exchange of one chosen customer for two unchosen profitable ones, or of
    two chosen for one unchosen, that fits the budget, as (gain, customers out, customers in);
    None when no such exchange can pay.

    With chosen (c) and free (f) customers each sorted by cost, a pair is named by its dearer
    member: for 2-for-1, out i and in j, the partner k is the most profitable free customer
    before j costing at most the room left (a running maximum: a prefix of f); for 1-for-2, out
    i and in j, the partner k is the least profitable chosen customer after i costing at least
    what j still needs (a running minimum from the end: a suffix of c).

    Only the (i, j) that can pay are evaluated: with reduced profits d = profit - price·cost
    (any price >= 0), a move fitting the budget gains at most d(in) - d(out) + price·remaining,
    so i and j whose bound with the best possible partner is not positive are left out. Near a
    greedy answer at the LP price this keeps the customers close to the critical ratio (the
    "core"); the cells evaluated are at most m·u, in blocks of ``EXCHANGE_BLOCK``."""
    remaining = budget - float(cost @ row)
    chosen = by_cost[row[by_cost]]
    free = by_cost[~row[by_cost] & (profit[by_cost] > 0)]
    if chosen.size == 0 or free.size == 0:
        return None
    c_cost, c_profit, f_cost, f_profit = cost[chosen], profit[chosen], cost[free], profit[free]
    c_reduced, f_reduced = c_profit - price * c_cost, f_profit - price * f_cost
    slack = price * remaining
    best: Move | None = None
    for move in (_two_for_one, _one_for_two):
        found = move(c_cost, c_profit, c_reduced, f_cost, f_profit, f_reduced, remaining, slack)
        if found is not None and (best is None or found[0] > best[0]):
            gain, outs, ins = found
            best = gain, tuple(int(chosen[a]) for a in outs), tuple(int(free[j]) for j in ins)
    return best


def _two_for_one(
    c_cost: np.ndarray, c_profit: np.ndarray, c_reduced: np.ndarray, f_cost: np.ndarray, f_profit: np.ndarray,
    f_reduced: np.ndarray, remaining: float, slack: float,
) -> Move | None:
    """Return the best (gain, (chosen position out,), (free positions in)) dropping one chosen
    customer for two free ones (positions in the cost-sorted arrays), None when none fits."""
    top = float(f_reduced.max())
    rows = np.flatnonzero(c_reduced < 2 * top + slack)
    if rows.size == 0:
        return None
    cols = np.flatnonzero(f_reduced > float(c_reduced[rows].min()) - top - slack)
    if cols.size == 0:
        return None
    # Best free profit over f[:e] for every e (at e - 1), with where it was reached.
    f_best = np.maximum.accumulate(f_profit)
    f_where = np.maximum.accumulate(np.where(f_profit == f_best, np.arange(f_profit.size), 0))
    best: Move | None = None
    for block in _blocks(rows, cols.size):
        # The pairs whose bound can pay and where j leaves room for the cheapest partner.
        out_reduced, out_cost = c_reduced[block][:, None], c_cost[block][:, None]
        a, j = np.nonzero((f_reduced[cols][None, :] - out_reduced > -top - slack)
                          & (f_cost[cols][None, :] <= remaining + out_cost - f_cost[0]))
        i, j = block[a], cols[j]
        if i.size == 0:
            continue
        end = np.minimum(j, np.searchsorted(f_cost, remaining + c_cost[i] - f_cost[j], side="right"))
        gain = np.where(end > 0, f_profit[j] + f_best[np.maximum(end - 1, 0)] - c_profit[i], -np.inf)
        b = int(np.argmax(gain))
        if np.isfinite(gain[b]) and (best is None or gain[b] > best[0]):
            best = float(gain[b]), (int(i[b]),), (int(j[b]), int(f_where[end[b] - 1]))
    return best


def _one_for_two(
    c_cost: np.ndarray, c_profit: np.ndarray, c_reduced: np.ndarray, f_cost: np.ndarray, f_profit: np.ndarray,
    f_reduced: np.ndarray, remaining: float, slack: float,
) -> Move | None:
    """Return the best (gain, (chosen positions out), (free position in,)) dropping two chosen
    customers for one free one (positions in the cost-sorted arrays), None when none fits."""
    least = float(c_reduced.min())
    cols = np.flatnonzero(f_reduced > 2 * least - slack)
    if cols.size == 0:
        return None
    rows = np.flatnonzero(c_reduced < float(f_reduced[cols].max()) - least + slack)
    if rows.size == 0:
        return None
    # Least chosen profit over c[s:] for every s, with where it was reached (the first such).
    size = c_profit.size
    c_least = np.minimum.accumulate(c_profit[::-1])[::-1]
    c_where = np.minimum.accumulate(np.where(c_profit == c_least, np.arange(size), size)[::-1])[::-1]
    best: Move | None = None
    for block in _blocks(rows, cols.size):
        # The pairs whose bound can pay and where j needs no more than the dearest partner frees.
        out_reduced, out_cost = c_reduced[block][:, None], c_cost[block][:, None]
        a, j = np.nonzero((f_reduced[cols][None, :] - out_reduced > least - slack)
                          & (f_cost[cols][None, :] - remaining - out_cost <= c_cost[-1]))
        i, j = block[a], cols[j]
        if i.size == 0:
            continue
        first = np.maximum(i + 1, np.searchsorted(c_cost, f_cost[j] - remaining - c_cost[i], side="left"))
        gain = np.where(first < size, f_profit[j] - c_profit[i] - c_least[np.minimum(first, size - 1)], -np.inf)
        b = int(np.argmax(gain))
        if np.isfinite(gain[b]) and (best is None or gain[b] > best[0]):
            best = float(gain[b]), (int(i[b]), int(c_where[first[b]])), (int(j[b]),)
    return best
