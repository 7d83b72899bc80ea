"""What the MILP backends (CBC, HiGHS, Gurobi, SCIP) share: parameters, the MILP translation and the result's ``info``."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

import dimod
import numpy as np

from qseg.backends import Backend, Parameter, memory_refusal
from qseg.errors import BadInputError
from qseg_mip.cqm_convert import LinearProgram, from_cqm, to_sampleset
from qseg_mip.result import ArraySolver, MipResult

# Where Gurobi and SCIP take the one-hot route under method="auto": below, their plain MIPs were
# as fast or faster (250 x 8, 2,000 columns: Gurobi 0.28 s plain against 0.39 s, SCIP 1.83 s
# against 1.86 s); above, SCIP's route was 36x faster at 1,000 x 8 (0.53 s against 18.9 s), medians
# of 3 interleaved rounds in benchmarks/test_mip_solvers.py. HiGHS takes it at every size.
STRUCTURED_MIN_COLUMNS = 2001

# Constraint terms per variable assumed by the size estimate: what the CQMs here have (a
# facility-location z sits in its serve and open rows; an assignment x in its one-hot row and a
# coupling row), so the estimate is known before any model is built.
TERMS_PER_VARIABLE = 3
# Time classes of an exact MILP by its variables (branch and bound: not a prediction, an order).
_TIME_CLASSES = ((10_000, "seconds"), (100_000, "minutes"), (1_000_000, "hours"))


def time_class(variables: int) -> str:
    """Return the order of an exact MILP solve's time for ``variables`` (seconds .. days)."""
    return next((name for limit, name in _TIME_CLASSES if variables <= limit), "days or more")


