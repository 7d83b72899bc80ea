"""k-medoids (p-median): construction and bad data, evaluation against the CQM, the PAM polish,
the OR-Library pmed loader, duplicate points, baselines and reproducibility."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import dimod
import numpy as np
import pytest

import qseg
from qseg.data.pmed import load_pmed
from qseg.errors import BadInputError
from qseg.problems.base import Problem
from qseg.problems.kmedoids.problem import KMedoidsProblem, euclidean_distances
from qseg.problems.kmedoids.search import medoid_set_costs, polish, polish_many


def random_distances(n, seed):
    points = np.random.default_rng(seed).uniform(0, 10, size=(n, 2))
    return euclidean_distances(points)


def pmedian_cost(distances, medoids):
    return float(distances[list(medoids)].min(axis=0).sum())


def brute_force_optimum(distances, k):
    return min(pmedian_cost(distances, s) for s in itertools.combinations(range(len(distances)), k))


def lifted(problem, chosen_row):
    """Return the CQM sample of a medoid row: y as given, z_ij = 1 for j's nearest chosen i."""
    n = problem.size
    medoids = np.flatnonzero(chosen_row)
    nearest = medoids[np.argmin(problem.distances[medoids], axis=0)]
    sample = {f"y_{i}": int(chosen_row[i]) for i in range(n)}
    sample.update({f"z_{i}_{j}": int(nearest[j] == i) for i in range(n) for j in range(n)})
    return sample


def write_pmed(path, header, edges):
    path.write_text(header + "\n" + "\n".join(" ".join(str(v) for v in edge) for edge in edges) + "\n")
    return path


# --- construction, generators, bad data -----------------------------------------------------------


def test_seed_000_is_the_notebook_customers_and_size_takes_a_prefix():
    full = qseg.problem("kmedoids", data="seed-000")
    small = qseg.problem("kmedoids", data="seed-000", size=40)
    assert full.instance == "seed-000" and full.size == 250 and full.k == 4
    np.testing.assert_array_equal(small.distances, full.distances[:40, :40])
    np.testing.assert_array_equal(small.points, full.points[:40])


def test_generated_blobs_depend_on_the_seed_only():
    a, b = qseg.problem("kmedoids", size=30, seed=5), qseg.problem("kmedoids", size=30, seed=5)
    c = qseg.problem("kmedoids", size=30, seed=6)
    np.testing.assert_array_equal(a.distances, b.distances)
    assert not np.array_equal(a.distances, c.distances)
    assert a.reference_labels is not None and len(a.reference_labels) == 30


def test_cqm_is_facility_location_with_k_medoids():
    problem = KMedoidsProblem(random_distances(4, 0), 2, instance="t")
    cqm = problem.cqm()
    assert len(cqm.variables) == 4 + 16 and len(cqm.constraints) == 16 + 4 + 1
    assert problem.model_size() == (20, 0, 21)
    medoids = cqm.constraints["medoids"]
    assert medoids.sense is dimod.sym.Sense.Eq and medoids.rhs == 2.0


@pytest.mark.parametrize(
    "matrix, field",
    [
        ([[0.0, np.nan], [np.nan, 0.0]], "distances[0][1]"),
        ([[0.0, -1.0], [-1.0, 0.0]], "distances[0][1]"),
        ([[0.0, np.inf], [np.inf, 0.0]], "distances[0][1]"),
        ([[0.0, 1.0, 2.0], [1.0, 0.0, 3.0], [2.0, 4.0, 0.0]], "distances[1][2]"),
        ([[0.0, 1.0], [1.0, 5.0]], "distances[1][1]"),
        ([[0.0, 1.0, 2.0], [1.0, 0.0, 3.0]], "distances"),
        ([1.0, 2.0], "distances"),
        (np.zeros((0, 0)), "distances"),
    ],
)
def test_bad_distances_name_the_entry(matrix, field):
    with pytest.raises(BadInputError) as caught:
        KMedoidsProblem(np.asarray(matrix, dtype=float), 1, instance="t")
    assert caught.value.field == field


@pytest.mark.parametrize("k", [0, 4, -1, 2.0, True, "2"])
def test_bad_k_is_refused(k):
    with pytest.raises(BadInputError) as caught:
        KMedoidsProblem(random_distances(3, 0), k, instance="t")
    assert caught.value.field == "k"


@pytest.mark.parametrize("spec, field", [({"k": "two"}, "k"), ({"k": 2.5}, "k"), ({"metric": "cosine"}, "metric")])
def test_bad_specs_name_the_field(spec, field):
    with pytest.raises(BadInputError) as caught:
        qseg.problem("kmedoids", size=10, **spec)
    assert caught.value.field == field


