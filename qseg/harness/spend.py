"""The spend guard: estimate what a suite's hardware cells would be charged, before submitting.

Only backends that declare ``charges`` (Leap hybrid, QPU) cost anything. Their models are built
from the problems the suite already validated, and each backend estimates its own charge
(``Backend.estimate_charge_s``: the hybrid ``time_limit`` or the solver's minimum, the QPU's
access time from the solver's timing model for the embedded problem). A suite over
``--max-qpu-s`` is refused before anything is submitted.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from qseg.backends import Backend, load_backend
from qseg.errors import BadInputError, ModelTooLargeError
from qseg.harness.suite import Suite
from qseg.solving.solve import build_model
from qseg.store.spec import CellSpec

DEFAULT_MAX_QPU_S = 60.0  # one minute of QPU access or hybrid charge unless the user says more


@dataclass(frozen=True)
class CellCharge:
    """One cell's estimated charge in seconds, and why it is zero when it is."""

    cell: CellSpec
    seconds: float
    note: str


def estimate_charges(suite: Suite, cells: Iterable[CellSpec] | None = None) -> list[CellCharge]:
    """Return the estimated QPU/hybrid charge of ``cells`` (default: every cell of ``suite``);
    local and unavailable backends are 0."""
    charges = []
    backends: dict[str, Backend] = {}
    for cell in suite.cells if cells is None else cells:
        if cell.is_baseline:
            charges.append(CellCharge(cell, 0.0, "local"))
            continue
        backend = backends.setdefault(cell.backend, load_backend(cell.backend))
        if not backend.charges:
            charges.append(CellCharge(cell, 0.0, "local"))
            continue
        reason = backend.unavailable_reason()
        if reason:
            charges.append(CellCharge(cell, 0.0, f"skipped: {reason}"))
            continue
        model, _ = build_model(suite.problem(cell), cell.formulation, cell.penalties)
        try:
            resolved = backend.check(model, cell.params)
        except ModelTooLargeError as exc:  # the cell will be skipped by the same limit
            charges.append(CellCharge(cell, 0.0, f"skipped: {exc.reason}"))
            continue
        charges.append(CellCharge(cell, backend.estimate_charge_s(model, resolved), "estimated"))
    return charges


def check_max_qpu_s(value: float) -> float:
    """Return ``--max-qpu-s`` when it is a finite number >= 0, else raise BadInputError: a NaN
    limit would compare false with every estimate and switch the guard off."""
    if not math.isfinite(value) or value < 0:
        raise BadInputError("--max-qpu-s", value, "must be a finite number >= 0")
    return value


def check_spend(charges: list[CellCharge], max_qpu_s: float) -> float:
    """Return the total estimated charge; raise BadInputError naming ``--max-qpu-s`` when the
    total exceeds it (nothing has been submitted at that point)."""
    check_max_qpu_s(max_qpu_s)
    total = sum(charge.seconds for charge in charges)
    if not total <= max_qpu_s:  # written so that a NaN estimate is refused too
        paid = sum(1 for charge in charges if charge.seconds > 0)
        raise BadInputError(
            "--max-qpu-s", max_qpu_s,
            f"the suite's {paid} hardware cells are estimated at {total:.1f} s of QPU/hybrid charge; "
            "raise --max-qpu-s or trim the suite (`qseg bench --dry-run` lists the estimates)",
        )
    return total
