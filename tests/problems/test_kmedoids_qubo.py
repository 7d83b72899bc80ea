"""k-medoids QUBOs: the seed model's size, the assignment QUBO's energies and ground states, the
selection (savings) QUBO's relation to the p-median cost, ground states of selection and
bauckhage, and the assignment memory guard."""

from __future__ import annotations

import itertools
import math
import re

import dimod
import numpy as np
import pytest

import qseg
from qseg.errors import BadInputError
from qseg.problems.kmedoids.problem import KMedoidsProblem, euclidean_distances


def random_problem(n, k, seed, *, blobs=False):
    """Return a KMedoidsProblem over ``n`` random points in the plane (uniform, or 3 blobs)."""
    rng = np.random.default_rng(seed)
    if blobs:
        centres = rng.uniform(-10, 10, size=(3, 2))
        points = centres[rng.integers(0, 3, n)] + rng.normal(0, 1.0, size=(n, 2))
    else:
        points = rng.uniform(0, 10, size=(n, 2))
    return KMedoidsProblem(euclidean_distances(points), k, points=points, instance=f"rand-{n}-{k}-{seed}")


def pmedian_cost(distances, medoids):
    return float(distances[list(medoids)].min(axis=0).sum())


def brute_force_optimum(distances, k):
    """Return (cost, medoid sets reaching it) over every k-subset."""
    costs = {s: pmedian_cost(distances, s) for s in itertools.combinations(range(len(distances)), k)}
    best = min(costs.values())
    return best, {s for s, c in costs.items() if c <= best + 1e-9 * max(1.0, best)}


def all_states(num_variables):
    """Return every binary state of ``num_variables`` variables as int8 rows."""
    return ((np.arange(2**num_variables)[:, None] >> np.arange(num_variables)) & 1).astype(np.int8)


def ground_states(bqm):
    """Return (lowest energy, rows reaching it, labels) by enumerating all 2^n states."""
    labels = list(bqm.variables)
    states = all_states(len(labels))
    energies = bqm.energies((states, labels))
    lowest = energies.min()
    return lowest, states[energies <= lowest + 1e-9 * max(1.0, abs(lowest))], labels


def assignment_sample(problem, medoids):
    """Return the assignment-QUBO sample (integer labels) of a medoid set with nearest-medoid z."""
    n = problem.size
    sample = dict.fromkeys(range(n + n * n), 0)
    medoids = sorted(medoids)
    for i in medoids:
        sample[i] = 1
    nearest = np.asarray(medoids)[np.argmin(problem.distances[medoids], axis=0)]
    for j, i in enumerate(nearest):
        sample[n + int(i) * n + j] = 1
    return sample


# --- the seed notebook's assignment model -------------------------------------------------------


def test_seed_000_assignment_qubo_has_the_notebook_size():
    """N=250, K=4: 62,750 variables (y and z) and 7,874,875 interactions."""
    problem = qseg.problem("kmedoids", data="seed-000")
    assert problem.size == 250 and problem.k == 4
    bqm = problem.bqm("assignment")
    assert len(bqm.variables) == 62_750
    assert bqm.num_interactions == 7_874_875
    assert set(bqm.variables) == set(range(62_750))


# --- assignment QUBO on small instances -----------------------------------------------------------


def test_assignment_integer_labels_map_back_to_cqm_names():
    problem = random_problem(5, 2, 0)
    n = problem.size
    assert [problem.variable_name(i) for i in range(n)] == [f"y_{i}" for i in range(n)]
    for i, j in itertools.product(range(n), range(n)):
        assert problem.variable_name(n + i * n + j) == f"z_{i}_{j}"
    names = {problem.variable_name(v) for v in problem.bqm("assignment").variables}
    assert names == set(problem.cqm().variables)


def test_assignment_linear_bias_of_z_i_j_is_the_distance_d_i_j():
    """With A = B the z_ij linear bias is d_ij, which pins the label z_ij = N + i*N + j."""
    problem = random_problem(5, 2, 1)
    bqm, n = problem.bqm("assignment"), problem.size
    for i, j in itertools.product(range(n), range(n)):
        assert bqm.get_linear(n + i * n + j) == pytest.approx(problem.distances[i, j], abs=1e-9)


def test_assignment_penalties_are_ten_times_the_largest_distance():
    problem = random_problem(6, 2, 2)
    penalties = problem.build_qubo("assignment").penalties
    expected = 10 * problem.distances.max()
    assert penalties == pytest.approx({"A": expected, "B": expected, "G": expected})