class MilpBackend(Backend):
    """An exact MILP solver taking a CQM (products of binaries linearised).

    BQMs are refused (docs/architecture.md §5): a dense QUBO linearised has n²/2 product columns, a model no
    one should send to a MILP solver by accident.

    ``relax=True`` solves the LP relaxation instead (integrality dropped; products of binaries
    keep their linearisation) and returns its fractional solution as the one read (feasible only
    if it happens to be integral), its value as ``bound`` and ``objective``, and
    ``info["duals"]``: {constraint label: d(LP optimum)/d(rhs)} in the CQM's minimisation sense.
    So a binding ``<=`` constraint has a dual <= 0 (raising its right-hand side lowers the
    minimum), a binding ``>=`` constraint a dual >= 0, a slack one 0, an ``==`` either sign.
    For a maximisation stated as "minimise the negative" (the retention assignment), one more
    unit of a constraint's right-hand side buys ``-dual`` of the natural objective.
    """

    accepts = frozenset({"cqm"})
    exact = True
    structured: ClassVar[bool] = False  # has the one-hot route (``qseg_mip.onehot_solve``)
    # ``method="auto"`` takes that route from this many columns on (smaller: the plain MIP).
    structured_min_columns: ClassVar[int] = 0
    # Memory of the translated model on this backend's route, per column and per constraint term.
    bytes_per_column: ClassVar[int] = 200
    bytes_per_term: ClassVar[int] = 100
    parameters = {
        "time_limit": Parameter(float, None, "seconds before the solver stops (None: no limit); > 0; a limit hit "
                                "before any solution is a timeout, never infeasible", 0.0, exclusive_minimum=True),
        "mip_gap": Parameter(float, 0.0, "relative gap at which to stop (0: prove optimality)", 0.0, 1.0),
        "threads": Parameter(int, 1, "solver threads", 1),
        "method": Parameter(
            str, "auto", "auto: the one-hot structured route when the model has that shape (highs; "
            "gurobi and scip above 2,000 columns), else the MIP; mip: always the plain MIP; structured: "
            "that route whenever the shape allows (highs, gurobi, scip)", choices=("auto", "mip", "structured"),
        ),
        "relax": Parameter(bool, False, "solve the LP relaxation; info['duals'] per constraint label"),
    }

    def resolve_params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Return the parameters resolved; ``method="structured"`` on a backend without that
        route is BadInputError."""
        resolved = super().resolve_params(params)
        if resolved["method"] == "structured" and not self.structured:
            raise BadInputError("param method", "structured", f"{self.name} has no structured route")
        return resolved
    def model_bytes(self, variables: int) -> int:
        """Return the estimated memory of this backend's translation of a CQM of ``variables``
        variables (``TERMS_PER_VARIABLE`` constraint terms each)."""
        return variables * (self.bytes_per_column + TERMS_PER_VARIABLE * self.bytes_per_term)

    def largest_model(self, params: Mapping[str, Any]) -> int:
        """Return the most variables this backend takes here: its ``max_variables`` and what
        its translation fits in the memory share now."""
        from qseg.backends import MEMORY_FRACTION, available_memory

        available = available_memory()
        fits = (10**12 if available is None
                else int(MEMORY_FRACTION * available) // self.model_bytes(1))
        return min(fits, self.max_variables or fits)

    def variables_reason(self, count: int, params: Mapping[str, Any]) -> str:
        """Return why an exact solve of ``count`` variables is refused here (over ``max_variables``,
        or its translation over the memory share), with its time class and what fits; "" when
        it fits. Asked before the CQM is built (``qseg.solving.reference``, ``qseg.solve``)."""
        what = f"an exact {self.name} solve of {count:,} variables (time class: {time_class(count)})"
        reason = super().variables_reason(count, params)
        if not reason:
            reason = memory_refusal(self.model_bytes(count), what)
        elif not reason.startswith(what):
            reason = f"{what}: {reason}"
        if not reason:
            return ""
        return f"{reason}; at most ~{self.largest_model(params):,} variables fit{self.route_hint(count)}"

    def route_hint(self, count: int) -> str:
        """Return a suggestion of another route that would take ``count`` variables ("" here)."""
        return ""

    def _solve(self, model: Any, params: dict[str, Any]) -> dimod.SampleSet:
        build_start = time.perf_counter_ns()
        program = from_cqm(model)
        solve_start = time.perf_counter_ns()
        result = self._route(program, params)
        solve_ns = time.perf_counter_ns() - solve_start
        sampleset = to_sampleset(model, program, result.values, relaxed=params["relax"])
        # A solver stopped at a positive relative gap reports "optimal" within that gap only;
        # an LP relaxation's optimum is a bound, not the model's optimum.
        proven = result.proven and params["mip_gap"] == 0.0 and not params["relax"]
        sampleset.info.update(
            {
                "timing": {"translate_ns": solve_start - build_start, "solve_ns": solve_ns},
                "mip_status": result.status,
                "solver_status": result.solver_status,
                "proven_optimal": proven,
                "objective": result.objective,
                "bound": result.bound,
                "mip_gap": 0.0 if proven else (None if params["relax"] else result.mip_gap),
                "method": result.method,
                "route": result.stats,
                "relaxed": params["relax"],
            }
        )
        if params["relax"]:
            duals = result.row_duals
            sampleset.info["duals"] = None if duals is None else {
                label: float(duals[row]) + 0.0 for row, label in enumerate(model.constraints)  # no -0.0
            }
        return sampleset

    def _route(self, program: LinearProgram, params: dict[str, Any]) -> MipResult:
        """Return the answer of the route ``params`` and the model's shape call for."""
        structure = None
        method = params["method"]
        large = len(program.cost) >= self.structured_min_columns
        if self.structured and (method == "structured" or (method == "auto" and large)):
            from qseg_mip.onehot_shape import detect_one_hot_structure

            started = time.perf_counter()
            structure = detect_one_hot_structure(program)
            detect_s = time.perf_counter() - started
        if params["relax"]:
            if structure is not None:
                from qseg_mip.onehot_solve import solve_relaxation

                result = solve_relaxation(program, structure, params)
                if result is not None:
                    return result
            relaxed = replace(program, integer=np.zeros_like(program.integer))
            return replace(self._run(relaxed, params), method="lp")
        if structure is None:
            return self._run(program, params)
        from qseg_mip.onehot_solve import solve_structured

        stats: dict[str, Any] = {"detect_s": detect_s}
        started = time.perf_counter()
        result = solve_structured(program, structure, params, stats, mip=self.array_solver())
        if result is not None:
            return result
        # The structured route declined (its LP needed slack, or no incumbent in time).
        remaining = dict(params)
        if params["time_limit"] is not None:
            remaining["time_limit"] = max(params["time_limit"] - (time.perf_counter() - started), 1e-3)
        fallback = self._run(program, remaining)
        return replace(fallback, method="mip", stats={"structured": stats})

    def array_solver(self) -> ArraySolver:
        """Return the solver of the structured route's restricted MIPs (backends with
        ``structured = True``): HiGHS's unless the backend overrides it."""
        from qseg_mip.highs_solve import solve_arrays

        return solve_arrays

    def _run(self, program: LinearProgram, params: dict[str, Any]) -> MipResult:
        """Solve the MILP (an LP when no column is integer) with ``array_solver`` and return the
        solver's answer, with ``row_duals`` when it is an LP and the solver gives them (a backend
        whose solver does not take arrays, CBC through PuLP, overrides this)."""
        return self.array_solver()(
            program.cost, program.lower, program.upper, program.matrix, program.row_lower,
            program.row_upper, integer=program.integer, offset=program.offset,
            time_limit=params["time_limit"], mip_gap=params["mip_gap"], threads=params["threads"],
        ).result()
