"""k-medoids over candidates (the route for customer bases too large for an N × N matrix): the
coreset candidates, representative weights, the true objective over all customers, the QUBOs over
candidates, the polish, the CQM over candidates × customers and the parameter's bad values."""

from __future__ import annotations

import itertools

import dimod
import numpy as np
import pytest
from sklearn.datasets import make_blobs

import qseg
from qseg.errors import BadInputError
from qseg.problems.kmedoids.candidates import candidate_distances, coreset_candidates, representative_weights
from qseg.problems.kmedoids.problem import KMedoidsProblem, euclidean_distances
from qseg.problems.kmedoids.spec import from_points
from qseg.solving.solve import solve_baseline


def blobs(n: int, seed: int = 1) -> np.ndarray:
    points, _ = make_blobs(n, n_features=3, centers=4, cluster_std=[0.5, 1.0, 1.5, 0.8], random_state=seed)
    return points


def candidate_problem(n: int = 300, m: int = 30, k: int = 4) -> KMedoidsProblem:
    return from_points(blobs(n), k, {"candidates": m}, instance="blobs", seed=0)


def test_coreset_candidates_are_distinct_seeded_and_ordered_by_weight():
    points = blobs(400)
    first, again = coreset_candidates(points, 25, seed=3), coreset_candidates(points, 25, seed=3)
    np.testing.assert_array_equal(first, again)
    assert len(np.unique(first)) == 25 and first.min() >= 0 and first.max() < 400


def test_coreset_candidates_fill_in_when_customers_repeat():
    points = np.repeat(blobs(40), 5, axis=0)  # every customer five times
    rows = coreset_candidates(points, 30, seed=0)
    assert len(np.unique(points[rows], axis=0)) == 30
    with pytest.raises(BadInputError, match="candidates=41"):
        coreset_candidates(points, 41, seed=0)


def test_candidate_distances_match_the_full_matrix_rows():
    points = blobs(120)
    rows = np.array([5, 17, 99])
    np.testing.assert_allclose(candidate_distances(points, points[rows]), euclidean_distances(points)[rows], atol=1e-12)


def test_weights_count_each_customer_once_at_its_nearest_candidate():
    problem = candidate_problem()
    weights = representative_weights(problem.distances)
    assert weights.sum() == problem.size and (weights >= 1).all()  # a candidate represents itself
    np.testing.assert_array_equal(problem.weights, weights)


def test_the_objective_is_the_full_pmedian_over_every_customer():
    problem = candidate_problem()
    full = euclidean_distances(problem.points)
    rng = np.random.default_rng(0)
    chosen = np.zeros((5, problem.num_candidates), dtype=bool)
    for row in chosen:
        row[rng.choice(problem.num_candidates, 4, replace=False)] = True
    cost, feasible, _ = problem.evaluate_chosen(chosen)
    expected = [full[problem.candidates[np.flatnonzero(row)]].min(axis=0).sum() for row in chosen]
    np.testing.assert_allclose(cost, expected)
    assert feasible.all()


def test_the_cqm_over_candidates_agrees_with_the_evaluation():
    problem = candidate_problem(n=40, m=6, k=2)
    cqm = problem.cqm()
    assert len(cqm.variables) == 6 * 40 + 6 and problem.model_size() == (6 * 40 + 6, 0, 6 * 40 + 40 + 1)
    chosen = np.zeros(6, dtype=bool)
    chosen[[1, 4]] = True
    rows = np.flatnonzero(chosen)
    serving = rows[np.argmin(problem.distances[rows], axis=0)]
    sample = {label: int(chosen[r]) for r, label in enumerate(problem.medoid_labels)}
    sample.update({f"z_{problem.candidates[r]}_{j}": int(serving[j] == r) for r in range(6) for j in range(40)})
    assert cqm.check_feasible(sample)
    assert cqm.objective.energy(sample) == pytest.approx(problem.evaluate_chosen(chosen)[0][0])


@pytest.mark.parametrize("formulation", ["selection", "bauckhage", "assignment"])
def test_every_formulation_builds_over_candidates_and_a_solve_is_scored_on_all_customers(formulation):
    problem = candidate_problem(n=200, m=12, k=3)
    built = problem.build_qubo(formulation)
    assert problem.qubo_variables(formulation) == len(built.bqm.variables)
    assert len(built.bqm.variables) == (12 if formulation != "assignment" else 12 * 12 + 12)
    combos = np.array(list(itertools.combinations(range(12), 3)))
    every = np.zeros((len(combos), 12), dtype=bool)
    every[np.arange(len(combos))[:, None], combos] = True
    optimum = float(problem.evaluate_chosen(every)[0].min())
    record = qseg.solve(problem, "sa", formulation=formulation, polish=True, params={"num_reads": 20})
    assert record.status == "ok" and record.size == 200
    assert record.objective >= optimum - 1e-9


