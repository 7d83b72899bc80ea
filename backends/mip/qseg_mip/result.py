"""A MILP or LP solver's answer, as every route (CBC, HiGHS, the structured one-hot route) returns it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


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
