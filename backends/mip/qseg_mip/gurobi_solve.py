"""One Gurobi solve of arrays (LP or MIP) through gurobipy's matrix API, silenced.

Shared by the ``gurobi`` backend's plain MIP route and the structured one-hot route's restricted
MIPs. The environment (and its licence check, which prints a banner) is made once per process.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from qseg.backends import silenced
from qseg.errors import SolverError
from qseg_mip.result import SolverOutcome

# The restricted licence that ships with the pip package (Gurobi's documentation, "How do I
# install Gurobi for Python?"): models of at most 2,000 variables and 2,000 linear constraints.
RESTRICTED_VARIABLES = 2000
RESTRICTED_CONSTRAINTS = 2000
_RESTRICTED = re.compile(r"restricted license", re.IGNORECASE)

_env: Any = None
_licence: Licence | None = None


@dataclass(frozen=True)
class Licence:
    """The licence the Gurobi environment started with: its banner line and its size limits
    (None: no limit)."""

    text: str
    max_variables: int | None
    max_constraints: int | None

    def refusal(self, variables: int, constraints: int) -> str:
        """Return "" when a model of this size may be sent, else the licence's reason."""
        over = []
        if self.max_variables is not None and variables > self.max_variables:
            over.append(f"{variables} variables > {self.max_variables}")
        if self.max_constraints is not None and constraints > self.max_constraints:
            over.append(f"{constraints} linear constraints > {self.max_constraints}")
        if not over:
            return ""
        return f"the Gurobi licence ({self.text}) allows no more: {', '.join(over)}"


def environment() -> tuple[Any, Licence]:
    """Return the process's started Gurobi environment (output off) and its licence, read from
    the banner Gurobi logs when it starts (a size-limited licence says "Restricted license").

    Raises SolverError when no licence can be found."""
    global _env, _licence
    if _env is not None and _licence is not None:
        return _env, _licence
    import gurobipy as gp

    with tempfile.TemporaryDirectory(prefix="qseg-gurobi-") as tmp, silenced():
        log = os.path.join(tmp, "gurobi.log")
        try:
            env = gp.Env(empty=True)
            env.setParam("OutputFlag", 1)  # to the log file only: the banner names the licence
            env.setParam("LogToConsole", 0)
            env.setParam("LogFile", log)
            env.start()
            env.setParam("LogFile", "")
            env.setParam("OutputFlag", 0)
        except gp.GurobiError as exc:
            raise SolverError(f"Gurobi could not start: {exc}") from exc
        banner = open(log).read() if os.path.exists(log) else ""
    _env, _licence = env, licence_of(banner)
    return _env, _licence


def licence_of(banner: str) -> Licence:
    """Return the licence described by Gurobi's start-up log: the pip package's restricted
    licence has the documented limits, any other licence none qseg knows of."""
    lines = [line.strip() for line in banner.splitlines() if "licen" in line.lower()]
    text = lines[0] if lines else "licence line not logged"
    if any(_RESTRICTED.search(line) for line in lines):
        return Licence(text, RESTRICTED_VARIABLES, RESTRICTED_CONSTRAINTS)
    return Licence(text, None, None)


def gurobi_rows(row_lower: np.ndarray, row_upper: np.ndarray) -> int:
    """Return how many Gurobi linear constraints the rows become (a ranged row is two)."""
    equal = row_lower == row_upper
    return int(np.sum(equal | np.isfinite(row_lower) | np.isfinite(row_upper))
               + np.sum(~equal & np.isfinite(row_lower) & np.isfinite(row_upper)))


