"""Small seeded models for the conformance checks, with brute-force optima."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import dimod
import numpy as np


def random_bqm(num_variables: int, seed: int, vartype: str = "BINARY") -> dimod.BinaryQuadraticModel:
    """Return a dense random BQM with integer-valued biases in [-5, 5], string labels."""
    rng = np.random.default_rng(seed)
    linear = {f"v{i}": float(rng.integers(-5, 6)) for i in range(num_variables)}
    quadratic = {
        (f"v{i}", f"v{j}"): float(rng.integers(-5, 6))
        for i in range(num_variables)
        for j in range(i + 1, num_variables)
    }
    return dimod.BinaryQuadraticModel(linear, quadratic, float(rng.integers(-3, 4)), vartype)


def random_cqm(num_variables: int, seed: int) -> dimod.ConstrainedQuadraticModel:
    """Return a feasible random binary CQM: linear objective with a few products, one <=, one
    >= and one == constraint, all satisfied by a hidden random state."""
    rng = np.random.default_rng(seed)
    x = [dimod.Binary(f"x{i}") for i in range(num_variables)]
    hidden = rng.integers(0, 2, num_variables)
    cqm = dimod.ConstrainedQuadraticModel()
    objective = dimod.quicksum(float(rng.integers(-9, 10)) * xi for xi in x)
    for _ in range(3):
        i, j = rng.choice(num_variables, 2, replace=False)
        objective += float(rng.integers(-9, 10)) * x[i] * x[j]
    cqm.set_objective(objective)
    weights = rng.integers(1, 10, num_variables)
    used = int(weights @ hidden)
    cqm.add_constraint(dimod.quicksum(int(w) * xi for w, xi in zip(weights, x)) <= used + 3, label="cap")
    floor_weights = rng.integers(0, 4, num_variables)
    cqm.add_constraint(
        dimod.quicksum(int(w) * xi for w, xi in zip(floor_weights, x)) >= int(floor_weights @ hidden),
        label="floor",
    )
    pair = rng.choice(num_variables, 2, replace=False)
    cqm.add_constraint(x[pair[0]] + x[pair[1]] == int(hidden[pair].sum()), label="pair")
    return cqm


def random_nl(num_variables: int, seed: int) -> Any:
    """Return a small random knapsack as a locked ``dwave.optimization`` model: maximise value
    (as minimising its negative) over a binary vector under one capacity constraint."""
    from dwave.optimization.model import Model  # the class ``dwave.optimization.Model`` re-exports

    rng = np.random.default_rng(seed)
    weights = rng.integers(1, 10, num_variables).astype(float)
    model = Model()
    chosen = model.binary(num_variables)
    model.add_constraint((chosen * model.constant(weights)).sum() <= model.constant(float(weights.sum() // 2)))
    model.minimize(-(chosen * model.constant(rng.integers(1, 10, num_variables).astype(float))).sum())
    model.lock()
    return model


def model_variables(model: Any) -> Sequence[Hashable]:
    """Return the variable labels (a list) a SampleSet for ``model`` must cover (indicator
    columns for a NL model)."""
    if isinstance(model, (dimod.BinaryQuadraticModel, dimod.ConstrainedQuadraticModel)):
        return list(model.variables)
    from qseg.backends.nl import nl_variables

    return nl_variables(model)


def brute_force_minimum(model: dimod.BinaryQuadraticModel | dimod.ConstrainedQuadraticModel) -> float:
    """Return the minimum energy (BQM) or minimum feasible objective (CQM) by enumeration."""
    if isinstance(model, dimod.BinaryQuadraticModel):
        return float(dimod.ExactSolver().sample(model).first.energy)
    sampleset = dimod.ExactCQMSolver().sample_cqm(model).filter(
        lambda row: row.is_feasible
    )
    return float(sampleset.first.energy)
