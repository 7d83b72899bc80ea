"""The one estimate of paid hardware time, and the one cap (docs/architecture.md §7).

Only backends that declare ``charges`` (Leap hybrid, QPU) cost anything; each estimates one
solve of its own (``Backend.estimate_charge_s``). Every path that can submit to them multiplies
that by the solves it will submit (penalty tuning's attempts, a segmentation's bootstrap refits,
a suite's cells) and refuses, before the first submission, a total over ``max_qpu_s``:
``qseg solve``, ``qseg segment``, ``qseg bench`` and the Python API (``qseg.solve``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from qseg.backends import Backend
from qseg.errors import BadInputError

DEFAULT_MAX_QPU_S = 60.0  # one minute of QPU access or hybrid charge unless the user says more
CAP_FIELD = "--max-qpu-s"


def check_max_qpu_s(value: float) -> float:
    """Return ``--max-qpu-s`` when it is a finite number >= 0, else raise BadInputError: a NaN
    limit would compare false with every estimate and switch the guard off."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise BadInputError(CAP_FIELD, value, "must be a finite number >= 0")
    return float(value)


def estimate_charge_s(backend: Backend, model: Any, resolved: Mapping[str, Any], *, solves: int = 1) -> float:
    """Return the estimated paid seconds of ``solves`` solves of ``model`` on ``backend`` with the
    resolved parameters ``resolved``: 0 for a backend that charges nothing."""
    if not backend.charges or solves <= 0:
        return 0.0
    return float(backend.estimate_charge_s(model, resolved)) * solves


def refuse_over_cap(total_s: float, max_qpu_s: float, what: str) -> float:
    """Return ``total_s`` when it is within ``max_qpu_s``; else raise BadInputError naming
    ``--max-qpu-s``, one line with the estimate, what it counts (``what``) and the cap. Nothing
    has been submitted when this is called; a NaN estimate is refused too."""
    check_max_qpu_s(max_qpu_s)
    if not total_s <= max_qpu_s:
        raise BadInputError(CAP_FIELD, max_qpu_s, f"{what} is estimated at {total_s:.1f} s of QPU/hybrid charge, over "
                                                  f"the cap of {max_qpu_s:g} s; raise --max-qpu-s or ask for less")
    return total_s
