"""Knapsack targeting: choose customers x_i to maximise sum p_i x_i subject to sum c_i x_i <= B,
with p_i = uplift_i * value_i - cost_i (the seed notebook's campaign targeting).

Variables are labelled ``x_0 .. x_{n-1}`` (customer i is targeted). QUBO formulations live in
``knapsack.qubo``; baselines (greedy by profit/cost ratio, exact dynamic programming) in
``knapsack.search``; both take the arrays, not this class.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import dimod
import numpy as np
import pandas as pd

from qseg.data.sources import Sources
from qseg.errors import BadInputError
from qseg.problems.base import (
    FEASIBILITY_TOLERANCE,
    PenaltyWeight,
    Problem,
    Qubo,
    ReadEvaluations,
    check_parameters,
    penalty_values,
    positive_number,
    sample_methods,
)
from qseg.problems.decision import Decision
from qseg.problems.knapsack import qubo, search

GENERATOR_DEFAULT_SIZE = 250
DEFAULT_BUDGET_FRACTION = 0.5
SOURCES = Sources(named=("seed-000",), selectors=True)


class KnapsackProblem(Problem):
    """A 0-1 knapsack over customers: profits ``profit``, costs ``cost``, budget ``budget``."""

    name = "knapsack"
    sense = "max"
    has_nl = True
    can_polish = True
    exact_baselines = frozenset({"dp"})
    formulations = ("unbalanced", "slack", "equality")
    parameters = ("budget_fraction", "budget")
    baseline_names = ("greedy", "dp")
    penalty_options = {"unbalanced": ("lambda1", "lambda2", "kappa", "margin"), "slack": ("lam", "resolution"),
                       "equality": ("lam",)}
    # Tuning scales the unbalanced pair together: the penalty's flat point l1/(2 l2) stays put.
    penalty_weights = {
        "unbalanced": (PenaltyWeight("lambda1", "lambda1", ("budget",)), PenaltyWeight("lambda2", "lambda2", ("budget",))),
        "slack": (PenaltyWeight("lam", "lam", ("budget",)),),
        "equality": (PenaltyWeight("lam", "lam", ("budget",)),),
    }

    def __init__(
        self,
        profit: np.ndarray,
        cost: np.ndarray,
        budget: float,
        *,
        instance: str,
        seed: int | None = None,
        best_known: float | None = None,
    ) -> None:
        super().__init__(instance=instance, seed=seed, best_known=best_known)
        self.profit = _finite_vector("profit", profit)
        self.cost = _finite_vector("cost", cost)
        if len(self.profit) != len(self.cost):
            raise BadInputError("cost", len(self.cost), f"length differs from profit ({len(self.profit)})")
        if len(self.profit) < 1:
            raise BadInputError("size", 0, "must be >= 1")
        negative = np.flatnonzero(self.cost < 0)
        if negative.size:
            raise BadInputError(f"cost[{negative[0]}]", float(self.cost[negative[0]]), "must be >= 0")
        if not np.isfinite(budget) or budget <= 0:
            raise BadInputError("budget", budget, "must be a finite number > 0")
        self.budget = float(budget)
        self.labels = [f"x_{i}" for i in range(len(self.profit))]

    @property
    def size(self) -> int:
        """Return the number of customers."""
        return len(self.profit)

    def build_cqm(self) -> dimod.ConstrainedQuadraticModel:
        """Return max sum p x s.t. sum c x <= B, stated as min -sum p x."""
        n = self.size
        cqm = dimod.ConstrainedQuadraticModel()
        objective = dimod.BinaryQuadraticModel.from_numpy_vectors(
            -self.profit, ([], [], []), 0.0, dimod.BINARY, variable_order=self.labels
        )
        cqm.set_objective(objective)
        spend = dimod.BinaryQuadraticModel.from_numpy_vectors(
            self.cost, ([], [], []), 0.0, dimod.BINARY, variable_order=self.labels
        )
        cqm.add_constraint_from_model(spend, "<=", self.budget, label="budget", copy=False)
        assert len(cqm.variables) == n
        return cqm

    def build_nl(self) -> Any:
        """Return max sum p x s.t. sum c x <= B as a locked NL model (min -sum p x, like the CQM)."""
        from dwave.optimization.model import Model  # defined here; the package re-exports it implicitly

        model = Model()
        chosen = model.binary(self.size)
        model.add_constraint((chosen * model.constant(self.cost)).sum() <= model.constant(float(self.budget)))
        model.minimize(-(chosen * model.constant(self.profit)).sum())
        model.lock()
        return model

    def nl_labels(self) -> list[Any]:
        """Return the customer variables, in the order of the NL model's binary vector."""
        return list(self.labels)

    @classmethod
    def instance_bytes(cls, size: int) -> int:
        """Return ~1 kB per customer: the arrays, the labels and the CQM every evaluation reads
        (measured: 915 MB peak for 1,000,000 customers, CQM included)."""
        return 1000 * size

    def qubo_variables(self, formulation: str) -> int | None:
        """Return N for the formulations without slack (one variable per customer), else None."""
        return None if formulation == "slack" else self.size

    def build_qubo(self, formulation: str, **penalty_options: Any) -> Qubo:
        """Return the named QUBO formulation (see ``knapsack.qubo``)."""
        formulation = self.check_formulation(formulation)
        options = penalty_values(self, formulation, penalty_options)
        return qubo.build(formulation, self.profit, self.cost, self.budget, self.labels, options)

    def chosen(self, sample: Mapping[Any, float]) -> np.ndarray:
        """Return the 0/1 vector of targeted customers in a sample."""
        rounded: np.ndarray = np.rint(self.variable_vector(sample, self.labels))
        return rounded.astype(np.int8)

    def decode(self, sample: Mapping[Any, float]) -> dict[str, Any]:
        """Return the targeted customers' indices with their total profit and spend."""
        x = self.chosen(sample)
        return {
            "customers": np.flatnonzero(x).tolist(),
            "profit": float(self.profit @ x),
            "spend": float(self.cost @ x),
        }

    def decision(self, sample: Mapping[Any, float]) -> Decision:
        """Return the targeting decision: one row per customer (id, profit, cost, targeted 0/1),
        the count targeted, the spend against the budget and the profit."""
        x = self.chosen(sample)
        customers = pd.DataFrame({"customer": self.customer_ids(), "profit": self.profit, "cost": self.cost,
                                  "targeted": x.astype(np.int8)})
        targeted, spend, profit = int(x.sum()), float(self.cost @ x), float(self.profit @ x)
        facts = {"targeted": targeted, "customers": self.size, "spend": spend, "budget": self.budget,
                 "profit": profit}
        lines = (f"targeted   {targeted:,} of {self.size:,} customers, spend {spend:,.2f} of budget "
                 f"{self.budget:,.2f}, profit {profit:,.2f}",)
        return Decision({"customers": customers}, facts, lines)

    def details(self, sample: Mapping[Any, float]) -> dict[str, Any]:
        """Return spend, budget and number of targeted customers of a sample."""
        x = self.chosen(sample)
        return {"spend": float(self.cost @ x), "budget": self.budget, "targeted": int(x.sum())}

    def critical_ratio(self) -> float:
        """Return the LP multiplier estimate of the budget (``search.critical_ratio``)."""
        return search.critical_ratio(self.profit, self.cost, self.budget)

    def greedy(self) -> np.ndarray:
        """Return the greedy 0/1 choice by profit/cost ratio (``search.greedy``)."""
        return search.greedy(self.profit, self.cost, self.budget)

    def dynamic_programming(self, max_cells: int = search.DP_MAX_CELLS) -> np.ndarray:
        """Return a proven optimal 0/1 choice (``search.exact_optimum``: DP, exact on costs with
        few decimals, else bounded by a rounded-down DP, else HiGHS's MILP at zero gap)."""
        return search.dynamic_programming(self.profit, self.cost, self.budget, max_cells)

    def reads_of(self, chosen: np.ndarray, energy: np.ndarray, occurrences: np.ndarray) -> ReadEvaluations:
        """Return the ReadEvaluations of 0/1 rows over the customers with their energies and counts."""
        states = np.asarray(chosen, dtype=np.int8)
        spend = states @ self.cost
        overspend = np.maximum(spend - self.budget, 0.0)
        return ReadEvaluations(
            objective=states @ self.profit, feasible=overspend <= FEASIBILITY_TOLERANCE, violation_max=overspend,
            energy=energy, num_occurrences=occurrences, states=states, labels=list(self.labels), sense=self.sense,
        )

    def polish_reads(self, reads: ReadEvaluations) -> ReadEvaluations:
        """Return the reads after repair to the budget, a greedy fill by profit/cost ratio and a
        local search of improving 1-swaps, 1-for-2 and 2-for-1 exchanges (``search.polish_many``);
        energies kept: they describe the sampler's own states."""
        position = {v: i for i, v in enumerate(reads.labels)}
        states = reads.states[:, [position[v] for v in self.labels]]
        polished = search.polish_many(self.profit, self.cost, self.budget, states)
        return self.reads_of(polished, reads.energy, reads.num_occurrences)

    def reads_of_states(self, samples: np.ndarray, sample_labels: Sequence[Any], energy: np.ndarray,
                        occurrences: np.ndarray) -> ReadEvaluations:
        """Return the ReadEvaluations of state rows over ``sample_labels`` (the x_i in any order):
        profit and spend are two matrix products."""
        position = {v: i for i, v in enumerate(sample_labels)}
        return self.reads_of(np.rint(samples[:, [position[v] for v in self.labels]]), energy, occurrences)

    def baselines(self) -> dict[str, Callable[[], dict[Any, int]]]:
        """Return ``greedy`` (by profit/cost ratio: a heuristic, not exact) and ``dp`` (exact: a
        proven optimum for the data given, ``search.exact_optimum``), each a sample over x_i."""
        return sample_methods(self.native_baselines(), lambda picks: dict(zip(self.labels, picks.tolist())))

    def native_baselines(self) -> dict[str, Callable[[], Any]]:
        """Return greedy-by-ratio (a heuristic) and the exact optimum (``dp``), each giving its 0/1
        picks over the customers (scored by ``native_reads``)."""
        return {"greedy": self.greedy, "dp": self.dynamic_programming}

    def native_reads(self, answer: Any) -> ReadEvaluations:
        """Return the one-read ReadEvaluations of a 0/1 pick vector (energy 0)."""
        return self.reads_of(np.asarray(answer)[None, :], np.zeros(1), np.ones(1, dtype=np.int64))


