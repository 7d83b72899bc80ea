"""HiGHS through highspy, the model passed as arrays (no per-element modelling layer)."""

from __future__ import annotations

from typing import Any

from qseg_mip.cqm_convert import LinearProgram
from qseg_mip.highs_solve import solve_arrays
from qseg_mip.milp_backend import MilpBackend
from qseg_mip.result import MipResult


class HighsBackend(MilpBackend):
    """HiGHS MIP/LP solver; exact when it reports Optimal. Takes the structured one-hot route
    (``method="auto"``) when the model has the assignment shape (see ``qseg_mip.onehot_solve``)."""

    name = "highs"
    structured = True

    def unavailable_reason(self) -> str:
        """Return "" when highspy imports, else why not."""
        try:
            import highspy  # noqa: F401
        except ImportError as exc:
            return f"highspy is not installed ({exc})"
        return ""

    def _run(self, program: LinearProgram, params: dict[str, Any]) -> MipResult:
        outcome = solve_arrays(
            program.cost, program.lower, program.upper, program.matrix, program.row_lower,
            program.row_upper, integer=program.integer, offset=program.offset,
            time_limit=params["time_limit"], mip_gap=params["mip_gap"], threads=params["threads"],
        )
        return outcome.result()
