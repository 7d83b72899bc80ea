"""qseg: compare quantum and classical optimisation solvers on customer segmentation and targeting.

>>> import qseg
>>> p = qseg.problem("knapsack", data="seed-000", budget_fraction=0.5)
>>> record = qseg.solve(p, "sa", reference=True)

The API is imported on first use (PEP 562): ``import qseg.cli`` stays light, so the command
line answers (``--help``, its first progress line) before dimod and the solvers are loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qseg.api import Record, Status, backend, list_backends, problem, solve, solve_baseline

__version__ = "0.1.0"

__all__ = ["Record", "Status", "__version__", "backend", "list_backends", "problem", "solve", "solve_baseline"]
_API = frozenset(__all__) - {"__version__"}


def __getattr__(name: str) -> Any:
    """Return the public API's ``name`` (``qseg.problem``, ``qseg.solve``, ...), imported now."""
    if name in _API:
        from qseg import api

        return getattr(api, name)
    raise AttributeError(f"module 'qseg' has no attribute {name!r}")
