"""Propensity binning: the DP against brute force, the CQM (cbc, highs) and the QUBO ground
state against the DP, coverage, reproducibility, JSON bins and bad input."""

from __future__ import annotations

import itertools

import dimod
import numpy as np
import pytest

import qseg
from qseg.data.propensity import propensity_customers
from qseg.errors import BadInputError, InfeasibleModelError
from qseg.problems.binning import BinningProblem, assign, load_bins, save_bins, search
from qseg.solving.reference import reference_for


def small(n_bins: int = 3, candidates: int | None = 8, seed: int = 3, **kw: object) -> BinningProblem:
    data = propensity_customers(60, seed)
    settings = {"revenue": "30+10*b", "cost": "b**2", **kw}
    return BinningProblem(data["propensity"], data["outcome"], n_bins=n_bins, candidates=candidates, seed=seed,
                          **settings)  # type: ignore[arg-type]


def brute_force(problem: BinningProblem) -> float:
    """Return the best objective over every combination of starts (all bin counts in at_most)."""
    m, k = problem.grid.m, problem.rules.k
    best = -np.inf
    counts = range(1, k + 1) if problem.rules.at_most else [k]
    for used in counts:
        for cuts in itertools.combinations(range(1, m), used - 1):
            starts = np.array([*cuts, *([m] * (k - used))])[None, :]
            if search.violation(problem.grid, problem.rules, starts)[0] <= 1e-9:
                best = max(best, float(search.objective(problem.grid, problem.revenue, problem.cost, starts)[0]))
    return best


CASES = [
    {}, {"min_bin_size": 8}, {"min_bin_size": 5, "max_bin_size": 30}, {"monotonic": "ascending"},
    {"monotonic": "descending", "n_bins": 2, "min_bin_size": 1}, {"n_bins_mode": "at_most", "n_bins": 4},
    {"n_bins_mode": "at_most", "n_bins": 4, "monotonic": "ascending", "max_bin_size": 40},
]


@pytest.mark.parametrize("settings", CASES)
@pytest.mark.parametrize("seed", [1, 2])
def test_dp_equals_brute_force(settings, seed):
    try:
        problem = small(seed=seed, **settings)
    except InfeasibleModelError:  # then brute force finds nothing either
        relaxed = small(seed=seed, **{**settings, "monotonic": None})
        relaxed.rules = search.Rules(relaxed.rules.k, relaxed.rules.at_most, relaxed.rules.min_size,
                                     relaxed.rules.max_size, str(settings["monotonic"]))
        assert brute_force(relaxed) == -np.inf
        return
    assert problem.optimum_value == pytest.approx(brute_force(problem))
    starts = problem.optimum_starts[None, :]
    assert search.violation(problem.grid, problem.rules, starts)[0] <= 1e-9
    assert search.objective(problem.grid, problem.revenue, problem.cost, starts)[0] == pytest.approx(problem.optimum_value)


def test_dp_with_every_distinct_value_and_ties():
    p = np.array([0.1, 0.1, 0.2, 0.2, 0.2, 0.5, 0.7, 1.0, 1.0, 1.0])
    y = np.array([0, 1, 0, 1, 1, 0, 1, 1, 1, 0])
    problem = BinningProblem(p, y, n_bins=3, min_bin_size=1, candidates="all", revenue=10, cost="b")
    assert problem.grid.m == 5  # distinct values
    assert problem.optimum_value == pytest.approx(brute_force(problem))


@pytest.mark.parametrize("backend", ["cbc", "highs"])
@pytest.mark.parametrize("settings", [{}, {"min_bin_size": 20, "max_bin_size": 900}, {"n_bins_mode": "at_most"}])
def test_cqm_optimum_equals_dp(backend, settings):
    data = propensity_customers(2000, 5)
    problem = BinningProblem(data["propensity"], data["outcome"], n_bins=4, candidates=20, revenue="30+10*b",
                             cost="b**2", seed=5, **settings)
    record = qseg.solve(problem, backend, reference=True)
    assert record.status == "ok" and record.feasible
    assert record.objective == pytest.approx(problem.optimum_value, rel=1e-9)
    assert record.reference_source == "dp" and record.reference_proven


def test_cqm_evaluation_matches_numpy():
    problem = small(n_bins=3, candidates=10, min_bin_size=4)
    rng = np.random.default_rng(0)
    starts = np.sort(rng.integers(1, problem.grid.m, size=(30, 2)), axis=1)
    samples = dimod.SampleSet.from_samples((problem.y_states(starts), problem.labels), dimod.BINARY, energy=0.0)
    reads = problem.evaluate_reads(samples)
    cqm = problem.cqm()
    for row, sample in enumerate(samples.samples()):
        assert -cqm.objective.energy(sample) == pytest.approx(reads.objective[row])
        assert cqm.check_feasible(sample) == bool(reads.feasible[row])


@pytest.mark.parametrize("settings", [{}, {"min_bin_size": 10}, {"n_bins_mode": "at_most"}, {"max_bin_size": 30}])
def test_qubo_ground_state_is_the_dp_optimum(settings):
    problem = small(n_bins=3, candidates=6, **settings)
    record, sampleset = qseg.solve(problem, "exact-bqm", reference=True, keep_sampleset=True)
    assert record.status == "ok"
    assert record.objective == pytest.approx(problem.optimum_value)
    lowest = problem.evaluate_reads(sampleset)
    assert lowest.feasible[int(np.argmin(lowest.energy))]


