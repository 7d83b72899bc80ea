"""qseg.solve: formulations per backend, records, references, seeds, limits."""

from __future__ import annotations

import dimod
import pytest

import qseg
from qseg.errors import BadInputError, UnknownNameError
from qseg.record import record_fields
from qseg.solving import reference as reference_module

DESIGN_FIELDS = [
    "problem", "formulation", "backend", "size", "seed", "num_variables", "num_interactions", "sense",
    "objective", "reference", "gap", "feasible", "feasible_fraction", "status", "wall_s",
    "key", "reference_source", "reference_proven", "success_probability", "tts99_s", "timing",
    "polished", "gap_raw", "params", "penalties", "physical_qubits", "max_chain_length",
    "mean_chain_length", "chain_break_fraction", "timing_simulated", "reps", "shots",
    "approximation_ratio_best", "approximation_ratio_mean", "formulation_gap", "bound", "mip_gap",
    "gap_lowest_energy", "violation_max", "tts_basis", "details",
]


@pytest.fixture(scope="module")
def small():
    return qseg.problem("knapsack", size=30, seed=3)


def test_every_design_field_is_in_the_record(small):
    record = qseg.solve(small, "sa", num_reads=5, num_sweeps=50).to_dict()
    assert set(DESIGN_FIELDS) <= set(record) == set(record_fields())


def test_sa_record_has_metrics_against_the_exact_reference(small):
    record = qseg.solve(small, "sa", reference=True, num_reads=50, num_sweeps=500)
    assert record.status == "ok" and record.formulation == "unbalanced"
    assert record.reference_source == "cbc" and record.reference_proven
    assert record.feasible and 0.0 <= record.gap <= 0.05
    assert record.gap_raw == record.gap and record.polished is False
    assert record.objective <= record.reference + 1e-9
    assert 0.0 < record.feasible_fraction <= 1.0 and record.num_reads == 50
    assert record.penalties.keys() == {"lambda1", "lambda2"}
    assert record.timing["sampling_ns"] > 0 and record.wall_s > 0
    assert record.tts_basis == "sampling_ns"
    assert record.details["spend"] <= record.details["budget"]


def test_tts99_follows_from_success_probability(small):
    record = qseg.solve(small, "sa", reference=True, num_reads=50, num_sweeps=500)
    if record.success_probability == 0:
        assert record.tts99_s is None
    else:
        t_read = record.timing["sampling_ns"] / 1e9 / 50
        assert record.tts99_s >= t_read * (1 - 1e-9)


def test_exact_backend_takes_the_cqm_and_reports_its_bound(small):
    record = qseg.solve(small, "highs", reference=True)
    assert record.formulation == "cqm" and record.num_constraints == 1
    assert record.gap == pytest.approx(0.0, abs=1e-9) and record.mip_gap == 0.0
    assert record.bound == pytest.approx(record.objective)
    assert record.success_probability == 1.0


def test_a_qubo_formulation_on_a_cqm_backend_is_bad_input(small):
    with pytest.raises(BadInputError) as caught:
        qseg.solve(small, "cbc", formulation="slack")
    assert caught.value.field == "formulation"


def test_cqm_on_a_bqm_backend_is_bad_input(small):
    with pytest.raises(BadInputError):
        qseg.solve(small, "sa", formulation="cqm")


def test_unknown_formulation_lists_cqm_too(small):
    with pytest.raises(UnknownNameError) as caught:
        qseg.solve(small, "sa", formulation="onehot")
    assert "cqm" in caught.value.known


def test_bad_backend_parameter_fails_before_building(small, monkeypatch):
    built = []
    monkeypatch.setattr(type(small), "build_qubo", lambda *a, **k: built.append(1))
    with pytest.raises(BadInputError):
        qseg.solve(small, "sa", num_reads="many")
    assert built == []


def test_the_solver_seed_derives_from_the_instance_seed_and_reproduces(small):
    first = qseg.solve(small, "sa", num_reads=10, num_sweeps=100)
    again = qseg.solve(small, "sa", num_reads=10, num_sweeps=100)
    assert first.params["seed"] == again.params["seed"] is not None
    assert first.objective == again.objective and first.feasible_fraction == again.feasible_fraction
    explicit = qseg.solve(small, "sa", num_reads=10, num_sweeps=100, seed=99)
    assert explicit.params["seed"] == 99


def test_a_model_over_the_backend_limit_is_skipped_with_the_reason(small):
    record = qseg.solve(small, "exact-bqm")
    assert record.status == "skipped" and "max_variables=20" in record.message
    assert record.objective is None and record.num_variables == 30


def test_no_feasible_read_is_status_infeasible_with_null_gap(small):
    record = qseg.solve(small, "random", reference=True, formulation="equality", num_reads=1, seed=3)
    if record.feasible:
        pytest.skip("the random read happened to be feasible")
    assert record.status == "infeasible" and record.gap is None and record.objective is None
    assert record.violation_max > 0 and record.success_probability == 0.0


def test_penalty_options_reach_the_formulation(small):
    record = qseg.solve(small, "sa", formulation="equality", penalties={"lam": 5.0}, num_reads=2, num_sweeps=10)
    assert record.penalties == {"lam": 5.0}


def test_references_are_cached_per_model(small, isolated_cache, monkeypatch):
    first = reference_module.reference_for(small)
    cached = list((isolated_cache / "references").glob("knapsack-*.json"))
    assert cached, "no cache file written"
    monkeypatch.setattr(reference_module, "_solve_exactly", lambda *a: pytest.fail("cache not used"))
    assert reference_module.reference_for(small) == first