def test_fingerprint_depends_on_the_distances_and_k():
    d = random_distances(6, 11)
    base = KMedoidsProblem(d, 2, instance="a").fingerprint()
    assert KMedoidsProblem(d.copy(), 2, instance="b").fingerprint() == base
    assert KMedoidsProblem(d, 3, instance="a").fingerprint() != base
    moved = d.copy()
    moved[0, 1] = moved[1, 0] = d[0, 1] + 1e-6
    assert KMedoidsProblem(moved, 2, instance="a").fingerprint() != base


# --- duplicate points -----------------------------------------------------------------------------


def test_duplicate_points_are_allowed_and_counted_from_distances():
    """A zero off-diagonal distance is a duplicate: 0=1=2 (two duplicates) and 3=4 (one)."""
    points = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [5.0, 5.0], [5.0, 5.0], [9.0, 1.0]])
    problem = KMedoidsProblem(euclidean_distances(points), 2, points=points, instance="dups")
    details = problem.details({f"y_{i}": int(i in (0, 3)) for i in range(6)})
    assert details["duplicate_points"] == 3
    assert details["medoids"] == 2 and details["k"] == 2
    distinct = KMedoidsProblem(random_distances(5, 1), 2, instance="t")
    assert distinct.details({f"y_{i}": int(i < 2) for i in range(5)})["duplicate_points"] == 0


