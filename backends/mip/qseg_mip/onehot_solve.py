"""An exact method for one-hot groups plus a few coupling rows (the retention action assignment).

The LP relaxation of such a program is nearly integral (a basic solution has at most one
fractional group per coupling row) and its multipliers prove almost everything:

1. Presolve: drop coupling rows no choice can violate, and options another option of the same
   group dominates (``onehot_shape``).
2. Solve the LP exactly by group sifting (``onehot_lp``); its multipliers ``lam`` give the
   Lagrangian bound LB and every option's reduced cost d >= 0 (``onehot_grouped``).
3. Incumbent: fix every group to its cheapest option (d = 0) except the groups nearest a tie,
   which choose among their options with d <= tau in a small HiGHS MIP (coupling bounds reduced
   by the fixed groups). Widen tau until that MIP is feasible. Value UB.
4. Proof: any solution better than UB has total reduced cost at most UB - LB, so it uses only
   options with d <= UB - LB. When the step-3 MIP allowed all of those and HiGHS proved it
   optimal, UB is optimal; otherwise solve the MIP over exactly those options (warm-started):
   its optimum is the global optimum and its bound the global bound.

When the LP still needs its elastic slack, its multipliers usually prove the coupling rows
infeasible (a Farkas certificate, checked exactly); when they do not, or the time runs out
before an incumbent, ``solve_structured`` returns None and the caller runs the plain MIP.
"""

from __future__ import annotations

import time
from typing import Any, cast

import numpy as np

from qseg_mip.cqm_convert import FEASIBILITY_ATOL
from qseg_mip.highs_solve import solve_arrays
from qseg_mip.linear_program import LinearProgram
from qseg_mip.onehot_grouped import GroupedProgram, Restricted
from qseg_mip.onehot_lp import solve_lp
from qseg_mip.onehot_shape import OneHotStructure, dense_coupling, dominated_options, redundant_rows
from qseg_mip.result import ArraySolver, MipResult, SolverOutcome

FIRST_FREE_GROUPS = 400  # groups nearest a tie that the first incumbent MIP leaves free
WIDEN = 4  # factor on the free-group count when that MIP is infeasible


def presolve(program: LinearProgram, structure: OneHotStructure) -> tuple[GroupedProgram, dict[str, int]]:
    """Return the grouped program without redundant coupling rows and dominated options, and
    how many of each were removed."""
    coupling = dense_coupling(program, structure)
    redundant = redundant_rows(program, structure, coupling)
    kept_rows = np.flatnonzero(~redundant)
    dominated = dominated_options(program, structure, coupling, kept_rows)
    reduced = OneHotStructure(structure.options, structure.group_rows, structure.coupling_rows[kept_rows])
    stats = {"redundant_rows": int(redundant.sum()), "dominated_options": int(dominated.sum())}
    return GroupedProgram(program, reduced, ~dominated), stats


def solve_relaxation(program: LinearProgram, structure: OneHotStructure, params: dict[str, Any]) -> MipResult | None:
    """Return the LP relaxation solved by group sifting, with a dual for every row (no presolve,
    so redundant rows keep their zero dual), or None when sifting does not settle it."""
    started = time.perf_counter()
    grouped = GroupedProgram(program, structure, structure.valid)
    lp = solve_lp(grouped, threads=params["threads"], deadline=_deadline(started, params))
    if lp.status != "optimal":
        return None
    duals = np.zeros(len(program.row_names))
    duals[structure.group_rows] = lp.group_duals
    duals[structure.coupling_rows] = lp.multipliers
    stats = dict(lp.stats, lagrangian_bound=grouped.lagrangian(lp.multipliers)[0])
    return MipResult("optimal", True, lp.values, lp.objective, lp.objective, None, "Optimal",
                     row_duals=duals, method="structured-lp", stats=stats)


def solve_structured(
    program: LinearProgram, structure: OneHotStructure, params: dict[str, Any], stats: dict[str, Any],
    mip: ArraySolver = solve_arrays,
) -> MipResult | None:
    """Return the proven optimum (or, out of time, the best solution with a valid bound) of a
    one-hot-structured MILP, or None when the method does not apply and the MIP must run.
    ``stats`` receives the route's statistics either way. The LP is HiGHS's (group sifting);
    ``mip`` solves the restricted MIPs (HiGHS unless the backend brings its own)."""
    started = time.perf_counter()
    deadline = _deadline(started, params)
    grouped, removed = presolve(program, structure)
    stats.update(removed, groups=grouped.num_groups, coupling_rows=len(grouped.row_lower),
                 presolve_s=time.perf_counter() - started)
    lp = solve_lp(grouped, threads=params["threads"], deadline=deadline)
    stats.update(lp.stats, lp_status=lp.status)
    if lp.status == "elastic" and grouped.proves_infeasible(lp.multipliers):
        return MipResult("infeasible", False, None, None, None, None, "Infeasible (Farkas multipliers)",
                         method="structured-lp", stats=stats)
    if lp.status != "optimal":
        return None
    lower, reduced = grouped.lagrangian(lp.multipliers)
    tolerance = 1e-6 + 1e-9 * abs(lower)
    stats.update(lp_objective=lp.objective, lagrangian_bound=lower)

    rounds: list[_Round] = []
    free_count = FIRST_FREE_GROUPS
    while True:  # step 3: widen until the incumbent MIP is feasible
        tau = _threshold_for(reduced, free_count)
        rounds.append(_restricted_mip(grouped, reduced, tau, tolerance, params, deadline, mip))
        if rounds[-1].outcome.status != "infeasible" or tau == np.inf:
            break
        free_count *= WIDEN
    stats["mip_rounds"] = [r.describe() for r in rounds]
    best = rounds[-1]
    if best.values is None:
        if best.outcome.status == "infeasible":  # every group was free: the whole (presolved) MIP
            return MipResult("infeasible", False, None, None, None, None, best.outcome.text,
                             method="structured-lp", stats=stats)
        return None
    if not _good_enough(best, lower, tolerance, params) and _remaining(deadline) != 0.0:
        # Step 4: every better solution lives among the options with d <= UB - LB.
        proof = _restricted_mip(grouped, reduced, best.objective - lower, tolerance, params, deadline, mip,
                                start=best.values)
        rounds.append(proof)
        stats["mip_rounds"].append(proof.describe())
        if proof.values is not None and proof.objective <= best.objective:
            best = proof
    upper = best.objective
    bound = min(max(r.global_bound(lower) for r in rounds), upper)  # no float noise above UB
    proven = best.proves(lower, tolerance)
    gap = 0.0 if proven and params["mip_gap"] == 0 else max(upper - bound, 0.0) / max(abs(upper), 1e-9)
    status = "optimal" if proven or gap <= params["mip_gap"] else "feasible"
    stats["structured_s"] = time.perf_counter() - started
    return MipResult(status, status == "optimal", best.values, upper, bound, gap, best.outcome.text,
                     method="structured-lp", stats=stats)


