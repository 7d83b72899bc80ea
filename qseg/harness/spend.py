"""The spend guard: estimate what a suite's hardware cells would be charged, before submitting.

Only backends that declare ``charges`` (Leap hybrid, QPU) cost anything. Their models are built
from the problems the suite already validated, and each backend estimates its own charge
(``Backend.estimate_charge_s``: the hybrid ``time_limit`` or the solver's minimum, the QPU's
access time from the solver's timing model for the embedded problem), through the one estimate
of ``qseg.solving.charges``, times the solves a cell can submit (penalty tuning's attempts). A
suite over ``--max-qpu-s`` is refused before anything is submitted; a cell whose estimate needs
the network and cannot get it is listed with no estimate (NaN), which the guard refuses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from qseg.backends import Backend, load_backend
from qseg.errors import ModelTooLargeError, QsegError
from qseg.files import one_line
from qseg.harness.suite import Suite
from qseg.solving.charges import DEFAULT_MAX_QPU_S, check_max_qpu_s, estimate_charge_s, refuse_over_cap
from qseg.solving.solve import build_model
from qseg.solving.tuning import solves_per_cell
from qseg.store.spec import CellSpec

NO_ESTIMATE = "no estimate"


@dataclass(frozen=True)
class CellCharge:
    """One cell's estimated charge in seconds, and why it is zero when it is."""

    cell: CellSpec
    seconds: float
    note: str


def estimate_charges(suite: Suite, cells: Iterable[CellSpec] | None = None) -> list[CellCharge]:
    """Return the estimated QPU/hybrid charge of ``cells`` (default: every cell of ``suite``);
    local and unavailable backends are 0, a tuned cell counts every attempt tuning may submit,
    and a cell whose estimate fails (no network to ask the solver) is NaN, noted ``no estimate``."""
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
        solves = solves_per_cell(cell.penalty_tuning)
        try:
            seconds = estimate_charge_s(backend, model, resolved, solves=solves)
        except QsegError as exc:  # offline: the solver's minimum or the embedding's target unknown
            charges.append(CellCharge(cell, float("nan"), f"{NO_ESTIMATE}: {one_line(exc)}"))
            continue
        charges.append(CellCharge(cell, seconds, "estimated" if solves == 1 else f"estimated, {solves} solves"))
    return charges


def check_spend(charges: list[CellCharge], max_qpu_s: float) -> float:
    """Return the total estimated charge; raise BadInputError naming ``--max-qpu-s`` when the
    total exceeds it (nothing has been submitted at that point)."""
    total = sum(charge.seconds for charge in charges)
    paid = sum(1 for charge in charges if not charge.seconds <= 0)
    unknown = sum(1 for charge in charges if charge.note.startswith(NO_ESTIMATE))
    what = f"the suite's {paid} hardware cells" + (f" ({unknown} without an estimate)" if unknown else "")
    return refuse_over_cap(total, max_qpu_s, what)


__all__ = ["DEFAULT_MAX_QPU_S", "CellCharge", "check_max_qpu_s", "check_spend", "estimate_charges"]
