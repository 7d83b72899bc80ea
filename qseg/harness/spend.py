"""The spend guard: estimate what a suite's hardware cells would be charged, before submitting.

Only backends that declare ``charges`` (Leap hybrid, QPU) cost anything. Their models are built
and each backend estimates its own charge (``Backend.estimate_charge_s``: the hybrid
``time_limit`` or the solver's minimum, the QPU's access time from the solver's timing model for
the embedded problem). A suite over ``--max-qpu-s`` is refused before anything is submitted.
"""

from __future__ import annotations

from dataclasses import dataclass

from qseg.errors import BadInputError, ModelTooLargeError
from qseg.harness.cell import build_model, resolve_formulation, seeded_params
from qseg.harness.suite import Cell

DEFAULT_MAX_QPU_S = 60.0  # one minute of QPU access or hybrid charge unless the user says more


@dataclass(frozen=True)
class CellCharge:
    """One cell's estimated charge in seconds, and why it is zero when it is."""

    cell: Cell
    seconds: float
    note: str


def estimate_charges(cells: list[Cell]) -> list[CellCharge]:
    """Return every cell's estimated QPU/hybrid charge; local and unavailable backends are 0."""
    from qseg.backends import load_backend
    from qseg.problems import build_problem

    charges = []
    for cell in cells:
        spec = cell.spec
        name = spec["backend"]
        if name.startswith("baseline:"):
            charges.append(CellCharge(cell, 0.0, "local"))
            continue
        backend = load_backend(name)
        if not backend.charges:
            charges.append(CellCharge(cell, 0.0, "local"))
            continue
        reason = backend.unavailable_reason()
        if reason:
            charges.append(CellCharge(cell, 0.0, f"skipped: {reason}"))
            continue
        problem = build_problem(spec["problem"], size=spec["size"], seed=spec["seed"], data=spec["data"],
                                params=spec["problem_params"])
        model, _ = build_model(problem, resolve_formulation(problem, backend, spec["formulation"]), spec["penalties"])
        params = seeded_params(backend, problem, spec["backend_params"], spec["repeat"])
        try:
            resolved = backend.check(model, params)
        except ModelTooLargeError as exc:  # the cell will be skipped by the same limit
            charges.append(CellCharge(cell, 0.0, f"skipped: {exc.reason}"))
            continue
        charges.append(CellCharge(cell, backend.estimate_charge_s(model, resolved), "estimated"))
    return charges


def check_spend(charges: list[CellCharge], max_qpu_s: float) -> float:
    """Return the total estimated charge; raise BadInputError naming ``--max-qpu-s`` when the
    total exceeds it (nothing has been submitted at that point)."""
    total = sum(charge.seconds for charge in charges)
    if total > max_qpu_s:
        paid = sum(1 for charge in charges if charge.seconds > 0)
        raise BadInputError(
            "--max-qpu-s", max_qpu_s,
            f"the suite's {paid} hardware cells are estimated at {total:.1f} s of QPU/hybrid charge; "
            "raise --max-qpu-s or trim the suite (`qseg bench --dry-run` lists the estimates)",
        )
    return total
