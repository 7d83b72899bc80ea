"""CBC through PuLP (PuLP bundles the CBC binary).

PuLP reports status ``Optimal`` even when a time limit stopped CBC, so the answer is read from
``sol_status``, and the bound from CBC's own log; a result is never called proven that is not.
"""

from __future__ import annotations

import os
import re
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import numpy as np

from qseg.backends import silenced
from qseg.errors import SolverError
from qseg_mip.cqm_convert import INF, LinearProgram
from qseg_mip.milp_backend import MilpBackend
from qseg_mip.result import MipResult

_BOUND = re.compile(r"^(?:Lower bound|Objective bound):\s*(-?[\d.eE+-]+)", re.MULTILINE)
_RESULT = re.compile(r"^Result - (.+)$", re.MULTILINE)


# PuLP builds a Python object per column and per term and writes an MPS text file for CBC:
# past this many columns that alone takes minutes and gigabytes (a 4.7 M-binary k-medoids CQM
# held 14.5 GB after 7 minutes, still writing), so the MPS route is not used; HiGHS takes arrays.
CBC_MPS_MAX_VARIABLES = 200_000


class CbcBackend(MilpBackend):
    """COIN-OR CBC via PuLP; exact when it finishes, bound from its log when it does not.
    Models over ``CBC_MPS_MAX_VARIABLES`` are refused before PuLP sees them."""

    name = "cbc"
    max_variables = CBC_MPS_MAX_VARIABLES
    # PuLP's objects per column (LpVariable, its name) and per term (LpAffineExpression entries,
    # the MPS line): ~14 GB for 4.7 M columns and ~14 M terms, the measured case above.
    bytes_per_column = 1000
    bytes_per_term = 600

    def route_hint(self, count: int) -> str:
        """Return the HiGHS suggestion: it takes the model as arrays, without PuLP's MPS file."""
        return f" (PuLP's MPS route stops at {CBC_MPS_MAX_VARIABLES:,} columns; highs takes arrays: --reference highs)"

    def unavailable_reason(self) -> str:
        """Return "" when PuLP and its bundled CBC can run, else why not."""
        try:
            import pulp  # noqa: F401
        except ImportError as exc:
            return f"PuLP is not installed ({exc})"
        if not _cbc_command(msg=False).available():
            return "PuLP's bundled CBC binary is not available on this platform"
        return ""

    def _run(self, program: LinearProgram, params: dict[str, Any]) -> MipResult:
        with _quiet_pulp_deprecations():
            return self._run_pulp(program, params)

    def _run_pulp(self, program: LinearProgram, params: dict[str, Any]) -> MipResult:
        import pulp

        problem = pulp.LpProblem("qseg", pulp.LpMinimize)
        columns = [
            pulp.LpVariable(
                f"c{j}",
                lowBound=None if lo == -INF else lo,
                upBound=None if hi == INF else hi,
                cat=pulp.LpInteger if integer else pulp.LpContinuous,
            )
            for j, (lo, hi, integer) in enumerate(zip(program.lower, program.upper, program.integer))
        ]
        nonzero = np.flatnonzero(program.cost)
        problem += pulp.LpAffineExpression(
            [(columns[j], float(program.cost[j])) for j in nonzero], constant=program.offset
        )
        matrix = program.matrix
        for row in range(len(program.row_names)):
            start, stop = matrix.indptr[row], matrix.indptr[row + 1]
            expression = pulp.LpAffineExpression(
                [(columns[j], float(a)) for j, a in zip(matrix.indices[start:stop], matrix.data[start:stop])]
            )
            low, high = program.row_lower[row], program.row_upper[row]
            if low == high:
                problem += (expression == high, f"r{row}")
            else:
                if high != INF:
                    problem += (expression <= high, f"r{row}_le")
                if low != -INF:
                    problem += (expression >= low, f"r{row}_ge")

        with tempfile.TemporaryDirectory(prefix="qseg-cbc-") as tmp:
            log_path = os.path.join(tmp, "cbc.log")
            solver = _cbc_command(
                msg=False,
                timeLimit=params["time_limit"],
                gapRel=params["mip_gap"],
                threads=params["threads"],
                logPath=log_path,
                keepFiles=False,
            )
            try:
                with silenced():
                    problem.solve(solver)
            except pulp.PulpError as exc:
                raise SolverError(f"CBC failed: {exc}") from exc
            log = open(log_path).read() if os.path.exists(log_path) else ""
        result = _result(problem, columns, log)
        if program.integer.any() or result.values is None:
            return result
        return replace(result, row_duals=_row_duals(problem, len(program.row_names)))


@contextmanager
def _quiet_pulp_deprecations() -> Iterator[None]:
    # PuLP 3.x warns about its own 4.0 API on every variable and on the bundled CBC, which is
    # why pyproject pins pulp<4.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def _cbc_command(**options: Any) -> Any:
    """Return PuLP's bundled-CBC command with ``options``."""
    import pulp

    with _quiet_pulp_deprecations():
        return pulp.PULP_CBC_CMD(**options)


def _row_duals(problem: Any, num_rows: int) -> np.ndarray:
    """Return each row's dual (CBC's ``pi``, d(optimum)/d(bound)) from an LP solve; a row
    written as two PuLP constraints (``_le``, ``_ge``) gets the sum, as at most one binds."""
    duals = np.zeros(num_rows)
    for name, constraint in problem.constraints.items():
        row = int(name[1:].split("_")[0])
        duals[row] += float(constraint.pi or 0.0)
    return duals


def _result(problem: Any, columns: list[Any], log: str) -> MipResult:  # PuLP (untyped) LpVariables
    import pulp

    sol_status = problem.sol_status
    result_line = _RESULT.search(log)
    solver_status = result_line.group(1).strip() if result_line else pulp.LpStatus[problem.status]
    if sol_status == pulp.LpSolutionInfeasible:
        return MipResult("infeasible", False, None, None, None, None, solver_status)
    if sol_status == pulp.LpSolutionUnbounded:
        return MipResult("unbounded", False, None, None, None, None, solver_status)
    if sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        return MipResult("no-solution", False, None, None, None, None, solver_status)
    values = np.array([column.varValue or 0.0 for column in columns])
    objective = float(pulp.value(problem.objective) or 0.0)
    if sol_status == pulp.LpSolutionOptimal:
        return MipResult("optimal", True, values, objective, objective, 0.0, solver_status)
    bound_match = _BOUND.search(log)
    bound = float(bound_match.group(1)) if bound_match else None
    gap = abs(objective - bound) / max(abs(objective), 1e-9) if bound is not None else None
    return MipResult("feasible", False, values, objective, bound, gap, solver_status)