def solve_arrays(
    cost: np.ndarray, lower: np.ndarray, upper: np.ndarray, matrix: sp.spmatrix,
    row_lower: np.ndarray, row_upper: np.ndarray, *, integer: np.ndarray | None = None,
    offset: float = 0.0, time_limit: float | None = None, mip_gap: float = 0.0, threads: int = 1,
    start: np.ndarray | None = None,
) -> SolverOutcome:
    """Return Gurobi's answer to min cost·x + offset s.t. row bounds, column bounds (integer
    columns where ``integer`` is true; an LP when it is None or all false). ``start`` is a
    feasible point offered to the MIP as its first incumbent.

    Raises SolverError when Gurobi fails (a model over the licence's limits among the causes:
    callers check ``Licence.refusal`` first)."""
    import gurobipy as gp
    from gurobipy import GRB

    env, _ = environment()
    integral = np.zeros(len(cost), dtype=bool) if integer is None else np.asarray(integer, dtype=bool)
    is_mip = bool(integral.any())
    rows = sp.csr_matrix(matrix)
    equal = row_lower == row_upper
    upper_rows = np.flatnonzero(~equal & np.isfinite(row_upper))
    lower_rows = np.flatnonzero(~equal & np.isfinite(row_lower))
    equal_rows = np.flatnonzero(equal)
    try:
        with silenced(), gp.Model("qseg", env=env) as model:
            kinds = np.where(integral, GRB.INTEGER, GRB.CONTINUOUS) if is_mip else GRB.CONTINUOUS
            x = model.addMVar(len(cost), lb=np.asarray(lower, float), ub=np.asarray(upper, float), vtype=kinds)
            model.setObjective(np.asarray(cost, float) @ x + float(offset), GRB.MINIMIZE)
            parts = [(equal_rows, "=", row_upper), (upper_rows, "<", row_upper), (lower_rows, ">", row_lower)]
            constraints = [(picked, model.addMConstr(rows[picked], x, sense, bound[picked]))
                           for picked, sense, bound in parts if picked.size]
            model.Params.Threads = int(threads)
            model.Params.MIPGap = float(mip_gap)
            if time_limit is not None:
                model.Params.TimeLimit = max(float(time_limit), 1e-3)
            if is_mip and start is not None:
                x.setAttr("Start", np.asarray(start, dtype=float))
            model.optimize()
            if model.Status == GRB.INF_OR_UNBD:
                # Presolve's dual reductions leave the two apart; "infeasible" is a proof the
                # harness relies on, so ask again without them.
                model.Params.DualReductions = 0
                model.optimize()
            return _outcome(model, x, constraints, len(row_lower), is_mip)
    except gp.GurobiError as exc:
        raise SolverError(f"Gurobi failed: {exc}") from exc


_STATUS_TEXT = {
    1: "Loaded", 2: "Optimal", 3: "Infeasible", 4: "Infeasible or unbounded", 5: "Unbounded",
    6: "Cutoff", 7: "Iteration limit", 8: "Node limit", 9: "Time limit", 10: "Solution limit",
    11: "Interrupted", 12: "Numeric trouble", 13: "Suboptimal", 14: "In progress",
    15: "User objective limit", 16: "Work limit", 17: "Memory limit",
}


def _outcome(model: Any, x: Any, constraints: list[tuple[np.ndarray, Any]], num_rows: int, is_mip: bool) -> SolverOutcome:
    from gurobipy import GRB

    status = model.Status
    text = _STATUS_TEXT.get(status, f"status {status}")
    if status == GRB.INFEASIBLE:
        return SolverOutcome("infeasible", None, None, None, None, None, None, text)
    if status in (GRB.UNBOUNDED, GRB.INF_OR_UNBD):
        return SolverOutcome("unbounded", None, None, None, None, None, None, text)
    if model.SolCount == 0:
        return SolverOutcome("no-solution", None, None, None, None, None, None, text)
    values = np.asarray(x.X, dtype=float)
    objective = float(model.ObjVal)
    row_duals = col_duals = None
    if not is_mip and status == GRB.OPTIMAL:
        # Gurobi's Pi is d(objective)/d(rhs); a ranged row's two halves: at most one binds.
        row_duals = np.zeros(num_rows)
        for picked, block in constraints:
            np.add.at(row_duals, picked, np.asarray(block.Pi, dtype=float))
        col_duals = np.asarray(x.RC, dtype=float)
    bound = float(model.ObjBound) if is_mip else (objective if status == GRB.OPTIMAL else None)
    if bound is not None and not math.isfinite(bound):
        bound = None
    gap = float(model.MIPGap) if is_mip and math.isfinite(model.MIPGap) else None
    if status == GRB.OPTIMAL:
        return SolverOutcome("optimal", values, objective, bound, gap if is_mip else 0.0, row_duals, col_duals, text)
    return SolverOutcome("feasible", values, objective, bound, gap, row_duals, col_duals, text)
