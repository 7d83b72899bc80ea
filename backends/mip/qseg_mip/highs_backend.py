"""HiGHS through highspy, the model passed as arrays (no per-element modelling layer)."""

from __future__ import annotations

from qseg_mip.milp_backend import MilpBackend


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

