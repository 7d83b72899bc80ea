"""One SCIP solve of arrays (LP or MIP) through PySCIPOpt, silenced.

Shared by the ``scip`` backend's plain MIP route and the structured one-hot route's restricted
MIPs. PySCIPOpt builds a linear row from Python expressions, so rows are added one at a time
(one Python step per nonzero, as CBC's PuLP model does); SCIP solves on one thread.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.sparse as sp

from qseg.backends import silenced
from qseg.errors import SolverError
from qseg_mip.result import SolverOutcome


def solve_arrays(
    cost: np.ndarray, lower: np.ndarray, upper: np.ndarray, matrix: sp.spmatrix,
    row_lower: np.ndarray, row_upper: np.ndarray, *, integer: np.ndarray | None = None,
    offset: float = 0.0, time_limit: float | None = None, mip_gap: float = 0.0, threads: int = 1,
    start: np.ndarray | None = None,
) -> SolverOutcome:
    """Return SCIP's answer to min cost·x + offset s.t. row bounds, column bounds (integer
    columns where ``integer`` is true; an LP when it is None or all false). ``start`` is a
    feasible point offered to the MIP as its first incumbent. ``threads`` is accepted for the
    shared signature: SCIP's branch and bound runs on one thread.

    Raises SolverError when SCIP fails."""
    import pyscipopt

    integral = np.zeros(len(cost), dtype=bool) if integer is None else np.asarray(integer, dtype=bool)
    is_mip = bool(integral.any())
    kinds = np.where(integral, "I", "C")
    binary = (np.asarray(lower) == 0) & (np.asarray(upper) == 1)
    rows = sp.csr_matrix(matrix)
    try:
        with silenced():
            model = pyscipopt.Model("qseg")
            model.hideOutput()
            columns = [
                model.addVar(f"c{j}", vtype="B" if kind == "I" and is_binary else kind,
                             lb=None if lo == -math.inf else float(lo), ub=None if hi == math.inf else float(hi),
                             obj=float(c))
                for j, (kind, is_binary, lo, hi, c) in enumerate(zip(kinds, binary, lower, upper, cost))
            ]
            if offset:
                model.addObjoffset(float(offset))
            constraints = []
            for row in range(rows.shape[0]):
                begin, end = rows.indptr[row], rows.indptr[row + 1]
                expression = pyscipopt.quicksum(
                    float(a) * columns[j] for j, a in zip(rows.indices[begin:end], rows.data[begin:end])
                )
                low, high = float(row_lower[row]), float(row_upper[row])
                constraint = model.addCons(expression <= high) if math.isfinite(high) else model.addCons(expression >= low)
                if math.isfinite(high) and math.isfinite(low):
                    model.chgLhs(constraint, low)
                constraints.append(constraint)
            model.setMinimize()
            model.setParam("limits/gap", float(mip_gap))
            if time_limit is not None:
                model.setParam("limits/time", max(float(time_limit), 1e-3))
            if not is_mip:
                _keep_duals(model, pyscipopt)
            if is_mip and start is not None:
                solution = model.createSol()
                for column, value in zip(columns, np.asarray(start, dtype=float)):
                    model.setSolVal(solution, column, float(value))
                model.addSol(solution, free=True)
            model.optimize()
            return _outcome(model, columns, constraints, is_mip)
    except Exception as exc:  # noqa: BLE001 - PySCIPOpt raises a bare Exception for SCIP's return codes
        raise SolverError(f"SCIP failed: {exc}") from exc


def _keep_duals(model: Any, pyscipopt: Any) -> None:
    """Solve an LP so that its row duals are those of the original rows: presolve and
    propagation off (they rewrite rows), heuristics irrelevant."""
    model.setPresolve(pyscipopt.SCIP_PARAMSETTING.OFF)
    model.setHeuristics(pyscipopt.SCIP_PARAMSETTING.OFF)
    model.disablePropagation()


def _outcome(model: Any, columns: list[Any], constraints: list[Any], is_mip: bool) -> SolverOutcome:
    status = model.getStatus()
    text = str(status)
    if status == "infeasible":
        return SolverOutcome("infeasible", None, None, None, None, None, None, text)
    if status in ("unbounded", "inforunbd"):
        return SolverOutcome("unbounded", None, None, None, None, None, None, text)
    if model.getNSols() == 0:
        return SolverOutcome("no-solution", None, None, None, None, None, None, text)
    solution = model.getBestSol()
    values = np.array([model.getSolVal(solution, column) for column in columns], dtype=float)
    objective = float(model.getSolObjVal(solution))
    bound: float | None = float(model.getDualbound())
    if bound is not None and not math.isfinite(bound):
        bound = None
    row_duals = None
    if not is_mip and status == "optimal":
        row_duals = np.array([model.getDualsolLinear(constraint) for constraint in constraints], dtype=float)
    if status == "optimal":
        return SolverOutcome("optimal", values, objective, bound, 0.0, row_duals, None, text)
    gap = None if bound is None else max(objective - bound, 0.0) / max(abs(objective), 1e-9)
    return SolverOutcome("feasible", values, objective, bound, gap, row_duals, None, text)
