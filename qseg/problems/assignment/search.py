"""Classical heuristics for the retention assignment: the greedy baseline and the polish of
sampled plans (repair to feasibility, then improving single-customer moves).

Both work on action vectors (one action id per customer) and keep running usage counts of every
coupling row, so each move is checked in O(rows) without re-evaluating the plan.
"""

from __future__ import annotations

import numpy as np

from qseg.problems.assignment.arrays import AssignmentArrays, constraint_activity, states_from_actions
from qseg.problems.base import FEASIBILITY_TOLERANCE


class _Usage:
    """Running left-hand sides of the coupling rows for one action vector."""

    def __init__(self, arrays: AssignmentArrays, actions: np.ndarray) -> None:
        self.actions = np.asarray(actions, dtype=int).copy()
        self.limits = np.array([r.limit for r in arrays.rows])
        self.upper = np.array([r.sense == "<=" for r in arrays.rows])
        k = arrays.num_actions
        # coefficient of customer i's action a in row r is member[r, i] * per_action[r, a]
        self.per_action = np.zeros((len(arrays.rows), k))
        self.member = np.zeros((len(arrays.rows), arrays.size), dtype=bool)
        for index, row in enumerate(arrays.rows):
            customers, actions_in_row = np.divmod(row.columns, k)
            self.member[index, customers] = True
            self.per_action[index, actions_in_row] = row.coefficients
        states = states_from_actions(self.actions, arrays.size, arrays.num_actions)
        self.used = constraint_activity(arrays.coupling, states)[0]

    def delta(self, customer: int, action: int) -> np.ndarray:
        """Return the change of every row's left-hand side if ``customer`` switches to ``action``."""
        column = self.member[:, customer]
        return column * (self.per_action[:, action] - self.per_action[:, self.actions[customer]])

    def allows(self, change: np.ndarray, *, floors_too: bool = True) -> bool:
        """Return whether the rows stay satisfied after ``change`` (caps always, floors when asked;
        a row already violated may not get worse)."""
        after = self.used + change
        tol = FEASIBILITY_TOLERANCE
        caps_ok = np.all(~self.upper | (after <= self.limits + tol) | (change <= 0))
        floors_ok = not floors_too or np.all(self.upper | (after >= self.limits - tol) | (change >= 0))
        return bool(caps_ok and floors_ok)

    def apply(self, customer: int, action: int, change: np.ndarray) -> None:
        """Switch ``customer`` to ``action`` (``change`` from ``delta``)."""
        self.used += change
        self.actions[customer] = action

    def violated(self) -> np.ndarray:
        """Return which rows are violated now."""
        tol = FEASIBILITY_TOLERANCE
        return np.asarray(np.where(self.upper, self.used > self.limits + tol, self.used < self.limits - tol), dtype=bool)


def greedy_actions(arrays: AssignmentArrays) -> np.ndarray:
    """Return the greedy plan: first the fewest customers that meet the coverage floors, given
    the cheapest treatments the caps allow (more valuable customers get the stronger of them);
    then, for untreated customers, the actions with positive net value in order of net value per
    dollar while they fit every row."""
    usage = _Usage(arrays, np.zeros(arrays.size, dtype=int))
    chosen = _floor_customers(arrays)
    slot_actions, counts, _ = arrays.slots
    treatments = np.repeat(slot_actions, counts)[: chosen.size]
    treatments = treatments[np.argsort(-arrays.uplift[treatments], kind="stable")]
    value = arrays.value
    for customer, action in zip(chosen[np.argsort(-value[chosen], kind="stable")], treatments):
        usage.apply(int(customer), int(action), usage.delta(int(customer), int(action)))
    _add_by_ratio(arrays, usage)
    return usage.actions


def _floor_customers(arrays: AssignmentArrays) -> np.ndarray:
    """Return the fewest customers meeting every floor: per segment its floor, high-risk and
    valuable customers first, then the most valuable remaining high-risk customers."""
    floors = arrays.floors
    value = arrays.value
    picked: list[np.ndarray] = []
    for code, name in enumerate(arrays.segment_names):
        need = max(floors[f"min_segment_{name}"].required if f"min_segment_{name}" in floors else 0,
                   floors["min_premium"].required if name == "Premium" and "min_premium" in floors else 0)
        members = np.flatnonzero(arrays.segment == code)
        order = members[np.lexsort((-value[members], ~arrays.high_risk[members]))]
        picked.append(order[:need])
    chosen = np.concatenate(picked) if picked else np.array([], dtype=int)
    missing = (floors["min_high_risk"].required if "min_high_risk" in floors else 0) - int(arrays.high_risk[chosen].sum())
    if missing > 0:
        spare = np.setdiff1d(np.flatnonzero(arrays.high_risk), chosen)
        chosen = np.concatenate([chosen, spare[np.argsort(-value[spare], kind="stable")][:missing]])
    return chosen.astype(int)


