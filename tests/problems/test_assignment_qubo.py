"""The assignment QUBOs: energies equal the objective plus the stated penalties, the one-hot rows
are exact without slack, the weights are recorded, and simulated annealing finds feasible plans
on a small instance."""

from __future__ import annotations

import numpy as np
import pytest

import qseg
from qseg.errors import BadInputError, UnknownNameError
from qseg.problems.assignment.qubo import _scaled, _slack_bits, action_labels, qubo_rows


@pytest.fixture(scope="module")
def problem():
    return qseg.problem("assignment", size=30, seed=2, weekly_budget=25)


def _plans(problem, count: int = 8) -> np.ndarray:
    """Return feasible plans: the greedy one and polished random ones."""
    rng = np.random.default_rng(5)
    k = problem.num_actions
    states = problem.states_from_actions(rng.integers(0, k, size=(count, problem.size)))
    reads = problem.polish_reads(problem.reads_of(states, np.zeros(count), np.ones(count, dtype=np.int64)))
    plans = np.vstack([problem.states_from_actions(problem.greedy_actions()), reads.states])
    assert problem.reads_of(plans, np.zeros(len(plans)), np.ones(len(plans), dtype=np.int64)).feasible.all()
    return plans


def test_unbalanced_energy_is_objective_plus_the_stated_penalties(problem):
    qubo = problem.build_qubo("unbalanced")
    labels = list(qubo.bqm.variables)
    assert labels == action_labels(problem.arrays).tolist()  # no no-action variable, no slack
    plans = _plans(problem)
    energy = qubo.bqm.energies((plans[:, labels], labels))
    objective, _, _ = problem.evaluate_states(plans)
    penalty = np.zeros(len(plans))
    for row in qubo_rows(problem.arrays):
        h = row.bound - plans[:, row.columns] @ row.coefficients
        l1, l2 = qubo.penalties[f"lambda1_{row.name}"], qubo.penalties[f"lambda2_{row.name}"]
        penalty += -l1 * h + l2 * h**2
    np.testing.assert_allclose(energy, -objective + penalty, rtol=1e-9, atol=1e-6)


def test_unbalanced_prices_binding_rows_by_the_lp(problem):
    qubo = problem.build_qubo("unbalanced")
    relaxation = problem.lp_relaxation()
    budget = [r.name for r in problem.rows].index("budget")
    assert relaxation.prices[budget] > 0
    assert qubo.penalties["lambda1_budget"] == pytest.approx(relaxation.prices[budget])
    assert qubo.penalties["one_hot"] > 0 and qubo.details["kappa"] == 4.0


def test_slack_energy_is_the_objective_on_feasible_plans_with_their_slack(problem):
    qubo = problem.build_qubo("slack")
    plans = _plans(problem)
    width = problem.size * problem.num_actions
    states = np.zeros((len(plans), len(qubo.bqm.variables)), dtype=np.int8)
    labels = list(qubo.bqm.variables)
    position = {v: j for j, v in enumerate(labels)}
    states[:, [position[v] for v in action_labels(problem.arrays)]] = plans[:, action_labels(problem.arrays)]
    start = width
    for row in qubo_rows(problem.arrays):
        coefficients, _, bound = _scaled(row, qubo.details["resolution"], problem.num_actions)
        bits = _slack_bits(_scaled(row, qubo.details["resolution"], problem.num_actions)[1])
        for plan, state in zip(plans, states):
            residual = int(round(bound - plan[row.columns] @ coefficients))
            for j in range(bits.size - 1, -1, -1):  # greedy from the largest bit encodes it exactly
                if residual >= bits[j]:
                    state[position[start + j]] = 1
                    residual -= int(bits[j])
            assert residual == 0
        start += bits.size
    objective, _, _ = problem.evaluate_states(plans)
    np.testing.assert_allclose(qubo.bqm.energies((states, labels)), -objective, atol=1e-6)
    assert qubo.penalties["lam"] == pytest.approx(1.001 * problem.weights.max())


def test_one_hot_rows_are_exact_at_most_one_penalties(problem):
    qubo = problem.build_qubo("unbalanced", one_hot=50.0)
    k = problem.num_actions
    plan = _plans(problem)[0]
    labels = list(qubo.bqm.variables)
    base = qubo.bqm.energy(dict(zip(labels, plan[labels])))
    customer = int(np.flatnonzero(problem.actions_of(plan)[0] == 0)[0])
    for first, second in ((1, 2), (3, 7)):
        doubled = plan.copy()
        doubled[customer * k + first] = doubled[customer * k + second] = 1
        single = plan.copy()
        single[customer * k + first] = 1
        pair = qubo.bqm.energy(dict(zip(labels, doubled[labels])))
        one = qubo.bqm.energy(dict(zip(labels, single[labels])))
        two_only = plan.copy()
        two_only[customer * k + second] = 1
        other = qubo.bqm.energy(dict(zip(labels, two_only[labels])))
        # the pair costs A on top of both single moves (and their cross term in the rows)
        cross = pair - one - other + base
        assert cross >= 50.0 - 1e-6


def test_penalty_options_are_validated(problem):
    with pytest.raises(UnknownNameError, match="lam"):
        problem.build_qubo("unbalanced", lam=3)
    with pytest.raises(BadInputError, match="kappa"):
        problem.build_qubo("unbalanced", kappa=-1)
    with pytest.raises(UnknownNameError, match="formulation"):
        problem.bqm("equality")


def test_sa_on_the_unbalanced_qubo_finds_feasible_plans_near_the_optimum(problem):
    record = qseg.solve(problem, "sa", reference="highs", num_reads=10, num_sweeps=1000)
    assert record.status == "ok" and record.feasible and record.formulation == "unbalanced"
    assert record.gap is not None and 0 <= record.gap <= 0.05
    assert record.penalties["one_hot"] > 0 and "lambda1_budget" in record.penalties
    polished = qseg.solve(problem, "sa", reference="highs", polish=True, num_reads=10, num_sweeps=1000)
    assert polished.polished and polished.gap <= polished.gap_raw + 1e-12