def test_qubo_energy_is_minus_objective_on_feasible_states():
    problem = small(n_bins=4, candidates=10, min_bin_size=3)
    qubo = problem.build_qubo("domain_wall")
    from qseg.problems.binning import qubo as dw

    starts = problem.optimum_starts[None, :]
    energy = qubo.bqm.energies((dw.encode(starts, problem.grid.m), dw.labels(problem.grid.m, 4)))
    assert energy[0] == pytest.approx(-problem.optimum_value)


def test_sa_with_polish_reaches_the_optimum_on_50_by_10():
    problem = qseg.problem("binning", size=100_000, seed=1, revenue="30+10*b", cost="b**2")
    record = qseg.solve(problem, "sa", reference=True, polish=True)
    assert record.feasible_fraction >= 0.5
    assert record.gap <= 0.005


def test_bins_cover_every_customer_including_propensity_one():
    p = np.r_[np.linspace(0, 0.99, 97), 1.0, 1.0, 1.0]
    y = (np.arange(100) % 2).astype(int)
    problem = BinningProblem(p, y, n_bins=4, min_bin_size=5, candidates=20)
    bins = problem.bins_of(problem.optimum_starts)
    labels = assign(p, bins)
    assert labels.min() == 0 and labels.max() == len(bins["bins"]) - 1
    assert np.all(np.diff(labels[np.argsort(p, kind="stable")]) >= 0)  # contiguous in propensity order
    counts = np.bincount(labels, minlength=len(bins["bins"]))
    assert counts.tolist() == [row["customers"] for row in bins["bins"]]
    assert counts.sum() == 100


def test_json_round_trip_and_assign(tmp_path):
    problem = small(n_bins=4, candidates=12)
    bins = problem.bins_of(problem.optimum_starts)
    path = save_bins(bins, tmp_path / "bins.json")
    loaded = load_bins(path)
    assert loaded["edges"] == bins["edges"]
    np.testing.assert_array_equal(assign([0.0, 1.0, 0.5], loaded), assign([0.0, 1.0, 0.5], bins))
    assert assign([1.0], loaded)[0] == len(bins["bins"]) - 1
    with pytest.raises(BadInputError, match="propensity"):
        assign([1.5], loaded)


def test_same_seed_same_instance_and_baselines():
    a = qseg.problem("binning", size=5000, seed=4, candidates=30, n_bins=5)
    b = qseg.problem("binning", size=5000, seed=4, candidates=30, n_bins=5)
    assert a.fingerprint() == b.fingerprint()
    assert a.baselines()["de"]() == b.baselines()["de"]()
    assert qseg.problem("binning", size=5000, seed=5, candidates=30).fingerprint() != a.fingerprint()


def test_reference_hook_uses_the_native_optimum(tmp_path, monkeypatch):
    monkeypatch.setenv("QSEG_CACHE_DIR", str(tmp_path))
    problem = small()
    reference = reference_for(problem)
    assert (reference.source, reference.proven) == ("dp", True)
    assert reference.minimised == pytest.approx(-problem.optimum_value)
    assert not (tmp_path / "references").exists()  # nothing solved, nothing cached


def test_baselines_are_scored():
    from qseg.solving.solve import solve_baseline

    problem = qseg.problem("binning", size=5000, seed=2, candidates=30, n_bins=5, revenue="30+10*b", cost="b**2")
    gaps = {name: solve_baseline(problem, name, reference=True).gap for name in ("percentile", "de", "dp")}
    assert gaps["dp"] == 0.0 and gaps["de"] >= 0 and gaps["percentile"] >= 0


@pytest.mark.parametrize(("settings", "field"), [
    ({"n_bins": 0}, "n_bins"), ({"min_bin_size": 0}, "min_bin_size"), ({"revenue": [1, 2]}, "revenue"),
    ({"cost": "nan"}, "cost"), ({"revenue": "abc"}, "revenue"), ({"min_bin_size": 30}, "min_bin_size"),
])
def test_bad_settings_name_the_field(settings, field):
    with pytest.raises(BadInputError, match=field):
        small(**settings)


@pytest.mark.parametrize(("p", "y", "field"), [
    ([0.1, 1.2], [0, 1], "propensity"), ([0.1, float("nan")], [0, 1], "propensity"), ([0.1, 0.2], [0, 2], "outcome"),
    ([0.1, 0.2], [0], "outcome"),
])
def test_bad_data_names_the_field(p, y, field):
    with pytest.raises(BadInputError, match=field):
        BinningProblem(p, y, n_bins=1, min_bin_size=1)


def test_infeasible_monotone_setting_raises():
    p = np.linspace(0, 1, 40)
    y = np.r_[np.ones(20), np.zeros(20)]  # rates fall with propensity: 4 ascending bins of >= 8 cannot exist
    with pytest.raises(InfeasibleModelError, match="monotonic=ascending"):
        BinningProblem(p, y, n_bins=4, min_bin_size=8, monotonic="ascending", candidates=10)
