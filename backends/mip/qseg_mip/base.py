"""What CBC and HiGHS share: parameters, the MILP translation and the result's ``info``."""

from __future__ import annotations

import time
from abc import abstractmethod
from dataclasses import dataclass
from typing import Any

import dimod
import numpy as np

from qseg.backends import Backend, Parameter
from qseg_mip.linear import LinearProgram, from_cqm, to_sampleset


@dataclass(frozen=True)
class MipResult:
    """A MILP solver's answer, in the model's minimisation sense.

    ``status`` is one of "optimal", "feasible" (stopped early with a solution), "infeasible",
    "unbounded", "no-solution"; ``proven`` is True only when the solver proved optimality.
    """

    status: str
    proven: bool
    values: np.ndarray | None
    objective: float | None
    bound: float | None
    mip_gap: float | None
    solver_status: str


class MilpBackend(Backend):
    """An exact MILP solver taking a CQM (products of binaries linearised).

    BQMs are refused (DESIGN §5): a dense QUBO linearised has n²/2 product columns, a model no
    one should send to a MILP solver by accident.
    """

    accepts = frozenset({"cqm"})
    exact = True
    parameters = {
        "time_limit": Parameter(float, None, "seconds before the solver stops (None: no limit)", 0.0),
        "mip_gap": Parameter(float, 0.0, "relative gap at which to stop (0: prove optimality)", 0.0, 1.0),
        "threads": Parameter(int, 1, "solver threads", 1),
    }

    def _solve(self, model: Any, params: dict[str, Any]) -> dimod.SampleSet:
        build_start = time.perf_counter_ns()
        program = from_cqm(model)
        solve_start = time.perf_counter_ns()
        result = self._run(program, params)
        solve_ns = time.perf_counter_ns() - solve_start
        sampleset = to_sampleset(model, program, result.values)
        # A solver stopped at a positive relative gap reports "optimal" within that gap only.
        proven = result.proven and params["mip_gap"] == 0.0
        sampleset.info.update(
            {
                "timing": {"build_ns": solve_start - build_start, "solve_ns": solve_ns},
                "mip_status": result.status,
                "solver_status": result.solver_status,
                "proven_optimal": proven,
                "objective": result.objective,
                "bound": result.bound,
                "mip_gap": 0.0 if proven else result.mip_gap,
            }
        )
        return sampleset

    @abstractmethod
    def _run(self, program: LinearProgram, params: dict[str, Any]) -> MipResult:
        """Solve the MILP and return the solver's answer."""
