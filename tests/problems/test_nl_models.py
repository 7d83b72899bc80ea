"""The NL (dwave.optimization) models equal the CQMs: same objective, same feasibility."""

from __future__ import annotations

import numpy as np
import pytest

import qseg
from qseg.backends.nl import nl_sampleset, nl_variables, set_nl_states
from qseg.errors import BadInputError


def _objective_and_feasibility(problem, sampleset):
    reads = problem.evaluate_reads(problem.lift_nl(sampleset))
    return reads.minimised, reads.feasible


def test_knapsack_nl_objective_equals_cqm_on_random_states():
    problem = qseg.problem("knapsack", size=15, seed=3, budget_fraction=0.4)
    model = problem.nl()
    rng = np.random.default_rng(0)
    states = rng.integers(0, 2, size=(40, 15))
    model.states.resize(len(states))
    decision = next(model.iter_decisions())
    for row, state in enumerate(states):
        decision.set_state(row, state.astype(float))
    sampleset = nl_sampleset(model)
    cqm = problem.cqm()
    lifted = problem.lift_nl(sampleset)
    expected_energy = cqm.objective.energies(lifted)
    assert np.allclose(lifted.record.energy, expected_energy)  # NL objective == CQM objective
    cqm_feasible = [cqm.check_feasible(dict(zip(lifted.variables, row))) for row in lifted.record.sample]
    assert sampleset.info["nl_feasible"] == cqm_feasible
    assert 0 < sum(cqm_feasible) < len(states)  # both kinds of state were compared
    minimised, feasible = _objective_and_feasibility(problem, sampleset)
    assert np.allclose(minimised, expected_energy) and list(feasible) == cqm_feasible


def test_kmedoids_nl_objective_is_the_p_median_cost():
    problem = qseg.problem("kmedoids", size=30, seed=1)
    model = problem.nl()
    rng = np.random.default_rng(1)
    medoid_sets = [np.sort(rng.choice(30, size=problem.k, replace=False)) for _ in range(25)]
    model.states.resize(len(medoid_sets))
    decision = next(model.iter_decisions())
    for row, medoids in enumerate(medoid_sets):
        decision.set_state(row, medoids)
    sampleset = nl_sampleset(model)
    assert all(sampleset.info["nl_feasible"])
    minimised, feasible = _objective_and_feasibility(problem, sampleset)
    brute = [problem.distances[m].min(axis=0).sum() for m in medoid_sets]
    assert feasible.all() and np.allclose(minimised, brute)
    assert np.allclose(sampleset.record.energy, brute)
    # the same states on the CQM, with every customer assigned to its nearest medoid
    cqm = problem.cqm()
    for medoids, cost in zip(medoid_sets[:5], brute[:5]):
        sample = {v: 0 for v in cqm.variables}
        nearest = medoids[np.argmin(problem.distances[medoids], axis=0)]
        sample.update({f"y_{i}": 1 for i in medoids})
        sample.update({f"z_{i}_{j}": 1 for j, i in enumerate(nearest)})
        assert cqm.check_feasible(sample) and np.isclose(cqm.objective.energy(sample), cost)


def test_states_round_trip_through_the_sampleset():
    problem = qseg.problem("kmedoids", size=12, seed=0)
    model = problem.nl()
    model.states.resize(2)
    decision = next(model.iter_decisions())
    decision.set_state(0, [1, 4, 7, 9])
    decision.set_state(1, [0, 2, 3, 11])
    sampleset = nl_sampleset(model)
    assert sampleset.variables == nl_variables(model) and len(nl_variables(model)) == 12
    again = problem.nl()
    set_nl_states(again, sampleset)
    assert [list(next(again.iter_decisions()).state(i)) for i in range(2)] == [[1, 4, 7, 9], [0, 2, 3, 11]]


def test_problems_without_nl_say_so():
    class NoNl(type(qseg.problem("knapsack", size=5, seed=0))):
        has_nl = False

    problem = NoNl.__new__(NoNl)
    with pytest.raises(BadInputError, match="nl"):
        problem.nl()
