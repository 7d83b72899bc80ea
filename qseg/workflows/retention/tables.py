"""The retention memo's tables for one plan: KPIs, the constraint table, the treatment plan.

A plan is an action vector (one action id per customer) of an ``AssignmentProblem``. Shadow
prices are in the natural sense: what one more unit of a constraint's limit adds to the expected
net value (>= 0 for a cap, <= 0 for a floor), from the LP relaxation's duals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dimod
import numpy as np
import pandas as pd

from qseg.metrics import best_feasible
from qseg.problems.assignment import AssignmentProblem

PLAN_COLUMNS = ("customer_id", "subscription_type", "risk_tier", "churn_probability", "clv", "action_id",
                "action", "channel", "cost", "expected_value_retained", "expected_net_value")
CONSTRAINT_COLUMNS = ("constraint", "description", "parameter", "sense", "limit", "used", "slack",
                      "utilisation", "binding", "shadow_price")


def best_actions(problem: AssignmentProblem, sampleset: dimod.SampleSet, *, polish: bool = False) -> np.ndarray | None:
    """Return the action vector of the best feasible read (after the polish when asked), as the
    harness picks it: the feasible read with the best true objective; None when none is feasible."""
    reads = problem.evaluate_reads(sampleset)
    if polish:
        reads = problem.polish_reads(reads)
    best = best_feasible(reads.minimised, reads.feasible)
    return None if best is None else problem.actions_of(reads.states[best])[0]


def kpis(problem: AssignmentProblem, actions: np.ndarray) -> dict[str, Any]:
    """Return the plan's KPIs: expected net value, ROI (net value / spend), customers treated
    (count and share), spend and share of the budget, value retained, and the coverage of the
    high-risk and Premium groups."""
    actions = np.asarray(actions, dtype=int)
    summary = problem.summary(actions)
    treated = actions > 0
    premium = problem.segment == (problem.segment_names.index("Premium") if "Premium" in problem.segment_names else -1)
    budget = problem.settings.weekly_budget
    return {
        "customers": problem.size,
        "expected_net_value": summary["expected_net_value"],
        "roi": summary["roi"],
        "customers_treated": summary["treated"],
        "treated_share": summary["treated"] / problem.size,
        "spend": summary["spend"],
        "weekly_budget": budget,
        "budget_used_share": summary["spend"] / budget if budget > 0 else None,
        "value_retained": summary["value_retained"],
        "high_risk_treated": int(treated[problem.high_risk].sum()),
        "high_risk_customers": int(problem.high_risk.sum()),
        "premium_treated": int(treated[premium].sum()),
        "premium_customers": int(premium.sum()),
    }


def constraint_table(problem: AssignmentProblem, actions: np.ndarray,
                     shadow_prices: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Return one row per coupling constraint: limit, used, slack, utilisation (used / limit),
    binding (not one more unit fits) and the shadow price (None without LP duals)."""
    states = problem.states_from_actions(np.asarray(actions, dtype=int))
    used = problem.constraint_activity(states)[0]
    binding = problem.binding(states)[0]
    records = []
    for row, value, binds in zip(problem.rows, used, binding):
        slack = row.limit - value if row.sense == "<=" else value - row.limit
        price = None if shadow_prices is None or row.name not in shadow_prices else float(shadow_prices[row.name])
        records.append({
            "constraint": row.name, "description": row.description, "parameter": row.parameter,
            "sense": row.sense, "limit": row.limit, "used": float(value), "slack": float(slack),
            "utilisation": float(value / row.limit) if row.limit > 0 else None,
            "binding": bool(binds), "shadow_price": price,
        })
    return pd.DataFrame.from_records(records, columns=list(CONSTRAINT_COLUMNS))


def plan_table(problem: AssignmentProblem, actions: np.ndarray) -> pd.DataFrame:
    """Return the treatment plan, one row per customer: who, the action, its channel and cost,
    the expected value retained (p * u * v) and the expected net value (minus the cost)."""
    actions = np.asarray(actions, dtype=int)
    customers = problem.data.customers
    retained = problem.retained[np.arange(problem.size), actions]
    cost = problem.cost[actions]
    return pd.DataFrame({
        "customer_id": customers["customer_id"].to_numpy(),
        "subscription_type": customers["subscription_type"].to_numpy(),
        "risk_tier": customers["risk_tier"].to_numpy(),
        "churn_probability": problem.churn,
        "clv": problem.clv,
        "action_id": actions,
        "action": np.asarray(problem.action_names, dtype=object)[actions],
        "channel": problem.channel[actions],
        "cost": cost,
        "expected_value_retained": retained,
        "expected_net_value": retained - cost,
    }, columns=list(PLAN_COLUMNS))
