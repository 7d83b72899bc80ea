"""One HiGHS solve of arrays (LP or MIP), silenced, with the thread count honoured.

Shared by the ``highs`` backend's plain MIP route and the structured one-hot method, which calls
it many times on small restricted models.
"""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np
import scipy.sparse as sp

from qseg.backends import silenced
from qseg.errors import SolverError
from qseg_mip.result import SolverOutcome

_scheduler_threads: int | None = None  # HiGHS keeps one global scheduler per process


def solve_arrays(
    cost: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    matrix: sp.spmatrix,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    *,
    integer: np.ndarray | None = None,
    offset: float = 0.0,
    time_limit: float | None = None,
    mip_gap: float = 0.0,
    threads: int = 1,
    start: np.ndarray | None = None,
) -> SolverOutcome:
    """Return HiGHS's answer to min cost·x + offset s.t. row bounds, column bounds (integer
    columns where ``integer`` is true; an LP when it is None or all false). ``start`` is a
    feasible point offered to the MIP as its first incumbent.

    Raises SolverError when HiGHS fails.
    """
    import highspy

    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = len(cost)
    lp.num_row_ = matrix.shape[0]
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.offset_ = float(offset)
    lp.col_lower_ = np.clip(lower, -inf, inf)
    lp.col_upper_ = np.clip(upper, -inf, inf)
    lp.row_lower_ = np.clip(row_lower, -inf, inf)
    lp.row_upper_ = np.clip(row_upper, -inf, inf)
    columnwise = sp.csc_matrix(matrix)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = columnwise.indptr
    lp.a_matrix_.index_ = columnwise.indices
    lp.a_matrix_.value_ = columnwise.data
    is_mip = integer is not None and bool(np.any(integer))
    if is_mip:
        # is_mip implies integer is not None; highspy's stubs type HighsVarType members as a
        # pybind11 enum, not array-like, though numpy takes them (an object array).
        kinds = np.where(  # type: ignore[call-overload]
            cast(np.ndarray, integer), highspy.HighsVarType.kInteger, highspy.HighsVarType.kContinuous
        )
        lp.integrality_ = list(kinds)
    with silenced():
        solver = new_solver(highspy, threads)
        solver.setOptionValue("mip_rel_gap", float(mip_gap))
        if time_limit is not None:
            solver.setOptionValue("time_limit", max(float(time_limit), 1e-3))
        solver.passModel(lp)
        if is_mip and start is not None:
            initial = highspy.HighsSolution()
            initial.col_value = np.asarray(start, dtype=float)
            initial.value_valid = True
            solver.setSolution(initial)
        run_status = solver.run()
    if run_status == highspy.HighsStatus.kError:
        raise SolverError(f"HiGHS failed: {solver.modelStatusToString(solver.getModelStatus())}")
    return _outcome(solver, highspy, is_mip)


def new_solver(highspy: Any, threads: int) -> Any:
    """Return a silent ``highspy.Highs`` using ``threads`` threads (call inside ``silenced()``:
    the first instance prints a banner)."""
    global _scheduler_threads
    if _scheduler_threads is not None and _scheduler_threads != threads:
        # HiGHS refuses to run with a thread count other than its scheduler's: restart it.
        highspy.Highs.resetGlobalScheduler(True)
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("threads", int(threads))
    _scheduler_threads = threads
    return solver


def _outcome(solver: Any, highspy: Any, is_mip: bool) -> SolverOutcome:
    status = solver.getModelStatus()
    text = solver.modelStatusToString(status)
    info = solver.getInfo()
    if status == highspy.HighsModelStatus.kInfeasible:
        return SolverOutcome("infeasible", None, None, None, None, None, None, text)
    if status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        return SolverOutcome("unbounded", None, None, None, None, None, None, text)
    if info.primal_solution_status != 2:  # kSolutionStatusFeasible
        return SolverOutcome("no-solution", None, None, None, None, None, None, text)
    solution = solver.getSolution()
    values = np.asarray(solution.col_value, dtype=float)
    objective = float(info.objective_function_value)
    row_duals = col_duals = None
    if not is_mip and solution.dual_valid:
        row_duals = np.asarray(solution.row_dual, dtype=float)
        col_duals = np.asarray(solution.col_dual, dtype=float)
    if status == highspy.HighsModelStatus.kOptimal:
        bound: float | None = float(info.mip_dual_bound) if is_mip else objective
        gap: float | None = float(info.mip_gap) if is_mip and math.isfinite(info.mip_gap) else 0.0
        return SolverOutcome("optimal", values, objective, bound, gap, row_duals, col_duals, text)
    bound = float(info.mip_dual_bound) if is_mip and math.isfinite(info.mip_dual_bound) else None
    gap = float(info.mip_gap) if is_mip and math.isfinite(info.mip_gap) else None
    return SolverOutcome("feasible", values, objective, bound, gap, row_duals, col_duals, text)