@pytest.mark.parametrize("n, k", [(4, 1), (5, 2), (6, 3)])
def test_assignment_energy_of_every_feasible_state_is_its_pmedian_cost(n, k):
    problem = random_problem(n, k, 10 + n)
    bqm = problem.bqm("assignment")
    cqm = problem.cqm()
    for medoids in itertools.combinations(range(n), k):
        sample = assignment_sample(problem, medoids)
        cost = pmedian_cost(problem.distances, medoids)
        assert bqm.energy(sample) == pytest.approx(cost, rel=1e-9, abs=1e-9)
        named = {problem.variable_name(v): value for v, value in sample.items()}
        assert cqm.check_feasible(named)
        assert cqm.objective.energy(named) == pytest.approx(cost, rel=1e-9)


@pytest.mark.parametrize("k", [1, 2])
def test_assignment_ground_state_on_three_points_is_the_pmedian_optimum(k):
    """N=3 (12 variables), exhaustive with dimod.ExactSolver."""
    problem = random_problem(3, k, 20 + k)
    optimum, best_sets = brute_force_optimum(problem.distances, k)
    sampleset = dimod.ExactSolver().sample(problem.bqm("assignment"))
    lowest = sampleset.first.energy
    assert lowest == pytest.approx(optimum, rel=1e-9)
    ground = sampleset.lowest(atol=1e-9 * max(1.0, optimum))
    for sample in ground.samples():
        medoids = tuple(i for i in range(3) if sample[i])
        assert medoids in best_sets
        assert problem.cqm().check_feasible({problem.variable_name(v): x for v, x in sample.items()})


def test_assignment_ground_state_on_four_points_is_the_pmedian_optimum():
    """N=4, K=2 (20 variables), every state enumerated with numpy."""
    problem = random_problem(4, 2, 30)
    optimum, best_sets = brute_force_optimum(problem.distances, 2)
    lowest, ground, labels = ground_states(problem.bqm("assignment"))
    assert lowest == pytest.approx(optimum, rel=1e-9)
    cqm = problem.cqm()
    for row in ground:
        sample = dict(zip(labels, row.tolist()))
        assert tuple(i for i in range(4) if sample[i]) in best_sets
        assert cqm.check_feasible({problem.variable_name(v): x for v, x in sample.items()})


def test_evaluate_reads_reads_the_medoids_of_assignment_samples():
    problem = random_problem(5, 2, 3)
    samples = [assignment_sample(problem, s) for s in [(0, 1), (2, 4), (1, 3)]]
    sampleset = dimod.SampleSet.from_samples(samples, dimod.BINARY, energy=[0.0] * 3)
    reads = problem.evaluate_reads(sampleset)
    expected = [pmedian_cost(problem.distances, s) for s in [(0, 1), (2, 4), (1, 3)]]
    np.testing.assert_allclose(reads.objective, expected, rtol=1e-12)
    assert reads.feasible.all()


def test_sa_on_the_assignment_qubo_decodes_through_integer_labels():
    problem = qseg.problem("kmedoids", size=10, seed=1, k=3)
    record = qseg.solve(problem, "sa", formulation="assignment", reference=True, num_reads=10)
    assert record.num_variables == 110 and record.num_interactions == 45 * 11 + 100
    assert record.penalties["A"] == record.penalties["B"] == record.penalties["G"] > 0
    assert record.feasible and record.details["medoids"] == 3
    assert record.objective >= record.reference - 1e-9


# --- memory guard ---------------------------------------------------------------------------------


def test_assignment_memory_guard_refuses_before_building(monkeypatch):
    problem = qseg.problem("kmedoids", data="seed-000")
    monkeypatch.setattr("qseg.problems.kmedoids.qubo.assignment_bqm",
                        lambda *args: pytest.fail("the guard let the assignment QUBO be built"))
    with pytest.raises(BadInputError) as caught:
        problem.bqm("assignment", max_memory_fraction=1e-9)
    assert caught.value.field == "size" and caught.value.value == 250
    assert re.search(r"\d+(\.\d+)? GiB", str(caught.value)), str(caught.value)


# --- selection (savings) QUBO ---------------------------------------------------------------------


def selection_radius(distances, k):
    """R_j: distance from j to its ceil(N/K)-th nearest other customer (the docstring's default)."""
    rank = math.ceil(len(distances) / k)
    return np.sort(distances, axis=1)[:, rank]


