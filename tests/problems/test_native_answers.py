"""Native answers (issue 20 item 2): every baseline's native answer, scored by the problem's own
``native_reads``, agrees with the same answer evaluated on the CQM as a sample; solve_baseline
reports the same objective either way."""

from __future__ import annotations

import numpy as np
import pytest

import qseg
from qseg.problems import Problem
from qseg.problems.binning import BinningProblem

CASES = [
    ("knapsack", {"size": 40, "seed": 2}),
    ("binning", {"size": 400, "seed": 3, "candidates": 12, "n_bins": 4}),
    ("binning", {"size": 300, "seed": 4, "candidates": 10, "n_bins": 4, "n_bins_mode": "at_most",
                 "max_bin_size": 150}),
    ("assignment", {"size": 20, "seed": 5}),
]


def _cqm_reads(problem: Problem, sample: dict) -> tuple[float, bool]:
    """Evaluate a sample with the base class's CQM evaluation (dimod energies and constraints)."""
    labels = list(sample)
    states = np.array([[sample[v] for v in labels]], dtype=float)
    reads = Problem.reads_of_states(problem, states, labels, np.zeros(1), np.ones(1, dtype=np.int64))
    return float(reads.objective[0]), bool(reads.feasible[0])


@pytest.mark.parametrize(("name", "settings"), CASES)
def test_native_scoring_equals_the_cqm_evaluation(name, settings):
    problem = qseg.problem(name, **settings)
    native = problem.native_baselines()
    assert set(native) == set(problem.baselines())
    for method, run in native.items():
        answer = run()
        reads = problem.native_reads(answer)
        objective, feasible = _cqm_reads(problem, problem.baselines()[method]())
        assert reads.objective[0] == pytest.approx(objective, rel=1e-9, abs=1e-9), method
        assert bool(reads.feasible[0]) == feasible, method


@pytest.mark.parametrize(("name", "settings"), CASES)
def test_solve_baseline_reports_the_cqm_objective(name, settings):
    problem = qseg.problem(name, **settings)
    for method in problem.native_baselines():
        record = qseg.solve_baseline(problem, method)
        objective, feasible = _cqm_reads(problem, problem.baselines()[method]())
        assert record.feasible == feasible
        if feasible:
            assert record.objective == pytest.approx(objective, rel=1e-9, abs=1e-9)


def test_kmedoids_native_medoids_score_as_their_sample():
    problem = qseg.problem("kmedoids", size=60, seed=1, k=3)
    for method, run in problem.native_baselines().items():
        reads = problem.native_reads(run())
        evaluation = problem.evaluate(problem.baselines()[method]())
        assert reads.objective[0] == pytest.approx(evaluation.objective) and reads.feasible[0] == evaluation.feasible


def test_binning_native_reads_carry_no_label_list():
    problem = qseg.problem("binning", size=500, seed=1, candidates=20, n_bins=5)
    reads = problem.native_reads(problem.optimum_starts)
    assert not isinstance(reads.labels, list) and len(reads.labels) == problem.num_binaries
    assert list(reads.labels) == [f"y_{j}_{b}" for b in range(1, 5) for j in range(1, problem.width + 1)]
    assert reads.labels[-1] == f"y_{problem.width}_4" and reads.labels[1:3] == ["y_2_1", "y_3_1"]
    details = problem.read_details(reads, 0)
    assert details == problem.details(problem.sample_of(problem.optimum_starts))


def test_binning_dp_record_at_every_distinct_value_has_the_optimum():
    rng = np.random.default_rng(0)
    p = rng.random(5000)
    y = (rng.random(5000) < p).astype(int)
    problem = BinningProblem(p, y, n_bins=6, candidates="all")
    record = qseg.solve_baseline(problem, "dp", reference=True)
    assert record.status == "ok" and record.gap == 0 and record.objective == pytest.approx(problem.optimum_value)
    assert record.details["n_bins_used"] == 6
