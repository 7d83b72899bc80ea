"""Retention memo data: customers (churn probability, CLV, subscription type) and an action
catalogue (channel, cost, uplift), generated from a seed or read from two CSV files.

Customers CSV columns: ``customer_id``, ``churn_probability`` (in [0, 1]), ``clv`` (>= 0, $),
``subscription_type`` (Premium, Family, Student or Free). Actions CSV columns: ``action_id``
(0..K-1, row 0 is "no action": channel ``none``, cost 0, uplift 0), ``action_name``, ``channel``
(``email``, ``in-app-push`` or ``other``), ``cost`` (>= 0, $), ``uplift`` (in [0, 1]). A
customer's risk tier is derived: ``high`` when the churn probability exceeds 0.5, else ``low``.

The generator draws, from one ``numpy.random.default_rng(seed)`` in this order: subscription
type (uniform over the four), churn probability ``0.005 + 0.993 * Beta(0.8, 0.8)`` rounded to
4 decimals, CLV uniform within the subscription type's range (all within $120-480) rounded to
cents. The named dataset ``retention`` is the generator at seed 2025 with 250 customers (the
memo's sample size); ``--size N`` takes its first N customers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

import numpy as np
import pandas as pd

from qseg.errors import BadInputError
from qseg.files import header_names, read_csv

SUBSCRIPTION_TYPES = ("Premium", "Family", "Student", "Free")
CHANNELS = ("email", "in-app-push", "other")
NO_ACTION_CHANNEL = "none"
CUSTOMER_COLUMNS = ("customer_id", "churn_probability", "clv", "subscription_type")
ACTION_COLUMNS = ("action_id", "action_name", "channel", "cost", "uplift")
HIGH_RISK_THRESHOLD = 0.5


class RetentionRecipe(TypedDict):
    """The named retention dataset: its name, generator seed and number of customers."""

    name: str
    seed: int
    n: int


RETENTION_DATASET: RetentionRecipe = {"name": "retention", "seed": 2025, "n": 250}
CUSTOMERS_FILE, ACTIONS_FILE = "customers.csv", "actions.csv"

# CLV range ($) per subscription type, in SUBSCRIPTION_TYPES order.
CLV_RANGES = np.array([[240.0, 480.0], [200.0, 440.0], [120.0, 260.0], [120.0, 220.0]])

# The memo's catalogue layout (docs/architecture.md §8): email k in {1, 2, 7}, in-app/push {5, 6}, other {3, 4}.
DEFAULT_ACTIONS = (
    (0, "No Action", NO_ACTION_CHANNEL, 0.0, 0.00),
    (1, "Personalized Email", "email", 1.0, 0.07),
    (2, "20% Discount Offer", "email", 20.0, 0.15),
    (3, "Premium Trial", "other", 10.0, 0.20),
    (4, "Family Plan Upgrade", "other", 15.0, 0.18),
    (5, "In-App Personalized Offer", "in-app-push", 2.0, 0.09),
    (6, "Push Notification Reminder", "in-app-push", 1.0, 0.05),
    (7, "Win-Back Email Series", "email", 30.0, 0.25),
)


@dataclass(frozen=True)
class RetentionData:
    """Validated customers and actions (columns as in the module docstring, plus ``risk_tier``)."""

    customers: pd.DataFrame
    actions: pd.DataFrame
    name: str


def default_actions() -> pd.DataFrame:
    """Return the memo's 8-action catalogue."""
    return pd.DataFrame(DEFAULT_ACTIONS, columns=list(ACTION_COLUMNS))


def generate_customers(n: int, seed: int) -> pd.DataFrame:
    """Return ``n`` customers drawn with the recipe in the module docstring (ids 1..n)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise BadInputError("size", n, "must be an integer >= 1")
    rng = np.random.default_rng(seed)
    segment = rng.integers(0, len(SUBSCRIPTION_TYPES), size=n)
    churn = np.round(0.005 + 0.993 * rng.beta(0.8, 0.8, size=n), 4)
    low, high = CLV_RANGES[segment, 0], CLV_RANGES[segment, 1]
    clv = np.round(rng.uniform(low, high), 2)
    return pd.DataFrame({
        "customer_id": np.arange(1, n + 1),
        "churn_probability": churn,
        "clv": clv,
        "subscription_type": np.asarray(SUBSCRIPTION_TYPES, dtype=object)[segment],
    })


def retention_dataset(size: int | None = None) -> pd.DataFrame:
    """Return the named dataset's 250 customers, or the first ``size`` of them."""
    n = RETENTION_DATASET["n"]
    customers = generate_customers(n, RETENTION_DATASET["seed"])
    if size is None:
        return customers
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 1 <= size <= n:
        raise BadInputError("size", size, f"the retention dataset has {n} customers; use 1..{n}")
    return customers.iloc[:size].reset_index(drop=True)


