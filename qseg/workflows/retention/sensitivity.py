"""What-if analyses of the retention assignment, solved through the backend registry: shadow
prices from the LP relaxation's duals and the budget sensitivity sweep.

The exact backend is asked for ``relax=True``; its ``info["duals"]`` holds, per constraint label,
d(LP optimum)/d(rhs) in the CQM's minimisation sense, so the natural-sense shadow price (what one
more unit of the limit adds to the expected net value) is the negated dual.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pandas as pd

from qseg.errors import InfeasibleModelError, QsegError
from qseg.problems.assignment import AssignmentProblem
from qseg.problems.assignment.rules import MEMO_CUSTOMERS
from qseg.workflows.retention.tables import best_actions

# The memo's sweep, $ per 250 customers (scaled with the instance like the default budget).
MEMO_BUDGETS = (50, 75, 100, 125, 150, 175, 200, 250, 300, 400, 500, 750, 1000)
SWEEP_COLUMNS = ("weekly_budget", "status", "expected_net_value", "roi", "customers_treated", "spend",
                 "marginal_value_per_dollar", "binding", "proven_optimal", "message")


def with_settings(problem: AssignmentProblem, **changes: Any) -> AssignmentProblem:
    """Return the same customers and catalogue with some settings changed (InfeasibleModelError,
    with its explanation, when the new settings cannot be met)."""
    settings = dataclasses.replace(problem.settings, **changes)
    return AssignmentProblem(problem.data, settings, instance=problem.instance, seed=problem.seed)


def shadow_prices(problem: AssignmentProblem, backend: str = "highs") -> dict[str, float] | None:
    """Return {coupling constraint: shadow price} from ``backend``'s LP relaxation, or None when
    the backend is unavailable, takes no ``relax`` parameter or returns no duals."""
    from qseg.backends import load_backend

    solver = load_backend(backend)
    if "relax" not in solver.parameters or solver.unavailable_reason():
        return None
    try:
        duals = solver.solve(problem.cqm(), relax=True).info.get("duals")
    except QsegError:
        return None
    if not duals:
        return None
    names = {row.name for row in problem.rows}
    return {str(name): 0.0 - float(value) for name, value in duals.items() if str(name) in names}  # no -0.0


def default_budgets(problem: AssignmentProblem) -> list[float]:
    """Return the memo's sweep ($50 ... $1000 per 250 customers) scaled to the instance."""
    return [b * problem.size / MEMO_CUSTOMERS for b in MEMO_BUDGETS]


def budget_sweep(problem: AssignmentProblem, budgets: Sequence[float] | None = None, backend: str = "highs",
                 **params: Any) -> pd.DataFrame:
    """Return one row per budget: status, expected net value, ROI, customers treated, spend, the
    marginal value of a dollar since the previous solved budget, the binding constraints
    (";"-joined) and whether the optimum is proven. Infeasible budgets are rows with the
    explanation in ``message``, not errors."""
    from qseg.backends import load_backend

    solver = load_backend(backend)
    rows: list[dict[str, Any]] = []
    previous: tuple[float, float] | None = None
    for budget in budgets if budgets is not None else default_budgets(problem):
        row: dict[str, Any] = {"weekly_budget": float(budget)}
        try:
            swept = with_settings(problem, weekly_budget=float(budget))
            sampleset = solver.solve(swept.cqm(), **params)
        except InfeasibleModelError as exc:
            rows.append({**row, "status": "infeasible", "message": str(exc)})
            continue
        except QsegError as exc:
            rows.append({**row, "status": "error", "message": str(exc)})
            continue
        actions = best_actions(swept, sampleset)
        if actions is None:
            rows.append({**row, "status": "no feasible plan", "message": str(sampleset.info.get("mip_status"))})
            continue
        summary = swept.summary(actions)
        states = swept.states_from_actions(actions)
        row.update({
            "status": "ok", "expected_net_value": summary["expected_net_value"], "roi": summary["roi"],
            "customers_treated": summary["treated"], "spend": summary["spend"],
            "binding": ";".join(r.name for r, b in zip(swept.rows, swept.binding(states)[0]) if b),
            "proven_optimal": bool(sampleset.info.get("proven_optimal", False)),
        })
        if previous is not None and budget > previous[0]:
            row["marginal_value_per_dollar"] = (summary["expected_net_value"] - previous[1]) / (budget - previous[0])
        previous = (float(budget), summary["expected_net_value"])
        rows.append(row)
    return pd.DataFrame.from_records(rows, columns=list(SWEEP_COLUMNS))