def test_with_unit_weights_the_candidate_qubo_is_the_square_one():
    points = blobs(60)
    square = KMedoidsProblem(euclidean_distances(points), 3, points=points, instance="sq")
    rows = np.arange(60)
    every = KMedoidsProblem(candidate_distances(points, points), 3, candidates=rows, points=points, instance="all")
    assert every.every_customer
    for formulation in ("selection", "bauckhage"):
        a, b = square.build_qubo(formulation).bqm, every.build_qubo(formulation).bqm
        states = np.random.default_rng(1).integers(0, 2, size=(20, 60))
        np.testing.assert_allclose(a.energies((states, square.medoid_labels)), b.energies((states, every.medoid_labels)),
                                   rtol=1e-9)


def test_selection_energy_of_k_medoids_bounds_the_weighted_radius_capped_cost():
    """Bonferroni: for exactly K medoids the energy is at least Σ_j w_j min(R_j, d_j), with
    equality when no representative is within the radius of three chosen medoids."""
    problem = candidate_problem(n=250, m=20, k=3)
    built = problem.build_qubo("selection")
    rank = int(built.penalties["radius_rank"])
    radius = np.sort(problem.candidate_matrix, axis=1)[:, rank]
    rng = np.random.default_rng(2)
    for _ in range(10):
        chosen = np.zeros(20, dtype=bool)
        chosen[rng.choice(20, 3, replace=False)] = True
        energy = float(built.bqm.energies((chosen[None, :].astype(int), problem.medoid_labels))[0])
        nearest = problem.candidate_matrix[chosen].min(axis=0)
        capped = float(np.minimum(radius, nearest) @ problem.weights)
        within = (problem.candidate_matrix[chosen] < radius[None, :]).sum(axis=0)
        assert energy >= capped - 1e-6
        if within.max() <= 2:
            assert energy == pytest.approx(capped)


def test_polish_and_baselines_stay_among_candidates_and_never_worsen():
    problem = candidate_problem(n=300, m=30, k=4)
    reads = problem.reads_of(np.eye(30, dtype=bool)[:4].any(axis=0, keepdims=True), np.zeros(1), np.ones(1, dtype=np.int64))
    polished = problem.polish_reads(reads)
    assert polished.objective[0] <= reads.objective[0] and polished.states.shape == (1, 30)
    assert set(problem.baselines()) == {"pam", "kmeans"}
    for name in problem.baselines():
        record = solve_baseline(problem, name)
        assert record.status == "ok" and record.feasible_fraction == 1.0


def test_decode_names_customers_and_details_record_candidates():
    problem = candidate_problem(n=300, m=30, k=4)
    sample = dict.fromkeys(problem.medoid_labels, 0)
    sample.update(dict.fromkeys(problem.medoid_labels[:4], 1))
    decoded = problem.decode(sample)
    assert decoded["medoids"] == problem.candidates[:4].tolist() and len(decoded["clusters"]) == 300
    details = problem.details(sample)
    assert details["candidates"] == 30 and details["silhouette"] is not None and details["silhouette_sample"] is None


def test_candidates_parameter_from_the_api_and_its_bad_values():
    problem = qseg.problem("kmedoids", size=300, candidates=40)
    assert problem.num_candidates == 40 and problem.size == 300 and problem.instance.endswith("-m40")
    assert qseg.problem("kmedoids", size=300, candidates="all").every_customer
    assert qseg.problem("kmedoids", size=300).every_customer  # below FULL_MATRIX_LIMIT
    for bad in (0, 301, -3, 2.5, "many", True, float("nan")):
        with pytest.raises(BadInputError, match="candidates"):
            qseg.problem("kmedoids", size=300, candidates=bad)
    with pytest.raises(BadInputError, match="k=31"):
        qseg.problem("kmedoids", size=300, candidates=30, k=31)


def test_large_generated_instances_default_to_candidates_without_a_square_matrix():
    problem = qseg.problem("kmedoids", size=3000)
    assert problem.num_candidates == 200 and problem.distances.shape == (200, 3000)


def test_the_fingerprint_tells_candidate_sets_apart():
    a = qseg.problem("kmedoids", size=300, candidates=40)
    b = qseg.problem("kmedoids", size=300, candidates=41)
    assert a.fingerprint() != b.fingerprint()
    assert a.fingerprint() == qseg.problem("kmedoids", size=300, candidates=40).fingerprint()


def test_candidate_distance_checks_name_the_entry():
    points = blobs(20)
    rows = np.array([0, 3])
    matrix = candidate_distances(points, points[rows])
    bad = matrix.copy()
    bad[1, 7] = np.nan
    with pytest.raises(BadInputError, match=r"distances\[1\]\[7\]"):
        KMedoidsProblem(bad, 2, candidates=rows, instance="x")
    with pytest.raises(BadInputError, match="candidates"):
        KMedoidsProblem(matrix, 2, candidates=np.array([0, 0]), instance="x")
    shifted = matrix.copy()
    shifted[0, 0] = 1.0
    with pytest.raises(BadInputError, match=r"distances\[0\]\[0\]"):
        KMedoidsProblem(shifted, 2, candidates=rows, instance="x")
    assert isinstance(KMedoidsProblem(matrix, 2, candidates=rows, instance="x").cqm(), dimod.ConstrainedQuadraticModel)
