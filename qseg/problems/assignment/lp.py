"""The LP relaxation of the retention assignment (scipy's HiGHS), used to price the coupling rows
for the QUBO penalty rule: each row's dual is what one more unit of its limit is worth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from qseg.errors import SolverError
from qseg.problems.assignment.arrays import AssignmentArrays


@dataclass(frozen=True)
class LpRelaxation:
    """The relaxation's optimum (natural sense), its values over the N*K variables, and per
    coupling row the price (>= 0: objective gained per unit the row is loosened) and slack."""

    objective: float
    values: np.ndarray
    prices: np.ndarray
    slack: np.ndarray


def lp_relaxation(arrays: AssignmentArrays) -> LpRelaxation:
    """Return the LP relaxation of the instance ``arrays`` (0 <= x <= 1, one-hot rows as
    equalities).

    Raises SolverError when HiGHS does not report an optimum (the feasibility check runs when
    the problem is built, so this means a solver failure).
    """
    from scipy.optimize import linprog

    n, k = arrays.size, arrays.num_actions
    limits = np.array([r.limit for r in arrays.rows])
    sign = np.array([1.0 if r.sense == "<=" else -1.0 for r in arrays.rows])
    upper = sp.diags(sign) @ arrays.coupling
    one_hot = sp.csr_matrix((np.ones(n * k), (np.repeat(np.arange(n), k), np.arange(n * k))), shape=(n, n * k))
    result = linprog(-arrays.weights.ravel(), A_ub=upper, b_ub=sign * limits, A_eq=one_hot, b_eq=np.ones(n),
                     bounds=(0.0, 1.0), method="highs")
    if result.status != 0:
        raise SolverError(f"LP relaxation of {arrays.name} failed: {result.message}")
    prices = -np.asarray(result.ineqlin.marginals, dtype=float)
    return LpRelaxation(-float(result.fun), np.asarray(result.x), np.maximum(prices, 0.0),
                        np.asarray(result.ineqlin.residual, dtype=float))
