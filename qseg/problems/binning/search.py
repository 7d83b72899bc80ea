"""Propensity binning on arrays: the candidate grid, the exact layered dynamic programme, the
objective and violations of many solutions at once, the one-cut polish and the baselines
(uniform, percentile, differential evolution).

Customers are sorted by propensity. The grid has M candidate starts ``points[0] = 0 < points[1]
< ... < points[M-1]`` (positions in the sorted order, each the first customer of a run of equal
propensities, so a cut never splits ties) and ``points[M] = n``; ``cnt[x] = points[x]`` and
``conv[x]`` (conversions before position ``points[x]``) are prefix sums at the grid points. A
solution with up to K bins is a row of K - 1 bin starts (grid indices), non-decreasing; bin k is
``[start_k, start_{k+1})`` with start_0 = 0 and start_K = M, and an unused bin (``at_most``) starts
at M. Bin k earns ``R[k] * conversions - C[k] * customers``.

Exact DP, without ``monotonic``: V_k[x] (best value of bins 0..k covering points [0, x)) =
R_k conv[x] - C_k cnt[x] + max over i in the size window of (V_{k-1}[i] - R_k conv[i] + C_k cnt[i]),
a function of i alone, so each layer is one running maximum (``np.maximum.accumulate``; a sparse
table of range maxima when ``max_size`` bounds the window from below too): O(K M) time, or
O(K M log M) with a maximum size, and K (M + 1) back-pointers.

With ``monotonic`` the state is the last bin itself, the pair (i, x): W_k[i, x] = value_k(i, x)
+ max over h with rate(h, i) <= rate(i, x) (>= descending) of W_{k-1}[h, i]. The incoming bins of
each i are sorted by rate once (O(M² log M)); then each layer is a gather, a running maximum
along rows and a lookup, O(M²): O(M² log M + K M²) time and O(K M²) memory, so it is limited to
``MONOTONE_MAX_CANDIDATES`` candidates. Both are exact over the grid; ties go to the smallest
index found first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MONOTONE_MAX_CANDIDATES = 2000
RATE_TOLERANCE = 1e-12


@dataclass(frozen=True)
class Grid:
    """Prefix sums at the candidate points: ``cnt`` and ``conv`` (length M + 1, floats),
    ``points`` (positions into the sorted customers) and ``values`` (the propensity at each of
    the first M points: the lower edge of a bin starting there)."""

    points: np.ndarray
    cnt: np.ndarray
    conv: np.ndarray
    values: np.ndarray

    @property
    def m(self) -> int:
        """Return M, the number of candidate starts (point 0 included)."""
        return len(self.points) - 1


@dataclass(frozen=True)
class Rules:
    """What a solution must satisfy: up to ``k`` bins (exactly ``k`` unless ``at_most``), sizes in
    [``min_size``, ``max_size``] customers, and an optional monotone conversion rate."""

    k: int
    at_most: bool
    min_size: int
    max_size: int | None
    monotonic: str | None


def make_grid(sorted_p: np.ndarray, sorted_y: np.ndarray, candidates: int | None) -> Grid:
    """Return the grid of a sorted propensity vector and its outcomes: every distinct value
    (``candidates=None``) or the starts of the runs holding the quantiles j/candidates
    (j = 0..candidates-1; fewer when quantiles coincide)."""
    n = len(sorted_p)
    run_starts = np.flatnonzero(np.r_[True, sorted_p[1:] != sorted_p[:-1]])
    if candidates is None or candidates >= len(run_starts):
        points = run_starts
    else:
        levels = np.quantile(sorted_p, np.arange(candidates) / candidates, method="inverted_cdf")
        points = np.unique(np.searchsorted(sorted_p, levels, side="left"))
    points = np.r_[points, n].astype(np.int64)
    conv = np.r_[0, np.cumsum(sorted_y, dtype=np.int64)][points].astype(float)
    return Grid(points, points.astype(float), conv, sorted_p[points[:-1]])


def bounds_of(starts: np.ndarray, m: int) -> np.ndarray:
    """Return rows [0, starts..., M] (bin k spans bounds[k] .. bounds[k+1]) of start rows."""
    starts = np.atleast_2d(np.asarray(starts, dtype=np.int64))
    rows = len(starts)
    return np.hstack([np.zeros((rows, 1), np.int64), starts, np.full((rows, 1), m, np.int64)])


def bin_arrays(grid: Grid, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (bounds, customers, conversions) per bin of each start row (shape reads x K)."""
    bounds = bounds_of(np.clip(starts, 0, grid.m), grid.m)
    lo, hi = bounds[:, :-1], bounds[:, 1:]
    return bounds, grid.cnt[hi] - grid.cnt[lo], grid.conv[hi] - grid.conv[lo]


