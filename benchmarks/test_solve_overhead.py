"""Targets: `qseg.solve` costs <= 5 % more than the bare solver call it wraps (250 variables,
100 reads), and its fixed cost on a trivial solve stays small. Run with `make benchmarks`; the
figures are printed and stored in extra_info, and the benchmark timings are of the real calls."""

from __future__ import annotations

import statistics
import time

import pytest
from dwave.samplers import SimulatedAnnealingSampler

import qseg

READS, SWEEPS, SEED, ROUNDS = 100, 1000, 7, 5


@pytest.fixture(scope="module")
def problem() -> qseg.problems.Problem:
    return qseg.problem("knapsack", size=250, seed=1)


def test_bare_simulated_annealing(benchmark, problem):
    bqm = problem.bqm("unbalanced")
    benchmark.pedantic(
        lambda: SimulatedAnnealingSampler().sample(bqm, num_reads=READS, num_sweeps=SWEEPS, seed=SEED),
        rounds=ROUNDS, iterations=1, warmup_rounds=1,
    )


def test_qseg_solve_sa(benchmark, problem):
    benchmark.pedantic(
        lambda: qseg.solve(problem, "sa", num_reads=READS, num_sweeps=SWEEPS, seed=SEED),
        rounds=ROUNDS, iterations=1, warmup_rounds=1,
    )


def test_overhead_ratio_interleaved(benchmark, problem):
    """Alternate bare and wrapped calls so that machine drift hits both alike; report the ratio
    of medians (qseg.solve includes building the BQM and evaluating every read on the CQM). The
    benchmark times each pair."""
    bqm = problem.bqm("unbalanced")
    bare: list[float] = []
    wrapped: list[float] = []

    def pair() -> None:
        start = time.perf_counter()
        SimulatedAnnealingSampler().sample(bqm, num_reads=READS, num_sweeps=SWEEPS, seed=SEED)
        bare.append(time.perf_counter() - start)
        start = time.perf_counter()
        qseg.solve(problem, "sa", num_reads=READS, num_sweeps=SWEEPS, seed=SEED)
        wrapped.append(time.perf_counter() - start)

    benchmark.pedantic(pair, rounds=ROUNDS, iterations=1)
    ratio = statistics.median(wrapped) / statistics.median(bare)
    benchmark.extra_info.update(
        {"bare_median_s": statistics.median(bare), "solve_median_s": statistics.median(wrapped),
         "overhead_ratio": ratio}
    )
    print(f"\nqseg.solve / bare SA (median of {ROUNDS}): {ratio:.4f}")


def test_fixed_cost_of_a_trivial_solve(benchmark):
    """`qseg.solve` with the `random` backend and one read on 10 customers: almost all of the
    time is qseg's own (building the QUBO, checks, evaluation, the record). The benchmark times
    the whole call; extra_info splits it into the solver's wall time and the rest."""
    small = qseg.problem("knapsack", size=10, seed=1)
    solver_s: list[float] = []

    def trivial() -> qseg.Record:
        record = qseg.solve(small, "random", num_reads=1, seed=SEED)
        solver_s.append(record.timing["wall_ns"] / 1e9)
        return record

    benchmark.pedantic(trivial, rounds=50, iterations=1, warmup_rounds=3)
    median_total = benchmark.stats.stats.median
    benchmark.extra_info.update({"median_total_s": median_total, "median_solver_s": statistics.median(solver_s)})
    print(f"\ntrivial qseg.solve: median {median_total * 1000:.2f} ms, of which the solver "
          f"{statistics.median(solver_s) * 1000:.2f} ms")
