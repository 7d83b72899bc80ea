"""Exact feasibility check of the retention assignment model, with an explanation.

Costs, capacities and caps depend on the action, not on the customer, so the model is feasible
exactly when the fewest treated customers that meet every coverage floor can be given actions
within the budget, the channel capacities and the saturation cap:

1. Fewest treated customers: each segment s needs L_s = max(fairness floor, Premium floor for
   Premium) treated customers, high-risk ones first; the high-risk floor then needs
   D = max(0, F_H - sum_s min(L_s, |H ∩ s|)) more, always available because F_H <= |H|.
2. Cheapest treatments: actions k >= 1 by cost, each up to the saturation cap and what its
   channel's capacity has left (a laminar matroid, so this greedy gives the least cost of any m
   treatments and the most treatments there can be).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qseg.problems.assignment.rules import CouplingRow

BUDGET_RTOL = 1e-12


@dataclass(frozen=True)
class Floor:
    """A coverage floor: its constraint name, the customers it needs treated, its group size."""

    name: str
    required: int
    group: int


@dataclass(frozen=True)
class Infeasibility:
    """Why no assignment meets every constraint: the floors short of ``affordable`` treatments."""

    needed: int
    affordable: int
    short: list[tuple[str, int]]
    message: str


def coverage_floors(rows: Sequence[CouplingRow], num_actions: int) -> dict[str, Floor]:
    """Return the coverage floors among the coupling ``rows`` (constraint name -> required
    treated customers, group size)."""
    return {r.name: Floor(r.name, int(r.limit), r.columns.size // (num_actions - 1)) for r in rows if r.sense == ">="}


def fewest_treated(floors: dict[str, Floor], segment: np.ndarray, segment_names: tuple[str, ...],
                   high_risk: np.ndarray) -> int:
    """Return the fewest treated customers that meet every coverage floor."""
    total, high_risk_covered = 0, 0
    for code, name in enumerate(segment_names):
        need = max(_required(floors, f"min_segment_{name}"), _required(floors, "min_premium") if name == "Premium" else 0)
        total += need
        high_risk_covered += min(need, int(np.count_nonzero(high_risk & (segment == code))))
    return total + max(0, _required(floors, "min_high_risk") - high_risk_covered)


def treatment_slots(cost: np.ndarray, channel: np.ndarray, saturation_cap: int,
                    capacities: dict[str, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (actions, counts, costs) of the cheapest treatments: actions k >= 1 by cost, each
    taking up to the saturation cap and what is left of its channel's capacity."""
    left = dict(capacities)
    actions, counts = [], []
    for action in np.argsort(cost[1:], kind="stable") + 1:
        room = saturation_cap if channel[action] not in left else min(saturation_cap, left[channel[action]])
        if room > 0:
            actions.append(int(action))
            counts.append(room)
            if channel[action] in left:
                left[channel[action]] -= room
    actions_array = np.array(actions, dtype=int)
    return actions_array, np.array(counts, dtype=int), cost[actions_array]


def cheapest_cost(counts: np.ndarray, costs: np.ndarray, treated: int) -> float:
    """Return the least spend on ``treated`` treatments from the slots (inf when too many)."""
    if treated > counts.sum():
        return float("inf")
    taken = np.minimum(counts, np.maximum(0, treated - np.concatenate([[0], np.cumsum(counts)[:-1]])))
    return float(taken @ costs)


def most_affordable(counts: np.ndarray, costs: np.ndarray, budget: float) -> int:
    """Return the most treatments the slots allow within ``budget``."""
    affordable, left = 0, budget * (1 + BUDGET_RTOL)
    for count, unit in zip(counts, costs):
        take = int(count) if unit <= 0 else min(int(count), int(np.floor(left / unit + 1e-9)))
        affordable += take
        left -= take * unit
        if take < count:
            break
    return affordable


def check(floors: dict[str, Floor], needed: int, slots: tuple[np.ndarray, np.ndarray, np.ndarray],
          budget: float, action_names: list[str], limits: str) -> Infeasibility | None:
    """Return why the floors cannot be met (None when the model is feasible)."""
    actions, counts, costs = slots
    affordable = most_affordable(counts, costs, budget)
    if needed <= affordable:
        return None
    capacity = int(counts.sum())
    short = sorted(((f.name, f.required - affordable) for f in floors.values() if f.required > affordable),
                   key=lambda item: -item[1])
    listing = ", ".join(f"{f.name} {f.required} of {f.group}" for f in floors.values() if f.required > 0)
    reasons = []
    if needed > capacity:
        reasons.append(f"{limits} allow at most {capacity} treatments")
    if affordable < min(needed, capacity):
        wanted = min(needed, capacity)
        before = np.concatenate([[0], np.cumsum(counts)[:-1]])
        used = np.minimum(counts, np.maximum(0, wanted - before))
        cheapest = " + ".join(f"{n} x {action_names[a]} (${c:g})" for a, n, c in zip(actions, used, costs) if n)
        reasons.append(f"weekly_budget={budget:g} pays for at most {affordable} (the cheapest {wanted} treatments "
                       f"the caps allow, {cheapest}, cost ${cheapest_cost(counts, costs, wanted):g})")
    reason = " and ".join(reasons)
    if short:
        verdict = "; ".join(f"{name} cannot be met by {gap} customer{'s' if gap != 1 else ''}" for name, gap in short)
    else:
        verdict = f"the floors together cannot be met by {needed - affordable} customers"
    message = f"the coverage floors need at least {needed} treated customers ({listing}), but {reason}: {verdict}"
    return Infeasibility(needed, affordable, short, message)


def _required(floors: dict[str, Floor], name: str) -> int:
    return floors[name].required if name in floors else 0