def _add_by_ratio(arrays: AssignmentArrays, usage: _Usage) -> None:
    """Give untreated customers their positive-value actions by value per dollar while they fit."""
    untreated = np.flatnonzero(usage.actions == 0)
    weights = arrays.weights[untreated, 1:]
    customers, actions = np.nonzero(weights > 0)
    if customers.size == 0:
        return
    gain = weights[customers, actions]
    cost = arrays.cost[actions + 1]
    ratio = np.where(cost > 0, gain / np.where(cost > 0, cost, 1.0), np.inf)
    for index in np.lexsort((-gain, -ratio)):
        customer, action = int(untreated[customers[index]]), int(actions[index] + 1)
        if usage.actions[customer] != 0:
            continue
        change = usage.delta(customer, action)
        if usage.allows(change):
            usage.apply(customer, action, change)


def polish_actions(arrays: AssignmentArrays, actions: np.ndarray) -> np.ndarray:
    """Return a sampled plan repaired and improved: rows that are not one-hot become "no action";
    while a cap is exceeded the treatment with the least net value among those it counts is
    dropped; unmet floors get the cheapest treatment that fits, for their most valuable untreated
    members; then single-customer switches that raise the net value and keep every row satisfied
    are made, best first, until none is left."""
    usage = _Usage(arrays, np.where(np.asarray(actions) < 0, 0, actions))
    _repair_caps(arrays, usage)
    _repair_floors(arrays, usage)
    _improve(arrays, usage)
    return usage.actions


def _repair_caps(arrays: AssignmentArrays, usage: _Usage) -> None:
    rows = np.arange(len(arrays.rows))
    while True:
        broken = rows[usage.violated() & usage.upper]
        if broken.size == 0:
            return
        treated = np.flatnonzero(usage.actions > 0)
        counts = usage.member[broken][:, treated] & (usage.per_action[broken][:, usage.actions[treated]] > 0)
        candidates = treated[counts.any(axis=0)]
        worst = candidates[np.argmin(arrays.weights[candidates, usage.actions[candidates]])]
        usage.apply(int(worst), 0, usage.delta(int(worst), 0))


def _repair_floors(arrays: AssignmentArrays, usage: _Usage) -> None:
    """Treat the most valuable untreated members of each unmet floor with the cheapest action
    that fits; when none fits, first downgrade the costliest treatment to a cheaper action, else
    drop the least valuable treatment outside the floor's group that no other floor needs."""
    value = arrays.value
    by_cost = np.argsort(arrays.cost[1:], kind="stable") + 1
    for index in np.flatnonzero(usage.violated() & ~usage.upper):
        members = np.flatnonzero(usage.member[index] & (usage.actions == 0))
        for customer in members[np.argsort(-value[members], kind="stable")]:
            if usage.used[index] >= usage.limits[index] - FEASIBILITY_TOLERANCE:
                break
            while not _treat_cheapest(usage, int(customer), by_cost):
                if not (_downgrade_one(arrays, usage, by_cost) or _drop_one(arrays, usage, int(index))):
                    return


def _downgrade_one(arrays: AssignmentArrays, usage: _Usage, by_cost: np.ndarray) -> bool:
    """Switch the costliest treatment that can be to a cheaper action (still treated)."""
    treated = np.flatnonzero(usage.actions > 0)
    for customer in treated[np.argsort(-arrays.cost[usage.actions[treated]], kind="stable")]:
        current = arrays.cost[usage.actions[customer]]
        for action in by_cost:
            if arrays.cost[action] >= current:
                break
            change = usage.delta(int(customer), int(action))
            if usage.allows(change):
                usage.apply(int(customer), int(action), change)
                return True
    return False


def _drop_one(arrays: AssignmentArrays, usage: _Usage, floor: int) -> bool:
    """Drop the least valuable treatment outside the floor's group that no other floor needs."""
    donors = np.flatnonzero((usage.actions > 0) & ~usage.member[floor])
    for donor in donors[np.argsort(arrays.weights[donors, usage.actions[donors]], kind="stable")]:
        change = usage.delta(int(donor), 0)
        if usage.allows(change):
            usage.apply(int(donor), 0, change)
            return True
    return False


def _treat_cheapest(usage: _Usage, customer: int, by_cost: np.ndarray) -> bool:
    for action in by_cost:
        change = usage.delta(customer, int(action))
        if usage.allows(change, floors_too=False):
            usage.apply(customer, int(action), change)
            return True
    return False


def _improve(arrays: AssignmentArrays, usage: _Usage, max_rounds: int = 50) -> None:
    if usage.violated().any():
        return
    for _ in range(max_rounds):
        current = arrays.weights[np.arange(arrays.size), usage.actions]
        gains = arrays.weights - current[:, None]
        customers, actions = np.nonzero(gains > 1e-12)
        improved = False
        for index in np.argsort(-gains[customers, actions], kind="stable"):
            customer, action = int(customers[index]), int(actions[index])
            if arrays.weights[customer, action] - arrays.weights[customer, usage.actions[customer]] <= 1e-12:
                continue
            change = usage.delta(customer, action)
            if usage.allows(change):
                usage.apply(customer, action, change)
                improved = True
        if not improved:
            return