def test_a_damaged_cache_entry_is_recomputed(isolated_cache):
    problem = qseg.problem("knapsack", size=12, seed=8)
    first = reference_module.reference_for(problem)
    for path in (isolated_cache / "references").glob(f"knapsack-{problem.fingerprint()}-*.json"):
        path.write_text("{not json")
    assert reference_module.reference_for(problem) == first


def test_a_proven_infeasible_model_is_its_own_status_not_a_result():
    import numpy as np

    from qseg.problems.knapsack import KnapsackProblem

    class Impossible(KnapsackProblem):
        def build_cqm(self) -> dimod.ConstrainedQuadraticModel:
            cqm = super().build_cqm()
            cqm.add_constraint_from_iterable([("x_0", 1.0)], ">=", 2.0, label="impossible")
            return cqm

    problem = Impossible(np.array([1.0, 2.0]), np.array([1.0, 1.0]), 1.0, instance="impossible")
    record = qseg.solve(problem, "cbc")
    assert record.status == qseg.Status.INFEASIBLE_MODEL == "infeasible_model"
    assert "proved the model infeasible" in record.message and record.objective is None
    assert record.num_variables == 2 and record.timing["wall_ns"] > 0  # what was measured is kept
    # the reference solve proves it too: the same status, not an exception
    by_reference = qseg.solve(problem, "sa", reference=True, num_reads=2, num_sweeps=10)
    assert by_reference.status == "infeasible_model" and "infeasible" in by_reference.message


def test_baselines_are_scored_like_backends(small):
    greedy = qseg.solve_baseline(small, "greedy", reference=True)
    dp = qseg.solve_baseline(small, "dp", reference=True)
    assert greedy.backend == "baseline:greedy" and greedy.formulation == "native"
    assert greedy.feasible and dp.feasible and greedy.gap >= dp.gap >= 0.0
    assert dp.objective >= greedy.objective
    assert dp.gap == pytest.approx(0.0, abs=1e-12)  # dp is exact
    assert (dp.details["baseline_exact"], greedy.details["baseline_exact"]) == (True, False)
    with pytest.raises(UnknownNameError):
        qseg.solve_baseline(small, "kmeans")


def test_a_failure_after_solving_started_is_an_error_record_with_what_was_measured(small, monkeypatch):
    backend = qseg.backend("sa")
    monkeypatch.setattr(type(small), "evaluate_reads", lambda self, sampleset: 1 / 0)
    record = qseg.solve(small, backend, num_reads=3, num_sweeps=10)
    assert record.status == "error" and "ZeroDivisionError" in record.message
    assert record.timing["sampling_ns"] > 0 and record.wall_s > 0 and record.num_variables == 30
    assert record.penalties is not None and record.params["num_reads"] == 3


def test_keep_sampleset_returns_the_record_and_the_samples(small):
    record, sampleset = qseg.solve(small, "sa", num_reads=4, num_sweeps=10, keep_sampleset=True)
    assert record.num_reads == 4 and sum(sampleset.record.num_occurrences) == 4
    assert set(sampleset.variables) == set(small.cqm().variables)
    skipped, none = qseg.solve(small, "exact-bqm", keep_sampleset=True)
    assert skipped.status == "skipped" and none is None


def test_backend_parameters_as_a_mapping_never_collide_with_solve_keywords(small):
    by_mapping = qseg.solve(small, "sa", params={"num_reads": 3, "num_sweeps": 10, "seed": 5})
    by_keywords = qseg.solve(small, "sa", num_reads=3, num_sweeps=10, seed=5)
    assert by_mapping.params == by_keywords.params and by_mapping.objective == by_keywords.objective
    with pytest.raises(BadInputError, match="num_reads"):
        qseg.solve(small, "sa", params={"num_reads": 3}, num_reads=4)


def test_a_reference_cached_by_one_process_is_found_by_another(isolated_cache, monkeypatch):
    """Workers are separate processes: the cache key (the CQM fingerprint) must not depend on
    when the model was serialised (dimod's zip members carry their write time)."""
    import subprocess
    import sys

    # The other process's clock runs a day behind, so its zip members' write times (2 s
    # resolution) differ from this process's without waiting.
    code = ("import time; now = time.time; time.time = lambda: now() - 86400; "
            "import qseg; from qseg.solving.reference import reference_for; "
            "print(reference_for(qseg.problem('knapsack', size=12, seed=5)).minimised)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    monkeypatch.setattr(reference_module, "_solve_exactly", lambda *a: pytest.fail("cache not used across processes"))
    again = reference_module.reference_for(qseg.problem("knapsack", size=12, seed=5))
    assert again.minimised == float(done.stdout)


@pytest.mark.parametrize(("name", "size", "formulation", "variables"), [
    ("knapsack", 100_000, "unbalanced", 100_000),
    ("kmedoids", 250, "assignment", 62_750),
    ("assignment", 5_000, "unbalanced", 35_000),
])
def test_a_qubo_over_the_backend_limit_is_never_built(monkeypatch, name, size, formulation, variables):
    """Class 3 of the hostile-input review: a 100,000-customer knapsack QUBO is dense (5e9
    interactions); its size is known from the problem, so the cell is skipped before building."""
    problem = qseg.problem(name, size=size, seed=1)
    monkeypatch.setattr(type(problem), "build_qubo", lambda *a, **k: pytest.fail("built a QUBO that cannot run"))
    record = qseg.solve(problem, "sa", formulation=formulation)
    assert record.status == "skipped" and record.num_variables == variables
    assert record.message == f"{variables} variables exceed max_variables=20000"