def _finite_vector(field: str, values: Any) -> np.ndarray:
    array = np.asarray(values, dtype=float).ravel()
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise BadInputError(f"{field}[{bad[0]}]", float(array[bad[0]]), "must be a finite number")
    return array


def knapsack_from_spec(
    *, size: int | None, seed: int, data: str | None, params: Mapping[str, Any]
) -> KnapsackProblem:
    """Return a knapsack instance from the API/CLI fields.

    ``data=None`` generates ``size`` customers with the seed recipe and ``seed``;
    ``data="seed-000"`` is the notebook's instance (first ``size`` customers, budget 2000 unless
    ``budget_fraction`` or ``budget`` is set); anything else is an instance file (``FILE#NAME``).
    ``budget_fraction`` sets budget = fraction x total cost of the profitable customers.
    """
    from qseg.data.knapsack_files import load_knapsack_file
    from qseg.data.synthetic import SEED_000, synthetic_customers

    check_parameters("knapsack", params, KnapsackProblem.parameters)
    if SOURCES.is_file(data):
        if params:
            raise BadInputError("set", sorted(params)[0], "instance files carry their own budget")
        loaded = load_knapsack_file(*SOURCES.locate(data, size))
        return KnapsackProblem(
            loaded.profit, loaded.weight, loaded.capacity, instance=loaded.name, seed=None,
            best_known=loaded.optimum,
        )
    dataset = SOURCES.dataset(data)
    if dataset is None:
        n = GENERATOR_DEFAULT_SIZE if size is None else size
        customers = synthetic_customers(n, seed)
        instance, budget, instance_seed = f"generated-n{n}-s{seed}", None, seed
    else:
        customers = dataset.load(size)
        instance, budget, instance_seed = dataset.name, SEED_000["budget"], dataset.seed
    profit, cost = customers["profit"].to_numpy(), customers["cost"].to_numpy()
    if "budget" in params:
        budget = positive_number("budget", params["budget"])
    elif "budget_fraction" in params or budget is None:
        fraction = positive_number("budget_fraction", params.get("budget_fraction", DEFAULT_BUDGET_FRACTION))
        budget = fraction * float(cost[profit > 0].sum())
        if budget <= 0:
            # Blame what the user set: the fraction when given, else the instance itself.
            field, value = (("budget_fraction", params["budget_fraction"]) if "budget_fraction" in params
                            else ("size", len(profit)) if dataset is None else ("data", data))
            raise BadInputError(field, value, f"{instance} (seed {instance_seed}) has no profitable customer, so "
                                f"budget_fraction={fraction:g} gives a budget of 0; set budget=B")
    return KnapsackProblem(profit, cost, budget, instance=instance, seed=instance_seed)
