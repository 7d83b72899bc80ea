"""The assignment problem: the CQM's shape and names, numpy evaluation equal to dimod's on random
states, exact solvers agreeing, the greedy baseline and the polish, and the feasibility check
(exact: it agrees with the MILP on random settings) with its explanation."""

from __future__ import annotations

import dimod
import numpy as np
import pytest

import qseg
from qseg.errors import InfeasibleModelError
from qseg.problems.assignment import AssignmentProblem
from qseg.problems.assignment.rules import settings_from


@pytest.fixture(scope="module")
def small() -> AssignmentProblem:
    return qseg.problem("assignment", size=30, seed=2, weekly_budget=25)


def test_cqm_has_one_hot_rows_and_the_named_coupling_rows(small):
    cqm = small.cqm()
    n, k = small.size, small.num_actions
    assert list(cqm.variables) == list(range(n * k))
    assert all(cqm.vartype(v) is dimod.BINARY for v in cqm.variables)
    names = set(cqm.constraints)
    assert {f"one_hot_{i}" for i in range(n)} <= names
    expected = {"budget", "email_capacity", "push_capacity", "min_high_risk", "min_premium",
                *(f"max_action_{a}" for a in range(1, k)), *(f"min_segment_{s}" for s in small.segment_names)}
    assert names - {f"one_hot_{i}" for i in range(n)} == expected
    one_hot = cqm.constraints["one_hot_7"]
    assert one_hot.sense.value == "==" and one_hot.rhs == 1
    assert dict(one_hot.lhs.linear) == {7 * k + a: 1.0 for a in range(k)}
    assert cqm.constraints["min_high_risk"].sense.value == ">="
    assert 0 not in {v % k for v in cqm.constraints["min_high_risk"].lhs.variables}  # treated = any k >= 1
    assert cqm.objective.num_interactions == 0 and small.model_size() == (n * k, 0, len(cqm.constraints))


def test_numpy_evaluation_equals_dimod_on_random_states(small):
    cqm = small.cqm()
    rng = np.random.default_rng(0)
    random = rng.integers(0, 2, size=(20, small.size * small.num_actions)).astype(np.int8)
    one_hot = small.states_from_actions(rng.integers(0, small.num_actions, size=(20, small.size)))
    planned = small.states_from_actions(small.greedy_actions())
    states = np.vstack([random, one_hot, planned])
    labels = list(range(states.shape[1]))
    objective, violations, one_hot_violation = small.evaluate_states(states)
    np.testing.assert_allclose(objective, -cqm.objective.energies((states, labels)))
    for row, index in zip(small.rows, range(len(small.rows))):
        lhs = cqm.constraints[row.name].lhs.energies((states, labels))
        np.testing.assert_allclose(small.constraint_activity(states)[:, index], lhs)
    reads = small.reads_of(states, np.zeros(len(states)), np.ones(len(states), dtype=np.int64))
    for state, feasible in zip(states, reads.feasible):
        assert feasible == cqm.check_feasible((state[None, :], labels))
    assert reads.feasible[-1] and not reads.feasible[:20].any()
    sample = dict(zip(labels, one_hot[3].tolist()))
    evaluation = small.evaluate(sample)
    assert evaluation.objective == pytest.approx(-cqm.objective.energy(sample))
    expected = {str(k): max(0.0, float(v)) for k, v in cqm.violations(sample, clip=True).items() if v > 1e-9}
    assert {k: v for k, v in evaluation.violations.items() if v > 1e-9} == pytest.approx(expected)


def test_evaluate_reads_restores_missing_no_action_variables(small):
    k = small.num_actions
    actions = np.random.default_rng(1).integers(0, k, size=(4, small.size))
    full = small.states_from_actions(actions)
    keep = [v for v in range(full.shape[1]) if v % k]
    sampleset = dimod.SampleSet.from_samples((full[:, keep], keep), dimod.BINARY, energy=np.zeros(4))
    np.testing.assert_array_equal(small.states_of(sampleset), full)
    two = full[:, keep].copy()
    two[0, :2] = 1  # customer 0 takes actions 1 and 2
    restored = small.states_of(dimod.SampleSet.from_samples((two, keep), dimod.BINARY, energy=np.zeros(4)))
    assert restored[0, 0] == 0 and restored[0, 1] == restored[0, 2] == 1
    assert small.actions_of(restored)[0, 0] == -1


def test_cbc_and_highs_agree_and_prove_optimality():
    problem = qseg.problem("assignment", size=250, seed=0)
    records = {name: qseg.solve(problem, name) for name in ("cbc", "highs")}
    for record in records.values():
        assert record.status == "ok" and record.feasible and record.mip_gap == 0
        assert record.details["spend"] <= problem.settings.weekly_budget + 1e-9
    assert records["highs"].objective == pytest.approx(records["cbc"].objective, rel=1e-6)
    assert records["highs"].details["binding"] == records["cbc"].details["binding"]


def test_greedy_baseline_is_feasible_and_below_the_optimum(small):
    record = qseg.solve_baseline(small, "greedy", reference="highs")
    assert record.status == "ok" and record.feasible
    assert 0 <= record.gap < 0.5


def test_polish_repairs_broken_reads_to_feasible_plans(small):
    rng = np.random.default_rng(3)
    states = rng.integers(0, 2, size=(6, small.size * small.num_actions)).astype(np.int8)
    reads = small.reads_of(states, np.zeros(6), np.ones(6, dtype=np.int64))
    assert not reads.feasible.any()
    polished = small.polish_reads(reads)
    assert polished.feasible.all()
    assert (polished.objective > 0).all()  # better than no action for anyone


def test_infeasible_budget_names_the_floor_and_the_shortfall():
    with pytest.raises(InfeasibleModelError) as raised:
        qseg.problem("assignment", size=250, seed=0, weekly_budget=40)
    message = str(raised.value)
    assert "min_high_risk cannot be met by 30 customers" in message
    assert "weekly_budget=40 pays for at most 40" in message


def test_infeasible_capacities_are_explained():
    with pytest.raises(InfeasibleModelError, match="allow at most 50 treatments"):
        qseg.problem("assignment", size=250, seed=0, email_capacity=0, push_capacity=0,
                     max_action_pct=0.1, weekly_budget=1000)


def test_feasibility_check_agrees_with_the_milp_on_random_settings():
    """The check is exact: wherever it says infeasible HiGHS proves it, and elsewhere HiGHS finds
    a plan (20 random settings around the tight region of a 24-customer instance)."""
    base = qseg.problem("assignment", size=24, seed=4, weekly_budget=100)
    rng = np.random.default_rng(7)
    verdicts = []
    for _ in range(20):
        params = {
            "weekly_budget": float(rng.integers(0, 30)), "email_capacity": int(rng.integers(0, 12)),
            "push_capacity": int(rng.integers(0, 12)), "min_high_risk_pct": round(float(rng.uniform(0, 1)), 2),
            "min_premium_pct": round(float(rng.uniform(0, 1)), 2), "max_action_pct": round(float(rng.uniform(0, 0.6)), 2),
            "min_segment_coverage_pct": round(float(rng.uniform(0, 0.6)), 2),
        }
        problem = AssignmentProblem(base.data, settings_from(params, base.size), instance="random",
                                    check_feasibility=False)
        sampleset = qseg.backend("highs").solve(problem.cqm())
        proven_infeasible = sampleset.info["mip_status"] == "infeasible"
        verdicts.append(proven_infeasible)
        assert (problem.infeasibility() is not None) == proven_infeasible, params
    assert any(verdicts) and not all(verdicts)
