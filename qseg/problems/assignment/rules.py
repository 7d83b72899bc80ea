"""The retention memo's rules: parameters (memo names and defaults), exact integer floors and caps,
the coupling rows of the assignment model, and the feasibility check that explains conflicts.

Floors are ``ceil(rate * count)`` and caps ``floor(rate * count)`` on exact rationals (the rate
is read as the decimal the user wrote: ``Fraction("0.6") * 98 = 58.8`` gives 59, and ``0.7 * 10``
gives exactly 7, where float arithmetic gives 7.000000000000001 and a wrong ceiling of 8).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from qseg.errors import BadInputError

MEMO_CUSTOMERS = 250
RATE_DEFAULTS = {
    "min_high_risk_pct": "0.60",
    "min_premium_pct": "0.40",
    "max_action_pct": "0.50",
    "min_segment_coverage_pct": "0.15",
}
# Absolute limits are per MEMO_CUSTOMERS customers and scale with the instance unless set.
ABSOLUTE_DEFAULTS = {"weekly_budget": 150, "email_capacity": 120, "push_capacity": 100}
SETTING_NAMES = tuple(ABSOLUTE_DEFAULTS) + tuple(RATE_DEFAULTS)
PREMIUM = "Premium"
CHANNEL_OF_CAPACITY = {"email_capacity": "email", "push_capacity": "in-app-push"}


@dataclass(frozen=True)
class Settings:
    """The memo's parameters after defaults, scaling and validation."""

    weekly_budget: float
    email_capacity: int
    push_capacity: int
    min_high_risk_pct: Fraction
    min_premium_pct: Fraction
    max_action_pct: Fraction
    min_segment_coverage_pct: Fraction

    def as_dict(self) -> dict[str, float]:
        """Return every parameter as a plain number (rates as floats)."""
        return {name: float(getattr(self, name)) for name in SETTING_NAMES}


def settings_from(params: Mapping[str, Any], num_customers: int) -> Settings:
    """Return the settings from ``--set`` values (strings or numbers) over the memo's defaults;
    absolute defaults scale by ``num_customers / 250``. Raises BadInputError naming the key."""
    scale = Fraction(num_customers, MEMO_CUSTOMERS)
    budget = (_number("weekly_budget", params["weekly_budget"]) if "weekly_budget" in params
              else float(ABSOLUTE_DEFAULTS["weekly_budget"] * scale))
    capacities = {
        name: _whole(name, params[name]) if name in params else math.floor(ABSOLUTE_DEFAULTS[name] * scale)
        for name in CHANNEL_OF_CAPACITY
    }
    rates = {name: rate(name, params.get(name, default)) for name, default in RATE_DEFAULTS.items()}
    return Settings(budget, capacities["email_capacity"], capacities["push_capacity"], **rates)


def rate(name: str, value: Any) -> Fraction:
    """Return ``value`` as an exact fraction in [0, 1] (the decimal as written), or raise."""
    try:
        exact = value if isinstance(value, Fraction) else Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        raise BadInputError(name, value, "expected a rate in [0, 1]") from None
    if not 0 <= exact <= 1:
        raise BadInputError(name, value, "must be within [0, 1]")
    return exact


def floor_count(fraction: Fraction, count: int) -> int:
    """Return ceil(fraction * count) computed exactly: the smallest whole count meeting the floor."""
    return math.ceil(fraction * count)


def cap_count(fraction: Fraction, count: int) -> int:
    """Return floor(fraction * count) computed exactly: the largest whole count within the cap."""
    return math.floor(fraction * count)


def _number(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise BadInputError(name, value, "expected a number") from None
    if not math.isfinite(number) or number < 0:
        raise BadInputError(name, value, "must be a finite number >= 0")
    return number


def _whole(name: str, value: Any) -> int:
    number = _number(name, value)
    if not number.is_integer():
        raise BadInputError(name, value, "expected a whole number of messages")
    return int(number)


@dataclass(frozen=True)
class CouplingRow:
    """One named constraint besides the one-hot rows: ``sum coefficients * x[columns] sense limit``
    over flat variable indices ``i * K + k``."""

    name: str
    sense: str
    limit: float
    columns: np.ndarray
    coefficients: np.ndarray
    parameter: str
    description: str


def coupling_rows(
    settings: Settings, segment: np.ndarray, segment_names: tuple[str, ...], high_risk: np.ndarray,
    cost: np.ndarray, channel: np.ndarray,
) -> list[CouplingRow]:
    """Return the budget, channel capacity, coverage floor, saturation cap and fairness rows.

    Coverage rows count treated customers (any action k >= 1). Rows over no variable (no
    high-risk or no Premium customer, no action in a channel) are left out: they hold trivially.
    """
    n, k = len(segment), len(cost)
    everyone = np.arange(n)

    def row(name: str, sense: str, limit: float, customers: np.ndarray, actions: np.ndarray,
            parameter: str, description: str, weights: np.ndarray | None = None) -> CouplingRow:
        columns = (customers[:, None] * k + actions[None, :]).ravel()
        coefficients = np.ones(columns.size) if weights is None else np.tile(weights[actions], customers.size)
        return CouplingRow(name, sense, float(limit), columns, coefficients, parameter, description)

    rows = [row("budget", "<=", settings.weekly_budget, everyone, np.flatnonzero(cost > 0), "weekly_budget",
                "spend ($)", cost)]
    for parameter, name in CHANNEL_OF_CAPACITY.items():
        actions = np.flatnonzero(channel == name)
        if actions.size:
            rows.append(row(parameter, "<=", getattr(settings, parameter), everyone, actions, parameter,
                            f"{name} messages"))
    treated = np.arange(1, k)
    premium = segment_names.index(PREMIUM) if PREMIUM in segment_names else -1
    floors = [
        ("min_high_risk", np.flatnonzero(high_risk), settings.min_high_risk_pct, "min_high_risk_pct", "high-risk"),
        ("min_premium", np.flatnonzero(segment == premium), settings.min_premium_pct, "min_premium_pct", "Premium"),
    ]
    for name, members, fraction, parameter, who in floors:
        if members.size:
            rows.append(row(name, ">=", floor_count(fraction, members.size), members, treated, parameter,
                            f"{who} customers treated (of {members.size})"))
    cap = cap_count(settings.max_action_pct, n)
    for action in treated:
        rows.append(row(f"max_action_{action}", "<=", cap, everyone, np.array([action]), "max_action_pct",
                        f"customers given action {action} (of {n})"))
    for code, name in enumerate(segment_names):
        members = np.flatnonzero(segment == code)
        if members.size:
            rows.append(row(f"min_segment_{name}", ">=", floor_count(settings.min_segment_coverage_pct, members.size),
                            members, treated, "min_segment_coverage_pct",
                            f"{name} customers treated (of {members.size})"))
    return rows
