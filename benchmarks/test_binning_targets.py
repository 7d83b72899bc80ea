"""Binning targets (issue 12), measured with `make benchmarks` (pytest-benchmark times the real
calls; figures go to extra_info and are printed; nothing asserts a time):

- exact DP at 1,000,000 customers, 10 bins, every distinct value a candidate (<= 2 s, <= 1 GB)
  and at 100,000 (<= 0.2 s);
- monotonic=ascending on 1,000 quantile candidates, 10 bins (<= 5 s);
- the seed's differential evolution against the DP (constant revenue, exactly 10 bins; and
  revenue 30 + 10 b with cost b^2);
- sa on the domain-wall QUBO at 50 candidates x 10 bins (best feasible within 2 %, >= 50 %
  feasible; within 0.5 % with the polish).
"""

from __future__ import annotations

import resource

import pytest

import qseg
from qseg.data.propensity import propensity_customers
from qseg.problems.binning import BinningProblem, search
from qseg.solving.solve import solve_baseline


def _dp(n: int, **settings: object) -> BinningProblem:
    data = propensity_customers(n, 1)
    return BinningProblem(data["propensity"], data["outcome"], n_bins=10, seed=1, **settings)  # type: ignore[arg-type]


@pytest.mark.parametrize("n", [100_000, 1_000_000])
def test_dp_every_distinct_value(benchmark, n):
    data = propensity_customers(n, 1)
    problem = benchmark.pedantic(BinningProblem, args=(data["propensity"], data["outcome"]),
                                 kwargs={"n_bins": 10, "candidates": "all", "revenue": "30+10*b", "cost": "b**2"},
                                 rounds=3, iterations=1)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    benchmark.extra_info.update({"candidates": problem.grid.m, "peak_rss_mb": peak_mb})
    print(f"\nDP n={n} M={problem.grid.m}: mean {benchmark.stats['mean']:.3f} s, peak RSS {peak_mb:.0f} MB")


def test_dp_monotone_1000_candidates(benchmark):
    data = propensity_customers(100_000, 1)
    problem = benchmark.pedantic(BinningProblem, args=(data["propensity"], data["outcome"]),
                                 kwargs={"n_bins": 10, "candidates": 1000, "monotonic": "ascending",
                                         "revenue": "30+10*b", "cost": "b**2"}, rounds=1, iterations=1)
    starts = problem.optimum_starts[None, :]
    assert search.violation(problem.grid, problem.rules, starts)[0] <= 1e-9
    print(f"\nmonotone DP M={problem.grid.m}: {benchmark.stats['mean']:.3f} s")


@pytest.mark.parametrize(("revenue", "cost", "outcome_model"), [("30", "2*b", "random"), ("30+10*b", "b**2", "random")])
def test_de_against_dp(benchmark, revenue, cost, outcome_model):
    data = propensity_customers(100_000, 1, outcome_model)
    problem = BinningProblem(data["propensity"], data["outcome"], n_bins=10, candidates="all", revenue=revenue,
                             cost=cost, seed=1)
    record = benchmark.pedantic(solve_baseline, args=(problem, "de"), kwargs={"reference": True}, rounds=1, iterations=1)
    benchmark.extra_info["gap"] = record.gap
    print(f"\nde revenue={revenue} cost={cost}: gap {record.gap:.2%} in {record.wall_s:.1f} s")


@pytest.mark.parametrize("polish", [False, True])
def test_sa_on_50_by_10(benchmark, polish):
    problem = qseg.problem("binning", size=100_000, seed=1, candidates=50, n_bins=10, revenue="30+10*b", cost="b**2")
    record = benchmark.pedantic(qseg.solve, args=(problem, "sa"), kwargs={"reference": True, "polish": polish},
                                rounds=1, iterations=1)
    benchmark.extra_info.update({"gap": record.gap, "feasible_fraction": record.feasible_fraction})
    print(f"\nsa 50x10 polish={polish}: gap {record.gap:.3%}, feasible {record.feasible_fraction:.0%}")