def _good_enough(best: _Round, lower: float, tolerance: float, params: dict[str, Any]) -> bool:
    if best.proves(lower, tolerance):
        return True
    mip_gap: float = params["mip_gap"]
    return mip_gap > 0 and best.objective - lower <= mip_gap * max(abs(best.objective), 1e-9)


class _Round:
    """One restricted MIP: options with reduced cost <= tau free in the groups that have two or
    more of them, every other group fixed to its cheapest option."""

    def __init__(self, outcome: SolverOutcome, values: np.ndarray | None, tau: float, free: int, columns: int) -> None:
        self.outcome, self.values, self.tau, self.free, self.columns = outcome, values, tau, free, columns

    @property
    def objective(self) -> float:
        """Return the incumbent's objective (the round must have a solution)."""
        return float(cast(float, self.outcome.objective))  # not None: the round has a solution

    def proves(self, lower: float, tolerance: float) -> bool:
        """Return whether this round's optimum is the global optimum: HiGHS proved it over the
        options with d <= tau, and every better solution would need d <= UB - LB <= tau."""
        return self.outcome.status == "optimal" and self.objective - lower <= self.tau + tolerance

    def global_bound(self, lower: float) -> float:
        """Return a valid bound on the global optimum: a solution using an option with d > tau
        costs more than LB + tau, one within the round's options at least the round's bound."""
        inside = self.outcome.bound if self.outcome.bound is not None else lower
        if self.outcome.status == "infeasible":
            inside = np.inf
        return max(lower, min(inside, lower + self.tau))

    def describe(self) -> dict[str, Any]:
        """Return the round's statistics for ``info["route"]``."""
        return {"tau": self.tau, "free_groups": self.free, "columns": self.columns,
                "status": self.outcome.status, "objective": self.outcome.objective, "bound": self.outcome.bound}


def _restricted_mip(
    grouped: GroupedProgram, reduced: np.ndarray, tau: float, tolerance: float, params: dict[str, Any],
    deadline: float | None, mip: ArraySolver, start: np.ndarray | None = None,
) -> _Round:
    allowed = (reduced <= tau + tolerance) & grouped.valid  # padding is +inf, and inf <= inf
    free = np.flatnonzero(allowed.sum(axis=1) >= 2)
    restricted = grouped.restricted(free, allowed, np.argmin(reduced, axis=1))
    count = len(restricted.columns)
    if count == 0:  # every group fixed: feasible exactly when the fixed choices meet the rows
        outcome = _fixed_outcome(restricted)
    else:
        outcome = mip(
            restricted.cost, np.zeros(count), np.ones(count), restricted.matrix, restricted.row_lower,
            restricted.row_upper, integer=np.ones(count, dtype=bool), offset=restricted.offset,
            time_limit=_remaining(deadline), mip_gap=params["mip_gap"], threads=params["threads"],
            start=None if start is None else start[restricted.columns],
        )
    values = None
    if outcome.values is not None:
        values = restricted.fixed.copy()
        values[restricted.columns] = np.round(outcome.values[:count])
    return _Round(outcome, values, tau, len(free), count)


def _fixed_outcome(restricted: Restricted) -> SolverOutcome:
    """Return the answer of a restricted model without free columns (HiGHS is not asked)."""
    met = (restricted.row_lower <= FEASIBILITY_ATOL).all() and (restricted.row_upper >= -FEASIBILITY_ATOL).all()
    if not met:
        return SolverOutcome("infeasible", None, None, None, None, None, None, "Infeasible (all groups fixed)")
    value = restricted.offset
    return SolverOutcome("optimal", np.zeros(0), value, value, 0.0, None, None, "Optimal (all groups fixed)")


def _threshold_for(reduced: np.ndarray, count: int) -> float:
    """Return the reduced-cost threshold that frees about ``count`` groups (those whose second
    cheapest option is nearest to their cheapest); infinity frees them all."""
    if count >= len(reduced) or reduced.shape[1] < 2:
        return np.inf
    regret = np.partition(reduced, 1, axis=1)[:, 1]
    return float(np.partition(regret, count)[count])


def _deadline(started: float, params: dict[str, Any]) -> float | None:
    return None if params["time_limit"] is None else started + params["time_limit"]


def _remaining(deadline: float | None) -> float | None:
    return None if deadline is None else max(deadline - time.perf_counter(), 0.0)
