"""CQMs of the retention action-assignment's shape, for the MIP backends' tests and benchmarks.

Customers ``i`` choose exactly one of ``K`` options (``k = 0`` is "no action": $0, no uplift);
maximise ``sum (p_i u_k v_i - c_k) x_ik`` (stated as minimising its negative) subject to a
budget, email and push capacities, high-risk and premium coverage floors, a per-action
saturation cap and per-segment fairness floors (docs/architecture.md §4). The data follow the retention memo's
ranges (churn 0.005-0.998, CLV $120-480, costs $0-30); the catalogue is this module's own, so
that the backends can be tested before, and independently of, ``qseg.problem("assignment")``.
"""

from __future__ import annotations

import math

import dimod
import numpy as np

# k: 0 none, 1-2 and 7 email, 3-4 other (discount, call), 5-6 in-app/push.
ACTION_COST = np.array([0.0, 0.25, 1.0, 20.0, 30.0, 0.1, 0.5, 8.0])
ACTION_UPLIFT = np.array([0.0, 0.02, 0.05, 0.15, 0.25, 0.01, 0.03, 0.10])
EMAIL_ACTIONS, PUSH_ACTIONS = (1, 2, 7), (5, 6)
NUM_SEGMENTS = 4  # segment 0 is "Premium"


def assignment_shaped_cqm(
    num_customers: int,
    seed: int = 0,
    *,
    budget_per_250: float = 150.0,
    email_per_250: float = 120.0,
    push_per_250: float = 100.0,
    alpha: float = 0.6,
    beta: float = 0.4,
    gamma: float = 0.5,
    delta: float = 0.15,
    labels: str = "int",
) -> dimod.ConstrainedQuadraticModel:
    """Return a linear CQM with ``num_customers`` one-hot rows of 8 binaries and 17 coupling rows.

    ``labels="int"`` labels x_ik as ``i*8 + k`` (fast to build); ``labels="str"`` as ``"x_i_k"``.
    Capacities scale with ``num_customers / 250``; floors are exact integers (ceil/floor).
    """
    n, k = num_customers, len(ACTION_COST)
    rng = np.random.default_rng(seed)
    churn = rng.uniform(0.005, 0.998, n)
    clv = rng.uniform(120.0, 480.0, n)
    segment = rng.integers(0, NUM_SEGMENTS, n)
    high_risk = churn > 0.6
    gain = churn[:, None] * ACTION_UPLIFT[None, :] * clv[:, None] - ACTION_COST[None, :]

    index = np.arange(n * k).reshape(n, k)
    names = list(range(n * k)) if labels == "int" else [f"x_{i}_{a}" for i in range(n) for a in range(k)]
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.add_variables("BINARY", names)
    objective = dimod.BinaryQuadraticModel.from_numpy_vectors(
        (-gain).ravel(), ([], [], []), 0.0, dimod.BINARY, variable_order=names
    )
    cqm.set_objective(objective)
    for i in range(n):
        cqm.add_constraint_from_iterable(((names[j], 1.0) for j in index[i]), "==", 1.0, label=f"one_{i}")
    scale = n / 250.0

    def add_row(columns: np.ndarray, coefficients: np.ndarray, sense: str, rhs: float, label: str) -> None:
        model = dimod.BinaryQuadraticModel.from_numpy_vectors(
            np.asarray(coefficients, float), ([], [], []), 0.0, dimod.BINARY,
            variable_order=[names[j] for j in columns],
        )
        cqm.add_constraint_from_model(model, sense, rhs, label=label, copy=False)

    actions = np.arange(1, k)
    add_row(index[:, actions].ravel(), np.tile(ACTION_COST[actions], n), "<=", budget_per_250 * scale, "budget")
    add_row(index[:, list(EMAIL_ACTIONS)].ravel(), np.ones(n * 3), "<=", math.floor(email_per_250 * scale), "email")
    add_row(index[:, list(PUSH_ACTIONS)].ravel(), np.ones(n * 2), "<=", math.floor(push_per_250 * scale), "push")
    for name, members, share in (("high_risk", high_risk, alpha), ("premium", segment == 0, beta)):
        chosen = index[members][:, actions].ravel()
        add_row(chosen, np.ones(len(chosen)), ">=", math.ceil(share * members.sum()), f"coverage_{name}")
    for a in actions:
        add_row(index[:, a], np.ones(n), "<=", math.floor(gamma * n), f"saturation_{a}")
    for s in range(NUM_SEGMENTS):
        chosen = index[segment == s][:, actions].ravel()
        add_row(chosen, np.ones(len(chosen)), ">=", math.ceil(delta * (segment == s).sum()), f"fairness_{s}")
    return cqm