def objective(grid: Grid, revenue: np.ndarray, cost: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Return sum_b R[b] conversions_b - C[b] customers_b of each start row (the linear form of
    the CQM, so out-of-order rows get the value the CQM gives them)."""
    _, size, conversions = bin_arrays(grid, starts)
    return np.asarray((conversions * revenue[None, :] - size * cost[None, :]).sum(axis=1))


def violation(grid: Grid, rules: Rules, starts: np.ndarray) -> np.ndarray:
    """Return each start row's largest violation: customers out of order or outside the size
    limits, a missing bin (exactly mode), or the conversion-rate step against ``monotonic``."""
    bounds, size, conversions = bin_arrays(grid, starts)
    worst = np.maximum(bounds[:, :-1] - bounds[:, 1:], 0).max(axis=1).astype(float)
    used = np.ones_like(size, dtype=bool)
    used[:, 1:] = bounds[:, 1:-1] < grid.m
    if not rules.at_most:
        worst = np.maximum(worst, (~used).sum(axis=1))
    short = np.where(used, np.maximum(rules.min_size - size, 0), 0)
    worst = np.maximum(worst, short.max(axis=1))
    if rules.max_size is not None:
        worst = np.maximum(worst, np.maximum(size - rules.max_size, 0).max(axis=1))
    if rules.monotonic is not None and size.shape[1] > 1:
        rate = conversions / np.maximum(size, 1)
        step = rate[:, :-1] - rate[:, 1:] if rules.monotonic == "ascending" else rate[:, 1:] - rate[:, :-1]
        both = used[:, :-1] & used[:, 1:]
        step = np.where(both & (step > RATE_TOLERANCE), step, 0.0)
        worst = np.maximum(worst, step.max(axis=1))
    return np.asarray(worst)


def _windows(cnt: np.ndarray, rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    """Return, per end point x, the range [lo, hi] of start points i allowed by the sizes."""
    hi = np.searchsorted(cnt, cnt - rules.min_size, side="right") - 1
    if rules.max_size is None:
        lo = np.zeros_like(hi)
    else:
        lo = np.searchsorted(cnt, cnt - rules.max_size, side="left")
    return lo, hi


def _running_max(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the running maximum of ``values`` and, per position, an index attaining it."""
    best = np.maximum.accumulate(values)
    where = np.maximum.accumulate(np.where(values == best, np.arange(len(values)), 0))
    return best, where


class _RangeMax:
    """Range maxima (with an index attaining each) over a fixed vector: a sparse table, log M
    levels, each query two lookups."""

    def __init__(self, values: np.ndarray) -> None:
        self.levels = [values]
        self.index = [np.arange(len(values))]
        width = 1
        while 2 * width <= len(values):
            prev, prev_index = self.levels[-1], self.index[-1]
            left, right = prev[:-width], prev[width:]
            take_right = right > left
            self.levels.append(np.where(take_right, right, left))
            self.index.append(np.where(take_right, prev_index[width:], prev_index[:-width]))
            width *= 2

    def query(self, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return max and argmax of values[lo..hi] per query (-inf and 0 where lo > hi)."""
        ok = hi >= lo
        length = np.where(ok, hi - lo + 1, 1)
        level = np.floor(np.log2(length)).astype(np.int64)
        best = np.full(len(lo), -np.inf)
        where = np.zeros(len(lo), dtype=np.int64)
        for k in np.unique(level[ok]):
            rows = np.flatnonzero(ok & (level == k))
            a, b = lo[rows], hi[rows] - (1 << int(k)) + 1
            va, vb = self.levels[k][a], self.levels[k][b]
            right = vb > va
            best[rows] = np.where(right, vb, va)
            where[rows] = np.where(right, self.index[k][b], self.index[k][a])
        return best, where


def optimal_starts(grid: Grid, revenue: np.ndarray, cost: np.ndarray, rules: Rules) -> tuple[float, np.ndarray] | None:
    """Return (optimal value, start row of length K - 1) over the grid, or None when no
    solution satisfies ``rules`` (exact; see the module docstring for the method and cost)."""
    if rules.monotonic is not None:
        return _optimal_monotone(grid, revenue, cost, rules)
    m = grid.m
    cnt, conv = grid.cnt, grid.conv
    lo, hi = _windows(cnt, rules)
    previous = np.full(m + 1, -np.inf)
    previous[0] = 0.0
    pointers: list[np.ndarray] = []
    finals: list[float] = []
    for k in range(rules.k):
        shifted = previous - revenue[k] * conv + cost[k] * cnt
        if rules.max_size is None:
            best, where = _running_max(shifted)
            ok = hi >= 0
            gathered = np.where(ok, best[np.maximum(hi, 0)], -np.inf)
            start = np.where(ok, where[np.maximum(hi, 0)], 0)
        else:
            gathered, start = _RangeMax(shifted).query(lo, hi)
        current = revenue[k] * conv - cost[k] * cnt + gathered
        current[0] = -np.inf  # bin k is never empty
        pointers.append(start)
        finals.append(float(current[m]))
        previous = current
    layers = range(rules.k) if rules.at_most else [rules.k - 1]
    chosen = max(layers, key=lambda k: (finals[k], -k))
    if not np.isfinite(finals[chosen]):
        return None
    bounds = [m]
    for k in range(chosen, 0, -1):
        bounds.append(int(pointers[k][bounds[-1]]))
    starts = np.full(rules.k - 1, m, dtype=np.int64)
    starts[:chosen] = bounds[::-1][:-1]
    return finals[chosen], starts


def _optimal_monotone(grid: Grid, revenue: np.ndarray, cost: np.ndarray, rules: Rules) -> tuple[float, np.ndarray] | None:
    m = grid.m
    cnt, conv = grid.cnt, grid.conv
    size = cnt[None, :] - cnt[:, None]  # size[i, x] of the bin [i, x)
    conversions = conv[None, :] - conv[:, None]
    valid = size >= rules.min_size
    if rules.max_size is not None:
        valid &= size <= rules.max_size
    rate = np.where(valid, conversions / np.where(valid, size, 1), 0.0)
    key = rate if rules.monotonic == "ascending" else -rate
    distinct, inverse = np.unique(key[valid], return_inverse=True)
    rank = np.full(size.shape, len(distinct) + 1, dtype=np.int64)
    rank[valid] = inverse
    # Incoming bins of each middle point i are column i; sort them by rate once for all layers.
    incoming_rank = rank.T
    order = np.argsort(incoming_rank, axis=1, kind="stable")
    sorted_rank = np.take_along_axis(incoming_rank, order, axis=1)
    stride = len(distinct) + 2
    row = np.arange(m + 1, dtype=np.int64)[:, None]
    flat = (sorted_rank + row * stride).ravel()
    # how many incoming bins of i have a rate <= (>=, descending) that of the outgoing bin (i, x)
    reach = np.searchsorted(flat, (rank + row * stride).ravel(), side="right").reshape(size.shape) - row * (m + 1)
    current = np.where(valid, revenue[0] * conversions - cost[0] * size, -np.inf)
    current[1:, :] = -np.inf  # bin 0 starts at point 0
    pointers: list[np.ndarray] = [np.zeros(size.shape, dtype=np.int32)]
    finals = [current[:, m].copy()]
    width = m + 1
    # Layer-invariant flat indices (np.take on a flat array is several times faster than
    # take_along_axis, which builds broadcast index arrays on every call): the incoming bins of i
    # in rate order, current[order[i, j], i]; the last of them within reach of (i, x); and where
    # no incoming bin is.
    incoming_at = (order * width + row).ravel()
    position = np.clip(reach - 1, 0, m)
    reach_at = (position + row * width).ravel()
    unreached = (reach <= 0).ravel()
    order_flat = order.ravel()
    row_start = np.repeat(np.arange(width, dtype=np.int64) * width, width)  # flat index of (i, 0)
    columns = np.broadcast_to(np.arange(width), size.shape)
    for k in range(1, rules.k):
        incoming = np.take(current, incoming_at).reshape(size.shape)
        best = np.maximum.accumulate(incoming, axis=1)
        where = np.maximum.accumulate(np.where(incoming == best, columns, 0), axis=1)
        gathered = np.take(best, reach_at)
        gathered[unreached] = -np.inf
        origin = np.take(order_flat, np.take(where, reach_at) + row_start)
        current = revenue[k] * conversions - cost[k] * size + gathered.reshape(size.shape)
        current[~valid] = -np.inf
        pointers.append(origin.reshape(size.shape).astype(np.int32))
        finals.append(current[:, m].copy())
    layers = range(rules.k) if rules.at_most else [rules.k - 1]
    best_value, chosen, start = -np.inf, -1, -1
    for k in layers:
        i = int(np.argmax(finals[k]))
        if finals[k][i] > best_value:
            best_value, chosen, start = float(finals[k][i]), k, i
    if chosen < 0:
        return None
    bounds = [m, start]
    for k in range(chosen, 1, -1):
        bounds.append(int(pointers[k][bounds[-1], bounds[-2]]))
    starts = np.full(rules.k - 1, m, dtype=np.int64)
    if chosen:
        starts[:chosen] = bounds[::-1][:-1]
    return best_value, starts


def polish(grid: Grid, revenue: np.ndarray, cost: np.ndarray, rules: Rules, starts: np.ndarray) -> np.ndarray:
    """Return feasible start rows improved by moving one cut at a time to its best feasible
    position between its neighbours, until no move gains; infeasible rows are returned as they
    are. Each move scans its window with one vectorised pass."""
    starts = np.atleast_2d(np.asarray(starts, dtype=np.int64)).copy()
    feasible = violation(grid, rules, starts) <= 1e-9
    unique, inverse = np.unique(starts[feasible], axis=0, return_inverse=True)
    improved = np.array([_polish_one(grid, revenue, cost, rules, row) for row in unique]).reshape(unique.shape)
    if feasible.any():
        starts[feasible] = improved[inverse.ravel()]
    return starts


def _polish_one(grid: Grid, revenue: np.ndarray, cost: np.ndarray, rules: Rules, starts: np.ndarray) -> np.ndarray:
    bounds = bounds_of(starts, grid.m)[0]
    used = int(np.sum(bounds[1:-1] < grid.m)) + 1  # bins in use; cuts are bounds[1..used-1]
    cnt, conv = grid.cnt, grid.conv
    moved = True
    while moved:
        moved = False
        for k in range(1, used):
            a, b = bounds[k - 1], bounds[k + 1] if k + 1 <= used - 1 else grid.m
            x = np.arange(a + 1, b)
            left = revenue[k - 1] * (conv[x] - conv[a]) - cost[k - 1] * (cnt[x] - cnt[a])
            right = revenue[k] * (conv[b] - conv[x]) - cost[k] * (cnt[b] - cnt[x])
            ok = (cnt[x] - cnt[a] >= rules.min_size) & (cnt[b] - cnt[x] >= rules.min_size)
            if rules.max_size is not None:
                ok &= (cnt[x] - cnt[a] <= rules.max_size) & (cnt[b] - cnt[x] <= rules.max_size)
            if rules.monotonic is not None:
                ok &= _monotone_ok(grid, rules, bounds, k, x, used)
            gain = np.where(ok, left + right, -np.inf)
            here = int(np.flatnonzero(x == bounds[k])[0])
            best = int(np.argmax(gain))
            if gain[best] > gain[here] + 1e-9 * max(1.0, abs(gain[here])):
                bounds[k] = x[best]
                moved = True
    return np.asarray(bounds[1:-1])


def _monotone_ok(grid: Grid, rules: Rules, bounds: np.ndarray, k: int, x: np.ndarray, used: int) -> np.ndarray:
    """Return where moving cut k to points x keeps the rates of bins k-2..k+1 monotone."""
    def rate(lo: np.ndarray | int, hi: np.ndarray | int) -> np.ndarray:
        return np.asarray((grid.conv[hi] - grid.conv[lo]) / np.maximum(grid.cnt[hi] - grid.cnt[lo], 1))

    end = bounds[k + 1] if k + 1 <= used - 1 else grid.m
    chain = [rate(bounds[k - 1], x), rate(x, end)]
    if k >= 2:
        chain.insert(0, np.full(len(x), rate(bounds[k - 2], bounds[k - 1])))
    if k + 1 <= used - 1:
        after = bounds[k + 2] if k + 2 <= used - 1 else grid.m
        chain.append(np.full(len(x), rate(end, after)))
    ok = np.ones(len(x), dtype=bool)
    for lower, upper in zip(chain[:-1], chain[1:]):
        step = upper - lower if rules.monotonic == "ascending" else lower - upper
        ok &= step >= -RATE_TOLERANCE
    return ok


def starts_at_values(grid: Grid, cuts: np.ndarray) -> np.ndarray:
    """Return the grid starts of cut values: each cut moves to the first candidate whose
    propensity is >= the cut (so ``[c_b, c_{b+1})`` keeps its meaning on the grid), sorted."""
    cuts = np.sort(np.atleast_2d(cuts), axis=1)
    return np.searchsorted(grid.values, cuts, side="left").astype(np.int64)


def uniform_starts(grid: Grid, k: int) -> np.ndarray:
    """Return the starts of K equal-width propensity bands (edges b/K), snapped to the grid."""
    return np.asarray(starts_at_values(grid, np.arange(1, k) / k)[0])


def percentile_starts(grid: Grid, sorted_p: np.ndarray, k: int) -> np.ndarray:
    """Return the starts of K equal-count bands (quantiles b/K), snapped to the grid."""
    levels = np.quantile(sorted_p, np.arange(1, k) / k, method="inverted_cdf")
    return np.asarray(starts_at_values(grid, levels)[0])


def differential_evolution_starts(grid: Grid, revenue: np.ndarray, cost: np.ndarray, rules: Rules, seed: int,
                                  maxiter: int = 1000) -> np.ndarray:
    """Return the best start row scipy's differential evolution finds over K - 1 cut values
    (the seed's method), seeded, with the cuts sorted (bins never overlap) and every customer in
    a bin; infeasible cuts are charged their violation times the largest per-customer stake."""
    from scipy.optimize import differential_evolution

    if rules.k == 1:
        return np.zeros(0, dtype=np.int64)
    scale = float(np.max(np.abs(revenue)) + np.max(np.abs(cost))) * max(grid.cnt[-1], 1.0)
    low = float(grid.values[0])

    def loss(x: np.ndarray) -> np.ndarray:
        starts = starts_at_values(grid, np.atleast_2d(x.T))
        value = objective(grid, revenue, cost, starts)
        bad = violation(grid, rules, starts)
        return np.asarray(-value + np.where(bad > 1e-9, scale * (1.0 + bad), 0.0))

    result = differential_evolution(loss, [(low, 1.0)] * (rules.k - 1), seed=seed, maxiter=maxiter, polish=False,
                                    vectorized=True, updating="deferred")
    return np.asarray(starts_at_values(grid, np.asarray(result.x))[0])
