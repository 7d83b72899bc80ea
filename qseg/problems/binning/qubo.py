"""QUBO formulation of propensity binning over candidate cut indicators.

``domain_wall`` (default). With the grid of ``binning.search`` (points 0..M, bin k = 1..K-1
starting at point s_k in 1..M-1, or at M when unused under ``at_most``), variable ``u_{j}_{k}``
= [s_k <= j] for j = 1..M-1: each bin's start is the wall of a 0...01...1 row, so moving a cut by
one candidate is one bit flip that stays feasible. The CQM's indicators are y_{j,k} = u_{j,k} -
u_{j-1,k} (and y_{M,k} = 1 - u_{M-1,k}). The objective telescopes (bin k's revenue is a
difference of prefix sums at its two ends), so it is linear: with F_k(x) = R_k conv[x] - C_k
cnt[x] and g_k(x) = F_{k-1}(x) - F_k(x), objective = sum_k sum_j a_{j,k} u_{j,k} + const with
a_{j,k} = g_k(j) - g_k(j+1). Every constraint is an implication between two indicators (or one
indicator fixed), each charged ``P`` per violation: the row is a step (u_{j-1,k} <= u_{j,k}), the
minimum size (u_{j,k+1} <= u_{prev(j),k}), the maximum size (u_{i,k} <= u_{far(i),k+1}), the
first and last bins' sizes, and in ``exactly`` mode every bin used (u_{M-1,k} = 1). The penalty
terms are P x(1-y), P x or P (1-x), so a state that breaks anything pays at least P.

Penalty rule: P = (1 + 1e-3) * sum |a_{j,k}| + 1e-9, the range of the linear objective over all
2^n states. Then every infeasible state has a higher energy than every feasible one (it pays at
least P, more than any objective difference), so the ground state is the optimum over the grid
and penalty energy never hides a better feasible answer. ``penalty`` sets P directly and
``penalty_scale`` multiplies the rule's value; both are recorded.
"""

from __future__ import annotations

from typing import Any

import dimod
import numpy as np

from qseg.problems.base import Qubo
from qseg.problems.binning.search import Grid, Rules

PENALTY_MARGIN = 1e-3


def labels(m: int, k: int) -> list[str]:
    """Return the domain-wall variables ``u_{j}_{b}``, b = 1..k-1 outer, j = 1..m-1 inner."""
    return [f"u_{j}_{b}" for b in range(1, k) for j in range(1, m)]


def linear_weights(grid: Grid, revenue: np.ndarray, cost: np.ndarray, k: int) -> tuple[np.ndarray, float]:
    """Return (a, const): the objective of a domain-wall state u (rows b = 1..k-1, columns
    j = 1..M-1) is sum a * u + const."""
    f = revenue[:, None] * grid.conv[None, :] - cost[:, None] * grid.cnt[None, :]  # F_b(x), b = 0..k-1
    m = grid.m
    const = float(f[k - 1, m] - f[0, 0])
    if k == 1:
        return np.zeros((0, m - 1)), const
    g = f[:-1, :] - f[1:, :]  # g_b(x) for b = 1..k-1 (row b-1)
    a = g[:, 1:m] - g[:, 2:m + 1]
    return a, const + float(g[:, m].sum())


def build(grid: Grid, revenue: np.ndarray, cost: np.ndarray, rules: Rules, options: dict[str, float]) -> Qubo:
    """Return the domain-wall QUBO (minimisation: energy = -objective on feasible states) with
    the penalty weight it used."""
    m, k = grid.m, rules.k
    a, const = linear_weights(grid, revenue, cost, k)
    rule = (1 + PENALTY_MARGIN) * float(np.abs(a).sum()) + 1e-9
    penalty = options.get("penalty", rule * options.get("penalty_scale", 1.0))
    width = m - 1

    def index(j: Any, b: int) -> np.ndarray:
        return np.asarray((np.asarray(b) - 1) * width + (np.asarray(j) - 1), dtype=np.int64)

    linear = -a.ravel().astype(float)
    offset = -const
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []

    def implies(x: np.ndarray, y: np.ndarray) -> None:  # P x (1 - y) = P x - P x y
        np.add.at(linear, x, penalty)
        rows.append(x)
        cols.append(y)

    def forbid(x: np.ndarray) -> None:  # P x
        np.add.at(linear, x, penalty)

    def force(x: np.ndarray) -> None:  # P (1 - x)
        nonlocal offset
        np.add.at(linear, x, -penalty)
        offset += penalty * len(x)

    cnt, n = grid.cnt, grid.cnt[m]
    js = np.arange(1, m)
    prev = np.searchsorted(cnt, cnt[js] - rules.min_size, side="right") - 1  # largest i: cnt[j]-cnt[i] >= min
    last_ok = int(np.searchsorted(cnt, n - rules.min_size, side="right") - 1)  # largest j leaving min customers
    far = None if rules.max_size is None else np.searchsorted(cnt, cnt + rules.max_size, side="right") - 1
    for b in range(1, k):
        implies(index(js[:-1], b), index(js[1:], b))  # a step row
        if not rules.at_most:
            force(index([m - 1], b))
        if last_ok < 1:
            forbid(index([m - 1], b))
        elif last_ok < m - 1:
            implies(index([m - 1], b), index([last_ok], b))
        if b == 1:
            forbid(index(js[cnt[js] < rules.min_size], 1))
        else:
            early = prev < 1
            forbid(index(js[early], b))
            implies(index(js[~early], b), index(prev[~early], b - 1))
        if far is not None:
            if b == 1 and 1 <= far[0] < m:
                force(index([far[0]], 1))
            short = far[js] < m
            if b < k - 1:
                implies(index(js[short], b), index(far[js][short], b + 1))
            else:
                forbid(index(js[short], b))
    names = labels(m, k)
    row = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    col = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    bqm = dimod.BinaryQuadraticModel.from_numpy_vectors(
        linear, (row, col, np.full(len(row), -penalty)), offset, dimod.BINARY, variable_order=names
    )
    return Qubo(bqm, "domain_wall", {"penalty": penalty}, {"penalty_rule": rule, "candidates": m})


def encode(starts: np.ndarray, m: int) -> np.ndarray:
    """Return domain-wall states (rows of u_{j}_{b} in ``labels`` order) of start rows."""
    starts = np.atleast_2d(starts)
    j = np.arange(1, m)
    return (j[None, None, :] >= starts[:, :, None]).reshape(len(starts), -1).astype(np.int8)


def decode(states: np.ndarray, m: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (start rows, step violations per row) of domain-wall states: bin b starts at the
    first j with u = 1 (M when none); a row that is not one step counts its extra walls."""
    u = np.asarray(states).reshape(len(states), k - 1, m - 1) > 0.5
    ones = u.sum(axis=2)
    starts = np.where(ones > 0, np.argmax(u, axis=2) + 1, m)
    broken = (m - starts) != ones  # ones not all contiguous to the right end
    walls = np.abs(np.diff(u.astype(np.int8), axis=2)).sum(axis=2)
    excess = np.where(broken, np.maximum(walls - 1, 1), 0).sum(axis=1)
    return starts.astype(np.int64), excess.astype(float)
