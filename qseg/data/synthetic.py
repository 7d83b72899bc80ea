"""The seed notebook's synthetic customers, reproduced draw for draw.

From one ``numpy.random.default_rng(seed)``, in this order: segment labels, 3 features around
four centres, cost, value, uplift. ``seed=2026, n=250`` is the named dataset ``seed-000``.
"""

from __future__ import annotations

from typing import TypedDict

import numpy as np
import pandas as pd

from qseg.errors import BadInputError


class SeedRecipe(TypedDict):
    """The seed notebook's instance: generator seed, customers, campaign budget ($), segments."""

    seed: int
    n: int
    budget: float
    k: int


SEED_000: SeedRecipe = {"seed": 2026, "n": 250, "budget": 2000.0, "k": 4}
CENTERS = np.array([[-2.0, 0.0, 1.0], [2.0, 1.0, -1.0], [0.0, -2.0, 0.5], [3.0, -2.0, 2.0]])


def synthetic_customers(n: int, seed: int) -> pd.DataFrame:
    """Return ``n`` customers drawn with the seed recipe: columns ``segment``, ``f1``..``f3``,
    ``cost``, ``value``, ``uplift`` and ``profit = uplift * value - cost``."""
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise BadInputError("size", n, "must be an integer >= 1")
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, size=n)
    features = CENTERS[labels] + rng.normal(0, 0.8, size=(n, 3))
    cost = rng.uniform(3, 20, n)
    value = rng.uniform(40, 200, n)
    uplift = rng.uniform(0.02, 0.20, n)
    return pd.DataFrame(
        {
            "segment": labels,
            "f1": features[:, 0],
            "f2": features[:, 1],
            "f3": features[:, 2],
            "cost": cost,
            "value": value,
            "uplift": uplift,
            "profit": uplift * value - cost,
        }
    )


def seed_000(size: int | None = None) -> pd.DataFrame:
    """Return the seed notebook's 250 customers, or the first ``size`` of them."""
    customers = synthetic_customers(SEED_000["n"], SEED_000["seed"])
    if size is None:
        return customers
    if not isinstance(size, (int, np.integer)) or not 1 <= size <= SEED_000["n"]:
        raise BadInputError("size", size, f"seed-000 has {SEED_000['n']} customers; use 1..250")
    return customers.iloc[:size].reset_index(drop=True)
