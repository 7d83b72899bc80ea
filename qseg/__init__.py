"""qseg: compare quantum and classical optimisation solvers on customer segmentation and targeting.

>>> import qseg
>>> p = qseg.problem("knapsack", data="seed-000", budget_fraction=0.5)
>>> record = qseg.solve(p, "sa", reference=True)

``import qseg`` imports nothing heavy: each public name is imported on first use (module
``__getattr__``), so a process that only needs the CLI's help, a worker, or ``qseg.Record`` does
not pay for dimod, pandas or a vendor stack.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qseg.api import backend, list_backends, problem, solve, solve_baseline
    from qseg.record import Record, Status

__version__ = "0.1.0"

# Public name -> the module that defines it.
_HOMES = {
    "Record": "qseg.record", "Status": "qseg.record",
    "backend": "qseg.api", "list_backends": "qseg.api", "problem": "qseg.api", "solve": "qseg.api",
    "solve_baseline": "qseg.api",
}

__all__ = ["Record", "Status", "__version__", "backend", "list_backends", "problem", "solve", "solve_baseline"]


def __getattr__(name: str) -> Any:
    """Return the public name ``name``, importing its module on first use (then cached here); a
    subpackage (``qseg.problems``) is imported when first reached as an attribute, as it was when
    ``import qseg`` imported everything."""
    if name in _HOMES:
        value = getattr(importlib.import_module(_HOMES[name]), name)
    elif not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Return the module's names, the lazily imported public ones included."""
    return sorted({*globals(), *__all__})