def check_customers(frame: pd.DataFrame, source: str = "customers") -> pd.DataFrame:
    """Return the customers with validated columns and a derived ``risk_tier``.

    Raises BadInputError naming the column (with the row) and the value for a missing column, a
    duplicate id, a churn probability outside [0, 1], a negative CLV or an unknown type.
    """
    _require_columns(frame, CUSTOMER_COLUMNS, source)
    if len(frame) == 0:
        raise BadInputError(source, "0 rows", "needs at least one customer")
    ids = frame["customer_id"]
    duplicated = ids[ids.duplicated()]
    if len(duplicated):
        raise BadInputError("customer_id", duplicated.iloc[0], "duplicate customer id")
    churn = _numbers(frame, "churn_probability")
    _within(frame, "churn_probability", churn, 0.0, 1.0)
    clv = _numbers(frame, "clv")
    _within(frame, "clv", clv, 0.0, np.inf)
    types = frame["subscription_type"].astype(str).str.strip()
    unknown = np.flatnonzero(~types.isin(SUBSCRIPTION_TYPES).to_numpy())
    if unknown.size:
        row = unknown[0]
        raise BadInputError(f"subscription_type[{row}]", frame["subscription_type"].iloc[row],
                            f"unknown subscription type; known: {', '.join(SUBSCRIPTION_TYPES)}")
    return pd.DataFrame({
        "customer_id": ids.to_numpy(),
        "churn_probability": churn,
        "clv": clv,
        "subscription_type": types.to_numpy(dtype=object),
        "risk_tier": np.where(churn > HIGH_RISK_THRESHOLD, "high", "low"),
    })


def check_actions(frame: pd.DataFrame, source: str = "actions") -> pd.DataFrame:
    """Return the action catalogue sorted by ``action_id`` after validation.

    Raises BadInputError naming the column (with the row) and the value for a missing column,
    ids other than 0..K-1, a negative cost, an uplift outside [0, 1], an unknown channel, or a
    row 0 that is not "no action" (channel none, cost 0, uplift 0).
    """
    _require_columns(frame, ACTION_COLUMNS, source)
    if len(frame) < 2:
        raise BadInputError(source, f"{len(frame)} rows", "needs no action (id 0) and at least one action")
    ids = pd.to_numeric(frame["action_id"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    expected = np.arange(len(frame))
    if not np.array_equal(np.sort(ids), expected):
        raise BadInputError("action_id", frame["action_id"].tolist(), f"must be 0..{len(frame) - 1}, each once")
    frame = frame.iloc[np.argsort(ids, kind="stable")].reset_index(drop=True)
    cost = _numbers(frame, "cost")
    _within(frame, "cost", cost, 0.0, np.inf)
    uplift = _numbers(frame, "uplift")
    _within(frame, "uplift", uplift, 0.0, 1.0)
    channel = frame["channel"].astype(str).str.strip().to_numpy(dtype=object)
    for row in range(1, len(frame)):
        if channel[row] not in CHANNELS:
            raise BadInputError(f"channel[{row}]", frame["channel"].iloc[row], f"unknown channel; known: {', '.join(CHANNELS)}")
    if channel[0] != NO_ACTION_CHANNEL or cost[0] != 0 or uplift[0] != 0:
        raise BadInputError("action_id", 0, "action 0 must be 'no action': channel none, cost 0, uplift 0")
    return pd.DataFrame({
        "action_id": expected,
        "action_name": frame["action_name"].astype(str).to_numpy(dtype=object),
        "channel": channel,
        "cost": cost,
        "uplift": uplift,
    })


def load_actions(path: Path) -> pd.DataFrame:
    """Return the validated action catalogue in the CSV at ``path``."""
    return check_actions(_read_csv(path), path.name)


def load_retention_source(source: Path, actions_path: Path | None = None) -> RetentionData:
    """Return validated data from a folder (``customers.csv``, optional ``actions.csv``) or a
    customers CSV; ``actions_path`` overrides the catalogue (default: the memo's).

    Raises BadInputError naming ``data`` when the source does not exist.
    """
    if source.is_dir():
        customers_path = source / CUSTOMERS_FILE
        if not customers_path.is_file():
            raise BadInputError("data", str(source), f"folder has no {CUSTOMERS_FILE}")
        if actions_path is None and (source / ACTIONS_FILE).is_file():
            actions_path = source / ACTIONS_FILE
        name = source.resolve().name
    elif source.is_file():
        customers_path, name = source, source.stem
    else:
        raise BadInputError("data", str(source), "no such dataset (retention), folder or customers CSV")
    customers = check_customers(_read_csv(customers_path), customers_path.name)
    actions = load_actions(actions_path) if actions_path else check_actions(default_actions())
    return RetentionData(customers, actions, name)


def save_retention(data: RetentionData, folder: Path) -> tuple[Path, Path]:
    """Write ``customers.csv`` and ``actions.csv`` into ``folder``; return both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    customers_path, actions_path = folder / CUSTOMERS_FILE, folder / ACTIONS_FILE
    data.customers[list(CUSTOMER_COLUMNS)].to_csv(customers_path, index=False)
    data.actions[list(ACTION_COLUMNS)].to_csv(actions_path, index=False)
    return customers_path, actions_path


def _read_csv(path: Path) -> pd.DataFrame:
    frame: pd.DataFrame = read_csv("data", path, skipinitialspace=True)
    return frame


def _require_columns(frame: pd.DataFrame, columns: tuple[str, ...], source: str) -> None:
    header_names(f"{source} columns", source, frame.columns)  # two names differing only by blanks
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise BadInputError(f"{source} column", missing[0], f"missing; required columns: {', '.join(columns)}")


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    values: np.ndarray = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise BadInputError(f"{column}[{bad[0]}]", frame[column].iloc[bad[0]], "must be a finite number")
    return values


def _within(frame: pd.DataFrame, column: str, values: np.ndarray, low: float, high: float) -> None:
    bad = np.flatnonzero((values < low) | (values > high))
    if bad.size:
        span = f"must be >= {low:g}" if np.isinf(high) else f"must be within [{low:g}, {high:g}]"
        raise BadInputError(f"{column}[{bad[0]}]", frame[column].iloc[bad[0]], span)
