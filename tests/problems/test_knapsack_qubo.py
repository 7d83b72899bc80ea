"""The three knapsack QUBOs: each energy equals its documented formula; slack's ground state is
the knapsack optimum; the recorded penalties are the ones used."""

from __future__ import annotations

import dimod
import numpy as np
import pytest

import qseg
from qseg.errors import BadInputError, UnknownNameError
from qseg.problems.knapsack import KnapsackProblem


@pytest.fixture
def small() -> KnapsackProblem:
    rng = np.random.default_rng(4)
    profit = rng.integers(-3, 30, 10).astype(float)
    cost = rng.integers(1, 15, 10).astype(float)
    return KnapsackProblem(profit, cost, float(cost.sum() // 2), instance="small")


def _random_states(problem: KnapsackProblem, count: int = 50) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 2, (count, problem.size))


def _energies(bqm: dimod.BinaryQuadraticModel, states: np.ndarray, labels: list) -> np.ndarray:
    return np.asarray(bqm.energies((states, labels)))


def test_unbalanced_energy_is_profit_plus_the_unbalanced_penalty(small):
    qubo = small.build_qubo("unbalanced")
    l1, l2 = qubo.penalties["lambda1"], qubo.penalties["lambda2"]
    states = _random_states(small)
    h = small.budget - states @ small.cost
    expected = -(states @ small.profit) - l1 * h + l2 * h**2
    np.testing.assert_allclose(_energies(qubo.bqm, states, small.labels), expected, rtol=1e-9)
    assert set(qubo.bqm.variables) == set(small.labels), "unbalanced adds no slack variables"


def test_unbalanced_default_lambda1_is_the_critical_ratio_plus_the_margin(small):
    qubo = small.build_qubo("unbalanced")
    scale, margin = qubo.details["stability_scale"], qubo.details["margin"]
    price = qubo.penalties["lambda1"] / scale - 2 * qubo.penalties["lambda2"] / scale * margin * small.budget
    assert price == pytest.approx(small.critical_ratio())
    without = small.build_qubo("unbalanced", margin=1e-12).penalties
    assert without["lambda1"] < qubo.penalties["lambda1"]


def test_unbalanced_explicit_weights_are_used_and_recorded(small):
    qubo = small.build_qubo("unbalanced", lambda1=2.0, lambda2=0.5)
    assert qubo.penalties == {"lambda1": 2.0, "lambda2": 0.5}


def test_equality_energy_matches_the_notebook_formula(small):
    qubo = small.build_qubo("equality")
    lam = qubo.penalties["lam"]
    assert lam == 10 * max(1.0, np.abs(small.profit).max())
    states = _random_states(small)
    expected = -(states @ small.profit) + lam * (states @ small.cost - small.budget) ** 2
    np.testing.assert_allclose(_energies(qubo.bqm, states, small.labels), expected, rtol=1e-9)


def test_slack_ground_state_is_the_knapsack_optimum(small):
    qubo = small.build_qubo("slack")
    assert qubo.details["resolution"] == 1.0 and qubo.details["slack_variables"] >= 1
    ground = qseg.backend("exact-bqm").solve(qubo.bqm, max_variables=24, num_states=1)
    evaluation = small.evaluate(ground.first.sample)
    assert evaluation.feasible
    assert evaluation.objective == pytest.approx(qseg.solve(small, "cbc").objective)
    assert ground.first.energy == pytest.approx(-evaluation.objective)


def test_slack_scales_real_costs_conservatively():
    problem = qseg.problem("knapsack", data="seed-000", size=30, budget_fraction=0.5)
    qubo = problem.build_qubo("slack")
    assert qubo.details["resolution"] == 0.01
    assert qubo.details["scaled_budget"] * 0.01 <= problem.budget


def test_equality_ground_state_spends_exactly_the_budget_when_it_can(small):
    ground = qseg.backend("exact-bqm").solve(small.bqm("equality"), num_states=1).first.sample
    assert small.cost @ small.chosen(ground) == small.budget


@pytest.mark.parametrize("formulation", ["unbalanced", "slack", "equality"])
def test_formulations_scale_to_seed_size_without_python_loops_over_pairs(formulation):
    problem = qseg.problem("knapsack", data="seed-000")
    bqm = problem.bqm(formulation)
    assert bqm.num_interactions >= 250 * 249 // 2


def test_unknown_penalty_option_names_the_formulation(small):
    with pytest.raises(UnknownNameError) as caught:
        small.build_qubo("equality", kappa=3)
    assert "lam" in str(caught.value)


def test_non_positive_penalty_is_refused(small):
    with pytest.raises(BadInputError) as caught:
        small.build_qubo("slack", lam=0)
    assert caught.value.field == "lam"


def test_unknown_formulation_lists_the_known_ones(small):
    with pytest.raises(UnknownNameError) as caught:
        small.bqm("lagrangian")
    assert set(caught.value.known) == {"unbalanced", "slack", "equality"}


def test_unbalanced_makes_overflowing_the_greedy_answer_unprofitable():
    # Pisinger's knapPI_9_50_1000_4: items weigh about half the budget, so the greedy answer
    # leaves half of it unspent and the plain rule let SA take a second, overflowing item.
    rng = np.random.default_rng(9)
    cost = rng.uniform(100_000, 100_100, 12)
    profit = rng.uniform(40, 1000, 12)
    problem = KnapsackProblem(profit, cost, 198_108.0, instance="similar-weights")
    qubo = problem.build_qubo("unbalanced")
    assert qubo.details["stability_scale"] > 1.0
    greedy = problem.greedy()
    base = qubo.bqm.energy(dict(zip(problem.labels, greedy)))
    for j in np.flatnonzero(greedy == 0):
        overfull = greedy.copy()
        overfull[j] = 1
        assert qubo.bqm.energy(dict(zip(problem.labels, overfull))) > base, j


def test_unbalanced_scale_is_one_when_the_budget_is_fine_grained():
    problem = qseg.problem("knapsack", data="seed-000", budget_fraction=0.5)
    assert problem.build_qubo("unbalanced").details["stability_scale"] < 1.05
