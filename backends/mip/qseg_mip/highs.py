"""HiGHS through highspy, the model passed as arrays (no per-element modelling layer)."""

from __future__ import annotations

from typing import Any

import numpy as np

from qseg.backends import silenced
from qseg.errors import SolverError
from qseg_mip.base import MilpBackend, MipResult
from qseg_mip.linear import LinearProgram


class HighsBackend(MilpBackend):
    """HiGHS MIP/LP solver; exact when it reports Optimal."""

    name = "highs"

    def unavailable_reason(self) -> str:
        """Return "" when highspy imports, else why not."""
        try:
            import highspy  # noqa: F401
        except ImportError as exc:
            return f"highspy is not installed ({exc})"
        return ""

    def _run(self, program: LinearProgram, params: dict[str, Any]) -> MipResult:
        import highspy

        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_ = len(program.cost)
        lp.num_row_ = len(program.row_names)
        lp.col_cost_ = program.cost
        lp.offset_ = program.offset
        lp.col_lower_ = np.clip(program.lower, -inf, inf)
        lp.col_upper_ = np.clip(program.upper, -inf, inf)
        lp.row_lower_ = np.clip(program.row_lower, -inf, inf)
        lp.row_upper_ = np.clip(program.row_upper, -inf, inf)
        columnwise = program.matrix.tocsc()
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = columnwise.indptr
        lp.a_matrix_.index_ = columnwise.indices
        lp.a_matrix_.value_ = columnwise.data
        if program.integer.any():
            lp.integrality_ = [
                highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
                for flag in program.integer
            ]
        with silenced():
            solver = highspy.Highs()
            solver.setOptionValue("output_flag", False)
            solver.setOptionValue("mip_rel_gap", params["mip_gap"])
            if params["time_limit"] is not None:
                solver.setOptionValue("time_limit", params["time_limit"])
            solver.passModel(lp)
            run_status = solver.run()
        if run_status == highspy.HighsStatus.kError:
            raise SolverError(f"HiGHS failed: {solver.modelStatusToString(solver.getModelStatus())}")
        return _result(solver, program)


def _result(solver: Any, program: LinearProgram) -> MipResult:
    import highspy

    status = solver.getModelStatus()
    text = solver.modelStatusToString(status)
    info = solver.getInfo()
    is_mip = bool(program.integer.any())
    if status == highspy.HighsModelStatus.kInfeasible:
        return MipResult("infeasible", False, None, None, None, None, text)
    if status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        return MipResult("unbounded", False, None, None, None, None, text)
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if not has_solution:
        return MipResult("no-solution", False, None, None, None, None, text)
    values = np.asarray(solver.getSolution().col_value, dtype=float)
    objective = float(info.objective_function_value)
    if status == highspy.HighsModelStatus.kOptimal:
        bound = float(info.mip_dual_bound) if is_mip else objective
        return MipResult("optimal", True, values, objective, bound, 0.0, text)
    bound = float(info.mip_dual_bound) if is_mip and np.isfinite(info.mip_dual_bound) else None
    gap = float(info.mip_gap) if is_mip and np.isfinite(info.mip_gap) else None
    return MipResult("feasible", False, values, objective, bound, gap, text)