def selection_sample(problem, medoids):
    return {f"y_{i}": int(i in medoids) for i in range(problem.size)}


def test_selection_default_radius_rank_and_gamma_are_recorded():
    problem = random_problem(11, 3, 4)
    qubo = problem.build_qubo("selection")
    radius = selection_radius(problem.distances, 3)
    savings = np.maximum(0.0, radius[None, :] - problem.distances)
    assert qubo.penalties["radius_rank"] == math.ceil(11 / 3)
    assert qubo.penalties["gamma"] == pytest.approx(savings.sum(axis=1).max())
    assert list(qubo.bqm.variables) == [f"y_{i}" for i in range(11)]


def test_selection_energy_is_exact_with_at_most_two_savers_and_an_upper_bound_when_covered():
    """Over every K-subset of random instances: energy == cost when every customer is within
    some chosen medoid's radius and none within three; energy >= cost whenever all are covered."""
    exact_cases = bound_cases = 0
    for seed, (n, k) in enumerate([(8, 2), (9, 3), (10, 2), (10, 3), (10, 4), (9, 2), (12, 2), (11, 3)]):
        problem = random_problem(n, k, 100 + seed, blobs=seed % 2 == 1)
        bqm, d = problem.bqm("selection"), problem.distances
        radius = selection_radius(d, k)
        for medoids in itertools.combinations(range(n), k):
            rows = d[list(medoids)]
            savers = (rows < radius[None, :]).sum(axis=0)
            covered = bool((rows.min(axis=0) <= radius).all())
            energy, cost = bqm.energy(selection_sample(problem, medoids)), pmedian_cost(d, medoids)
            if covered and savers.max() <= 2:
                assert energy == pytest.approx(cost, rel=1e-9, abs=1e-9), (seed, medoids)
                exact_cases += 1
            if covered:
                assert energy >= cost - 1e-9 * max(1.0, cost), (seed, medoids)
                bound_cases += 1 if savers.max() >= 3 else 0
    assert exact_cases > 20 and bound_cases > 20  # both branches were really exercised


def test_selection_energy_is_the_radius_capped_cost_with_at_most_two_savers():
    """The identity behind the docstring: with no customer inside three chosen radii, the energy
    of K medoids is sum_j min(R_j, distance to nearest medoid); a customer outside every radius
    counts R_j, less than its true distance."""
    checked = uncovered = 0
    for seed, (n, k) in enumerate([(9, 3), (10, 4), (10, 2)]):
        problem = random_problem(n, k, 200 + seed)
        bqm, d = problem.bqm("selection"), problem.distances
        radius = selection_radius(d, k)
        for medoids in itertools.combinations(range(n), k):
            rows = d[list(medoids)]
            if (rows < radius[None, :]).sum(axis=0).max() > 2:
                continue
            capped = float(np.minimum(radius, rows.min(axis=0)).sum())
            assert bqm.energy(selection_sample(problem, medoids)) == pytest.approx(capped, rel=1e-9, abs=1e-9)
            checked += 1
            uncovered += int((rows.min(axis=0) > radius).any())
    assert checked > 20 and uncovered > 0


@pytest.mark.parametrize("formulation", ["selection", "bauckhage"])
@pytest.mark.parametrize(
    "n, k, seed, blobs", [(10, 2, 0, False), (11, 3, 1, True), (12, 4, 2, False), (12, 3, 3, True), (12, 2, 4, True)]
)
def test_every_ground_state_has_exactly_k_medoids(formulation, n, k, seed, blobs):
    problem = random_problem(n, k, 300 + seed, blobs=blobs)
    _, ground, _ = ground_states(problem.bqm(formulation))
    assert len(ground) >= 1
    assert (ground.sum(axis=1) == k).all(), ground.sum(axis=1)


def test_selection_builds_with_one_medoid():
    problem = random_problem(10, 1, 5)
    _, ground, _ = ground_states(problem.bqm("selection"))
    assert (ground.sum(axis=1) == 1).all()


def test_selection_rejects_unknown_and_bad_penalty_options():
    problem = random_problem(6, 2, 6)
    with pytest.raises(BadInputError) as caught:
        problem.bqm("selection", kappa=3)
    assert "kappa" in str(caught.value)
    with pytest.raises(BadInputError) as caught:
        problem.bqm("selection", radius_rank=6)
    assert caught.value.field == "radius_rank"
    with pytest.raises(BadInputError) as caught:
        problem.bqm("selection", gamma=-1)
    assert caught.value.field == "gamma"
