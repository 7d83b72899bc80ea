"""qseg: compare quantum and classical optimisation solvers on customer segmentation and targeting.

>>> import qseg
>>> p = qseg.problem("knapsack", data="seed-000", budget_fraction=0.5)
>>> record = qseg.solve(p, "sa", reference=True)
"""

from qseg.api import Record, Status, backend, list_backends, problem, solve, solve_baseline

__version__ = "0.1.0"

__all__ = ["Record", "Status", "__version__", "backend", "list_backends", "problem", "solve", "solve_baseline"]
