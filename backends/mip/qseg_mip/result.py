"""A MILP or LP solver's answer, as every route (CBC, HiGHS, Gurobi, SCIP, the structured one-hot
route) returns it, and the array-solver signature the structured route calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class MipResult:
    """A MILP (or LP) solver's answer, in the model's minimisation sense.

    ``status`` is one of "optimal", "feasible" (stopped early with a solution), "infeasible",
    "unbounded", "no-solution"; ``proven`` is True only when the solver proved optimality.
    ``row_duals`` (LPs only) are d(optimum)/d(row bound), one per program row. ``method`` names
    the route that produced the answer, ``stats`` its statistics.
    """

    status: str
    proven: bool
    values: np.ndarray | None
    objective: float | None
    bound: float | None
    mip_gap: float | None
    solver_status: str
    row_duals: np.ndarray | None = None
    method: str = "mip"
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SolverOutcome:
    """What one array solve (HiGHS, Gurobi, SCIP) returned, in the model's minimisation sense.

    ``status``: "optimal", "feasible" (stopped with a solution), "infeasible", "unbounded",
    "no-solution". ``row_duals`` (LPs only) are d(objective)/d(row bound): <= 0 on a binding
    upper bound, >= 0 on a binding lower bound. ``text`` is the solver's own status.
    """

    status: str
    values: np.ndarray | None
    objective: float | None
    bound: float | None
    mip_gap: float | None
    row_duals: np.ndarray | None
    col_duals: np.ndarray | None
    text: str

    def result(self) -> MipResult:
        """Return this outcome as the plain MIP route's ``MipResult``."""
        return MipResult(self.status, self.status == "optimal", self.values, self.objective, self.bound,
                         self.mip_gap, self.text, row_duals=self.row_duals)


class ArraySolver(Protocol):
    """A solver of min cost·x + offset s.t. row bounds and column bounds, integer where
    ``integer`` is true, ``start`` a feasible point offered as the first incumbent."""

    def __call__(
        self, cost: np.ndarray, lower: np.ndarray, upper: np.ndarray, matrix: sp.spmatrix,
        row_lower: np.ndarray, row_upper: np.ndarray, *, integer: np.ndarray | None = None,
        offset: float = 0.0, time_limit: float | None = None, mip_gap: float = 0.0, threads: int = 1,
        start: np.ndarray | None = None,
    ) -> SolverOutcome:
        """Return the solver's answer (raises SolverError when the solver fails)."""