def test_duplicate_rows_in_a_points_csv_are_counted(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text("id,f1,f2,label\na,0,0,x\nb,1,1,x\nc,1,1,x\nd,7,7,y\ne,8,7,y\n")
    problem = qseg.problem("kmedoids", data=str(path), k=2)
    assert problem.size == 5 and problem.points.shape == (5, 2)
    assert problem.reference_labels.tolist() == ["x", "x", "x", "y", "y"]
    record = qseg.solve_baseline(problem, "fasterpam")
    assert record.feasible and record.details["duplicate_points"] == 1
    assert record.details["ari"] is not None


def test_a_precomputed_matrix_with_a_header_row_is_read_as_distances(tmp_path):
    path = tmp_path / "matrix.csv"
    path.write_text("a,b,c\n0,1,2\n1,0,3\n2,3,0\n")
    problem = qseg.problem("kmedoids", data=str(path), k=1, metric="precomputed")
    np.testing.assert_array_equal(problem.distances, [[0, 1, 2], [1, 0, 3], [2, 3, 0]])
    assert problem.points is None and set(problem.baselines()) == {"fasterpam"}


# --- evaluation -----------------------------------------------------------------------------------


def test_evaluate_reads_agrees_with_the_cqm_on_lifted_samples():
    """Random y rows with 1..N medoids: numpy cost/feasible/violation equal the CQM's own
    evaluation of the lifted sample (z = nearest chosen medoid)."""
    n, k = 7, 3
    problem = KMedoidsProblem(random_distances(n, 2), k, instance="t")
    rng = np.random.default_rng(3)
    rows = [row for row in rng.integers(0, 2, size=(60, n)) if row.sum() >= 1]
    rows += [np.eye(n, dtype=int)[0], np.ones(n, dtype=int)]
    counts = {int(row.sum()) for row in rows}
    assert {1, k, n} <= counts and len(counts) >= 5
    sampleset = dimod.SampleSet.from_samples(
        [{f"y_{i}": int(row[i]) for i in range(n)} for row in rows], dimod.BINARY, energy=np.zeros(len(rows))
    )
    reads = problem.evaluate_reads(sampleset)
    cqm = problem.cqm()
    for r, row in enumerate(rows):
        sample = lifted(problem, row)
        violations = cqm.violations(sample, clip=True)
        worst = max(violations.values())
        assert reads.objective[r] == pytest.approx(cqm.objective.energy(sample), rel=1e-12)
        assert reads.violation_max[r] == pytest.approx(worst)
        assert reads.violation_max[r] == abs(row.sum() - k)
        assert bool(reads.feasible[r]) == bool(cqm.check_feasible(sample)) == (row.sum() == k)
    # The generic CQM evaluation of the lifted sampleset gives the same numbers.
    lifted_set = dimod.SampleSet.from_samples([lifted(problem, row) for row in rows], dimod.BINARY, energy=np.zeros(len(rows)))
    generic = Problem.evaluate_reads(problem, lifted_set)
    np.testing.assert_allclose(generic.objective, reads.objective, rtol=1e-12)
    np.testing.assert_allclose(generic.violation_max, reads.violation_max, atol=1e-12)
    np.testing.assert_array_equal(generic.feasible, reads.feasible)


def test_a_sample_without_medoids_is_infeasible_with_infinite_cost():
    problem = KMedoidsProblem(random_distances(5, 4), 2, instance="t")
    evaluation = problem.evaluate(dict.fromkeys(problem.medoid_labels, 0))
    assert not evaluation.feasible and evaluation.objective == np.inf and evaluation.violation_max == 2.0


def test_decode_assigns_each_customer_to_its_nearest_medoid():
    problem = KMedoidsProblem(random_distances(8, 5), 3, instance="t")
    decoded = problem.decode({f"y_{i}": int(i in (1, 4, 6)) for i in range(8)})
    assert decoded["medoids"] == [1, 4, 6]
    for j, cluster in enumerate(decoded["clusters"]):
        assert problem.distances[decoded["medoids"][cluster], j] == problem.distances[[1, 4, 6], j].min()
    assert decoded["cost"] == pytest.approx(pmedian_cost(problem.distances, (1, 4, 6)))


# --- polish ---------------------------------------------------------------------------------------


def test_medoid_set_costs_matches_a_plain_loop():
    rng = np.random.default_rng(7)
    d = random_distances(9, 7)
    chosen = rng.random((40, 9)) < 0.3
    chosen[0] = False
    chosen[1] = chosen[2]  # a repeated row
    costs = medoid_set_costs(d, chosen)
    for row, cost in zip(chosen, costs):
        if not row.any():
            assert cost == np.inf
            continue
        expected = sum(min(d[i, j] for i in range(9) if row[i]) for j in range(9))
        assert cost == pytest.approx(expected, rel=1e-12)


def is_local_minimum(d, chosen):
    cost = medoid_set_costs(d, chosen)[0]
    for i in np.flatnonzero(chosen):
        for o in np.flatnonzero(~chosen):
            swapped = chosen.copy()
            swapped[i], swapped[o] = False, True
            if medoid_set_costs(d, swapped)[0] < cost - 1e-9 * max(1.0, cost):
                return False
    return True


@pytest.mark.parametrize("seed", range(6))
def test_polish_reaches_k_medoids_no_worse_than_the_repaired_start_and_swap_optimal(seed):
    rng = np.random.default_rng(seed)
    n = 10
    points = rng.uniform(0, 10, size=(n, 2))
    if seed % 2:
        points = np.round(points / 3)  # duplicates and ties
    d = euclidean_distances(points)
    for k in (1, 2, 3, 5, n - 1, n):
        starts = [np.zeros(n, dtype=bool), np.ones(n, dtype=bool)]
        starts += [rng.random(n) < p for p in (0.1, 0.3, 0.6, 0.9)]
        starts.append(np.isin(np.arange(n), rng.choice(n, k, replace=False)))
        for start in starts:
            repaired = polish(d, start, k, max_swaps=0)
            result = polish(d, start, k)
            assert repaired.sum() == k and result.sum() == k
            if start.sum() == k:
                np.testing.assert_array_equal(repaired, start)
            assert medoid_set_costs(d, result)[0] <= medoid_set_costs(d, repaired)[0] + 1e-9
            assert is_local_minimum(d, result), (k, start.astype(int))


def test_polish_many_polishes_every_row_like_polish():
    d = random_distances(9, 8)
    chosen = np.random.default_rng(8).random((12, 9)) < 0.4
    chosen[3] = chosen[5]
    polished = polish_many(d, chosen, 3)
    assert polished.shape == chosen.shape
    for row, result in zip(chosen, polished):
        np.testing.assert_array_equal(result, polish(d, row, 3))


def test_polish_reads_gives_feasible_k_medoid_reads_and_keeps_energies():
    problem = KMedoidsProblem(random_distances(10, 9), 3, instance="t")
    rows = np.random.default_rng(9).random((15, 10)) < 0.35
    rows[0] = False
    rows[1] = True
    sampleset = dimod.SampleSet.from_samples(
        [{f"y_{i}": int(r[i]) for i in range(10)} for r in rows], dimod.BINARY, energy=np.arange(15.0)
    )
    raw = problem.evaluate_reads(sampleset)
    polished = problem.polish_reads(raw)
    assert polished.feasible.all() and (polished.states.sum(axis=1) == 3).all()
    np.testing.assert_array_equal(polished.energy, raw.energy)
    np.testing.assert_allclose(polished.objective, medoid_set_costs(problem.distances, polished.states.astype(bool)))
    for row in polished.states.astype(bool):
        assert is_local_minimum(problem.distances, row)


def test_polish_reads_of_an_empty_sampleset_is_empty():
    """A MIP stopped by its time limit before any solution returns no read; polishing must cope."""
    problem = KMedoidsProblem(random_distances(6, 10), 2, instance="t")
    empty = dimod.SampleSet.from_samples(([], problem.medoid_labels), dimod.BINARY, energy=[])
    polished = problem.polish_reads(problem.evaluate_reads(empty))
    assert len(polished.objective) == 0 and polished.states.shape == (0, 6)


# --- OR-Library pmed files ------------------------------------------------------------------------


def test_pmed_duplicate_edge_takes_the_last_occurrence(tmp_path):
    """1-2 is listed three times (3, then 9 reversed, then 7); the last, 7, is the cost even
    though it is neither the minimum nor the first."""
    path = write_pmed(tmp_path / "dup.txt", "3 5 1", [(1, 2, 3), (2, 3, 20), (2, 1, 9), (1, 3, 30), (1, 2, 7)])
    instance = load_pmed(path)
    assert instance.distances[0, 1] == instance.distances[1, 0] == 7.0
    assert instance.distances[1, 2] == 20.0 and instance.distances[0, 2] == 27.0


def test_pmed_distances_are_shortest_paths(tmp_path):
    path = write_pmed(tmp_path / "paths.txt", "4 4 2", [(1, 2, 2), (2, 3, 3), (1, 3, 10), (3, 4, 1)])
    instance = load_pmed(path)
    assert instance.distances[0, 2] == 5.0  # 1-2-3, not the direct edge of 10
    assert instance.distances[0, 3] == 6.0  # 1-2-3-4
    assert instance.p == 2 and instance.name == "paths" and instance.optimum is None
    np.testing.assert_array_equal(instance.distances, instance.distances.T)


def test_a_small_pmed_file_is_a_problem_with_its_own_p_and_fasterpam_only(tmp_path):
    path = write_pmed(tmp_path / "tiny.txt", "5 5 2", [(1, 2, 1), (2, 3, 1), (3, 4, 5), (4, 5, 1), (5, 1, 9)])
    problem = qseg.problem("kmedoids", data=str(path))
    assert problem.k == 2 and problem.size == 5 and problem.best_known is None
    assert set(problem.baselines()) == {"fasterpam"}
    with pytest.raises(BadInputError) as caught:
        qseg.problem("kmedoids", data=str(path), size=5)
    assert caught.value.field == "size"


@pytest.mark.parametrize(
    "name, text",
    [
        ("disconnected.txt", "4 2 1\n1 2 3\n3 4 1\n"),
        ("header.txt", "4 x 1\n1 2 3\n3 4 1\n"),
        ("short.txt", "4 5 1\n1 2 3\n2 3 1\n3 4 1\n"),
        ("vertex.txt", "3 2 1\n1 2 3\n2 4 1\n"),
        ("negative.txt", "3 2 1\n1 2 3\n2 3 -1\n"),
        ("empty.txt", ""),
    ],
)
def test_a_bad_pmed_file_is_bad_input_naming_data(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(BadInputError) as caught:
        load_pmed(path)
    assert caught.value.field == "data" and str(path) in str(caught.value)


def test_a_disconnected_pmed_graph_names_an_unreachable_vertex(tmp_path):
    path = write_pmed(tmp_path / "two.txt", "4 2 1", [(1, 2, 3), (3, 4, 1)])
    with pytest.raises(BadInputError, match="disconnected") as caught:
        load_pmed(path)
    assert caught.value.field == "data"


@pytest.mark.parametrize("make", [lambda d: d / "missing.txt", lambda d: d])
def test_an_unreadable_pmed_path_is_bad_input_naming_data(tmp_path, make):
    with pytest.raises(BadInputError, match="unreadable") as caught:
        load_pmed(make(tmp_path))
    assert caught.value.field == "data"


def test_pmed_binary_garbage_is_bad_input(tmp_path):
    path = tmp_path / "garbage.txt"
    path.write_bytes(b"\xff\xfe\x00\x81 not a pmed file")
    with pytest.raises(BadInputError) as caught:
        load_pmed(path)
    assert caught.value.field == "data"


def test_a_single_vertex_pmed_file_without_edges_loads(tmp_path):
    path = tmp_path / "one.txt"
    path.write_text("1 0 1\n")
    instance = load_pmed(path)
    assert instance.distances.shape == (1, 1) and instance.p == 1


def _pmed_optima(instances_dir: Path) -> dict[str, dict[str, str]]:
    with open(instances_dir / "pmed" / "OPTIMA.csv", newline="") as handle:
        return {row["instance"]: row for row in csv.DictReader(handle)}


def test_pmed1_loads_with_p_5_and_its_published_optimum(instances_dir):
    problem = qseg.problem("kmedoids", data="pmed1.txt")
    assert problem.instance == "pmed1" and problem.size == 100
    assert problem.k == 5 and problem.best_known == 5819
    assert set(problem.baselines()) == {"fasterpam"}


@pytest.mark.parametrize("number", [1, 2, 6, 11, 16])
def test_pmed_files_match_optima_csv_n_and_p(instances_dir, number):
    row = _pmed_optima(instances_dir)[f"pmed{number}"]
    instance = load_pmed(instances_dir / "pmed" / f"pmed{number}.txt")
    assert instance.distances.shape == (int(row["n"]), int(row["n"]))
    assert instance.p == int(row["p"]) and instance.optimum == float(row["optimum"])
    assert np.isfinite(instance.distances).all() and (np.diag(instance.distances) == 0).all()


def test_fasterpam_on_pmed1_is_feasible_and_not_below_the_optimum(instances_dir):
    problem = qseg.problem("kmedoids", data="pmed1.txt")
    record = qseg.solve_baseline(problem, "fasterpam")
    assert record.feasible and record.reference == 5819 and record.reference_source == "best-known"
    assert record.objective >= 5819 - 1e-9 and record.gap >= 0


# --- baselines ------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", [{"data": "seed-000", "size": 60}, {"size": 60, "seed": 3}])
def test_point_data_has_fasterpam_and_kmeans_baselines_giving_k_medoids(spec):
    problem = qseg.problem("kmedoids", **spec)
    baselines = problem.baselines()
    assert set(baselines) == {"fasterpam", "kmeans"}
    for name, run in baselines.items():
        sample = run()
        assert set(sample) == set(problem.medoid_labels), name
        assert sum(sample.values()) == problem.k, name
        assert problem.evaluate(sample).feasible, name


def test_solve_baseline_fasterpam_gives_a_feasible_scored_record():
    problem = qseg.problem("kmedoids", size=40, seed=1)
    record = qseg.solve_baseline(problem, "fasterpam", reference=True)
    assert record.status == "ok" and record.feasible and record.backend == "baseline:fasterpam"
    assert record.details["medoids"] == problem.k == 4
    assert record.reference_proven and record.gap == pytest.approx(0.0, abs=1e-9)
    assert record.objective == pytest.approx(record.reference, rel=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fasterpam_reaches_the_brute_force_optimum_on_small_blobs(seed):
    problem = qseg.problem("kmedoids", size=16, seed=seed)
    record = qseg.solve_baseline(problem, "fasterpam")
    assert record.feasible
    assert record.objective == pytest.approx(brute_force_optimum(problem.distances, problem.k), rel=1e-9)


# --- reproducibility ------------------------------------------------------------------------------


def test_same_seed_gives_the_same_selection_sa_record():
    problem = qseg.problem("kmedoids", size=30, seed=4)
    first = qseg.solve(problem, "sa", formulation="selection", reference=True, num_reads=20)
    again = qseg.solve(qseg.problem("kmedoids", size=30, seed=4), "sa", formulation="selection",
                       reference=True, num_reads=20)
    assert first.feasible and first.gap is not None
    assert (again.objective, again.gap, again.params["seed"]) == (first.objective, first.gap, first.params["seed"])
    other = qseg.solve(problem, "sa", formulation="selection", num_reads=20, repeat=1)
    assert other.params["seed"] != first.params["seed"]


def test_polish_never_makes_the_selection_sa_record_worse():
    """A short anneal (5 sweeps) leaves infeasible and sub-optimal reads; the polished record
    keeps the raw gap, is all feasible, and its gap is no worse."""
    problem = qseg.problem("kmedoids", size=40, seed=2)
    options = {"formulation": "selection", "reference": True, "num_reads": 10, "num_sweeps": 5}
    raw = qseg.solve(problem, "sa", **options)
    polished = qseg.solve(problem, "sa", polish=True, **options)
    assert raw.feasible and raw.gap is not None
    assert polished.polished and polished.feasible and polished.feasible_fraction == 1.0
    assert polished.gap_raw == raw.gap and polished.details["raw"]["objective"] == raw.objective
    assert polished.details["raw"]["feasible_fraction"] == raw.feasible_fraction
    assert polished.gap <= polished.gap_raw + 1e-12
