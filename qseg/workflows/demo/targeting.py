"""Targeting on seed-000: the exact MILP, the notebook's greedy and the three knapsack QUBOs on
simulated annealing, at one budget."""

from __future__ import annotations

import numpy as np

from qseg.errors import SolverError
from qseg.problems.knapsack.problem import KnapsackProblem
from qseg.record import Record, Status
from qseg.solving.solve import solve, solve_baseline
from qseg.workflows.demo.results import DemoSettings, TargetingRow, TargetingRun
from qseg.workflows.demo.rows import SA, gap_to, note, sa_params, seconds, shown_read

QUBO_FORMULATIONS = ("unbalanced", "slack", "equality")
FORMULATION_NOTES = {"equality": "the notebook's QUBO (spend forced to equal the budget)"}


def run_targeting(label: str, short: str, problem: KnapsackProblem, settings: DemoSettings) -> TargetingRun:
    """Return the TargetingRun of ``problem``: the exact optimum (``settings.targeting_exact`` on
    the CQM), greedy by profit/cost, and each QUBO formulation on ``sa``. Raises SolverError when
    the exact backend finds no optimum (nothing else is worth comparing then)."""
    exact, exact_reads = solve(problem, settings.targeting_exact, keep_sampleset=True)
    shown = shown_read(problem, exact_reads)
    if exact.status != Status.OK or exact.objective is None or shown is None:
        raise SolverError(f"{settings.targeting_exact} found no optimum for {problem.instance}: {note(exact)}")
    optimum = float(exact.objective)
    chosen = problem.chosen(shown)
    rows = [_row(problem, exact, chosen, optimum, key="milp", method=f"MILP ({settings.targeting_exact})", kind="exact")]
    greedy = solve_baseline(problem, "greedy")
    rows.append(_row(problem, greedy, problem.greedy(), optimum, key="greedy", method="greedy (profit/cost)",
                     kind="baseline"))
    for formulation in QUBO_FORMULATIONS:
        record, reads = solve(problem, SA, formulation=formulation, params=sa_params(settings.num_reads, settings.num_sweeps),
                              keep_sampleset=True)
        read = shown_read(problem, reads)
        x = problem.chosen(read) if read is not None else np.zeros(problem.size, dtype=np.int8)
        rows.append(_row(problem, record, x, optimum, key=f"sa/{formulation}", method=f"sa / {formulation}", kind="qubo",
                         extra=FORMULATION_NOTES.get(formulation, "")))
    return TargetingRun(label=label, short=short, budget=problem.budget, optimum=optimum, rows=tuple(rows),
                        targeted=np.flatnonzero(chosen))


def _row(problem: KnapsackProblem, record: Record, chosen: np.ndarray, optimum: float, *, key: str, method: str,
         kind: str, extra: str = "") -> TargetingRow:
    reads = record.feasible_fraction if kind == "qubo" else None
    notes = "; ".join(part for part in (extra, note(record)) if part)
    return TargetingRow(
        key=key, method=method, kind=kind, status=str(record.status), customers=problem.size,
        variables=None if kind == "baseline" else record.num_variables, objective=record.objective,
        gap=gap_to(problem, record.objective, optimum),
        feasible=bool(record.feasible), feasible_fraction=reads, seconds=seconds(record), note=notes,
        spend=float(problem.cost @ chosen), profit=float(problem.profit @ chosen), targeted=int(chosen.sum()),
    )
